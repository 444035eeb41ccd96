package tickets

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/lib/pq"
)

// View reads the domain through one querier: the pool, or the transaction
// of a change in progress. Every look-up a change makes while it holds its
// transaction goes through that transaction: a second connection taken
// from the pool meanwhile can wait for ever once the pool is full of
// changes waiting the same way.
type View struct {
	s *Store
	q queryer
}

// In returns the view through tx.
func (s *Store) In(tx *Tx) View { return View{s, tx} }

func (s *Store) pool() View { return View{s, s.db} }

// TicketByNumber returns the ticket with that number: for the number of a
// ticket merged into another, that other one. Links, mail and the API
// that name the old number so reach the thread that holds it now.
func (v View) TicketByNumber(ctx context.Context, number string) (*Ticket, error) {
	t, err := v.s.getTicket(ctx, v.q, "t.id = (SELECT coalesce(n.merged_into, n.id) FROM tickets n WHERE n.number = $1)",
		strings.TrimPrefix(strings.TrimSpace(number), "#"), false)
	return t, wrap("ticket", err)
}

// TicketByID returns the ticket with that id.
func (v View) TicketByID(ctx context.Context, id int64) (*Ticket, error) {
	t, err := v.s.getTicket(ctx, v.q, "t.id = $1", id, false)
	return t, wrap("ticket", err)
}

// TicketByMessageID finds the ticket that a stored or sent Message-ID
// belongs to, the newest entry's first. Empty ids never match.
func (v View) TicketByMessageID(ctx context.Context, ids ...string) (*Ticket, error) {
	var clean []string
	for _, id := range ids {
		if id = CanonicalMessageID(id); id != "" {
			clean = append(clean, id)
		}
	}
	if len(clean) == 0 {
		return nil, wrap("ticket by message-id", ErrNotFound)
	}
	var tid int64
	err := v.s.prep(v.q).GetContext(ctx, &tid, `SELECT ticket_id FROM message_ids WHERE message_id = ANY($1)
		ORDER BY entry_id DESC NULLS LAST LIMIT 1`, pq.Array(clean))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("ticket by message-id", ErrNotFound)
	}
	if err != nil {
		return nil, wrap("ticket by message-id", err)
	}
	return v.TicketByID(ctx, tid)
}

// UserByEmail returns the user with that address.
func (v View) UserByEmail(ctx context.Context, email string) (*User, error) {
	return v.getUser(ctx, "lower(email) = lower($1)", NormalizeEmail(email))
}

// UserByID returns the user with that id.
func (v View) UserByID(ctx context.Context, id int64) (*User, error) {
	return v.getUser(ctx, "id = $1", id)
}

func (v View) getUser(ctx context.Context, where string, arg any) (*User, error) {
	return getOne[User](ctx, v, "user", "SELECT "+userColumns+" FROM users WHERE "+where, arg)
}

// getOne reads one row into a T; no row is ErrNotFound.
func getOne[T any](ctx context.Context, v View, what, query string, args ...any) (*T, error) {
	var x T
	err := v.s.prep(v.q).GetContext(ctx, &x, query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, wrap(what, err)
	}
	return &x, nil
}

// AgentByEmail returns the agent with that address.
func (v View) AgentByEmail(ctx context.Context, email string) (*Agent, error) {
	return v.getAgent(ctx, "lower(email) = lower($1)", NormalizeEmail(email))
}

// AgentByID returns the agent with that id.
func (v View) AgentByID(ctx context.Context, id int) (*Agent, error) {
	return v.getAgent(ctx, "id = $1", id)
}

func (v View) getAgent(ctx context.Context, where string, arg any) (*Agent, error) {
	// One round trip: this runs for every inbound message (is the sender
	// an agent?).
	var row struct {
		Agent
		Deps  pq.Int64Array `db:"deps"`
		Leads pq.Int64Array `db:"leads"`
	}
	err := v.s.prep(v.q).GetContext(ctx, &row, "SELECT "+agentColumns+`,
		ARRAY(SELECT department_id FROM agent_departments WHERE agent_id = agents.id ORDER BY department_id) AS deps,
		ARRAY(SELECT department_id FROM agent_departments WHERE agent_id = agents.id AND lead ORDER BY department_id) AS leads
		FROM agents WHERE `+where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, wrap("agent", err)
	}
	a := row.Agent
	for _, d := range row.Deps {
		a.Departments = append(a.Departments, int(d))
	}
	for _, d := range row.Leads {
		a.Leads = append(a.Leads, int(d))
	}
	return &a, nil
}

// DepartmentByName finds a department, case-insensitively.
func (v View) DepartmentByName(ctx context.Context, name string) (*Department, error) {
	if !storable(name) {
		return nil, wrap("department", ErrNotFound)
	}
	return v.getDepartment(ctx, "lower(name) = lower($1)", strings.TrimSpace(name))
}

// DepartmentByID finds a department.
func (v View) DepartmentByID(ctx context.Context, id int) (*Department, error) {
	return v.getDepartment(ctx, "id = $1", id)
}

func (v View) getDepartment(ctx context.Context, where string, arg any) (*Department, error) {
	return getOne[Department](ctx, v, "department", `SELECT id, name FROM departments WHERE `+where, arg)
}

// TopicByName finds a help topic, case-insensitively.
func (v View) TopicByName(ctx context.Context, name string) (*Topic, error) {
	if !storable(name) {
		return nil, wrap("topic", ErrNotFound)
	}
	return v.getTopic(ctx, "lower(ht.name) = lower($1)", strings.TrimSpace(name))
}

// TopicByID finds a help topic.
func (v View) TopicByID(ctx context.Context, id int) (*Topic, error) {
	return v.getTopic(ctx, "ht.id = $1", id)
}

func (v View) getTopic(ctx context.Context, where string, arg any) (*Topic, error) {
	return getOne[Topic](ctx, v, "topic", `SELECT `+topicColumns+` FROM help_topics ht JOIN departments d ON d.id = ht.department_id WHERE `+where, arg)
}

// Participant reports how email takes part in the ticket: its owner, a
// collaborator, or an active agent who may see its department. This is the
// one participant check for mail threading and access. agent is the active
// agent with that address, also when they may not see this ticket (they
// were moved to another department), so the caller can tell them so.
func (v View) Participant(ctx context.Context, t *Ticket, email string) (role ParticipantRole, agent *Agent, err error) {
	email = NormalizeEmail(email)
	if email == "" {
		return RoleNone, nil, nil
	}
	if role := citizenRole(t, 0, email); role != RoleNone {
		return role, nil, nil
	}
	a, err := v.AgentByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return RoleNone, nil, nil
	}
	if err != nil {
		return RoleNone, nil, err
	}
	if !a.Active {
		return RoleNone, nil, nil
	}
	if a.CanSeeDepartment(t.DepartmentID) {
		return RoleAgent, a, nil
	}
	return RoleNone, a, nil
}

// DepartmentFor is the department new mail to these addresses goes to:
// the routed topic's, else the default one (Support).
func (v View) DepartmentFor(ctx context.Context, addresses []string) (int, error) {
	topic, err := v.s.RouteFor(ctx, v.q, addresses)
	if err != nil {
		return 0, err
	}
	dept, _, _, err := v.s.routing(ctx, v.q, topic, 0)
	return dept, err
}
