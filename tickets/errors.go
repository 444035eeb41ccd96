package tickets

import (
	"database/sql"
	"errors"
	"sort"
	"strings"
)

var (
	// ErrNotFound: no such ticket, user, agent, department or topic.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the actor may not see or change this.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the change clashes with the current state (a duplicate
	// name, a ticket already claimed by someone else).
	ErrConflict = errors.New("conflict")
)

// ValidationError lists what is wrong with input, field by field, so a form
// can show each message next to its field.
type ValidationError struct {
	Fields map[string]string // field -> message
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// add records a problem with a field; the first one per field wins.
func (e *ValidationError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// err returns nil when nothing was added, so callers can `return v.err()`.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ignoreNoRows turns "no rows" into nil, for queries where none is normal.
func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
