// Package outbound turns helpdesk events into mail and delivers it: it
// renders notices from the embedded templates (render.go), composes exact
// RFC 5322 messages (compose.go) and hands them to a relay over SMTP or, in
// development, to files in the outbox directory (smtp.go, dir.go).
//
// It never decides whom to notify or whether a mail is automatic; callers
// say so. It must never send a message it could not compose exactly: any
// value that would break a header is an error, not something to clean up.
package outbound
