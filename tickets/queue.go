package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"
)

// The agent queue's tabs (Gambar 15), in order.
const (
	TabOpen       = "open"
	TabMine       = "mine"
	TabUnassigned = "unassigned"
	TabOverdue    = "overdue"
	TabResolved   = "resolved"
	TabClosed     = "closed"
)

// QueueTabs lists them.
var QueueTabs = []string{TabOpen, TabMine, TabUnassigned, TabOverdue, TabResolved, TabClosed}

// ValidTab reports whether t is one of QueueTabs.
func ValidTab(t string) bool { return slices.Contains(QueueTabs, t) }

// Queue is what an agent looks at: a tab, its filters, a search and a
// sort. It is what a saved view keeps.
type Queue struct {
	Tab          string // one of QueueTabs; "" is TabOpen
	DepartmentID int
	TopicID      int
	Query        string
	// InTab keeps the tab's filter for a search. A search looks across
	// every status and assignee by default: a person's older, closed
	// tickets are what an agent looking them up needs to see.
	InTab bool
	Sort  Sort
}

// Normalized returns q with its defaults filled in and unknown values
// dropped.
func (q Queue) Normalized() Queue {
	if !ValidTab(q.Tab) {
		q.Tab = TabOpen
	}
	q.Query = strings.TrimSpace(q.Query)
	if q.Query == "" {
		q.InTab = false
	}
	if !ValidSortKey(q.Sort.Key) {
		q.Sort = Sort{}
	}
	q.Sort = q.Sort.orDefault()
	return q
}

// Searching reports whether the queue shows a search across every tab.
func (q Queue) Searching() bool { return q.Query != "" && !q.InTab }

// Filter is the listing the queue shows agent a.
func (q Queue) Filter(a *Agent) Filter {
	q = q.Normalized()
	f := Filter{Agent: a, DepartmentID: q.DepartmentID, TopicID: q.TopicID, Query: q.Query, Sort: q.Sort}
	if q.Searching() {
		return f
	}
	switch q.Tab {
	case TabMine:
		f.Status, f.AssigneeID = StatusOpen, a.ID
	case TabUnassigned:
		f.Status, f.Unassigned = StatusOpen, true
	case TabOverdue:
		f.Status, f.Overdue = StatusOpen, true
	case TabResolved, TabClosed:
		f.Status = q.Tab
	default:
		f.Status = StatusOpen
	}
	return f
}

// CountCap is where the tab counts stop counting: a tab shows "99+"
// rather than have every page view count a million closed tickets. At
// 1000 the six counts read 4 500 index entries and heap pages, 8 to 10 ms
// of every queue page at a million tickets (hdbench); past a hundred an
// agent learns nothing more from the number.
const CountCap = 100

// TabCounts counts each tab's tickets that agent a may see, in one
// department or all of theirs, up to CountCap each. Each count reads at
// most CountCap entries of an index whose leading columns are the tab's
// (tickets_queue_idx, tickets_queue_assignee_idx, and the partial indexes
// of the Unassigned and Overdue tabs).
func (s *Store) TabCounts(ctx context.Context, a *Agent, departmentID int) (map[string]int, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var vis []string
	switch {
	case departmentID != 0 && !a.CanSeeDepartment(departmentID):
		return map[string]int{}, nil
	case departmentID != 0:
		vis = append(vis, "t.department_id = "+arg(departmentID))
	case !a.IsAdmin:
		if len(a.Departments) == 0 {
			return map[string]int{}, nil
		}
		vis = append(vis, "t.department_id = ANY("+arg(pq.Array(a.Departments))+"::int[])")
	}
	tabs := map[string]string{
		TabOpen:       "t.status = 'open'",
		TabMine:       "t.status = 'open' AND t.assignee_id = " + arg(a.ID),
		TabUnassigned: "t.status = 'open' AND t.assignee_id IS NULL",
		TabOverdue:    "t.status = 'open' AND t.overdue",
		TabResolved:   "t.status = 'resolved'",
		TabClosed:     "t.status = 'closed'",
	}
	var cols []string
	for _, tab := range QueueTabs {
		cols = append(cols, fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM tickets t%s LIMIT %d) x) AS %s",
			whereClause(append(append([]string{}, vis...), tabs[tab])), CountCap, tab))
	}
	// A merged ticket's stub (closed) is in the ticket it went into, not
	// a ticket of its own: taken off the closed count below the cap. Its
	// own partial index counts them; a filter in every count would read
	// each counted ticket's row (22 ms a queue page at a million tickets).
	cols = append(cols, fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM tickets t%s LIMIT %d) x) AS merged",
		whereClause(append(append([]string{}, vis...), "t.merged_into IS NOT NULL", "t.status = 'closed'")), CountCap))
	var row struct {
		Open       int `db:"open"`
		Mine       int `db:"mine"`
		Unassigned int `db:"unassigned"`
		Overdue    int `db:"overdue"`
		Resolved   int `db:"resolved"`
		Closed     int `db:"closed"`
		Merged     int `db:"merged"`
	}
	// Prepared: the text is one of three, and planning six counts took
	// longer than running them.
	if err := s.prep(s.db).GetContext(ctx, &row, "SELECT "+strings.Join(cols, ", "), args...); err != nil {
		return nil, wrap("tab counts", err)
	}
	if row.Closed < CountCap {
		row.Closed = max(0, row.Closed-row.Merged)
	}
	return map[string]int{TabOpen: row.Open, TabMine: row.Mine, TabUnassigned: row.Unassigned,
		TabOverdue: row.Overdue, TabResolved: row.Resolved, TabClosed: row.Closed}, nil
}

// LastFromCitizen reports whether the thread's last message or response
// is the citizen's (the owner's or a collaborator's) rather than an
// agent's. Automated mail (an out-of-office reply) does not count.
func (t *Ticket) LastFromCitizen() bool {
	return t.LastMessageAt.Valid && (!t.LastResponseAt.Valid || t.LastMessageAt.Time.After(t.LastResponseAt.Time))
}

// WaitingForUs reports whether an open ticket's citizen wrote last and
// nobody has answered yet: the queue's "waiting for us" marker.
func (t *Ticket) WaitingForUs() bool { return t.Status == StatusOpen && t.LastFromCitizen() }
