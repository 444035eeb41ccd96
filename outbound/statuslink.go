package outbound

import (
	"context"

	"github.com/kemsos/helpdesk/tickets"
)

// StatusLinkHook queues the mail that answers the "check a ticket's
// status" form: the ticket's progress link, to the participant who asked
// (register with tickets.Store.AddStatusLinkHook). A ticket closed too long
// ago for its progress link to open it gets a link to it behind sign-in
// instead.
func (ob *Outbox) StatusLinkHook(ctx context.Context, tx *tickets.Tx, t *tickets.Ticket, u *tickets.User) error {
	n := notice{kind: StatusLink, ticket: t, to: tickets.Address{Email: u.Email, Name: u.Name, ID: u.ID}, lang: u.Lang, tz: u.Timezone}
	if !tickets.GuestLinkOpen(t, ob.o.Store.Now()) {
		n.data.Link = ob.o.BaseURL + "/tickets/" + t.Number
	}
	return ob.enqueue(ctx, tx, []notice{n})
}
