package ingest

import (
	"testing"
	"time"

	"github.com/kemsos/helpdesk/internal/dovecot"
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
