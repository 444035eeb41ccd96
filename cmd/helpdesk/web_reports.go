package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// The reports page (issue 12): a period's figures, as charts and tables,
// with the same figures as CSV files. Who may see which department's
// figures is the domain's rule (tickets.PeriodReport); this file only
// reads the query, draws and writes.

type reportData struct {
	Report      *tickets.PeriodReport
	Departments []tickets.Department // the picker's choices
	Department  int
	From, To    string // as asked, kept when refused
	Days        *svgChart
	Topics      *svgChart
	Query       string // the period and department, for the CSV links
	lang        string
	loc         *time.Location
	admin       bool
}

// reportRequest reads the period and department from the query.
func (s *server) reportRequest(r *http.Request, a *tickets.Agent, loc *time.Location) (*reportData, tickets.ReportRequest, error) {
	q := r.URL.Query()
	d := &reportData{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), lang: webFrom(r).lang, loc: loc, admin: a.IsAdmin}
	if v := strings.TrimSpace(q.Get("department")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			d.Department = n
		} else {
			d.Department = -1 // no department has it: refused as asked for
		}
	}
	all, err := s.store.Departments(r.Context())
	if err != nil {
		return nil, tickets.ReportRequest{}, err
	}
	for _, dep := range all {
		if a.IsAdmin || a.LeadsDepartment(dep.ID) {
			d.Departments = append(d.Departments, dep)
		}
	}
	return d, tickets.ReportRequest{From: d.From, To: d.To, Location: loc, DepartmentID: d.Department, Agent: a}, nil
}

func (s *server) reports(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	p := s.newPage(w, r, "report.title")
	d, req, err := s.reportRequest(r, a, p.loc)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	rep, err := s.store.PeriodReport(r.Context(), req)
	if errs, ok := fieldErrors(p.Lang, err); ok {
		p.Data, p.Errors = d, errs
		s.render(w, r, http.StatusBadRequest, "reports", p)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	d.fill(rep)
	p.Data = d
	s.render(w, r, http.StatusOK, "reports", p)
}

// fill keeps the report and draws its charts.
func (d *reportData) fill(rep *tickets.PeriodReport) {
	d.Report, d.From, d.To = rep, rep.From, rep.To
	v := url.Values{"from": {rep.From}, "to": {rep.To}}
	if rep.Department != nil {
		v.Set("department", strconv.Itoa(rep.Department.ID))
	}
	d.Query = v.Encode()
	t := func(key string, args ...any) string { return translate(d.lang, key, args...) }
	ss := []series{{"opened", t("report.legend_opened")}, {"resolved", t("report.legend_resolved")}}
	from, to := d.Date(rep.From), d.Date(rep.To)

	labels := make([]string, len(rep.Days))
	values := make([][]int, len(rep.Days))
	busiest := 0
	for i, day := range rep.Days {
		labels[i] = d.Day(day.Date)
		values[i] = []int{day.Opened, day.Resolved}
		if day.Opened > rep.Days[busiest].Opened {
			busiest = i
		}
	}
	desc := t("report.chart_days_desc", d.Num(rep.Opened), d.Num(rep.Resolved))
	if len(rep.Days) > 0 && rep.Days[busiest].Opened > 0 {
		desc += " " + t("report.chart_days_most", d.Date(rep.Days[busiest].Date), d.Num(rep.Days[busiest].Opened))
	}
	every := (len(rep.Days) + 15) / 16 // at most 16 dates under the bars
	d.Days = columnChart("chart-days", t("report.chart_days_title", from, to), desc, labels, ss, values, every)

	labels, values = nil, nil
	for _, g := range rep.Topics {
		labels = append(labels, d.TopicName(g))
		values = append(values, []int{g.Opened, g.Resolved})
	}
	desc = t("report.chart_topics_desc", d.Num(len(rep.Topics)))
	if len(rep.Topics) > 0 {
		desc += " " + t("report.chart_topics_most", d.TopicName(rep.Topics[0]), d.Num(rep.Topics[0].Opened))
	}
	d.Topics = rowChart("chart-topics", t("report.chart_topics_title", from, to), desc, labels, ss, values)
}

// CSV links one of the report's CSV files, for the same period and
// department.
func (d *reportData) CSV(table string) string { return "/agent/reports/" + table + ".csv?" + d.Query }

// TopicName names a topic's row; the tickets without one have their own.
func (d *reportData) TopicName(g tickets.ReportGroup) string {
	if g.ID == 0 {
		return translate(d.lang, "report.no_topic")
	}
	return g.Name
}

// Date shows a YYYY-MM-DD date day first, as the panel shows times.
func (d *reportData) Date(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("02/01/2006")
}

// Day is a date under a bar: day and month.
func (d *reportData) Day(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("02/01")
}

// Zone is the period's time zone as people say it (WIB, WITA, WIT).
func (d *reportData) Zone() string { return d.Report.Start.Format("MST") }

// Time shows a moment in the report's zone.
func (d *reportData) Time(t time.Time) string { return t.In(d.loc).Format("02/01/2006 15:04 MST") }

// Num writes a count with the language's thousands separator.
func (d *reportData) Num(n int) string { return formatCount(d.lang, n) }

// Dur writes a median or percentile, to the minute; "—" when there were
// no durations.
func (d *reportData) Dur(x tickets.Durations, p90 bool) string {
	if x.Count == 0 {
		return "—"
	}
	if p90 {
		return formatDuration(d.lang, x.P90)
	}
	return formatDuration(d.lang, x.Median)
}

// Share writes the part answered within the SLA as a percentage; "—"
// when none is decided yet.
func (d *reportData) Share(s tickets.SLAShare) string {
	share, ok := s.Share()
	if !ok {
		return "—"
	}
	return formatPercent(d.lang, share)
}

// Scoped reports whether the figures are of some departments only (one
// asked for, or a lead's), which the page then names.
func (d *reportData) Scoped() bool { return d.Report.Department != nil || !d.admin }

// SLADetail says what the share is of.
func (d *reportData) SLADetail(s tickets.SLAShare) string {
	return translate(d.lang, "report.sla_detail", d.Num(s.Met), d.Num(s.Met+s.Missed), d.Num(s.Pending))
}

// reportTable is a table of topics or departments, one row each.
type reportTable struct {
	Caption string
	Head    []string
	Rows    []reportRow
}

type reportRow struct {
	Name  string
	Cells []string
}

func (d *reportData) groupTable(caption, nameHead string, groups []tickets.ReportGroup, name func(tickets.ReportGroup) string) reportTable {
	t := func(key string) string { return translate(d.lang, key) }
	tb := reportTable{Caption: caption, Head: []string{nameHead, t("report.col_opened"), t("report.col_resolved"),
		t("report.col_first_median"), t("report.col_first_p90"), t("report.col_res_median"), t("report.col_res_p90"), t("report.col_sla")}}
	for _, g := range groups {
		tb.Rows = append(tb.Rows, reportRow{Name: name(g), Cells: []string{d.Num(g.Opened), d.Num(g.Resolved),
			d.Dur(g.FirstResponse, false), d.Dur(g.FirstResponse, true), d.Dur(g.Resolution, false), d.Dur(g.Resolution, true), d.Share(g.SLA)}})
	}
	return tb
}

// TopicTable is the per-topic table under its chart.
func (d *reportData) TopicTable() reportTable {
	return d.groupTable(d.Topics.Title, translate(d.lang, "report.col_topic"), d.Report.Topics, d.TopicName)
}

// DepartmentTable is the per-department table.
func (d *reportData) DepartmentTable() reportTable {
	return d.groupTable(translate(d.lang, "report.per_department"), translate(d.lang, "report.col_department"), d.Report.ByDepartment,
		func(g tickets.ReportGroup) string { return g.Name })
}

// DepartmentNames lists the departments reported on.
func (d *reportData) DepartmentNames() string {
	var names []string
	for _, dep := range d.Report.Departments {
		names = append(names, dep.Name)
	}
	return strings.Join(names, ", ")
}

func formatCount(lang string, n int) string {
	sep := "."
	if lang == "en" {
		sep = ","
	}
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func formatPercent(lang string, share float64) string {
	s := strconv.FormatFloat(math.Round(share*1000)/10, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// formatDuration writes d to the minute, in the largest two units.
func formatDuration(lang string, d time.Duration) string {
	m := int(math.Round(d.Minutes()))
	switch {
	case m < 1:
		return translate(lang, "report.dur_lt1")
	case m < 60:
		return translate(lang, "report.dur_m", m)
	case m < 24*60 && m%60 == 0:
		return translate(lang, "report.dur_h", m/60)
	case m < 24*60:
		return translate(lang, "report.dur_hm", m/60, m%60)
	}
	h := int(math.Round(float64(m) / 60))
	if h%24 == 0 {
		return translate(lang, "report.dur_d", h/24)
	}
	return translate(lang, "report.dur_dh", h/24, h%24)
}

// reportTables are the CSV files, one per table of the page, each with
// one header row.
var reportTables = []string{"summary", "days", "topics", "departments"}

// reportCSV sends one table of the report as CSV: UTF-8 with a byte-order
// mark (without it Excel, where these figures go next, reads the file
// in the machine's code page), commas, and plain numbers (durations in
// whole minutes, shares in percent with a point) that any spreadsheet
// reads whatever its language.
func (s *server) reportCSV(w http.ResponseWriter, r *http.Request) {
	table, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok || !slices.Contains(reportTables, table) {
		s.renderStatus(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	a := webFrom(r).agent
	p := s.newPage(nil, r, "report.title")
	d, req, err := s.reportRequest(r, a, p.loc)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	rep, err := s.store.PeriodReport(r.Context(), req)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	d.Report = rep
	t := func(key string, args ...any) string { return translate(p.Lang, key, args...) }
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	switch table {
	case "summary":
		cw.Write([]string{t("report.csv_figure"), t("report.csv_value")})
		scope := t("report.all_departments")
		if d.Scoped() {
			scope = d.DepartmentNames()
		}
		end, now := rep.BacklogAtEnd, rep.BacklogNow
		for _, row := range [][2]string{
			{t("report.from"), rep.From}, {t("report.to"), rep.To}, {t("report.csv_zone"), rep.TimeZone},
			{t("report.department"), scope}, {t("report.csv_as_of"), rep.AsOf.In(p.loc).Format(time.RFC3339)},
			{t("report.opened"), strconv.Itoa(rep.Opened)}, {t("report.resolved"), strconv.Itoa(rep.Resolved)},
			{t("report.csv_reopened"), strconv.Itoa(rep.Reopened)},
			{t("report.csv_answered"), strconv.Itoa(rep.FirstResponse.Count)}, {t("report.csv_unanswered"), strconv.Itoa(rep.Unanswered)},
			{t("report.csv_first_median"), csvMinutes(rep.FirstResponse, false)}, {t("report.csv_first_p90"), csvMinutes(rep.FirstResponse, true)},
			{t("report.csv_res_median"), csvMinutes(rep.Resolution, false)}, {t("report.csv_res_p90"), csvMinutes(rep.Resolution, true)},
			{t("report.col_sla_met"), strconv.Itoa(rep.SLA.Met)}, {t("report.col_sla_missed"), strconv.Itoa(rep.SLA.Missed)},
			{t("report.col_sla_pending"), strconv.Itoa(rep.SLA.Pending)}, {t("report.csv_sla_share"), csvShare(rep.SLA)},
			{t("report.csv_backlog_at"), end.At.In(p.loc).Format(time.RFC3339)},
			{t("report.csv_open_end"), strconv.Itoa(end.Open)}, {t("report.csv_overdue_end"), strconv.Itoa(end.Overdue)},
			{t("report.csv_open_now"), strconv.Itoa(now.Open)}, {t("report.csv_overdue_now"), strconv.Itoa(now.Overdue)},
		} {
			cw.Write(row[:])
		}
	case "days":
		cw.Write([]string{t("report.col_date"), t("report.col_opened"), t("report.col_resolved")})
		for _, day := range rep.Days {
			cw.Write([]string{day.Date, strconv.Itoa(day.Opened), strconv.Itoa(day.Resolved)})
		}
	case "topics", "departments":
		name, groups := t("report.col_topic"), rep.Topics
		if table == "departments" {
			name, groups = t("report.col_department"), rep.ByDepartment
		}
		cw.Write([]string{name, t("report.col_opened"), t("report.col_resolved"),
			t("report.csv_first_median"), t("report.csv_first_p90"), t("report.csv_res_median"), t("report.csv_res_p90"),
			t("report.col_sla_met"), t("report.col_sla_missed"), t("report.col_sla_pending"), t("report.csv_sla_share")})
		for _, g := range groups {
			label := g.Name
			if table == "topics" {
				label = d.TopicName(g)
			}
			cw.Write([]string{label, strconv.Itoa(g.Opened), strconv.Itoa(g.Resolved),
				csvMinutes(g.FirstResponse, false), csvMinutes(g.FirstResponse, true),
				csvMinutes(g.Resolution, false), csvMinutes(g.Resolution, true),
				strconv.Itoa(g.SLA.Met), strconv.Itoa(g.SLA.Missed), strconv.Itoa(g.SLA.Pending), csvShare(g.SLA)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.webError(w, r, err)
		return
	}
	name := fmt.Sprintf("%s-%s-%s-%s.csv", t("report.file"), rep.From, rep.To, t("report.file_"+table))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// csvMinutes is a median or percentile in whole minutes; empty when
// there were no durations.
func csvMinutes(x tickets.Durations, p90 bool) string {
	if x.Count == 0 {
		return ""
	}
	d := x.Median
	if p90 {
		d = x.P90
	}
	return strconv.FormatInt(int64(math.Round(d.Minutes())), 10)
}

func csvShare(s tickets.SLAShare) string {
	share, ok := s.Share()
	if !ok {
		return ""
	}
	return strconv.FormatFloat(math.Round(share*1000)/10, 'f', 1, 64)
}
