package tickets

import (
	"context"
	"fmt"
	"strings"
)

// Messages of collaborator changes refused, for the forms to translate.
const (
	MsgCollaboratorIsOwner   = "the owner already gets the ticket's updates"
	MsgNotCollaborator       = "not a collaborator of this ticket"
	MsgTooManyCollaborators  = "too many collaborators"
	MsgCollaboratorAddRemove = "added and removed at once"
)

// collabChange is a validated change of a ticket's collaborators.
type collabChange struct {
	add    []Address
	remove []Address // as they are on the ticket
}

func (c collabChange) empty() bool { return len(c.add) == 0 && len(c.remove) == 0 }

// collaborators checks the patch's collaborator changes against t,
// recording problems in v. Adding someone already on the ticket is no
// change; removing someone who is not on it is an error, so that a typo
// is not taken for done.
func (p *Patch) collaborators(v *ValidationError, t *Ticket) collabChange {
	var c collabChange
	on := map[string]Address{}
	for _, x := range t.Collaborators {
		on[NormalizeEmail(x.Email)] = x
	}
	removing := map[string]bool{}
	for i, e := range p.RemoveCollaborators {
		email := NormalizeEmail(e)
		x, ok := on[email]
		switch {
		case email == "":
			v.add(fmt.Sprintf("remove_collaborators[%d]", i), "a valid email address is required")
		case !ok:
			v.add(fmt.Sprintf("remove_collaborators[%d]", i), MsgNotCollaborator)
		case !removing[email]:
			removing[email] = true
			c.remove = append(c.remove, x)
		}
	}
	adding := map[string]bool{}
	for i, a := range p.AddCollaborators {
		email := NormalizeEmail(a.Email)
		field := fmt.Sprintf("add_collaborators[%d]", i)
		switch {
		case email == "" || !ValidEmail(email):
			v.add(field, "a valid email address is required")
		case !oneLine(a.Name):
			v.add(field, MsgOneLine)
		case strings.EqualFold(email, t.OwnerEmail):
			v.add(field, MsgCollaboratorIsOwner)
		case removing[email]:
			v.add(field, MsgCollaboratorAddRemove)
		case adding[email]:
		default:
			if _, ok := on[email]; !ok {
				adding[email] = true
				c.add = append(c.add, Address{Email: email, Name: strings.TrimSpace(a.Name)})
			}
		}
	}
	if len(t.Collaborators)+len(c.add)-len(c.remove) > MaxCollaborators {
		v.add("add_collaborators", MsgTooManyCollaborators)
	}
	return c
}

// changeCollaborators applies c to t: an event for each person added or
// removed, one change for the hooks. It returns the ticket as after.
func (s *Store) changeCollaborators(ctx context.Context, tx *Tx, t *Ticket, a Actor, c collabChange) (*Ticket, error) {
	var added, removed []string
	for _, x := range c.add {
		u, err := s.EnsureUser(ctx, tx, x)
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO ticket_collaborators (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, t.ID, u.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if _, err := s.event(ctx, tx, t, a, "collaborator_added", personData(u.Email, u.Name)); err != nil {
			return nil, err
		}
		added = append(added, u.Email)
	}
	for _, x := range c.remove {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ticket_collaborators WHERE ticket_id = $1 AND user_id = $2`, t.ID, x.ID); err != nil {
			return nil, err
		}
		if _, err := s.event(ctx, tx, t, a, "collaborator_removed", personData(x.Email, x.Name)); err != nil {
			return nil, err
		}
		removed = append(removed, x.Email)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = $2 WHERE id = $1`, t.ID, s.now()); err != nil {
		return nil, err
	}
	nt, err := s.getTicket(ctx, tx, "t.id = $1", t.ID, false)
	if err != nil {
		return nil, err
	}
	return nt, s.fire(ctx, tx, &Change{Kind: ChangeCollaborators, Ticket: nt, Actor: a,
		Detail: map[string]string{"added": strings.Join(added, ", "), "removed": strings.Join(removed, ", ")}})
}

// personData is an event's "who": their address, and their name when
// they have one.
func personData(email, name string) map[string]string {
	d := map[string]string{"email": email}
	if name != "" {
		d["name"] = name
	}
	return d
}
