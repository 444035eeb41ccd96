package tickets

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Session lifetimes. Idle sessions end so that a shared computer at a
// dinas sosial office does not stay signed in; none lives past the cap.
const (
	SessionIdle   = 12 * time.Hour
	SessionMaxAge = 30 * 24 * time.Hour
	// sessionTouch is how stale last_seen_at may get before a request
	// refreshes it: one write per few minutes, not per page.
	sessionTouch = 5 * time.Minute
)

// Session is a signed-in citizen (UserID) or agent (AgentID).
type Session struct {
	UserID     sql.NullInt64 `db:"user_id"`
	AgentID    sql.NullInt64 `db:"agent_id"`
	CreatedAt  time.Time     `db:"created_at"`
	LastSeenAt time.Time     `db:"last_seen_at"`
}

// CreateSession starts a session for a user (userID > 0) or an agent
// (agentID > 0) and returns its id; only the id's SHA-256 is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, agentID int) (string, error) {
	id, sum, err := newOpaqueToken()
	if err != nil {
		return "", wrap("create session", err)
	}
	var u, a any
	if userID > 0 {
		u = userID
	}
	if agentID > 0 {
		a = agentID
	}
	now := s.now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO web_sessions (id_hash, user_id, agent_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)`,
		sum, u, a, now)
	if err != nil {
		return "", wrap("create session", err)
	}
	return id, nil
}

// SessionByID returns the live session with that id, refreshing its idle
// timer; ErrNotFound when there is none or it expired.
func (s *Store) SessionByID(ctx context.Context, id string) (*Session, error) {
	if id == "" {
		return nil, wrap("session", ErrNotFound)
	}
	now := s.now()
	var ss Session
	err := s.db.GetContext(ctx, &ss, `SELECT user_id, agent_id, created_at, last_seen_at FROM web_sessions
		WHERE id_hash = $1 AND last_seen_at > $2 AND created_at > $3`, hashToken(id), now.Add(-SessionIdle), now.Add(-SessionMaxAge))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("session", ErrNotFound)
	}
	if err != nil {
		return nil, wrap("session", err)
	}
	if now.Sub(ss.LastSeenAt) > sessionTouch {
		if _, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1`, hashToken(id), now); err != nil {
			return nil, wrap("session", err)
		}
	}
	return &ss, nil
}

// DeleteSession ends a session (sign-out, or the old id on sign-in).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, hashToken(id))
	return wrap("delete session", err)
}

// PurgeSessions deletes expired sessions, for a scheduled job.
func (s *Store) PurgeSessions(ctx context.Context) (int64, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE last_seen_at <= $1 OR created_at <= $2`, now.Add(-SessionIdle), now.Add(-SessionMaxAge))
	if err != nil {
		return 0, wrap("purge sessions", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
