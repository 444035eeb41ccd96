package ingest

import (
	"context"
	"errors"

	"github.com/kemsos/helpdesk/tickets"
)

// threading is the ticket a message claims to belong to, and how.
// Whether the sender may act on it is decided afterwards, by who they
// are: a claim lets nobody in.
type threading struct {
	ticket *tickets.Ticket
	how    string // "message-id" (ours or a stored one) or "subject"
	// possession: the message names a Message-ID the helpdesk minted for
	// a mail to this sender about this ticket, proof that the sender
	// received it (DESIGN.md, "Mail threading").
	possession bool
}

// thread finds the ticket a message refers to, in DESIGN.md's order:
// (1) References / In-Reply-To naming a Message-ID the helpdesk sent or
// stored, (2) the subject's [#NNNNNN] token. Every look-up goes through
// the delivery's transaction.
func (in *Intake) thread(ctx context.Context, view tickets.View, d *delivery) (threading, error) {
	m := d.m
	// References before In-Reply-To, newest reference first: the closest
	// ancestor decides when a thread was merged.
	var ids []string
	for i := len(m.References) - 1; i >= 0; i-- {
		ids = append(ids, m.References[i])
	}
	ids = append(ids, m.InReplyTo...)
	var th threading
	for _, id := range ids {
		// Our own ids carry their ticket, signed: they thread even when
		// the stored id is gone or a client rewrote References.
		num, _, ok := in.ids.Verify(id)
		if !ok || num == "" {
			continue
		}
		if th.ticket == nil {
			t, err := view.TicketByNumber(ctx, num)
			if errors.Is(err, tickets.ErrNotFound) {
				continue
			}
			if err != nil {
				return threading{}, err
			}
			th = threading{ticket: t, how: "message-id"}
		}
		// (A ticket's number, or one merged into it: its mail is this
		// ticket's now.)
		if th.ticket.HasNumber(num) && in.ids.SentTo(id, d.from) {
			th.possession = true
			break
		}
	}
	if th.ticket != nil {
		return th, nil
	}
	if t, err := view.TicketByMessageID(ctx, ids...); err == nil {
		return threading{ticket: t, how: "message-id"}, nil
	} else if !errors.Is(err, tickets.ErrNotFound) {
		return threading{}, err
	}
	if num, ok := TicketToken(m.Subject); ok {
		t, err := view.TicketByNumber(ctx, num)
		if errors.Is(err, tickets.ErrNotFound) {
			return threading{}, nil
		}
		if err != nil {
			return threading{}, err
		}
		return threading{ticket: t, how: "subject"}, nil
	}
	return threading{}, nil
}
