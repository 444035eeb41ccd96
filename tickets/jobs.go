package tickets

import (
	"context"
	"errors"
	"time"
)

// MarkOverdue flags open tickets whose due date has passed, each with an
// event and a change the outbox turns into an alert. It returns how many it
// marked. Each ticket is its own transaction, so one failure does not undo
// the others, and SKIP LOCKED lets a ticket being worked on wait for the
// next run.
func (s *Store) MarkOverdue(ctx context.Context, limit int) (int, error) {
	n := 0
	for n < limit {
		marked := false
		err := s.InTx(ctx, func(tx *Tx) error {
			var id int64
			err := tx.GetContext(ctx, &id, `SELECT id FROM tickets WHERE status = 'open' AND NOT overdue AND due_at <= $1
				ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`, s.now())
			if err != nil {
				return ignoreNoRows(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET overdue = true WHERE id = $1`, id); err != nil {
				return err
			}
			t, err := s.getTicket(ctx, tx, "t.id = $1", id, false)
			if err != nil {
				return err
			}
			if _, err := s.event(ctx, tx, t, System, "overdue", map[string]string{"due": t.DueAt.Time.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
			marked = true
			return s.fire(ctx, tx, &Change{Kind: ChangeOverdue, Ticket: t, Actor: System})
		})
		if err != nil {
			return n, wrap("mark overdue", err)
		}
		if !marked {
			break
		}
		n++
	}
	return n, nil
}

// EscalateOverdue raises the priority of overdue tickets one step (low to
// normal, normal to high, high to emergency) once they are overdue by more
// than after, once per overdue episode: a ticket is escalated again only
// after a reopen gave it a new due date. Each ticket is one transaction
// that locks it with the condition, so PostgreSQL checks the condition
// again on the row as it is once locked (a reopen committed meanwhile
// drops it), and records the escalation with the change; SKIP LOCKED
// leaves a ticket being worked on to the next run.
func (s *Store) EscalateOverdue(ctx context.Context, after time.Duration) (int, error) {
	next := map[string]string{"low": "normal", "normal": "high", "high": "emergency"}
	n := 0
	for n < 500 {
		escalated := false
		err := s.InTx(ctx, func(tx *Tx) error {
			var id int64
			err := tx.GetContext(ctx, &id, `SELECT id FROM tickets WHERE status = 'open' AND overdue AND due_at <= $1
				AND escalated_due_at IS DISTINCT FROM due_at AND priority IN ('low', 'normal', 'high')
				ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`, s.now().Add(-after))
			if err != nil {
				return ignoreNoRows(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET escalated_due_at = due_at WHERE id = $1`, id); err != nil {
				return err
			}
			t, err := s.getTicket(ctx, tx, "t.id = $1", id, false)
			if err != nil {
				return err
			}
			escalated = true
			return s.UpdateTx(ctx, tx, id, System, Patch{Priority: next[t.Priority], IfStatus: StatusOpen})
		})
		if err != nil {
			return n, wrap("escalate", err)
		}
		if !escalated {
			break
		}
		n++
	}
	return n, nil
}

// AutoClose closes tickets that stayed Resolved for longer than after:
// the citizen had their chance to say it is not solved. The list is read
// without locks; each close is conditional on the locked row, so a ticket
// reopened (or resolved again) since the list was read stays as it is.
func (s *Store) AutoClose(ctx context.Context, after time.Duration) (int, error) {
	cutoff := s.now().Add(-after)
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM tickets WHERE status = 'resolved' AND resolved_at <= $1 ORDER BY resolved_at LIMIT 1000`,
		cutoff); err != nil {
		return 0, wrap("auto close", err)
	}
	n := 0
	for _, id := range ids {
		err := s.Update(ctx, id, System, Patch{Status: StatusClosed, IfStatus: StatusResolved, IfResolvedBefore: cutoff})
		switch {
		case errors.Is(err, ErrChanged):
			continue
		case err != nil:
			return n, wrap("auto close", err)
		}
		n++
	}
	return n, nil
}

// PurgeExpired deletes what has run out: used or expired account tokens
// (an unconfirmed registration lives only in its token, so this purges
// unconfirmed accounts too), expired sessions, old heartbeats of ticket
// pages and old rate-limit buckets.
func (s *Store) PurgeExpired(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM account_tokens WHERE expires_at < $1 OR used_at < $1`, s.now().Add(-24*time.Hour))
	if err != nil {
		return 0, wrap("purge tokens", err)
	}
	n, _ := res.RowsAffected()
	m, err := s.PurgeSessions(ctx)
	if err != nil {
		return n, err
	}
	// Ticket tools (issue 12): heartbeats of pages long closed.
	h, err := s.purgePresence(ctx)
	if err != nil {
		return n + m, err
	}
	return n + m + h, s.PurgeRateLimits(ctx, 24*time.Hour)
}
