package main

// Fault tests (issue 6, "Prove it under faults"): the real `helpdesk serve`
// as a separate process (see fault_helpers_test.go), on real PostgreSQL,
// go-imap's in-memory IMAP server and a go-smtp sink, with the process
// killed, the database stopped, the relay refusing, the IMAP server
// dropping connections, two processes on one database, and hostile mail.
// Each test says what must survive: every message stored once, every
// notice sent once.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	netsmtp "net/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kemsos/helpdesk/internal/dovecot"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/internal/smtpsink"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

// plannedMail is one mail of a test mailbox.
type plannedMail struct {
	mid string // Message-ID, without angle brackets
	raw []byte
}

// planMailbox makes n mails: mostly new complaints from distinct citizens
// (so that no autoresponse cap applies), the rest replies from the
// complaint's owner threading by In-Reply-To, half of them to the latest
// reply (a reply to a reply, no References). threads maps each complaint's
// Message-ID to its conversation in sending order.
func planMailbox(tag string, n int, rng *rand.Rand, pad int) (mails []plannedMail, threads map[string][]string) {
	threads = map[string][]string{}
	var roots []string
	owner := map[string]string{}
	subject := map[string]string{}
	for i := range n {
		if i < 20 || rng.IntN(5) != 0 {
			mid := fmt.Sprintf("c%d.%s@example.id", i, tag)
			from := fmt.Sprintf("warga%d.%s@example.id", i, tag)
			subj := fmt.Sprintf("Bansos belum cair %s %d", tag, i)
			roots = append(roots, mid)
			owner[mid], subject[mid] = from, subj
			threads[mid] = []string{mid}
			mails = append(mails, plannedMail{mid: mid, raw: citizenMail(from, mid, subj, "", nil, pad)})
			continue
		}
		root := roots[rng.IntN(len(roots))]
		th := threads[root]
		mid := fmt.Sprintf("r%d.%s@example.id", i, tag)
		var raw []byte
		if rng.IntN(2) == 0 {
			raw = citizenMail(owner[root], mid, "Re: "+subject[root], th[len(th)-1], nil, pad)
		} else {
			raw = citizenMail(owner[root], mid, "Re: "+subject[root], root, []string{root}, pad)
		}
		threads[root] = append(th, mid)
		mails = append(mails, plannedMail{mid: mid, raw: raw})
	}
	return mails, threads
}

// checkThreads checks that the database holds exactly the planned
// conversations: one ticket per complaint, its messages in the order they
// were sent, each once, with entry ids and times rising together.
func checkThreads(t *testing.T, dsn string, threads map[string][]string, replies int) {
	t.Helper()
	db := faultOpenDB(t, dsn)
	if n := mustCount(t, db, `SELECT count(*) FROM inbound_messages`); n != len(threads)+replies {
		t.Errorf("inbound_messages = %d, want %d (sent)", n, len(threads)+replies)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM inbound_messages WHERE outcome = 'opened'`); n != len(threads) {
		t.Errorf("%d messages opened tickets, want %d", n, len(threads))
	}
	if n := mustCount(t, db, `SELECT count(*) FROM inbound_messages WHERE outcome = 'reply'`); n != replies {
		t.Errorf("%d messages stored as replies, want %d", n, replies)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM tickets`); n != len(threads) {
		t.Errorf("tickets = %d, want %d (one per complaint)", n, len(threads))
	}
	if n := mustCount(t, db, `SELECT count(*) FROM (SELECT message_id FROM inbound_messages GROUP BY 1 HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d Message-IDs stored more than once in inbound_messages", n)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM (SELECT message_id FROM entries WHERE message_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d Message-IDs posted more than once in threads", n)
	}
	var rows []struct {
		Ticket int64     `db:"ticket_id"`
		ID     int64     `db:"id"`
		MID    string    `db:"message_id"`
		At     time.Time `db:"created_at"`
	}
	if err := db.Select(&rows, `SELECT ticket_id, id, coalesce(message_id, '') AS message_id, created_at
		FROM entries WHERE kind = 'message' ORDER BY ticket_id, id`); err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	var prev struct {
		ticket int64
		at     time.Time
	}
	disorder := 0
	for _, r := range rows {
		if r.Ticket == prev.ticket && r.At.Before(prev.at) {
			disorder++
		}
		prev.ticket, prev.at = r.Ticket, r.At
		got[r.Ticket] = append(got[r.Ticket], r.MID)
	}
	if disorder > 0 {
		t.Errorf("%d thread entries have a later id but an earlier time than the one before", disorder)
	}
	bad := 0
	for _, seq := range got {
		want, ok := threads[seq[0]]
		if !ok || strings.Join(seq, " ") != strings.Join(want, " ") {
			if bad < 5 {
				t.Errorf("a ticket's thread is %q, want %q", seq, want)
			}
			bad++
		}
	}
	if bad > 0 || len(got) != len(threads) {
		t.Errorf("%d of %d tickets have the wrong thread; %d tickets have messages, want %d", bad, len(got), len(got), len(threads))
	}
}

// TestFaultSIGKILLDuringIMAPIngestStoresEveryMailOnce kills `helpdesk
// serve` with SIGKILL at random moments while it imports a mailbox that
// keeps growing, restarts it each time, and then checks that every mail was
// stored exactly once, in its ticket's thread in order, and that the
// mailbox ends with everything moved to Processed and seen.
func TestFaultSIGKILLDuringIMAPIngestStoresEveryMailOnce(t *testing.T) {
	t.Parallel()
	start := time.Now()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 6))
	t.Logf("seed %d", seed)
	const total = 2000
	mails, threads := planMailbox("kill", total, rng, 0)
	replies := total - len(threads)

	dsn := pgtest.MigratedDB(t)
	db := faultOpenDB(t, dsn)
	srv := startFaultIMAP(t)
	p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_IMAP_URL": srv.URL()})

	// The mailbox fills in bursts of 100, on average a little faster than
	// the helpdesk imports, for most of the test: IDLE keeps waking it up,
	// and a kill mostly lands inside a batch.
	appended := make(chan error, 1)
	go func() {
		for i, m := range mails {
			if err := srv.deliver("INBOX", m.raw); err != nil {
				appended <- err
				return
			}
			if i%100 == 99 {
				time.Sleep(1500 * time.Millisecond)
			}
		}
		appended <- nil
	}()

	// Kill at 4 random points of the import, each a moment after the count
	// of stored mail passes a random mark.
	kills := 4
	marks := make([]int, kills)
	for i := range marks {
		marks[i] = 100 + (i*(total-300))/kills + rng.IntN((total-300)/kills)
	}
	for i, mark := range marks {
		faultWait(t, 90*time.Second, fmt.Sprintf("%d mails stored before kill %d", mark, i+1), func() bool {
			return faultCount(db, `SELECT count(*) FROM inbound_messages`) >= mark
		})
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		before := faultCount(db, `SELECT count(*) FROM inbound_messages`)
		p.kill()
		after := faultCount(db, `SELECT count(*) FROM inbound_messages`)
		p.start()
		up := p.waitHealthy(60 * time.Second)
		t.Logf("kill %d: SIGKILL with %d mails stored (%d once dead); healthy again %v after restart", i+1, before, after, up.Round(time.Millisecond))
	}
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	faultWait(t, 90*time.Second, "every mail stored and moved to Processed", func() bool {
		inbox, _ := srv.count("INBOX")
		done, _ := srv.count("Processed")
		return inbox == 0 && done == total
	})
	t.Logf("%d mails (%d complaints, %d replies) through %d SIGKILLs in %v", total, len(threads), replies, kills, time.Since(start).Round(time.Millisecond))

	checkThreads(t, dsn, threads, replies)
	if _, unseen := srv.count("Processed"); unseen != 0 {
		t.Errorf("%d messages in Processed are not \\Seen", unseen)
	}
	faultWait(t, 10*time.Second, "every UID recorded as flagged", func() bool {
		return faultCount(db, `SELECT count(*) FROM mailbox_uids WHERE NOT flagged`) == 0
	})
	if n := mustCount(t, db, `SELECT count(*) FROM mailbox_uids`); n != total {
		t.Errorf("mailbox_uids has %d rows, want %d", n, total)
	}
	// Queued in the transaction that opened the ticket: a mail imported
	// again after a kill must not queue a second autoresponse.
	if n := mustCount(t, db, `SELECT count(*) FROM outbox WHERE kind = 'ticket_autoresponse'`); n != len(threads) {
		t.Errorf("%d autoresponses queued, want %d (one per complaint)", n, len(threads))
	}
	t.Logf("restarts re-flagged committed-but-unflagged mail %d times; %d \"mail stored\" log lines for %d mails",
		p.logLines("marking messages stored before an interruption"), p.logLines("mail stored"), total)
}

// TestFaultPostgresDownDuringIngestRecoversByItself stops the database
// abruptly (pg_ctl -m immediate, as a crash) while `helpdesk serve`
// imports mail and sends the autoresponses, keeps mail arriving while it
// is down, and starts it again: the process must survive, report itself
// unhealthy and then healthy again without a restart, and end with every
// mail stored once and every notice sent once.
func TestFaultPostgresDownDuringIngestRecoversByItself(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c, dsn := startPrivateCluster(t)
	db := faultOpenDB(t, dsn)
	srv := startFaultIMAP(t)
	sink := smtpsink.Start(t)
	p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_IMAP_URL": srv.URL(),
		"HELPDESK_SMTP_URL": "smtp://" + sink.Addr()})

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	const total = 400
	mails, threads := planMailbox("pgdown", total, rng, 0)
	for _, m := range mails[:200] {
		if err := srv.deliver("INBOX", m.raw); err != nil {
			t.Fatal(err)
		}
	}
	faultWait(t, 60*time.Second, "60 mails stored", func() bool { return faultCount(db, `SELECT count(*) FROM inbound_messages`) >= 60 })
	stored := faultCount(db, `SELECT count(*) FROM inbound_messages`)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	faultWait(t, 15*time.Second, "/healthz to report the database down", func() bool { return healthCode(p.HTTP) == 503 })
	t.Logf("PostgreSQL killed with %d mails stored; /healthz said 503 after %v", stored, time.Since(down).Round(time.Millisecond))
	// Mail keeps arriving during the outage.
	for _, m := range mails[200:] {
		if err := srv.deliver("INBOX", m.raw); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second)
	if !p.alive() {
		t.Fatal("serve exited while the database was down")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	back := p.waitHealthy(60 * time.Second)
	t.Logf("database down for %v; serve healthy %v after it came back", time.Since(down).Round(time.Millisecond)-back, back.Round(time.Millisecond))

	faultWait(t, 90*time.Second, "every mail stored and moved", func() bool {
		inbox, _ := srv.count("INBOX")
		done, _ := srv.count("Processed")
		return inbox == 0 && done == total
	})
	t.Logf("all %d mails stored %v after the database came back", total, (time.Since(down) - 3*time.Second).Round(time.Millisecond))
	checkThreads(t, dsn, threads, total-len(threads))
	if n := mustCount(t, db, `SELECT count(*) FROM outbox WHERE kind = 'ticket_autoresponse'`); n != len(threads) {
		t.Errorf("%d autoresponses queued, want %d (one per complaint)", n, len(threads))
	}
	waitOutboxSettled(t, db, 30*time.Second)
	n := checkSentOnce(t, db, sink)
	if p.starts() != 1 || !p.alive() {
		t.Errorf("serve was restarted or exited (%d starts, alive %v): it must ride out the outage", p.starts(), p.alive())
	}
	t.Logf("%d notices each received once by the relay; whole test %v", n, time.Since(start).Round(time.Millisecond))
}

// TestFaultPostgresDownMidSendDoesNotStrandOrRepeatNotices stops the
// database while the outbox worker is in the middle of an SMTP transaction
// (the relay holds RCPT until the database is gone), with more claimed
// notices behind it in the batch. The process is alive and knows what it
// sent: once the database is back every notice must be recorded as sent
// and reach the relay exactly once, without waiting for the stuck-row
// requeue (10 minutes), and that requeue must then find nothing to resend.
func TestFaultPostgresDownMidSendDoesNotStrandOrRepeatNotices(t *testing.T) {
	t.Parallel()
	c, dsn := startPrivateCluster(t)
	db := faultOpenDB(t, dsn)
	sink := smtpsink.Start(t)
	p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_SMTP_URL": "smtp://" + sink.Addr()})
	key := faultAPIKey(t, dsn)

	// A slow relay: each RCPT waits until the test lets it go.
	hold := make(chan chan struct{})
	sink.RejectRcpt(func(string) *smtp.SMTPError {
		release := make(chan struct{})
		select {
		case hold <- release:
			<-release
		case <-time.After(30 * time.Second):
		}
		return nil
	})
	openTicketViaAPI(t, p.HTTP, key, "warga0.midsend@example.id")
	var first chan struct{}
	select {
	case first = <-hold:
	case <-time.After(15 * time.Second):
		t.Fatal("the first notice never reached the relay")
	}
	for i := 1; i <= 5; i++ {
		openTicketViaAPI(t, p.HTTP, key, fmt.Sprintf("warga%d.midsend@example.id", i))
	}
	close(first) // the worker then claims the five others as one batch
	var second chan struct{}
	select {
	case second = <-hold:
	case <-time.After(15 * time.Second):
		t.Fatal("the second notice never reached the relay")
	}
	claimed := mustCount(t, db, `SELECT count(*) FROM outbox WHERE status = 'sending'`)
	t.Logf("relay holds one notice in RCPT; %d rows claimed ('sending')", claimed)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	close(second)
	sink.RejectRcpt(nil)
	sink.WaitFor(2, 15*time.Second)
	time.Sleep(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	back := p.waitHealthy(60 * time.Second)
	t.Logf("serve healthy %v after the database came back", back.Round(time.Millisecond))

	if !waitOutboxSettled(t, db, 20*time.Second) {
		var stuck []string
		db.Select(&stuck, `SELECT message_id FROM outbox WHERE status = 'sending' ORDER BY id`)
		got := sinkMessageIDs(t, sink)
		for _, id := range stuck {
			t.Errorf("outbox row %s is still 'sending' with the process alive and the database back; the relay has received it %d times", id, got[strings.Trim(id, "<>")])
		}
		// What the requeue-stuck job (every 5 minutes, rows locked over 10
		// minutes) will do later, brought forward: the same function, with
		// the lock times moved 11 minutes back.
		if _, err := db.Exec(`UPDATE outbox SET locked_at = locked_at - interval '11 minutes' WHERE status = 'sending'`); err != nil {
			t.Fatal(err)
		}
		ob := outbound.New(outbound.Opts{Store: tickets.New(db, tickets.Opts{})})
		n, err := ob.RequeueStuck(ctx, 10*time.Minute)
		t.Logf("the requeue-stuck job, run as it would 10 minutes later, requeued %d rows (err %v)", n, err)
		waitOutboxSettled(t, db, 20*time.Second)
	}
	checkSentOnce(t, db, sink)
}

// TestFaultRelayRefusingThenBackDeliversEveryNoticeOnce makes the relay
// answer 451 to DATA, then go away altogether, while tickets are opened:
// the notices stay queued, nothing fails for good, and when the relay is
// back each goes out exactly once at its first retry (the outbox retries
// after 10 s ± 25 %; the test waits for that retry rather than rewrite
// next_attempt_at).
func TestFaultRelayRefusingThenBackDeliversEveryNoticeOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.MigratedDB(t)
	db := faultOpenDB(t, dsn)
	sink := smtpsink.Start(t)
	p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_SMTP_URL": "smtp://" + sink.Addr()})
	key := faultAPIKey(t, dsn)

	refuse := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	phases := []struct {
		name   string
		outage func()
		back   func()
	}{
		{"451 on DATA", func() { sink.FailData(refuse) }, func() { sink.FailData(nil) }},
		{"relay down", sink.Stop, sink.Restart},
	}
	opened := 0
	for _, ph := range phases {
		ph.outage()
		before := len(sink.Mails())
		for range 8 {
			openTicketViaAPI(t, p.HTTP, key, fmt.Sprintf("warga%d.relay@example.id", opened))
			opened++
		}
		faultWait(t, 20*time.Second, ph.name+": every notice tried and refused", func() bool {
			return faultCount(db, `SELECT count(*) FROM outbox WHERE status = 'queued' AND attempts >= 1 AND last_error <> ''`) == 8
		})
		if n := len(sink.Mails()); n != before {
			t.Errorf("%s: the relay accepted %d mails while refusing", ph.name, n-before)
		}
		var lastErr string
		db.Get(&lastErr, `SELECT last_error FROM outbox WHERE status = 'queued' LIMIT 1`)
		ph.back()
		back := time.Now()
		faultWait(t, 30*time.Second, ph.name+": every notice sent after the relay came back", func() bool {
			return faultCount(db, `SELECT count(*) FROM outbox WHERE status = 'sent'`) == opened
		})
		t.Logf("%s (%q): 8 notices queued, all sent %v after the relay came back", ph.name, lastErr, time.Since(back).Round(time.Millisecond))
	}
	if n := mustCount(t, db, `SELECT count(*) FROM outbox WHERE status = 'failed'`); n != 0 {
		t.Errorf("%d notices failed for good over a temporary refusal", n)
	}
	if n := checkSentOnce(t, db, sink); n != opened {
		t.Errorf("%d notices, want %d (one autoresponse per ticket)", n, opened)
	}
}

// TestFaultIMAPServerDroppingConnectionsMidFetchStoresEveryMailOnce cuts the
// poller's connection in the middle of FETCH responses (inside message
// literals), then drops every connection, then takes the server down and
// brings it back, while `helpdesk serve` imports: every mail ends stored
// once and byte for byte, never a truncated copy, and the mailbox ends
// moved to Processed.
func TestFaultIMAPServerDroppingConnectionsMidFetchStoresEveryMailOnce(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dsn := pgtest.MigratedDB(t)
	db := faultOpenDB(t, dsn)
	// ~4 kB mails, 50 per FETCH (~200 kB): the first three connections
	// die 50 kB, 130 kB and 9 kB into what the server writes, inside a
	// message literal.
	srv := startFaultIMAP(t, 50_000, 130_000, 9_000)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 4))
	const total = 400
	mails, threads := planMailbox("cut", total, rng, 4000)
	sent := map[string][]byte{}
	for _, m := range mails {
		sent[m.mid] = m.raw
	}
	for _, m := range mails[:250] {
		if err := srv.deliver("INBOX", m.raw); err != nil {
			t.Fatal(err)
		}
	}
	p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_IMAP_URL": srv.URL()})
	faultWait(t, 60*time.Second, "the first 250 stored", func() bool { return faultCount(db, `SELECT count(*) FROM inbound_messages`) == 250 })
	t.Logf("250 mails through %d connections cut mid-response in %v", srv.cutCount(), time.Since(start).Round(time.Millisecond))
	if srv.cutCount() != 3 {
		t.Errorf("%d connections were cut, want 3", srv.cutCount())
	}

	for _, m := range mails[250:] {
		if err := srv.deliver("INBOX", m.raw); err != nil {
			t.Fatal(err)
		}
	}
	faultWait(t, 30*time.Second, "280 stored", func() bool { return faultCount(db, `SELECT count(*) FROM inbound_messages`) >= 280 })
	dropped := srv.dropAll()
	at := faultCount(db, `SELECT count(*) FROM inbound_messages`)
	faultWait(t, 30*time.Second, "20 more stored", func() bool { return faultCount(db, `SELECT count(*) FROM inbound_messages`) >= at+20 })
	srv.down()
	downAt := faultCount(db, `SELECT count(*) FROM inbound_messages`)
	time.Sleep(2 * time.Second)
	srv.up()
	t.Logf("dropped %d connections with %d stored; server down for 2 s with %d stored", dropped, at, downAt)
	faultWait(t, 60*time.Second, "every mail stored and moved", func() bool {
		inbox, _ := srv.count("INBOX")
		done, _ := srv.count("Processed")
		return inbox == 0 && done == total
	})
	t.Logf("%d mails through 3 cuts, a drop and an outage in %v (%d connections)", total, time.Since(start).Round(time.Millisecond), srv.connections())
	checkThreads(t, dsn, threads, total-len(threads))
	var stored []struct {
		MID string `db:"message_id"`
		Raw []byte `db:"raw"`
	}
	if err := db.Select(&stored, `SELECT message_id, raw FROM inbound_messages`); err != nil {
		t.Fatal(err)
	}
	for _, s := range stored {
		if !bytes.Equal(s.Raw, sent[s.MID]) {
			t.Errorf("%s stored as %d bytes, sent as %d: not the message that was sent", s.MID, len(s.Raw), len(sent[s.MID]))
		}
	}
	if !p.alive() || p.starts() != 1 {
		t.Error("serve exited")
	}
}

// TestFaultTwoServeProcessesOnOneDatabaseShareWithoutDoubling runs two
// `helpdesk serve` on one database, mailbox and relay: each mail is
// imported by one of them once (the mailbox's advisory lock), each notice
// sent once (SKIP LOCKED), the overdue alert of an overdue ticket sent once
// (the scheduled job's advisory lock; the job, once a minute in
// production, runs every half second here, and the test waits until both
// processes have run it since the ticket fell due), and when the one
// holding the mailbox is SIGKILLed the other takes it over and imports new
// mail.
func TestFaultTwoServeProcessesOnOneDatabaseShareWithoutDoubling(t *testing.T) {
	t.Parallel()
	dsn := pgtest.MigratedDB(t)
	db := faultOpenDB(t, dsn)
	srv := startFaultIMAP(t)
	sink := smtpsink.Start(t)
	settings := map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_IMAP_URL": srv.URL(), "HELPDESK_SMTP_URL": "smtp://" + sink.Addr(),
		faultJobsEnv: "mark-overdue=500ms"}
	procs := []*faultProc{startServe(t, "a", settings), startServe(t, "b", settings)}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	const total = 200
	mails, threads := planMailbox("pair", total, rng, 0)
	for _, m := range mails {
		if err := srv.deliver("INBOX", m.raw); err != nil {
			t.Fatal(err)
		}
	}
	faultWait(t, 60*time.Second, "every mail stored and moved", func() bool {
		inbox, _ := srv.count("INBOX")
		done, _ := srv.count("Processed")
		return inbox == 0 && done == total
	})
	checkThreads(t, dsn, threads, total-len(threads))
	var holder, standby *faultProc
	for _, p := range procs {
		n := p.logLines("mail stored")
		t.Logf("%s stored %d mails, sent %d notices", p.name, n, p.logLines("mail sent"))
		switch {
		case n == total:
			holder = p
		case n == 0 && p.logLines("another process polls this mailbox") > 0:
			standby = p
		}
	}
	if holder == nil || standby == nil {
		t.Fatalf("want one process to import all %d mails and the other to stand by", total)
	}
	waitOutboxSettled(t, db, 30*time.Second)
	checkSentOnce(t, db, sink)

	// An agent, so that the overdue alert has someone to go to, and one
	// ticket past its due date.
	code, _, errOut := runCLI(context.Background(), "rahasia-123\n", "agent", "add", "--email", "agen@kemsos.go.id", "--name", "Agen Satu",
		"--department", "Support", "--password-stdin", "--database-url", dsn, "--data-dir", t.TempDir(), "--secret", faultSecret)
	if code != 0 {
		t.Fatalf("agent add: %s", errOut)
	}
	runsBefore := make([]int, len(procs))
	for i, p := range procs {
		runsBefore[i] = p.logLines("job done", "job=mark-overdue")
	}
	if _, err := db.Exec(`UPDATE tickets SET due_at = now() - interval '1 hour' WHERE id = (SELECT min(id) FROM tickets)`); err != nil {
		t.Fatal(err)
	}
	faultWait(t, 30*time.Second, "the overdue alert sent", func() bool {
		return faultCount(db, `SELECT count(*) FROM outbox WHERE kind = 'alert_overdue' AND status = 'sent'`) >= 1
	})
	// Two runs each: at least one that began after the ticket fell due.
	faultWait(t, 30*time.Second, "both processes to run mark-overdue twice", func() bool {
		for i, p := range procs {
			if p.logLines("job done", "job=mark-overdue") < runsBefore[i]+2 {
				return false
			}
		}
		return true
	})
	if n := mustCount(t, db, `SELECT count(*) FROM outbox WHERE kind = 'alert_overdue'`); n != 1 {
		t.Errorf("%d overdue alerts queued for one overdue ticket, want 1", n)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM entries WHERE kind = 'event' AND event = 'overdue'`); n != 1 {
		t.Errorf("%d overdue events, want 1", n)
	}
	runs := 0
	for _, p := range procs {
		n := p.logLines("job done", "job=mark-overdue", "count=1")
		t.Logf("%s: mark-overdue marked a ticket in %d runs (%d runs in all)", p.name, n, p.logLines("job done", "job=mark-overdue"))
		runs += n
	}
	if runs != 1 {
		t.Errorf("the overdue ticket was marked in %d runs, want 1", runs)
	}

	// The process holding the mailbox dies; the other carries on.
	holder.kill()
	killed := time.Now()
	for i := range 5 {
		raw := citizenMail(fmt.Sprintf("baru%d.pair@example.id", i), fmt.Sprintf("after-kill-%d.pair@example.id", i), "Setelah mati", "", nil, 0)
		if err := srv.deliver("INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	faultWait(t, 30*time.Second, "the standby to import the new mail", func() bool {
		return faultCount(db, `SELECT count(*) FROM inbound_messages`) == total+5
	})
	t.Logf("%s SIGKILLed; %s took the mailbox over and stored 5 new mails %v later", holder.name, standby.name, time.Since(killed).Round(time.Millisecond))
	if standby.logLines("took over the mailbox") != 1 {
		t.Errorf("%s did not log taking over the mailbox", standby.name)
	}
	faultWait(t, 20*time.Second, "every mail moved", func() bool {
		done, _ := srv.count("Processed")
		return done == total+5
	})
	waitOutboxSettled(t, db, 30*time.Second)
	n := checkSentOnce(t, db, sink)
	t.Logf("%d notices (autoresponses, new-ticket and overdue alerts) each received once", n)
	if !standby.alive() {
		t.Errorf("%s exited", standby.name)
	}
}

// hostileHeader starts each message of
// TestFaultHostileMailThroughThePipeIsStoredWithinBoundedMemory.
func hostileHeader(b *bytes.Buffer, mid, subject string) {
	fmt.Fprintf(b, "From: Penyerang <penyerang.%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		mid, faultFrom, subject, time.Now().Format(time.RFC1123Z), mid)
}

func hugeMail(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	hostileHeader(&b, "huge@example.id", "Lampiran sangat besar")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nLihat lampiran.\r\n" +
		"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"arsip.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef, 0x42, 0x17}, 19))[:76] + "\r\n")
	for b.Len() < size-20 {
		b.Write(line)
	}
	b.WriteString("--B--\r\n")
	return b.Bytes()
}

func manyAttachmentsMail(mid string, n int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, mid, fmt.Sprintf("%d lampiran", n))
	b.WriteString("Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nBanyak lampiran.\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"bukti-%04d.txt\"\r\n\r\nbukti nomor %d\r\n", i, i)
	}
	b.WriteString("--B--\r\n")
	return b.Bytes()
}

func manyCcMail(n int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, "cc@example.id", "Tembusan ke semua")
	b.WriteString("Cc: ")
	for i := range n {
		if i > 0 {
			b.WriteString(",\r\n ")
		}
		fmt.Fprintf(&b, "warga%d@tembusan.example.id", i)
	}
	b.WriteString("\r\nContent-Type: text/plain\r\n\r\nTembusan untuk sepuluh ribu orang.\r\n")
	return b.Bytes()
}

func longHeaderMail(n int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, "longheader@example.id", "Header panjang")
	b.WriteString("X-Panjang: " + strings.Repeat("a", n) + "\r\nContent-Type: text/plain\r\n\r\nBadan pesan setelah header satu megabita.\r\n")
	return b.Bytes()
}

func nestedMail(depth int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, "nested@example.id", "Bersarang dalam")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n--n%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nIsi terdalam.\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--n%d--\r\n", i)
	}
	return b.Bytes()
}

// TestFaultHostileMailThroughThePipeIsStoredWithinBoundedMemory feeds
// `helpdesk ingest` (an MTA pipe, a process of its own) a 50 MB message,
// 1 000 and 1 500 attachments, 10 000 Cc recipients, a 1 MB header line and
// 200 nested multiparts. Each must be stored (exit 0) with the ticket or
// the intake note saying what was cut, in bounded time and memory
// (peak RSS from /proc/PID/status VmHWM and wait4's ru_maxrss).
func TestFaultHostileMailThroughThePipeIsStoredWithinBoundedMemory(t *testing.T) {
	t.Parallel()
	dsn := pgtest.MigratedDB(t)
	db := faultOpenDB(t, dsn)
	type outcome struct {
		Outcome string `db:"outcome"`
		Note    string `db:"note"`
		Size    int64  `db:"size"`
		RawLen  int64  `db:"raw_len"`
		Body    string `db:"body"`
		Subject string `db:"subject"`
		Atts    int    `db:"atts"`
		Collabs int    `db:"collabs"`
	}
	cases := []struct {
		name  string
		mid   string
		raw   func() []byte
		check func(t *testing.T, o outcome)
	}{
		{"50 MB message", "huge@example.id", func() []byte { return hugeMail(50 << 20) }, func(t *testing.T, o outcome) {
			if o.Size < 50<<20-100 || o.RawLen > 1<<20 {
				t.Errorf("size %d, kept %d bytes: want the 50 MB recorded and only the headers kept", o.Size, o.RawLen)
			}
			if !strings.Contains(o.Body, "over the 25 MB limit") || o.Atts != 0 {
				t.Errorf("the ticket does not say the message was cut (%d attachments): %q", o.Atts, o.Body)
			}
		}},
		{"1 000 attachments", "att1000@example.id", func() []byte { return manyAttachmentsMail("att1000@example.id", 1000) }, func(t *testing.T, o outcome) {
			if o.Atts != 1000 {
				t.Errorf("%d attachments stored, want all 1000", o.Atts)
			}
		}},
		{"1 500 attachments", "att1500@example.id", func() []byte { return manyAttachmentsMail("att1500@example.id", 1500) }, func(t *testing.T, o outcome) {
			if o.Atts != 1000 || !strings.Contains(o.Body, "1500 attachments, only the first 1000 kept") {
				t.Errorf("%d attachments stored; want 1000 and the ticket saying the rest were cut: %q", o.Atts, o.Body)
			}
		}},
		{"10 000 Cc recipients", "cc@example.id", func() []byte { return manyCcMail(10000) }, func(t *testing.T, o outcome) {
			t.Logf("10 000 Cc recipients became %d collaborators", o.Collabs)
		}},
		{"1 MB header line", "longheader@example.id", func() []byte { return longHeaderMail(1 << 20) }, func(t *testing.T, o outcome) {
			if !strings.Contains(o.Body, "header block larger than") {
				t.Errorf("the ticket does not say the header was cut: %q", o.Body)
			}
		}},
		{"200 nested multiparts", "nested@example.id", func() []byte { return nestedMail(200) }, func(t *testing.T, o outcome) {
			if !strings.Contains(o.Body, "nesting deeper than") {
				t.Errorf("the ticket does not say the nesting was cut: %q", o.Body)
			}
		}},
	}
	for _, c := range cases {
		raw := c.raw()
		r := runIngestPipe(t, dsn, raw)
		peakMB := float64(r.vmHWM) / 1024
		t.Logf("%s (%.1f MB): exit %d in %v, peak RSS %.0f MB (VmHWM %d kB, ru_maxrss %d kB): %s",
			c.name, float64(len(raw))/(1<<20), r.code, r.took.Round(time.Millisecond), peakMB, r.vmHWM, r.maxRSSKB, strings.TrimSpace(r.stdout))
		if r.code != 0 || !strings.HasPrefix(r.stdout, "opened ") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", c.name, r.code, r.stdout, r.stderr)
			continue
		}
		// The child's own VmHWM at exit: ru_maxrss counts the test
		// binary's RSS at the fork too, and that depends on which tests
		// ran before.
		if peakMB > 200 {
			t.Errorf("%s: peak RSS %.0f MB, want under 200 MB", c.name, peakMB)
		}
		if r.took > time.Minute {
			t.Errorf("%s: took %v, want under a minute (an MTA's delivery agent waits on it)", c.name, r.took)
		}
		var o outcome
		err := db.Get(&o, `SELECT m.outcome, m.note, m.size, length(m.raw) AS raw_len, e.body, t.subject,
				(SELECT count(*) FROM attachments a WHERE a.entry_id = e.id) AS atts,
				(SELECT count(*) FROM ticket_collaborators c WHERE c.ticket_id = t.id) AS collabs
			FROM inbound_messages m JOIN tickets t ON t.id = m.ticket_id JOIN entries e ON e.id = m.entry_id
			WHERE m.message_id = $1`, c.mid)
		if err != nil {
			t.Errorf("%s: stored ticket: %v", c.name, err)
			continue
		}
		if o.Outcome != "opened" {
			t.Errorf("%s: outcome %q, want opened", c.name, o.Outcome)
		}
		body := o.Body
		if len(body) > 300 {
			body = body[:150] + " … " + body[len(body)-150:]
		}
		t.Logf("%s: ticket %q, %d attachments, %d collaborators, note %q, body %q", c.name, o.Subject, o.Atts, o.Collabs, o.Note, body)
		c.check(t, o)
	}
}

// TestFaultMailMovedButNotRecordedBeforeACrashDoesNotWedgeThePoller sets up
// what a crash (or a database outage) between the MOVE to Processed and the
// commit that records it leaves behind: messages gone from INBOX that the
// database still lists as unflagged, last_uid not advanced. The next
// `helpdesk serve` recovers them (MOVE of UIDs no longer there) and must
// go on to import new mail. Against Dovecot, and against the in-memory
// server answering such a MOVE as Dovecot does (see faultSession; with
// HELPDESK_FAULT_RAW_MEMSERVER=1 the memory server's own answer wedges the
// poller).
func TestFaultMailMovedButNotRecordedBeforeACrashDoesNotWedgeThePoller(t *testing.T) {
	t.Parallel()
	type server struct {
		url     string
		deliver func(raw []byte)
		count   func(folder string) int
	}
	servers := map[string]func(t *testing.T) server{
		"dovecot": func(t *testing.T) server {
			dc := dovecot.Start(t)
			return server{dc.URL(), func(raw []byte) { dc.Deliver(t, raw) },
				func(f string) int { n, _ := dc.Status(t, f); return int(n) }}
		},
		"go-imap memory server": func(t *testing.T) server {
			m := startFaultIMAP(t)
			return server{m.URL(), func(raw []byte) {
				if err := m.deliver("INBOX", raw); err != nil {
					t.Fatal(err)
				}
			}, func(f string) int { n, _ := m.count(f); return n }}
		},
	}
	for name, startServer := range servers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t)
			dsn := pgtest.MigratedDB(t)
			db := faultOpenDB(t, dsn)
			for i := range 3 {
				srv.deliver(citizenMail(fmt.Sprintf("w%d.moved@example.id", i), fmt.Sprintf("m%d.moved@example.id", i), "Sudah dipindah", "", nil, 0))
			}
			p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_IMAP_URL": srv.url})
			faultWait(t, 30*time.Second, "3 mails stored, moved and recorded", func() bool {
				// The database first: the poller records after it moved, so
				// Processed exists by then (this Dovecot answers STATUS on a
				// missing folder without the NONEXISTENT code).
				return faultCount(db, `SELECT count(*) FROM mailbox_uids WHERE flagged`) == 3 && srv.count("Processed") == 3
			})
			p.kill()
			if _, err := db.Exec(`UPDATE mailbox_uids SET flagged = false`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`UPDATE mailbox_state SET last_uid = 0`); err != nil {
				t.Fatal(err)
			}
			p.start()
			p.waitHealthy(60 * time.Second)
			start := time.Now()
			srv.deliver(citizenMail("baru.moved@example.id", "new.moved@example.id", "Surat baru", "", nil, 0))
			faultWait(t, 30*time.Second, "the new mail stored after the recovery", func() bool {
				return faultCount(db, `SELECT count(*) FROM inbound_messages`) == 4
			})
			faultWait(t, 20*time.Second, "all recorded as flagged and moved", func() bool {
				return faultCount(db, `SELECT count(*) FROM mailbox_uids WHERE NOT flagged`) == 0 && srv.count("Processed") == 4
			})
			t.Logf("recovered 3 moved-but-unrecorded mails and stored a new one %v after restart", time.Since(start).Round(time.Millisecond))
			if n := mustCount(t, db, `SELECT count(*) FROM tickets`); n != 4 {
				t.Errorf("%d tickets, want 4", n)
			}
		})
	}
}

// TestFaultEightLargeMessagesAtOnceOverSMTPStayWithinMemory: eight 24 MB
// messages handed to the SMTP intake at once are all stored, and serve
// stays under 200 MB and answers /healthz meanwhile; a 30 MB one (over
// the 25 MB limit) is accepted and kept with its headers and a note.
func TestFaultEightLargeMessagesAtOnceOverSMTPStayWithinMemory(t *testing.T) {
	t.Parallel()
	dsn := pgtest.MigratedDB(t)
	db := faultOpenDB(t, dsn)
	smtpAddr := freeAddr(t)
	p := startServe(t, "serve", map[string]string{"HELPDESK_DATABASE_URL": dsn, "HELPDESK_SMTP_LISTEN": smtpAddr})
	done := make(chan struct{})
	peak := peakRSS(p.pid(), done)
	var wg sync.WaitGroup
	errs := make(chan error, 9)
	var slowest atomic.Int64
	stopHealth := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopHealth:
				return
			case <-time.After(100 * time.Millisecond):
			}
			start := time.Now()
			healthCode(p.HTTP)
			if d := int64(time.Since(start)); d > slowest.Load() {
				slowest.Store(d)
			}
		}
	}()
	for i := range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			size := 24 << 20
			if i == 8 {
				size = 30 << 20
			}
			raw := bytes.ReplaceAll(hugeMail(size), []byte("huge@example.id"), []byte(fmt.Sprintf("big%d@example.id", i)))
			errs <- netsmtp.SendMail(smtpAddr, nil, "warga@example.id", []string{faultFrom}, raw)
		}()
	}
	wg.Wait()
	close(stopHealth)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("the intake refused a message: %v", err)
		}
	}
	close(done)
	peakMB := float64(<-peak) / 1024
	t.Logf("9 large messages at once: peak RSS %.0f MB, slowest /healthz %v", peakMB, time.Duration(slowest.Load()).Round(time.Millisecond))
	if peakMB > 200 {
		t.Errorf("peak RSS %.0f MB, want under 200 MB", peakMB)
	}
	if n := mustCount(t, db, `SELECT count(*) FROM inbound_messages WHERE ticket_id IS NOT NULL`); n != 9 {
		t.Errorf("%d of 9 stored as tickets", n)
	}
	var note string
	db.Get(&note, `SELECT e.body FROM inbound_messages m JOIN entries e ON e.id = m.entry_id WHERE m.message_id = 'big8@example.id'`)
	if !strings.Contains(note, "over the 25 MB limit") {
		t.Errorf("the 30 MB message's ticket does not say it was cut: %q", note)
	}
}
