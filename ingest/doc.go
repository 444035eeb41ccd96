// Package ingest turns raw inbound mail into tickets and replies, each
// message exactly once, whichever way it arrives: the IMAP poller
// (imap.go), the SMTP intake (smtpd.go), the MTA pipe and mbox imports
// (through Intake.Deliver).
//
// Its parsing layer (Parse and friends) reads a message into the view the
// ticket logic works on: sender (and which header named it), thread ids,
// readable text, sanitized HTML, attachments, whether the message is a
// forward an agent passed on, and whether it is automated (auto-reply,
// bulk, bounce). Automation is decided by headers only, never by what a
// subject says, and it decides only whether the helpdesk stays quiet.
// Parse is pure (no database, no network, no logging), never returns nil
// and never panics. The intake (intake.go) applies DESIGN.md's threading,
// loop and forward rules and stores the raw bytes in the same transaction
// as the ticket or reply they become.
//
// It must never drop a message: what it cannot parse or place it still
// stores, raw, and shows to agents. It must never flag or move a message on
// a server before its transaction commits. And it must never trust headers
// that only the helpdesk itself may set: X-Helpdesk-* fields are removed
// from the parsed view (and reported) before anything reads them.
//
// It never imports outbound: notices reach the outbox through the ticket
// domain's hooks.
package ingest
