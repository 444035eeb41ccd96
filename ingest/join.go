package ingest

import (
	"context"
	"sync"
	"time"
)

// Group commit for mail that arrives one message at a time (the SMTP
// intake, the pipe handing mail to serve): a delivery that finds a commit
// in progress waits, and the next commit takes every message that waited,
// in one transaction. The sender is answered (250, exit 0) only after the
// commit holding its message: synchronous commit stays on, and nothing
// acknowledged can be lost. Under load the commits grow, which is what
// keeps up with a flood; alone, a message commits at once.

// joinLeaders is how many group commits may run at once.
const joinLeaders = 2

type joiner struct {
	mu      sync.Mutex
	queue   []*joinReq
	leaders int
}

type joinReq struct {
	d    *delivery
	done chan error
}

// join delivers d, together with whatever other deliveries are waiting.
func (in *Intake) join(ctx context.Context, d *delivery) error {
	req := &joinReq{d: d, done: make(chan error, 1)}
	j := &in.joiner
	j.mu.Lock()
	j.queue = append(j.queue, req)
	if j.leaders < joinLeaders {
		j.leaders++
		j.mu.Unlock()
		go in.lead()
	} else {
		j.mu.Unlock()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The commit goes on without us; the sender retries and the
		// message is then a duplicate if it was stored.
		return ctx.Err()
	}
}

// lead commits waiting deliveries, a group at a time, until none waits.
func (in *Intake) lead() {
	j := &in.joiner
	for {
		j.mu.Lock()
		if len(j.queue) == 0 {
			j.leaders--
			j.mu.Unlock()
			return
		}
		n := min(len(j.queue), groupSize)
		group := j.queue[:n:n]
		j.queue = append([]*joinReq(nil), j.queue[n:]...)
		j.mu.Unlock()

		// The senders may hang up; the commit of what they sent must not
		// be cut short by one of them.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		ds := make([]*delivery, len(group))
		for i, r := range group {
			ds[i] = r.d
		}
		err := in.commit(ctx, ds)
		if err != nil && len(group) > 1 {
			// One message may be what the database refuses: alone, each
			// fails or succeeds on its own.
			for _, r := range group {
				r.done <- in.commit(ctx, []*delivery{r.d})
			}
		} else {
			for _, r := range group {
				r.done <- err
			}
		}
		cancel()
	}
}
