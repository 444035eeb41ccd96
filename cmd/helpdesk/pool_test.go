package main

// A change is one transaction, and every read inside it goes through it: a
// second connection taken from the pool while holding a transaction can
// wait for ever once the pool is full of changes doing the same. These
// tests run every entry point on a pool of ONE connection, where such a
// read would hang at once, and the whole intake on the default pool with
// twelve busy mailboxes.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/tickets"
)

// onePool makes e's database a pool of one connection and returns a
// context that fails the step taking longer than a few seconds.
func onePool(t *testing.T, e *attackEnv) func(what string, f func(ctx context.Context) error) {
	e.db.SetMaxOpenConns(1)
	return func(what string, f func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- f(ctx) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s on a pool of one: %v", what, err)
			}
		case <-ctx.Done():
			t.Fatalf("%s on a pool of one did not finish: it waits for a second connection while holding its transaction", what)
		}
	}
}

func TestPoolOfOneEveryIntakeOutcome(t *testing.T) {
	e := newAttackEnv(t)
	if _, err := e.store.CreateDepartment(bgc, "Keuangan"); err != nil {
		t.Fatal(err)
	}
	tk, auto := e.citizenTicket()
	alert := alertTo(t, e.allSent(), "budi@kemsos.go.id", tk)
	other, _ := e.store.CreateAgent(bgc, tickets.NewAgent{Email: "sari@kemsos.go.id", Name: "Sari", Departments: []string{"Keuangan"}})
	run := onePool(t, e)
	cases := []struct {
		outcome string
		raw     []byte
	}{
		{ingest.OutcomeOpened, e.letter("Baru.", "From: warga@desa.example", "Cc: kades@desa.example, budi@kemsos.go.id", "Subject: Baru")},
		{ingest.OutcomeReply, e.letter("Tambahan.", "From: siti@desa.example", "Subject: Re: x", "In-Reply-To: <"+auto.messageID+">")},
		{ingest.OutcomeResponse, e.signed(e.letter("#priority high\n#assign me\n#transfer Keuangan: dana\n\nSudah.", "From: budi@kemsos.go.id", "Subject: Re: [#"+tk.Number+"]"))},
		{ingest.OutcomeNote, e.letter("Palsu.", "From: sari@kemsos.go.id", "Subject: Re: [#"+tk.Number+"]")},
		{ingest.OutcomeRefused, e.letter("Masih saya.", "From: budi@kemsos.go.id", "Subject: Re: [#"+tk.Number+"]", "In-Reply-To: <"+alert.messageID+">")},
		{ingest.OutcomeForward, e.signed(e.letter("---------- Pesan terusan ----------\nDari: Kades <kades2@desa.example>\nSubjek: Surat\n\nIsi.", "From: budi@kemsos.go.id", "Subject: Fwd: Surat"))},
		{ingest.OutcomeUnverified, e.letter("Fwd tanpa tanda tangan.", "From: sari@kemsos.go.id", "Subject: Fwd: Surat lain")},
		{ingest.OutcomeAutomatic, e.letter("Cuti.", "From: x@desa.example", "Subject: Cuti", "Auto-Submitted: auto-replied")},
		{ingest.OutcomeBounce, []byte("From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered\r\nMessage-ID: <b1@mx.example>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; siti@desa.example\r\nAction: failed\r\nStatus: 5.1.1\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + auto.messageID + ">\r\n--b--\r\n")},
		{ingest.OutcomeIgnored, e.letter("Loop.", "From: helpdesk@kemsos.go.id", "Subject: x")},
	}
	for _, c := range cases {
		run("Deliver ("+c.outcome+")", func(ctx context.Context) error {
			res, err := e.in.Deliver(ctx, c.raw, ingest.Source{Mailbox: "pool"})
			if err == nil && res.Outcome != c.outcome {
				return fmt.Errorf("outcome %s, want %s", res.Outcome, c.outcome)
			}
			return err
		})
	}
	tk2 := e.reload(tk)
	run("Respond", func(ctx context.Context) error {
		_, err := e.store.Respond(ctx, tk2.ID, other, tickets.Post{Body: "Tanggapan.", Attachments: []tickets.NewAttachment{{Name: "a.pdf", Data: []byte("%PDF")}}})
		return err
	})
	run("Note", func(ctx context.Context) error {
		_, err := e.store.Note(ctx, tk2.ID, other, tickets.Post{Body: "Catatan."})
		return err
	})
	run("Update", func(ctx context.Context) error {
		return e.store.Update(ctx, tk2.ID, tickets.AgentActor(other), tickets.Patch{Status: "resolved", Priority: "low", Assign: true, AssigneeID: other.ID})
	})
	run("Claim", func(ctx context.Context) error {
		t3, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w3@desa.example"}, Subject: "s", Body: "b", Source: tickets.SourceWeb})
		if err != nil {
			return err
		}
		return e.store.Claim(ctx, t3.ID, e.budi)
	})
	// Ticket tools (issue 12).
	run("Update (collaborators, topic)", func(ctx context.Context) error {
		return e.store.Update(ctx, tk2.ID, tickets.AgentActor(other), tickets.Patch{Topic: "Bantuan Umum",
			AddCollaborators: []tickets.Address{{Email: "kades@desa.example"}}, SeenEntry: 1 << 40})
	})
	run("Merge", func(ctx context.Context) error {
		t4, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w4@desa.example"}, Subject: "s", Body: "b", Source: tickets.SourceWeb})
		if err != nil {
			return err
		}
		_, err = e.store.Merge(ctx, tickets.System, t4.Number, tk2.Number)
		return err
	})
	run("OpenForCaller", func(ctx context.Context) error {
		_, err := e.store.OpenForCaller(ctx, tickets.CallerRequest{Agent: e.budi, Via: tickets.SourcePhone, Name: "Pak Slamet", TopicID: 2, Subject: "s", Body: "b"})
		return err
	})
	run("Heartbeat", func(ctx context.Context) error { _, err := e.store.Heartbeat(ctx, tk2, other, 1); return err })
	run("the outbox", func(ctx context.Context) error {
		for {
			n, err := e.ob.DeliverBatch(ctx, 50)
			if err != nil || n == 0 {
				return err
			}
		}
	})
	run("digests", func(ctx context.Context) error { _, err := e.ob.SendDigests(ctx); return err })
	for _, j := range scheduledJobs(e.store, e.ob, jobSettings{AutoCloseAfter: time.Nanosecond, EscalateAfter: time.Nanosecond}) {
		run("job "+j.name, func(ctx context.Context) error { _, err := j.run(ctx); return err })
	}
	run("a page", func(ctx context.Context) error {
		if r := e.budiB.get("/agent/tickets/" + tk.Number); r.code != http.StatusOK && r.code != http.StatusNotFound {
			return fmt.Errorf("ticket page %d", r.code)
		}
		return nil
	})
}

// TestTwelveBusyMailboxesOnTheDefaultPool: twelve mailboxes polled at once,
// each with a backlog, on the pool serve uses; all mail is stored and the
// web stays responsive meanwhile.
func TestTwelveBusyMailboxesOnTheDefaultPool(t *testing.T) {
	const boxes, each = 12, 40
	srv := startFaultIMAP(t)
	var urls []string
	for b := range boxes {
		name := fmt.Sprintf("Box%d", b)
		if err := srv.user.Create(name, nil); err != nil {
			t.Fatal(err)
		}
		for i := range each {
			mid := fmt.Sprintf("box%d-%d@desa.example", b, i)
			if err := srv.deliver(name, citizenMail(fmt.Sprintf("w%d-%d@desa.example", b, i%7), mid, "Bansos "+mid, "", nil, 2000)); err != nil {
				t.Fatal(err)
			}
		}
		urls = append(urls, strings.Replace(srv.URL(), "/INBOX", "/"+name, 1))
	}
	cfg := &Config{DatabaseURL: pgtest.MigratedDB(t), DataDir: t.TempDir(), From: faultFrom, Secret: faultSecret,
		IMAPURL: strings.Join(urls, ","), IMAPPoll: time.Second, BaseURL: "http://localhost:8080"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := openDatabase(context.Background(), cfg, true, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	store := tickets.New(d.DB, tickets.Opts{Log: log})
	ob, err := newOutbox(cfg, store, log)
	if err != nil {
		t.Fatal(err)
	}
	in, err := newIntake(cfg, store, &cmdEnv{log: log}, ingest.IntakeOpts{Auth: ingest.NewAuthenticator(ingest.AuthOpts{LookupTXT: noDNS})})
	if err != nil {
		t.Fatal(err)
	}
	web := newServer(cfg, store, ob, in, log)
	pollers, err := newPollers(cfg, in, d, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	for _, p := range pollers {
		go func() { p.Run(ctx); done <- struct{}{} }()
	}
	defer func() {
		stop()
		for range pollers {
			<-done
		}
	}()
	start := time.Now()
	var slowest time.Duration
	for {
		var n int
		d.DB.Get(&n, `SELECT count(*) FROM inbound_messages`)
		if n == boxes*each {
			break
		}
		hs := time.Now()
		rec := httptest.NewRecorder()
		web.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if took := time.Since(hs); took > slowest {
			slowest = took
		}
		if rec.Code != http.StatusOK {
			t.Fatalf("/healthz answered %d while %d mailboxes were being read", rec.Code, boxes)
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("%d of %d mails stored after %v: the intake is stuck", n, boxes*each, time.Since(start))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("%d mails from %d mailboxes stored in %v; slowest /healthz %v", boxes*each, boxes, time.Since(start).Round(time.Millisecond), slowest.Round(time.Millisecond))
	if slowest > 5*time.Second {
		t.Errorf("/healthz took %v during the burst: the pool was exhausted", slowest)
	}
}
