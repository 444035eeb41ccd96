package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"
)

// A walk lists tickets in a sort's order by walking indexes instead of
// sorting: one walk per (department, status) pair, each through the index
// whose leading columns are those two and whose next ones are the sort's,
// merged by PostgreSQL (Merge Append) so that a page of 25 reads about 25
// rows from each walk, whatever the size of the queue. A department list
// (an agent of several) or every status (a search) is a merge of several
// walks rather than one walk filtered, which an index cannot give in
// order.
//
// Two orders no index gives: by status, and by the assignee's name. They
// are groups read in turn, from here, each group newest first: the
// statuses in their order; each agent's tickets (tickets_queue_assignee_idx)
// in the order of the names, then the unassigned ones. Reading stops when
// the page is full, so a page reads a group or two, not every agent's.
type walk struct {
	depts    []int    // one walk per department; nil: no department in the index
	statuses []string // one walk per status; nil: no status in the index
	// where holds the other conditions, checked on each walk's rows.
	where []string
	sort  Sort
	args  []any // of where and of the matches given to ids
}

// allStatuses is every status, for walks that need one per status.
var allStatuses = []string{StatusOpen, StatusResolved, StatusClosed}

// walkColumns are what the merge and the conditions above it read.
const walkColumns = `t.id, t.number, t.updated_at, t.due_at, t.priority, t.status, t.assignee_id, t.owner_id`

// branches returns one walk per (department, status) pair: a SELECT of
// cols with the extra conditions, in order, limited to n rows. Each is a
// subquery of its own, ordered and limited, because PostgreSQL plans a
// UNION ALL member with a WHERE clause on its own and would otherwise
// sort what it reads instead of walking an index. The departments and
// statuses are validated values (integers, the three statuses) written
// into the text.
func (w *walk) branches(depts []int, statuses []string, cols, order string, n int, extra ...string) string {
	var out []string
	ds := []string{""}
	if depts != nil {
		ds = ds[:0]
		for _, d := range depts {
			ds = append(ds, fmt.Sprintf("t.department_id = %d", d))
		}
	}
	ss := []string{""}
	if statuses != nil {
		ss = ss[:0]
		for _, s := range statuses {
			if !ValidStatus(s) {
				continue // never: statuses are validated by Filter
			}
			ss = append(ss, "t.status = '"+s+"'")
		}
	}
	for _, d := range ds {
		for _, s := range ss {
			var where []string
			if d != "" {
				where = append(where, d)
			}
			if s != "" {
				where = append(where, s)
			}
			where = append(where, w.where...)
			where = append(where, extra...)
			out = append(out, fmt.Sprintf("(SELECT %s FROM tickets t%s ORDER BY %s LIMIT %d)", cols, whereClause(where), order, n))
		}
	}
	return strings.Join(out, " UNION ALL ")
}

// newest is the order within a group (a status, an agent's tickets).
const newest = "t.updated_at DESC, t.id DESC"

// grouped reports whether the walk's order is groups read in turn.
func (w *walk) grouped() bool {
	k := w.sort.orDefault().Key
	return k == SortStatus || k == SortAssignee
}

// rows returns a derived table of the walk's first n tickets in order,
// with walkColumns (and search when withSearch), for the orders an index
// gives. match, when not "", is a further condition on each walk's rows.
func (w *walk) rows(n int, withSearch bool, match string) string {
	var extra []string
	if match != "" {
		extra = append(extra, match)
	}
	s := w.sort.orDefault()
	statuses := w.statuses
	if s.Key != SortUpdated || w.depts != nil {
		// Only updated_at has indexes without the department and status
		// (0001, 0008); the other orders merge a walk per pair.
		statuses = orStatuses(statuses)
	}
	order := s.orderBy()
	return fmt.Sprintf("(SELECT * FROM (%s) t ORDER BY %s LIMIT %d)",
		w.branches(w.depts, statuses, columns(withSearch), order, n, extra...), order, n)
}

func columns(withSearch bool) string {
	if withSearch {
		return walkColumns + ", t.search"
	}
	return walkColumns
}

// group is one part of a grouped order: its statuses and its condition.
type group struct {
	statuses []string
	cond     string
}

// groups returns the walk's groups in order.
func (w *walk) groups(ctx context.Context, q queryer) ([]group, error) {
	s := w.sort.orDefault()
	var gs []group
	if s.Key == SortStatus {
		for _, st := range orStatuses(w.statuses) {
			gs = append(gs, group{statuses: []string{st}})
		}
		if s.Desc {
			slices.Reverse(gs)
		}
		return gs, nil
	}
	// Every agent, also those of other departments or no longer active:
	// a ticket may keep an assignee who has since moved.
	var agents []int
	if err := q.SelectContext(ctx, &agents, `SELECT id FROM agents ORDER BY name, id`); err != nil {
		return nil, err
	}
	for _, a := range agents {
		gs = append(gs, group{statuses: orStatuses(w.statuses), cond: fmt.Sprintf("t.assignee_id = %d", a)})
	}
	gs = append(gs, group{statuses: orStatuses(w.statuses), cond: "t.assignee_id IS NULL"})
	if s.Desc {
		slices.Reverse(gs)
	}
	return gs, nil
}

// ids returns the first n tickets of the walk in order that match (all
// of them when match is ""); with within > 0, only those among the walk's
// first within tickets (a search's window).
func (w *walk) ids(ctx context.Context, q queryer, n int, match string, within int) ([]int64, error) {
	var out []int64 // (sqlx appends to the slice it scans into)
	if !w.grouped() {
		var err error
		if within > 0 {
			err = q.SelectContext(ctx, &out, fmt.Sprintf("SELECT t.id FROM %s t WHERE %s ORDER BY %s LIMIT %d",
				w.rows(within, true, ""), match, w.sort.orderBy(), n), w.args...)
		} else {
			err = q.SelectContext(ctx, &out, fmt.Sprintf("SELECT t.id FROM %s t ORDER BY %s LIMIT %d",
				w.rows(n, false, match), w.sort.orderBy(), n), w.args...)
		}
		return out, err
	}
	gs, err := w.groups(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if len(out) >= n {
			break
		}
		if within <= 0 {
			var extra []string
			if match != "" {
				extra = append(extra, match)
			}
			if g.cond != "" {
				extra = append(extra, g.cond)
			}
			var got []int64
			if err := q.SelectContext(ctx, &got, fmt.Sprintf("SELECT t.id FROM (%s) t ORDER BY %s LIMIT %d",
				w.branches(w.depts, g.statuses, walkColumns, newest, n-len(out), extra...), newest, n-len(out)), w.args...); err != nil {
				return nil, err
			}
			out = append(out, got...)
			continue
		}
		// The window: how many of the group's tickets it holds, and
		// which of those match.
		var extra []string
		if g.cond != "" {
			extra = append(extra, g.cond)
		}
		var got struct {
			Walked int           `db:"walked"`
			IDs    pq.Int64Array `db:"ids"`
		}
		if err := q.GetContext(ctx, &got, fmt.Sprintf(`SELECT count(*) AS walked, coalesce(array_agg(t.id ORDER BY %s) FILTER (WHERE %s), '{}') AS ids
			FROM (SELECT * FROM (%s) t ORDER BY %s LIMIT %d) t`, newest, match,
			w.branches(w.depts, g.statuses, columns(true), newest, within, extra...), newest, within), w.args...); err != nil {
			return nil, err
		}
		out = append(out, got.IDs...)
		if within -= got.Walked; within <= 0 {
			break
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func orStatuses(ss []string) []string {
	if ss == nil {
		return allStatuses
	}
	return ss
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}
