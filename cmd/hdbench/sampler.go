package main

// Where the database sessions of the measured process spend their time:
// pg_stat_activity sampled every few milliseconds, as an "active session
// history". Active samples are server work (with what they wait on); idle
// in transaction is the application thinking, or a network round trip,
// while it holds a transaction open.

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

type sessionSampler struct {
	mu      sync.Mutex
	counts  map[string]int
	samples int
	every   time.Duration
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
}

// sampleShare is one state's share of the samples, in session-seconds.
type sampleShare struct {
	State   string  `json:"state"`
	Seconds float64 `json:"session_seconds"`
}

func startSampler(ctx context.Context, db *sqlx.DB, every time.Duration) *sessionSampler {
	s := &sessionSampler{counts: map[string]int{}, every: every, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var rows []struct {
				State string `db:"state"`
				Wait  string `db:"wait"`
			}
			// hdbench's own sessions carry application_name=hdbench.
			err := db.SelectContext(ctx, &rows, `SELECT coalesce(state, '') AS state,
					coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait
				FROM pg_stat_activity
				WHERE datname = current_database() AND backend_type = 'client backend'
					AND application_name <> 'hdbench' AND pid <> pg_backend_pid()`)
			if err != nil {
				continue
			}
			s.mu.Lock()
			s.samples++
			for _, r := range rows {
				switch r.State {
				case "active":
					s.counts["active "+r.Wait]++
				case "idle in transaction":
					s.counts["idle in transaction (client)"]++
				}
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// finish stops sampling and returns the busiest states.
func (s *sessionSampler) finish() []sampleShare {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sampleShare
	if s.samples == 0 {
		return nil
	}
	// Each sample stands for its share of the elapsed time, whatever the
	// ticker managed.
	per := time.Since(s.start).Seconds() / float64(s.samples)
	for k, n := range s.counts {
		out = append(out, sampleShare{State: k, Seconds: float64(n) * per})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seconds > out[j].Seconds })
	if len(out) > 12 {
		out = out[:12]
	}
	return out
}
