package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrChanged: a conditional Patch found the ticket no longer as its caller
// saw it (a citizen reopened it meanwhile). It is a conflict.
var ErrChanged = fmt.Errorf("%w: the ticket changed meanwhile", ErrConflict)

// ErrStale: an agent's response or change came from a page older than
// what someone else has since written on the ticket (Post.SeenEntry,
// Patch.SeenEntry). Nothing was done; the agent reads and confirms.
var ErrStale = fmt.Errorf("%w: the ticket has new entries since the page was loaded", ErrConflict)

// Patch is one intent's changes to a ticket: all of them, checked before
// any is made, in one transaction, or none.
type Patch struct {
	Status   string // "" leaves it
	Priority string // "" leaves it
	// DepartmentID transfers the ticket (0 leaves it), with Reason. The
	// reason is for agents (an internal note) unless TellCitizen: then it
	// is in the event the citizen sees, and they are mailed it.
	DepartmentID int
	Reason       string
	TellCitizen  bool
	// Assign changes the assignee to AssigneeID; 0 releases it.
	Assign     bool
	AssigneeID int
	// TopicID or Topic (a name) changes the help topic; the department
	// stays (a transfer is its own decision).
	TopicID int
	Topic   string
	// AddCollaborators and RemoveCollaborators (addresses) change who gets
	// the ticket's updates besides its owner.
	AddCollaborators    []Address
	RemoveCollaborators []string

	// SeenEntry, when not 0, is the newest entry the agent's page showed:
	// if someone else has written on the ticket since, nothing changes
	// and the error is ErrStale.
	SeenEntry int64

	// IfStatus makes the patch conditional: it applies only if the ticket,
	// once locked, still has this status; else nothing changes and the
	// error is ErrChanged. A job that chose the ticket from a read made
	// before the lock decides again on the locked row with it.
	IfStatus string
	// IfResolvedBefore (not zero) also requires that the ticket was
	// resolved at or before this time, not resolved again after a reopen.
	IfResolvedBefore time.Time
}

// Update applies p to the ticket as a.
func (s *Store) Update(ctx context.Context, ticketID int64, a Actor, p Patch) error {
	return s.InTx(ctx, func(tx *Tx) error { return s.UpdateTx(ctx, tx, ticketID, a, p) })
}

// UpdateTx is Update inside the caller's transaction (an agent's command
// lines by mail). Every look-up goes through tx.
func (s *Store) UpdateTx(ctx context.Context, tx *Tx, ticketID int64, a Actor, p Patch) error {
	if err := checkActor(a); err != nil {
		return wrap("update", err)
	}
	t, err := s.getTicket(ctx, tx, "t.id = $1", ticketID, true)
	if err != nil {
		return wrap("update", err)
	}
	if a.Kind == ActorAgent && !a.Agent.CanSeeDepartment(t.DepartmentID) {
		return wrap("update", ErrForbidden)
	}
	if !p.holds(t) {
		return wrap("update", ErrChanged)
	}
	if err := s.checkSeen(ctx, tx, t.ID, p.SeenEntry, a); err != nil {
		return wrap("update", err)
	}
	c, err := s.checkPatch(ctx, tx, t, &p)
	if ve := (*ValidationError)(nil); errors.As(err, &ve) {
		return err
	} else if err != nil {
		return wrap("update", err)
	}

	dept, to, topic, collab := c.dept, c.to, c.topic, c.collab
	if dept.ID != t.DepartmentID {
		if t, err = s.transfer(ctx, tx, t, a, dept, p.Reason, p.TellCitizen); err != nil {
			return wrap("update", err)
		}
	}
	if topic != nil {
		if t, err = s.setTopic(ctx, tx, t, a, topic); err != nil {
			return wrap("update", err)
		}
	}
	if !collab.empty() {
		if t, err = s.changeCollaborators(ctx, tx, t, a, collab); err != nil {
			return wrap("update", err)
		}
	}
	if p.Assign && !sameAssignee(t, to) {
		if err := s.setAssignee(ctx, tx, t, a, to, "assigned"); err != nil {
			return wrap("update", err)
		}
		if t, err = s.getTicket(ctx, tx, "t.id = $1", t.ID, false); err != nil {
			return wrap("update", err)
		}
	}
	if p.Priority != "" && p.Priority != t.Priority {
		if err := s.setPriority(ctx, tx, t, a, p.Priority); err != nil {
			return wrap("update", err)
		}
		if t, err = s.getTicket(ctx, tx, "t.id = $1", t.ID, false); err != nil {
			return wrap("update", err)
		}
	}
	if p.Status != "" && p.Status != t.Status {
		if err := s.setStatus(ctx, tx, t, a, p.Status); err != nil {
			return wrap("update", err)
		}
	}
	return nil
}

// checkedPatch is a patch validated for a ticket: the department the
// ticket will be in (nil when checked for no ticket and there is no
// transfer), the new assignee, the new topic (nil: unchanged) and the
// change of collaborators.
type checkedPatch struct {
	dept   *Department
	to     *Agent
	topic  *Topic
	collab collabChange
}

// checkPatch validates p, normalizing it, for ticket t (nil: for any
// ticket, before a bulk change reads them; topic and collaborators are
// then not checked, a bulk change has none). Every field is checked
// before anything changes.
func (s *Store) checkPatch(ctx context.Context, q queryer, t *Ticket, p *Patch) (checkedPatch, error) {
	var c checkedPatch
	v := &ValidationError{}
	p.Status = strings.ToLower(strings.TrimSpace(p.Status))
	if p.Status != "" && !ValidStatus(p.Status) {
		v.add("status", "must be open, resolved or closed")
	}
	p.Priority = strings.ToLower(strings.TrimSpace(p.Priority))
	if p.Priority != "" && !ValidPriority(p.Priority) {
		v.add("priority", "must be low, normal, high or emergency")
	}
	view := View{s, q}
	var dept *Department
	if t != nil {
		dept = &Department{ID: t.DepartmentID, Name: t.DepartmentName}
	}
	if p.DepartmentID != 0 {
		if t == nil || p.DepartmentID != t.DepartmentID {
			d, err := view.DepartmentByID(ctx, p.DepartmentID)
			switch {
			case errors.Is(err, ErrNotFound):
				v.add("department", "no such department")
			case err != nil:
				return c, err
			default:
				dept = d
			}
		}
		p.Reason = strings.TrimSpace(p.Reason)
		if p.Reason == "" {
			v.add("reason", "a reason for the transfer is required")
		}
	}
	var to *Agent
	if p.Assign && p.AssigneeID != 0 {
		var err error
		to, err = view.AgentByID(ctx, p.AssigneeID)
		switch {
		case errors.Is(err, ErrNotFound):
			v.add("assignee", "no such agent")
		case err != nil:
			return c, err
		case dept == nil && !to.Active:
			v.add("assignee", "no such agent")
		case dept != nil && (!to.Active || !to.CanSeeDepartment(dept.ID)):
			v.add("assignee", to.Name+" cannot work tickets of "+dept.Name)
		}
	}
	c.dept, c.to = dept, to
	if t != nil {
		topic, err := s.patchTopic(ctx, view, v, p, t)
		if err != nil {
			return c, err
		}
		c.topic = topic
		c.collab = p.collaborators(v, t)
	}
	return c, v.err()
}

// holds reports whether the patch's preconditions hold for t, locked.
func (p *Patch) holds(t *Ticket) bool {
	if p.IfStatus != "" && t.Status != strings.ToLower(strings.TrimSpace(p.IfStatus)) {
		return false
	}
	if !p.IfResolvedBefore.IsZero() && (!t.ResolvedAt.Valid || t.ResolvedAt.Time.After(p.IfResolvedBefore)) {
		return false
	}
	return true
}

func sameAssignee(t *Ticket, to *Agent) bool {
	if to == nil {
		return !t.AssigneeID.Valid
	}
	return t.AssigneeID.Valid && t.AssigneeID.Int64 == int64(to.ID)
}

func checkActor(a Actor) error {
	if a.Kind == ActorUser {
		return ErrForbidden
	}
	if a.Kind == ActorAgent && (a.Agent == nil || !a.Agent.Active) {
		return ErrForbidden
	}
	return nil
}
