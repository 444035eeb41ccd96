package ingest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/kemsos/helpdesk/tickets"
)

// deliveryWorkers is how many messages of a batch are in their
// transactions at once; inFlightBytes bounds the raw messages held in
// memory meanwhile (a single larger message still goes, alone).
const (
	deliveryWorkers = 8
	inFlightBytes   = 48 << 20
)

// concurrentDelivery delivers one fetched batch with several transactions
// in flight, in an order that keeps replies after what they reply to.
type concurrentDelivery struct {
	ctx      context.Context
	p        *Poller
	validity uint32
	sem      chan struct{}
	wg       sync.WaitGroup

	mu      sync.Mutex
	room    *sync.Cond // signalled when held bytes drop
	held    int
	byID    map[string]*pending // Message-ID → its delivery
	byFrom  map[string]*pending // sender → their latest message's delivery
	results []deliveryResult
}

// pending is a message of the batch being delivered; done is closed when
// it is over, and failed says whether it was stored.
type pending struct {
	uid    uint32
	done   chan struct{}
	failed bool
}

type deliveryResult struct {
	uid     uint32
	inbound int64
	err     error
}

func newConcurrentDelivery(ctx context.Context, p *Poller, validity uint32) *concurrentDelivery {
	c := &concurrentDelivery{ctx: ctx, p: p, validity: validity, sem: make(chan struct{}, deliveryWorkers),
		byID: map[string]*pending{}, byFrom: map[string]*pending{}}
	c.room = sync.NewCond(&c.mu)
	return c
}

// add starts delivering one message once the earlier messages it depends
// on are done. Messages must be added in UID order.
func (c *concurrentDelivery) add(uid uint32, raw []byte, size int64) {
	h := Parse(headerBlock(raw, 256<<10), Limits{})
	var deps []*pending
	me := &pending{uid: uid, done: make(chan struct{})}
	c.mu.Lock()
	for c.held > 0 && c.held+len(raw) > inFlightBytes {
		c.room.Wait()
	}
	c.held += len(raw)
	for _, ref := range append(append([]string{}, h.InReplyTo...), h.References...) {
		if ch, ok := c.byID[ref]; ok {
			deps = append(deps, ch)
		}
	}
	from := tickets.NormalizeEmail(h.From.Email)
	if ch, ok := c.byFrom[from]; ok && from != "" {
		deps = append(deps, ch)
	}
	if h.MessageID != "" {
		c.byID[h.MessageID] = me
	}
	if from != "" {
		c.byFrom[from] = me
	}
	c.mu.Unlock()

	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(me.done)
		var res Result
		var err error
		for _, d := range deps {
			<-d.done
			if d.failed && err == nil {
				// What it replies to (or its sender's earlier mail) is not
				// stored yet: delivering it now would break the thread.
				err = fmt.Errorf("held back until uid %d is stored", d.uid)
			}
		}
		if err == nil {
			c.sem <- struct{}{}
			src := Source{Mailbox: c.p.u.name, UIDValidity: c.validity, UID: uid}
			if size > int64(len(raw)) {
				src.Size = size
			}
			res, err = c.p.deliver(c.ctx, raw, src)
			<-c.sem
		}
		if err == nil {
			c.p.log.Debug("imap: delivered", "uid", uid, "duplicate", res.Duplicate, "ticket", res.Ticket)
		}
		me.failed = err != nil
		c.mu.Lock()
		c.results = append(c.results, deliveryResult{uid: uid, inbound: res.InboundID, err: err})
		c.held -= len(raw)
		c.room.Broadcast()
		c.mu.Unlock()
	}()
}

// wait returns, in UID order, every delivered message, the unbroken run of
// them from the batch's start (safe to advance last_uid over), and the
// first failure.
func (c *concurrentDelivery) wait() (done, prefix []delivered, failure error) {
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
