package main

// Outbound: agents' responses on existing tickets turned into notices by
// the real outbox hook, in transactions as the store runs it, then
// delivered by the real Outbox.Run over the real SMTP sender to a counting
// relay.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgcluster"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

type outboundResult struct {
	Changes     int            `json:"responses_hooked"`
	Queued      int            `json:"notices_queued"`
	Suppressed  int            `json:"notices_suppressed"`
	EnqueueSec  float64        `json:"enqueue_seconds"`
	EnqueueRate float64        `json:"enqueue_notices_per_second"`
	Delivered   int64          `json:"delivered"`
	Failed      int            `json:"failed"`
	DeliverSec  float64        `json:"deliver_seconds"`
	DeliverRate float64        `json:"mails_per_second"`
	AvgKB       float64        `json:"avg_mail_kb"`
	Sessions    []sampleShare  `json:"deliver_session_time"`
	Top         []topStatement `json:"top_statements,omitempty"`
}

func runOutbound(ctx context.Context, b *benchDB, sink *countingSink, n int, secret []byte, dir string, log *slog.Logger) (*outboundResult, error) {
	// A pool of its own, tuned as the helpdesk's, so that the session
	// sampler sees the outbox's database time.
	db, err := sqlx.Open("postgres", pgcluster.TuneDSN(b.dsn))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	store := tickets.New(db, tickets.Opts{Log: slog.New(slog.DiscardHandler)})
	sender, err := outbound.NewSender("smtp://"+sink.addr, dir, outbound.SenderOptions{HeloName: "kemsos.go.id", Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	defer sender.Close()
	ob := outbound.New(outbound.Opts{Store: store, Sender: sender, Log: slog.New(slog.DiscardHandler), From: helpdeskAddress,
		BaseURL: "http://localhost:8080", Secret: secret})
	res := &outboundResult{}

	// Whatever the ingest left queued goes first, unmeasured.
	if err := drainOutbox(ctx, db, ob, time.Minute); err != nil {
		return nil, err
	}
	var maxID int64
	db.GetContext(ctx, &maxID, `SELECT coalesce(max(id), 0) FROM outbox`)

	// Responses already in the seeded threads, each on its own ticket and
	// so to its own owner: the per-address caps (5 autoresponses, 25 mails
	// an hour) do not come into it, as for a desk answering many people.
	var ids []int64
	if err := db.SelectContext(ctx, &ids, `SELECT DISTINCT ON (ticket_id) id FROM entries TABLESAMPLE SYSTEM (5)
		WHERE kind = 'response' ORDER BY ticket_id, id LIMIT $1`, n); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("outbound: no seeded responses to notify about (run the seed phase)")
	}
	agent, err := store.AgentByEmail(ctx, "agen00@kemsos.go.id")
	if err != nil {
		return nil, err
	}
	type change struct {
		t *tickets.Ticket
		e tickets.Entry
	}
	changes := make([]change, 0, len(ids))
	for _, id := range ids {
		var tid int64
		if err := db.GetContext(ctx, &tid, `SELECT ticket_id FROM entries WHERE id = $1`, id); err != nil {
			return nil, err
		}
		t, err := store.TicketByID(ctx, tid)
		if err != nil {
			return nil, err
		}
		es, err := store.Thread(ctx, tid, false)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.ID == id {
				changes = append(changes, change{t, e})
			}
		}
	}
	res.Changes = len(changes)

	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	t0 := time.Now()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(changes) {
					return
				}
				c := changes[i]
				err := store.InTx(ctx, func(tx *tickets.Tx) error {
					return ob.Hook(ctx, tx, &tickets.Change{Kind: tickets.ChangeResponse, Ticket: c.t, Entry: &c.e, Actor: tickets.AgentActor(agent)})
				})
				if err != nil {
					errMu.Lock()
					firstErr = err
					errMu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("outbound: hook: %w", firstErr)
	}
	res.EnqueueSec = time.Since(t0).Seconds()
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	db.SelectContext(ctx, &counts, `SELECT status, count(*) AS n FROM outbox WHERE id > $1 GROUP BY status`, maxID)
	for _, c := range counts {
		switch c.Status {
		case "queued":
			res.Queued += c.N
		case "suppressed":
			res.Suppressed += c.N
		}
	}
	res.EnqueueRate = float64(res.Queued+res.Suppressed) / res.EnqueueSec
	log.Info("outbound: queued", "notices", res.Queued, "suppressed", res.Suppressed)

	b.resetStatements(ctx)
	sent0, bytes0 := sink.mails.Load(), sink.bytes.Load()
	sampler := startSampler(ctx, b.DB, 5*time.Millisecond)
	t0 = time.Now()
	if err := drainOutbox(ctx, b.DB, ob, 10*time.Minute); err != nil {
		return nil, err
	}
	res.DeliverSec = time.Since(t0).Seconds()
	res.Sessions = sampler.finish()
	res.Delivered = sink.mails.Load() - sent0
	res.DeliverRate = float64(res.Delivered) / res.DeliverSec
	if res.Delivered > 0 {
		res.AvgKB = float64(sink.bytes.Load()-bytes0) / float64(res.Delivered) / 1024
	}
	db.GetContext(ctx, &res.Failed, `SELECT count(*) FROM outbox WHERE id > $1 AND status = 'failed'`, maxID)
	res.Top = b.topStatements(ctx, 6)
	return res, nil
}

// drainOutbox runs the outbox worker until nothing is queued or sending.
func drainOutbox(ctx context.Context, db *sqlx.DB, ob *outbound.Outbox, limit time.Duration) error {
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { ob.Run(rctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var left int
		if err := db.GetContext(ctx, &left, `SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= now()`); err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("outbound: outbox not drained within %v", limit)
}
