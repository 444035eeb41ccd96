package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// The agent queue (Gambar 15) as a worklist: tabs with counts, the
// agent's saved views, columns to sort by, a search that finds people,
// and bulk changes of the tickets ticked.

// queueTabs are the queue's tabs, in order.
var queueTabs = tickets.QueueTabs

// queueColumns are the sortable columns, by their translation keys.
var queueColumns = map[string]string{
	tickets.SortNumber: "col.number", tickets.SortUpdated: "col.updated", tickets.SortDue: "col.due",
	tickets.SortPriority: "col.priority", tickets.SortStatus: "col.status", tickets.SortAssignee: "col.assignee",
}

type queueData struct {
	Q           tickets.Queue
	Tab         string
	Tabs        []string
	Counts      map[string]int
	Views       []tickets.SavedView
	CurrentView int // the saved view shown, 0 when none
	Rows        []queueRow
	Departments []tickets.Department // the agent's, to filter by
	// AllDepartments are where the ticked tickets may be transferred.
	AllDepartments []tickets.Department
	Topics         []tickets.Topic
	// ShowDepartment: the agent sees more than one department.
	ShowDepartment bool
	Agents         []tickets.Agent // whom the ticked tickets may be assigned to
	Statuses       []string
	Priorities     []string
	Page           int
	Prev, Next     string // links, "" when none
	Self           string // this page's link, where a bulk change returns
	Bulk           *bulkResult
	BulkForm       bulkForm
	ViewName       string
	lang           string
}

// queueRow is one ticket of the list, with what its columns show.
type queueRow struct {
	tickets.Ticket
	Due         string // "2 j lagi", "terlambat 5 j"; "" when not open
	Updated     string // day, month and time
	Late        bool
	Waiting     bool
	FromUs      bool // the last word is an agent's
	FromCitizen bool
	Selected    bool
}

// readQueue reads a Queue from the page's parameters.
func readQueue(v url.Values) tickets.Queue {
	q := tickets.Queue{Tab: v.Get("tab"), Query: strings.TrimSpace(v.Get("q")), InTab: v.Get("in_tab") == "1",
		Sort: tickets.ParseSort(v.Get("sort"))}
	q.DepartmentID, _ = strconv.Atoi(v.Get("department"))
	q.TopicID, _ = strconv.Atoi(v.Get("topic"))
	return q.Normalized()
}

// queueLink is the address of q's page pg.
func queueLink(q tickets.Queue, pg int) string {
	q = q.Normalized()
	v := url.Values{}
	v.Set("tab", q.Tab)
	if q.DepartmentID != 0 {
		v.Set("department", strconv.Itoa(q.DepartmentID))
	}
	if q.TopicID != 0 {
		v.Set("topic", strconv.Itoa(q.TopicID))
	}
	if q.Query != "" {
		v.Set("q", q.Query)
		if q.InTab {
			v.Set("in_tab", "1")
		}
	}
	if q.Sort != (tickets.Sort{Key: tickets.SortUpdated, Desc: true}) {
		v.Set("sort", q.Sort.String())
	}
	if pg > 1 {
		v.Set("page", strconv.Itoa(pg))
	}
	return "/agent?" + v.Encode()
}

// TabLink keeps the filters when switching tabs; during a search, a tab
// narrows the search to it.
func (d *queueData) TabLink(tab string) string {
	q := d.Q
	q.Tab, q.InTab = tab, q.Query != ""
	return queueLink(q, 1)
}

// TabCurrent reports whether tab is the one shown.
func (d *queueData) TabCurrent(tab string) bool {
	return d.CurrentView == 0 && !d.Q.Searching() && d.Q.Tab == tab
}

// AllLink is the search across every tab.
func (d *queueData) AllLink() string {
	q := d.Q
	q.InTab = false
	return queueLink(q, 1)
}

// ViewLink is a saved view's page.
func (d *queueData) ViewLink(v tickets.SavedView) string { return queueLink(v.Queue, 1) }

// Count shows a tab's count, capped.
func (d *queueData) Count(tab string) string {
	n, ok := d.Counts[tab]
	switch {
	case !ok:
		return ""
	case n >= tickets.CountCap:
		return strconv.Itoa(tickets.CountCap-1) + "+"
	}
	return strconv.Itoa(n)
}

// SortLink is the column header's link: the column in its natural
// direction, or the other way when it is already the order.
func (d *queueData) SortLink(key string) string {
	q := d.Q
	if q.Sort.Key == key {
		q.Sort.Desc = !q.Sort.Desc
	} else {
		q.Sort = tickets.Sort{Key: key, Desc: tickets.NaturalDesc(key)}
	}
	return queueLink(q, 1)
}

// SortState is the header's aria-sort: "ascending", "descending" or "".
func (d *queueData) SortState(key string) string {
	switch {
	case d.Q.Sort.Key != key:
		return ""
	case d.Q.Sort.Desc:
		return "descending"
	}
	return "ascending"
}

// ColumnKey is a sortable column's translation key.
func (d *queueData) ColumnKey(key string) string { return queueColumns[key] }

// countdown says how long until due, or how long past it, in lang.
func countdown(lang string, due, now time.Time) (string, bool) {
	d := due.Sub(now)
	late := d < 0
	if late {
		d = -d
	}
	var amount string
	switch {
	case d < time.Hour:
		amount = translate(lang, "queue.minutes", max(1, int(d/time.Minute)))
	case d < 48*time.Hour:
		amount = translate(lang, "queue.hours", int(d/time.Hour))
	default:
		amount = translate(lang, "queue.days", int(d/(24*time.Hour)))
	}
	if late {
		return translate(lang, "queue.late_by", amount), true
	}
	return translate(lang, "queue.due_in", amount), false
}

func (s *server) queue(w http.ResponseWriter, r *http.Request) {
	s.showQueue(w, r, readQueue(r.URL.Query()), r.URL.Query(), http.StatusOK, queueKeep{})
}

// queueKeep is what a failed form on the queue asked for, shown again
// with its errors.
type queueKeep struct {
	errs     map[string]string
	bulk     bulkForm
	viewName string
}

// showQueue renders the queue q (its page from params).
func (s *server) showQueue(w http.ResponseWriter, r *http.Request, q tickets.Queue, params url.Values, code int, keep queueKeep) {
	errs, bf := keep.errs, keep.bulk
	ctx := r.Context()
	a := webFrom(r).agent
	lang := webFrom(r).lang
	d := &queueData{Q: q, Tab: q.Tab, Tabs: queueTabs, Statuses: []string{tickets.StatusOpen, tickets.StatusResolved, tickets.StatusClosed},
		Priorities: tickets.Priorities, BulkForm: bf, lang: lang}
	d.Page, _ = strconv.Atoi(params.Get("page"))
	if d.Page < 1 {
		d.Page = 1
	}
	p := s.newPage(w, r, "queue.title")
	f := q.Filter(a)
	f.Page, f.PerPage = d.Page, 25
	ts, more, err := s.store.List(ctx, f)
	listErrs, invalid := fieldErrors(lang, err)
	if invalid {
		// A search the domain will not run: the queue says why, empty.
		code = http.StatusBadRequest
		if errs == nil {
			errs = listErrs
		}
	} else if err != nil {
		s.webError(w, r, err)
		return
	}
	now := s.store.Now()
	selected := map[string]bool{}
	for _, n := range bf.Numbers {
		selected[n] = true
	}
	for _, t := range ts {
		row := queueRow{Ticket: t, Waiting: t.WaitingForUs(), FromCitizen: t.LastFromCitizen(), Selected: selected[t.Number]}
		row.FromUs = t.LastResponseAt.Valid && !row.FromCitizen
		row.Updated = t.UpdatedAt.In(p.loc).Format("02/01 15:04")
		if t.Status == tickets.StatusOpen && t.DueAt.Valid {
			row.Due, row.Late = countdown(lang, t.DueAt.Time, now)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Counts, err = s.store.TabCounts(ctx, a, q.DepartmentID); err != nil {
		s.webError(w, r, err)
		return
	}
	if d.Views, err = s.store.SavedViews(ctx, a.ID); err != nil {
		s.webError(w, r, err)
		return
	}
	for _, v := range d.Views {
		if v.Queue == q {
			d.CurrentView, d.ViewName = v.ID, v.Name
		}
	}
	if keep.viewName != "" {
		d.ViewName = keep.viewName
	}
	if d.AllDepartments, err = s.store.Departments(ctx); err != nil {
		s.webError(w, r, err)
		return
	}
	for _, dep := range d.AllDepartments {
		if a.CanSeeDepartment(dep.ID) {
			d.Departments = append(d.Departments, dep)
		}
	}
	d.ShowDepartment = len(d.Departments) > 1
	if d.Topics, err = s.store.Topics(ctx, true); err != nil {
		s.webError(w, r, err)
		return
	}
	agents, err := s.store.Agents(ctx)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	for _, ag := range agents {
		if ag.Active && sharesDepartment(a, &ag) {
			d.Agents = append(d.Agents, ag)
		}
	}
	if d.Page > 1 {
		d.Prev = queueLink(q, d.Page-1)
	}
	if more {
		d.Next = queueLink(q, d.Page+1)
	}
	d.Self = queueLink(q, d.Page)
	d.Bulk = s.takeBulkResult(w, r)
	p.Data, p.Errors = d, errs
	s.render(w, r, code, "queue", p)
}

// sharesDepartment reports whether agent b works in a department agent a
// sees: someone a may hand tickets to.
func sharesDepartment(a, b *tickets.Agent) bool {
	if a.IsAdmin || b.IsAdmin {
		return true
	}
	for _, d := range b.Departments {
		if a.CanSeeDepartment(d) {
			return true
		}
	}
	return false
}

// bulkForm is what a bulk change asks for, kept to re-show it.
type bulkForm struct {
	Numbers    []string
	Assign     string // "" leaves it, "none" releases, else an agent id
	Status     string
	Priority   string
	Department int
	Reason     string
}

// bulkResult is what the page says after a bulk change.
type bulkResult struct {
	Changed int        `json:"c"`
	Failed  [][]string `json:"f"` // number, why (translated), the first few
	More    int        `json:"m"` // failures not listed
}

// NotChanged counts the tickets left as they were.
func (b *bulkResult) NotChanged() int { return len(b.Failed) + b.More }

// maxListedFailures keeps the result, which travels in a cookie, small.
const maxListedFailures = 10

const cookieBulk = "hd_bulk"

func (s *server) agentBulk(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	lang := webFrom(r).lang
	back := localPath(r.PostFormValue("back"), "/agent")
	if !strings.HasPrefix(back, "/agent?") && back != "/agent" {
		back = "/agent"
	}
	bf := bulkForm{Numbers: r.PostForm["t"], Assign: r.PostFormValue("assign"), Status: r.PostFormValue("status"),
		Priority: r.PostFormValue("priority"), Reason: r.PostFormValue("reason")}
	bf.Department, _ = strconv.Atoi(r.PostFormValue("department"))
	if r.PostFormValue("all") == "1" {
		bf.Numbers = append(bf.Numbers, r.PostForm["page"]...)
	}
	p := tickets.Patch{Status: bf.Status, Priority: bf.Priority, DepartmentID: bf.Department, Reason: bf.Reason}
	switch bf.Assign {
	case "":
	case "none":
		p.Assign = true
	default:
		id, err := strconv.Atoi(bf.Assign)
		if err != nil || id <= 0 {
			id = -1 // no such agent: the domain says so
		}
		p.Assign, p.AssigneeID = true, id
	}
	outcomes, err := s.store.UpdateMany(r.Context(), bf.Numbers, tickets.AgentActor(a), p)
	if errs, ok := fieldErrors(lang, err); ok {
		u, _ := url.Parse(back)
		s.showQueue(w, r, readQueue(u.Query()), u.Query(), http.StatusBadRequest, queueKeep{errs: errs, bulk: bf})
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	res := bulkResult{}
	for _, o := range outcomes {
		if o.Err == nil {
			res.Changed++
			continue
		}
		if len(res.Failed) == maxListedFailures {
			res.More++
			continue
		}
		n := o.Number
		if rs := []rune(n); len(rs) > 12 { // typed by hand or forged: the cookie must stay small
			n = string(rs[:12]) + "…"
		}
		res.Failed = append(res.Failed, []string{n, s.bulkReason(r, lang, o.Err)})
	}
	s.setBulkResult(w, &res)
	redirect(w, r, back)
}

// bulkReason says in lang why one ticket of a bulk change was not changed.
func (s *server) bulkReason(r *http.Request, lang string, err error) string {
	if errs, ok := fieldErrors(lang, err); ok {
		var parts []string
		for _, m := range errs {
			parts = append(parts, m)
		}
		return strings.Join(parts, " ")
	}
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		return translate(lang, "queue.bulk_not_found")
	case errors.Is(err, tickets.ErrConflict):
		return translate(lang, "err.conflict")
	}
	s.log.Error("bulk change", "err", err, "agent", webFrom(r).agent.ID)
	return translate(lang, "err.internal")
}

// setBulkResult leaves the result for the next page, signed as flashes
// are (it carries text the page shows).
func (s *server) setBulkResult(w http.ResponseWriter, res *bulkResult) {
	b, _ := json.Marshal(res)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, s.web.cookie(cookieBulk, v+"."+s.web.mac("bulk", v), 60))
}

func (s *server) takeBulkResult(w http.ResponseWriter, r *http.Request) *bulkResult {
	c, err := r.Cookie(cookieBulk)
	if err != nil {
		return nil
	}
	http.SetCookie(w, s.web.cookie(cookieBulk, "", -1))
	v, sig, ok := strings.Cut(c.Value, ".")
	if !ok || sig != s.web.mac("bulk", v) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	var res bulkResult
	if err != nil || json.Unmarshal(b, &res) != nil {
		return nil
	}
	return &res
}

// Saved views.

func (s *server) agentSaveView(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	q := readQueue(r.PostForm)
	name := r.PostFormValue("name")
	if _, err := s.store.SaveView(r.Context(), a, name, q); err != nil {
		if errs, ok := fieldErrors(webFrom(r).lang, err); ok {
			s.showQueue(w, r, q, url.Values{}, http.StatusBadRequest, queueKeep{errs: errs, viewName: name})
			return
		}
		s.webError(w, r, err)
		return
	}
	s.setFlash(w, "flash.view_saved")
	redirect(w, r, queueLink(q, 1))
}

func (s *server) agentDeleteView(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	if err := s.store.DeleteView(r.Context(), webFrom(r).agent, id); err != nil {
		s.webError(w, r, err)
		return
	}
	s.setFlash(w, "flash.view_deleted")
	redirect(w, r, "/agent")
}
