package tickets

import (
	"context"
	"time"
)

// Collision safety: two agents must not answer one ticket without knowing
// of each other. The ticket page says who else has it open (a heartbeat
// per agent and ticket, in the database so every process sees it) and who
// wrote since it was loaded; a response or a change sent from a page
// older than someone else's entry is refused with ErrStale.

// PresenceFresh is how long a heartbeat counts: the page beats every
// ~20 s, so an agent is gone after missing about three.
const PresenceFresh = 60 * time.Second

// Presence is an agent who has a ticket open.
type Presence struct {
	AgentID int       `db:"agent_id"`
	Name    string    `db:"name"`
	SeenAt  time.Time `db:"seen_at"`
}

// Activity is what a ticket page learns at each heartbeat: who else has
// the ticket open, and what others wrote since the page was loaded.
type Activity struct {
	Viewers []Presence
	New     []Entry // oldest first; notes included (agents see them)
}

// Heartbeat records that agent has ticket t open (as the caller loaded it
// for the page) and returns the others who do and the entries written by
// others after entry id seen (0: none asked). An agent who may not see
// the ticket's department gets ErrForbidden.
func (s *Store) Heartbeat(ctx context.Context, t *Ticket, agent *Agent, seen int64) (*Activity, error) {
	if !agent.Active || !agent.CanSeeDepartment(t.DepartmentID) {
		return nil, wrap("heartbeat", ErrForbidden)
	}
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO ticket_presence (ticket_id, agent_id, seen_at) VALUES ($1, $2, $3)
		ON CONFLICT (ticket_id, agent_id) DO UPDATE SET seen_at = EXCLUDED.seen_at`, t.ID, agent.ID, now); err != nil {
		return nil, wrap("heartbeat", err)
	}
	act := &Activity{}
	if err := s.db.SelectContext(ctx, &act.Viewers, `SELECT p.agent_id, a.name, p.seen_at
		FROM ticket_presence p JOIN agents a ON a.id = p.agent_id
		WHERE p.ticket_id = $1 AND p.agent_id <> $2 AND p.seen_at > $3 AND a.active ORDER BY a.name`,
		t.ID, agent.ID, now.Add(-PresenceFresh)); err != nil {
		return nil, wrap("heartbeat", err)
	}
	if seen > 0 {
		if err := s.db.SelectContext(ctx, &act.New, `SELECT e.id, e.ticket_id, e.kind, e.user_id, e.agent_id,
			coalesce(u.email, a.email) AS author_email, coalesce(u.name, a.name) AS author_name,
			e.body, e.body_html, e.event, e.event_data, e.source, e.message_id, e.auth, e.auth_detail, e.created_at
			FROM entries e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN agents a ON a.id = e.agent_id
			WHERE e.ticket_id = $1 AND `+byOthersSince+` ORDER BY e.id LIMIT 20`, t.ID, seen, agent.ID); err != nil {
			return nil, wrap("heartbeat", err)
		}
	}
	return act, nil
}

// Leave forgets that agent has the ticket open (the page was closed).
func (s *Store) Leave(ctx context.Context, ticketID int64, agentID int) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM ticket_presence WHERE ticket_id = $1 AND agent_id = $2`, ticketID, agentID)
	return wrap("leave", err)
}

// byOthersSince picks the entries ($2: after this id) that someone other
// than the agent ($3) wrote or did; the helpdesk's own events (a ticket
// marked overdue) do not count: nobody else is at work there.
const byOthersSince = `e.id > $2 AND e.agent_id IS DISTINCT FROM $3
	AND NOT (e.kind = 'event' AND e.user_id IS NULL AND e.agent_id IS NULL)`

// checkSeen refuses, with ErrStale, a change made as a from a page that
// showed the thread up to entry seen, when others have written since.
// seen 0 asks nothing (mail, the API, jobs). It runs on the locked ticket,
// so nothing can slip in between the check and the change.
func (s *Store) checkSeen(ctx context.Context, tx *Tx, ticketID, seen int64, a Actor) error {
	if seen <= 0 {
		return nil
	}
	var newer bool
	if err := tx.GetContext(ctx, &newer, `SELECT EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = $1 AND `+byOthersSince+`)`,
		ticketID, seen, a.agentID()); err != nil {
		return err
	}
	if newer {
		return ErrStale
	}
	return nil
}

// purgePresence forgets heartbeats long past.
func (s *Store) purgePresence(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM ticket_presence WHERE seen_at < $1`, s.now().Add(-time.Hour))
	if err != nil {
		return 0, wrap("purge presence", err)
	}
	return res.RowsAffected()
}
