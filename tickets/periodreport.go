package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/lib/pq"
)

// A period's report: the figures a ministry sends upward every month,
// read from the tickets and their thread entries. Every figure is defined
// here, once, for the web page, its CSV files and the API alike:
//
//   - Opened: tickets created in the period (local days of the asker's
//     time zone).
//   - First response: the earliest agent response entry (kind "response",
//     visible to the citizen; notes and events do not count) at or after
//     the ticket's creation, for the tickets opened in the period. Not
//     tickets.last_response_at: that moves with every later response.
//   - Within the SLA: that first response came at most the ticket's plan's
//     grace hours (2×24 h unless its plan says otherwise) after creation.
//     The deadline is counted from creation, not from tickets.due_at,
//     which a reopen moves. A ticket not answered yet is missed once its
//     deadline has passed, and pending (in neither share) before that.
//   - Resolved: tickets whose first resolution (the first status event to
//     Resolved or Closed in the thread) falls in the period; resolution
//     time is from creation to that event. Entries are never rewritten,
//     whereas tickets.resolved_at is cleared by a reopen and set again by
//     the next resolution, which would move a ticket from one month's
//     report into another's. A reopened ticket therefore counts once, in
//     the month it was first resolved, and is also counted as reopened.
//   - Backlog: tickets open at a moment, and of them those overdue (their
//     due date, creation or last reopen plus the plan's hours, passed),
//     at the period's end and now.
//
// A ticket counts under its department and topic as they are now: a
// transferred ticket is reported by the department that has it.

// MaxReportDays is the longest period one report covers: a year.
const MaxReportDays = 366

// defaultGraceHours is the manual's 2×24 h, for a ticket without a plan.
const defaultGraceHours = 48

// ReportRequest asks for a period's report.
type ReportRequest struct {
	// From and To are local dates, YYYY-MM-DD, both included. Both empty:
	// the last full month; one empty: the month of the other.
	From, To string
	// Location makes days local days; nil is Asia/Jakarta.
	Location *time.Location
	// DepartmentID or Department (a name) picks one department; neither:
	// every department the asker may report on.
	DepartmentID int
	Department   string
	// Agent is who asks; nil is an API key, which sees every department.
	Agent *Agent
}

// PeriodReport is a period's figures.
type PeriodReport struct {
	From, To   string    // the local dates, both included
	Start, End time.Time // the period as instants: [Start, End)
	TimeZone   string
	AsOf       time.Time // when the figures were read
	// Department is the one department asked for; nil for all of
	// Departments.
	Department  *Department
	Departments []Department

	Opened   int
	Resolved int
	// Reopened: of the Resolved, those reopened after their first
	// resolution.
	Reopened      int
	FirstResponse Durations
	Unanswered    int // opened in the period, no response yet
	Resolution    Durations
	SLA           SLAShare

	Days         []ReportDay
	Topics       []ReportGroup // most opened first; the ticket without a topic has ID 0
	ByDepartment []ReportGroup // by name, every department reported on

	BacklogAtEnd Backlog // at End, or now while the period is not over
	BacklogNow   Backlog
}

// Durations are the median and 90th percentile of some durations, with
// linear interpolation between the closest ranks (PostgreSQL's
// percentile_cont, a spreadsheet's MEDIAN and PERCENTILE.INC). Count 0
// means there were none, and the others are zero.
type Durations struct {
	Count       int
	Median, P90 time.Duration
}

// SLAShare counts the first responses of the period's tickets against
// their deadlines.
type SLAShare struct {
	Met, Missed, Pending int
}

// Share is Met out of the decided (Met and Missed), 0 to 1; ok is false
// when none is decided yet.
func (s SLAShare) Share() (share float64, ok bool) {
	if s.Met+s.Missed == 0 {
		return 0, false
	}
	return float64(s.Met) / float64(s.Met+s.Missed), true
}

// ReportDay is one local day of the period.
type ReportDay struct {
	Date     string // YYYY-MM-DD
	Opened   int
	Resolved int
}

// ReportGroup is the figures of one topic or department.
type ReportGroup struct {
	ID            int
	Name          string
	Opened        int
	Resolved      int
	FirstResponse Durations
	Resolution    Durations
	SLA           SLAShare
}

// Backlog is the open tickets at a moment.
type Backlog struct {
	At      time.Time
	Open    int
	Overdue int
}

// LeadsDepartment reports whether the agent leads department d.
func (a *Agent) LeadsDepartment(d int) bool {
	for _, x := range a.Leads {
		if x == d {
			return true
		}
	}
	return false
}

// CanReport reports whether the agent may read any report: admins (every
// department) and department leads (theirs). The one rule for the page,
// its menu entry and the figures.
func (a *Agent) CanReport() bool { return a.IsAdmin || len(a.Leads) > 0 }

// Messages of a report refused.
const (
	MsgReportDate     = "must be a date, YYYY-MM-DD"
	MsgReportOrder    = "must not be before the start"
	MsgReportTooLong  = "a report covers at most 366 days"
	MsgReportNoDepart = "no such department"
)

// ReportPeriod resolves a request's dates into the period's first day and
// the day after its last, at local midnight.
func ReportPeriod(from, to string, loc *time.Location, now time.Time) (start, end time.Time, err error) {
	if loc == nil {
		loc = jakarta
	}
	v := &ValidationError{}
	parse := func(field, s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), loc)
		if err != nil {
			v.add(field, MsgReportDate)
		}
		return d
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	switch {
	case from == "" && to == "":
		n := now.In(loc)
		end = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
		return end.AddDate(0, -1, 0), end, nil
	case from == "":
		last := parse("to", to)
		start, end = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, loc), last.AddDate(0, 0, 1)
	case to == "":
		start = parse("from", from)
		end = time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, loc)
	default:
		start, end = parse("from", from), parse("to", to).AddDate(0, 0, 1)
	}
	if err := v.err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !end.After(start) {
		v.add("to", MsgReportOrder)
	} else if days := dayCount(start, end, loc); days > MaxReportDays {
		v.add("to", MsgReportTooLong)
	}
	return start, end, v.err()
}

// dayCount is the number of local days in [start, end).
func dayCount(start, end time.Time, loc *time.Location) int {
	n := 0
	for d := start; d.Before(end); d = nextDay(d, loc) {
		n++
	}
	return n
}

func nextDay(d time.Time, loc *time.Location) time.Time {
	l := d.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
}

var jakarta = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*3600) // no DST since 1964
}()

// PeriodReport reads a period's figures for r.Agent: ErrForbidden unless
// they are an admin or lead the department asked for (a lead asking for
// no department gets the departments they lead).
func (s *Store) PeriodReport(ctx context.Context, r ReportRequest) (*PeriodReport, error) {
	if r.Agent != nil && !r.Agent.CanReport() {
		return nil, wrap("report", ErrForbidden)
	}
	loc := r.Location
	if loc == nil {
		loc = jakarta
	}
	now := s.now()
	start, end, err := ReportPeriod(r.From, r.To, loc, now)
	if err != nil {
		return nil, err
	}
	rep := &PeriodReport{Start: start, End: end, TimeZone: loc.String(), AsOf: now.In(loc),
		From: start.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly)}
	filter, err := s.reportScope(ctx, r, rep)
	if err != nil {
		return nil, err
	}
	topics, err := s.Topics(ctx, true)
	if err != nil {
		return nil, wrap("report", err)
	}
	// One snapshot, so that the figures agree with each other (a ticket
	// resolved meanwhile is either in both the resolutions and the
	// backlog's replay, or in neither). JIT compiling is off: the planner
	// prices a month's per-ticket look-ups above its threshold and spent
	// 0.7 s compiling for 0.3 s of work.
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, wrap("report", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, wrap("report", err)
	}
	if err := s.reportFigures(ctx, tx, rep, filter, topics, loc); err != nil {
		return nil, wrap("report", err)
	}
	atEnd := end
	if now.Before(atEnd) {
		atEnd = rep.AsOf
	}
	if rep.BacklogAtEnd, err = s.backlog(ctx, tx, atEnd, filter); err != nil {
		return nil, wrap("report", err)
	}
	if rep.BacklogNow, err = s.backlog(ctx, tx, rep.AsOf, filter); err != nil {
		return nil, wrap("report", err)
	}
	return rep, nil
}

// reportScope decides which departments r may see the figures of, fills
// rep's, and returns them as a filter (nil: every department).
func (s *Store) reportScope(ctx context.Context, r ReportRequest, rep *PeriodReport) ([]int, error) {
	all, err := s.Departments(ctx)
	if err != nil {
		return nil, wrap("report", err)
	}
	everything := r.Agent == nil || r.Agent.IsAdmin
	var chosen *Department
	name := strings.TrimSpace(r.Department)
	for i, d := range all {
		if r.DepartmentID != 0 && d.ID == r.DepartmentID || name != "" && strings.EqualFold(d.Name, name) {
			chosen = &all[i]
		}
	}
	asked := r.DepartmentID != 0 || name != ""
	switch {
	case asked && !everything && (chosen == nil || !r.Agent.LeadsDepartment(chosen.ID)):
		// The same answer whether or not it exists: a lead learns nothing
		// about departments that are not theirs.
		return nil, wrap("report", ErrForbidden)
	case asked && chosen == nil:
		return nil, &ValidationError{Fields: map[string]string{"department": MsgReportNoDepart}}
	case chosen != nil:
		rep.Department = chosen
		rep.Departments = []Department{*chosen}
		return []int{chosen.ID}, nil
	case everything:
		rep.Departments = all
		return nil, nil
	}
	var ids []int
	for _, d := range all {
		if r.Agent.LeadsDepartment(d.ID) {
			rep.Departments = append(rep.Departments, d)
			ids = append(ids, d.ID)
		}
	}
	return ids, nil
}

// departmentFilter is the SQL condition on column for filter, with its
// argument numbered n; "" when filter is nil (every department).
func departmentFilter(column string, filter []int, n int) (string, []any) {
	if filter == nil {
		return "", nil
	}
	return fmt.Sprintf(" AND %s = ANY($%d)", column, n), []any{pq.Array(filter)}
}

// statusEvent is the condition that picks status changes among entries
// (the predicate of the partial indexes of migration 0013).
const statusEvent = `%[1]s.kind = 'event' AND %[1]s.event IN ('status', 'reopened')`

func statusEventOf(alias string) string { return fmt.Sprintf(statusEvent, alias) }

// resolutionOf picks, among status changes, those to Resolved or Closed.
func resolutionOf(alias string) string {
	return statusEventOf(alias) + fmt.Sprintf(` AND %[1]s.event = 'status' AND %[1]s.event_data->>'to' IN ('resolved', 'closed')`, alias)
}

type openedRow struct {
	ID            int64         `db:"id"`
	Department    int           `db:"department_id"`
	Topic         sql.NullInt64 `db:"topic_id"`
	Created       time.Time     `db:"created_at"`
	GraceHours    int           `db:"grace_hours"`
	FirstResponse sql.NullTime  `db:"first_response_at"`
}

type resolvedRow struct {
	ID         int64         `db:"id"`
	Department int           `db:"department_id"`
	Topic      sql.NullInt64 `db:"topic_id"`
	Created    time.Time     `db:"created_at"`
	Resolved   time.Time     `db:"resolved_at"`
	Reopened   bool          `db:"reopened"`
}

// tally gathers one group's figures before they are summed up.
type tally struct {
	opened, resolved, unanswered int
	firsts, resolutions          []time.Duration
	sla                          SLAShare
}

func (t *tally) addOpened(o openedRow, now time.Time) {
	t.opened++
	deadline := o.Created.Add(time.Duration(o.GraceHours) * time.Hour)
	switch {
	case o.FirstResponse.Valid:
		t.firsts = append(t.firsts, o.FirstResponse.Time.Sub(o.Created))
		if o.FirstResponse.Time.After(deadline) {
			t.sla.Missed++
		} else {
			t.sla.Met++
		}
	case deadline.After(now):
		t.unanswered++
		t.sla.Pending++
	default:
		t.unanswered++
		t.sla.Missed++
	}
}

func (t *tally) addResolved(r resolvedRow) {
	t.resolved++
	t.resolutions = append(t.resolutions, r.Resolved.Sub(r.Created))
}

func (t *tally) group(id int, name string) ReportGroup {
	return ReportGroup{ID: id, Name: name, Opened: t.opened, Resolved: t.resolved,
		FirstResponse: durations(t.firsts), Resolution: durations(t.resolutions), SLA: t.sla}
}

func (s *Store) reportFigures(ctx context.Context, q *Tx, rep *PeriodReport, filter []int, topics []Topic, loc *time.Location) error {
	dept, args := departmentFilter("t.department_id", filter, 3)
	var opened []openedRow
	err := q.SelectContext(ctx, &opened, `
		SELECT t.id, t.department_id, t.topic_id, t.created_at, coalesce(sp.grace_hours, `+fmt.Sprint(defaultGraceHours)+`) AS grace_hours,
			(SELECT min(e.created_at) FROM entries e
				WHERE e.ticket_id = t.id AND e.kind = 'response' AND e.created_at >= t.created_at) AS first_response_at
		FROM tickets t LEFT JOIN sla_plans sp ON sp.id = t.sla_plan_id
		WHERE t.created_at >= $1 AND t.created_at < $2`+dept, append([]any{rep.Start, rep.End}, args...)...)
	if err != nil {
		return err
	}
	var resolved []resolvedRow
	err = q.SelectContext(ctx, &resolved, `
		SELECT t.id, t.department_id, t.topic_id, t.created_at, r.created_at AS resolved_at,
			EXISTS (SELECT 1 FROM entries o WHERE o.ticket_id = r.ticket_id AND o.id > r.id AND `+statusEventOf("o")+`
				AND (o.event = 'reopened' OR o.event_data->>'to' = 'open')) AS reopened
		FROM entries r JOIN tickets t ON t.id = r.ticket_id
		WHERE `+resolutionOf("r")+` AND r.created_at >= $1 AND r.created_at < $2
			AND NOT EXISTS (SELECT 1 FROM entries p WHERE p.ticket_id = r.ticket_id AND p.id < r.id AND `+resolutionOf("p")+`)`+dept,
		append([]any{rep.Start, rep.End}, args...)...)
	if err != nil {
		return err
	}
	topicNames := map[int]string{}
	for _, t := range topics {
		topicNames[t.ID] = t.Name
	}

	var total tally
	byDept, byTopic := map[int]*tally{}, map[int]*tally{}
	get := func(m map[int]*tally, id int) *tally {
		if m[id] == nil {
			m[id] = &tally{}
		}
		return m[id]
	}
	days := map[string]*ReportDay{}
	for d := rep.Start; d.Before(rep.End); d = nextDay(d, loc) {
		day := ReportDay{Date: d.Format(time.DateOnly)}
		rep.Days = append(rep.Days, day)
	}
	for i := range rep.Days {
		days[rep.Days[i].Date] = &rep.Days[i]
	}
	for _, o := range opened {
		total.addOpened(o, rep.AsOf)
		get(byDept, o.Department).addOpened(o, rep.AsOf)
		get(byTopic, int(o.Topic.Int64)).addOpened(o, rep.AsOf)
		if d := days[o.Created.In(loc).Format(time.DateOnly)]; d != nil {
			d.Opened++
		}
	}
	for _, r := range resolved {
		total.addResolved(r)
		get(byDept, r.Department).addResolved(r)
		get(byTopic, int(r.Topic.Int64)).addResolved(r)
		if d := days[r.Resolved.In(loc).Format(time.DateOnly)]; d != nil {
			d.Resolved++
		}
		if r.Reopened {
			rep.Reopened++
		}
	}
	rep.Opened, rep.Resolved, rep.Unanswered = total.opened, total.resolved, total.unanswered
	rep.FirstResponse, rep.Resolution, rep.SLA = durations(total.firsts), durations(total.resolutions), total.sla

	for _, d := range rep.Departments {
		rep.ByDepartment = append(rep.ByDepartment, get(byDept, d.ID).group(d.ID, d.Name))
	}
	sort.SliceStable(rep.ByDepartment, func(i, j int) bool {
		return strings.ToLower(rep.ByDepartment[i].Name) < strings.ToLower(rep.ByDepartment[j].Name)
	})
	for id, t := range byTopic {
		rep.Topics = append(rep.Topics, t.group(id, topicNames[id]))
	}
	sort.Slice(rep.Topics, func(i, j int) bool {
		a, b := rep.Topics[i], rep.Topics[j]
		switch {
		case (a.ID == 0) != (b.ID == 0):
			return b.ID == 0 // the tickets without a topic last
		case a.Opened != b.Opened:
			return a.Opened > b.Opened
		case a.Resolved != b.Resolved:
			return a.Resolved > b.Resolved
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	return nil
}

// durations sums ds up (it sorts them).
func durations(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return Durations{Count: len(ds), Median: percentile(ds, 0.5), P90: percentile(ds, 0.9)}
}

// percentile is the p-th percentile of sorted, interpolated linearly
// between the closest ranks: rank p×(n−1), counted from 0.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := p * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := rank - float64(lo)
	return sorted[lo] + time.Duration(math.Round(frac*float64(sorted[lo+1]-sorted[lo])))
}

// backlog counts the tickets open at at, and of them the overdue ones:
// the tickets open now, counted from an index alone, corrected by the few
// whose status changed since at, which are replayed from their status
// events. The cost is the open backlog plus the changes since at, not the
// tickets ever opened.
func (s *Store) backlog(ctx context.Context, q *Tx, at time.Time, filter []int) (Backlog, error) {
	dept, args := departmentFilter("t.department_id", filter, 2)
	b := Backlog{At: at}
	err := q.QueryRowxContext(ctx, `
		WITH changed AS MATERIALIZED (
			SELECT DISTINCT x.ticket_id FROM entries x WHERE `+statusEventOf("x")+` AND x.created_at >= $1
		), replayed AS (
			SELECT t.status = 'open' AS open_now, t.status = 'open' AND t.due_at <= $1 AS overdue_now,
				coalesce(l.status, 'open') = 'open' AS open,
				coalesce(l.status, 'open') = 'open' AND
					coalesce(l.at, t.created_at) + make_interval(hours => coalesce(sp.grace_hours, `+fmt.Sprint(defaultGraceHours)+`)) <= $1 AS overdue
			FROM changed c JOIN tickets t ON t.id = c.ticket_id
			LEFT JOIN sla_plans sp ON sp.id = t.sla_plan_id
			LEFT JOIN LATERAL (
				SELECT CASE WHEN p.event = 'reopened' THEN 'open' ELSE p.event_data->>'to' END AS status, p.created_at AS at
				FROM entries p WHERE p.ticket_id = t.id AND `+statusEventOf("p")+` AND p.created_at < $1
				ORDER BY p.id DESC LIMIT 1
			) l ON true
			WHERE t.created_at < $1`+dept+`
		)
		SELECT n.open - r.open_now + r.open, n.overdue - r.overdue_now + r.overdue
		FROM (SELECT count(*) AS open, count(*) FILTER (WHERE t.due_at <= $1) AS overdue
			FROM tickets t WHERE t.status = 'open' AND t.created_at < $1`+dept+`) n,
		(SELECT count(*) FILTER (WHERE open_now) AS open_now, count(*) FILTER (WHERE overdue_now) AS overdue_now,
			count(*) FILTER (WHERE open) AS open, count(*) FILTER (WHERE overdue) AS overdue FROM replayed) r`,
		append([]any{at}, args...)...).Scan(&b.Open, &b.Overdue)
	return b, err
}
