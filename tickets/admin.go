package tickets

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lib/pq"
)

// AgentUpdate is an admin's change to an agent: flags and departments.
type AgentUpdate struct {
	Active      bool
	Admin       bool
	Departments []int
	// Leads are the departments whose reports the agent sees; leading a
	// department makes them a member of it.
	Leads []int
}

// UpdateAgent sets an agent's flags and departments. An admin cannot take
// their own admin rights or account away, so the desk always keeps one.
func (s *Store) UpdateAgent(ctx context.Context, by *Agent, id int, u AgentUpdate) error {
	if by == nil || !by.IsAdmin {
		return wrap("update agent", ErrForbidden)
	}
	if by.ID == id && (!u.Admin || !u.Active) {
		v := &ValidationError{}
		v.add("admin", "you cannot remove your own admin rights or deactivate yourself")
		return v
	}
	if len(u.Departments) == 0 && len(u.Leads) == 0 && !u.Admin {
		v := &ValidationError{}
		v.add("department", "at least one department (or admin)")
		return v
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE agents SET active = $2, is_admin = $3 WHERE id = $1`, id, u.Active, u.Admin)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM agent_departments WHERE agent_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_departments (agent_id, department_id, lead)
			SELECT $1, id, coalesce(id = ANY($3), false) FROM departments WHERE id = ANY($2) OR id = ANY($3)`,
			id, pq.Array(u.Departments), pq.Array(u.Leads)); err != nil {
			return err
		}
		if !u.Active {
			// A deactivated agent is signed out everywhere at once.
			_, err = tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE agent_id = $1`, id)
		}
		return err
	})
	if err == nil {
		s.log.Info("agent updated", "agent", id, "by", by.ID, "active", u.Active, "admin", u.Admin, "leads", u.Leads)
	}
	return wrap("update agent", err)
}

// UpdateTopic sets a help topic's department and whether it is offered.
func (s *Store) UpdateTopic(ctx context.Context, id int, departmentID int, active bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE help_topics SET department_id = $2, active = $3 WHERE id = $1`, id, departmentID, active)
	if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23503" {
		v := &ValidationError{}
		v.add("department", "no such department")
		return v
	}
	if err != nil {
		return wrap("update topic", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("update topic", ErrNotFound)
	}
	return nil
}

// DepartmentByID returns a department.
func (s *Store) DepartmentByID(ctx context.Context, id int) (*Department, error) {
	var d Department
	err := s.db.GetContext(ctx, &d, `SELECT id, name FROM departments WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, wrap("department", err)
	}
	return &d, nil
}
