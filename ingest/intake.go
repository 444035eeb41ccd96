package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// Source says where a raw message came from.
type Source struct {
	Mailbox     string // a stable name: "imap://user@host/INBOX", "pipe", "smtp", "mbox:FILE"
	UIDValidity uint32 // IMAP only
	UID         uint32 // IMAP only; 0 otherwise
	// Recipients are the envelope recipients when known (SMTP intake, the
	// pipe's --recipient), used to route to a help topic.
	Recipients []string
}

// Outcomes of a delivery.
const (
	OutcomeOpened   = "opened"   // a new ticket
	OutcomeForward  = "forward"  // a new ticket from a letter an agent forwarded
	OutcomeReply    = "reply"    // a message on an existing ticket
	OutcomeResponse = "response" // an agent's response from their mail client
	OutcomeBounce   = "bounce"   // a delivery report
	OutcomeIgnored  = "ignored"  // stored raw only: our own mail, an unthreaded auto-reply
	OutcomeFailed   = "failed"   // stored raw, with a ticket saying it could not be read
)

// Result is what became of a delivered message.
type Result struct {
	Outcome   string
	Ticket    string // number, "" when none
	EntryID   int64
	InboundID int64
	// Duplicate: the message was stored before (same Message-ID, or same
	// mailbox UID); nothing new was written.
	Duplicate bool

	ticketID int64
}

// IntakeOpts configure an Intake.
type IntakeOpts struct {
	Log *slog.Logger
	// Secret verifies the helpdesk's own Message-IDs (see tickets.MessageIDs).
	Secret []byte
	// OwnAddresses are the helpdesk's addresses: mail from them is a loop,
	// and they are never collaborators.
	OwnAddresses []string
	// MaxSize bounds a message (default 25 MB); a larger one becomes a
	// ticket with its headers and a note saying what was cut.
	MaxSize int64
	Limits  Limits
	// Backdate opens tickets at the letter's Date (archive imports).
	Backdate bool
}

// Intake turns raw mail into tickets and replies, each message exactly once.
type Intake struct {
	store *tickets.Store
	ids   tickets.MessageIDs
	log   *slog.Logger
	own   map[string]bool
	max   int64
	lim   Limits
	back  bool
}

// NewIntake returns an Intake storing into store.
func NewIntake(store *tickets.Store, o IntakeOpts) *Intake {
	in := &Intake{store: store, ids: tickets.MessageIDs{Secret: o.Secret}, log: o.Log, own: map[string]bool{}, max: o.MaxSize, lim: o.Limits, back: o.Backdate}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if in.max <= 0 {
		in.max = 25 << 20
	}
	for _, a := range o.OwnAddresses {
		if e := tickets.NormalizeEmail(a); e != "" {
			in.own[e] = true
		}
	}
	return in
}

// unknownSender owns tickets made from mail whose sender cannot be read,
// so that agents still see them.
const unknownSender = "unknown-sender@invalid"

// Deliver stores raw and acts on it in one transaction. A nil error means
// it is committed; an error means nothing was, and the caller must offer
// the message again later (and not flag it on the server).
func (in *Intake) Deliver(ctx context.Context, raw []byte, src Source) (Result, error) {
	m, cut := in.parse(raw)
	key := dedupKey(m.MessageID, raw)
	stored := raw
	if cut != "" {
		stored = headerBlock(raw, 1<<20)
	}
	var res Result
	var err error
	// Concurrent deliveries can deadlock on shared rows (two new mails
	// naming the same people in another order); PostgreSQL aborts one
	// (class 40), which simply runs again.
	for try := 0; ; try++ {
		err = in.deliverTx(ctx, m, cut, key, stored, raw, src, &res)
		if !tickets.IsRetryable(err) || try == 4 || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("ingest: deliver: %w", err)
	}
	if !res.Duplicate {
		in.log.Info("mail stored", "mailbox", src.Mailbox, "uid", src.UID, "message_id", m.MessageID, "outcome", res.Outcome, "ticket", res.Ticket)
	}
	return res, nil
}

// deliverTx is one attempt of Deliver, in one transaction.
func (in *Intake) deliverTx(ctx context.Context, m *Message, cut, key string, stored, raw []byte, src Source, resp *Result) error {
	var res Result
	err := in.store.InTx(ctx, func(tx *tickets.Tx) error {
		res = Result{}
		var midArg any
		if m.MessageID != "" {
			midArg = m.MessageID
		}
		p := in.store.Prep(tx)
		err := p.GetContext(ctx, &res.InboundID, `
			INSERT INTO inbound_messages (dedup_key, message_id, mailbox, raw, size)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
			key, midArg, src.Mailbox, stored, len(raw))
		if errors.Is(err, sql.ErrNoRows) {
			return in.duplicate(ctx, tx, key, src, &res)
		}
		if err != nil {
			return err
		}
		if src.UID != 0 {
			if _, err := p.ExecContext(ctx, `INSERT INTO mailbox_uids (mailbox, uid_validity, uid, inbound_id) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, src.Mailbox, src.UIDValidity, src.UID, res.InboundID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT act"); err != nil {
			return err
		}
		note, err := in.act(ctx, tx, m, cut, src, &res)
		if err != nil {
			if tickets.IsTransient(err) || ctx.Err() != nil {
				return err
			}
			// The message is valid mail the rules could not place (or a bug):
			// never drop it. Keep it as a ticket agents will see.
			in.log.Error("intake: could not act on message, keeping it as a ticket", "message_id", m.MessageID, "mailbox", src.Mailbox, "err", err)
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT act"); rerr != nil {
				return rerr
			}
			res = Result{InboundID: res.InboundID}
			why := err.Error()
			if note, err = in.openFailed(ctx, tx, m, why, &res); err != nil {
				if tickets.IsTransient(err) || ctx.Err() != nil {
					return err
				}
				// Even the plain ticket failed: keep the raw message, marked,
				// rather than refuse it for ever (a poison message would
				// stall the mailbox behind it).
				if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT act"); rerr != nil {
					return rerr
				}
				res = Result{InboundID: res.InboundID, Outcome: OutcomeFailed}
				note = "could not be filed: " + why + "; then: " + err.Error()
			}
		}
		var ticketID, entryID any
		if res.ticketID != 0 {
			ticketID = res.ticketID
		}
		if res.EntryID != 0 {
			entryID = res.EntryID
		}
		_, err = p.ExecContext(ctx, `UPDATE inbound_messages SET outcome = $2, note = $3, ticket_id = $4, entry_id = $5 WHERE id = $1`,
			res.InboundID, res.Outcome, note, ticketID, entryID)
		return err
	})
	*resp = res
	return err
}

// duplicate records a message seen again: under another mailbox UID it is
// the same mail, so only the UID is remembered (for flagging).
func (in *Intake) duplicate(ctx context.Context, tx *tickets.Tx, key string, src Source, res *Result) error {
	res.Duplicate = true
	var row struct {
		ID      int64          `db:"id"`
		Outcome string         `db:"outcome"`
		Ticket  sql.NullString `db:"number"`
		Entry   sql.NullInt64  `db:"entry_id"`
	}
	if err := tx.GetContext(ctx, &row, `SELECT m.id, m.outcome, t.number, m.entry_id
		FROM inbound_messages m LEFT JOIN tickets t ON t.id = m.ticket_id WHERE m.dedup_key = $1`, key); err != nil {
		return err
	}
	res.InboundID, res.Outcome, res.Ticket, res.EntryID = row.ID, row.Outcome, row.Ticket.String, row.Entry.Int64
	if src.UID != 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO mailbox_uids (mailbox, uid_validity, uid, inbound_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, src.Mailbox, src.UIDValidity, src.UID, row.ID)
		return err
	}
	return nil
}

// parse reads the message, or only its header block when it is over the
// size limit; cut says what was left out.
func (in *Intake) parse(raw []byte) (*Message, string) {
	if int64(len(raw)) <= in.max {
		return Parse(raw, in.lim), ""
	}
	m := Parse(headerBlock(raw, 1<<20), in.lim)
	return m, fmt.Sprintf("This message was %.1f MB, over the %.0f MB limit: only its headers were kept; its text and attachments were cut. Ask the sender to send smaller parts.",
		float64(len(raw))/(1<<20), float64(in.max)/(1<<20))
}

// headerBlock returns the header section of raw (up to the blank line), at
// most n bytes.
func headerBlock(raw []byte, n int) []byte {
	end := len(raw)
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 && i+len(sep) < end {
			end = i + len(sep)
		}
	}
	if end > n {
		end = n
	}
	return raw[:end]
}

// dedupKey identifies a message for exactly-once storage: its Message-ID,
// or a hash of its bytes when it has none (then only identical bytes are
// the same message).
func dedupKey(messageID string, raw []byte) string {
	if messageID != "" {
		return "mid:" + messageID
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// act applies the threading, loop and forward rules of DESIGN.md.
func (in *Intake) act(ctx context.Context, tx *tickets.Tx, m *Message, cut string, src Source, res *Result) (string, error) {
	from := tickets.NormalizeEmail(m.From.Email)
	if in.own[from] {
		res.Outcome = OutcomeIgnored
		return "mail from the helpdesk's own address (a loop)", nil
	}
	if _, _, ours := in.ids.Verify(m.MessageID); ours {
		res.Outcome = OutcomeIgnored
		return "the helpdesk's own mail came back (a loop)", nil
	}
	if m.Auto == Bounced {
		return in.bounce(ctx, tx, m, res)
	}
	t, how, err := in.thread(ctx, tx, m, from)
	if err != nil {
		return "", err
	}
	if t != nil {
		return in.reply(ctx, tx, t, how, m, cut, res)
	}
	if m.Auto == AutoReply {
		// An out-of-office answer that threads nowhere would open a ticket
		// that answers itself: keep it raw only.
		res.Outcome = OutcomeIgnored
		return "an automatic reply that belongs to no ticket", nil
	}
	return in.open(ctx, tx, m, cut, src, res)
}

// thread finds the ticket a message belongs to, in DESIGN.md's order:
// (1) References / In-Reply-To naming a Message-ID the helpdesk sent or
// stored, (2) the subject's [#NNNNNN] token when the sender takes part in
// that ticket. how says which rule matched.
func (in *Intake) thread(ctx context.Context, tx *tickets.Tx, m *Message, from string) (*tickets.Ticket, string, error) {
	// References before In-Reply-To, newest reference first: the closest
	// ancestor decides when a thread was merged.
	var ids []string
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	ids = append(ids, m.InReplyTo...)
	for _, id := range ids {
		// Our own ids carry their ticket, signed: they thread even when
		// the stored id is gone or a client rewrote References.
		if num, _, ok := in.ids.Verify(id); ok {
			t, err := in.store.TicketByNumber(ctx, num)
			if err == nil {
				return t, "message-id", nil
			}
			if !errors.Is(err, tickets.ErrNotFound) {
				return nil, "", err
			}
		}
	}
	if t, err := in.store.TicketByMessageID(ctx, ids...); err == nil {
		return t, "message-id", nil
	} else if !errors.Is(err, tickets.ErrNotFound) {
		return nil, "", err
	}
	if num, ok := TicketToken(m.Subject); ok {
		t, err := in.store.TicketByNumber(ctx, num)
		if errors.Is(err, tickets.ErrNotFound) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		role, err := in.store.Participant(ctx, t, from)
		if err != nil {
			return nil, "", err
		}
		if role != tickets.RoleNone {
			return t, "subject", nil
		}
		// A stranger quoting a number does not get into someone else's
		// ticket: theirs becomes a new one.
	}
	return nil, "", nil
}

// reply posts a threaded message: an agent's response, the owner's or a
// collaborator's message, or automated mail kept quietly.
func (in *Intake) reply(ctx context.Context, tx *tickets.Tx, t *tickets.Ticket, how string, m *Message, cut string, res *Result) (string, error) {
	res.Ticket, res.ticketID = t.Number, t.ID
	from := tickets.NormalizeEmail(m.From.Email)
	role, err := in.store.Participant(ctx, t, from)
	if err != nil {
		return "", err
	}
	body := StripQuoted(m.Text)
	if cut != "" {
		body = strings.TrimSpace(body + "\n\n[" + cut + "]")
	}
	p := tickets.Post{Body: body, BodyHTML: m.HTML, Attachments: attachments(m), Source: tickets.SourceEmail,
		MessageID: m.MessageID, Headers: entryHeaders(m), Quiet: m.Auto.Automated()}
	if role == tickets.RoleAgent && !m.Auto.Automated() {
		agent, err := in.store.AgentByEmail(ctx, from)
		if err != nil {
			return "", err
		}
		// The agent wrote in their mail client: their quoted copy of the
		// thread is not part of the response, nor is the HTML that holds it.
		p.BodyHTML = ""
		if strings.TrimSpace(p.Body) == "" && len(p.Attachments) == 0 {
			p.Body = m.Text
		}
		e, err := in.store.RespondTx(ctx, tx, t.ID, agent, p)
		if err != nil {
			return "", err
		}
		res.Outcome, res.EntryID = OutcomeResponse, e.ID
		return "response by " + agent.Email + " (" + how + ")", nil
	}
	var u *tickets.User
	switch role {
	case tickets.RoleOwner, tickets.RoleCollaborator:
		if u, err = in.store.UserByEmail(ctx, from); err != nil {
			return "", err
		}
	default:
		if from == "" {
			from = unknownSender
		}
		// Rule 1 matched: the sender holds a Message-ID of this ticket's
		// mail (someone the citizen forwarded it to, or their other
		// address). They join as a collaborator, as osTicket does.
		if u, err = in.store.AddCollaborator(ctx, tx, t.ID, tickets.Address{Email: from, Name: m.From.Name}); err != nil {
			return "", err
		}
	}
	e, err := in.store.AddMessageTx(ctx, tx, t.ID, u, p)
	if err != nil {
		return "", err
	}
	res.Outcome, res.EntryID = OutcomeReply, e.ID
	note := "reply (" + how + ")"
	if m.Auto.Automated() {
		note = "automated " + m.Auto.String() + " stored quietly (" + how + ")"
	}
	return note, nil
}

// open makes a new ticket: the sender's, or, for a letter an agent
// forwarded, the original sender's.
func (in *Intake) open(ctx context.Context, tx *tickets.Tx, m *Message, cut string, src Source, res *Result) (string, error) {
	from := tickets.NormalizeEmail(m.From.Email)
	req := tickets.OpenRequest{
		Owner: tickets.Address{Email: from, Name: m.From.Name}, Subject: ticketSubject(m.Subject), Body: m.Text,
		BodyHTML: m.HTML, Source: tickets.SourceEmail, Attachments: attachments(m), MessageID: m.MessageID,
		Headers: entryHeaders(m), Quiet: m.Auto.Automated() || m.EmptyReturnPath,
	}
	res.Outcome = OutcomeOpened
	note := "new ticket"
	agent, err := in.store.AgentByEmail(ctx, from)
	switch {
	case err == nil && agent.Active && m.Forward != nil:
		req.ForwardedBy = agent
		res.Outcome = OutcomeForward
		if f := m.Forward; tickets.NormalizeEmail(f.From.Email) != "" && !in.own[tickets.NormalizeEmail(f.From.Email)] {
			req.Owner = tickets.Address{Email: f.From.Email, Name: f.From.Name}
			if s := ticketSubject(f.Subject); s != "" {
				req.Subject = s
			}
			if strings.TrimSpace(f.Text) != "" {
				req.Body = f.Text
				req.BodyHTML = ""
			}
			note = "forwarded by " + agent.Email + " on behalf of " + tickets.NormalizeEmail(f.From.Email)
		} else {
			note = "forwarded by " + agent.Email + "; the original sender could not be found, so the ticket is the agent's"
		}
	case err != nil && !errors.Is(err, tickets.ErrNotFound):
		return "", err
	default:
		for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
			e := tickets.NormalizeEmail(a.Email)
			if e == "" || in.own[e] || e == from {
				continue
			}
			if _, err := in.store.AgentByEmail(ctx, e); err == nil {
				continue // agents follow tickets through their department
			}
			req.Collaborators = append(req.Collaborators, tickets.Address{Email: e, Name: a.Name})
		}
		if extra := len(req.Collaborators) - tickets.MaxCollaborators; extra > 0 {
			// Thousands of Cc addresses would make every response a mass
			// mailing from our domain: keep the first ones, say so.
			req.Collaborators = req.Collaborators[:tickets.MaxCollaborators]
			req.Body = strings.TrimSpace(req.Body + fmt.Sprintf("\n\n[%d more addresses in To/Cc were not added to this ticket; only the first %d receive its updates.]", extra, tickets.MaxCollaborators))
		}
	}
	if req.Subject == "" {
		req.Subject = "(tanpa subjek)"
	}
	if tickets.NormalizeEmail(req.Owner.Email) == "" {
		req.Owner = tickets.Address{Email: unknownSender, Name: "Pengirim tidak dikenal"}
		req.Quiet = true
	}
	if len(m.ParseErrors) > 0 || cut != "" {
		req.Body = strings.TrimSpace(req.Body + "\n\n" + problemsNote(m, cut))
	}
	if strings.TrimSpace(req.Body) == "" && len(req.Attachments) == 0 {
		req.Body = "(pesan kosong)"
	}
	topic, err := in.store.RouteFor(ctx, tx, recipients(m, src))
	if err != nil {
		return "", err
	}
	if topic != nil {
		req.TopicID = topic.ID
	}
	if in.back && !m.Date.IsZero() && m.Date.Before(in.store.Now()) {
		req.At = m.Date.UTC()
	}
	t, e, err := in.store.OpenTx(ctx, tx, req)
	if err != nil {
		return "", err
	}
	res.Ticket, res.ticketID, res.EntryID = t.Number, t.ID, e.ID
	if m.Auto.Automated() {
		note += " (automated " + m.Auto.String() + ": no autoresponse)"
	}
	return note, nil
}

// openFailed keeps a message the rules could not place as a ticket that
// says so, with the raw message one click away for agents.
func (in *Intake) openFailed(ctx context.Context, tx *tickets.Tx, m *Message, why string, res *Result) (string, error) {
	owner := tickets.Address{Email: unknownSender, Name: "Pengirim tidak dikenal"}
	if e := tickets.NormalizeEmail(m.From.Email); e != "" && !in.own[e] {
		owner = tickets.Address{Email: e, Name: m.From.Name}
	}
	subject := ticketSubject(m.Subject)
	if subject == "" {
		subject = "(tanpa subjek)"
	}
	t, e, err := in.store.OpenTx(ctx, tx, tickets.OpenRequest{
		Owner: owner, Subject: subject, Source: tickets.SourceEmail, Quiet: true,
		Body: strings.TrimSpace(m.Text + "\n\n[The helpdesk could not file this message normally (" + why + "); the original is kept.]"),
	})
	if err != nil {
		return "", err
	}
	res.Outcome, res.Ticket, res.ticketID, res.EntryID = OutcomeFailed, t.Number, t.ID, e.ID
	return "could not be filed normally: " + why, nil
}

// bounce attaches a delivery report to the ticket whose mail bounced and
// marks the failed addresses, so no more autoresponses go to them. A bounce
// that belongs to no ticket opens none.
func (in *Intake) bounce(ctx context.Context, tx *tickets.Tx, m *Message, res *Result) (string, error) {
	res.Outcome = OutcomeBounce
	b := m.Bounce
	if b == nil {
		b = &Bounce{}
	}
	if b.Permanent {
		if err := in.store.MarkBouncing(ctx, tx, b.Recipients); err != nil {
			return "", err
		}
	}
	ids := append([]string{b.OriginalMessageID}, m.InReplyTo...)
	ids = append(ids, m.References...)
	var t *tickets.Ticket
	for _, id := range ids {
		if num, _, ok := in.ids.Verify(id); ok {
			if found, err := in.store.TicketByNumber(ctx, num); err == nil {
				t = found
				break
			}
		}
	}
	if t == nil {
		found, err := in.store.TicketByMessageID(ctx, ids...)
		if err != nil && !errors.Is(err, tickets.ErrNotFound) {
			return "", err
		}
		t = found
	}
	summary := fmt.Sprintf("Mail could not be delivered to %s", strings.Join(b.Recipients, ", "))
	if len(b.Recipients) == 0 {
		summary = "A delivery failure report arrived"
	}
	if b.Status != "" {
		summary += " (status " + b.Status + ")"
	}
	if b.Diagnostic != "" {
		summary += ": " + b.Diagnostic
	}
	if !b.Permanent {
		summary += ". The failure may be temporary."
	}
	if t == nil {
		return summary + "; it belongs to no ticket", nil
	}
	e, err := in.store.SystemNote(ctx, tx, t.ID, tickets.Post{Body: summary, Source: tickets.SourceEmail, MessageID: m.MessageID, Headers: entryHeaders(m)})
	if err != nil {
		return "", err
	}
	res.Ticket, res.ticketID, res.EntryID = t.Number, t.ID, e.ID
	return summary, nil
}

// ticketSubject is a mail subject as a ticket's: without reply prefixes
// or our token, and cut to what a ticket holds (Seen in practice: a
// 210 KB subject in flanker's fixtures).
func ticketSubject(s string) string {
	s = CleanSubject(s)
	if r := []rune(s); len(r) > tickets.MaxSubject {
		s = strings.TrimSpace(string(r[:tickets.MaxSubject-1])) + "…"
	}
	return s
}

func attachments(m *Message) []tickets.NewAttachment {
	out := make([]tickets.NewAttachment, 0, len(m.Attachments))
	for _, a := range m.Attachments {
		out = append(out, tickets.NewAttachment{Name: a.Filename, ContentType: a.ContentType, Data: a.Data, Inline: a.Inline, ContentID: a.ContentID})
	}
	return out
}

// entryHeaders are the headers stored with an entry: the parser's choice,
// plus what it could not read.
func entryHeaders(m *Message) map[string]string {
	h := map[string]string{}
	for k, v := range m.Header {
		h[k] = v
	}
	if m.From.Email != "" {
		h["From"] = m.From.Email
	}
	if len(m.ParseErrors) > 0 {
		h["X-Parse-Errors"] = strings.Join(m.ParseErrors, "; ")
	}
	return h
}

func problemsNote(m *Message, cut string) string {
	var lines []string
	if cut != "" {
		lines = append(lines, cut)
	}
	if len(m.ParseErrors) > 0 {
		lines = append(lines, "Parts of this message could not be read: "+strings.Join(m.ParseErrors, "; ")+". The original is kept.")
	}
	return "[" + strings.Join(lines, " ") + "]"
}

// recipients are the addresses a message was sent to, envelope first.
func recipients(m *Message, src Source) []string {
	out := append([]string{}, src.Recipients...)
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		out = append(out, a.Email)
	}
	return out
}
