package tickets

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/lib/pq"
)

// NormalizeEmail trims and lower-cases an address; "" when it is not one.
// Local parts are case-sensitive in theory (RFC 5321 §2.4) but no mail
// system citizens use treats them so, and two accounts differing only in
// case would be a worse trap.
//
// The local part may be one quoted string (RFC 5322 §3.4.1), as the mail
// parser writes a local part that is not a dot-atom:
// "millions lottery"@example.com. Inside the quotes spaces, commas and
// semicolons belong to the mailbox; outside them they mean a list or a
// typo, and the address is refused.
func NormalizeEmail(s string) string {
	if !utf8.ValidString(s) {
		return "" // (ToLower would turn the bad bytes into U+FFFD: another address)
	}
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Trim(s, "<>")
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || !oneLine(s) ||
		strings.ContainsAny(s[at+1:], " \t,;") {
		return ""
	}
	if local := s[:at]; local[0] == '"' {
		// RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its
		// angle brackets.
		if len(s) > 254 || !quotedString(local) {
			return ""
		}
		return s
	}
	if strings.ContainsAny(s, " \t,;") {
		return ""
	}
	return s
}

// quotedString reports whether s is exactly one RFC 5322 quoted-string:
// a '"' inside must be escaped as a quoted pair.
func quotedString(s string) bool {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s)-1 {
				return false
			}
			i++
		case '"':
			return false
		}
	}
	return true
}

// ValidEmail reports whether s parses as a single plain address.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == strings.TrimSpace(s) && NormalizeEmail(s) != ""
}

const userColumns = `id, email, username, name, address, phone, timezone, lang, password_hash, confirmed_at, bouncing_at, created_at`

// EnsureUser returns the user with that address, creating one without a
// password when there is none (mail from a new citizen). A known user's name
// is filled in only when it was empty.
//
// It takes no row lock on a known user: an upsert's DO UPDATE would lock
// the row until commit and so serialise every concurrent transaction for a
// citizen who writes often.
func (s *Store) EnsureUser(ctx context.Context, q queryer, addr Address) (*User, error) {
	email := NormalizeEmail(addr.Email)
	if email == "" {
		v := &ValidationError{}
		v.add("email", "a valid email address is required")
		return nil, v
	}
	// Names from mail can carry anything (a folded or decoded display
	// name); web and API ones were checked by the caller.
	name := cleanLine(addr.Name)
	var u User
	err := s.prep(q).GetContext(ctx, &u, `
		WITH ins AS (
			INSERT INTO users (email, name) VALUES ($1, $2)
			ON CONFLICT ((lower(email))) DO NOTHING
			RETURNING `+userColumns+`
		)
		SELECT `+userColumns+` FROM ins
		UNION ALL
		SELECT `+userColumns+` FROM users WHERE lower(email) = $1
		LIMIT 1`, email, name)
	if errors.Is(err, sql.ErrNoRows) {
		// The conflicting row was committed after this statement's
		// snapshot: a new statement sees it.
		err = s.prep(q).GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE lower(email) = $1`, email)
	}
	if err != nil {
		return nil, wrap("ensure user", err)
	}
	if u.Name == "" && name != "" {
		if _, err := q.ExecContext(ctx, `UPDATE users SET name = $2, updated_at = now() WHERE id = $1 AND name = ''`, u.ID, name); err != nil {
			return nil, wrap("ensure user", err)
		}
		u.Name = name
	}
	return &u, nil
}

// UserByEmail returns the user with that address.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return s.pool().UserByEmail(ctx, email)
}

// UsersByEmail returns the users among emails, by normalized address, in
// q: one query for all the recipients of a change.
func (s *Store) UsersByEmail(ctx context.Context, q queryer, emails []string) (map[string]*User, error) {
	var us []User
	if err := s.prep(q).SelectContext(ctx, &us, `SELECT `+userColumns+` FROM users WHERE lower(email) = ANY($1)`,
		pq.Array(lowerAll(emails))); err != nil {
		return nil, wrap("users", err)
	}
	m := make(map[string]*User, len(us))
	for i := range us {
		m[NormalizeEmail(us[i].Email)] = &us[i]
	}
	return m, nil
}

// UserByLogin returns the user with that address or username.
func (s *Store) UserByLogin(ctx context.Context, login string) (*User, error) {
	login = strings.TrimSpace(login)
	if strings.Contains(login, "@") {
		return s.UserByEmail(ctx, login)
	}
	if !storable(login) {
		return nil, wrap("user", ErrNotFound)
	}
	return s.pool().getUser(ctx, "lower(username) = lower($1)", login)
}

// UserByID returns the user with that id.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.pool().UserByID(ctx, id)
}

const agentColumns = `id, email, name, password_hash, is_admin, active, lang, timezone, signature`

// NewAgent is an agent being created.
type NewAgent struct {
	Email       string
	Name        string
	Password    string // may be empty: the agent cannot sign in until one is set
	Departments []string
	Admin       bool
}

// CreateAgent adds an agent with access to the named departments.
func (s *Store) CreateAgent(ctx context.Context, n NewAgent) (*Agent, error) {
	v := &ValidationError{}
	email := NormalizeEmail(n.Email)
	if email == "" {
		v.add("email", "a valid email address is required")
	}
	if strings.TrimSpace(n.Name) == "" {
		v.add("name", "a name is required")
	}
	if n.Password != "" && len(n.Password) < 8 {
		v.add("password", "at least 8 characters")
	}
	if len(n.Departments) == 0 && !n.Admin {
		v.add("department", "at least one department (or admin)")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var hash any
	if n.Password != "" {
		h, err := HashPassword(n.Password)
		if err != nil {
			return nil, wrap("create agent", err)
		}
		hash = h
	}
	var id int
	err := s.InTx(ctx, func(tx *Tx) error {
		err := tx.GetContext(ctx, &id, `INSERT INTO agents (email, name, password_hash, is_admin) VALUES ($1, $2, $3, $4) RETURNING id`,
			email, strings.TrimSpace(n.Name), hash, n.Admin)
		if IsUniqueViolation(err) {
			return ErrConflict
		}
		if err != nil {
			return err
		}
		for _, d := range n.Departments {
			res, err := tx.ExecContext(ctx, `INSERT INTO agent_departments (agent_id, department_id)
				SELECT $1, id FROM departments WHERE lower(name) = lower($2) ON CONFLICT DO NOTHING`, id, strings.TrimSpace(d))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				v.add("department", "no department named "+d)
				return v
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("create agent", err)
	}
	return s.AgentByID(ctx, id)
}

// AgentByEmail returns the agent with that address.
func (s *Store) AgentByEmail(ctx context.Context, email string) (*Agent, error) {
	return s.pool().AgentByEmail(ctx, email)
}

// AgentByID returns the agent with that id.
func (s *Store) AgentByID(ctx context.Context, id int) (*Agent, error) {
	return s.pool().AgentByID(ctx, id)
}

// Agents lists agents, by name.
func (s *Store) Agents(ctx context.Context) ([]Agent, error) {
	var as []Agent
	if err := s.db.SelectContext(ctx, &as, "SELECT "+agentColumns+" FROM agents ORDER BY name"); err != nil {
		return nil, wrap("agents", err)
	}
	var links []struct {
		AgentID int  `db:"agent_id"`
		DeptID  int  `db:"department_id"`
		Lead    bool `db:"lead"`
	}
	if err := s.db.SelectContext(ctx, &links, `SELECT agent_id, department_id, lead FROM agent_departments ORDER BY department_id`); err != nil {
		return nil, wrap("agents", err)
	}
	idx := map[int]*Agent{}
	for i := range as {
		idx[as[i].ID] = &as[i]
	}
	for _, l := range links {
		if a := idx[l.AgentID]; a != nil {
			a.Departments = append(a.Departments, l.DeptID)
			if l.Lead {
				a.Leads = append(a.Leads, l.DeptID)
			}
		}
	}
	return as, nil
}

// AgentsOfDepartment lists the active agents who see department d (its
// members and the admins), for alerts.
func (s *Store) AgentsOfDepartment(ctx context.Context, q queryer, d int) ([]Agent, error) {
	var as []Agent
	err := s.prep(q).SelectContext(ctx, &as, "SELECT "+agentColumns+` FROM agents
		WHERE active AND (is_admin OR id IN (SELECT agent_id FROM agent_departments WHERE department_id = $1))
		ORDER BY id`, d)
	return as, wrap("agents of department", err)
}

// CreateDepartment adds a department.
func (s *Store) CreateDepartment(ctx context.Context, name string) (*Department, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		v := &ValidationError{}
		v.add("name", "a name is required")
		return nil, v
	}
	var d Department
	err := s.db.GetContext(ctx, &d, `INSERT INTO departments (name) VALUES ($1) RETURNING id, name`, name)
	if IsUniqueViolation(err) {
		err = ErrConflict
	}
	if err != nil {
		return nil, wrap("create department", err)
	}
	return &d, nil
}

// Departments lists departments by name.
func (s *Store) Departments(ctx context.Context) ([]Department, error) {
	var ds []Department
	err := s.db.SelectContext(ctx, &ds, `SELECT id, name FROM departments ORDER BY name`)
	return ds, wrap("departments", err)
}

// DepartmentByName finds a department, case-insensitively.
func (s *Store) DepartmentByName(ctx context.Context, name string) (*Department, error) {
	return s.pool().DepartmentByName(ctx, name)
}

const topicColumns = `ht.id, ht.name, ht.description, ht.department_id, d.name AS department_name, ht.sla_plan_id, ht.active`

// CreateTopic adds a help topic routed to the named department.
func (s *Store) CreateTopic(ctx context.Context, name, department string) (*Topic, error) {
	v := &ValidationError{}
	name = strings.TrimSpace(name)
	if name == "" {
		v.add("name", "a name is required")
	}
	d, err := s.DepartmentByName(ctx, department)
	if errors.Is(err, ErrNotFound) {
		v.add("department", "no department named "+department)
	} else if err != nil {
		return nil, err
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var id int
	err = s.db.GetContext(ctx, &id, `INSERT INTO help_topics (name, department_id) VALUES ($1, $2) RETURNING id`, name, d.ID)
	if IsUniqueViolation(err) {
		err = ErrConflict
	}
	if err != nil {
		return nil, wrap("create topic", err)
	}
	return s.TopicByName(ctx, name)
}

// Topics lists the help topics by name; only active ones unless all.
func (s *Store) Topics(ctx context.Context, all bool) ([]Topic, error) {
	var ts []Topic
	err := s.db.SelectContext(ctx, &ts, `SELECT `+topicColumns+` FROM help_topics ht JOIN departments d ON d.id = ht.department_id
		WHERE $1 OR ht.active ORDER BY ht.name`, all)
	return ts, wrap("topics", err)
}

// TopicByName finds a help topic, case-insensitively.
func (s *Store) TopicByName(ctx context.Context, name string) (*Topic, error) {
	return s.pool().TopicByName(ctx, name)
}

// TopicByID finds a help topic.
func (s *Store) TopicByID(ctx context.Context, id int) (*Topic, error) {
	return s.pool().TopicByID(ctx, id)
}

// MarkBouncing records that mail to these addresses bounces, so that no
// autoresponse goes to them.
func (s *Store) MarkBouncing(ctx context.Context, q queryer, emails []string) error {
	if len(emails) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `UPDATE users SET bouncing_at = now() WHERE lower(email) = ANY($1)`, pq.Array(lowerAll(emails)))
	return wrap("mark bouncing", err)
}

// ClearBouncing ends the bouncing mark of a user who wrote in again.
func (s *Store) ClearBouncing(ctx context.Context, q queryer, userID int64) error {
	_, err := s.prep(q).ExecContext(ctx, `UPDATE users SET bouncing_at = NULL WHERE id = $1 AND bouncing_at IS NOT NULL`, userID)
	return wrap("clear bouncing", err)
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// AddRoute sends new mail for address to the topic (and its department).
func (s *Store) AddRoute(ctx context.Context, address, topic string) error {
	email := NormalizeEmail(address)
	v := &ValidationError{}
	if email == "" {
		v.add("address", "a valid email address is required")
	}
	t, err := s.TopicByName(ctx, topic)
	if errors.Is(err, ErrNotFound) {
		v.add("topic", "no help topic named "+topic)
	} else if err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO address_routes (address, topic_id) VALUES ($1, $2)
		ON CONFLICT (address) DO UPDATE SET topic_id = EXCLUDED.topic_id`, email, t.ID)
	return wrap("add route", err)
}

// RouteFor returns the topic the first routed address maps to, or nil.
func (s *Store) RouteFor(ctx context.Context, q queryer, addresses []string) (*Topic, error) {
	if len(addresses) == 0 {
		return nil, nil
	}
	var id int
	err := s.prep(q).GetContext(ctx, &id, `SELECT topic_id FROM address_routes WHERE address = ANY($1)
		ORDER BY array_position($1, address) LIMIT 1`, pq.Array(lowerAll(addresses)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("route", err)
	}
	return View{s, q}.TopicByID(ctx, id)
}
