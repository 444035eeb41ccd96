package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/kemsos/helpdesk/tickets"
)

// A fetched batch is delivered in groups: several messages per transaction
// (group commit: one commit, one WAL flush, for all of them), a few
// transactions at once (a transaction mostly waits on PostgreSQL, so
// overlapping them is what keeps both the database and the parser busy).
// A group waits for any earlier group holding a message it replies to or
// one of its senders' earlier mail, so threads and a citizen's own mails
// keep their order. inFlightBytes bounds the raw messages held meanwhile (a
// single larger message still goes, alone).
const (
	groupSize      = 25 // each message takes a savepoint; PostgreSQL keeps 64 per transaction cheaply
	groupBytes     = 8 << 20
	groupsInFlight = 3
	inFlightBytes  = 48 << 20
)

// groupDelivery delivers one fetched batch (or an archive): a stream of
// messages numbered in order (their UIDs, or their place in the file).
type groupDelivery struct {
	ctx         context.Context
	commitGroup func(ctx context.Context, items []Item) ([]Result, error)
	deliverOne  func(ctx context.Context, raw []byte, src Source) (Result, error)
	log         *slog.Logger
	sem         chan struct{}
	wg          sync.WaitGroup
	stored      func(n int) // told how many of a group were stored

	mu      sync.Mutex
	room    *sync.Cond // signalled when held bytes drop
	held    int
	cur     *group            // the group being filled
	byID    map[string]*group // Message-ID → the group delivering it
	byFrom  map[string]*group // sender → the group delivering their latest mail
	results []deliveryResult
}

// group is messages delivered in one transaction; done is closed when it is
// over, and failed says whether something of it was not stored.
type group struct {
	seqs   []uint32
	items  []Item
	bytes  int
	deps   map[*group]bool
	done   chan struct{}
	failed bool
	// ids and froms are the byID and byFrom keys naming this group, taken
	// out once it is stored: an archive of millions of letters must not
	// keep them all (nor their bytes) until the end.
	ids, froms []string
}

type deliveryResult struct {
	uid     uint32 // the message's number in the stream
	inbound int64
	dup     bool
	err     error
}

func newGroupDelivery(ctx context.Context, p *Poller) *groupDelivery {
	return newGroups(ctx, p.deliverGroup, p.deliver, p.log)
}

func newGroups(ctx context.Context, commit func(context.Context, []Item) ([]Result, error),
	one func(context.Context, []byte, Source) (Result, error), log *slog.Logger) *groupDelivery {
	c := &groupDelivery{ctx: ctx, commitGroup: commit, deliverOne: one, log: log, sem: make(chan struct{}, groupsInFlight),
		byID: map[string]*group{}, byFrom: map[string]*group{}}
	c.room = sync.NewCond(&c.mu)
	return c
}

// add puts one message, number seq, in the group being filled, which
// starts once full. Messages must be added in order.
func (c *groupDelivery) add(seq uint32, raw []byte, src Source) {
	h := Parse(headerBlock(raw, 256<<10), Limits{})
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.held > 0 && c.held+len(raw) > inFlightBytes {
		if c.cur != nil {
			// Waiting for room that the group being filled would free
			// only once started: start it.
			c.start(c.cur)
			c.cur = nil
		}
		c.room.Wait()
	}
	c.held += len(raw)
	if c.cur == nil {
		c.cur = &group{deps: map[*group]bool{}, done: make(chan struct{})}
	}
	g := c.cur
	for _, ref := range append(append([]string{}, h.InReplyTo...), h.References...) {
		if d, ok := c.byID[ref]; ok && d != g {
			g.deps[d] = true
		}
	}
	from := tickets.NormalizeEmail(h.From.Email)
	if d, ok := c.byFrom[from]; ok && from != "" && d != g {
		g.deps[d] = true
	}
	if h.MessageID != "" {
		c.byID[h.MessageID] = g
		g.ids = append(g.ids, h.MessageID)
	}
	if from != "" {
		c.byFrom[from] = g
		g.froms = append(g.froms, from)
	}
	g.seqs = append(g.seqs, seq)
	g.items = append(g.items, Item{Raw: raw, Src: src})
	g.bytes += len(raw)
	if len(g.items) >= groupSize || g.bytes >= groupBytes {
		c.start(g)
		c.cur = nil
	}
}

// start delivers g once the groups it depends on are over. Called with mu
// held.
func (c *groupDelivery) start(g *group) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(g.done)
		held := ""
		for d := range g.deps {
			<-d.done
			if d.failed && held == "" {
				// What it replies to (or its sender's earlier mail) is not
				// stored yet: delivering it now would break the thread.
				held = fmt.Sprintf("held back until message %d is stored", d.seqs[0])
			}
		}
		results := make([]deliveryResult, len(g.items))
		for i := range g.items {
			results[i].uid = g.seqs[i]
		}
		if held != "" {
			for i := range results {
				results[i].err = fmt.Errorf("%s", held)
			}
		} else {
			c.sem <- struct{}{}
			c.deliverGroup(g, results)
			<-c.sem
		}
		failed := 0
		for _, r := range results {
			if r.err != nil {
				failed++
			} else {
				c.log.Debug("delivered", "seq", r.uid, "duplicate", r.dup)
			}
		}
		g.failed = failed > 0
		if c.stored != nil {
			c.stored(len(results) - failed)
		}
		c.mu.Lock()
		c.results = append(c.results, results...)
		c.held -= g.bytes
		g.items, g.deps = nil, nil
		if !g.failed {
			// Stored: what follows it needs no wait. A failed group stays
			// named, to hold back the rest of its threads.
			for _, id := range g.ids {
				if c.byID[id] == g {
					delete(c.byID, id)
				}
			}
			for _, f := range g.froms {
				if c.byFrom[f] == g {
					delete(c.byFrom, f)
				}
			}
		}
		c.room.Broadcast()
		c.mu.Unlock()
	}()
}

// deliverGroup commits g's messages together; if that fails, it delivers
// them one by one, so that a message the database refuses, or a passing
// failure, holds back only itself and what depends on it.
func (c *groupDelivery) deliverGroup(g *group, results []deliveryResult) {
	if len(g.items) > 1 {
		res, err := c.commitGroup(c.ctx, g.items)
		if err == nil {
			for i := range results {
				results[i].inbound, results[i].dup = res[i].InboundID, res[i].Duplicate
			}
			return
		}
		c.log.Warn("a group of messages could not be stored together; storing them one by one", "messages", len(g.items), "err", err)
	}
	failedIDs := map[string]bool{}
	failedFrom := map[string]bool{}
	for i, it := range g.items {
		h := Parse(headerBlock(it.Raw, 256<<10), Limits{})
		from := tickets.NormalizeEmail(h.From.Email)
		var blocked bool
		for _, ref := range append(append([]string{}, h.InReplyTo...), h.References...) {
			blocked = blocked || failedIDs[ref]
		}
		if blocked || from != "" && failedFrom[from] {
			results[i].err = fmt.Errorf("held back until the mail it follows is stored")
		} else {
			res, err := c.deliverOne(c.ctx, it.Raw, it.Src)
			results[i].inbound, results[i].dup, results[i].err = res.InboundID, res.Duplicate, err
		}
		if results[i].err != nil {
			if h.MessageID != "" {
				failedIDs[h.MessageID] = true
			}
			if from != "" {
				failedFrom[from] = true
			}
		}
	}
}

// wait starts the group being filled, waits for every group, and returns,
// in UID order, every delivered message, the unbroken run of them from the
// batch's start (safe to advance last_uid over), and the first failure.
func (c *groupDelivery) wait() (done, prefix []delivered, failure error) {
	c.mu.Lock()
	if c.cur != nil {
		c.start(c.cur)
		c.cur = nil
	}
	c.mu.Unlock()
	c.wg.Wait()
	slices.SortFunc(c.results, func(a, b deliveryResult) int { return int(int64(a.uid) - int64(b.uid)) })
	broken := false
	for _, r := range c.results {
		if r.err != nil {
			if failure == nil {
				failure = &deliverError{uid: r.uid, err: r.err}
			}
			broken = true
			continue
		}
		d := delivered{uid: r.uid, inboundID: r.inbound}
		done = append(done, d)
		if !broken {
			prefix = append(prefix, d)
		}
	}
	// done starts with the prefix: mark splits it there.
	return done, prefix, failure
}

// Pipeline delivers a stream of messages without mailbox UIDs (an mbox
// archive) the way the poller delivers a mailbox: in groups, a few at once,
// threads in order.
type Pipeline struct {
	c      *groupDelivery
	src    Source
	n      uint32
	Stored func(n int) // called as messages are stored (progress)
}

// NewPipeline starts a pipeline delivering into in, recording the messages
// under mailbox.
func (in *Intake) NewPipeline(ctx context.Context, mailbox string) *Pipeline {
	p := &Pipeline{src: Source{Mailbox: mailbox}}
	p.c = newGroups(ctx, in.DeliverGroup, in.Deliver, in.log)
	p.c.stored = func(n int) {
		if p.Stored != nil {
			p.Stored(n)
		}
	}
	return p
}

// Add queues the next message; it may wait for memory to free.
func (p *Pipeline) Add(raw []byte) {
	p.n++
	p.c.add(p.n, raw, p.src)
}

// Wait waits for every message and returns how many were stored, how
// many of those were stored before (duplicates), and the first failure.
func (p *Pipeline) Wait() (stored, duplicates int, failure error) {
	done, _, failure := p.c.wait()
	for _, r := range p.c.results {
		if r.err == nil && r.dup {
			duplicates++
		}
	}
	return len(done), duplicates, failure
}
