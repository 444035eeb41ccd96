package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// TestJobRunsInOneProcessAtATime starts the same job from several
// "processes" (separate connections) at once: only one runs it.
func TestJobRunsInOneProcessAtATime(t *testing.T) {
	e := newTestEnv(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var running, runs, overlaps int32
	j := job{name: "exclusive-test", run: func(ctx context.Context) (int64, error) {
		if atomic.AddInt32(&running, 1) > 1 {
			atomic.AddInt32(&overlaps, 1)
		}
		atomic.AddInt32(&runs, 1)
		time.Sleep(300 * time.Millisecond)
		atomic.AddInt32(&running, -1)
		return 1, nil
	}}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); runExclusive(context.Background(), e.db, log, j) }()
	}
	wg.Wait()
	if runs != 1 || overlaps != 0 {
		t.Errorf("%d runs, %d overlapping, want exactly one", runs, overlaps)
	}
	// Once it is done, the next tick runs it again.
	runExclusive(context.Background(), e.db, log, j)
	if runs != 2 {
		t.Errorf("the lock was not released: %d runs", runs)
	}
}

func TestOverdueJobSendsTheAlert(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	if _, err := e.store.CreateAgent(ctx, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}}); err != nil {
		t.Fatal(err)
	}
	tk := e.openViaAPI("Bantuan terlambat")
	e.db.Exec(`UPDATE tickets SET due_at = now() - interval '1 minute' WHERE number = $1`, tk.Number)
	e.db.Exec(`DELETE FROM outbox`)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, j := range scheduledJobs(e.store, e.ob, jobSettings{}) {
		if j.name == "mark-overdue" {
			runExclusive(ctx, e.db, log, j)
			runExclusive(ctx, e.db, log, j)
		}
	}
	var kinds []string
	e.db.Select(&kinds, `SELECT kind || ' to ' || recipient FROM outbox`)
	if len(kinds) != 1 || kinds[0] != "alert_overdue to budi@kemsos.go.id" {
		t.Errorf("queued %v, want one overdue alert to the department's agent", kinds)
	}
	var overdue bool
	e.db.Get(&overdue, `SELECT overdue FROM tickets WHERE number = $1`, tk.Number)
	if !overdue {
		t.Error("ticket not marked overdue")
	}
}

// runJob runs the named job of jobs now, as its tick would.
func runJob(t *testing.T, e *testEnv, jobs []job, name string) {
	t.Helper()
	for _, j := range jobs {
		if j.name == name {
			runExclusive(context.Background(), e.db, slog.New(slog.DiscardHandler), j)
			return
		}
	}
	t.Fatalf("no job %q", name)
}

// The rules the jobs apply follow the store's clock and the configured
// periods: nothing waits for time to pass.
func TestScheduledRulesFollowTheStoreClock(t *testing.T) {
	clock := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	e := newTestEnvWith(t, testEnvOpts{now: func() time.Time { return clock }})
	ctx := context.Background()
	late := e.openViaAPI("Bantuan terlambat")
	answered := e.openViaAPI("Sudah dijawab")
	get := func(number string) *tickets.Ticket {
		t.Helper()
		tk, err := e.store.TicketByNumber(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	if err := e.store.SetStatus(ctx, get(answered.Number).ID, tickets.System, tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	jobs := scheduledJobs(e.store, e.ob, jobSettings{AutoCloseAfter: 3 * 24 * time.Hour, EscalateAfter: 24 * time.Hour})

	clock = clock.Add(60 * time.Hour) // 12 h overdue, resolved 2.5 days
	for _, name := range []string{"mark-overdue", "escalate-overdue", "auto-close"} {
		runJob(t, e, jobs, name)
	}
	if tk := get(late.Number); !tk.Overdue || tk.Priority != "normal" {
		t.Errorf("12 h overdue: overdue %v priority %s, want overdue, normal", tk.Overdue, tk.Priority)
	}
	if tk := get(answered.Number); tk.Status != tickets.StatusResolved {
		t.Errorf("resolved for 2.5 days: %s", tk.Status)
	}

	clock = clock.Add(24 * time.Hour)
	for range 3 { // every 10 minutes, for half an hour
		runJob(t, e, jobs, "escalate-overdue")
		runJob(t, e, jobs, "auto-close")
		clock = clock.Add(10 * time.Minute)
	}
	if tk := get(late.Number); tk.Priority != "high" {
		t.Errorf("36 h overdue, escalated 3 times: priority %s, want high (once)", tk.Priority)
	}
	if tk := get(answered.Number); tk.Status != tickets.StatusClosed {
		t.Errorf("resolved for 3.5 days: %s, want closed", tk.Status)
	}
}

// startJobs runs the jobs from the scheduler; a test shortens a job's
// period instead of waiting for it (serve does the same in the fault
// tests, TestFaultTwoServeProcessesOnOneDatabaseShareWithoutDoubling).
func TestStartJobsRunsAJobAtTheIntervalItIsGiven(t *testing.T) {
	e := newTestEnv(t)
	tk := e.openViaAPI("Bantuan terlambat")
	e.db.Exec(`UPDATE tickets SET due_at = now() - interval '1 minute' WHERE number = $1`, tk.Number)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := scheduledJobs(e.store, e.ob, jobSettings{})
	stop := startJobs(ctx, e.db, slog.New(slog.DiscardHandler), jobs, jobEvery("mark-overdue", 100*time.Millisecond))
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var overdue bool
		e.db.Get(&overdue, `SELECT overdue FROM tickets WHERE number = $1`, tk.Number)
		if overdue {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("mark-overdue did not run within 10 s at a 100 ms interval")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
