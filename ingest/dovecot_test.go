package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/internal/dovecot"
	"github.com/kemsos/helpdesk/tickets"
)

// TestDovecotPollerIdleMoveAndRestart runs the poller against a real
// Dovecot: Maildir delivery, IDLE notification, MOVE to Processed, and a
// restart that imports nothing twice.
func TestDovecotPollerIdleMoveAndRestart(t *testing.T) {
	t.Parallel()
	dc := dovecot.Start(t)
	for range 3 {
		dc.Deliver(t, citizenMail("dovecot-existing"))
	}
	in, _, db := newTestIntake(t)
	run := startPoller(t, in, db, PollerOpts{URL: dc.URL(), BatchSize: 2})

	waitInbound(t, db, 3)
	waitFor(t, 10*time.Second, "INBOX moved to Processed", func() bool {
		n, _ := dc.Status(t, "INBOX")
		p, _ := dc.Status(t, "Processed")
		return n == 0 && p == 3
	})
	if _, unseen := dc.Status(t, "Processed"); unseen != 0 {
		t.Errorf("Processed has %d unseen messages, want 0", unseen)
	}

	// Give the poller a moment to be in IDLE, then deliver as an MTA does.
	time.Sleep(300 * time.Millisecond)
	for i := range 2 {
		start := time.Now()
		dc.Deliver(t, citizenMail("dovecot-idle"))
		waitFor(t, 10*time.Second, "new mail stored", func() bool { return inboundCount(t, db) == 4+i })
		latency := time.Since(start)
		t.Logf("Dovecot IDLE: new mail %d stored after %v", i+1, latency.Round(time.Millisecond))
		if latency > 5*time.Second {
			t.Errorf("new mail took %v to become a ticket, want < 5s", latency)
		}
	}
	waitAllFlagged(t, db)
	run.stop()
	assertStoredOnce(t, db, 5)

	run2 := startPoller(t, in, db, PollerOpts{URL: dc.URL()})
	dc.Deliver(t, citizenMail("dovecot-restart"))
	waitInbound(t, db, 6)
	waitAllFlagged(t, db)
	waitFor(t, 10*time.Second, "all in Processed", func() bool {
		p, _ := dc.Status(t, "Processed")
		return p == 6
	})
	run2.stop()
	if n := run2.deliveries.Load(); n != 1 {
		t.Errorf("restarted poller delivered %d messages, want 1", n)
	}
	assertStoredOnce(t, db, 6)
}

// TestDovecotTrustModelEndToEnd runs the trust model against a real
// Dovecot: an agent's reply signed by the ministry's DKIM key becomes a
// response; the same reply forged (From: the agent, unsigned) becomes an
// internal note that acts as nobody.
func TestDovecotTrustModelEndToEnd(t *testing.T) {
	t.Parallel()
	dc := dovecot.Start(t)
	store, db := newTestStore(t)
	dns := &fakeDNS{records: map[string]string{"sel._domainkey.kemsos.go.id": dkimRecord(t)}}
	in := NewIntake(store, IntakeOpts{Secret: testSecret, OwnAddresses: []string{"helpdesk@kemsos.go.id"},
		Auth: NewAuthenticator(AuthOpts{LookupTXT: dns.lookup})})
	agent, err := store.CreateAgent(bg, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}})
	if err != nil {
		t.Fatal(err)
	}
	first := deliver(t, in, newComplaint("dc-trust@example.id"))
	reply := func(id, text string) string {
		return "From: Budi <budi@kemsos.go.id>\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Re: [#" + first.Ticket + "] Bantuan PKH\r\n" +
			"Date: Mon, 2 Mar 2026 10:00:00 +0700\r\nMessage-ID: <" + id + "@kemsos.go.id>\r\n\r\n" + text + "\r\n"
	}
	dc.Deliver(t, []byte(sign(t, reply("signed", "Sudah kami proses, bantuan cair minggu ini."), "kemsos.go.id")))
	dc.Deliver(t, []byte(reply("forged", "Kirim PIN ATM Anda ke nomor ini.")))
	run := startPoller(t, in, db, PollerOpts{URL: dc.URL()})
	waitInbound(t, db, 3)
	run.stop()
	_, es := thread(t, store, first.Ticket)
	var response, note *tickets.Entry
	for i := range es {
		switch {
		case strings.Contains(es[i].Body, "bantuan cair"):
			response = &es[i]
		case strings.Contains(es[i].Body, "PIN ATM"):
			note = &es[i]
		}
	}
	if response == nil || response.Kind != tickets.KindResponse || response.AgentID.Int64 != int64(agent.ID) || response.Auth.String != "dkim" && response.Auth.String != "dmarc" {
		t.Errorf("the signed reply: %+v", response)
	}
	if note == nil || note.Kind != tickets.KindNote || note.AgentID.Valid || note.Auth.String != "none" {
		t.Errorf("the forged reply: %+v", note)
	}
}
