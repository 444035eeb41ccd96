package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

// queueNumbers are the ticket numbers of a queue page, in order.
func queueNumbers(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td class="num"><a href="/agent/tickets/(\d+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestWebQueueShowsTheWorklistSortedByAnyColumn(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	owner := e.citizen("izzah@example.id", "Izzah Annisa")
	late := openViaWeb(t, owner, "Bansos belum cair")
	answered := openViaWeb(t, owner, "Kartu keluarga hilang")
	urgent := openViaWeb(t, owner, "Rekening diblokir")
	ag, a := e.agent("petugas@kemsos.go.id", false, "Support")
	tk, _ := e.store.TicketByNumber(ctx, late)
	e.db.Exec(`UPDATE tickets SET due_at = now() - interval '5 hours 10 minutes' WHERE number = $1`, late)
	tk, _ = e.store.TicketByNumber(ctx, answered)
	if _, err := e.store.Respond(ctx, tk.ID, a, tickets.Post{Body: "Sedang kami cek"}); err != nil {
		t.Fatal(err)
	}
	tk, _ = e.store.TicketByNumber(ctx, urgent)
	if err := e.store.SetPriority(ctx, tk.ID, tickets.AgentActor(a), "emergency"); err != nil {
		t.Fatal(err)
	}

	q := ag.get("/agent")
	for _, want := range []string{"Perlu dijawab", "Petugas", "Batas waktu", "Ditugaskan kepada", "Pesan terakhir",
		"terlambat 5 j", "47 j lagi", "Darurat", a.Name, "Belum ditugaskan", `Terbuka <span class="count">3</span>`,
		`Tiket Saya <span class="count">1</span>`, `Ditutup <span class="count">0</span>`} {
		if !strings.Contains(q.body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	// The answered ticket is not waiting; the two others are.
	if n := strings.Count(q.body, `<span class="badge waiting">`); n != 2 {
		t.Errorf("%d tickets marked waiting, want 2", n)
	}
	for _, c := range []struct {
		sort string
		want []string
	}{
		{"due", []string{late, answered, urgent}},
		{"-due", []string{urgent, answered, late}},
		{"-priority", []string{urgent, answered, late}},
		{"-updated", []string{urgent, answered, late}},
		{"assignee", []string{answered, urgent, late}},
	} {
		r := ag.get("/agent?sort=" + c.sort)
		if got := queueNumbers(r.body); strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("sort %s: %v, want %v", c.sort, got, c.want)
		}
	}
	// The headers link to their sort, and the current one to its reverse.
	r := ag.get("/agent?tab=open&sort=due")
	for _, want := range []string{`aria-sort="ascending"><a href="/agent?sort=-due&amp;tab=open">`, `<a href="/agent?sort=number&amp;tab=open">`,
		`<a href="/agent?sort=-priority&amp;tab=open">`, `<a href="/agent?tab=open">Terakhir diperbarui`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("headers lack %s", want)
		}
	}
	// A sort nobody offers is the default, not an error.
	if r := ag.get("/agent?sort=subject"); r.code != 200 || len(queueNumbers(r.body)) != 3 {
		t.Errorf("unknown sort: %d", r.code)
	}
	ag.post("/lang", url.Values{"lang": {"en"}, "next": {"/agent"}})
	if r := ag.get("/agent"); !strings.Contains(r.body, "Waiting for us") || !strings.Contains(r.body, "5 h overdue") || !strings.Contains(r.body, "in 47 h") {
		t.Errorf("English queue: %s", snippet(r.body))
	}
}

// An agent may bulk-change only tickets of departments they see: another
// department's ticket, posted by its number, is reported and left alone,
// as is a number that does not exist; the rest change.
func TestWebBulkChangeRefusesTicketsOfAnotherDepartment(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	data, _ := e.store.CreateDepartment(ctx, "Data")
	owner := e.citizen("izzah@example.id", "Izzah Annisa")
	mine1, mine2 := openViaWeb(t, owner, "Satu"), openViaWeb(t, owner, "Dua")
	theirs := openViaWeb(t, owner, "Milik bagian lain")
	tk, _ := e.store.TicketByNumber(ctx, theirs)
	if err := e.store.Transfer(ctx, tk.ID, tickets.System, data.ID, "bagian Data"); err != nil {
		t.Fatal(err)
	}
	ag, a := e.agent("petugas@kemsos.go.id", false, "Support")
	back := "/agent?tab=open&sort=due"
	ag.get(back)
	r := ag.post("/agent/bulk", url.Values{"back": {back}, "t": {mine1, mine2, theirs, "999999"}, "priority": {"high"}, "assign": {strconv.Itoa(a.ID)}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != back {
		t.Fatalf("bulk: %d %s", r.code, r.h.Get("Location"))
	}
	page := ag.follow(r)
	for _, want := range []string{"2 tiket diubah, 2 tidak:", "#" + theirs + "</a>: Tiket tidak ditemukan atau bukan bagian Anda.", "#999999</a>: Tiket tidak ditemukan"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("result lacks %q: %s", want, snippet(page.body))
		}
	}
	if r := ag.get("/agent"); strings.Contains(r.body, "tiket diubah") {
		t.Error("the result shows again")
	}
	for _, n := range []string{mine1, mine2} {
		tk, _ := e.store.TicketByNumber(ctx, n)
		if tk.Priority != "high" || tk.AssigneeID.Int64 != int64(a.ID) {
			t.Errorf("#%s not changed: %s %v", n, tk.Priority, tk.AssigneeID)
		}
	}
	if tk, _ := e.store.TicketByNumber(ctx, theirs); tk.Priority != "normal" || tk.AssigneeID.Valid {
		t.Fatalf("another department's ticket changed: %s %v", tk.Priority, tk.AssigneeID)
	}
	// "All on this page" takes the page's numbers: forged ones too are checked.
	ag.get(back)
	r = ag.post("/agent/bulk", url.Values{"back": {back}, "all": {"1"}, "page": {mine1, theirs}, "status": {"resolved"}})
	if page := ag.follow(r); !strings.Contains(page.body, "1 tiket diubah, 1 tidak:") {
		t.Errorf("all on the page: %s", snippet(page.body))
	}
	if tk, _ := e.store.TicketByNumber(ctx, theirs); tk.Status != tickets.StatusOpen {
		t.Fatalf("another department's ticket resolved")
	}
	// A change wrong in itself changes nothing and says why, on the queue.
	ag.get(back)
	r = ag.post("/agent/bulk", url.Values{"back": {back}, "t": {mine2}, "department": {strconv.Itoa(data.ID)}})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Alasan transfer wajib diisi.") || !strings.Contains(r.body, `value="`+mine2+`" aria-label="Pilih tiket #`+mine2+`" checked`) {
		t.Errorf("transfer without reason: %d %s", r.code, snippet(r.body))
	}
	if r := ag.post("/agent/bulk", url.Values{"back": {back}, "t": {mine2}}); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Pilih perubahan yang akan diterapkan.") {
		t.Errorf("nothing to change: %d", r.code)
	}
	if r := ag.post("/agent/bulk", url.Values{"back": {back}, "priority": {"low"}}); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Pilih minimal satu tiket.") {
		t.Errorf("no tickets: %d", r.code)
	}
	// Transfer in bulk, with the reason; then the tickets are gone from view.
	r = ag.post("/agent/bulk", url.Values{"back": {back}, "t": {mine2}, "department": {strconv.Itoa(data.ID)}, "reason": {"Urusan bagian Data"}})
	if page := ag.follow(r); !strings.Contains(page.body, "1 tiket diubah.") || strings.Contains(page.body, ">"+mine2+"<") {
		t.Errorf("bulk transfer: %s", snippet(page.body))
	}
	// Without the form's token nothing happens; the return address stays
	// on the queue.
	if r := ag.post("/agent/bulk", url.Values{"csrf": {"x"}, "t": {mine1}, "priority": {"low"}}); r.code != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", r.code)
	}
	ag.get("/agent")
	if r := ag.post("/agent/bulk", url.Values{"back": {"//evil.example/agent"}, "t": {mine1}, "priority": {"low"}}); r.h.Get("Location") != "/agent" {
		t.Errorf("back to %q", r.h.Get("Location"))
	}
	if tk, _ := e.store.TicketByNumber(ctx, mine1); tk.Priority != "low" {
		t.Errorf("priority %s", tk.Priority)
	}
}

func TestWebSavedViewsAreTheirAgentsTabs(t *testing.T) {
	e := newWebEnv(t)
	owner := e.citizen("izzah@example.id", "Izzah Annisa")
	num := openViaWeb(t, owner, "Bansos belum cair")
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	other, _ := e.agent("lain@kemsos.go.id", false, "Support")
	ag.get("/agent?tab=unassigned&sort=due")
	r := ag.post("/agent/views", url.Values{"name": {"Belum ada yang pegang"}, "tab": {"unassigned"}, "sort": {"due"}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != "/agent?sort=due&tab=unassigned" {
		t.Fatalf("save: %d %s", r.code, r.h.Get("Location"))
	}
	page := ag.follow(r)
	if !strings.Contains(page.body, "Tampilan tersimpan.") || !strings.Contains(page.body, `href="/agent?sort=due&amp;tab=unassigned" aria-current="page">Belum ada yang pegang</a>`) ||
		!strings.Contains(page.body, ">"+num+"<") || !strings.Contains(page.body, "Hapus tampilan “Belum ada yang pegang”") {
		t.Fatalf("the view's page: %s", snippet(page.body))
	}
	if r := ag.get("/agent"); !strings.Contains(r.body, ">Belum ada yang pegang</a>") || strings.Contains(r.body, "Hapus tampilan") {
		t.Error("the view is not a tab of the queue")
	}
	if r := other.get("/agent"); strings.Contains(r.body, "Belum ada yang pegang") {
		t.Error("another agent sees the view")
	}
	if r := ag.post("/agent/views", url.Values{"name": {" "}, "tab": {"open"}}); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Beri nama tampilan") {
		t.Errorf("no name: %d", r.code)
	}
	var id int
	e.db.Get(&id, `SELECT id FROM saved_views`)
	other.get("/agent")
	if r := other.post("/agent/views/"+strconv.Itoa(id)+"/delete", nil); r.code != http.StatusNotFound {
		t.Errorf("another agent deletes the view: %d", r.code)
	}
	ag.get("/agent")
	if r := ag.post("/agent/views/"+strconv.Itoa(id)+"/delete", nil); r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.code)
	} else if page := ag.follow(r); !strings.Contains(page.body, "Tampilan dihapus.") || strings.Contains(page.body, "Belum ada yang pegang") {
		t.Errorf("after delete: %s", snippet(page.body))
	}
}

// A search from a tab looks at every status and finds people by name,
// address, domain and phone; the tabs then narrow it.
func TestWebSearchFindsPeopleAcrossEveryStatus(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	izzah := e.citizen("izzah.annisa@yahoo.co.id", "Izzah Annisa")
	closed := openViaWeb(t, izzah, "Bansos tahun lalu")
	open := openViaWeb(t, izzah, "Kartu hilang")
	other := openViaWeb(t, e.citizen("budi@gmail.com", "Budi Santoso"), "Data ganda")
	e.db.Exec(`UPDATE users SET phone = '0811111111' WHERE email = 'budi@gmail.com'`)
	ag, a := e.agent("petugas@kemsos.go.id", false, "Support")
	tk, _ := e.store.TicketByNumber(ctx, closed)
	if err := e.store.SetStatus(ctx, tk.ID, tickets.AgentActor(a), tickets.StatusClosed); err != nil {
		t.Fatal(err)
	}
	both := strings.Join([]string{closed, open}, " ") // the closed one changed last
	for _, q := range []string{"Izzah Annisa", "izzah.annisa@yahoo.co.id", "yahoo.co.id", "annis", "0812-3456-7890"} {
		r := ag.get("/agent?tab=open&q=" + url.QueryEscape(q))
		if got := strings.Join(queueNumbers(r.body), " "); got != both {
			t.Errorf("%q: %s, want %s", q, got, both)
		}
		if !strings.Contains(r.body, "di semua status dan petugas") || !strings.Contains(r.body, `aria-current="page">Semua status</a>`) {
			t.Errorf("%q: the page does not say it searched everything", q)
		}
	}
	// Kept to the tab, by the checkbox or by a tab's link.
	r := ag.get("/agent?tab=open&in_tab=1&q=izzah")
	if got := strings.Join(queueNumbers(r.body), " "); got != open || !strings.Contains(r.body, "di tab Terbuka") {
		t.Errorf("in the open tab: %s", got)
	}
	if !strings.Contains(r.body, `href="/agent?in_tab=1&amp;q=izzah&amp;tab=closed"`) {
		t.Error("the tabs do not narrow the search")
	}
	if r := ag.get("/agent?tab=closed&in_tab=1&q=izzah"); strings.Join(queueNumbers(r.body), " ") != closed {
		t.Error("closed tab search")
	}
	if r := ag.get("/agent?q=santoso"); strings.Join(queueNumbers(r.body), " ") != other {
		t.Error("santoso")
	}
}

func TestAPISearchFindsPeopleAndSorts(t *testing.T) {
	e := newTestEnv(t)
	first := e.openViaAPI("Satu") // fitri@yahoo.co.id, "Izzah Annisa"
	second := e.openViaAPI("Dua")
	var page struct {
		Tickets  []apiTicket `json:"tickets"`
		NextPage *int        `json:"next_page"`
	}
	for _, q := range []string{"yahoo.co.id", "fitri@yahoo.co.id", "Izzah", "annisa"} {
		if code := e.api("GET", "/api/v1/tickets?q="+url.QueryEscape(q), nil, &page); code != 200 || len(page.Tickets) != 2 {
			t.Errorf("%q: %d, %d tickets", q, code, len(page.Tickets))
		}
	}
	e.api("GET", "/api/v1/tickets?sort=number", nil, &page)
	lo, hi := first.Number, second.Number
	if hi < lo {
		lo, hi = hi, lo
	}
	if len(page.Tickets) != 2 || page.Tickets[0].Number != lo || page.Tickets[1].Number != hi {
		t.Errorf("sort=number: %+v", page.Tickets)
	}
	var bad apiErr
	if code := e.api("GET", "/api/v1/tickets?sort=subject", nil, &bad); code != 400 || bad.Fields["sort"] == "" {
		t.Errorf("sort=subject: %d %+v", code, bad)
	}
}
