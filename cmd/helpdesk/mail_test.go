package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	tkt "github.com/kemsos/helpdesk/tickets"
)

func TestImportMboxIsResumableAndSilent(t *testing.T) {
	e := newTestEnv(t)
	var b strings.Builder
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "From w%d@example.id Mon Jan  6 10:00:00 2025\nFrom: Warga %d <w%d@example.id>\nSubject: Keluhan %d\n"+
			"Date: Mon, 6 Jan 2025 10:00:00 +0700\nMessage-ID: <arsip-%d@example.id>\n\nIsi keluhan %d\n\n", i, i, i, i, i, i)
	}
	path := filepath.Join(t.TempDir(), "arsip.mbox")
	os.WriteFile(path, []byte(b.String()), 0o644)
	args := []string{"import-mbox", path, "--database-url", e.dsn, "--data-dir", e.cfg.DataDir, "--secret", e.cfg.Secret}
	for run := 0; run < 2; run++ {
		code, _, errOut := runCLI(context.Background(), "", args...)
		if code != 0 {
			t.Fatalf("run %d: %d %s", run, code, errOut)
		}
		if run == 1 && !strings.Contains(errOut, "5 messages stored (5 already stored before)") {
			t.Errorf("second run progress: %q", errOut)
		}
	}
	var tickets, outbox int
	var created string
	e.db.Get(&tickets, `SELECT count(*) FROM tickets`)
	e.db.Get(&outbox, `SELECT count(*) FROM outbox`)
	e.db.Get(&created, `SELECT to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM tickets`)
	if tickets != 5 || outbox != 0 || created != "2025-01-06" {
		t.Errorf("%d tickets (want 5), %d mails (want 0), created %s (want the letters' date)", tickets, outbox, created)
	}
	// The first runs of the scheduled jobs must not flag, alert and
	// escalate the whole archive: its letters were overdue from the start.
	if _, err := e.store.CreateAgent(context.Background(), tkt.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}}); err != nil {
		t.Fatal(err)
	}
	for _, j := range scheduledJobs(e.store, e.ob, jobSettings{EscalateAfter: time.Hour}) {
		if n, err := j.run(context.Background()); err != nil || n != 0 && j.name != "purge-accounts" {
			t.Errorf("job %s after the import: %d %v", j.name, n, err)
		}
	}
	var overdue int
	e.db.Get(&overdue, `SELECT count(*) FROM tickets WHERE overdue`)
	e.db.Get(&outbox, `SELECT count(*) FROM outbox`)
	if overdue != 5 || outbox != 0 {
		t.Errorf("%d of 5 old letters shown overdue, %d mails queued (want 0)", overdue, outbox)
	}
}

func TestIngestCommandExitCodes(t *testing.T) {
	e := newTestEnv(t)
	raw := "From: siti@example.id\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Pipa\r\nMessage-ID: <pipe1@example.id>\r\n\r\nLewat pipa.\r\n"
	args := []string{"ingest", "--database-url", e.dsn, "--data-dir", e.cfg.DataDir, "--secret", e.cfg.Secret}
	code, out, errOut := runCLI(context.Background(), raw, args...)
	if code != 0 || !strings.HasPrefix(out, "opened ") {
		t.Fatalf("ingest: %d %q %s", code, out, errOut)
	}
	var queued int
	e.db.Get(&queued, `SELECT count(*) FROM outbox WHERE kind = 'ticket_autoresponse'`)
	if queued != 1 {
		t.Errorf("the pipe queued %d autoresponses, want 1", queued)
	}
	// Nothing listens there: a passing failure, so the MTA must retry.
	bad := []string{"ingest", "--database-url", "postgres://x@127.0.0.1:1/x?sslmode=disable&connect_timeout=1", "--data-dir", e.cfg.DataDir}
	if code, _, errOut := runCLI(context.Background(), raw, bad...); code != exTempFail {
		t.Errorf("with the database down: exit %d, want 75: %s", code, errOut)
	}
	if code, _, _ := runCLI(context.Background(), "", args...); code == 0 || code == exTempFail {
		t.Errorf("empty input: exit %d", code)
	}
}

// TestPipeHandsOffToARunningServe: with serve's socket in the data dir,
// `helpdesk ingest` gives it the message and exits 0 once serve has
// committed it, without opening a database session (its database URL
// here points nowhere); serve refusing means 75, for the MTA to retry.
func TestPipeHandsOffToARunningServe(t *testing.T) {
	e := newTestEnv(t)
	dir, err := os.MkdirTemp("", "hd") // a short path: a socket's is at most 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock, err := ingest.ListenSocket(filepath.Join(dir, "ingest.sock"), e.in, nil)
	if err != nil {
		t.Fatal(err)
	}
	go sock.Serve()
	t.Cleanup(func() { sock.Close() })
	raw := "From: siti@example.id\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Lewat serve\r\nMessage-ID: <handoff1@example.id>\r\n\r\nLewat pipa ke serve.\r\n"
	args := []string{"ingest", "--recipient", "helpdesk@kemsos.go.id", "--database-url", "postgres://x@127.0.0.1:1/x?sslmode=disable&connect_timeout=1",
		"--data-dir", dir, "--secret", e.cfg.Secret}
	code, out, errOut := runCLI(context.Background(), raw, args...)
	if code != 0 || !strings.HasPrefix(out, "opened ") {
		t.Fatalf("ingest through serve: %d %q %s", code, out, errOut)
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM inbound_messages WHERE message_id = 'handoff1@example.id' AND mailbox = 'pipe'`)
	if n != 1 {
		t.Fatalf("the message is not stored by serve (%d)", n)
	}
	// serve cannot store it (its database is gone): the pipe says retry.
	e.db.Exec(`ALTER TABLE inbound_messages RENAME TO inbound_gone`)
	defer e.db.Exec(`ALTER TABLE inbound_gone RENAME TO inbound_messages`)
	if code, _, errOut := runCLI(context.Background(), strings.Replace(raw, "handoff1", "handoff2", 1), args...); code != exTempFail {
		t.Errorf("serve failing: exit %d, want 75: %s", code, errOut)
	}
}
