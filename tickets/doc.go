// Package tickets is the helpdesk's domain: users, agents, departments, help
// topics, SLA plans, tickets and their threads, attachments and API keys,
// with the store that keeps them in PostgreSQL.
//
// Every rule lives here once (the SLA due date, reopening on the owner's
// reply, who may see a ticket, the ticket number) and is called alike from
// the web, mail and API. Each operation writes its event entry in the same
// transaction as the change, and hands the change to the registered hooks
// inside that transaction, so a notice is queued if and only if the change
// commits.
//
// This package must never import ingest, outbound or the web layer.
package tickets
