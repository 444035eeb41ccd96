package tickets

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/lib/pq"
)

// SavedView is an agent's named Queue, shown as an extra tab of their
// queue. Views are the agent's own: nobody else sees or changes them.
type SavedView struct {
	ID    int
	Name  string
	Queue Queue
}

// Limits of saved views.
const (
	MaxViewName  = 60
	MaxViews     = 20
	MsgViewName  = "a name of at most 60 characters is required"
	MsgViewLimit = "at most 20 saved views"
)

type savedViewRow struct {
	ID           int           `db:"id"`
	Name         string        `db:"name"`
	Tab          string        `db:"tab"`
	DepartmentID sql.NullInt64 `db:"department_id"`
	TopicID      sql.NullInt64 `db:"topic_id"`
	Query        string        `db:"query"`
	InTab        bool          `db:"in_tab"`
	Sort         string        `db:"sort"`
	Descending   bool          `db:"descending"`
}

// SavedViews returns agent's views, by name.
func (s *Store) SavedViews(ctx context.Context, agentID int) ([]SavedView, error) {
	var rows []savedViewRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, name, tab, department_id, topic_id, query, in_tab, sort, descending
		FROM saved_views WHERE agent_id = $1 ORDER BY lower(name), id`, agentID); err != nil {
		return nil, wrap("saved views", err)
	}
	out := make([]SavedView, 0, len(rows))
	for _, r := range rows {
		out = append(out, SavedView{ID: r.ID, Name: r.Name, Queue: Queue{Tab: r.Tab, DepartmentID: int(r.DepartmentID.Int64),
			TopicID: int(r.TopicID.Int64), Query: r.Query, InTab: r.InTab, Sort: Sort{Key: r.Sort, Desc: r.Descending}}.Normalized()})
	}
	return out, nil
}

// SaveView keeps q under name for agent a; a view of the same name
// (whatever its case) is replaced.
func (s *Store) SaveView(ctx context.Context, a *Agent, name string, q Queue) (*SavedView, error) {
	name = strings.TrimSpace(name)
	q = q.Normalized()
	v := &ValidationError{}
	if name == "" || utf8.RuneCountInString(name) > MaxViewName {
		v.add("name", MsgViewName)
	} else if !oneLine(name) {
		v.add("name", MsgOneLine)
	}
	if q.DepartmentID != 0 && !a.CanSeeDepartment(q.DepartmentID) {
		v.add("department", "no such department")
	}
	f := q.Filter(a)
	if err := f.validate(); err != nil {
		return nil, err
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var view *SavedView
	err := s.InTx(ctx, func(tx *Tx) error {
		// Counted under a lock on the agent, so two saves at once cannot
		// pass the limit together.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM agents WHERE id = $1 FOR UPDATE`, a.ID); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM saved_views WHERE agent_id = $1 AND lower(name) <> lower($2)`, a.ID, name); err != nil {
			return err
		}
		if n >= MaxViews {
			v.add("name", MsgViewLimit)
			return v
		}
		var id int
		err := tx.GetContext(ctx, &id, `INSERT INTO saved_views (agent_id, name, tab, department_id, topic_id, query, in_tab, sort, descending)
			VALUES ($1, $2, $3, NULLIF($4, 0), NULLIF($5, 0), $6, $7, $8, $9)
			ON CONFLICT (agent_id, lower(name)) DO UPDATE SET name = EXCLUDED.name, tab = EXCLUDED.tab,
				department_id = EXCLUDED.department_id, topic_id = EXCLUDED.topic_id, query = EXCLUDED.query,
				in_tab = EXCLUDED.in_tab, sort = EXCLUDED.sort, descending = EXCLUDED.descending
			RETURNING id`, a.ID, name, q.Tab, q.DepartmentID, q.TopicID, q.Query, q.InTab, q.Sort.Key, q.Sort.Desc)
		if err != nil {
			return err
		}
		view = &SavedView{ID: id, Name: name, Queue: q}
		return nil
	})
	var ve *ValidationError
	if errors.As(err, &ve) {
		return nil, err
	}
	if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23503" { // the topic is gone
		v.add("topic", "no such help topic")
		return nil, v
	}
	return view, wrap("save view", err)
}

// DeleteView removes one of agent a's views; another agent's is
// ErrNotFound, as if it did not exist.
func (s *Store) DeleteView(ctx context.Context, a *Agent, id int) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM saved_views WHERE id = $1 AND agent_id = $2`, id, a.ID)
	if err != nil {
		return wrap("delete view", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("delete view", ErrNotFound)
	}
	return nil
}
