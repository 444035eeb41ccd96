package tickets_test

import (
	"context"
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
