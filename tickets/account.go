package tickets

import (
	"context"
	"database/sql"
)

// UpdateProfile changes a citizen's name, address, phone and time zone.
func (s *Store) UpdateProfile(ctx context.Context, userID int64, p Profile) (*User, error) {
	v := &ValidationError{}
	p.validate(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	_, err := s.db.ExecContext(ctx, `UPDATE users SET name = $2, address = $3, phone = $4, timezone = $5, updated_at = $6 WHERE id = $1`,
		userID, p.Name, p.Address, p.Phone, p.Timezone, s.now())
	if err != nil {
		return nil, wrap("update profile", err)
	}
	s.log.Info("profile updated", "user", userID)
	return s.UserByID(ctx, userID)
}

// ChangePassword sets a signed-in citizen's new password when they know
// the current one, and ends their other sessions: a password is changed
// because someone else may know it. keepSession is the id of the session
// making the change.
func (s *Store) ChangePassword(ctx context.Context, userID int64, keepSession, current, password, confirm string) error {
	return s.changePassword(ctx, "users", "user_id", userID, keepSession, current, password, confirm)
}

// ChangeAgentPassword is ChangePassword for an agent.
func (s *Store) ChangeAgentPassword(ctx context.Context, agentID int, keepSession, current, password, confirm string) error {
	return s.changePassword(ctx, "agents", "agent_id", int64(agentID), keepSession, current, password, confirm)
}

// changePassword serves both kinds of account; table and sessionColumn
// are constants of the callers above.
func (s *Store) changePassword(ctx context.Context, table, sessionColumn string, id int64, keepSession, current, password, confirm string) error {
	v := &ValidationError{}
	validatePassword(v, password, confirm)
	if password != "" && password == current {
		v.add("password", "the new password must differ from the current one")
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		var hash sql.NullString
		if err := tx.GetContext(ctx, &hash, `SELECT password_hash FROM `+table+` WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		if !CheckPasswordOrDummy(hash.String, hash.Valid, current) {
			v.add("current", "the current password is wrong")
		}
		if err := v.err(); err != nil {
			return err
		}
		newHash, err := HashPassword(password)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET password_hash = $2 WHERE id = $1`, id, newHash); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE `+sessionColumn+` = $1 AND id_hash <> $2`, id, hashToken(keepSession))
		return err
	})
	if err != nil {
		return wrap("change password", err)
	}
	s.log.Info("password changed", "table", table, "id", id)
	return nil
}

// SetAgentPassword gives an agent a new password without the old one: an
// admin or the operator does it for an agent who forgot theirs (agents
// have no mailed reset). Every session of that agent ends.
func (s *Store) SetAgentPassword(ctx context.Context, agentID int, password string) error {
	v := &ValidationError{}
	validatePassword(v, password, password)
	if err := v.err(); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return wrap("set agent password", err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET password_hash = $2 WHERE id = $1`, agentID, hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE agent_id = $1`, agentID)
		return err
	})
	if err != nil {
		return wrap("set agent password", err)
	}
	s.log.Info("agent password set", "agent", agentID)
	return nil
}
