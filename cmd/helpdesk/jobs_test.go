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
