package tickets_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/tickets"
	"github.com/lib/pq"
)

// plainOrder is each sort written independently of tickets.List, as
// anyone would write it for a few rows.
func plainOrder(key string, desc bool) string {
	dir, nulls := "ASC", "NULLS LAST"
	if desc {
		dir, nulls = "DESC", "NULLS FIRST"
	}
	switch key {
	case tickets.SortNumber:
		return "t.number::bigint " + dir
	case tickets.SortDue:
		return "t.due_at " + dir + " " + nulls + ", t.id " + dir
	case tickets.SortPriority:
		return "array_position(ARRAY['low','normal','high','emergency'], t.priority) " + dir + ", t.updated_at " + dir + ", t.id " + dir
	case tickets.SortStatus:
		return "array_position(ARRAY['open','resolved','closed'], t.status) " + dir + ", t.updated_at DESC, t.id DESC"
	case tickets.SortAssignee:
		return "a.name " + dir + " " + nulls + ", t.assignee_id " + dir + " " + nulls + ", t.updated_at DESC, t.id DESC"
	}
	return "t.updated_at " + dir + ", t.id " + dir
}

// pages lists every page of f, PerPage 4, as numbers.
func pages(t *testing.T, s *tickets.Store, f tickets.Filter) []string {
	t.Helper()
	var got []string
	f.PerPage = 4
	for f.Page = 1; ; f.Page++ {
		ts, more, err := s.List(ctx, f)
		if err != nil {
			t.Fatalf("list %+v: %v", f, err)
		}
		for _, tk := range ts {
			got = append(got, tk.Number)
		}
		if !more || f.Page > 100 {
			return got
		}
	}
}

// queueFixture is 36 tickets in two departments with every status and
// priority, four assignees (one of them since moved to a department of
// their own), updated in bunches (ties broken by id) and due at different
// times, some never.
func queueFixture(t *testing.T, s *tickets.Store, db *sqlx.DB) (support, data int) {
	t.Helper()
	d, err := s.CreateDepartment(ctx, "Data")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateDepartment(ctx, "Lain")
	if err != nil {
		t.Fatal(err)
	}
	db.Get(&support, `SELECT id FROM departments WHERE name = 'Support'`)
	agents := []*tickets.Agent{
		mustAgent(t, s, "citra@kemsos.go.id", false, "Data"),
		mustAgent(t, s, "ana@kemsos.go.id", false, "Support"),
		mustAgent(t, s, "budi@kemsos.go.id", false, "Support", "Data"),
		mustAgent(t, s, "zaki@kemsos.go.id", false, "Lain"),
	}
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 36; i++ {
		body := "Data DTKS belum padan"
		if i%4 == 0 {
			body = "Rekening diblokir"
		}
		tk, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: fmt.Sprintf("w%d@example.id", i)},
			Subject: fmt.Sprintf("Aduan %d", i), Body: body, Source: tickets.SourceWeb})
		if err != nil {
			t.Fatal(err)
		}
		dept := support
		if i%2 == 1 {
			dept = d.ID
		}
		var assignee any
		if i%5 != 0 {
			assignee = agents[i%4].ID
		}
		var due any = base.Add(time.Duration((i*5)%11) * time.Hour)
		if i%9 == 0 {
			due = nil
		}
		if _, err := db.Exec(`UPDATE tickets SET department_id = $2, status = $3, priority = $4, assignee_id = $5,
			updated_at = $6, due_at = $7 WHERE id = $1`, tk.ID, dept, []string{"open", "resolved", "closed"}[(i/2)%3],
			tickets.Priorities[(i/3)%4], assignee, base.Add(time.Duration(i%7)*time.Minute), due); err != nil {
			t.Fatal(err)
		}
	}
	_ = other
	return support, d.ID
}

// Every sort of every queue, listed page by page, is the order of a plain
// ORDER BY over the same tickets: with and without words, for every way a
// search can be planned.
func TestListSortsByEveryColumnLikeAPlainOrderBy(t *testing.T) {
	for _, c := range []struct{ window, cap int }{{500, 1000}, {3, 1000}, {3, 5}} {
		t.Run(fmt.Sprintf("window%d-cap%d", c.window, c.cap), func(t *testing.T) {
			s, db := newStore(t, func(o *tickets.Opts) { o.SearchWindow, o.SearchCap = c.window, c.cap })
			support, data := queueFixture(t, s, db)
			for _, depts := range [][]int{nil, {support}, {support, data}} {
				for _, status := range []string{"", tickets.StatusOpen} {
					for _, q := range []string{"", "padan"} {
						if q == "" && c.window != 500 {
							continue // the plan of a search only
						}
						for _, key := range tickets.SortKeys {
							for _, desc := range []bool{false, true} {
								f := tickets.Filter{Departments: depts, Status: status, Query: q, Sort: tickets.Sort{Key: key, Desc: desc}}
								got := pages(t, s, f)
								var want []string
								err := db.Select(&want, `SELECT t.number FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id
									WHERE ($1::int[] IS NULL OR t.department_id = ANY($1)) AND ($2 = '' OR t.status = $2)
									AND ($3 = '' OR t.search @@ websearch_to_tsquery('simple', $3))
									ORDER BY `+plainOrder(key, desc), pq.Array(depts), status, q)
								if err != nil {
									t.Fatal(err)
								}
								if len(want) == 0 || strings.Join(got, " ") != strings.Join(want, " ") {
									t.Errorf("departments %v status %q q %q sort %s:\n got  %v\n want %v", depts, status, q, f.Sort, got, want)
								}
							}
						}
					}
				}
			}
		})
	}
}

// The Unassigned and Overdue tabs and a topic are conditions on each walk.
func TestListTabsFilterEachWalk(t *testing.T) {
	s, db := newStore(t)
	support, _ := queueFixture(t, s, db)
	db.Exec(`UPDATE tickets SET overdue = true WHERE status = 'open' AND due_at < '2026-03-01 16:00Z'`)
	for _, c := range []struct {
		f     tickets.Filter
		where string
	}{
		{tickets.Filter{Status: "open", Unassigned: true}, "t.status = 'open' AND t.assignee_id IS NULL"},
		{tickets.Filter{Status: "open", Overdue: true, Departments: []int{support}}, "t.status = 'open' AND t.overdue AND t.department_id = " + fmt.Sprint(support)},
	} {
		for _, key := range tickets.SortKeys {
			c.f.Sort = tickets.Sort{Key: key, Desc: tickets.NaturalDesc(key)}
			got := pages(t, s, c.f)
			var want []string
			if err := db.Select(&want, `SELECT t.number FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id WHERE `+c.where+
				` ORDER BY `+plainOrder(key, c.f.Sort.Desc)); err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s sorted %s:\n got  %v\n want %v", c.where, c.f.Sort, got, want)
			}
		}
	}
	if _, _, err := s.List(ctx, tickets.Filter{Sort: tickets.Sort{Key: "subject"}}); err == nil {
		t.Error("sorted by a column that has no sort")
	}
}

// A search finds people by name, a name's beginning, address, domain and
// phone number, as owners and as collaborators, whatever the status; the
// same whether the people are few enough to name or checked ticket by
// ticket, and page by page as a plain query over them.
func TestSearchFindsPeopleByNameAddressDomainAndPhone(t *testing.T) {
	for _, peopleCap := range []int{1000, 1} {
		for _, c := range []struct{ window, cap int }{{500, 1000}, {2, 1000}, {2, 3}} {
			t.Run(fmt.Sprintf("people%d-window%d-cap%d", peopleCap, c.window, c.cap), func(t *testing.T) {
				s, db := newStore(t, func(o *tickets.Opts) { o.SearchWindow, o.SearchCap, o.PeopleCap = c.window, c.cap, peopleCap })
				agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
				open := func(email, name, subject string, cc ...string) *tickets.Ticket {
					t.Helper()
					r := tickets.OpenRequest{Owner: tickets.Address{Email: email, Name: name}, Subject: subject, Body: "Mohon bantuan", Source: tickets.SourceWeb}
					for _, a := range cc {
						r.Collaborators = append(r.Collaborators, tickets.Address{Email: a, Name: "Rina Wati"})
					}
					tk, _, err := s.Open(ctx, r)
					if err != nil {
						t.Fatal(err)
					}
					return tk
				}
				izzah1 := open("izzah.annisa@yahoo.co.id", "Izzah Annisa", "Bansos belum cair")
				izzah2 := open("izzah.annisa@yahoo.co.id", "Izzah Annisa", "Kartu hilang")
				budi := open("budi@gmail.com", "Budi Santoso", "Data ganda", "rina@yahoo.co.id")
				yahoo := []*tickets.Ticket{izzah1, izzah2, budi}
				for i := 0; i < 5; i++ {
					yahoo = append(yahoo, open(fmt.Sprintf("warga%d@yahoo.co.id", i), "Warga", "Aduan lain"))
				}
				open("lain@example.id", "Annisa Lain", "Tidak terkait") // a namesake at another domain
				if err := s.SetStatus(ctx, izzah1.ID, tickets.AgentActor(agent), tickets.StatusClosed); err != nil {
					t.Fatal(err)
				}
				db.Exec(`UPDATE users SET phone = '+62 812-3456-7890' WHERE email = 'izzah.annisa@yahoo.co.id'`)
				numbers := func(ts ...*tickets.Ticket) string {
					var n []string
					for _, tk := range ts {
						n = append(n, tk.Number)
					}
					return strings.Join(sortedNumbers(t, db, n), " ")
				}
				for _, c := range []struct {
					q    string
					want string
				}{
					{"Izzah Annisa", numbers(izzah1, izzah2)},
					{"izzah annis", numbers(izzah1, izzah2)}, // a word's beginning
					{"izzah.annisa@yahoo.co.id", numbers(izzah1, izzah2)},
					{"IZZAH.ANNISA@YAHOO.CO.ID", numbers(izzah1, izzah2)},
					{"081234567890", numbers(izzah1, izzah2)},
					{"+62 812 3456 7890", numbers(izzah1, izzah2)},
					{"rina", numbers(budi)},      // a collaborator
					{"Rina Wati", numbers(budi)}, // by the collaborator's name
					{"yahoo.co.id", numbers(yahoo...)},
					{"@yahoo.co.id", numbers(yahoo...)},
					{"#" + budi.Number, numbers(budi)},
					{"santoso", numbers(budi)},
				} {
					for _, f := range []tickets.Filter{{Query: c.q}, {Query: c.q, Agent: agent}} {
						got := strings.Join(pages(t, s, f), " ")
						if got != c.want {
							t.Errorf("%q (agent %v): %s, want %s", c.q, f.Agent != nil, got, c.want)
						}
					}
				}
				// The tab as a filter: only the open ones.
				if got := strings.Join(pages(t, s, tickets.Filter{Query: "izzah", Status: tickets.StatusOpen}), " "); got != izzah2.Number {
					t.Errorf("izzah in open: %s", got)
				}
				// Another department's agent finds nobody.
				if _, err := s.CreateDepartment(ctx, "Lain"); err != nil {
					t.Fatal(err)
				}
				stranger := mustAgent(t, s, "lain@kemsos.go.id", false, "Lain")
				if ts, _, _ := s.List(ctx, tickets.Filter{Query: "izzah", Agent: stranger}); len(ts) != 0 {
					t.Errorf("an agent of no department found %d tickets", len(ts))
				}
			})
		}
	}
}

// sortedNumbers orders numbers newest update first, as a search lists them.
func sortedNumbers(t *testing.T, db *sqlx.DB, numbers []string) []string {
	t.Helper()
	var out []string
	if err := db.Select(&out, `SELECT number FROM tickets WHERE number = ANY($1) ORDER BY updated_at DESC, id DESC`, pq.Array(numbers)); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTabCountsCountWhatTheAgentSees(t *testing.T) {
	s, db := newStore(t)
	support, data := queueFixture(t, s, db)
	db.Exec(`UPDATE tickets SET overdue = true WHERE status = 'open' AND due_at < '2026-03-01 16:00Z'`)
	var budi *tickets.Agent
	budi, _ = s.AgentByEmail(ctx, "budi@kemsos.go.id")
	count := func(where string) int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM tickets t WHERE `+where); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		dept int
		vis  string
	}{{0, fmt.Sprintf("t.department_id IN (%d, %d)", support, data)}, {data, fmt.Sprintf("t.department_id = %d", data)}} {
		got, err := s.TabCounts(ctx, budi, c.dept)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{
			tickets.TabOpen:       count(c.vis + " AND status = 'open'"),
			tickets.TabMine:       count(c.vis + fmt.Sprintf(" AND status = 'open' AND assignee_id = %d", budi.ID)),
			tickets.TabUnassigned: count(c.vis + " AND status = 'open' AND assignee_id IS NULL"),
			tickets.TabOverdue:    count(c.vis + " AND status = 'open' AND overdue"),
			tickets.TabResolved:   count(c.vis + " AND status = 'resolved'"),
			tickets.TabClosed:     count(c.vis + " AND status = 'closed'"),
		}
		for tab, n := range want {
			if got[tab] != n || n == 0 && tab != tickets.TabMine {
				t.Errorf("department %d, %s: %d, want %d", c.dept, tab, got[tab], n)
			}
		}
	}
	// Past the cap, a count stops.
	if _, err := db.Exec(`INSERT INTO tickets (number, subject, department_id, owner_id, source)
		SELECT (300000 + g)::text, 'Aduan', $1, (SELECT min(id) FROM users), 'web' FROM generate_series(1, $2::int) g`, data, tickets.CountCap+5); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TabCounts(ctx, budi, data); got[tickets.TabOpen] != tickets.CountCap || got[tickets.TabUnassigned] != tickets.CountCap {
		t.Errorf("counts past the cap: %v", got)
	}
	ana, _ := s.AgentByEmail(ctx, "ana@kemsos.go.id")
	if got, _ := s.TabCounts(ctx, ana, data); len(got) != 0 && got[tickets.TabOpen] != 0 {
		t.Errorf("counts of a department ana does not see: %v", got)
	}
}

// A bulk change goes through Update ticket by ticket: another
// department's ticket, one that does not exist and one the new assignee
// cannot work are each reported, the others changed.
func TestUpdateManyReportsEachTicketItCouldNotChange(t *testing.T) {
	s, _ := newStore(t)
	data, _ := s.CreateDepartment(ctx, "Data")
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	mine1, mine2 := openTicket(t, s, "a@example.id", ""), openTicket(t, s, "b@example.id", "")
	theirs := openTicket(t, s, "c@example.id", "")
	if err := s.Transfer(ctx, theirs.ID, tickets.System, data.ID, "bagian lain"); err != nil {
		t.Fatal(err)
	}
	out, err := s.UpdateMany(ctx, []string{mine1.Number, "#" + mine2.Number, theirs.Number, "999999", mine1.Number},
		tickets.AgentActor(agent), tickets.Patch{Priority: "high", Assign: true, AssigneeID: agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 || out[0].Err != nil || out[1].Err != nil ||
		!errors.Is(out[2].Err, tickets.ErrNotFound) || !errors.Is(out[3].Err, tickets.ErrNotFound) {
		t.Fatalf("outcomes %+v", out)
	}
	for _, n := range []string{mine1.Number, mine2.Number} {
		tk, _ := s.TicketByNumber(ctx, n)
		if tk.Priority != "high" || tk.AssigneeID.Int64 != int64(agent.ID) {
			t.Errorf("#%s: %s, assignee %v", n, tk.Priority, tk.AssigneeID)
		}
	}
	if tk, _ := s.TicketByNumber(ctx, theirs.Number); tk.Priority != "normal" {
		t.Errorf("another department's ticket changed: %s", tk.Priority)
	}
	// A patch wrong in itself changes nothing.
	for _, p := range []tickets.Patch{{}, {DepartmentID: data.ID}, {Status: "pending"}} {
		if _, err := s.UpdateMany(ctx, []string{mine1.Number}, tickets.AgentActor(agent), p); err == nil {
			t.Errorf("patch %+v accepted", p)
		}
	}
	if _, err := s.UpdateMany(ctx, nil, tickets.AgentActor(agent), tickets.Patch{Priority: "low"}); err == nil {
		t.Error("no tickets accepted")
	}
	// The whole transfer goes through, each ticket with its own event.
	out, err = s.UpdateMany(ctx, []string{mine1.Number, mine2.Number}, tickets.AgentActor(agent), tickets.Patch{DepartmentID: data.ID, Reason: "salah bagian"})
	if err != nil || out[0].Err != nil || out[1].Err != nil {
		t.Fatalf("transfer: %v %+v", err, out)
	}
	if tk, _ := s.TicketByNumber(ctx, mine2.Number); tk.DepartmentID != data.ID || tk.AssigneeID.Valid {
		t.Errorf("after transfer: department %d assignee %v", tk.DepartmentID, tk.AssigneeID)
	}
}

func TestSavedViewsAreTheAgentsOwn(t *testing.T) {
	s, _ := newStore(t)
	ana := mustAgent(t, s, "ana@kemsos.go.id", false, "Support")
	budi := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	q := tickets.Queue{Tab: tickets.TabOverdue, Query: "klaten", InTab: true, Sort: tickets.Sort{Key: tickets.SortDue}}
	v, err := s.SaveView(ctx, ana, "Klaten terlambat", q)
	if err != nil {
		t.Fatal(err)
	}
	// The same name again, in another case, replaces it.
	q.Sort.Desc = true
	if _, err := s.SaveView(ctx, ana, "klaten TERLAMBAT", q); err != nil {
		t.Fatal(err)
	}
	views, _ := s.SavedViews(ctx, ana.ID)
	if len(views) != 1 || views[0].ID != v.ID || views[0].Queue != q.Normalized() || views[0].Name != "klaten TERLAMBAT" {
		t.Fatalf("views %+v", views)
	}
	if vs, _ := s.SavedViews(ctx, budi.ID); len(vs) != 0 {
		t.Errorf("budi sees %v", vs)
	}
	if err := s.DeleteView(ctx, budi, v.ID); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("budi deleted ana's view: %v", err)
	}
	for _, name := range []string{"", strings.Repeat("x", 61), "dua\nbaris"} {
		if _, err := s.SaveView(ctx, ana, name, q); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if _, err := s.SaveView(ctx, ana, "Bagian lain", tickets.Queue{DepartmentID: 9999}); err == nil {
		t.Error("a view of a department ana does not see")
	}
	for i := 1; i < tickets.MaxViews; i++ {
		if _, err := s.SaveView(ctx, ana, fmt.Sprintf("Tampilan %d", i), q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SaveView(ctx, ana, "Satu lagi", q); err == nil {
		t.Error("more views than the limit")
	}
	if err := s.DeleteView(ctx, ana, v.ID); err != nil {
		t.Fatal(err)
	}
}

// The queue's marker: the citizen wrote last and nobody answered. An
// auto-reply is nobody writing.
func TestWaitingForUsIsTheCitizensLastWord(t *testing.T) {
	s, _ := newStore(t)
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "warga@example.id", "")
	if !tk.WaitingForUs() {
		t.Error("a new ticket is not waiting")
	}
	if _, err := s.Respond(ctx, tk.ID, agent, tickets.Post{Body: "Sedang kami cek"}); err != nil {
		t.Fatal(err)
	}
	owner, _ := s.UserByEmail(ctx, "warga@example.id")
	if _, err := s.AddMessage(ctx, tk.ID, owner, tickets.Post{Body: "Saya sedang cuti", Source: tickets.SourceEmail, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if tk, _ = s.TicketByID(ctx, tk.ID); tk.WaitingForUs() || tk.LastFromCitizen() {
		t.Error("an auto-reply marks the ticket as waiting")
	}
	if _, err := s.AddMessage(ctx, tk.ID, owner, tickets.Post{Body: "Bagaimana kabarnya?"}); err != nil {
		t.Fatal(err)
	}
	if tk, _ = s.TicketByID(ctx, tk.ID); !tk.WaitingForUs() {
		t.Error("the citizen's follow-up is not waiting")
	}
}
