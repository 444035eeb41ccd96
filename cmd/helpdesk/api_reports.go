package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// GET /api/v1/reports?from=&to=&department=&tz=: the report page's
// figures as JSON, for every department (an API key sees all) or the one
// named. Durations are seconds; null where there were none.

type reportJSON struct {
	From          string            `json:"from"`
	To            string            `json:"to"`
	TimeZone      string            `json:"time_zone"`
	AsOf          time.Time         `json:"as_of"`
	Department    *string           `json:"department"`
	Opened        int               `json:"opened"`
	Resolved      int               `json:"resolved"`
	Reopened      int               `json:"reopened"`
	FirstResponse firstResponseJSON `json:"first_response"`
	Resolution    durationsJSON     `json:"resolution"`
	SLA           slaJSON           `json:"sla"`
	Backlog       reportBacklogJSON `json:"backlog"`
	Days          []reportDayJSON   `json:"days"`
	Topics        []reportGroupJSON `json:"topics"`
	Departments   []reportGroupJSON `json:"departments"`
}

type durationsJSON struct {
	Count         int      `json:"count"`
	MedianSeconds *float64 `json:"median_seconds"`
	P90Seconds    *float64 `json:"p90_seconds"`
}

type firstResponseJSON struct {
	durationsJSON
	Unanswered int `json:"unanswered"`
}

type slaJSON struct {
	Met     int      `json:"met"`
	Missed  int      `json:"missed"`
	Pending int      `json:"pending"`
	Share   *float64 `json:"share"` // met / (met + missed), 0 to 1
}

type backlogJSON struct {
	At      time.Time `json:"at"`
	Open    int       `json:"open"`
	Overdue int       `json:"overdue"`
}

type reportBacklogJSON struct {
	PeriodEnd backlogJSON `json:"period_end"`
	Now       backlogJSON `json:"now"`
}

type reportDayJSON struct {
	Date     string `json:"date"`
	Opened   int    `json:"opened"`
	Resolved int    `json:"resolved"`
}

type reportGroupJSON struct {
	Name          *string       `json:"name"` // null: the tickets without a topic
	Opened        int           `json:"opened"`
	Resolved      int           `json:"resolved"`
	FirstResponse durationsJSON `json:"first_response"`
	Resolution    durationsJSON `json:"resolution"`
	SLA           slaJSON       `json:"sla"`
}

func (s *server) apiReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	loc := jakarta()
	if tz := strings.TrimSpace(q.Get("tz")); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			s.jsonError(w, r, badRequest("tz", "not a time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"))
			return
		}
		loc = l
	}
	rep, err := s.store.PeriodReport(r.Context(), tickets.ReportRequest{From: q.Get("from"), To: q.Get("to"),
		Department: q.Get("department"), Location: loc})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reportToJSON(rep))
}

func reportToJSON(rep *tickets.PeriodReport) reportJSON {
	out := reportJSON{From: rep.From, To: rep.To, TimeZone: rep.TimeZone, AsOf: rep.AsOf.UTC(),
		Opened: rep.Opened, Resolved: rep.Resolved, Reopened: rep.Reopened,
		FirstResponse: firstResponseJSON{durationsToJSON(rep.FirstResponse), rep.Unanswered},
		Resolution:    durationsToJSON(rep.Resolution), SLA: slaToJSON(rep.SLA),
		Backlog: reportBacklogJSON{
			PeriodEnd: backlogJSON{rep.BacklogAtEnd.At.UTC(), rep.BacklogAtEnd.Open, rep.BacklogAtEnd.Overdue},
			Now:       backlogJSON{rep.BacklogNow.At.UTC(), rep.BacklogNow.Open, rep.BacklogNow.Overdue}},
		Days: make([]reportDayJSON, 0, len(rep.Days)), Topics: []reportGroupJSON{}, Departments: []reportGroupJSON{}}
	if rep.Department != nil {
		out.Department = &rep.Department.Name
	}
	for _, d := range rep.Days {
		out.Days = append(out.Days, reportDayJSON{d.Date, d.Opened, d.Resolved})
	}
	for _, g := range rep.Topics {
		j := groupToJSON(g)
		if g.ID == 0 {
			j.Name = nil
		}
		out.Topics = append(out.Topics, j)
	}
	for _, g := range rep.ByDepartment {
		out.Departments = append(out.Departments, groupToJSON(g))
	}
	return out
}

func groupToJSON(g tickets.ReportGroup) reportGroupJSON {
	name := g.Name
	return reportGroupJSON{Name: &name, Opened: g.Opened, Resolved: g.Resolved,
		FirstResponse: durationsToJSON(g.FirstResponse), Resolution: durationsToJSON(g.Resolution), SLA: slaToJSON(g.SLA)}
}

func durationsToJSON(d tickets.Durations) durationsJSON {
	out := durationsJSON{Count: d.Count}
	if d.Count > 0 {
		m, p := d.Median.Seconds(), d.P90.Seconds()
		out.MedianSeconds, out.P90Seconds = &m, &p
	}
	return out
}

func slaToJSON(s tickets.SLAShare) slaJSON {
	out := slaJSON{Met: s.Met, Missed: s.Missed, Pending: s.Pending}
	if share, ok := s.Share(); ok {
		out.Share = &share
	}
	return out
}
