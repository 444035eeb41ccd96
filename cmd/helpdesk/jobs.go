package main

import (
	"context"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
	"github.com/robfig/cron/v3"
)

// job is a scheduled task; exactly one process runs it at a time.
type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) (int64, error)
}

// jobSettings tune the scheduled rules.
type jobSettings struct {
	AutoCloseAfter time.Duration // Resolved this long → Closed (default 7 days)
	EscalateAfter  time.Duration // overdue this long → priority up; 0: never
}

func scheduledJobs(store *tickets.Store, ob *outbound.Outbox, set jobSettings) []job {
	if set.AutoCloseAfter <= 0 {
		set.AutoCloseAfter = 7 * 24 * time.Hour
	}
	jobs := []job{
		{"mark-overdue", time.Minute, func(ctx context.Context) (int64, error) {
			n, err := store.MarkOverdue(ctx, 1000)
			return int64(n), err
		}},
		{"auto-close", time.Hour, func(ctx context.Context) (int64, error) {
			n, err := store.AutoClose(ctx, set.AutoCloseAfter)
			return int64(n), err
		}},
		{"purge-accounts", 6 * time.Hour, func(ctx context.Context) (int64, error) {
			return store.PurgeExpired(ctx)
		}},
		{"requeue-outbox", 5 * time.Minute, func(ctx context.Context) (int64, error) {
			return ob.RequeueStuck(ctx, 10*time.Minute)
		}},
		{"outbox-digests", time.Minute, func(ctx context.Context) (int64, error) {
			n, err := ob.SendDigests(ctx)
			return int64(n), err
		}},
	}
	if set.EscalateAfter > 0 {
		jobs = append(jobs, job{"escalate-overdue", 10 * time.Minute, func(ctx context.Context) (int64, error) {
			n, err := store.EscalateOverdue(ctx, set.EscalateAfter)
			return int64(n), err
		}})
	}
	return jobs
}

// runExclusive runs a job under a transaction-scoped advisory lock: when
// several helpdesk processes share a database, the others skip that run.
func runExclusive(ctx context.Context, db *sqlx.DB, log *slog.Logger, j job) {
	h := fnv.New64a()
	h.Write([]byte("helpdesk job " + j.name))
	key := int64(h.Sum64())
	conn, err := db.Connx(ctx)
	if err != nil {
		log.Error("job: no database connection", "job", j.name, "err", err)
		return
	}
	defer conn.Close()
	var got bool
	if err := conn.GetContext(ctx, &got, `SELECT pg_try_advisory_lock($1)`, key); err != nil {
		log.Error("job: lock", "job", j.name, "err", err)
		return
	}
	if !got {
		log.Debug("job running elsewhere", "job", j.name)
		return
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	start := time.Now()
	n, err := j.run(ctx)
	if err != nil {
		log.Error("job failed", "job", j.name, "count", n, "err", err)
		return
	}
	log.Info("job done", "job", j.name, "count", n, "took", time.Since(start).Round(time.Millisecond))
}

// jobOption changes how startJobs schedules the jobs.
type jobOption func(every map[string]time.Duration)

// jobEvery runs the named job every d instead of at its own interval: a
// test runs a once-a-minute job in serve without waiting a minute.
func jobEvery(name string, d time.Duration) jobOption {
	return func(every map[string]time.Duration) {
		if d > 0 {
			every[name] = d
		}
	}
}

// interval is a fixed period counted from when the scheduler starts.
// cron.Every rounds each tick to the whole second, so processes sharing a
// database tick together and race for the advisory lock, and it allows no
// period shorter than a second for tests.
type interval time.Duration

func (i interval) Next(t time.Time) time.Time { return t.Add(time.Duration(i)) }

// startJobs schedules the jobs; the returned function stops them and waits.
func startJobs(ctx context.Context, db *sqlx.DB, log *slog.Logger, jobs []job, opts ...jobOption) func() {
	every := map[string]time.Duration{}
	for _, j := range jobs {
		every[j.name] = j.every
	}
	for _, o := range opts {
		o(every)
	}
	c := cron.New()
	for _, j := range jobs {
		c.Schedule(interval(every[j.name]), cron.FuncJob(func() { runExclusive(ctx, db, log, j) }))
	}
	c.Start()
	return func() { <-c.Stop().Done() }
}
