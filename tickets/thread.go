package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Post is a message, response or note being added to a thread.
type Post struct {
	Body        string
	BodyHTML    string // sanitized by the caller
	Attachments []NewAttachment
	Source      string // web, email, api
	MessageID   string
	Headers     map[string]string
	// Status, for a response, sets the ticket's status in the same step
	// ("respond and resolve"); "" leaves it.
	Status string
	// Quiet marks automated mail that threads (auto-replies, bounces):
	// stored without reopening the ticket or notifying anyone.
	Quiet bool
	// Mail is what was authenticated about the sender of a mail-born post.
	// A message whose sender is not verified adds to the thread but has no
	// power: it does not reopen the ticket.
	Mail *MailAuth
	// SeenEntry, for a response, is the newest entry the agent's page
	// showed; when someone else wrote since, nothing is posted and the
	// error is ErrStale (see Patch.SeenEntry). 0 asks nothing.
	SeenEntry int64
	// Signature ends a response with the agent's signature, as the
	// citizen then receives it and the thread keeps it.
	Signature bool
}

func (p *Post) validate(needBody bool) error {
	v := &ValidationError{}
	if p.Source == "" {
		p.Source = SourceWeb
	}
	if p.Source == SourceWeb || p.Source == SourceAPI {
		p.Attachments = policyUploads(v, p.Attachments)
	}
	if needBody && strings.TrimSpace(p.Body) == "" && len(p.Attachments) == 0 {
		v.add("message", "the message is empty")
	}
	if p.Source == SourceEmail {
		p.Body = FitMailBody(p.Body)
	} else if len(p.Body) > MaxBody {
		v.add("message", "the text is too long")
	}
	if p.Status != "" && !ValidStatus(p.Status) {
		v.add("status", "must be open, resolved or closed")
	}
	return v.err()
}

// AddMessage adds a message from the ticket's owner or a collaborator. A
// message from them reopens a Resolved or Closed ticket, with a fresh due
// date, unless it is automated mail or mail whose sender is not verified
// (then a note tells agents it did not).
func (s *Store) AddMessage(ctx context.Context, ticketID int64, author *User, p Post) (*Entry, error) {
	var e *Entry
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		e, err = s.AddMessageTx(ctx, tx, ticketID, author, p)
		return err
	})
	return e, err
}

// AddMessageTx is AddMessage inside the caller's transaction.
func (s *Store) AddMessageTx(ctx context.Context, tx *Tx, ticketID int64, author *User, p Post) (*Entry, error) {
	if err := p.validate(p.Source != SourceEmail); err != nil {
		return nil, err
	}
	var e *Entry
	err := func() error {
		t, err := s.getTicket(ctx, tx, "t.id = $1", ticketID, true)
		if err != nil {
			return err
		}
		if !isUserParticipant(t, author) {
			return ErrForbidden
		}
		actor := UserActor(author)
		now := s.now()
		e, err = s.insertEntry(ctx, tx, newEntry{TicketID: t.ID, Kind: KindMessage, Actor: actor, Body: p.Body,
			BodyHTML: p.BodyHTML, Source: p.Source, MessageID: p.MessageID, Headers: p.Headers, Attachments: p.Attachments, Mail: p.Mail, At: now, Touch: true, Automated: p.Quiet})
		if err != nil {
			return err
		}
		reopened := false
		if t.Status != StatusOpen && !p.Quiet {
			if !p.Mail.Verified() {
				if _, err := s.insertEntry(ctx, tx, newEntry{TicketID: t.ID, Kind: KindNote, Actor: System, Source: SourceSystem, At: now,
					Body: fmt.Sprintf("The message above could not be verified as coming from %s (%s), so it did not reopen the ticket. Reopen it if it is genuine.", author.Email, p.Mail.Detail)}); err != nil {
					return err
				}
			} else if err := s.reopen(ctx, tx, t, actor, now); err != nil {
				return err
			} else {
				reopened = true
			}
		}
		if t, err = s.getTicket(ctx, tx, "t.id = $1", ticketID, false); err != nil {
			return err
		}
		c := &Change{Kind: ChangeMessage, Ticket: t, Entry: e, Actor: actor, Quiet: p.Quiet}
		if reopened {
			c.Detail = map[string]string{"reopened": "1"}
		}
		return s.fire(ctx, tx, c)
	}()
	return e, wrap("add message", err)
}

func isUserParticipant(t *Ticket, u *User) bool {
	return citizenRole(t, u.ID, u.Email) != RoleNone
}

// citizenRole is how a person, by user id or address, takes part in t as
// a citizen: its owner or a collaborator. It is the one participant rule,
// behind web access and mail threading (View.Participant adds agents).
func citizenRole(t *Ticket, userID int64, email string) ParticipantRole {
	email = NormalizeEmail(email)
	if userID != 0 && userID == t.OwnerID || email != "" && strings.EqualFold(t.OwnerEmail, email) {
		return RoleOwner
	}
	for _, c := range t.Collaborators {
		if userID != 0 && c.ID == userID || email != "" && strings.EqualFold(c.Email, email) {
			return RoleCollaborator
		}
	}
	return RoleNone
}

// reopen is the one place a Resolved or Closed ticket becomes Open again on
// its owner's reply: a new due date from its plan, and an event.
func (s *Store) reopen(ctx context.Context, tx *Tx, t *Ticket, a Actor, now time.Time) error {
	prev := t.Status
	if err := s.openAgain(ctx, tx, t, now); err != nil {
		return err
	}
	if _, err := s.event(ctx, tx, t, a, "reopened", map[string]string{"from": prev, "to": StatusOpen}); err != nil {
		return err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return err
	}
	return s.fire(ctx, tx, &Change{Kind: ChangeReopened, Ticket: nt, Actor: a, Detail: map[string]string{"from": prev}})
}

// Respond adds an agent's response, visible to the owner, who is notified.
// An unassigned ticket is claimed by the responding agent; p.Status may
// resolve or close it in the same step.
func (s *Store) Respond(ctx context.Context, ticketID int64, agent *Agent, p Post) (*Entry, error) {
	var e *Entry
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		e, err = s.agentPost(ctx, tx, ticketID, agent, p, KindResponse)
		return err
	})
	return e, err
}

// RespondTx is Respond inside the caller's transaction (an agent answering
// from their mail client).
func (s *Store) RespondTx(ctx context.Context, tx *Tx, ticketID int64, agent *Agent, p Post) (*Entry, error) {
	return s.agentPost(ctx, tx, ticketID, agent, p, KindResponse)
}

// Note adds an internal note, seen only by agents.
func (s *Store) Note(ctx context.Context, ticketID int64, agent *Agent, p Post) (*Entry, error) {
	p.Status = ""
	var e *Entry
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		e, err = s.agentPost(ctx, tx, ticketID, agent, p, KindNote)
		return err
	})
	return e, err
}

// NoteTx is Note inside the caller's transaction (an agent's note by mail).
func (s *Store) NoteTx(ctx context.Context, tx *Tx, ticketID int64, agent *Agent, p Post) (*Entry, error) {
	p.Status = ""
	return s.agentPost(ctx, tx, ticketID, agent, p, KindNote)
}

func (s *Store) agentPost(ctx context.Context, tx *Tx, ticketID int64, agent *Agent, p Post, kind string) (*Entry, error) {
	if err := p.validate(true); err != nil {
		return nil, err
	}
	if !agent.Active {
		return nil, wrap(kind, ErrForbidden)
	}
	var e *Entry
	err := func() error {
		t, err := s.getTicket(ctx, tx, "t.id = $1", ticketID, true)
		if err != nil {
			return err
		}
		if !agent.CanSeeDepartment(t.DepartmentID) {
			return ErrForbidden
		}
		actor := AgentActor(agent)
		if kind == KindResponse {
			if err := s.checkSeen(ctx, tx, t.ID, p.SeenEntry, actor); err != nil {
				return err
			}
			if p.Signature {
				p.Body = withSignature(p.Body, agent.Signature)
			}
		}
		now := s.now()
		e, err = s.insertEntry(ctx, tx, newEntry{TicketID: t.ID, Kind: kind, Actor: actor, Body: p.Body, BodyHTML: p.BodyHTML,
			Source: p.Source, MessageID: p.MessageID, Headers: p.Headers, Attachments: p.Attachments, Mail: p.Mail, At: now})
		if err != nil {
			return err
		}
		set := "updated_at = $2"
		if kind == KindResponse {
			set += ", last_response_at = $2"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET `+set+` WHERE id = $1`, t.ID, now); err != nil {
			return err
		}
		if kind == KindResponse && !t.AssigneeID.Valid {
			if err := s.setAssignee(ctx, tx, t, actor, agent, "claimed"); err != nil {
				return err
			}
		}
		nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
		if err != nil {
			return err
		}
		ck := ChangeNote
		if kind == KindResponse {
			ck = ChangeResponse
		}
		if err := s.fire(ctx, tx, &Change{Kind: ck, Ticket: nt, Entry: e, Actor: actor, Quiet: p.Quiet}); err != nil {
			return err
		}
		if p.Status != "" && p.Status != nt.Status {
			return s.setStatus(ctx, tx, nt, actor, p.Status)
		}
		return nil
	}()
	return e, wrap(kind, err)
}

// SystemNote adds an internal note written by the helpdesk itself (a
// bounce report, a warning about a cut message), seen only by agents,
// without reopening or notifying.
func (s *Store) SystemNote(ctx context.Context, tx *Tx, ticketID int64, p Post) (*Entry, error) {
	p.Body = FitMailBody(p.Body)
	e, err := s.insertEntry(ctx, tx, newEntry{TicketID: ticketID, Kind: KindNote, Actor: System, Body: p.Body,
		BodyHTML: p.BodyHTML, Source: p.Source, MessageID: p.MessageID, Headers: p.Headers, Attachments: p.Attachments, Mail: p.Mail})
	if err != nil {
		return nil, wrap("system note", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $2 WHERE id = $1`, ticketID, s.now()); err != nil {
		return nil, wrap("system note", err)
	}
	return e, nil
}

// AddCollaborator makes addr a collaborator of the ticket (someone who
// replied to its mail from an address not yet on it, or was CC'd).
func (s *Store) AddCollaborator(ctx context.Context, tx *Tx, ticketID int64, addr Address) (*User, error) {
	u, err := s.EnsureUser(ctx, tx, addr)
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ticket_collaborators (ticket_id, user_id)
		SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM tickets WHERE id = $1 AND owner_id = $2)
		ON CONFLICT DO NOTHING`, ticketID, u.ID)
	return u, wrap("add collaborator", err)
}
