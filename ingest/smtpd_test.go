package ingest

import (
	"fmt"
	"net/smtp"
	"strings"
	"sync"
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

// TestSMTPIntakeCommitsConcurrentMailTogether: forty senders at once are
// each answered 250 only once their message is committed, in fewer
// transactions than messages (group commit), and every message is stored
// once.
func TestSMTPIntakeCommitsConcurrentMailTogether(t *testing.T) {
	in, _, db := newTestIntake(t)
	s := startSMTP(t, in)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw := msg(fmt.Sprintf("Keluhan %d.", i), fmt.Sprintf("From: w%d@example.id", i), "To: helpdesk@kemsos.go.id",
				fmt.Sprintf("Subject: Keluhan %d", i), fmt.Sprintf("Message-ID: <group-%d@example.id>", i))
			if err := smtp.SendMail(s.Addr(), nil, fmt.Sprintf("w%d@example.id", i), []string{"helpdesk@kemsos.go.id"}, raw); err != nil {
				errs <- err
				return
			}
			// Answered 250: it must be there now.
			var got int
			db.Get(&got, `SELECT count(*) FROM inbound_messages WHERE message_id = $1`, fmt.Sprintf("group-%d@example.id", i))
			if got != 1 {
				errs <- fmt.Errorf("message %d answered 250 but not committed", i)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c := count(t, db, `SELECT count(*) FROM tickets`); c != n {
		t.Errorf("%d tickets, want %d", c, n)
	}
	t.Logf("%d messages in %d transactions", n, in.commits.Load())
	if in.commits.Load() >= n {
		t.Errorf("%d transactions for %d concurrent messages: no group commit", in.commits.Load(), n)
	}
}
