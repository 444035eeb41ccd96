package outbound

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// Opts configure the outbox.
type Opts struct {
	Store   *tickets.Store
	Sender  Sender
	Log     *slog.Logger
	From    string // the helpdesk's address
	Name    string // its display name
	BaseURL string // for links in mails
	Secret  []byte // signs Message-IDs and progress links
	// AutoresponsesPerHour caps autoresponses to one address (default 5).
	AutoresponsesPerHour int
	// PerTicketIn10Min and PerHour cap all mail to one recipient, as the
	// last guard against loops (Zammad's defaults: 10 and 25).
	PerTicketIn10Min int
	PerHour          int
	// AlertBurst is how many alerts an agent gets in 10 minutes before
	// the next ones are collapsed into a digest (default 10).
	AlertBurst int
	// DigestEvery is the least time between two digests to one address
	// (default 10 minutes).
	DigestEvery time.Duration
	// RetryFor is how long temporary failures are retried (default 48 h).
	RetryFor time.Duration
	// Poll is how often an idle worker looks for mail (default 500 ms).
	Poll time.Duration
	// Heartbeat is how often a worker renews the claim of the mail it is
	// sending (default 1 minute), so that RequeueStuck, which takes back
	// claims 10 minutes old, never takes one being sent.
	Heartbeat time.Duration
}

// Outbox queues notices inside the transactions of the changes that cause
// them, and delivers them.
type Outbox struct {
	o    Opts
	ids  tickets.MessageIDs
	log  *slog.Logger
	wake chan struct{}
	// lease marks the rows this process claims; unsure is set when a
	// claim failed, which may have committed all the same.
	lease  string
	unsure bool
}

// New returns an outbox; register Hook and AccountHook with the store, and
// run Run to deliver.
func New(o Opts) *Outbox {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Name == "" {
		o.Name = "Helpdesk Kemsos"
	}
	if o.AutoresponsesPerHour <= 0 {
		o.AutoresponsesPerHour = 5
	}
	if o.PerTicketIn10Min <= 0 {
		o.PerTicketIn10Min = 10
	}
	if o.PerHour <= 0 {
		o.PerHour = 25
	}
	if o.AlertBurst <= 0 {
		o.AlertBurst = 10
	}
	if o.DigestEvery <= 0 {
		o.DigestEvery = 10 * time.Minute
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 48 * time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = time.Minute
	}
	domain := "localhost"
	if at := strings.LastIndexByte(o.From, '@'); at >= 0 {
		domain = o.From[at+1:]
	}
	return &Outbox{o: o, ids: tickets.MessageIDs{Secret: o.Secret, Domain: domain}, log: o.Log, wake: make(chan struct{}, 1),
		lease: fmt.Sprintf("%016x", rand.Uint64())}
}

// AccountHook queues the confirmation and password-reset mails, and the
// notice that someone registered an address that has an account (register
// with tickets.Store.AddAccountHook).
func (ob *Outbox) AccountHook(ctx context.Context, tx *tickets.Tx, kind string, u *tickets.User, token string) error {
	var n notice
	switch kind {
	case string(ConfirmAccount):
		n = notice{kind: ConfirmAccount, data: NoticeData{Link: ob.o.BaseURL + "/account/confirm?token=" + url.QueryEscape(token)}}
	case string(PasswordReset):
		n = notice{kind: PasswordReset, data: NoticeData{Link: ob.o.BaseURL + "/account/reset?token=" + url.QueryEscape(token)}}
	case string(AccountExists):
		// No token: the owner is pointed at the reset form, which mails
		// its own link if they ask for one.
		n = notice{kind: AccountExists, data: NoticeData{Link: ob.o.BaseURL + "/account/forgot"}}
	default:
		return fmt.Errorf("outbound: unknown account mail %q", kind)
	}
	n.to = tickets.Address{Email: u.Email, Name: u.Name}
	n.lang, n.tz = u.Lang, u.Timezone
	return ob.enqueue(ctx, tx, []notice{n})
}

func (ob *Outbox) poke() {
	select {
	case ob.wake <- struct{}{}:
	default:
	}
}

// row is a claimed outbox row.
type row struct {
	ID        int64  `db:"id"`
	MessageID string `db:"message_id"`
	Recipient string `db:"recipient"`
	Sender    string `db:"sender"`
	Data      []byte `db:"data"`
	Attempts  int    `db:"attempts"`
	Kind      string `db:"kind"`
}

// Run delivers queued mail until ctx ends. Several processes may run it on
// one database: FOR UPDATE SKIP LOCKED gives each row to one of them.
func (ob *Outbox) Run(ctx context.Context) {
	defer ob.releaseLost()
	backoff := time.Second
	for ctx.Err() == nil {
		n, err := ob.DeliverBatch(ctx, claimSize)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			ob.log.Error("outbox: database unavailable, retrying", "err", err)
			sleep(ctx, backoff)
			backoff = min(backoff*2, time.Minute)
			continue
		}
		backoff = time.Second
		if n == 0 {
			select {
			case <-ctx.Done():
			case <-ob.wake:
			case <-time.After(ob.o.Poll):
			}
		}
	}
}

// releaseLost gives back, when the worker stops, rows it claimed but never
// heard back about: shutting down in the middle of a claim can commit it in
// PostgreSQL while the client sees only the cancellation. Nothing was sent
// of them; without this they would wait for RequeueStuck, ten minutes.
func (ob *Outbox) releaseLost() {
	if !ob.unsure {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ob.release(ctx); err != nil {
		ob.log.Warn("outbox: could not release claims on the way out; RequeueStuck will", "err", err)
	}
}

// release requeues the rows this worker's lease still holds in 'sending'
// after a claim whose answer was lost: nothing of them was sent.
func (ob *Outbox) release(ctx context.Context) error {
	res, err := ob.o.Store.DB().ExecContext(ctx, `UPDATE outbox SET status = 'queued', attempts = greatest(attempts - 1, 0)
		WHERE status = 'sending' AND locked_by = $1`, ob.lease)
	if err != nil {
		return fmt.Errorf("outbound: release: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		ob.log.Info("outbox: released claims whose answer was lost", "rows", n)
	}
	ob.unsure = false
	return nil
}

// claimSize is how many rows a worker claims at a time. Each is renewed
// just before it is sent, so the age RequeueStuck looks at is the time one
// mail takes, never a whole claim's.
const claimSize = 10

// DeliverBatch claims up to limit due rows, sends them and records the
// outcome. It returns how many it claimed.
func (ob *Outbox) DeliverBatch(ctx context.Context, limit int) (int, error) {
	db := ob.o.Store.DB()
	if ob.unsure {
		// Nothing of ours is being sent now: whatever says so is a claim
		// whose answer was lost.
		if err := ob.release(ctx); err != nil {
			return 0, err
		}
	}
	var rows []row
	err := db.SelectContext(ctx, &rows, `UPDATE outbox SET status = 'sending', locked_at = now(), locked_by = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= now()
			ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING id, message_id, recipient, sender, data, attempts, kind`, limit, ob.lease)
	if err != nil {
		ob.unsure = true
		return 0, fmt.Errorf("outbound: claim: %w", err)
	}
	var session error // a failure of the relay's session, which every next mail would meet
	renewed := time.Now()
	for _, r := range rows {
		if session != nil {
			// The relay refused the session (or our credentials): trying
			// the other claimed mails now would only knock again, once per
			// mail. They wait their backoff like the one that met it.
			if err := ob.recordNow(ctx, r, session); err != nil {
				return len(rows), err
			}
			continue
		}
		// Still ours? A row whose claim RequeueStuck took back (this worker
		// was slow on the rows before it) may be sent by another worker
		// now: sending it too would send it twice. Claims younger than a
		// heartbeat cannot have been taken back, and need no asking.
		if time.Since(renewed) >= ob.o.Heartbeat {
			res, err := db.ExecContext(ctx, `UPDATE outbox SET locked_at = now() WHERE id = $1 AND locked_by = $2 AND status = 'sending'`, r.ID, ob.lease)
			if err != nil {
				ob.unsure = true
				return len(rows), fmt.Errorf("outbound: renew claim: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				ob.log.Warn("outbox: claim taken back before sending; another worker has it", "message_id", r.MessageID)
				continue
			}
		}
		var sendErr error
		data, err := ExpandBlobs(ctx, r.Data, ob.blob)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// A file the mail carries is gone: no retry brings it back.
			sendErr = &SendError{Err: err}
		case err != nil:
			ob.unsure = true
			return len(rows), err
		default:
			stop := ob.heartbeat(ctx, r.ID)
			sendErr = ob.o.Sender.Send(ctx, r.Sender, []string{r.Recipient}, data)
			stop()
		}
		if err := ob.recordNow(ctx, r, sendErr); err != nil {
			return len(rows), err
		}
		if se := (*SendError)(nil); errors.As(sendErr, &se) && se.Session {
			session = sendErr
		}
	}
	return len(rows), nil
}

// recordNow records a send's outcome, holding on to it until the database
// takes it: this process knows what happened, and giving up would leave
// the row, and the claimed rows after it, in 'sending' for RequeueStuck,
// which sends them again ten minutes later.
func (ob *Outbox) recordNow(ctx context.Context, r row, sendErr error) error {
	for wait := 500 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		err := ob.record(context.WithoutCancel(ctx), r, sendErr)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			ob.unsure = true
			return err
		}
		ob.log.Error("outbox: cannot record a delivery attempt; retrying", "message_id", r.MessageID, "err", err, "retry_in", wait)
		sleep(ctx, wait)
	}
}

// heartbeat renews the claim of row id until the returned stop is called.
func (ob *Outbox) heartbeat(ctx context.Context, id int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(ob.o.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := ob.o.Store.DB().ExecContext(ctx, `UPDATE outbox SET locked_at = now() WHERE id = $1 AND locked_by = $2 AND status = 'sending'`, id, ob.lease); err != nil {
					ob.log.Warn("outbox: cannot renew the claim of the mail being sent", "err", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// blob reads a stored file for ExpandBlobs.
func (ob *Outbox) blob(ctx context.Context, sum []byte) ([]byte, error) {
	var data []byte
	err := ob.o.Store.DB().GetContext(ctx, &data, `SELECT data FROM blobs WHERE sha256 = $1`, sum)
	return data, err
}

// record stores a send's outcome, fenced by the claim: it changes the row
// only while this worker still holds it. Temporary failures come back later
// with exponential backoff and jitter; permanent ones (5xx to the message)
// fail the row, which agents see on the ticket.
func (ob *Outbox) record(ctx context.Context, r row, sendErr error) error {
	db := ob.o.Store.DB()
	var res sql.Result
	var err error
	var se *SendError
	switch {
	case sendErr == nil || errors.Is(sendErr, ErrPartialDelivery):
		res, err = db.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = now(), last_error = ''
			WHERE id = $1 AND locked_by = $2 AND status = 'sending'`, r.ID, ob.lease)
		ob.log.Info("mail sent", "kind", r.Kind, "to", r.Recipient, "message_id", r.MessageID)
	case errors.As(sendErr, &se) && !se.Temporary:
		res, err = db.ExecContext(ctx, `UPDATE outbox SET status = 'failed', last_error = $3
			WHERE id = $1 AND locked_by = $2 AND status = 'sending'`, r.ID, ob.lease, sendErr.Error())
		ob.log.Error("mail refused", "kind", r.Kind, "to", r.Recipient, "message_id", r.MessageID, "err", sendErr)
	default:
		delay := retryDelay(r.Attempts)
		res, err = db.ExecContext(ctx, `UPDATE outbox SET
				status = CASE WHEN created_at < now() - make_interval(secs => $4) THEN 'failed' ELSE 'queued' END,
				next_attempt_at = now() + make_interval(secs => $3), last_error = $5
			WHERE id = $1 AND locked_by = $2 AND status = 'sending'`, r.ID, ob.lease, delay.Seconds(), ob.o.RetryFor.Seconds(), sendErr.Error())
		if errors.Is(sendErr, ErrAuthFailed) {
			// Held, not bounced, but no mail leaves until someone fixes
			// the credentials: louder than a delay.
			ob.log.Error("mail held: the relay refused the helpdesk's credentials; fix HELPDESK_SMTP_URL", "kind", r.Kind, "to", r.Recipient, "attempt", r.Attempts, "retry_in", delay.Round(time.Second), "err", sendErr)
		} else {
			ob.log.Warn("mail delayed, will retry", "kind", r.Kind, "to", r.Recipient, "attempt", r.Attempts, "retry_in", delay.Round(time.Second), "err", sendErr)
		}
	}
	if err != nil {
		return fmt.Errorf("outbound: record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		ob.log.Warn("outbox: the claim was taken back while the mail was being sent; the result is not recorded over another worker's", "message_id", r.MessageID)
	}
	return nil
}

// retryDelay grows from 10 s to an hour, with ±25 % jitter so that a relay
// coming back is not hit by every row at once.
func retryDelay(attempt int) time.Duration {
	d := 10 * time.Second << min(attempt-1, 9)
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

// RequeueStuck puts back rows left in 'sending' by a process that died
// mid-send. It may send such a mail twice: the price of not losing it.
func (ob *Outbox) RequeueStuck(ctx context.Context, olderThan time.Duration) (int64, error) {
	res, err := ob.o.Store.DB().ExecContext(ctx, `UPDATE outbox SET status = 'queued', next_attempt_at = now()
		WHERE status = 'sending' AND locked_at < now() - make_interval(secs => $1)`, olderThan.Seconds())
	if err != nil {
		return 0, fmt.Errorf("outbound: requeue: %w", err)
	}
	return res.RowsAffected()
}

// Problem is a mail that could not go out, shown to agents on its ticket.
type Problem struct {
	Kind      string    `db:"kind"`
	Recipient string    `db:"recipient"`
	Status    string    `db:"status"`
	Error     string    `db:"last_error"`
	Attempts  int       `db:"attempts"`
	CreatedAt time.Time `db:"created_at"`
	// Code and Args say Error for a page to translate (ReasonCode).
	Code string   `db:"-"`
	Args []string `db:"-"`
}

// Problems lists a ticket's mails that did not simply go: failed,
// suppressed, held for a digest or sent in one, and delayed.
func (ob *Outbox) Problems(ctx context.Context, ticketID int64) ([]Problem, error) {
	var ps []Problem
	err := ob.o.Store.DB().SelectContext(ctx, &ps, `SELECT kind, recipient, status, last_error, attempts, created_at FROM outbox
		WHERE ticket_id = $1 AND (status IN ('failed', 'suppressed', 'held', 'digested') OR (status = 'queued' AND attempts > 0)) ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("outbound: problems: %w", err)
	}
	for i := range ps {
		ps[i].Code, ps[i].Args = ReasonCode(ps[i].Status, ps[i].Error)
	}
	return ps, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
