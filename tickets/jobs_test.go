package tickets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

func TestOverdueJobWithFakeClock(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	var alerts []string
	s.AddHook(func(_ context.Context, _ *tickets.Tx, c *tickets.Change) error {
		if c.Kind == tickets.ChangeOverdue {
			alerts = append(alerts, c.Ticket.Number)
		}
		return nil
	})
	late := openTicket(t, s, "a@example.id", "")
	clock.t = clock.t.Add(24 * time.Hour)
	onTime := openTicket(t, s, "b@example.id", "")
	answered := openTicket(t, s, "c@example.id", "")
	s.SetStatus(ctx, answered.ID, tickets.System, tickets.StatusResolved)

	clock.t = clock.t.Add(47 * time.Hour) // late is 71 h old, onTime 47 h
	n, err := s.MarkOverdue(ctx, 100)
	if err != nil || n != 1 {
		t.Fatalf("marked %d (%v), want 1", n, err)
	}
	if n, _ := s.MarkOverdue(ctx, 100); n != 0 {
		t.Errorf("a second run marked %d again", n)
	}
	got, _ := s.TicketByID(ctx, late.ID)
	if !got.Overdue || len(alerts) != 1 || alerts[0] != late.Number {
		t.Errorf("overdue %v alerts %v", got.Overdue, alerts)
	}
	if got, _ := s.TicketByID(ctx, onTime.ID); got.Overdue {
		t.Error("a ticket within its 48 hours was marked")
	}
	if names := eventNames(t, s, late); names[len(names)-1] != "overdue" {
		t.Errorf("no overdue event: %v", names)
	}
	// A reopen gives a fresh deadline and clears the flag.
	s.SetStatus(ctx, late.ID, tickets.System, tickets.StatusResolved)
	s.SetStatus(ctx, late.ID, tickets.System, tickets.StatusOpen)
	if got, _ := s.TicketByID(ctx, late.ID); got.Overdue || !got.DueAt.Time.Equal(clock.t.Add(48*time.Hour)) {
		t.Errorf("after reopen: overdue %v due %v", got.Overdue, got.DueAt.Time)
	}
}

func TestEscalateOverduePriority(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	tk := openTicket(t, s, "a@example.id", "")
	clock.t = clock.t.Add(72 * time.Hour)
	s.MarkOverdue(ctx, 10)
	if n, _ := s.EscalateOverdue(ctx, 48*time.Hour); n != 0 {
		t.Errorf("escalated %d tickets overdue for only 24 h", n)
	}
	clock.t = clock.t.Add(48 * time.Hour)
	if n, err := s.EscalateOverdue(ctx, 48*time.Hour); n != 1 || err != nil {
		t.Fatalf("escalated %d: %v", n, err)
	}
	if got, _ := s.TicketByID(ctx, tk.ID); got.Priority != "high" {
		t.Errorf("priority %s, want high", got.Priority)
	}
}

func TestAutoCloseAfterResolvedDays(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	old := openTicket(t, s, "a@example.id", "")
	recent := openTicket(t, s, "b@example.id", "")
	s.SetStatus(ctx, old.ID, tickets.System, tickets.StatusResolved)
	clock.t = clock.t.Add(5 * 24 * time.Hour)
	s.SetStatus(ctx, recent.ID, tickets.System, tickets.StatusResolved)
	clock.t = clock.t.Add(3 * 24 * time.Hour)
	n, err := s.AutoClose(ctx, 7*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("closed %d (%v), want 1", n, err)
	}
	if got, _ := s.TicketByID(ctx, old.ID); got.Status != tickets.StatusClosed {
		t.Errorf("old ticket %s", got.Status)
	}
	if got, _ := s.TicketByID(ctx, recent.ID); got.Status != tickets.StatusResolved {
		t.Errorf("recent ticket %s", got.Status)
	}
}

// An overdue ticket is escalated once for its due date, however often the
// job runs; it can be escalated again only after a reopen gave it a new one.
func TestEscalateOverdueOncePerOverdueEpisode(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	tk := openTicket(t, s, "a@example.id", "")
	clock.t = clock.t.Add(120 * time.Hour) // 72 h overdue
	if n, err := s.MarkOverdue(ctx, 10); n != 1 || err != nil {
		t.Fatalf("marked %d: %v", n, err)
	}
	for run := range 4 {
		want := 0
		if run == 0 {
			want = 1
		}
		if n, err := s.EscalateOverdue(ctx, 48*time.Hour); err != nil || n != want {
			t.Errorf("run %d escalated %d (%v), want %d", run+1, n, err, want)
		}
		clock.t = clock.t.Add(10 * time.Minute)
	}
	got, _ := s.TicketByID(ctx, tk.ID)
	if got.Priority != "high" {
		t.Errorf("priority %s, want high after one step", got.Priority)
	}
	if n := countEvents(t, s, tk, "priority"); n != 1 {
		t.Errorf("%d priority events, want 1", n)
	}

	// Reopened, it gets a new due date: a new episode once that passes.
	s.SetStatus(ctx, tk.ID, tickets.System, tickets.StatusResolved)
	s.SetStatus(ctx, tk.ID, tickets.System, tickets.StatusOpen)
	if n, _ := s.EscalateOverdue(ctx, 48*time.Hour); n != 0 {
		t.Errorf("escalated %d tickets just reopened", n)
	}
	clock.t = clock.t.Add(100 * time.Hour)
	s.MarkOverdue(ctx, 10)
	if n, err := s.EscalateOverdue(ctx, 48*time.Hour); n != 1 || err != nil {
		t.Fatalf("second episode: escalated %d (%v)", n, err)
	}
	if n, _ := s.EscalateOverdue(ctx, 48*time.Hour); n != 0 {
		t.Errorf("second episode escalated %d more times", n)
	}
	if got, _ := s.TicketByID(ctx, tk.ID); got.Priority != "emergency" {
		t.Errorf("priority %s, want emergency", got.Priority)
	}
}

// setStatusDuring sets victim's status, from another connection, while the
// job's change of first (which sorts before it) is in progress: after the
// job chose its tickets, before it reaches victim.
func setStatusDuring(t *testing.T, s *tickets.Store, kind tickets.ChangeKind, first, victim *tickets.Ticket, status string) *bool {
	t.Helper()
	done := new(bool)
	s.AddHook(func(ctx context.Context, _ *tickets.Tx, c *tickets.Change) error {
		if c.Kind != kind || c.Ticket.ID != first.ID || *done {
			return nil
		}
		*done = true
		return s.SetStatus(ctx, victim.ID, tickets.System, status)
	})
	return done
}

func TestAutoCloseLeavesATicketReopenedMeanwhile(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	first := openTicket(t, s, "a@example.id", "")
	victim := openTicket(t, s, "b@example.id", "")
	s.SetStatus(ctx, first.ID, tickets.System, tickets.StatusResolved)
	clock.t = clock.t.Add(time.Hour)
	s.SetStatus(ctx, victim.ID, tickets.System, tickets.StatusResolved)
	clock.t = clock.t.Add(8 * 24 * time.Hour)
	reopened := setStatusDuring(t, s, tickets.ChangeStatus, first, victim, tickets.StatusOpen)

	n, err := s.AutoClose(ctx, 7*24*time.Hour)
	if err != nil || n != 1 || !*reopened {
		t.Fatalf("closed %d (%v), reopened meanwhile %v; want 1 closed", n, err, *reopened)
	}
	if got, _ := s.TicketByID(ctx, first.ID); got.Status != tickets.StatusClosed {
		t.Errorf("first ticket %s, want closed", got.Status)
	}
	if got, _ := s.TicketByID(ctx, victim.ID); got.Status != tickets.StatusOpen {
		t.Errorf("the ticket reopened meanwhile is %s, want open", got.Status)
	}
}

func TestEscalateLeavesATicketResolvedMeanwhile(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	first := openTicket(t, s, "a@example.id", "")
	clock.t = clock.t.Add(time.Hour)
	victim := openTicket(t, s, "b@example.id", "")
	clock.t = clock.t.Add(120 * time.Hour)
	if n, _ := s.MarkOverdue(ctx, 10); n != 2 {
		t.Fatalf("marked %d, want 2", n)
	}
	resolved := setStatusDuring(t, s, tickets.ChangePriority, first, victim, tickets.StatusResolved)

	n, err := s.EscalateOverdue(ctx, 48*time.Hour)
	if err != nil || n != 1 || !*resolved {
		t.Fatalf("escalated %d (%v), resolved meanwhile %v; want 1 escalated", n, err, *resolved)
	}
	if got, _ := s.TicketByID(ctx, victim.ID); got.Priority != "normal" || got.Status != tickets.StatusResolved {
		t.Errorf("the ticket resolved meanwhile: %s, priority %s; want resolved, normal", got.Status, got.Priority)
	}
}

// A conditional patch whose precondition no longer holds changes nothing
// and says so with a conflict.
func TestConditionalPatchChangesNothingOnceTheTicketMoved(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	tk := openTicket(t, s, "a@example.id", "")
	before := eventNames(t, s, tk)
	err := s.Update(ctx, tk.ID, tickets.System, tickets.Patch{Status: tickets.StatusClosed, IfStatus: tickets.StatusResolved})
	if !errors.Is(err, tickets.ErrChanged) || !errors.Is(err, tickets.ErrConflict) {
		t.Errorf("open ticket, if resolved: %v, want ErrChanged (a conflict)", err)
	}
	s.SetStatus(ctx, tk.ID, tickets.System, tickets.StatusResolved)
	resolved := clock.t
	clock.t = clock.t.Add(time.Hour)
	err = s.Update(ctx, tk.ID, tickets.System, tickets.Patch{Status: tickets.StatusClosed, IfStatus: tickets.StatusResolved,
		IfResolvedBefore: resolved.Add(-time.Minute)})
	if !errors.Is(err, tickets.ErrChanged) {
		t.Errorf("resolved after the cutoff: %v, want ErrChanged", err)
	}
	if got, _ := s.TicketByID(ctx, tk.ID); got.Status != tickets.StatusResolved || len(eventNames(t, s, got)) != len(before)+1 {
		t.Errorf("status %s, events %v: a failed precondition changed the ticket", got.Status, eventNames(t, s, got))
	}
	if err := s.Update(ctx, tk.ID, tickets.System, tickets.Patch{Status: tickets.StatusClosed, IfStatus: tickets.StatusResolved,
		IfResolvedBefore: resolved}); err != nil {
		t.Errorf("precondition holds: %v", err)
	}
}

func countEvents(t *testing.T, s *tickets.Store, tk *tickets.Ticket, name string) int {
	t.Helper()
	n := 0
	for _, e := range eventNames(t, s, tk) {
		if e == name {
			n++
		}
	}
	return n
}

// The jobs hold one connection at a time: a change's reads go through its
// transaction, and a job's list is read before its changes begin.
func TestJobsNeedOneConnection(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	s, db := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	late := openTicket(t, s, "a@example.id", "")
	done := openTicket(t, s, "b@example.id", "")
	s.SetStatus(ctx, done.ID, tickets.System, tickets.StatusResolved)
	clock.t = clock.t.Add(8 * 24 * time.Hour)
	db.SetMaxOpenConns(1)
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if n, err := s.MarkOverdue(tctx, 10); n != 1 || err != nil {
		t.Errorf("mark overdue: %d %v", n, err)
	}
	if n, err := s.EscalateOverdue(tctx, 48*time.Hour); n != 1 || err != nil {
		t.Errorf("escalate: %d %v", n, err)
	}
	if n, err := s.AutoClose(tctx, 7*24*time.Hour); n != 1 || err != nil {
		t.Errorf("auto close: %d %v", n, err)
	}
	if got, _ := s.TicketByID(ctx, late.ID); got.Priority != "high" {
		t.Errorf("priority %s", got.Priority)
	}
}
