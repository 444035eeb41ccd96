package tickets_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/tickets"
)

var wib = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a moment in Jakarta (UTC+7), where the desk's days are.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, wib)
}

// reportDesk is a small desk whose May 2026 was worked through the real
// operations, with a fake clock, so each figure of its report can be
// worked out by hand (see TestPeriodReportFiguresByHand).
type reportDesk struct {
	s                *tickets.Store
	db               *sqlx.DB
	clock            *fakeClock
	admin, net, lead *tickets.Agent
	support, network int
}

func newReportDesk(t *testing.T) *reportDesk {
	t.Helper()
	clock := &fakeClock{t: at(time.April, 1, 8, 0)}
	s, db := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	d := &reportDesk{s: s, db: db, clock: clock}
	jar, err := s.CreateDepartment(ctx, "Jaringan")
	if err != nil {
		t.Fatal(err)
	}
	sup, _ := s.DepartmentByName(ctx, "Support")
	d.support, d.network = sup.ID, jar.ID
	d.admin = mustAgent(t, s, "admin@kemsos.go.id", true)
	d.net = mustAgent(t, s, "jaringan@kemsos.go.id", false, "Jaringan")
	agent := mustAgent(t, s, "agen@kemsos.go.id", false, "Support")
	d.lead = mustAgent(t, s, "ketua@kemsos.go.id", false, "Support")
	if err := s.UpdateAgent(ctx, d.admin, d.lead.ID, tickets.AgentUpdate{Active: true, Departments: []int{d.support}, Leads: []int{d.network}}); err != nil {
		t.Fatal(err)
	}
	if d.lead, err = s.AgentByID(ctx, d.lead.ID); err != nil {
		t.Fatal(err)
	}

	set := func(tm time.Time) { clock.t = tm }
	open := func(tm time.Time, topic string) *tickets.Ticket {
		set(tm)
		return openTicket(t, s, "warga@example.id", topic)
	}
	respond := func(tk *tickets.Ticket, by *tickets.Agent, tm time.Time) {
		set(tm)
		if _, err := s.Respond(ctx, tk.ID, by, tickets.Post{Body: "Sedang kami periksa."}); err != nil {
			t.Fatal(err)
		}
	}
	status := func(tk *tickets.Ticket, st string, tm time.Time) {
		set(tm)
		if err := s.SetStatus(ctx, tk.ID, tickets.AgentActor(d.admin), st); err != nil {
			t.Fatal(err)
		}
	}
	// T0: opened on the last evening of April, resolved 90 minutes later,
	// after midnight: in May by Jakarta's clock, still April 30 in UTC.
	t0 := open(at(time.April, 30, 23, 30), "Aplikasi SIKS-NG")
	status(t0, tickets.StatusResolved, at(time.May, 1, 1, 0))
	// T1: opened half past midnight on May 1 (April 30 in UTC); answered
	// in 2 h, resolved after 24 h.
	t1 := open(at(time.May, 1, 0, 30), "Data Terpadu")
	respond(t1, agent, at(time.May, 1, 2, 30))
	status(t1, tickets.StatusResolved, at(time.May, 2, 0, 30))
	// T2: answered after 50 h, past its 48 h; resolved after 60 h, reopened
	// by the citizen's reply and resolved again: it counts once, at its
	// first resolution.
	t2 := open(at(time.May, 1, 10, 0), "Data Terpadu")
	respond(t2, agent, at(time.May, 3, 12, 0))
	status(t2, tickets.StatusResolved, at(time.May, 3, 22, 0))
	set(at(time.May, 5, 10, 0))
	owner, _ := s.UserByEmail(ctx, "warga@example.id")
	if _, err := s.AddMessage(ctx, t2.ID, owner, tickets.Post{Body: "Belum beres, Pak."}); err != nil {
		t.Fatal(err)
	}
	status(t2, tickets.StatusResolved, at(time.May, 6, 9, 0))
	// T3: transferred to Jaringan; a note after 10 minutes (not a
	// response), answered after 30. Still open, overdue since May 12.
	t3 := open(at(time.May, 10, 8, 0), "Email Kemsos")
	set(at(time.May, 10, 8, 5))
	if err := s.Transfer(ctx, t3.ID, tickets.AgentActor(d.admin), d.network, "Urusan jaringan"); err != nil {
		t.Fatal(err)
	}
	set(at(time.May, 10, 8, 10))
	if _, err := s.Note(ctx, t3.ID, d.net, tickets.Post{Body: "Cek dulu ke pusat data."}); err != nil {
		t.Fatal(err)
	}
	respond(t3, d.net, at(time.May, 10, 8, 30))
	// T4: opened an hour before the period ends, not answered: pending.
	open(at(time.May, 31, 23, 0), "")
	// T5: never answered, so missed; open and overdue at the period's end,
	// resolved the morning after it.
	t5 := open(at(time.May, 20, 9, 0), "")
	status(t5, tickets.StatusResolved, at(time.June, 1, 8, 0))
	// T6: June 1, half past midnight: May 31 in UTC, June here.
	open(at(time.June, 1, 0, 30), "Data Terpadu")
	// T7: answered in 5 h, closed straight away after 24 h.
	t7 := open(at(time.May, 15, 12, 0), "Data Terpadu")
	respond(t7, agent, at(time.May, 15, 17, 0))
	status(t7, tickets.StatusClosed, at(time.May, 16, 12, 0))
	// T8: answered in 1 h, resolved after 24 h, reopened by an agent after
	// the period: resolved at its end, open now with a fresh due date.
	t8 := open(at(time.May, 25, 10, 0), "Internet/Jaringan")
	respond(t8, agent, at(time.May, 25, 11, 0))
	status(t8, tickets.StatusResolved, at(time.May, 26, 10, 0))
	status(t8, tickets.StatusOpen, at(time.June, 1, 9, 0))

	set(at(time.June, 1, 10, 0))
	return d
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// TestPeriodReportFiguresByHand checks every figure of May 2026 against
// values worked out by hand from newReportDesk's story.
func TestPeriodReportFiguresByHand(t *testing.T) {
	d := newReportDesk(t)
	// No dates: the last full month in Jakarta, which it is on June 1.
	rep, err := d.s.PeriodReport(ctx, tickets.ReportRequest{Agent: d.admin, Location: wib})
	if err != nil {
		t.Fatal(err)
	}
	if rep.From != "2026-05-01" || rep.To != "2026-05-31" || !rep.Start.Equal(at(time.May, 1, 0, 0)) ||
		!rep.End.Equal(at(time.June, 1, 0, 0)) || rep.TimeZone != "Asia/Jakarta" {
		t.Fatalf("period %s..%s [%v, %v) %s", rep.From, rep.To, rep.Start, rep.End, rep.TimeZone)
	}
	// Opened: T1 T2 T3 T4 T5 T7 T8 (not T0, April; not T6, June).
	// Resolved first in May: T0 T1 T2 T7 T8; reopened later: T2 T8.
	if rep.Opened != 7 || rep.Resolved != 5 || rep.Reopened != 2 || rep.Unanswered != 2 {
		t.Errorf("opened %d resolved %d reopened %d unanswered %d, want 7 5 2 2", rep.Opened, rep.Resolved, rep.Reopened, rep.Unanswered)
	}
	// First responses 0.5 1 2 5 50 h: median the middle one; p90 at rank
	// 0.9×4 = 3.6, 5 h + 0.6×45 h.
	if want := (tickets.Durations{Count: 5, Median: hours(2), P90: hours(32)}); rep.FirstResponse != want {
		t.Errorf("first response %+v, want %+v", rep.FirstResponse, want)
	}
	// Resolutions 1.5 24 24 24 60 h: p90 24 h + 0.6×36 h.
	if want := (tickets.Durations{Count: 5, Median: hours(24), P90: hours(45.6)}); rep.Resolution != want {
		t.Errorf("resolution %+v, want %+v", rep.Resolution, want)
	}
	// Within 48 h: T1 T3 T7 T8; missed: T2 (late), T5 (never, past due);
	// pending: T4 (due June 2).
	if want := (tickets.SLAShare{Met: 4, Missed: 2, Pending: 1}); rep.SLA != want {
		t.Errorf("SLA %+v, want %+v", rep.SLA, want)
	}
	if share, ok := rep.SLA.Share(); !ok || share != 4.0/6 {
		t.Errorf("SLA share %v %v", share, ok)
	}
	days := map[string][2]int{}
	for _, day := range rep.Days {
		if day.Opened+day.Resolved > 0 {
			days[day.Date] = [2]int{day.Opened, day.Resolved}
		}
	}
	wantDays := map[string][2]int{
		"2026-05-01": {2, 1}, // T1 (April 30 in UTC) and T2; T0 resolved (April 30 in UTC)
		"2026-05-02": {0, 1}, "2026-05-03": {0, 1}, "2026-05-10": {1, 0}, "2026-05-15": {1, 0},
		"2026-05-16": {0, 1}, "2026-05-20": {1, 0}, "2026-05-25": {1, 0}, "2026-05-26": {0, 1},
		"2026-05-31": {1, 0}, // T4; T6 is May 31 in UTC but June here
	}
	if len(rep.Days) != 31 || rep.Days[0].Date != "2026-05-01" || rep.Days[30].Date != "2026-05-31" || !reflect.DeepEqual(days, wantDays) {
		t.Errorf("%d days from %s: %v, want %v", len(rep.Days), rep.Days[0].Date, days, wantDays)
	}
	type row struct {
		Name             string
		Opened, Resolved int
		FirstMedian      time.Duration
		SLA              tickets.SLAShare
	}
	rows := func(gs []tickets.ReportGroup) []row {
		var out []row
		for _, g := range gs {
			out = append(out, row{g.Name, g.Opened, g.Resolved, g.FirstResponse.Median, g.SLA})
		}
		return out
	}
	// Most opened first, ties by resolved; no topic last.
	wantTopics := []row{
		{"Data Terpadu", 3, 3, hours(5), tickets.SLAShare{Met: 2, Missed: 1}},
		{"Internet/Jaringan", 1, 1, hours(1), tickets.SLAShare{Met: 1}},
		{"Email Kemsos", 1, 0, hours(0.5), tickets.SLAShare{Met: 1}},
		{"Aplikasi SIKS-NG", 0, 1, 0, tickets.SLAShare{}},
		{"", 2, 0, 0, tickets.SLAShare{Missed: 1, Pending: 1}},
	}
	if got := rows(rep.Topics); !reflect.DeepEqual(got, wantTopics) {
		t.Errorf("topics\n%+v, want\n%+v", got, wantTopics)
	}
	if g := rep.Topics[0]; g.FirstResponse.P90 != hours(41) || g.Resolution != (tickets.Durations{Count: 3, Median: hours(24), P90: hours(52.8)}) {
		// 2 5 50 h: p90 at rank 1.8, 5 + 0.8×45; 24 24 60 h: 24 + 0.8×36.
		t.Errorf("Data Terpadu: first response p90 %v, resolution %+v", g.FirstResponse.P90, g.Resolution)
	}
	if rep.Topics[4].ID != 0 {
		t.Errorf("the no-topic row has id %d", rep.Topics[4].ID)
	}
	// T3 is reported by Jaringan, where it is now.
	wantDepts := []row{
		{"Jaringan", 1, 0, hours(0.5), tickets.SLAShare{Met: 1}},
		{"Support", 6, 5, hours(3.5), tickets.SLAShare{Met: 3, Missed: 2, Pending: 1}},
	}
	if got := rows(rep.ByDepartment); !reflect.DeepEqual(got, wantDepts) {
		t.Errorf("departments\n%+v, want\n%+v", got, wantDepts)
	}
	// At the end of May: open T3 (overdue), T4, T5 (overdue; resolved
	// since, so replayed from its events); T8 was resolved then. Now: T3
	// (overdue), T4, T6, T8 (reopened, due June 3).
	if want := (tickets.Backlog{At: at(time.June, 1, 0, 0), Open: 3, Overdue: 2}); !backlogEqual(rep.BacklogAtEnd, want) {
		t.Errorf("backlog at end %+v, want %+v", rep.BacklogAtEnd, want)
	}
	if want := (tickets.Backlog{At: at(time.June, 1, 10, 0), Open: 4, Overdue: 1}); !backlogEqual(rep.BacklogNow, want) {
		t.Errorf("backlog now %+v, want %+v", rep.BacklogNow, want)
	}

	// The same period in UTC moves the midnight tickets across days: T1
	// and T0's resolution fall on April 30, out of May; T1's resolution
	// on May 1; T6 comes in on May 31.
	utc, err := d.s.PeriodReport(ctx, tickets.ReportRequest{Agent: d.admin, From: "2026-05-01", To: "2026-05-31", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if utc.Opened != 7 || utc.Resolved != 4 || utc.Days[0].Opened != 1 || utc.Days[0].Resolved != 1 || utc.Days[30].Opened != 2 {
		t.Errorf("in UTC: opened %d resolved %d, May 1 %+v, May 31 %+v", utc.Opened, utc.Resolved, utc.Days[0], utc.Days[30])
	}
}

func backlogEqual(a, b tickets.Backlog) bool {
	return a.At.Equal(b.At) && a.Open == b.Open && a.Overdue == b.Overdue
}

func TestPeriodReportForLeadsOnly(t *testing.T) {
	d := newReportDesk(t)
	may := tickets.ReportRequest{From: "2026-05-01", To: "2026-05-31", Location: wib}
	ask := func(a *tickets.Agent, dept int) (*tickets.PeriodReport, error) {
		r := may
		r.Agent, r.DepartmentID = a, dept
		return d.s.PeriodReport(ctx, r)
	}
	// An agent who leads nothing sees no report, not even of their own
	// department.
	for _, dept := range []int{0, d.network, d.support} {
		if _, err := ask(d.net, dept); !errors.Is(err, tickets.ErrForbidden) {
			t.Errorf("agent, department %d: %v, want forbidden", dept, err)
		}
	}
	// The lead of Jaringan (a member of Support) sees Jaringan only.
	if _, err := ask(d.lead, d.support); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("lead, another department: %v, want forbidden", err)
	}
	if _, err := ask(d.lead, 9999); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("lead, no such department: %v, want forbidden", err)
	}
	for _, dept := range []int{0, d.network} {
		rep, err := ask(d.lead, dept)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Departments) != 1 || rep.Departments[0].Name != "Jaringan" || rep.Opened != 1 || rep.Resolved != 0 ||
			rep.FirstResponse.Median != 30*time.Minute || rep.BacklogAtEnd.Open != 1 || rep.BacklogAtEnd.Overdue != 1 ||
			len(rep.ByDepartment) != 1 || len(rep.Topics) != 1 || rep.Topics[0].Name != "Email Kemsos" {
			t.Errorf("lead, department %d: %+v", dept, rep)
		}
	}
	// Admins and API keys (no agent) see every department, or one.
	for _, a := range []*tickets.Agent{d.admin, nil} {
		rep, err := ask(a, 0)
		if err != nil || rep.Opened != 7 || len(rep.ByDepartment) != 2 {
			t.Errorf("all departments: %v %+v", err, rep)
		}
		r := may
		r.Agent, r.Department = a, "support"
		if rep, err := d.s.PeriodReport(ctx, r); err != nil || rep.Opened != 6 || rep.Department == nil || rep.Department.ID != d.support {
			t.Errorf("Support by name: %v %+v", err, rep)
		}
	}
	if _, err := ask(d.admin, 9999); !hasField(err, "department") {
		t.Errorf("admin, no such department: %v", err)
	}
}

func hasField(err error, field string) bool {
	var v *tickets.ValidationError
	return errors.As(err, &v) && v.Fields[field] != ""
}

func TestReportPeriodDates(t *testing.T) {
	now := at(time.March, 15, 12, 0)
	for _, c := range []struct {
		from, to   string
		start, end time.Time
		field      string
	}{
		{"", "", at(time.February, 1, 0, 0), at(time.March, 1, 0, 0), ""},
		{"2026-05-03", "", at(time.May, 3, 0, 0), at(time.June, 1, 0, 0), ""},
		{"", "2026-05-20", at(time.May, 1, 0, 0), at(time.May, 21, 0, 0), ""},
		{"2026-05-20", "2026-05-20", at(time.May, 20, 0, 0), at(time.May, 21, 0, 0), ""},
		{"2026-01-01", "2026-12-31", at(time.January, 1, 0, 0), time.Date(2027, 1, 1, 0, 0, 0, 0, wib), ""},
		{"2026-05-20", "2026-05-19", time.Time{}, time.Time{}, "to"},
		{"2025-01-01", "2026-01-02", time.Time{}, time.Time{}, "to"},
		{"20-05-2026", "2026-05-19", time.Time{}, time.Time{}, "from"},
		{"2026-05-01", "kemarin", time.Time{}, time.Time{}, "to"},
	} {
		start, end, err := tickets.ReportPeriod(c.from, c.to, wib, now)
		switch {
		case c.field != "" && !hasField(err, c.field):
			t.Errorf("%q..%q: %v, want an error on %s", c.from, c.to, err, c.field)
		case c.field == "" && (err != nil || !start.Equal(c.start) || !end.Equal(c.end)):
			t.Errorf("%q..%q: [%v, %v) %v, want [%v, %v)", c.from, c.to, start, end, err, c.start, c.end)
		}
	}
	// January's last full month is the previous year's December.
	if start, _, _ := tickets.ReportPeriod("", "", wib, time.Date(2026, 1, 1, 0, 30, 0, 0, wib)); !start.Equal(time.Date(2025, 12, 1, 0, 0, 0, 0, wib)) {
		t.Errorf("in January: %v", start)
	}
}

// TestPeriodReportNeedsOneConnection: the report's reads take one
// connection at a time, so that a full pool cannot leave it waiting for a
// second while it holds its snapshot.
func TestPeriodReportNeedsOneConnection(t *testing.T) {
	d := newReportDesk(t)
	d.db.SetMaxOpenConns(1)
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rep, err := d.s.PeriodReport(c, tickets.ReportRequest{Agent: d.admin, Location: wib})
	if err != nil || rep.Opened != 7 {
		t.Fatalf("on a pool of one: %v", err)
	}
}
