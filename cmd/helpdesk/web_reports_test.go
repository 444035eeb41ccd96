package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// reportEnv is a desk with two departments and a May 2026 to report on:
// in Support three tickets (one answered in 2 h and resolved, one
// answered after 50 h, one never answered), in Jaringan one answered in
// 30 minutes. The clock stands at June 1, 10:00 in Jakarta.
type reportEnv struct {
	*webEnv
	clock            *time.Time
	support, network *tickets.Department
	admin            *browser
	adminAgent       *tickets.Agent
}

func newReportEnv(t *testing.T) *reportEnv {
	t.Helper()
	wib, _ := time.LoadLocation("Asia/Jakarta")
	clock := time.Date(2026, 5, 4, 9, 0, 0, 0, wib)
	e := &reportEnv{clock: &clock}
	e.webEnv = newWebEnvWith(t, testEnvOpts{now: func() time.Time { return *e.clock }})
	bg := context.Background()
	var err error
	if e.network, err = e.store.CreateDepartment(bg, "Jaringan"); err != nil {
		t.Fatal(err)
	}
	e.support, _ = e.store.DepartmentByName(bg, "Support")
	agent, _ := e.store.CreateAgent(bg, tickets.NewAgent{Email: "agen@kemsos.go.id", Name: "Agen", Departments: []string{"Support", "Jaringan"}})
	open := func(at time.Time, dept int) *tickets.Ticket {
		*e.clock = at
		tk, _, err := e.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: "warga@example.id", Name: "Izzah Annisa"},
			Topic: "Data Terpadu", DepartmentID: dept, Subject: "Data DTKS tidak sesuai", Body: "Mohon dicek.", Source: tickets.SourceWeb})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	respond := func(tk *tickets.Ticket, at time.Time, status string) {
		*e.clock = at
		if _, err := e.store.Respond(bg, tk.ID, agent, tickets.Post{Body: "Sudah kami perbaiki.", Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d, h, m int) time.Time { return time.Date(2026, 5, d, h, m, 0, 0, wib) }
	a := open(day(1, 0, 30), 0) // April 30 in UTC
	respond(a, day(1, 2, 30), tickets.StatusResolved)
	b := open(day(5, 8, 0), 0)
	respond(b, day(7, 10, 0), "")
	open(day(20, 9, 0), 0)
	c := open(day(10, 8, 0), e.network.ID)
	respond(c, day(10, 8, 30), "")
	*e.clock = time.Date(2026, 6, 1, 10, 0, 0, 0, wib)
	e.admin, e.adminAgent = e.agent("admin@kemsos.go.id", true)
	return e
}

// lead makes an agent and has the admin grant them the lead of dept on
// /admin/agents, as an admin would.
func (e *reportEnv) lead(email string, dept *tickets.Department) *browser {
	e.t.Helper()
	b, a := e.agent(email, false, "Support")
	e.admin.get("/admin/agents")
	r := e.admin.post("/admin/agents/"+strconv.Itoa(a.ID), url.Values{"departments": {strconv.Itoa(e.support.ID)},
		"leads": {strconv.Itoa(dept.ID)}, "active": {"1"}})
	if r.code != http.StatusSeeOther {
		e.t.Fatalf("grant lead: %d %s", r.code, snippet(r.body))
	}
	if got, _ := e.store.AgentByID(context.Background(), a.ID); len(got.Leads) != 1 || got.Leads[0] != dept.ID {
		e.t.Fatalf("leads %v, want [%d]", got.Leads, dept.ID)
	}
	return b
}

func TestReportsRefusedToAnAgentWhoLeadsNothing(t *testing.T) {
	e := newReportEnv(t)
	b, _ := e.agent("agen.biasa@kemsos.go.id", false, "Support")
	for _, path := range []string{
		"/agent/reports", // the all-departments report
		"/agent/reports?department=" + strconv.Itoa(e.support.ID), // their own department's
		"/agent/reports?department=" + strconv.Itoa(e.network.ID), // another department's
		"/agent/reports/days.csv?department=" + strconv.Itoa(e.network.ID),
		"/agent/reports/summary.csv",
	} {
		if r := b.get(path); r.code != http.StatusForbidden || strings.Contains(r.body, "<svg") {
			t.Errorf("%s: %d, want 403", path, r.code)
		}
	}
	if r := b.get("/agent"); strings.Contains(r.body, `href="/agent/reports"`) {
		t.Error("the menu offers reports to an agent who may not read them")
	}
	// Signed out, the report asks for a sign-in.
	if r := e.browser().get("/agent/reports"); r.code != http.StatusSeeOther || !strings.HasPrefix(r.h.Get("Location"), "/agent/login") {
		t.Errorf("signed out: %d %s", r.code, r.h.Get("Location"))
	}
}

func TestReportsLeadSeesTheirDepartmentOnly(t *testing.T) {
	e := newReportEnv(t)
	b := e.lead("ketua.jaringan@kemsos.go.id", e.network)
	if r := b.get("/agent"); !strings.Contains(r.body, `href="/agent/reports"`) {
		t.Error("the menu does not offer the lead the reports")
	}
	// Another department's report (Support, which they work in but do not
	// lead), one that does not exist, and its CSV: refused alike.
	for _, path := range []string{
		"/agent/reports?from=2026-05-01&to=2026-05-31&department=" + strconv.Itoa(e.support.ID),
		"/agent/reports?department=99999",
		"/agent/reports/topics.csv?department=" + strconv.Itoa(e.support.ID),
	} {
		if r := b.get(path); r.code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", path, r.code)
		}
	}
	// Without a department: the departments they lead, which is Jaringan.
	r := b.get("/agent/reports?from=2026-05-01&to=2026-05-31")
	if r.code != http.StatusOK || !strings.Contains(r.body, "Bagian: Jaringan.") || strings.Contains(r.body, "<th scope=\"row\">Support</th>") {
		t.Fatalf("lead's report: %d %s", r.code, snippet(r.body))
	}
	rows := readCSV(t, b.get("/agent/reports/departments.csv?from=2026-05-01&to=2026-05-31"))
	if len(rows) != 2 || rows[1][0] != "Jaringan" || rows[1][1] != "1" || rows[1][3] != "30" {
		t.Errorf("lead's departments.csv: %q", rows)
	}
}

func TestReportsPageDrawsTheFigures(t *testing.T) {
	e := newReportEnv(t)
	// No dates: the last full month, May, in the agent's Jakarta time.
	r := e.admin.get("/agent/reports")
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, snippet(r.body))
	}
	for _, want := range []string{
		`value="2026-05-01"`, `value="2026-05-31"`, "Periode 01/05/2026 – 31/05/2026 (WIB).",
		// Opened 4; resolved 1; first responses 30 min, 2 h, 50 h; two of
		// three decided ones on time (the third ticket missed, unanswered).
		`<dt>Tiket masuk</dt><dd><strong>4</strong>`, `<dt>Tiket diselesaikan</dt><dd><strong>1</strong>`,
		`<strong>2 jam</strong>`, "90% dalam 1 hari 16 jam", "3 tiket dijawab, 1 belum",
		"<strong>50,0%</strong>", "2 dari 4 tepat waktu; 0 belum jatuh tempo",
		// Overdue at the end of May: the unanswered and the late ones.
		"dari 3 tiket terbuka pada 01/06/2026 00:00 WIB", "Sekarang: 3 terlambat dari 3 terbuka",
		`<svg viewBox="0 0 640 240" role="img" aria-labelledby="chart-days-title chart-days-desc"`,
		`<title id="chart-days-title">Tiket masuk dan diselesaikan per hari, 01/05/2026 – 31/05/2026</title>`,
		`<title>01/05: 1 Masuk</title>`, `<th scope="row">01/05/2026</th><td>1</td><td>1</td>`,
		`<th scope="row">Data Terpadu</th><td>4</td><td>1</td>`,
		`<th scope="row">Jaringan</th><td>1</td><td>0</td><td>30 menit</td>`,
		`href="/agent/reports/days.csv?from=2026-05-01&amp;to=2026-05-31"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`<rect [^>]*class="opened"`).FindAllString(r.body, -1); len(m) != 4+1 { // 4 days, 1 topic
		t.Errorf("%d opened bars, want 5", len(m))
	}
	// In English, the same figures.
	e.admin.post("/lang", url.Values{"lang": {"en"}, "next": {"/agent/reports"}})
	r = e.admin.get("/agent/reports?from=2026-05-01&to=2026-05-31")
	for _, want := range []string{"<strong>2 h</strong>", "90% within 1 d 16 h", "<strong>50.0%</strong>", "Period 01/05/2026 – 31/05/2026 (WIB)."} {
		if !strings.Contains(r.body, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	// Dates that are not dates, or the wrong way round: the form again,
	// with the reason at the field.
	e.admin.post("/lang", url.Values{"lang": {"id"}, "next": {"/agent/reports"}})
	r = e.admin.get("/agent/reports?from=2026-05-31&to=2026-05-01")
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Tanggal akhir tidak boleh sebelum tanggal awal.") || strings.Contains(r.body, "<svg") {
		t.Errorf("reversed dates: %d %s", r.code, snippet(r.body))
	}
	if r := e.admin.get("/agent/reports?from=31-05-2026"); r.code != http.StatusBadRequest || !strings.Contains(r.body, "TTTT-BB-HH") {
		t.Errorf("bad date: %d", r.code)
	}
	if r := e.admin.get("/agent/reports/nothing.csv"); r.code != http.StatusNotFound {
		t.Errorf("unknown CSV: %d", r.code)
	}
}

func TestReportsCSVFilesHoldThePageFigures(t *testing.T) {
	e := newReportEnv(t)
	q := "?from=2026-05-01&to=2026-05-31"
	r := e.admin.get("/agent/reports/days.csv" + q)
	if ct := r.h.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(r.h.Get("Content-Disposition"), `filename="laporan-2026-05-01-2026-05-31-per-hari.csv"`) {
		t.Errorf("headers %q %q", ct, r.h.Get("Content-Disposition"))
	}
	days := readCSV(t, r)
	if len(days) != 32 || strings.Join(days[0], ",") != "Tanggal,Masuk,Diselesaikan" || strings.Join(days[1], ",") != "2026-05-01,1,1" ||
		strings.Join(days[5], ",") != "2026-05-05,1,0" {
		t.Errorf("days.csv: %q", days)
	}
	summary := map[string]string{}
	for _, row := range readCSV(t, e.admin.get("/agent/reports/summary.csv"+q))[1:] {
		summary[row[0]] = row[1]
	}
	for k, v := range map[string]string{"Tiket masuk": "4", "Tiket diselesaikan": "1", "Respons pertama, median (menit)": "120",
		"Respons pertama, p90 (menit)": "2424", "Dalam SLA (%)": "50.0", "Terlambat pada akhir periode": "3", "Zona waktu": "Asia/Jakarta",
		"Bagian": "Semua bagian"} {
		if summary[k] != v {
			t.Errorf("summary.csv %s = %q, want %q", k, summary[k], v)
		}
	}
	topics := readCSV(t, e.admin.get("/agent/reports/topics.csv"+q))
	if len(topics) != 2 || len(topics[0]) != 11 || topics[1][0] != "Data Terpadu" || topics[1][10] != "50.0" {
		t.Errorf("topics.csv: %q", topics)
	}
}

// readCSV checks a CSV answer's byte-order mark and parses it.
func readCSV(t *testing.T, r resp) [][]string {
	t.Helper()
	body, ok := strings.CutPrefix(r.body, "\ufeff")
	if r.code != http.StatusOK || !ok {
		t.Fatalf("CSV: %d, BOM %v: %s", r.code, ok, snippet(r.body))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAPIReportGivesThePageFigures(t *testing.T) {
	e := newReportEnv(t)
	var out struct {
		From, To      string
		TimeZone      string `json:"time_zone"`
		Department    *string
		Opened        int
		Resolved      int
		FirstResponse struct {
			Count         int
			Unanswered    int
			MedianSeconds *float64 `json:"median_seconds"`
			P90Seconds    *float64 `json:"p90_seconds"`
		} `json:"first_response"`
		Resolution struct {
			MedianSeconds *float64 `json:"median_seconds"`
		}
		SLA struct {
			Met, Missed, Pending int
			Share                *float64
		}
		Backlog struct {
			PeriodEnd struct{ Open, Overdue int } `json:"period_end"`
			Now       struct{ Open, Overdue int }
		}
		Days []struct {
			Date             string
			Opened, Resolved int
		}
		Topics []struct {
			Name   *string
			Opened int
		}
		Departments []struct {
			Name   *string
			Opened int
		}
	}
	if code := e.api("GET", "/api/v1/reports?from=2026-05-01&to=2026-05-31", nil, &out); code != http.StatusOK {
		t.Fatalf("%d", code)
	}
	if out.From != "2026-05-01" || out.To != "2026-05-31" || out.TimeZone != "Asia/Jakarta" || out.Department != nil ||
		out.Opened != 4 || out.Resolved != 1 || out.FirstResponse.Count != 3 || out.FirstResponse.Unanswered != 1 ||
		*out.FirstResponse.MedianSeconds != 7200 || *out.FirstResponse.P90Seconds != 145440 || *out.Resolution.MedianSeconds != 7200 ||
		out.SLA.Met != 2 || out.SLA.Missed != 2 || *out.SLA.Share != 0.5 || out.Backlog.PeriodEnd.Overdue != 3 || out.Backlog.Now.Open != 3 ||
		len(out.Days) != 31 || out.Days[0].Opened != 1 || len(out.Topics) != 1 || *out.Topics[0].Name != "Data Terpadu" ||
		len(out.Departments) != 2 || *out.Departments[0].Name != "Jaringan" {
		t.Errorf("report %+v", out)
	}
	// In UTC the ticket opened half past midnight on May 1 is April's.
	var utc struct{ Opened int }
	if code := e.api("GET", "/api/v1/reports?from=2026-05-01&to=2026-05-31&tz=UTC&department=jaringan", nil, &utc); code != http.StatusOK || utc.Opened != 1 {
		t.Errorf("Jaringan in UTC: %d %+v", code, utc)
	}
	for _, q := range []string{"from=2026-13-01", "from=2026-05-02&to=2026-05-01", "from=2025-01-01&to=2026-06-01", "department=Nowhere", "tz=Mars/Olympus"} {
		var ae apiErr
		if code := e.api("GET", "/api/v1/reports?"+q, nil, &ae); code != http.StatusBadRequest || len(ae.Fields) != 1 {
			t.Errorf("%s: %d %+v", q, code, ae)
		}
	}
	if code := e.apiWithKey("", "GET", "/api/v1/reports", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("without a key: %d", code)
	}
}

// TestReportTranslationsCoverEveryKey: every report.* key the report's
// templates and handlers name is in the table in both languages.
func TestReportTranslationsCoverEveryKey(t *testing.T) {
	keyRe := regexp.MustCompile(`"((?:report|nav|val)\.[a-z0-9_]+)"`)
	files := []string{"web_reports.go", "web_reports_chart.go", "../../templates/web/pages/reports.html",
		"../../templates/web/pages/admin_agents.html", "../../templates/web/layout.html"}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Clean(f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], "_") {
				continue // a prefix, completed below
			}
			if tr, ok := messages[m[1]]; !ok || tr[0] == "" || tr[1] == "" {
				t.Errorf("%s: %q missing from the translation table", f, m[1])
			}
		}
	}
	for _, table := range reportTables {
		if _, ok := messages["report.file_"+table]; !ok {
			t.Errorf("report.file_%s missing", table)
		}
	}
}
