package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/lib/pq"
)

// ErrMerged: the ticket was already merged into another; its number
// leads there, but it has no thread of its own to merge any more.
var ErrMerged = fmt.Errorf("%w: the ticket was already merged into another", ErrConflict)

// Messages of a merge refused.
const (
	MsgMergeSelf    = "a ticket cannot be merged into itself"
	MsgNoSuchTicket = "no such ticket"
)

// Merge merges ticket number from into ticket number into, as a: from's
// entries (with their attachments) and Message-IDs move to into, from's
// owner and collaborators become into's collaborators, and from stays
// behind as a closed stub whose number leads to into (TicketByNumber,
// progress links, replies to its mail). Both tickets get an event, and
// hooks a ChangeMerged, through which from's people are told by mail.
//
// An agent must be able to see both departments: one who cannot see
// from gets ErrForbidden, one who cannot see into gets the same field
// error as for a number that does not exist. into may itself be a
// merged ticket's number: the merge goes to the ticket it leads to.
func (s *Store) Merge(ctx context.Context, a Actor, from, into string) (*Ticket, error) {
	if err := checkActor(a); err != nil {
		return nil, wrap("merge", err)
	}
	var out *Ticket
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = s.merge(ctx, tx, a, from, into)
		return err
	})
	if err != nil {
		return nil, wrap("merge", err)
	}
	s.log.Info("tickets merged", "ticket", out.Number, "from", strings.TrimPrefix(strings.TrimSpace(from), "#"))
	return out, nil
}

func (s *Store) merge(ctx context.Context, tx *Tx, a Actor, fromNumber, intoNumber string) (*Ticket, error) {
	fromNumber = strings.TrimPrefix(strings.TrimSpace(fromNumber), "#")
	intoNumber = strings.TrimPrefix(strings.TrimSpace(intoNumber), "#")
	noInto := func(msg string) error {
		v := &ValidationError{}
		v.add("into", msg)
		return v
	}
	var ids struct {
		From sql.NullInt64 `db:"from_id"`
		Into sql.NullInt64 `db:"into_id"`
	}
	if !storable(fromNumber) || !storable(intoNumber) {
		return nil, ErrNotFound
	}
	if err := tx.GetContext(ctx, &ids, `SELECT
		(SELECT id FROM tickets WHERE number = $1) AS from_id,
		(SELECT coalesce(merged_into, id) FROM tickets WHERE number = $2) AS into_id`, fromNumber, intoNumber); err != nil {
		return nil, err
	}
	if !ids.From.Valid {
		return nil, ErrNotFound
	}
	if !ids.Into.Valid {
		return nil, noInto(MsgNoSuchTicket)
	}
	if ids.From.Int64 == ids.Into.Int64 {
		return nil, noInto(MsgMergeSelf)
	}
	// Both rows locked, in one order, so two merges of the same pair
	// cannot wait for each other.
	if _, err := tx.ExecContext(ctx, `SELECT id FROM tickets WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
		pq.Array([]int64{ids.From.Int64, ids.Into.Int64})); err != nil {
		return nil, err
	}
	src, err := s.getTicket(ctx, tx, "t.id = $1", ids.From.Int64, false)
	if err != nil {
		return nil, err
	}
	dst, err := s.getTicket(ctx, tx, "t.id = $1", ids.Into.Int64, false)
	if err != nil {
		return nil, err
	}
	if a.Kind == ActorAgent && !a.Agent.CanSeeDepartment(src.DepartmentID) {
		return nil, ErrForbidden
	}
	if src.MergedInto.Valid {
		return nil, ErrMerged
	}
	if dst.MergedInto.Valid {
		// (Merges are flattened, so this is a stub whose target is gone.)
		return nil, noInto(MsgNoSuchTicket)
	}
	if a.Kind == ActorAgent && !a.Agent.CanSeeDepartment(dst.DepartmentID) {
		return nil, noInto(MsgNoSuchTicket)
	}
	// src's people join dst, as collaborators.
	people := map[int64]bool{src.OwnerID: true}
	for _, c := range src.Collaborators {
		people[c.ID] = true
	}
	delete(people, dst.OwnerID)
	for _, c := range dst.Collaborators {
		delete(people, c.ID)
	}
	if len(dst.Collaborators)+len(people) > MaxCollaborators {
		return nil, noInto(MsgTooManyCollaborators)
	}
	now := s.now()
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO ticket_collaborators (ticket_id, user_id)
			SELECT $1, u FROM unnest($2::bigint[]) AS u ON CONFLICT DO NOTHING`, []any{dst.ID, pq.Array(keys(people))}},
		{`DELETE FROM ticket_collaborators WHERE ticket_id = $1`, []any{src.ID}},
		{`UPDATE entries SET ticket_id = $2 WHERE ticket_id = $1`, []any{src.ID, dst.ID}},
		{`UPDATE message_ids SET ticket_id = $2 WHERE ticket_id = $1`, []any{src.ID, dst.ID}},
		// One hop always reaches a live ticket.
		{`UPDATE tickets SET merged_into = $2 WHERE merged_into = $1`, []any{src.ID, dst.ID}},
		{`UPDATE tickets SET refers_to = $2 WHERE refers_to = $1 AND id <> $2`, []any{src.ID, dst.ID}},
		{`UPDATE tickets SET refers_to = NULL WHERE id = $1 AND refers_to IN ($1, $2)`, []any{dst.ID, src.ID}},
		// The old number and every word of the old thread find dst.
		{`UPDATE tickets d SET updated_at = $3,
			last_message_at = greatest(d.last_message_at, s.last_message_at),
			last_response_at = greatest(d.last_response_at, s.last_response_at),
			search = CASE WHEN length(d.search) < 20000 THEN d.search || s.search || to_tsvector('simple', s.number) ELSE d.search END
			FROM tickets s WHERE d.id = $2 AND s.id = $1`, []any{src.ID, dst.ID, now}},
		{`UPDATE tickets SET merged_into = $2, status = 'closed', closed_at = coalesce(closed_at, $3), overdue = false,
			updated_at = $3, search = '' WHERE id = $1`, []any{src.ID, dst.ID, now}},
		{`DELETE FROM ticket_presence WHERE ticket_id = $1`, []any{src.ID}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return nil, err
		}
	}
	if _, err := s.event(ctx, tx, dst, a, "merged", map[string]string{"from": src.Number, "subject": src.Subject}); err != nil {
		return nil, err
	}
	if _, err := s.event(ctx, tx, src, a, "merged_into", map[string]string{"into": dst.Number}); err != nil {
		return nil, err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", dst.ID, false)
	if err != nil {
		return nil, err
	}
	return nt, s.fire(ctx, tx, &Change{Kind: ChangeMerged, Ticket: nt, From: src, Actor: a,
		Detail: map[string]string{"from": src.Number, "from_id": fmt.Sprint(src.ID)}})
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
