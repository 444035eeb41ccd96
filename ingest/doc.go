// Package ingest turns raw inbound mail into tickets and replies. Its
// parsing layer (Parse and friends) reads a message into the view the ticket
// logic works on: sender, thread ids, readable text, sanitized HTML,
// attachments, and the signals that say whether a message is automated
// (auto-reply, bulk, bounce) or a forward an agent passed on.
//
// It must never drop a message: what it cannot parse it still hands on with
// its raw bytes and a parse error. Parse is pure (no database, no network,
// no logging), never returns nil and never panics.
//
// It must also never trust headers that only the helpdesk itself may set:
// X-Helpdesk-* fields are removed from the parsed view (and reported) before
// anything reads them.
package ingest
