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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kemsos/helpdesk/tickets"
	"github.com/lib/pq"
)

// Source says where a raw message came from.
type Source struct {
	Mailbox     string // a stable name: "imap://user@host/INBOX", "pipe", "smtp", "mbox:FILE"
	UIDValidity uint32 // IMAP only
	UID         uint32 // IMAP only; 0 otherwise
	// Recipients are the envelope recipients when known (SMTP intake, the
	// pipe's --recipient), used to route to a help topic.
	Recipients []string
	// Topic names the help topic of a new ticket that no address route
	// gives one (a mailbox's ?topic=NAME).
	Topic string
	// Size is the message's length when raw holds only the start of it:
	// a reader cut a message over the size limit (see Receive).
	Size int64
	// FirstSync says the message was in the mailbox before the helpdesk
	// first read it; Received is when the mail server took it
	// (INTERNALDATE). One that had waited over a day is an archive.
	FirstSync bool
	Received  time.Time
}

// archiveAge is how long a message found at the first sync of a mailbox
// must have waited there to be filed as an archive: its tickets open at
// the letter's date and nobody is mailed about it (autoresponses to years
// of old letters would be a mass mailing). Younger ones are answered as
// usual: a helpdesk set up on a fresh mailbox owes them their numbers.
const archiveAge = 24 * time.Hour

// Outcomes of a delivery.
const (
	OutcomeOpened   = "opened"   // a new ticket
	OutcomeForward  = "forward"  // a new ticket from a letter an agent forwarded
	OutcomeReply    = "reply"    // a message on an existing ticket
	OutcomeResponse = "response" // an agent's response from their mail client
	OutcomeNote     = "note"     // an internal note: an agent's #note, or agent mail that could not be verified
	OutcomeBounce   = "bounce"   // a delivery report
	OutcomeIgnored  = "ignored"  // stored raw only: our own mail coming back (a loop)
	// The outcomes below file no ticket: the message is kept and listed,
	// with the reason, in the agents' "mail not filed" page.
	OutcomeAutomatic  = "automatic"  // an auto-reply that belongs to no ticket
	OutcomeUnverified = "unverified" // mail from an agent's address that could not be verified and threads nowhere
	OutcomeRefused    = "refused"    // an agent's mail about a ticket they may no longer work on
	OutcomeFailed     = "failed"     // stored raw, with a ticket saying it could not be read
)

// Result is what became of a delivered message.
type Result struct {
	Outcome   string
	Ticket    string // number, "" when none
	EntryID   int64
	InboundID int64
	// Duplicate: the same letter was stored before (same Message-ID and
	// content, or same mailbox UID); nothing new was written.
	Duplicate bool
	// Auth is what was authenticated about the sender.
	Auth Verdict

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
	// Auth decides what is authenticated about a sender; nil checks DKIM
	// and DMARC with the system's resolver.
	Auth *Authenticator
}

// Intake turns raw mail into tickets and replies, each message exactly once.
type Intake struct {
	big     chan struct{} // slots for messages over bigMessage, being read or delivered
	joiner  joiner        // group commit of messages arriving one by one (Receive)
	commits atomic.Int64  // transactions committed, for tests and metrics
	store   *tickets.Store
	ids     tickets.MessageIDs
	log     *slog.Logger
	own     map[string]bool
	max     int64
	lim     Limits
	back    bool
	auth    *Authenticator
	// badTopics are the mailbox topics already logged as missing: once
	// each, not for every letter of an archive.
	badTopics sync.Map
}

// NewIntake returns an Intake storing into store.
func NewIntake(store *tickets.Store, o IntakeOpts) *Intake {
	in := &Intake{store: store, ids: tickets.MessageIDs{Secret: o.Secret}, log: o.Log, own: map[string]bool{}, max: o.MaxSize,
		lim: o.Limits, back: o.Backdate, auth: o.Auth, big: make(chan struct{}, bigSlots)}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	if in.max <= 0 {
		in.max = 25 << 20
	}
	if in.auth == nil {
		in.auth = NewAuthenticator(AuthOpts{})
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

// delivery is one message on its way in: what it claims (the parsed
// message), what is authenticated about it, and what became of it.
type delivery struct {
	m       *Message
	cut     string // why the message was cut, "" when whole
	src     Source
	from    string // the sender's address as claimed, normalized
	verdict Verdict
	// digest identifies the letter (sender, subject, text, attachments);
	// textDigest its text alone, for the loop guard.
	digest, textDigest []byte
	key                string
	// reusedOf, when set, says which earlier letter this one's Message-ID
	// belongs to.
	reusedOf string
	// department is whose agents see a message that files no ticket.
	department int
	// archive, when set, says why the message is filed as an archive:
	// backdated, and nobody mailed.
	archive string
	// filedBy is the agent filing a stored message from the panel.
	filedBy *tickets.Agent
	// stored is what is kept of the raw message (its headers only when it
	// was cut), size the message's full length.
	stored []byte
	size   int64
	res    Result
}

// Deliver stores raw and acts on it in one transaction. A nil error means
// it is committed; an error means nothing was, and the caller must offer
// the message again later (and not flag it on the server).
func (in *Intake) Deliver(ctx context.Context, raw []byte, src Source) (Result, error) {
	if len(raw) > bigMessage {
		if err := in.takeBig(ctx); err != nil {
			return Result{}, fmt.Errorf("ingest: deliver: %w", err)
		}
		defer in.giveBig()
	}
	return in.deliver(ctx, raw, src)
}

func (in *Intake) deliver(ctx context.Context, raw []byte, src Source) (Result, error) {
	d := in.prepare(ctx, raw, src)
	if err := in.commit(ctx, []*delivery{d}); err != nil {
		return Result{}, err
	}
	return d.res, nil
}

// prepare reads a message and decides what is authenticated about it:
// everything a delivery does before its transaction (authentication may
// ask DNS, which must never happen while a transaction is held).
func (in *Intake) prepare(ctx context.Context, raw []byte, src Source) *delivery {
	size := max(src.Size, int64(len(raw)))
	m, cut := in.parse(raw, size)
	d := &delivery{m: m, cut: cut, src: src, from: tickets.NormalizeEmail(m.From.Email), key: dedupKey(m.MessageID, raw), size: size, stored: raw}
	d.digest, d.textDigest = contentDigests(m, raw, cut)
	d.verdict = in.verdict(ctx, raw, m, d.from)
	if cut != "" {
		d.stored = headerBlock(raw, headerKeep)
	}
	return d
}

// commit stores and files the deliveries in one transaction, in order,
// each behind a savepoint of its own, so that a message the rules cannot
// place still fails alone (into a ticket that says so). A nil error means
// every one is committed; an error, that none is.
func (in *Intake) commit(ctx context.Context, ds []*delivery) error {
	var err error
	// Concurrent deliveries can deadlock on shared rows (two new mails
	// naming the same people in another order); PostgreSQL aborts one
	// (class 40), which simply runs again.
	for try := 0; ; try++ {
		err = in.store.InTx(ctx, func(tx *tickets.Tx) error {
			for _, d := range ds {
				if err := in.deliverIn(ctx, tx, d); err != nil {
					return err
				}
			}
			return in.recordUIDs(ctx, tx, ds)
		})
		if !tickets.IsRetryable(err) || try == 4 || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("ingest: deliver: %w", err)
	}
	in.commits.Add(1)
	for _, d := range ds {
		d.res.Auth = d.verdict
		if !d.res.Duplicate {
			in.log.Info("mail stored", "mailbox", d.src.Mailbox, "uid", d.src.UID, "message_id", d.m.MessageID, "outcome", d.res.Outcome,
				"ticket", d.res.Ticket, "auth", d.verdict.Method)
		}
	}
	return nil
}

// Item is one message of a group.
type Item struct {
	Raw []byte
	Src Source
}

// DeliverGroup stores and files several messages in one transaction:
// group commit. They are filed in order (a reply after what it answers);
// each still fails alone when the rules cannot place it. The results are
// in the items' order. A nil error means every one is committed; an error,
// that none is, and the caller offers them again later (or one by one:
// a message that breaks its group's transaction, such as one the database
// refuses, then fails alone).
func (in *Intake) DeliverGroup(ctx context.Context, items []Item) ([]Result, error) {
	ds := make([]*delivery, len(items))
	for i, it := range items {
		ds[i] = in.prepare(ctx, it.Raw, it.Src)
	}
	if err := in.commit(ctx, ds); err != nil {
		return nil, err
	}
	out := make([]Result, len(ds))
	for i, d := range ds {
		out[i] = d.res
	}
	return out, nil
}

// verdict is what is authenticated about the message's sender. Only an
// address of the From field itself can be: the one DMARC aligns with.
func (in *Intake) verdict(ctx context.Context, raw []byte, m *Message, from string) Verdict {
	if from == "" {
		return Verdict{Method: AuthNone, Detail: "the message has no sender address"}
	}
	if m.FromHeader != "From" {
		return Verdict{Method: AuthNone, Detail: "the sender's address was not in the From field but in " + m.FromHeader}
	}
	return in.auth.Check(ctx, raw, from)
}

// deliverIn stores and files one message in tx. The raw message is
// written last, with what became of it, in one insert: its row is the
// letter's claim to its identity, and a concurrent delivery of the same
// letter that claimed it first makes this one a duplicate, its work undone.
func (in *Intake) deliverIn(ctx context.Context, tx *tickets.Tx, d *delivery) error {
	for try := 0; ; try++ {
		d.res, d.reusedOf, d.department = Result{}, "", 0
		key, fresh, err := in.claim(ctx, tx, d)
		if err != nil || !fresh {
			return err
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT act"); err != nil {
			return err
		}
		fctx := ctx
		if d.archive = in.archiveReason(d); d.archive != "" {
			fctx = tickets.Quietly(ctx, d.archive)
		}
		note, err := in.file(fctx, tx, d)
		if err != nil {
			return err
		}
		stored, err := in.storeRaw(ctx, tx, d, key, note)
		if err != nil {
			return err
		}
		if !stored && try < 3 {
			// Another delivery of a letter with this key committed while
			// this one was being filed: undo, and look again.
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT act"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT act"); err != nil {
				return err
			}
			continue
		}
		if !stored {
			return fmt.Errorf("ingest: %s: stored concurrently again and again", key)
		}
		// Not released: the next message's savepoint nests in this one,
		// which costs nothing (a released savepoint is a subtransaction
		// all the same) and saves a round trip per message.
		return nil
	}
}

// archiveReason says why a message is an archive, or "" when it is not.
func (in *Intake) archiveReason(d *delivery) string {
	if !d.src.FirstSync || d.src.Received.IsZero() || in.store.Now().Sub(d.src.Received) < archiveAge {
		return ""
	}
	return "it was in the mailbox, received " + d.src.Received.UTC().Format("2006-01-02 15:04 UTC") +
		", before the helpdesk first read it: filed as an archive, nobody mailed"
}

// file acts on the message: a new ticket, a reply, a response, a bounce.
// Valid mail the rules cannot place (or a bug) is never dropped: it
// becomes a ticket agents will see, or, if even that fails, a raw message
// marked failed. It returns the note for the stored message.
func (in *Intake) file(ctx context.Context, tx *tickets.Tx, d *delivery) (string, error) {
	note, err := in.act(ctx, tx, d)
	if err != nil {
		if tickets.IsTransient(err) || ctx.Err() != nil {
			return "", err
		}
		in.log.Error("intake: could not act on message, keeping it as a ticket", "message_id", d.m.MessageID, "mailbox", d.src.Mailbox, "err", err)
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT act"); rerr != nil {
			return "", rerr
		}
		d.res = Result{InboundID: d.res.InboundID}
		why := err.Error()
		if note, err = in.openFailed(ctx, tx, d, why); err != nil {
			if tickets.IsTransient(err) || ctx.Err() != nil {
				return "", err
			}
			// Even the plain ticket failed: keep the raw message, marked,
			// rather than refuse it for ever (a poison message would stall
			// the mailbox behind it).
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT act"); rerr != nil {
				return "", rerr
			}
			d.res = Result{InboundID: d.res.InboundID, Outcome: OutcomeFailed}
			note = "could not be filed: " + why + "; then: " + err.Error()
		}
	}
	if d.reusedOf != "" {
		note += "; it reuses the Message-ID of another letter (" + d.reusedOf + ")"
	}
	if d.archive != "" {
		note += "; " + d.archive
	}
	if d.res.ticketID == 0 && d.department == 0 {
		if d.department, err = in.store.In(tx).DepartmentFor(ctx, recipients(d.m, d.src)); err != nil {
			return "", err
		}
	}
	return note, nil
}

// storeRaw writes the raw message with its outcome under key, and its mailbox
// UID; false means a letter with this key was stored meanwhile.
func (in *Intake) storeRaw(ctx context.Context, tx *tickets.Tx, d *delivery, key, note string) (bool, error) {
	p := in.store.Prep(tx)
	var id int64
	err := p.GetContext(ctx, &id, `
		INSERT INTO inbound_messages (id, dedup_key, message_id, mailbox, raw, size, digest, sender, subject, text_digest,
			outcome, note, ticket_id, entry_id, auth, auth_detail, department_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
		d.res.InboundID, key, nullString(d.m.MessageID), d.src.Mailbox, d.stored, d.size, d.digest, d.from, validUTF8(d.m.Subject), d.textDigest,
		d.res.Outcome, note, nullID(d.res.ticketID), nullID(d.res.EntryID), string(d.verdict.Method), d.verdict.Detail, nullID(int64(d.department)))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// recordUIDs remembers which mailbox message each delivery was, stored or
// a duplicate (for flagging it on the server), in one insert for the group.
func (in *Intake) recordUIDs(ctx context.Context, tx *tickets.Tx, ds []*delivery) error {
	var boxes []string
	var validities, uids, ids []int64
	for _, d := range ds {
		if d.src.UID != 0 && d.res.InboundID != 0 {
			boxes = append(boxes, d.src.Mailbox)
			validities = append(validities, int64(d.src.UIDValidity))
			uids = append(uids, int64(d.src.UID))
			ids = append(ids, d.res.InboundID)
		}
	}
	if len(uids) == 0 {
		return nil
	}
	_, err := in.store.Prep(tx).ExecContext(ctx, `INSERT INTO mailbox_uids (mailbox, uid_validity, uid, inbound_id)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) ON CONFLICT DO NOTHING`,
		pq.Array(boxes), pq.Array(validities), pq.Array(uids), pq.Array(ids))
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// claim decides under which key the message is stored, once, and whether
// it is new; it reserves the stored message's id (d.res.InboundID), which
// reports about it link to before it is written. The same letter again
// (same Message-ID and same content) is a duplicate: d.res then describes
// the stored one. A different letter reusing a Message-ID (broken mailers,
// scanners and notification systems do) is stored as its own, under a key
// that adds its digest, and d.reusedOf names the earlier one.
func (in *Intake) claim(ctx context.Context, tx *tickets.Tx, d *delivery) (string, bool, error) {
	p := in.store.Prep(tx)
	key := d.key
	for {
		var prev struct {
			Next   int64          `db:"next"`
			ID     sql.NullInt64  `db:"id"`
			Digest []byte         `db:"digest"`
			Ticket sql.NullString `db:"number"`
		}
		if err := p.GetContext(ctx, &prev, `SELECT nextval('inbound_messages_id_seq') AS next, m.id, m.digest, t.number
			FROM (VALUES (1)) v LEFT JOIN inbound_messages m ON m.dedup_key = $1 LEFT JOIN tickets t ON t.id = m.ticket_id`, key); err != nil {
			return "", false, err
		}
		if !prev.ID.Valid {
			d.res.InboundID = prev.Next
			return key, true, nil
		}
		// Rows stored before digests existed keep the old rule: one
		// Message-ID, one letter.
		if key != d.key || d.m.MessageID == "" || prev.Digest == nil || bytes.Equal(prev.Digest, d.digest) {
			return key, false, in.duplicate(ctx, tx, key, d)
		}
		d.reusedOf = "stored message " + strconv.FormatInt(prev.ID.Int64, 10)
		if prev.Ticket.Valid {
			d.reusedOf += ", ticket #" + prev.Ticket.String
		}
		key = d.key + "#" + hex.EncodeToString(d.digest[:16])
	}
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// duplicate records a message seen again: under another mailbox UID it is
// the same mail, so only the UID is remembered (for flagging).
func (in *Intake) duplicate(ctx context.Context, tx *tickets.Tx, key string, d *delivery) error {
	res := &d.res
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
	return nil
}

// parse reads the message, or only its header block when it is over the
// size limit (size is its whole length); cut says what was left out.
func (in *Intake) parse(raw []byte, size int64) (*Message, string) {
	if size <= in.max {
		return Parse(raw, in.lim), ""
	}
	m := Parse(headerBlock(raw, headerKeep), in.lim)
	return m, fmt.Sprintf("This message was %.1f MB, over the %.0f MB limit: only its headers were kept; its text and attachments were cut. Ask the sender to send smaller parts.",
		float64(size)/(1<<20), float64(in.max)/(1<<20))
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

// contentDigests identify a letter by what its sender wrote (From,
// subject, text, attachments; the raw body too when only the headers were
// read), and its text alone, stripped of quoted history, for the loop
// guard's "the same words again". The text digest is nil for an empty text.
func contentDigests(m *Message, raw []byte, cut string) (letter, text []byte) {
	h := sha256.New()
	for _, f := range []string{m.From.Email, m.Subject, m.Text, m.HTML} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	for _, a := range m.Attachments {
		sum := sha256.Sum256(a.Data)
		h.Write(sum[:])
	}
	if cut != "" {
		_, body := splitHeader(raw)
		sum := sha256.Sum256(body)
		h.Write(sum[:])
	}
	letter = h.Sum(nil)
	if words := strings.Join(strings.Fields(strings.ToLower(StripQuoted(m.Text))), " "); words != "" {
		sum := sha256.Sum256([]byte(words))
		text = sum[:]
	}
	return letter, text
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
