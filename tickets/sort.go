package tickets

import (
	"slices"
	"strings"
)

// Sort orders a listing by one column of the queue, Desc or not. The zero
// Sort is the queue's default: the newest update first.
type Sort struct {
	Key  string // one of SortKeys; "" is SortUpdated
	Desc bool
}

// The columns a listing sorts by.
const (
	SortNumber   = "number"
	SortUpdated  = "updated"
	SortDue      = "due"
	SortPriority = "priority"
	SortStatus   = "status"
	SortAssignee = "assignee"
)

// SortKeys lists them, in the order of the queue's columns.
var SortKeys = []string{SortNumber, SortUpdated, SortDue, SortPriority, SortStatus, SortAssignee}

// ValidSortKey reports whether k is one of SortKeys ("" included: the default).
func ValidSortKey(k string) bool { return k == "" || slices.Contains(SortKeys, k) }

// NaturalDesc is the direction a column sorts in when first chosen: the
// newest update, the highest priority first; the soonest due date (the
// overdue on top), the lowest number, Open before Resolved, assignees A
// to Z.
func NaturalDesc(key string) bool {
	return key == "" || key == SortUpdated || key == SortPriority
}

// orDefault is s with the default filled in.
func (s Sort) orDefault() Sort {
	if s.Key == "" {
		return Sort{Key: SortUpdated, Desc: true}
	}
	return s
}

// statusRank orders statuses as an agent works them.
const statusRank = `(CASE t.status WHEN 'open' THEN 0 WHEN 'resolved' THEN 1 ELSE 2 END)`

// orderBy is the ORDER BY of a sort on the columns of tickets t, or of a
// derived table t with the same column names (and aname, the assignee's
// name, for SortAssignee). Each is the exact order of an index of 0001 or
// 0011, or its exact reverse, which a backward scan gives, except
// SortStatus and SortAssignee, which are merged from walks per status or
// per agent (see walk). id breaks ties, so that pages never overlap.
func (s Sort) orderBy() string {
	s = s.orDefault()
	dir, nulls := "ASC", "NULLS LAST"
	if s.Desc {
		dir, nulls = "DESC", "NULLS FIRST"
	}
	switch s.Key {
	case SortDue:
		return "t.due_at " + dir + " " + nulls + ", t.id " + dir
	case SortNumber:
		return "length(t.number) " + dir + ", t.number " + dir
	case SortPriority:
		return "priority_rank(t.priority) " + dir + ", t.updated_at " + dir + ", t.id " + dir
	case SortStatus:
		// Within a status the newest first, either way.
		return statusRank + " " + dir + ", t.updated_at DESC, t.id DESC"
	case SortAssignee:
		return "t.aname " + dir + " " + nulls + ", t.assignee_id " + dir + " " + nulls + ", t.updated_at DESC, t.id DESC"
	}
	return "t.updated_at " + dir + ", t.id " + dir
}

// needsName reports whether the order reads the assignee's name.
func (s Sort) needsName() bool { return s.orDefault().Key == SortAssignee }

// String is the sort as a query parameter value: "due", "-updated".
func (s Sort) String() string {
	s = s.orDefault()
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// ParseSort reads String's form; anything else is the default.
func ParseSort(v string) Sort {
	desc := strings.HasPrefix(v, "-")
	k := strings.TrimPrefix(v, "-")
	if k == "" || !ValidSortKey(k) {
		return Sort{}
	}
	return Sort{Key: k, Desc: desc}
}
