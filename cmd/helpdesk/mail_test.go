package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
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

// The first sync of a mailbox full of old letters (a desk moving from
// osTicket, a mailbox that filled while nothing read it) files them as an
// archive: tickets at the letters' dates, nobody mailed, and every
// autoresponse left unsent on record with why. A letter that arrived
// shortly before is answered as usual, and so is everything after.
func TestFirstSyncFilesOldMailAsAnArchive(t *testing.T) {
	e := newTestEnv(t)
	srv := startFaultIMAP(t)
	old := time.Now().Add(-72 * time.Hour)
	letter := func(n int, extra string) []byte {
		return []byte(fmt.Sprintf("From: Warga %[1]d <warga%[1]d@desa.example>\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Bansos belum cair %[1]d\r\n"+
			"Date: %[2]s\r\nMessage-ID: <sync-%[1]d@desa.example>\r\n%[3]s\r\nBantuan saya belum cair.\r\n", n, old.Format(time.RFC1123Z), extra))
	}
	put := func(raw []byte, received time.Time) {
		if _, err := srv.user.Append("INBOX", faultLiteral{bytes.NewReader(raw)}, &imap.AppendOptions{Time: received}); err != nil {
			t.Fatal(err)
		}
	}
	put(letter(1, ""), old)
	put(letter(2, ""), old)
	put([]byte(fmt.Sprintf("From: Warga 1 <warga1@desa.example>\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Re: Bansos belum cair 1\r\n"+
		"Date: %s\r\nMessage-ID: <sync-1b@desa.example>\r\nIn-Reply-To: <sync-1@desa.example>\r\n\r\nSudah sebulan.\r\n", old.Format(time.RFC1123Z))), old.Add(time.Hour))
	put(letter(3, ""), time.Now().Add(-time.Hour)) // waited an hour: a citizen owed a number

	p, err := ingest.NewPoller(ingest.PollerOpts{URL: srv.URL(), Intake: e.in, DB: e.db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PollInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	faultWait(t, 20*time.Second, "the first sync", func() bool { return faultCount(e.db, `SELECT count(*) FROM inbound_messages`) == 4 })
	put(letter(4, ""), time.Now()) // after the first sync: live mail
	faultWait(t, 20*time.Second, "mail after the first sync", func() bool { return faultCount(e.db, `SELECT count(*) FROM inbound_messages`) == 5 })

	type row struct {
		MID     string         `db:"message_id"`
		Outcome string         `db:"outcome"`
		Note    string         `db:"note"`
		Number  sql.NullString `db:"number"`
		Created sql.NullTime   `db:"created_at"`
	}
	var rows []row
	if err := e.db.Select(&rows, `SELECT m.message_id, m.outcome, m.note, t.number, t.created_at FROM inbound_messages m
		LEFT JOIN tickets t ON t.id = m.ticket_id ORDER BY m.id`); err != nil {
		t.Fatal(err)
	}
	mailed := func(number string) (queued int, unsent []string) {
		var rs []struct {
			Status string `db:"status"`
			Why    string `db:"last_error"`
		}
		e.db.Select(&rs, `SELECT o.status, o.last_error FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.number = $1`, number)
		for _, r := range rs {
			if r.Status == "suppressed" {
				unsent = append(unsent, r.Why)
			} else {
				queued++
			}
		}
		return queued, unsent
	}
	for _, r := range rows {
		archived := strings.Contains(r.Note, "filed as an archive")
		queued, unsent := mailed(r.Number.String)
		switch r.MID {
		case "sync-1@desa.example", "sync-2@desa.example":
			if !archived || queued != 0 || len(unsent) != 1 || !strings.Contains(unsent[0], "before the helpdesk first read it") {
				t.Errorf("old letter %s: note %q, %d mails queued, unsent %q: want an archive, nobody mailed, the reason on record", r.MID, r.Note, queued, unsent)
			}
			if !r.Created.Valid || r.Created.Time.Sub(old).Abs() > time.Minute {
				t.Errorf("old letter %s: ticket created %v, want the letter's date %v", r.MID, r.Created.Time, old)
			}
		case "sync-1b@desa.example":
			if r.Outcome != "reply" || !archived {
				t.Errorf("old reply: %s, note %q", r.Outcome, r.Note)
			}
		case "sync-3@desa.example", "sync-4@desa.example":
			if archived || queued == 0 {
				t.Errorf("recent letter %s: note %q, %d mails queued: it is answered as usual", r.MID, r.Note, queued)
			}
		}
	}
	if q, _ := mailed(rows[0].Number.String); q != 0 {
		t.Errorf("the old reply mailed someone: %d mails on its ticket", q)
	}
}
