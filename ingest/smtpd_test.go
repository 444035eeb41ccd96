package ingest

import (
	"net/smtp"
	"strings"
	"testing"
)

func startSMTP(t *testing.T, in *Intake) *SMTPServer {
	t.Helper()
	s := NewSMTPServer(SMTPOpts{Addr: "127.0.0.1:0", Domain: "kemsos.go.id", Intake: in,
		Accept: AcceptAddresses(in.store, []string{"helpdesk@kemsos.go.id"})})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSMTPIntakeCommitsBeforeAccepting(t *testing.T) {
	in, store, db := newTestIntake(t)
	if err := store.AddRoute(bg, "siks-ng@kemsos.go.id", "Aplikasi SIKS-NG"); err != nil {
		t.Fatal(err)
	}
	s := startSMTP(t, in)
	raw := newComplaint("smtp1@example.id")
	if err := smtp.SendMail(s.Addr(), nil, "siti@example.id", []string{"helpdesk@kemsos.go.id"}, raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n := count(t, db, `SELECT count(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets after 250", n)
	}
	var rp string
	db.Get(&rp, `SELECT convert_from(substring(raw from 1 for 40), 'UTF8') FROM inbound_messages`)
	if !strings.HasPrefix(rp, "Return-Path: <siti@example.id>") {
		t.Errorf("envelope sender not recorded: %q", rp)
	}

	err := smtp.SendMail(s.Addr(), nil, "x@example.id", []string{"someone@elsewhere.id"}, raw)
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("unknown recipient: %v", err)
	}

	// A routed address is accepted, and routes.
	routed := msg("Aplikasi error", "From: op@dinsos.id", "To: siks-ng@kemsos.go.id", "Subject: SIKS-NG error", "Message-ID: <smtp2@dinsos.id>")
	if err := smtp.SendMail(s.Addr(), nil, "op@dinsos.id", []string{"SIKS-NG@kemsos.go.id"}, routed); err != nil {
		t.Fatal(err)
	}
	var topic string
	db.Get(&topic, `SELECT ht.name FROM tickets t JOIN help_topics ht ON ht.id = t.topic_id`)
	if topic != "Aplikasi SIKS-NG" {
		t.Errorf("topic %q", topic)
	}

	// The database goes away: the sender is told to retry, not told OK.
	db.Close()
	err = smtp.SendMail(s.Addr(), nil, "siti@example.id", []string{"helpdesk@kemsos.go.id"}, newComplaint("smtp3@example.id"))
	if err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("with the database gone: %v, want 451", err)
	}
}
