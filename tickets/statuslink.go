package tickets

import (
	"context"
	"errors"
	"strings"
)

// The "check a ticket's status" form (osTicket's view.php): someone gives
// an address and a ticket number, and if that address takes part in the
// ticket, a fresh progress link is mailed to it. Nothing is ever shown to
// whoever asked, so the form tells no one whether an address or a number
// exists: only the mailbox learns.

// StatusLinkHook runs in the transaction of RequestStatusLink when the
// address asked about takes part in the ticket: the outbox queues the mail
// with its progress link (register with AddStatusLinkHook).
type StatusLinkHook func(ctx context.Context, tx *Tx, t *Ticket, u *User) error

// AddStatusLinkHook registers h. Call it while wiring, before serving.
func (s *Store) AddStatusLinkHook(h StatusLinkHook) { s.linkHooks = append(s.linkHooks, h) }

// RequestStatusLink mails ticket number's progress link to email when it
// is the owner's or a collaborator's address, and does nothing otherwise;
// the caller answers the same either way. An error is the database's,
// never a verdict on the pair.
func (s *Store) RequestStatusLink(ctx context.Context, email, number string) error {
	number = CleanTicketNumber(number)
	if number == "" || !ValidEmail(email) {
		return nil
	}
	return wrap("status link", s.InTx(ctx, func(tx *Tx) error {
		v := s.In(tx)
		t, err := v.TicketByNumber(ctx, number)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u, err := v.UserByEmail(ctx, email)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if citizenRole(t, u.ID, "") == RoleNone {
			return nil
		}
		for _, h := range s.linkHooks {
			if err := h(ctx, tx, t, u); err != nil {
				return err
			}
		}
		return nil
	}))
}

// CleanTicketNumber is a ticket number as people type it ("#881358",
// " 881358 ") reduced to its digits; "" when it is not one.
func CleanTicketNumber(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if !isTicketNumber(s) {
		return ""
	}
	return s
}
