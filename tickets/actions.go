package tickets

import (
	"context"
	"strings"
)

// change runs an agent's or the system's action on a locked ticket.
func (s *Store) change(ctx context.Context, op string, ticketID int64, a Actor, fn func(tx *Tx, t *Ticket) error) error {
	if err := checkActor(a); err != nil {
		return wrap(op, err)
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		t, err := s.getTicket(ctx, tx, "t.id = $1", ticketID, true)
		if err != nil {
			return err
		}
		if a.Kind == ActorAgent && !a.Agent.CanSeeDepartment(t.DepartmentID) {
			return ErrForbidden
		}
		return fn(tx, t)
	})
	return wrap(op, err)
}

// Claim assigns the ticket to the acting agent (Gambar 14). Claiming a
// ticket someone else holds is a conflict: use Assign to take it over.
func (s *Store) Claim(ctx context.Context, ticketID int64, agent *Agent) error {
	a := AgentActor(agent)
	return s.change(ctx, "claim", ticketID, a, func(tx *Tx, t *Ticket) error {
		if t.AssigneeID.Valid {
			if t.AssigneeID.Int64 == int64(agent.ID) {
				return nil
			}
			return ErrConflict
		}
		return s.setAssignee(ctx, tx, t, a, agent, "claimed")
	})
}

// Assign gives the ticket to agent to, who must be able to see its
// department; nil releases the assignment.
func (s *Store) Assign(ctx context.Context, ticketID int64, a Actor, to *Agent) error {
	p := Patch{Assign: true}
	if to != nil {
		p.AssigneeID = to.ID
	}
	return s.Update(ctx, ticketID, a, p)
}

// SetStatus changes the status. Setting Open on a Resolved or Closed ticket
// gives it a fresh due date, as a reopen on reply does.
func (s *Store) SetStatus(ctx context.Context, ticketID int64, a Actor, status string) error {
	if strings.TrimSpace(status) == "" {
		return &ValidationError{Fields: map[string]string{"status": "must be open, resolved or closed"}}
	}
	return s.Update(ctx, ticketID, a, Patch{Status: status})
}

// SetPriority changes the priority.
func (s *Store) SetPriority(ctx context.Context, ticketID int64, a Actor, priority string) error {
	if strings.TrimSpace(priority) == "" {
		return &ValidationError{Fields: map[string]string{"priority": "must be low, normal, high or emergency"}}
	}
	return s.Update(ctx, ticketID, a, Patch{Priority: priority})
}

// Transfer moves the ticket to another department, with a reason for the
// history (Gambar 19–21), kept as an internal note. An assignee who cannot
// see the new department is released.
func (s *Store) Transfer(ctx context.Context, ticketID int64, a Actor, departmentID int, reason string) error {
	return s.TransferTelling(ctx, ticketID, a, departmentID, reason, false)
}

// TransferTelling is Transfer where tell decides whether the citizen is
// told the reason: in the event of their thread, and by mail.
func (s *Store) TransferTelling(ctx context.Context, ticketID int64, a Actor, departmentID int, reason string, tell bool) error {
	if departmentID == 0 {
		return &ValidationError{Fields: map[string]string{"department": "no such department"}}
	}
	t, err := s.TicketByID(ctx, ticketID)
	if err != nil {
		return err
	}
	if t.DepartmentID == departmentID {
		return &ValidationError{Fields: map[string]string{"department": "the ticket is already in " + t.DepartmentName}}
	}
	return s.Update(ctx, ticketID, a, Patch{DepartmentID: departmentID, Reason: reason, TellCitizen: tell})
}

func (s *Store) setAssignee(ctx context.Context, tx *Tx, t *Ticket, a Actor, to *Agent, event string) error {
	var id any
	data := map[string]string{"to": ""}
	if to != nil {
		id = to.ID
		data["to"] = to.Name
	}
	if t.AssigneeName.Valid {
		data["from"] = t.AssigneeName.String
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET assignee_id = $2, updated_at = $3 WHERE id = $1`, t.ID, id, s.now()); err != nil {
		return err
	}
	if _, err := s.event(ctx, tx, t, a, event, data); err != nil {
		return err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return err
	}
	kind := ChangeAssigned
	if event == "claimed" {
		kind = ChangeClaimed
	}
	return s.fire(ctx, tx, &Change{Kind: kind, Ticket: nt, Actor: a, Detail: data})
}

func (s *Store) setStatus(ctx context.Context, tx *Tx, t *Ticket, a Actor, status string) error {
	now := s.now()
	var err error
	switch status {
	case StatusOpen:
		err = s.openAgain(ctx, tx, t, now)
	case StatusResolved:
		_, err = tx.ExecContext(ctx, `UPDATE tickets SET status = 'resolved', resolved_at = $2, closed_at = NULL, updated_at = $2 WHERE id = $1`, t.ID, now)
	case StatusClosed:
		_, err = tx.ExecContext(ctx, `UPDATE tickets SET status = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1`, t.ID, now)
	}
	if err != nil {
		return err
	}
	data := map[string]string{"from": t.Status, "to": status}
	if _, err := s.event(ctx, tx, t, a, "status", data); err != nil {
		return err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return err
	}
	return s.fire(ctx, tx, &Change{Kind: ChangeStatus, Ticket: nt, Actor: a, Detail: data})
}

func (s *Store) setPriority(ctx context.Context, tx *Tx, t *Ticket, a Actor, priority string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET priority = $2, updated_at = $3 WHERE id = $1`, t.ID, priority, s.now()); err != nil {
		return err
	}
	data := map[string]string{"from": t.Priority, "to": priority}
	if _, err := s.event(ctx, tx, t, a, "priority", data); err != nil {
		return err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return err
	}
	return s.fire(ctx, tx, &Change{Kind: ChangePriority, Ticket: nt, Actor: a, Detail: data})
}

// transfer moves t to dept; an assignee who cannot see it is released.
// The reason goes into the event the citizen sees only when tell; else it
// is an internal note next to it. It returns the ticket as it is after.
func (s *Store) transfer(ctx context.Context, tx *Tx, t *Ticket, a Actor, dept *Department, reason string, tell bool) (*Ticket, error) {
	keep := true
	if t.AssigneeID.Valid {
		as, err := s.In(tx).AgentByID(ctx, int(t.AssigneeID.Int64))
		if err != nil {
			return nil, err
		}
		keep = as.CanSeeDepartment(dept.ID)
	}
	q := `UPDATE tickets SET department_id = $2, updated_at = $3 WHERE id = $1`
	if !keep {
		q = `UPDATE tickets SET department_id = $2, updated_at = $3, assignee_id = NULL WHERE id = $1`
	}
	if _, err := tx.ExecContext(ctx, q, t.ID, dept.ID, s.now()); err != nil {
		return nil, err
	}
	data := map[string]string{"from": t.DepartmentName, "to": dept.Name}
	if tell {
		data["reason"] = reason
	} else {
		data["reason_note"] = "1"
	}
	if _, err := s.event(ctx, tx, t, a, "transferred", data); err != nil {
		return nil, err
	}
	if !tell {
		if _, err := s.insertEntry(ctx, tx, newEntry{TicketID: t.ID, Kind: KindNote, Actor: a, Body: reason, Source: SourceSystem}); err != nil {
			return nil, err
		}
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return nil, err
	}
	detail := map[string]string{"from": t.DepartmentName, "to": dept.Name, "reason": reason}
	if tell {
		detail["tell"] = "1"
	}
	return nt, s.fire(ctx, tx, &Change{Kind: ChangeTransferred, Ticket: nt, Actor: a, Detail: detail})
}
