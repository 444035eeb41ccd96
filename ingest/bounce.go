package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// bounce files a delivery report. Anyone can write one, so it counts only
// when it names a Message-ID the helpdesk minted, and it marks as
// bouncing only the reported addresses that id was minted for: a forged
// report cannot silence a citizen. It attaches to the ticket of the mail
// that bounced and opens none; a report about nothing we sent is kept,
// listed for agents, and changes nothing.
func (in *Intake) bounce(ctx context.Context, tx *tickets.Tx, d *delivery) (string, error) {
	m := d.m
	d.res.Outcome = OutcomeBounce
	b := m.Bounce
	if b == nil {
		b = &Bounce{}
	}
	named := append([]string{b.OriginalMessageID}, m.InReplyTo...)
	named = append(named, m.References...)
	var ours []string
	number := ""
	for _, id := range named {
		if num, _, ok := in.ids.Verify(id); ok {
			ours = append(ours, id)
			if number == "" {
				number = num
			}
		}
	}
	if len(ours) == 0 {
		return "a delivery report that names no mail the helpdesk sent: nothing was marked", nil
	}
	var failed []string
	for _, r := range b.Recipients {
		for _, id := range ours {
			if in.ids.SentTo(id, r) {
				failed = append(failed, r)
				break
			}
		}
	}
	if b.Permanent && len(failed) > 0 {
		if err := in.store.MarkBouncing(ctx, tx, failed); err != nil {
			return "", err
		}
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
	switch {
	case !b.Permanent:
		summary += ". The failure may be temporary."
	case len(failed) == 0:
		summary += ". The report names no address that mail was sent to, so no address was marked as bouncing."
	case len(failed) < len(b.Recipients):
		summary += ". Only " + strings.Join(failed, ", ") + " received that mail from the helpdesk; only they are marked as bouncing."
	}
	if number == "" {
		return summary + "; it belongs to no ticket", nil
	}
	t, err := in.store.In(tx).TicketByNumber(ctx, number)
	if errors.Is(err, tickets.ErrNotFound) {
		return summary + "; its ticket is gone", nil
	}
	if err != nil {
		return "", err
	}
	e, err := in.store.SystemNote(ctx, tx, t.ID, tickets.Post{Body: summary, Source: tickets.SourceEmail, MessageID: m.MessageID, Headers: entryHeaders(m)})
	if err != nil {
		return "", err
	}
	d.res.Ticket, d.res.ticketID, d.res.EntryID = t.Number, t.ID, e.ID
	return summary, nil
}
