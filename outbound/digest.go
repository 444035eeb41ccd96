package outbound

import (
	"context"
	"errors"
	"fmt"

	"github.com/kemsos/helpdesk/tickets"
	"github.com/lib/pq"
)

// digestWhat says in a digest what each held notice was.
var digestWhat = map[string]map[NoticeKind]string{
	"id": {
		TicketAutoresponse: "Permohonan Anda diterima dengan nomor tiket ini.",
		TicketReopened:     "Tiket dibuka kembali karena balasan Anda.",
		StatusResolved:     "Tiket dinyatakan selesai.",
		StatusClosed:       "Tiket ditutup.",
		StatusLink:         "Tautan untuk melihat perkembangan tiket ini, yang Anda minta.",
		AlertNewTicket:     "Tiket baru.",
		AlertTransfer:      "Tiket dialihkan ke bagian Anda.",
		AlertAssigned:      "Tiket ditugaskan kepada Anda.",
		AlertOverdue:       "Tiket melewati batas waktu.",
		AlertUnverified:    "Email atas nama Anda tidak terverifikasi.",
		AlertRefused:       "Email Anda tidak dicatat.",
		AlertCommands:      "Hasil perintah dalam email Anda.",
		AlertMessage:       "Pesan baru dari pemohon.",
		TicketMerged:       "Tiket Anda digabungkan dengan tiket ini.",
		TicketTransferred:  "Tiket dialihkan ke bagian lain.",
	},
	"en": {
		TicketAutoresponse: "Your request was received under this ticket number.",
		TicketReopened:     "The ticket was reopened by your reply.",
		StatusResolved:     "The ticket was resolved.",
		StatusClosed:       "The ticket was closed.",
		StatusLink:         "The link to this ticket's progress you asked for.",
		AlertNewTicket:     "New ticket.",
		AlertTransfer:      "Ticket transferred to your department.",
		AlertAssigned:      "Ticket assigned to you.",
		AlertOverdue:       "Ticket overdue.",
		AlertUnverified:    "Mail in your name could not be verified.",
		AlertRefused:       "Your mail was not filed.",
		AlertCommands:      "Results of the commands in your mail.",
		AlertMessage:       "New message from the requester.",
		TicketMerged:       "Your ticket was merged into this one.",
		TicketTransferred:  "The ticket was passed on to another department.",
	},
}

// SendDigests folds each recipient's held notices into one digest mail,
// at most one digest per recipient per DigestEvery, and returns how many
// it queued. The held rows stay, marked as sent in that digest.
func (ob *Outbox) SendDigests(ctx context.Context) (int, error) {
	// "Not suppressed" lets the recent-digest check use the recipient's
	// range of outbox_recipient_live_idx (a digest not sent does not
	// count): without it, every run read the whole outbox, 5 to 15 s at
	// a million tickets' mail (hdbench).
	var rcpts []string
	err := ob.o.Store.DB().SelectContext(ctx, &rcpts, `SELECT h.recipient FROM outbox h WHERE h.status = 'held'
		GROUP BY h.recipient
		HAVING NOT EXISTS (SELECT 1 FROM outbox d WHERE d.recipient = h.recipient AND d.kind = 'digest'
			AND d.created_at > $1::timestamptz - make_interval(secs => $2) AND d.status <> 'suppressed')`,
		ob.o.Store.Now(), ob.o.DigestEvery.Seconds())
	if err != nil {
		return 0, fmt.Errorf("outbound: digests: %w", err)
	}
	n := 0
	for _, r := range rcpts {
		sent, err := ob.digest(ctx, r)
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	return n, nil
}

// digest queues one recipient's digest, in one transaction with the
// marking of the rows it carries.
func (ob *Outbox) digest(ctx context.Context, recipient string) (bool, error) {
	sent := false
	err := ob.o.Store.InTx(ctx, func(tx *tickets.Tx) error {
		var held []struct {
			ID      int64  `db:"id"`
			Kind    string `db:"kind"`
			Number  string `db:"number"`
			Subject string `db:"subject"`
		}
		// SKIP LOCKED: two processes running the job never fold a row twice.
		if err := tx.SelectContext(ctx, &held, `SELECT o.id, o.kind, t.number, t.subject FROM outbox o JOIN tickets t ON t.id = o.ticket_id
			WHERE o.status = 'held' AND o.recipient = $1 ORDER BY o.id LIMIT 500 FOR UPDATE OF o SKIP LOCKED`, recipient); err != nil {
			return err
		}
		if len(held) == 0 {
			return nil
		}
		n := notice{kind: Digest, to: tickets.Address{Email: recipient}}
		view := ob.o.Store.In(tx)
		a, err := view.AgentByEmail(ctx, recipient)
		switch {
		case err == nil:
			n.to.Name, n.lang, n.tz, n.data.ForAgent = a.Name, a.Lang, a.Timezone, true
		case errors.Is(err, tickets.ErrNotFound):
			u, err := view.UserByEmail(ctx, recipient)
			if err != nil {
				return err
			}
			n.to.Name, n.to.ID, n.lang, n.tz = u.Name, u.ID, u.Lang, u.Timezone
		default:
			return err
		}
		lang := n.lang
		if lang != "en" {
			lang = "id"
		}
		ids := make(pq.Int64Array, 0, len(held))
		for _, h := range held {
			it := DigestItem{Number: h.Number, Token: "[#" + h.Number + "]", Subject: h.Subject, What: digestWhat[lang][NoticeKind(h.Kind)]}
			if n.data.ForAgent {
				it.Link = ob.o.BaseURL + "/agent/tickets/" + h.Number
			} else {
				it.Link = ob.ProgressLink(h.Number, n.to.ID)
			}
			n.data.Items = append(n.data.Items, it)
			ids = append(ids, h.ID)
		}
		row := outboxRow{kind: string(Digest), recipient: recipient, status: "queued", messageID: ob.ids.New("", 0, recipient)}
		if row.subject, row.data, err = ob.compose(n, row.messageID, nil); err != nil {
			return err
		}
		inserted, err := ob.insert(ctx, tx, []outboxRow{row})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'digested', digest_id = $2 WHERE id = ANY($1)`, ids, inserted[0]); err != nil {
			return err
		}
		sent = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("outbound: digest: %w", err)
	}
	if sent {
		ob.poke()
	}
	return sent, nil
}
