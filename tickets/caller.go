package tickets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// CallerRequest is a complaint an agent takes by phone or at the desk and
// types in for the caller.
type CallerRequest struct {
	Agent *Agent
	Via   string // SourcePhone or SourceWalkin
	// Name is required. Email is optional: a caller without one gets no
	// mail at all (they are given the number on the phone or on paper),
	// and is kept under an address of the reserved .invalid domain, which
	// nothing is ever sent to. Phone is optional, kept on the person when
	// they have none yet.
	Name, Email, Phone string
	TopicID            int
	Subject, Body      string
	Attachments        []NewAttachment
}

// Messages of a caller's ticket refused.
const MsgViaCaller = "must be phone or walkin"

// OpenForCaller opens a ticket for a caller, recorded as taken by the
// agent: the ticket's source says how it came (phone, walk-in), its first
// message is the caller's as the agent wrote it down, and the "created"
// event names the agent. A caller with an address gets the usual
// autoresponse with the number and a progress link.
func (s *Store) OpenForCaller(ctx context.Context, r CallerRequest) (*Ticket, error) {
	if r.Agent == nil || !r.Agent.Active {
		return nil, wrap("open for caller", ErrForbidden)
	}
	v := &ValidationError{}
	if r.Via != SourcePhone && r.Via != SourceWalkin {
		v.add("via", MsgViaCaller)
	}
	r.Name = strings.Join(strings.Fields(r.Name), " ")
	if r.Name == "" {
		v.add("name", "a name is required")
	}
	email := strings.TrimSpace(r.Email)
	if email != "" && !ValidEmail(email) {
		v.add("email", "a valid email address is required")
	}
	phone := strings.TrimSpace(r.Phone)
	if phone != "" && !phoneRe.MatchString(phone) {
		v.add("phone", "a phone number is required")
	}
	if r.TopicID == 0 {
		v.add("topic", "no such help topic")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if email == "" {
		email = noEmailAddress()
	}
	req := OpenRequest{Owner: Address{Email: email, Name: r.Name}, TopicID: r.TopicID, Subject: r.Subject, Body: r.Body,
		Source: r.Via, Attachments: r.Attachments, TakenBy: r.Agent}
	var t *Ticket
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		if t, _, err = s.OpenTx(ctx, tx, req); err != nil {
			return err
		}
		if phone != "" {
			_, err = tx.ExecContext(ctx, `UPDATE users SET phone = $2, updated_at = now() WHERE id = $1 AND phone = ''`, t.OwnerID, phone)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("ticket opened for a caller", "ticket", t.Number, "source", r.Via, "agent", r.Agent.ID)
	return s.TicketByID(ctx, t.ID)
}

// noEmailAddress is a fresh address for a person without email: unique,
// so that two callers without one are two people, and in .invalid, so
// that nothing is ever mailed to it (Mailable).
func noEmailAddress() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "caller-" + hex.EncodeToString(b) + "@no-email.invalid"
}
