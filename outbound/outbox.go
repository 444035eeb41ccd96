package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
	"github.com/lib/pq"
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
	// RetryFor is how long temporary failures are retried (default 48 h).
	RetryFor time.Duration
	// Poll is how often an idle worker looks for mail (default 500 ms).
	Poll time.Duration
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
	if o.RetryFor <= 0 {
		o.RetryFor = 48 * time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	domain := "localhost"
	if at := strings.LastIndexByte(o.From, '@'); at >= 0 {
		domain = o.From[at+1:]
	}
	return &Outbox{o: o, ids: tickets.MessageIDs{Secret: o.Secret, Domain: domain}, log: o.Log, wake: make(chan struct{}, 1),
		lease: fmt.Sprintf("%016x", rand.Uint64())}
}

// notice is one mail about to be queued.
type notice struct {
	kind   NoticeKind
	ticket *tickets.Ticket
	entry  *tickets.Entry
	to     tickets.Address
	lang   string
	tz     string
	data   NoticeData
	atts   []tickets.NewAttachment
}

// Hook turns ticket changes into notices and alerts, in the change's
// transaction (register with tickets.Store.AddHook).
func (ob *Outbox) Hook(ctx context.Context, tx *tickets.Tx, c *tickets.Change) error {
	if c.Quiet {
		return nil
	}
	t := c.Ticket
	var ns []notice
	owner := func(kind NoticeKind) {
		ns = append(ns, notice{kind: kind, ticket: t, entry: c.Entry, to: tickets.Address{Email: t.OwnerEmail, Name: t.OwnerName}})
	}
	switch c.Kind {
	case tickets.ChangeOpened:
		owner(TicketAutoresponse)
		as, err := ob.o.Store.AgentsOfDepartment(ctx, tx, t.DepartmentID)
		if err != nil {
			return err
		}
		for _, a := range as {
			ns = append(ns, agentNotice(AlertNewTicket, t, c.Entry, &a))
		}
	case tickets.ChangeResponse:
		owner(ResponseNotice)
		ns[0].atts = c.Attachments
		for _, col := range t.Collaborators {
			ns = append(ns, notice{kind: ResponseNotice, ticket: t, entry: c.Entry, to: col, atts: c.Attachments})
		}
	case tickets.ChangeStatus:
		switch c.Detail["to"] {
		case tickets.StatusResolved:
			owner(StatusResolved)
		case tickets.StatusClosed:
			owner(StatusClosed)
		}
	case tickets.ChangeReopened:
		owner(TicketReopened)
	case tickets.ChangeTransferred:
		as, err := ob.o.Store.AgentsOfDepartment(ctx, tx, t.DepartmentID)
		if err != nil {
			return err
		}
		for _, a := range as {
			if c.Actor.Kind == tickets.ActorAgent && int64(a.ID) == c.Actor.ID {
				continue
			}
			n := agentNotice(AlertTransfer, t, nil, &a)
			n.data.Reason = c.Detail["reason"]
			n.data.AgentName = c.Actor.Name
			ns = append(ns, n)
		}
	case tickets.ChangeAssigned:
		if t.AssigneeID.Valid && !(c.Actor.Kind == tickets.ActorAgent && c.Actor.ID == t.AssigneeID.Int64) {
			a, err := ob.o.Store.AgentByID(ctx, int(t.AssigneeID.Int64))
			if err != nil {
				return err
			}
			n := agentNotice(AlertAssigned, t, nil, a)
			n.data.AgentName = c.Actor.Name
			ns = append(ns, n)
		}
	case tickets.ChangeOverdue:
		var as []tickets.Agent
		if t.AssigneeID.Valid {
			a, err := ob.o.Store.AgentByID(ctx, int(t.AssigneeID.Int64))
			if err != nil {
				return err
			}
			as = []tickets.Agent{*a}
		} else {
			var err error
			if as, err = ob.o.Store.AgentsOfDepartment(ctx, tx, t.DepartmentID); err != nil {
				return err
			}
		}
		for _, a := range as {
			ns = append(ns, agentNotice(AlertOverdue, t, nil, &a))
		}
	}
	return ob.enqueue(ctx, tx, ns)
}

func agentNotice(kind NoticeKind, t *tickets.Ticket, e *tickets.Entry, a *tickets.Agent) notice {
	return notice{kind: kind, ticket: t, entry: e, to: tickets.Address{Email: a.Email, Name: a.Name}, lang: a.Lang, tz: a.Timezone}
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

// ProgressLink is a ticket's guest link: it opens that ticket without
// signing in.
func (ob *Outbox) ProgressLink(t *tickets.Ticket) string {
	return ob.o.BaseURL + "/t/" + t.Number + "?token=" + url.QueryEscape(tickets.GuestToken(ob.o.Secret, t))
}

func isAgentAlert(k NoticeKind) bool { return strings.HasPrefix(string(k), "alert_") }

// enqueue composes the notices of one change and writes their outbox rows,
// but suppresses a notice a guard stops (its row then says why, for agents
// to see). A change's notices take a fixed handful of statements however
// many agents it alerts: one look-up of the recipients, one count for the
// guards, one insert of the rows, one of their Message-IDs.
func (ob *Outbox) enqueue(ctx context.Context, tx *tickets.Tx, ns []notice) error {
	var kept []notice
	var addrs []string
	for _, n := range ns {
		to := tickets.NormalizeEmail(n.to.Email)
		if to == "" || strings.HasSuffix(to, ".invalid") || to == tickets.NormalizeEmail(ob.o.From) {
			continue
		}
		n.to.Email = to
		kept = append(kept, n)
		addrs = append(addrs, to)
	}
	if len(kept) == 0 {
		return nil
	}
	ns = kept
	var users map[string]*tickets.User
	for _, n := range ns {
		if !isAgentAlert(n.kind) && n.lang == "" {
			var err error
			if users, err = ob.o.Store.UsersByEmail(ctx, tx, addrs); err != nil {
				return err
			}
			break
		}
	}
	sent, err := ob.sentLastHour(ctx, tx, addrs, ns[0].ticket)
	if err != nil {
		return err
	}
	// The thread so far, for References: one look-up for the change.
	var threadIDs []string
	if t := ns[0].ticket; t != nil {
		if threadIDs, err = ob.o.Store.MessageIDsOf(ctx, tx, t.ID); err != nil {
			return err
		}
	}
	var rows []outboxRow
	var mids []string
	for _, n := range ns {
		to := n.to.Email
		row := outboxRow{kind: string(n.kind), recipient: to, status: "queued"}
		var eid int64
		if n.ticket != nil {
			row.ticketID = n.ticket.ID
		}
		if n.entry != nil {
			row.entryID, eid = n.entry.ID, n.entry.ID
		}
		if u := users[to]; u != nil && !isAgentAlert(n.kind) && n.lang == "" {
			// The citizen's own language and time zone, when we know them.
			n.lang, n.tz = u.Lang, u.Timezone
			if u.BouncingAt.Valid && (n.kind == TicketAutoresponse || n.kind == TicketReopened) {
				row.suppress("address is bouncing: no autoresponse")
			}
		}
		if row.status == "queued" {
			row.suppress(ob.capped(n.kind, sent[to], row.ticketID != 0))
		}
		if row.status == "suppressed" {
			ob.log.Warn("notice suppressed", "kind", n.kind, "to", to, "reason", row.lastError)
			row.messageID = ob.messageID("", 0)
			rows = append(rows, row)
			continue
		}
		c := sent[to]
		c.Hour++
		c.Ticket10m++
		if n.kind == TicketAutoresponse || n.kind == TicketReopened {
			c.Auto++
		}
		sent[to] = c
		number := ""
		if n.ticket != nil {
			number = n.ticket.Number
		}
		row.messageID = ob.messageID(number, eid)
		if row.subject, row.data, err = ob.compose(n, row.messageID, threadIDs); err != nil {
			return err
		}
		rows = append(rows, row)
		if n.ticket != nil {
			mids = append(mids, row.messageID)
		}
	}
	if err := ob.insert(ctx, tx, rows); err != nil {
		return err
	}
	if len(mids) > 0 {
		// Replies to these mails thread back to the ticket by rule 1.
		if err := ob.o.Store.RecordMessageIDs(ctx, tx, mids, ns[0].ticket.ID, rows[0].entryID); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if r.status == "queued" {
			ob.poke()
			break
		}
	}
	return nil
}

// compose renders one notice into the bytes to send.
func (ob *Outbox) compose(n notice, mid string, threadIDs []string) (string, []byte, error) {
	t := n.ticket
	d := n.data
	d.Lang = n.lang
	d.RecipientName = n.to.Name
	d.BaseURL = ob.o.BaseURL
	d.HelpdeskName = ob.o.Name
	if loc, err := time.LoadLocation(n.tz); err == nil && n.tz != "" {
		d.Location = loc
	}
	var refs []string
	inReplyTo := ""
	number := ""
	if t != nil {
		number = t.Number
		d.TicketNumber, d.Subject, d.Department, d.Status, d.Priority = t.Number, t.Subject, t.DepartmentName, t.Status, t.Priority
		d.Topic = t.TopicName.String
		if t.DueAt.Valid {
			d.DueAt = t.DueAt.Time
		}
		if d.Link == "" {
			if isAgentAlert(n.kind) {
				d.Link = ob.o.BaseURL + "/agent/tickets/" + t.Number
			} else {
				d.Link = ob.ProgressLink(t)
			}
		}
		if n.entry != nil && d.Body == "" {
			d.Body = n.entry.Body
			if n.entry.AgentID.Valid {
				d.AgentName = n.entry.AuthorName.String
			}
		}
		for _, a := range n.atts {
			d.Attachments = append(d.Attachments, a.Name)
		}
		refs = trimReferences(threadIDs)
		if len(threadIDs) > 0 {
			inReplyTo = threadIDs[len(threadIDs)-1]
			if n.entry != nil && n.entry.MessageID.Valid {
				inReplyTo = n.entry.MessageID.String
			}
		}
	}
	subject, text, html, err := Render(n.kind, d)
	if err != nil {
		return "", nil, err
	}
	auto := "auto-generated"
	if n.kind == TicketAutoresponse || n.kind == TicketReopened {
		auto = "auto-replied"
	}
	m := Mail{
		From: Address{Name: ob.o.Name, Email: ob.o.From}, To: []Address{{Name: n.to.Name, Email: n.to.Email}},
		ReplyTo: Address{Name: ob.o.Name, Email: ob.o.From}, Subject: subject, MessageID: mid,
		InReplyTo: inReplyTo, References: refs, Date: ob.o.Store.Now(), AutoSubmitted: auto, Text: text, HTML: html,
	}
	if number != "" {
		m.Headers = map[string]string{"X-Helpdesk-Ticket": number}
	}
	for _, a := range n.atts {
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	data, err := m.Bytes()
	return subject, data, err
}

// outboxRow is a row about to be inserted.
type outboxRow struct {
	kind, messageID, recipient, subject, status, lastError string
	ticketID, entryID                                      int64
	data                                                   []byte
}

func (r *outboxRow) suppress(why string) {
	if why != "" {
		r.status, r.lastError = "suppressed", why
	}
}

// insert writes the rows in one statement.
func (ob *Outbox) insert(ctx context.Context, tx *tickets.Tx, rows []outboxRow) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO outbox (kind, message_id, ticket_id, entry_id, recipient, sender, subject, data, status, last_error) VALUES `)
	args := make([]any, 0, 10*len(rows))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
		var ticketID, entryID any
		if r.ticketID != 0 {
			ticketID = r.ticketID
		}
		if r.entryID != 0 {
			entryID = r.entryID
		}
		data := r.data
		if data == nil {
			data = []byte{}
		}
		args = append(args, r.kind, r.messageID, ticketID, entryID, r.recipient, ob.o.From, r.subject, data, r.status, r.lastError)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("outbound: enqueue: %w", err)
	}
	return nil
}

// messageID is a notice's Message-ID: signed with its ticket and entry
// when it is about a ticket, so replies thread back; random otherwise.
func (ob *Outbox) messageID(number string, entryID int64) string {
	if number != "" {
		return ob.ids.New(number, entryID)
	}
	return fmt.Sprintf("hd.mail.%016x@%s", rand.Uint64(), ob.ids.Domain)
}

// trimReferences keeps the first id (the thread's root) and the latest
// ones: RFC 5322 §3.6.4 allows trimming, and Gmail and Outlook thread on
// the root and the parent.
func trimReferences(ids []string) []string {
	if len(ids) <= 10 {
		return ids
	}
	return append([]string{ids[0]}, ids[len(ids)-9:]...)
}

// sentCounts is what the guards count of a recipient's recent mail.
type sentCounts struct {
	Ticket10m int `db:"ticket_10m"`
	Hour      int `db:"hour"`
	Auto      int `db:"auto"`
}

// sentLastHour counts the recipients' mail of the last hour (suppressed
// rows aside) for the guards, in one query.
func (ob *Outbox) sentLastHour(ctx context.Context, tx *tickets.Tx, addrs []string, t *tickets.Ticket) (map[string]sentCounts, error) {
	var ticketID any
	if t != nil {
		ticketID = t.ID
	}
	var rows []struct {
		Recipient string `db:"recipient"`
		sentCounts
	}
	// One index look-up per recipient (outbox_recipient_live_idx): with
	// recipient = ANY the generic plan of the prepared statement scanned
	// the table.
	err := ob.o.Store.Prep(tx).SelectContext(ctx, &rows, `SELECT r.recipient, c.*
		FROM unnest($1::text[]) AS r (recipient) CROSS JOIN LATERAL (SELECT
			count(*) FILTER (WHERE o.ticket_id = $2 AND o.created_at > $3::timestamptz - interval '10 minutes') AS ticket_10m,
			count(*) AS hour,
			count(*) FILTER (WHERE o.kind IN ('ticket_autoresponse', 'ticket_reopened')) AS auto
			FROM outbox o WHERE o.recipient = r.recipient AND o.created_at > $3::timestamptz - interval '1 hour' AND o.status <> 'suppressed') c`,
		pq.Array(addrs), ticketID, ob.o.Store.Now())
	if err != nil {
		return nil, fmt.Errorf("outbound: caps: %w", err)
	}
	m := make(map[string]sentCounts, len(rows))
	for _, r := range rows {
		m[r.Recipient] = r.sentCounts
	}
	return m, nil
}

// capped applies the sliding-window guards against mail loops: the reason
// a notice may not go, or "".
func (ob *Outbox) capped(kind NoticeKind, c sentCounts, aboutTicket bool) string {
	switch {
	case (kind == TicketAutoresponse || kind == TicketReopened) && c.Auto >= ob.o.AutoresponsesPerHour:
		return fmt.Sprintf("autoresponse cap: %d to this address in the last hour", c.Auto)
	case aboutTicket && c.Ticket10m >= ob.o.PerTicketIn10Min:
		return fmt.Sprintf("loop guard: %d mails about this ticket to this address in 10 minutes", c.Ticket10m)
	case c.Hour >= ob.o.PerHour:
		return fmt.Sprintf("loop guard: %d mails to this address in the last hour", c.Hour)
	}
	return ""
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
		n, err := ob.DeliverBatch(ctx, 50)
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
	for _, r := range rows {
		sendErr := ob.o.Sender.Send(ctx, r.Sender, []string{r.Recipient}, r.Data)
		// This process knows the outcome: hold on to it until the database
		// takes it. Giving up would leave the row, and the claimed rows
		// after it, in 'sending' for RequeueStuck, which sends them again
		// ten minutes later.
		for wait := 500 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
			err := ob.record(context.WithoutCancel(ctx), r, sendErr)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return len(rows), err
			}
			ob.log.Error("outbox: cannot record a delivery attempt; retrying", "message_id", r.MessageID, "err", err, "retry_in", wait)
			sleep(ctx, wait)
		}
	}
	return len(rows), nil
}

// record stores a send's outcome. Temporary failures come back later with
// exponential backoff and jitter; permanent ones (5xx) fail the row, which
// agents see on the ticket.
func (ob *Outbox) record(ctx context.Context, r row, sendErr error) error {
	db := ob.o.Store.DB()
	var err error
	var se *SendError
	switch {
	case sendErr == nil || errors.Is(sendErr, ErrPartialDelivery):
		_, err = db.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = now(), last_error = '' WHERE id = $1`, r.ID)
		ob.log.Info("mail sent", "kind", r.Kind, "to", r.Recipient, "message_id", r.MessageID)
	case errors.As(sendErr, &se) && !se.Temporary:
		_, err = db.ExecContext(ctx, `UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1`, r.ID, sendErr.Error())
		ob.log.Error("mail refused", "kind", r.Kind, "to", r.Recipient, "message_id", r.MessageID, "err", sendErr)
	default:
		delay := retryDelay(r.Attempts)
		_, err = db.ExecContext(ctx, `UPDATE outbox SET
				status = CASE WHEN created_at < now() - make_interval(secs => $3) THEN 'failed' ELSE 'queued' END,
				next_attempt_at = now() + make_interval(secs => $2), last_error = $4
			WHERE id = $1`, r.ID, delay.Seconds(), ob.o.RetryFor.Seconds(), sendErr.Error())
		ob.log.Warn("mail delayed, will retry", "kind", r.Kind, "to", r.Recipient, "attempt", r.Attempts, "retry_in", delay.Round(time.Second), "err", sendErr)
	}
	if err != nil {
		return fmt.Errorf("outbound: record: %w", err)
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
}

// Problems lists a ticket's failed, suppressed and delayed mails.
func (ob *Outbox) Problems(ctx context.Context, ticketID int64) ([]Problem, error) {
	var ps []Problem
	err := ob.o.Store.DB().SelectContext(ctx, &ps, `SELECT kind, recipient, status, last_error, attempts, created_at FROM outbox
		WHERE ticket_id = $1 AND (status IN ('failed', 'suppressed') OR (status = 'queued' AND attempts > 0)) ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("outbound: problems: %w", err)
	}
	return ps, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
