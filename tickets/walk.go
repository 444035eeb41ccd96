package tickets

import (
	"fmt"
	"strings"
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
// Two sorts have no index of their own: by status, the walks per status
// are read in turn (each newest first, limited to the page's end); by
// assignee, the walks per agent, in the order of their names, then the
// unassigned tickets.
type walk struct {
	depts    []int    // one walk per department; nil: no department in the index
	statuses []string // one walk per status; nil: no status in the index
	// where holds the other conditions, checked on each walk's rows.
	where []string
	sort  Sort
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

// newest is the order within a status or an agent's tickets.
const newest = "t.updated_at DESC, t.id DESC"

// rows returns a derived table of the walk's first n tickets in order,
// with walkColumns (and search when withSearch, aname for SortAssignee).
// match, when not "", is a further condition on each walk's rows.
func (w *walk) rows(n int, withSearch bool, match string) string {
	cols := walkColumns
	if withSearch {
		cols += ", t.search"
	}
	var extra []string
	if match != "" {
		extra = append(extra, match)
	}
	s := w.sort.orDefault()
	order := s.orderBy()
	var union string
	switch s.Key {
	case SortStatus:
		// Each status's walks newest first, read in turn.
		union = w.branches(w.depts, orStatuses(w.statuses), cols, newest, n, extra...)
	case SortAssignee:
		// Each agent's tickets newest first, then the unassigned ones,
		// merged in the order of the names. Every agent is asked, also
		// those of other departments: a ticket may keep an assignee who
		// has since moved.
		mine := w.branches(w.depts, orStatuses(w.statuses), cols, newest, n, append([]string{"t.assignee_id = a.id"}, extra...)...)
		none := w.branches(w.depts, orStatuses(w.statuses), cols, newest, n, append([]string{"t.assignee_id IS NULL"}, extra...)...)
		union = fmt.Sprintf("SELECT x.*, a.name AS aname FROM agents a CROSS JOIN LATERAL (SELECT * FROM (%s) t ORDER BY %s LIMIT %d) x"+
			" UNION ALL SELECT x.*, NULL AS aname FROM (SELECT * FROM (%s) t ORDER BY %s LIMIT %d) x", mine, newest, n, none, newest, n)
	default:
		statuses := w.statuses
		if s.Key != SortUpdated || w.depts != nil {
			// Only updated_at has indexes without the department and
			// status (0001, 0008); the other orders merge a walk per pair.
			statuses = orStatuses(statuses)
		}
		union = w.branches(w.depts, statuses, cols, order, n, extra...)
	}
	return fmt.Sprintf("(SELECT * FROM (%s) t ORDER BY %s LIMIT %d)", union, order, n)
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
