package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/lib/pq"
)

// newEntry is a thread entry about to be written.
type newEntry struct {
	TicketID    int64
	Kind        string
	Actor       Actor
	Body        string
	BodyHTML    string
	Event       string
	EventData   map[string]string
	Source      string
	MessageID   string
	Headers     map[string]string
	Attachments []NewAttachment
	Mail        *MailAuth // for entries made from mail
	At          time.Time
	// Indexed says the ticket's search vector already holds Body (the
	// opening message, indexed by the ticket's own insert).
	Indexed bool
	// Touch moves the ticket up the queue (updated_at, last_message_at)
	// in the same UPDATE that indexes the entry: a ticket row rewritten
	// once per message, not twice.
	Touch bool
	// Automated is a touching message nobody waits an answer to (an
	// auto-reply): it leaves last_message_at, the queue's "waiting for us".
	Automated bool
}

// indexEntry adds an entry's text to its ticket's search vector, which
// stops growing at 20 000 lexemes (far below tsvector's 1 MB limit; the
// first pages of a thread are what people search for), and with $3 also
// touches the ticket ($5: automated mail, not a message waiting for us).
var indexEntry = `UPDATE tickets SET search = CASE WHEN $2 <> '' AND length(search) < 20000 THEN search || ` + fmt.Sprintf(searchVector, 2, 2) + ` ELSE search END,
	updated_at = CASE WHEN $3 THEN $4 ELSE updated_at END, last_message_at = CASE WHEN $3 AND NOT $5 THEN $4 ELSE last_message_at END
	WHERE id = $1`

// insertEntry writes an entry with its attachments, records its Message-ID
// for threading, and adds its text to the ticket's search vector.
func (s *Store) insertEntry(ctx context.Context, tx *Tx, n newEntry) (*Entry, error) {
	var data, headers any
	if n.EventData != nil {
		b, _ := json.Marshal(storableMap(n.EventData))
		data = string(b) // text: with binary_parameters, []byte goes as binary jsonb
	}
	if len(n.Headers) > 0 {
		b, _ := json.Marshal(storableMap(n.Headers))
		headers = string(b)
	}
	var event any
	if n.Kind == KindEvent {
		event = n.Event
	}
	if n.Source == "" {
		n.Source = SourceWeb
	}
	if n.At.IsZero() {
		n.At = s.now()
	}
	mid := CanonicalMessageID(n.MessageID)
	var midArg any
	if mid != "" {
		midArg = mid
	}
	var auth, authDetail any
	if n.Mail != nil {
		auth, authDetail = n.Mail.Method, sanitizeText(n.Mail.Detail)
	}
	var e Entry
	err := s.prep(tx).GetContext(ctx, &e, `
		INSERT INTO entries (ticket_id, kind, user_id, agent_id, body, body_html, event, event_data, source, message_id, headers, auth, auth_detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id, ticket_id, kind, user_id, agent_id, body, body_html, event, event_data, source, message_id, auth, auth_detail, created_at`,
		n.TicketID, n.Kind, n.Actor.userID(), n.Actor.agentID(), sanitizeText(n.Body), sanitizeText(n.BodyHTML), event, data, n.Source, midArg, headers, auth, authDetail, n.At)
	if err != nil {
		return nil, fmt.Errorf("insert entry: %w", err)
	}
	if n.Actor.Kind != ActorSystem {
		e.AuthorEmail.String, e.AuthorEmail.Valid = n.Actor.Email, true
		e.AuthorName.String, e.AuthorName.Valid = n.Actor.Name, true
	}
	if mid != "" {
		if err := s.RecordMessageIDs(ctx, tx, []string{mid}, n.TicketID, e.ID); err != nil {
			return nil, err
		}
	}
	for i, a := range n.Attachments {
		att, err := s.insertAttachment(ctx, tx, e.ID, a, i)
		if err != nil {
			return nil, err
		}
		e.Attachments = append(e.Attachments, *att)
	}
	text := ""
	if n.Kind != KindEvent && !n.Indexed && strings.TrimSpace(e.Body) != "" {
		text = e.Body
	}
	if text != "" || n.Touch {
		if _, err := s.prep(tx).ExecContext(ctx, indexEntry, n.TicketID, text, n.Touch, n.At, n.Automated); err != nil {
			return nil, fmt.Errorf("index entry: %w", err)
		}
	}
	return &e, nil
}

// RecordMessageIDs remembers that Message-IDs (the helpdesk's notices of
// one change, or a received mail's) belong to a ticket and entry, so
// replies naming them thread there.
func (s *Store) RecordMessageIDs(ctx context.Context, tx *Tx, messageIDs []string, ticketID, entryID int64) error {
	mids := make([]string, 0, len(messageIDs))
	for _, m := range messageIDs {
		if m = CanonicalMessageID(m); m != "" {
			mids = append(mids, m)
		}
	}
	if len(mids) == 0 {
		return nil
	}
	var entry any
	if entryID != 0 {
		entry = entryID
	}
	_, err := s.prep(tx).ExecContext(ctx, `INSERT INTO message_ids (message_id, ticket_id, entry_id)
		SELECT unnest($1::text[]), $2, $3 ON CONFLICT (message_id) DO NOTHING`, pq.Array(mids), ticketID, entry)
	if err != nil {
		return fmt.Errorf("record message-ids: %w", err)
	}
	return nil
}

func (s *Store) insertAttachment(ctx context.Context, tx *Tx, entryID int64, a NewAttachment, i int) (*Attachment, error) {
	if a.Data == nil {
		a.Data = []byte{} // an empty part is still a file someone sent
	}
	sum := sha256.Sum256(a.Data)
	if _, err := s.prep(tx).ExecContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
		sum[:], len(a.Data), a.Data); err != nil {
		return nil, fmt.Errorf("store attachment: %w", err)
	}
	name := cleanFilename(a.Name)
	if name == "" {
		name = fmt.Sprintf("attachment-%d", i+1)
	}
	ct := strings.ToLower(strings.TrimSpace(a.ContentType))
	if ct == "" {
		if ct = mime.TypeByExtension(path.Ext(name)); ct == "" {
			ct = "application/octet-stream"
		}
	}
	var cid any
	if a.ContentID != "" {
		cid = strings.Trim(a.ContentID, "<>")
	}
	var att Attachment
	err := s.prep(tx).GetContext(ctx, &att, `INSERT INTO attachments (entry_id, sha256, name, content_type, size, inline, content_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, entry_id, sha256, name, content_type, size, inline, content_id`,
		entryID, sum[:], name, ct, len(a.Data), a.Inline, cid)
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	return &att, nil
}

// cleanFilename keeps the base name only: names come from strangers' mail
// and forms, and are later offered as download names.
func cleanFilename(name string) string {
	name = strings.ReplaceAll(sanitizeText(name), "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	return name
}

// storableMap is m with its keys and values made storable: jsonb refuses
// \u0000, which is how a NUL in a reason or a mail header would encode.
func storableMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[sanitizeText(k)] = sanitizeText(v)
	}
	return out
}

// sanitizeText makes text storable: PostgreSQL text refuses NUL bytes and
// invalid UTF-8.
func sanitizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// event writes an event entry: who did what, when.
func (s *Store) event(ctx context.Context, tx *Tx, t *Ticket, a Actor, name string, data map[string]string) (*Entry, error) {
	return s.insertEntry(ctx, tx, newEntry{
		TicketID:  t.ID,
		Kind:      KindEvent,
		Actor:     a,
		Event:     name,
		EventData: data,
		Body:      EventText(name, actorName(a), data),
		Source:    SourceSystem,
	})
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func actorName(a Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return "System"
}

// EventText is an event's plain-English line, kept as the entry's body for
// the API and plain-text views; the web pages translate from the event
// name and data.
func EventText(name, who string, d map[string]string) string {
	switch name {
	case "created":
		if d["forwarded_by"] != "" {
			return fmt.Sprintf("Ticket created from a letter forwarded by %s", d["forwarded_by"])
		}
		if d["taken_by"] != "" {
			return fmt.Sprintf("Ticket created by %s for a %s (%s)", d["taken_by"], map[string]string{SourcePhone: "phone call", SourceWalkin: "visit to the desk"}[d["source"]], d["source"])
		}
		return fmt.Sprintf("Ticket created by %s (%s)", who, d["source"])
	case "claimed":
		return fmt.Sprintf("%s claimed the ticket", who)
	case "assigned":
		if d["to"] == "" {
			return fmt.Sprintf("%s released the assignment", who)
		}
		return fmt.Sprintf("%s assigned the ticket to %s", who, d["to"])
	case "status":
		return fmt.Sprintf("%s changed the status from %s to %s", who, d["from"], d["to"])
	case "reopened":
		return fmt.Sprintf("Ticket reopened by %s's reply", who)
	case "priority":
		return fmt.Sprintf("%s changed the priority from %s to %s", who, d["from"], d["to"])
	case "transferred":
		if d["reason"] == "" {
			return fmt.Sprintf("%s transferred the ticket from %s to %s", who, d["from"], d["to"])
		}
		return fmt.Sprintf("%s transferred the ticket from %s to %s: %s", who, d["from"], d["to"], d["reason"])
	case "overdue":
		return "Ticket marked overdue"
	// Ticket tools (issue 12).
	case "collaborator_added":
		return fmt.Sprintf("%s added %s as a collaborator", who, d["email"])
	case "collaborator_removed":
		return fmt.Sprintf("%s removed the collaborator %s", who, d["email"])
	case "topic":
		return fmt.Sprintf("%s changed the help topic from %s to %s", who, orNone(d["from"]), d["to"])
	case "merged":
		return fmt.Sprintf("%s merged ticket #%s into this one", who, d["from"])
	case "merged_into":
		return fmt.Sprintf("%s merged this ticket into #%s", who, d["into"])
	}
	return fmt.Sprintf("%s: %s", who, name)
}
