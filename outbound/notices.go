package outbound

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
	"github.com/lib/pq"
)

// notice is one mail about to be queued.
type notice struct {
	kind   NoticeKind
	ticket *tickets.Ticket
	entry  *tickets.Entry
	to     tickets.Address // ID is the user's, for their own progress link
	lang   string
	tz     string
	data   NoticeData
	// atts are the stored files the mail carries, by reference: they are
	// read back when it is sent, not copied into every recipient's row.
	atts []tickets.Attachment
	// suppress is a reason decided before the guards: the mail it answers
	// must not be answered (automatic mail, a loop).
	suppress string
	// hdrTo and hdrCc, when set, are the To and Cc the recipient reads:
	// one mail to the owner with the collaborators in copy, though each
	// gets a copy of their own (Message-ID, progress link). Unset: To is
	// the recipient alone.
	hdrTo, hdrCc []tickets.Address
	// thread, when set, is the ticket's Message-IDs so far, known to the
	// change (a new ticket's one message): not looked up again.
	thread *[]string
}

// participants is one notice per person taking part in t as a citizen
// (owner, collaborators), each reading To: the owner, Cc: the
// collaborators, so that a reply-all keeps everyone.
func participants(kind NoticeKind, t *tickets.Ticket, e *tickets.Entry, atts []tickets.Attachment) []notice {
	owner := tickets.Address{Email: t.OwnerEmail, Name: t.OwnerName, ID: t.OwnerID}
	people := append([]tickets.Address{owner}, t.Collaborators...)
	var to, cc []tickets.Address
	for i, p := range people {
		if !tickets.Mailable(p.Email) {
			continue
		}
		if i == 0 {
			to = append(to, p)
		} else {
			cc = append(cc, p)
		}
	}
	ns := make([]notice, 0, len(people))
	for _, p := range people {
		ns = append(ns, notice{kind: kind, ticket: t, entry: e, to: p, atts: atts, hdrTo: to, hdrCc: cc})
	}
	return ns
}

// reportKinds maps tickets.Report kinds to their notices.
var reportKinds = map[string]NoticeKind{
	tickets.ReportUnverified: AlertUnverified,
	tickets.ReportRefused:    AlertRefused,
	tickets.ReportCommands:   AlertCommands,
}

// Hook turns ticket changes into notices and alerts, in the change's
// transaction (register with tickets.Store.AddHook).
func (ob *Outbox) Hook(ctx context.Context, tx *tickets.Tx, c *tickets.Change) error {
	t := c.Ticket
	var ns []notice
	owner := func(kind NoticeKind) {
		ns = append(ns, notice{kind: kind, ticket: t, entry: c.Entry, to: tickets.Address{Email: t.OwnerEmail, Name: t.OwnerName, ID: t.OwnerID}})
	}
	if c.Quiet {
		// Nothing goes out, but the autoresponse left unsent is on record,
		// with the reason, for agents to see on the ticket.
		if c.Kind == tickets.ChangeOpened && c.QuietReason != "" {
			owner(TicketAutoresponse)
			ns[0].suppress = c.QuietReason
			return ob.enqueue(ctx, tx, ns)
		}
		return nil
	}
	view := ob.o.Store.In(tx)
	switch c.Kind {
	case tickets.ChangeOpened:
		owner(TicketAutoresponse)
		ns[0].suppress = c.NoReply
		thread := []string{}
		if c.Entry != nil && c.Entry.MessageID.Valid {
			thread = append(thread, c.Entry.MessageID.String)
		}
		ns[0].thread = &thread
		as, err := ob.o.Store.AgentsOfDepartment(ctx, tx, t.DepartmentID)
		if err != nil {
			return err
		}
		for _, a := range as {
			n := agentNotice(AlertNewTicket, t, c.Entry, &a)
			n.data.AuthorName, n.data.AuthorEmail = c.Actor.Name, c.Actor.Email
			n.data.Attachments = attachmentNames(c.Entry)
			ns = append(ns, n)
		}
	case tickets.ChangeResponse:
		ns = participants(ResponseNotice, t, c.Entry, c.Entry.Attachments)
	case tickets.ChangeStatus:
		switch c.Detail["to"] {
		case tickets.StatusResolved:
			owner(StatusResolved)
		case tickets.StatusClosed:
			owner(StatusClosed)
		}
	case tickets.ChangeReopened:
		owner(TicketReopened)
	// Ticket tools (issue 12).
	case tickets.ChangeMessage:
		// The citizen or a collaborator wrote (and maybe reopened the
		// ticket): the assignee hears of it, else the department.
		as, err := ob.assigneeOrDepartment(ctx, tx, t)
		if err != nil {
			return err
		}
		for _, a := range as {
			n := agentNotice(AlertMessage, t, c.Entry, &a)
			n.data.AuthorName, n.data.AuthorEmail = c.Actor.Name, c.Actor.Email
			n.data.Reopened = c.Detail["reopened"] != ""
			n.data.Attachments = attachmentNames(c.Entry)
			ns = append(ns, n)
		}
	case tickets.ChangeMerged:
		// The old ticket's mail and problems are the new one's now.
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET ticket_id = $2 WHERE ticket_id = $1`, c.From.ID, t.ID); err != nil {
			return fmt.Errorf("outbound: merge: %w", err)
		}
		ns = participants(TicketMerged, c.From, nil, nil)
		for i := range ns {
			// About the ticket it was merged into, whose participant
			// each of them now is (their progress link opens that one).
			ns[i].ticket = t
			ns[i].data.FromNumber = c.From.Number
		}
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
		if c.Detail["tell"] != "" {
			for _, n := range participants(TicketTransferred, t, nil, nil) {
				n.data.Reason = c.Detail["reason"]
				ns = append(ns, n)
			}
		}
	case tickets.ChangeAssigned:
		if t.AssigneeID.Valid && !(c.Actor.Kind == tickets.ActorAgent && c.Actor.ID == t.AssigneeID.Int64) {
			a, err := view.AgentByID(ctx, int(t.AssigneeID.Int64))
			if err != nil {
				return err
			}
			n := agentNotice(AlertAssigned, t, nil, a)
			n.data.AgentName = c.Actor.Name
			ns = append(ns, n)
		}
	case tickets.ChangeOverdue:
		as, err := ob.assigneeOrDepartment(ctx, tx, t)
		if err != nil {
			return err
		}
		for _, a := range as {
			ns = append(ns, agentNotice(AlertOverdue, t, nil, &a))
		}
	case tickets.ChangeReport:
		r := c.Report
		n := agentNotice(reportKinds[r.Kind], t, nil, r.Agent)
		if n.kind == "" {
			return fmt.Errorf("outbound: unknown report %q", r.Kind)
		}
		n.data.Lines, n.data.MailSubject = r.Lines, r.Subject
		if t == nil || n.kind == AlertRefused {
			n.data.Link = ob.o.BaseURL + "/agent/mail/" + strconv.FormatInt(r.InboundID, 10)
		}
		ns = append(ns, n)
	}
	return ob.enqueue(ctx, tx, ns)
}

// assigneeOrDepartment is who hears of a ticket's news: its assignee
// while they are active, else every agent of its department.
func (ob *Outbox) assigneeOrDepartment(ctx context.Context, tx *tickets.Tx, t *tickets.Ticket) ([]tickets.Agent, error) {
	if t.AssigneeID.Valid {
		a, err := ob.o.Store.In(tx).AgentByID(ctx, int(t.AssigneeID.Int64))
		if err != nil {
			return nil, err
		}
		if a.Active {
			return []tickets.Agent{*a}, nil
		}
	}
	return ob.o.Store.AgentsOfDepartment(ctx, tx, t.DepartmentID)
}

// attachmentNames lists what an entry carries, for an alert to say.
func attachmentNames(e *tickets.Entry) []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, a := range e.Attachments {
		if !a.Inline {
			out = append(out, a.Name)
		}
	}
	return out
}

func agentNotice(kind NoticeKind, t *tickets.Ticket, e *tickets.Entry, a *tickets.Agent) notice {
	return notice{kind: kind, ticket: t, entry: e, to: tickets.Address{Email: a.Email, Name: a.Name}, lang: a.Lang, tz: a.Timezone}
}

// ProgressLink is the guest link of one of a ticket's participants: it
// opens that ticket, as them, without signing in.
func (ob *Outbox) ProgressLink(number string, userID int64) string {
	return ob.o.BaseURL + "/t/" + number + "?token=" + url.QueryEscape(tickets.GuestToken(ob.o.Secret, number, userID))
}

func isAgentAlert(k NoticeKind) bool { return strings.HasPrefix(string(k), "alert_") }

// citizenAutomatic are the automatic notices to citizens: what the loop
// guards hold back, and what a bouncing address does not get.
func citizenAutomatic(k NoticeKind) bool {
	switch k {
	case TicketAutoresponse, TicketReopened, StatusResolved, StatusClosed, TicketMerged, TicketTransferred:
		return true
	}
	return false
}

// enqueue composes the notices of one change and writes their outbox rows.
// A notice the guards stop is written all the same, suppressed or held
// for a digest, with the reason, for agents to see. A change's notices
// take a fixed handful of statements however many agents it alerts: one
// look-up of the recipients, one count for the guards, one insert of the
// rows, one of their Message-IDs.
func (ob *Outbox) enqueue(ctx context.Context, tx *tickets.Tx, ns []notice) error {
	var kept []notice
	var addrs []string
	for _, n := range ns {
		to := tickets.NormalizeEmail(n.to.Email)
		if !tickets.Mailable(to) || to == tickets.NormalizeEmail(ob.o.From) {
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
		if !isAgentAlert(n.kind) {
			var err error
			if users, err = ob.o.Store.UsersByEmail(ctx, tx, addrs); err != nil {
				return err
			}
			break
		}
	}
	if err := ob.lockCapped(ctx, tx, ns); err != nil {
		return err
	}
	sent, err := ob.sentLastHour(ctx, tx, ns)
	if err != nil {
		return err
	}
	// The thread so far, for References: one look-up for the change.
	var threadIDs []string
	if ns[0].thread != nil {
		threadIDs = *ns[0].thread
	} else if t := ns[0].ticket; t != nil {
		if threadIDs, err = ob.o.Store.MessageIDsOf(ctx, tx, t.ID); err != nil {
			return err
		}
	}
	now := ob.o.Store.Now()
	var rows []outboxRow
	var mids []string
	for _, n := range ns {
		to := n.to.Email
		row := outboxRow{kind: string(n.kind), recipient: to, status: "queued"}
		var eid int64
		number := ""
		if n.ticket != nil {
			row.ticketID, number = n.ticket.ID, n.ticket.Number
		}
		if n.entry != nil {
			row.entryID, eid = n.entry.ID, n.entry.ID
		}
		if u := users[to]; u != nil && !isAgentAlert(n.kind) {
			// The citizen's own language, time zone and progress link.
			if n.lang == "" {
				n.lang, n.tz = u.Lang, u.Timezone
			}
			if n.to.ID == 0 {
				n.to.ID = u.ID
			}
			if citizenAutomatic(n.kind) && u.Bouncing(now) {
				row.suppress(fmt.Sprintf("mail to this address bounced on %s: no automatic mail to it until it writes in again or %d days pass",
					u.BouncingAt.Time.UTC().Format("2006-01-02"), int(tickets.BounceMemory.Hours()/24)))
			}
		}
		row.suppress(n.suppress)
		row.messageID = ob.ids.New(number, eid, to)
		if row.status == "queued" && n.ticket != nil {
			if why := ob.guard(n.kind, sent[to]); why != "" {
				row.status, row.lastError = "held", why
			}
		}
		c := sent[to]
		c.Hour++
		c.Ticket10m++
		c.Recent++
		if n.kind == TicketAutoresponse || n.kind == TicketReopened {
			c.Auto++
		}
		sent[to] = c
		if row.status != "queued" {
			// Nothing to compose: a suppressed notice is never sent, a held
			// one goes out inside its digest.
			ob.log.Warn("notice not sent now", "kind", n.kind, "to", to, "status", row.status, "reason", row.lastError)
			if n.ticket != nil {
				row.subject = n.ticket.Subject
			}
			rows = append(rows, row)
			continue
		}
		if row.subject, row.data, err = ob.compose(n, row.messageID, threadIDs); err != nil {
			return err
		}
		rows = append(rows, row)
		if n.ticket != nil {
			mids = append(mids, row.messageID)
		}
	}
	if _, err := ob.insert(ctx, tx, rows); err != nil {
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
			} else if n.to.ID != 0 {
				d.Link = ob.ProgressLink(t.Number, n.to.ID)
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
	to := []Address{{Name: n.to.Name, Email: n.to.Email}}
	var cc []Address
	if len(n.hdrTo)+len(n.hdrCc) > 0 {
		to = addresses(n.hdrTo)
		cc = addresses(n.hdrCc)
	}
	m := Mail{
		From: Address{Name: ob.o.Name, Email: ob.o.From}, To: to, Cc: cc,
		ReplyTo: Address{Name: ob.o.Name, Email: ob.o.From}, Subject: subject, MessageID: mid,
		InReplyTo: inReplyTo, References: refs, Date: ob.o.Store.Now(), AutoSubmitted: auto, Text: text, HTML: html,
	}
	if number != "" {
		m.Headers = map[string]string{"X-Helpdesk-Ticket": number}
	}
	for _, a := range n.atts {
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Name, ContentType: a.ContentType, BlobSHA256: a.SHA256})
	}
	data, err := m.Bytes()
	return subject, data, err
}

func addresses(as []tickets.Address) []Address {
	out := make([]Address, 0, len(as))
	for _, a := range as {
		out = append(out, Address{Name: a.Name, Email: tickets.NormalizeEmail(a.Email)})
	}
	return out
}

// outboxRow is a row about to be inserted.
type outboxRow struct {
	kind, messageID, recipient, subject, status, lastError string
	ticketID, entryID                                      int64
	data                                                   []byte
}

// suppress marks the row as never to be sent, for why; the first reason
// given wins.
func (r *outboxRow) suppress(why string) {
	if why != "" && r.status == "queued" {
		r.status, r.lastError = "suppressed", why
	}
}

// insert writes the rows in one statement and returns their ids.
func (ob *Outbox) insert(ctx context.Context, tx *tickets.Tx, rows []outboxRow) ([]int64, error) {
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
	q.WriteString(" RETURNING id")
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, q.String(), args...); err != nil {
		return nil, fmt.Errorf("outbound: enqueue: %w", err)
	}
	return ids, nil
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

// lockCapped serialises the changes that mail a citizen automatically,
// per citizen, until they commit: count-then-insert under READ COMMITTED
// would let two concurrent changes both see room under a cap. The locks
// are taken in one order, so two changes cannot wait for each other.
// Agents' alerts are not locked: past a burst they are collapsed, not
// dropped, so one or two more before the collapse harm nobody, and every
// new ticket alerting the same agents must not queue behind the others.
func (ob *Outbox) lockCapped(ctx context.Context, tx *tickets.Tx, ns []notice) error {
	var addrs []string
	for _, n := range ns {
		if n.ticket != nil && citizenAutomatic(n.kind) && n.suppress == "" {
			addrs = append(addrs, n.to.Email)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	_, err := ob.o.Store.Prep(tx).ExecContext(ctx, `SELECT pg_advisory_xact_lock(k)
		FROM (SELECT DISTINCT hashtextextended('outbox cap ' || a, 0) AS k FROM unnest($1::text[]) AS a ORDER BY k) keys`, pq.Array(addrs))
	if err != nil {
		return fmt.Errorf("outbound: caps: %w", err)
	}
	return nil
}

// sentCounts is what the guards count of a recipient's recent mail.
type sentCounts struct {
	Ticket10m int `db:"ticket_10m"` // about this ticket, in 10 minutes
	Recent    int `db:"recent"`     // any, in 10 minutes
	// Held says an agent already has alerts waiting for their digest: a
	// burst is on, and the count was not needed.
	Held bool `db:"held"`
	Hour int  `db:"hour"`
	Auto int  `db:"auto"` // autoresponses and reopen notices, in the hour
}

// sentLastHour counts the recipients' mail of the last hour (suppressed
// rows aside) for the guards, in one query.
func (ob *Outbox) sentLastHour(ctx context.Context, tx *tickets.Tx, ns []notice) (map[string]sentCounts, error) {
	var ticketID any
	if t := ns[0].ticket; t != nil {
		ticketID = t.ID
	}
	// Only the newest rows matter: every guard compares a count with a cap
	// of at most ob.countCap, and a count past the cap decides the same as
	// the whole count. Without the limit an agent alerted a thousand times
	// an hour had a thousand rows counted for every new ticket. An agent
	// only alerted is only held by the burst guard: ten minutes' rows, up
	// to one past the burst, are enough, and none when alerts of theirs
	// already wait for a digest. In a flood that is every new ticket, and
	// the count was the intake's costliest statement (2.5 ms a call, over
	// the newest rows of the other groups' uncommitted alerts and the
	// sent rows' dead versions). A probe per recipient (LIMIT 1), not
	// EXISTS: PostgreSQL may answer an EXISTS by hashing every held row.
	alertOnly := map[string]bool{}
	for _, n := range ns {
		prev, seen := alertOnly[n.to.Email]
		alertOnly[n.to.Email] = (prev || !seen) && isAgentAlert(n.kind)
	}
	var addrs []string
	var limits, minutes []int64
	var alerts []bool
	for _, n := range ns {
		to := n.to.Email
		if slices.Contains(addrs, to) {
			continue
		}
		addrs = append(addrs, to)
		alerts = append(alerts, alertOnly[to])
		if alertOnly[to] {
			limits, minutes = append(limits, int64(ob.o.AlertBurst+1)), append(minutes, 10)
		} else {
			limits, minutes = append(limits, int64(ob.countCap())), append(minutes, 60)
		}
	}
	var rows []struct {
		Recipient string `db:"recipient"`
		sentCounts
	}
	// One index look-up per recipient (outbox_recipient_live_idx): with
	// recipient = ANY the generic plan of the prepared statement scanned
	// the table.
	err := ob.o.Store.Prep(tx).SelectContext(ctx, &rows, `SELECT r.recipient, h.held, c.*
		FROM unnest($1::text[], $4::int[], $5::int[], $6::bool[]) AS r (recipient, lim, mins, alerts)
		CROSS JOIN LATERAL (SELECT count(*) > 0 AS held FROM (SELECT FROM outbox
			WHERE r.alerts AND recipient = r.recipient AND status = 'held' LIMIT 1) x) h
		CROSS JOIN LATERAL (SELECT
			count(*) FILTER (WHERE o.ticket_id = $2 AND o.created_at > $3::timestamptz - interval '10 minutes') AS ticket_10m,
			count(*) FILTER (WHERE o.created_at > $3::timestamptz - interval '10 minutes') AS recent,
			count(*) AS hour,
			count(*) FILTER (WHERE o.kind IN ('ticket_autoresponse', 'ticket_reopened')) AS auto
			FROM (SELECT ticket_id, created_at, kind FROM outbox
				WHERE NOT h.held AND recipient = r.recipient AND created_at > $3::timestamptz - make_interval(mins => r.mins) AND status <> 'suppressed'
				ORDER BY created_at DESC LIMIT r.lim) o) c`,
		pq.Array(addrs), ticketID, ob.o.Store.Now(), pq.Array(limits), pq.Array(minutes), pq.Array(alerts))
	if err != nil {
		return nil, fmt.Errorf("outbound: caps: %w", err)
	}
	m := make(map[string]sentCounts, len(rows))
	for _, r := range rows {
		m[r.Recipient] = r.sentCounts
	}
	return m, nil
}

// countCap is how many of a recipient's recent rows the guards need to
// see: one more than the largest cap.
func (ob *Outbox) countCap() int {
	return max(ob.o.AutoresponsesPerHour, ob.o.PerTicketIn10Min, ob.o.PerHour, ob.o.AlertBurst) + 1
}

// guard applies the sliding-window guards against mail loops to a notice
// about a ticket: "" lets it go now, else it is held, with this reason,
// for the recipient's next digest. Guards stop loops, not people: an
// agent's response is never held, nor a mail about no ticket (account
// mail, a digest); a citizen writing many letters gets every ticket
// number, a few at a time; an agent's alerts past a burst are collapsed.
func (ob *Outbox) guard(kind NoticeKind, c sentCounts) string {
	switch {
	case kind == ResponseNotice:
		return ""
	case isAgentAlert(kind):
		if c.Held {
			return "alerts to this agent are waiting for their digest: this one joins them"
		}
		if c.Recent >= ob.o.AlertBurst {
			return fmt.Sprintf("%d alerts to this agent in 10 minutes: the rest go in one digest", c.Recent)
		}
	case (kind == TicketAutoresponse || kind == TicketReopened) && c.Auto >= ob.o.AutoresponsesPerHour:
		return fmt.Sprintf("%d autoresponses to this address in the last hour: the rest go in one digest", c.Auto)
	case c.Ticket10m >= ob.o.PerTicketIn10Min:
		return fmt.Sprintf("%d mails about this ticket to this address in 10 minutes: the rest go in one digest", c.Ticket10m)
	case c.Hour >= ob.o.PerHour:
		return fmt.Sprintf("%d mails to this address in the last hour: the rest go in one digest", c.Hour)
	}
	return ""
}
