package tickets

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Canned is a canned response: a text agents insert into a reply, for one
// department's tickets or (DepartmentID null) for every department's.
type Canned struct {
	ID             int            `db:"id"`
	DepartmentID   sql.NullInt64  `db:"department_id"`
	DepartmentName sql.NullString `db:"department_name"`
	Title          string         `db:"title"`
	Body           string         `db:"body"`
}

// Limits of a canned response.
const (
	MaxCannedTitle = 120
	MaxCannedBody  = 20000
)

// Messages of a canned response refused.
const (
	MsgCannedTitle = "a title is required"
	MsgCannedBody  = "a text is required"
)

const cannedColumns = `c.id, c.department_id, d.name AS department_name, c.title, c.body`

// CannedFor lists the canned responses offered on a ticket of department
// dept: that department's and everyone's, by title.
func (s *Store) CannedFor(ctx context.Context, dept int) ([]Canned, error) {
	var cs []Canned
	err := s.db.SelectContext(ctx, &cs, `SELECT `+cannedColumns+` FROM canned_responses c
		LEFT JOIN departments d ON d.id = c.department_id
		WHERE c.department_id IS NULL OR c.department_id = $1 ORDER BY lower(c.title), c.id`, dept)
	return cs, wrap("canned responses", err)
}

// CannedResponses lists them all, for the admins who keep them.
func (s *Store) CannedResponses(ctx context.Context) ([]Canned, error) {
	var cs []Canned
	err := s.db.SelectContext(ctx, &cs, `SELECT `+cannedColumns+` FROM canned_responses c
		LEFT JOIN departments d ON d.id = c.department_id ORDER BY d.name NULLS FIRST, lower(c.title), c.id`)
	return cs, wrap("canned responses", err)
}

// CannedByID returns one canned response.
func (s *Store) CannedByID(ctx context.Context, id int) (*Canned, error) {
	return getOne[Canned](ctx, s.pool(), "canned response", `SELECT `+cannedColumns+` FROM canned_responses c
		LEFT JOIN departments d ON d.id = c.department_id WHERE c.id = $1`, id)
}

// SaveCanned creates a canned response (c.ID 0) or changes one. A
// department of 0 (DepartmentID not valid) offers it everywhere.
func (s *Store) SaveCanned(ctx context.Context, c Canned) (*Canned, error) {
	v := &ValidationError{}
	c.Title = strings.Join(strings.Fields(sanitizeText(c.Title)), " ")
	switch {
	case c.Title == "":
		v.add("title", MsgCannedTitle)
	case utf8.RuneCountInString(c.Title) > MaxCannedTitle:
		v.add("title", "the text is too long")
	}
	c.Body = strings.TrimSpace(strings.ReplaceAll(sanitizeText(c.Body), "\r\n", "\n"))
	switch {
	case c.Body == "":
		v.add("body", MsgCannedBody)
	case len(c.Body) > MaxCannedBody:
		v.add("body", "the text is too long")
	}
	var dept any
	if c.DepartmentID.Valid && c.DepartmentID.Int64 != 0 {
		dept = c.DepartmentID.Int64
		if _, err := s.pool().DepartmentByID(ctx, int(c.DepartmentID.Int64)); errors.Is(err, ErrNotFound) {
			v.add("department", "no such department")
		} else if err != nil {
			return nil, err
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	id := c.ID
	var err error
	if id == 0 {
		err = s.db.GetContext(ctx, &id, `INSERT INTO canned_responses (department_id, title, body) VALUES ($1, $2, $3) RETURNING id`, dept, c.Title, c.Body)
	} else {
		err = s.db.GetContext(ctx, &id, `UPDATE canned_responses SET department_id = $2, title = $3, body = $4, updated_at = now()
			WHERE id = $1 RETURNING id`, id, dept, c.Title, c.Body)
		if errors.Is(err, sql.ErrNoRows) {
			err = ErrNotFound
		}
	}
	if err != nil {
		return nil, wrap("save canned response", err)
	}
	return s.CannedByID(ctx, id)
}

// DeleteCanned removes a canned response.
func (s *Store) DeleteCanned(ctx context.Context, id int) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM canned_responses WHERE id = $1`, id)
	if err != nil {
		return wrap("delete canned response", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("delete canned response", ErrNotFound)
	}
	return nil
}

// CannedPlaceholders are the words a canned response may hold in braces,
// Indonesian and English alike, and what each becomes on a ticket. One
// syntax: a word in single braces, {nama} or {name}; anything else in
// braces stays as typed, for the agent to see before sending.
var CannedPlaceholders = []struct{ ID, EN, What string }{
	{"nama", "name", "the citizen's name"},
	{"email", "email", "the citizen's email address"},
	{"nomor", "number", "the ticket number, digits only"},
	{"perihal", "subject", "the ticket's subject"},
	{"topik", "topic", "the help topic"},
	{"bagian", "department", "the department"},
	{"batas_waktu", "due", "the due date, in the citizen's time zone"},
	{"petugas", "agent", "the agent's own name"},
}

var placeholderRe = regexp.MustCompile(`\{([a-z_]+)\}`)

// ExpandCanned fills body's placeholders for ticket t, its owner and the
// agent answering; loc is the citizen's time zone (nil: Jakarta).
func ExpandCanned(body string, t *Ticket, agent *Agent, loc *time.Location) string {
	if loc == nil {
		loc = jakarta
	}
	due := ""
	if t.DueAt.Valid {
		due = t.DueAt.Time.In(loc).Format("02/01/2006 15:04 MST")
	}
	email := ""
	if Mailable(t.OwnerEmail) {
		email = t.OwnerEmail
	}
	agentName := ""
	if agent != nil {
		agentName = agent.Name
	}
	values := map[string]string{
		"nama": t.OwnerName, "email": email, "nomor": t.Number, "perihal": t.Subject, "topik": t.TopicName.String,
		"bagian": t.DepartmentName, "batas_waktu": due, "petugas": agentName,
	}
	for _, p := range CannedPlaceholders {
		values[p.EN] = values[p.ID]
	}
	return placeholderRe.ReplaceAllStringFunc(body, func(m string) string {
		if v, ok := values[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}
