package main

// Ingest over real IMAP: the corpus is appended to go-imap's in-memory
// server (as an MTA delivers into a mailbox) while the real poller reads it
// through IDLE; a watcher sees each message become visible in the database.

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/internal/pgcluster"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

const (
	imapUser = "helpdesk"
	imapPass = "bench-pass"
)

type memIMAP struct {
	user *imapmemserver.User
	srv  *imapserver.Server
	addr string
}

func startMemIMAP() (*memIMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(imapUser, imapPass)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapIdle: {}, imap.CapMove: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	return &memIMAP{user: user, srv: srv, addr: ln.Addr().String()}, nil
}

func (m *memIMAP) url() string {
	return "imap://" + imapUser + ":" + imapPass + "@" + m.addr + "/INBOX"
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Reader.Len()) }

func (m *memIMAP) append(raw []byte) error {
	_, err := m.user.Append("INBOX", literal{bytes.NewReader(raw)}, &imap.AppendOptions{})
	return err
}

// watcher polls inbound_messages and records when each Message-ID first
// became visible to another session: a commit, not a log line.
//
// Ids are taken when a transaction inserts its row, and transactions
// commit in any order (the poller may deliver several messages at once),
// so the watcher rereads everything above the lowest id it is not sure
// about. An id still missing 10 s after a later one appeared is a gap for
// good (a rolled-back delivery, a duplicate that consumed a sequence value)
// and is passed over.
type watcher struct {
	db      *sqlx.DB
	mu      sync.Mutex
	seen    map[string]time.Time
	safe    int64               // every id up to here is seen or a gap
	ids     map[int64]bool      // seen ids above safe
	gaps    map[int64]time.Time // when a missing id above safe was first noticed
	stop    chan struct{}
	stopped chan struct{}
}

func startWatcher(db *sqlx.DB, every time.Duration) *watcher {
	w := &watcher{db: db, seen: map[string]time.Time{}, ids: map[int64]bool{}, gaps: map[int64]time.Time{},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	db.Get(&w.safe, `SELECT coalesce(max(id), 0) FROM inbound_messages`)
	go func() {
		defer close(w.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
			// Rows seen by a query were committed before it started.
			at := time.Now()
			var rows []struct {
				ID  int64   `db:"id"`
				MID *string `db:"message_id"`
			}
			if err := db.Select(&rows, `SELECT id, message_id FROM inbound_messages WHERE id > $1 ORDER BY id`, w.safe); err != nil {
				continue
			}
			w.mu.Lock()
			top := w.safe
			for _, r := range rows {
				w.ids[r.ID] = true
				top = max(top, r.ID)
				if r.MID != nil {
					if _, ok := w.seen[*r.MID]; !ok {
						w.seen[*r.MID] = at
					}
				}
			}
			for id := w.safe + 1; id <= top; id++ {
				switch first, noticed := w.gaps[id]; {
				case w.ids[id]:
				case !noticed:
					w.gaps[id] = at
					continue
				case at.Sub(first) < 10*time.Second:
					continue
				}
				if id == w.safe+1 {
					w.safe = id
					delete(w.ids, id)
					delete(w.gaps, id)
				}
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *watcher) close() {
	close(w.stop)
	<-w.stopped
}

func (w *watcher) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// waitFor waits until every id is visible or the deadline passes, and
// returns the visibility times (zero for the missing).
func (w *watcher) waitFor(ctx context.Context, ids []string, deadline time.Time) ([]time.Time, bool) {
	for {
		w.mu.Lock()
		missing := 0
		for _, id := range ids {
			if _, ok := w.seen[id]; !ok {
				missing++
			}
		}
		w.mu.Unlock()
		if missing == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			out := make([]time.Time, len(ids))
			w.mu.Lock()
			for i, id := range ids {
				out[i] = w.seen[id]
			}
			w.mu.Unlock()
			return out, missing == 0
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type ingestResult struct {
	Mode          string         `json:"mode"`
	Messages      int            `json:"messages"`
	Mix           map[string]int `json:"mix"`
	TotalMB       float64        `json:"corpus_mb"`
	Committed     int            `json:"committed"`
	TimedOut      bool           `json:"timed_out"`
	Seconds       float64        `json:"seconds_first_append_to_last_commit"`
	Rate          float64        `json:"messages_per_second"`
	AppendRate    float64        `json:"append_per_second"`
	BurstP50MS    float64        `json:"burst_latency_p50_ms"`
	BurstP99MS    float64        `json:"burst_latency_p99_ms"`
	PacedMessages int            `json:"paced_messages"`
	PacedRate     float64        `json:"paced_rate_per_second"`
	PacedP50MS    float64        `json:"paced_latency_p50_ms"`
	PacedP99MS    float64        `json:"paced_latency_p99_ms"`
	PacedMaxMS    float64        `json:"paced_latency_max_ms"`
	PacedMissing  int            `json:"paced_missing"`
	Outcomes      map[string]int `json:"outcomes"`
	RepliesSent   int            `json:"replies_sent"`
	Threaded      int            `json:"replies_threaded"`
	StmtsPerMsg   float64        `json:"statements_per_message"`
	PeakRSSMB     float64        `json:"peak_rss_mb"`
	MaxRSSMB      float64        `json:"max_sampled_rss_mb"`
	RSSNote       string         `json:"rss_note"`
	NoticesSent   int64          `json:"notices_sent_during_ingest"`
	Sessions      []sampleShare  `json:"burst_session_time"`
	PlanMSPerMsg  float64        `json:"plan_ms_per_message"`
	ExecMSPerMsg  float64        `json:"exec_ms_per_message"`
	Top           []topStatement `json:"top_statements"`
}

type ingestOpts struct {
	burst, paced int
	pacedRate    float64
	inProcess    bool
	pid          int // the helpdesk serve process polling; 0 when in-process
	dir          string
	dsn          string
	secret       []byte
	log          *slog.Logger
}

// runIngest measures the poller on a corpus of o.burst messages appended at
// once, then o.paced more at a steady rate for the latency figure.
func runIngest(ctx context.Context, b *benchDB, sink *countingSink, srv *memIMAP, corpus []*corpusMail, o ingestOpts) (*ingestResult, error) {
	res := &ingestResult{Messages: o.burst, Mix: map[string]int{}, Outcomes: map[string]int{}}
	for _, m := range corpus[:o.burst] {
		res.Mix[m.Kind]++
		if m.HasAttach {
			res.Mix["with_attachments"]++
		}
		if m.Charset != "utf-8" {
			res.Mix["not_utf8"]++
		}
		res.TotalMB += float64(len(m.Raw)) / (1 << 20)
		if m.Kind != mailNew {
			res.RepliesSent++
		}
	}
	pid := o.pid
	stopPoller := func() {}
	if o.inProcess {
		res.Mode = "in-process poller (hdbench)"
		res.RSSNote = "hdbench's own peak RSS: includes the corpus and the in-memory IMAP server"
		stop, err := startInProcessPoller(ctx, b.DB, sink, srv.url(), o)
		if err != nil {
			return nil, err
		}
		stopPoller = stop
	} else {
		res.Mode = "helpdesk serve (child process)"
		res.RSSNote = "VmHWM of the helpdesk serve process: web, poller, outbox worker and jobs"
	}
	defer stopPoller()
	// Let the poller log in, select and enter IDLE on the empty mailbox.
	time.Sleep(time.Second)

	var maxRSS int64
	rssDone := make(chan struct{})
	rssStop := make(chan struct{})
	go func() {
		defer close(rssDone)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _ := procStatus(pid); rss > maxRSS {
				maxRSS = rss
			}
			select {
			case <-rssStop:
				return
			case <-t.C:
			}
		}
	}()

	b.resetStatements(ctx)
	sent0 := sink.mails.Load()
	w := startWatcher(b.DB, 5*time.Millisecond)
	defer w.close()
	sampler := startSampler(ctx, b.DB, 10*time.Millisecond)

	// Burst: everything at once; the figure is how fast the poller drains.
	burst := corpus[:o.burst]
	ids := make([]string, len(burst))
	appended := make([]time.Time, len(burst))
	t0 := time.Now()
	for i, m := range burst {
		if err := srv.append(m.Raw); err != nil {
			return nil, err
		}
		appended[i] = time.Now()
		ids[i] = m.MessageID
	}
	res.AppendRate = float64(len(burst)) / time.Since(t0).Seconds()
	o.log.Info("ingest: burst appended; waiting for the poller", "messages", len(burst), "append_per_s", int(res.AppendRate))
	deadline := time.Now().Add(60*time.Second + time.Duration(len(burst))*30*time.Millisecond)
	visible, all := w.waitFor(ctx, ids, deadline)
	res.TimedOut = !all
	res.Sessions = sampler.finish()
	var last time.Time
	var lat []float64
	for i, v := range visible {
		if v.IsZero() {
			continue
		}
		res.Committed++
		if v.After(last) {
			last = v
		}
		lat = append(lat, v.Sub(appended[i]).Seconds()*1000)
	}
	if res.Committed > 0 {
		res.Seconds = last.Sub(t0).Seconds()
		res.Rate = float64(res.Committed) / res.Seconds
	}
	res.BurstP50MS, res.BurstP99MS = percentile(lat, 50), percentile(lat, 99)
	calls := b.statementCalls(ctx)
	plan, exec := b.planAndExec(ctx)
	if res.Committed > 0 {
		res.StmtsPerMsg = float64(calls) / float64(res.Committed)
		res.PlanMSPerMsg, res.ExecMSPerMsg = plan/float64(res.Committed), exec/float64(res.Committed)
	}
	res.Top = b.topStatements(ctx, 40)
	o.log.Info("ingest: burst done", "committed", res.Committed, "rate", int(res.Rate), "timed_out", res.TimedOut)

	// Paced: a steady stream well inside what the poller sustains, so the
	// latency is IDLE's and the pipeline's, not a queue's.
	if !res.TimedOut && o.paced > 0 {
		rate := o.pacedRate
		if res.Rate > 0 {
			rate = min(rate, res.Rate/2)
		}
		res.PacedRate = rate
		paced := corpus[o.burst : o.burst+o.paced]
		pids := make([]string, len(paced))
		pat := make([]time.Time, len(paced))
		tick := time.Duration(float64(time.Second) / rate)
		next := time.Now()
		for i, m := range paced {
			time.Sleep(time.Until(next))
			next = next.Add(tick)
			if err := srv.append(m.Raw); err != nil {
				return nil, err
			}
			pat[i] = time.Now()
			pids[i] = m.MessageID
		}
		// The safety-net poll (30 s) bounds a message the in-memory server
		// forgot to announce; wait past it.
		pv, _ := w.waitFor(ctx, pids, time.Now().Add(45*time.Second))
		var pl []float64
		for i, v := range pv {
			if v.IsZero() {
				res.PacedMissing++
				continue
			}
			pl = append(pl, v.Sub(pat[i]).Seconds()*1000)
		}
		res.PacedMessages = len(paced)
		for _, m := range paced {
			if m.Kind != mailNew {
				res.RepliesSent++
			}
		}
		res.PacedP50MS, res.PacedP99MS, res.PacedMaxMS = percentile(pl, 50), percentile(pl, 99), percentile(pl, 100)
	}
	close(rssStop)
	<-rssDone
	_, hwm := procStatus(pid)
	res.PeakRSSMB, res.MaxRSSMB = mb(hwm), mb(maxRSS)
	res.NoticesSent = sink.mails.Load() - sent0

	var outs []struct {
		Outcome string `db:"outcome"`
		N       int    `db:"n"`
	}
	b.DB.SelectContext(ctx, &outs, `SELECT outcome, count(*) AS n FROM inbound_messages GROUP BY outcome`)
	for _, r := range outs {
		res.Outcomes[r.Outcome] = r.N
	}
	res.Threaded = res.Outcomes["reply"]
	return res, nil
}

// startInProcessPoller wires what `helpdesk serve` wires for mail (store,
// outbox hook and worker, intake, poller) inside hdbench, for profiling.
func startInProcessPoller(ctx context.Context, db *sqlx.DB, sink *countingSink, url string, o ingestOpts) (func(), error) {
	logf, err := os.Create(filepath.Join(o.dir, "inprocess.log"))
	if err != nil {
		return nil, err
	}
	lg := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// A pool of its own, tuned and sized as `helpdesk serve` opens it, and
	// unnamed so that the session sampler counts it.
	db, err = sqlx.Open("postgres", pgcluster.TuneDSN(o.dsn))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(20)
	store := tickets.New(db, tickets.Opts{Log: lg})
	sender, err := outbound.NewSender("smtp://"+sink.addr, o.dir, outbound.SenderOptions{HeloName: "kemsos.go.id", Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	ob := outbound.New(outbound.Opts{Store: store, Sender: sender, Log: lg, From: helpdeskAddress, BaseURL: "http://localhost:8080", Secret: o.secret})
	store.AddHook(ob.Hook)
	in := ingest.NewIntake(store, ingest.IntakeOpts{Log: lg, Secret: o.secret, OwnAddresses: []string{helpdeskAddress}})
	p, err := ingest.NewPoller(ingest.PollerOpts{URL: url, Intake: in, DB: db, Log: lg})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.Run(rctx) }()
	go func() { defer wg.Done(); ob.Run(rctx) }()
	return func() {
		cancel()
		wg.Wait()
		sender.Close()
		db.Close()
		logf.Close()
	}, nil
}

// percentile of values (nearest rank); p=100 is the maximum.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	i = max(0, min(len(s)-1, i))
	return s[i]
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
