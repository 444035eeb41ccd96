package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// OpenRequest is a new complaint or question.
type OpenRequest struct {
	Owner         Address
	TopicID       int    // 0: by name, or none
	Topic         string // a topic's name
	DepartmentID  int    // overrides the topic's department (a mailbox mapped to one); 0: the topic's, else Support
	Subject       string
	Body          string
	BodyHTML      string // sanitized by the caller
	Priority      string // "" for normal
	Source        string // web, email, api
	Attachments   []NewAttachment
	Collaborators []Address
	MessageID     string
	Headers       map[string]string
	// ForwardedBy is the agent who forwarded the letter into the helpdesk;
	// the ticket is the original sender's.
	ForwardedBy *Agent
	// TakenBy is the agent who took a phone call or a visit and typed the
	// ticket for the caller (Store.OpenForCaller).
	TakenBy *Agent
	// Quiet marks mail the helpdesk must not answer (automated mail, a
	// loop): the ticket is stored but nobody is told; QuietReason says why,
	// for agents to see on the unsent autoresponse.
	Quiet       bool
	QuietReason string
	// NoReply, when set, is why the owner gets no autoresponse though
	// agents are alerted as usual (the mail asked not to be answered).
	NoReply string
	// Mail is what was authenticated about the sender of a mail-born ticket.
	Mail *MailAuth
	// RefersTo is a ticket the mail referred to (by its Message-IDs or
	// number) whose participants the sender is not one of.
	RefersTo int64
	// At backdates the ticket (mbox import); zero means now.
	At time.Time
}

// Limits on what people type.
const (
	MaxSubject = 255
	MaxBody    = 1 << 20
	// MaxCollaborators bounds who gets a ticket's updates besides its
	// owner: each response is mailed to all of them.
	MaxCollaborators = 50
)

func (r *OpenRequest) validate() error {
	v := &ValidationError{}
	if NormalizeEmail(r.Owner.Email) == "" {
		v.add("email", "a valid email address is required")
	}
	if r.Source == SourceWeb || r.Source == SourceAPI || r.TakenBy != nil {
		// Typed one-line fields are refused when they are not one line;
		// mail's are cleaned (a citizen's letter is never refused).
		if !oneLine(r.Subject) {
			v.add("subject", MsgOneLine)
		}
		if !oneLine(r.Owner.Name) {
			v.add("name", MsgOneLine)
		}
		for i, c := range r.Collaborators {
			if NormalizeEmail(c.Email) == "" {
				v.add(fmt.Sprintf("cc[%d]", i), "a valid email address is required")
			}
		}
		r.Attachments = policyUploads(v, r.Attachments)
	}
	r.Subject = strings.Join(strings.Fields(sanitizeText(r.Subject)), " ")
	if r.Subject == "" {
		v.add("subject", "a summary of the issue is required")
	} else if utf8.RuneCountInString(r.Subject) > MaxSubject {
		v.add("subject", fmt.Sprintf("at most %d characters", MaxSubject))
	}
	if strings.TrimSpace(r.Body) == "" && r.Source != SourceEmail {
		v.add("message", "please describe the issue")
	}
	if r.Source == SourceEmail {
		r.Body = FitMailBody(r.Body)
	} else if len(r.Body) > MaxBody {
		v.add("message", "the text is too long")
	}
	if len(r.Collaborators) > MaxCollaborators {
		v.add("cc", fmt.Sprintf("at most %d addresses", MaxCollaborators))
	}
	if r.Priority == "" {
		r.Priority = "normal"
	}
	r.Priority = strings.ToLower(r.Priority)
	if !ValidPriority(r.Priority) {
		v.add("priority", "must be low, normal, high or emergency")
	}
	switch r.Source {
	case SourceWeb, SourceEmail, SourceAPI:
	case SourcePhone, SourceWalkin:
		if r.TakenBy == nil {
			v.add("source", "a call or a visit is recorded by an agent")
		}
	default:
		v.add("source", "must be web, email or api")
	}
	return v.err()
}

// Open creates a ticket with its first message, from the owner (created
// without a password when unknown). It picks the topic's department and SLA
// plan and sets the due date.
func (s *Store) Open(ctx context.Context, r OpenRequest) (*Ticket, *Entry, error) {
	var t *Ticket
	var e *Entry
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		t, e, err = s.OpenTx(ctx, tx, r)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.log.Info("ticket opened", "ticket", t.Number, "source", r.Source, "department", t.DepartmentName)
	return t, e, nil
}

// OpenTx is Open inside the caller's transaction, for intake that commits
// the raw message together with its ticket.
func (s *Store) OpenTx(ctx context.Context, tx *Tx, r OpenRequest) (*Ticket, *Entry, error) {
	if err := r.validate(); err != nil {
		return nil, nil, err
	}
	topic, err := s.resolveTopic(ctx, tx, r)
	if err != nil {
		return nil, nil, err
	}
	var t *Ticket
	var e *Entry
	err = func() error {
		owner, err := s.EnsureUser(ctx, tx, r.Owner)
		if err != nil {
			return err
		}
		if r.Source == SourceEmail && !r.Quiet && owner.BouncingAt.Valid {
			// They write again: their mailbox works.
			if err := s.ClearBouncing(ctx, tx, owner.ID); err != nil {
				return err
			}
		}
		dept, planID, hours, err := s.routing(ctx, tx, topic, r.DepartmentID)
		if err != nil {
			return err
		}
		now := r.At
		if now.IsZero() {
			now = s.now()
		}
		var topicID any
		if topic != nil {
			topicID = topic.ID
		}
		var fwd, refers any
		if r.ForwardedBy != nil {
			fwd = r.ForwardedBy.ID
		}
		if r.RefersTo != 0 {
			refers = r.RefersTo
		}
		width, err := s.numberWidth(ctx, tx)
		if err != nil {
			return err
		}
		// A letter of an imported archive whose due date has long passed
		// is overdue from the start, and counts as escalated: the first
		// run of the scheduled jobs must not alert and escalate the whole
		// archive at once.
		due := dueDate(now, hours)
		pastDue := due.Before(s.now())
		var id int64
		for try := 0; ; try++ {
			// A random pick that collides is simply tried again; the unique
			// constraint, not a look-up first, decides.
			err = s.prep(tx).GetContext(ctx, &id, `
				INSERT INTO tickets (number, subject, priority, department_id, topic_id, owner_id, sla_plan_id, due_at,
					source, forwarded_by, refers_to, created_at, updated_at, last_message_at, search, overdue, escalated_due_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12,
					setweight(to_tsvector('indonesian', $2), 'A') || setweight(to_tsvector('simple', $2), 'A') || `+
				fmt.Sprintf(searchVector, 13, 13)+`, $14, CASE WHEN $14 THEN $8::timestamptz END)
				ON CONFLICT (number) DO NOTHING RETURNING id`,
				randomNumber(width), r.Subject, r.Priority, dept, topicID, owner.ID, planID,
				due, r.Source, fwd, refers, now, sanitizeText(r.Body), pastDue)
			if !errors.Is(err, sql.ErrNoRows) || try > 50 {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
		for _, c := range r.Collaborators {
			if NormalizeEmail(c.Email) == "" || strings.EqualFold(NormalizeEmail(c.Email), owner.Email) {
				continue
			}
			u, err := s.EnsureUser(ctx, tx, c)
			if err != nil {
				return err
			}
			if _, err := s.prep(tx).ExecContext(ctx, `INSERT INTO ticket_collaborators (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, u.ID); err != nil {
				return err
			}
		}
		author := UserActor(owner)
		e, err = s.insertEntry(ctx, tx, newEntry{
			TicketID: id, Kind: KindMessage, Actor: author, Body: r.Body, BodyHTML: r.BodyHTML,
			Source: r.Source, MessageID: r.MessageID, Headers: r.Headers, Attachments: r.Attachments, Mail: r.Mail, At: now, Indexed: true,
		})
		if err != nil {
			return err
		}
		if t, err = s.getTicket(ctx, tx, "t.id = $1", id, false); err != nil {
			return err
		}
		data := map[string]string{"source": r.Source}
		evActor := author
		if r.ForwardedBy != nil {
			data["forwarded_by"] = r.ForwardedBy.Name + " <" + r.ForwardedBy.Email + ">"
			evActor = AgentActor(r.ForwardedBy)
		}
		if r.TakenBy != nil {
			data["taken_by"] = r.TakenBy.Name
			evActor = AgentActor(r.TakenBy)
		}
		if _, err := s.event(ctx, tx, t, evActor, "created", data); err != nil {
			return err
		}
		return s.fire(ctx, tx, &Change{Kind: ChangeOpened, Ticket: t, Entry: e, Actor: author, Quiet: r.Quiet, QuietReason: r.QuietReason, NoReply: r.NoReply})
	}()
	if err != nil {
		return nil, nil, wrap("open", err)
	}
	return t, e, nil
}

// FitMailBody makes a mail's text fit an entry: valid UTF-8 without NUL,
// cut, with a note saying so, when it is longer than MaxBody. Mail is never
// refused for its length: the whole original is kept raw.
func FitMailBody(text string) string {
	text = sanitizeText(text)
	if len(text) <= MaxBody {
		return text
	}
	const note = "\n\n[The text was longer than 1 MB and is cut here; the original message is kept whole.]"
	cut := MaxBody - len(note)
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + note
}

func (s *Store) resolveTopic(ctx context.Context, q queryer, r OpenRequest) (*Topic, error) {
	var topic *Topic
	var err error
	switch {
	case r.TopicID != 0:
		topic, err = View{s, q}.TopicByID(ctx, r.TopicID)
	case strings.TrimSpace(r.Topic) != "":
		topic, err = View{s, q}.TopicByName(ctx, r.Topic)
	default:
		return nil, nil
	}
	if errors.Is(err, ErrNotFound) || (err == nil && !topic.Active) {
		v := &ValidationError{}
		v.add("topic", "no such help topic")
		return nil, v
	}
	return topic, err
}

// dueDate is the SLA rule, for a new ticket and one open again: due the
// plan's grace hours after from.
func dueDate(from time.Time, graceHours int) time.Time {
	return from.Add(time.Duration(graceHours) * time.Hour)
}

// openAgain makes a resolved or closed ticket Open again (an agent's
// choice, or its owner's reply) with a fresh due date from its plan.
func (s *Store) openAgain(ctx context.Context, tx *Tx, t *Ticket, now time.Time) error {
	hours := defaultGraceHours // a ticket whose plan was removed keeps the manual's 2×24 h
	if t.SLAPlanID.Valid {
		if err := s.prep(tx).GetContext(ctx, &hours, `SELECT grace_hours FROM sla_plans WHERE id = $1`, t.SLAPlanID.Int64); ignoreNoRows(err) != nil {
			return err
		}
	}
	_, err := s.prep(tx).ExecContext(ctx, `UPDATE tickets SET status = 'open', resolved_at = NULL, closed_at = NULL, overdue = false,
		updated_at = $2, due_at = $3 WHERE id = $1`, t.ID, now, dueDate(now, hours))
	return err
}

// routing picks the department and SLA plan of a new ticket: the explicit
// department, else the topic's, else Support (the first department); the
// topic's plan, else the default plan (the first one, "Default SLA").
func (s *Store) routing(ctx context.Context, q queryer, topic *Topic, deptID int) (dept int, plan int, hours int, err error) {
	switch {
	case deptID != 0:
		dept = deptID
	case topic != nil:
		dept = topic.DepartmentID
	default:
		err = s.prep(q).GetContext(ctx, &dept, `SELECT id FROM departments ORDER BY (lower(name) = 'support') DESC, id LIMIT 1`)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("default department: %w", err)
		}
	}
	var row struct {
		ID    int `db:"id"`
		Hours int `db:"grace_hours"`
	}
	if topic != nil && topic.SLAPlanID.Valid {
		err = s.prep(q).GetContext(ctx, &row, `SELECT id, grace_hours FROM sla_plans WHERE id = $1`, topic.SLAPlanID.Int64)
	} else {
		err = s.prep(q).GetContext(ctx, &row, `SELECT id, grace_hours FROM sla_plans ORDER BY id LIMIT 1`)
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("sla plan: %w", err)
	}
	return dept, row.ID, row.Hours, nil
}
