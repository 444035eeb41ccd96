package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/tickets"
)

// unfiledOutcomes are the tabs of the "mail not filed" page, "" for all.
var unfiledOutcomes = []string{"", ingest.OutcomeAutomatic, ingest.OutcomeUnverified, ingest.OutcomeRefused, ingest.OutcomeBounce, ingest.OutcomeIgnored}

type mailListData struct {
	Outcome    string
	Outcomes   []string
	Mail       []ingest.Unfiled
	Page       int
	Prev, Next string
}

func (d *mailListData) Link(outcome string, page int) string {
	v := url.Values{}
	if outcome != "" {
		v.Set("outcome", outcome)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/agent/mail"
	}
	return "/agent/mail?" + v.Encode()
}

// mailList is the list of stored mail that became no ticket, each with
// its reason: nothing the helpdesk decided not to file is out of sight.
func (s *server) mailList(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	d := &mailListData{Outcomes: unfiledOutcomes, Outcome: r.URL.Query().Get("outcome")}
	known := false
	for _, o := range unfiledOutcomes {
		known = known || o == d.Outcome
	}
	if !known {
		d.Outcome = ""
	}
	d.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	if d.Page < 1 {
		d.Page = 1
	}
	ms, more, err := s.intake.Unfiled(r.Context(), ingest.UnfiledFilter{Agent: a, Outcome: d.Outcome, Page: d.Page, PerPage: 50})
	if err != nil {
		s.webError(w, r, err)
		return
	}
	d.Mail = ms
	if d.Page > 1 {
		d.Prev = d.Link(d.Outcome, d.Page-1)
	}
	if more {
		d.Next = d.Link(d.Outcome, d.Page+1)
	}
	p := s.newPage(w, r, "mail.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "mail_list", p)
}

type mailViewData struct {
	Mail    *ingest.Unfiled
	Message *ingest.Message
}

// mailView shows one unfiled message as parsed, with its raw form a click
// away and a button to file it as a ticket.
func (s *server) mailView(w http.ResponseWriter, r *http.Request) {
	u, raw, ok := s.unfiledFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(w, r, "mail.title")
	p.Data = &mailViewData{Mail: u, Message: ingest.Parse(raw, ingest.Limits{})}
	s.render(w, r, http.StatusOK, "mail_view", p)
}

// mailRaw downloads the message exactly as it arrived.
func (s *server) mailRaw(w http.ResponseWriter, r *http.Request) {
	u, raw, ok := s.unfiledFor(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", contentDisposition("mail-"+strconv.FormatInt(u.ID, 10)+".eml"))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	w.Write(raw)
}

// mailFile makes a ticket of an unfiled message.
func (s *server) mailFile(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderStatus(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	a := webFrom(r).agent
	number, err := s.intake.FileAsTicket(r.Context(), a, id)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.setFlash(w, "flash.mail_filed")
	if t, err := s.store.TicketByNumber(r.Context(), number); err == nil && s.store.AccessTo(tickets.Viewer{Agent: a}, t) == tickets.AccessAgent {
		redirect(w, r, "/agent/tickets/"+number)
		return
	}
	redirect(w, r, "/agent/mail")
}

func (s *server) unfiledFor(w http.ResponseWriter, r *http.Request) (*ingest.Unfiled, []byte, bool) {
	id, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("id"), ".eml"), 10, 64)
	if err != nil {
		s.renderStatus(w, r, http.StatusNotFound, "err.not_found")
		return nil, nil, false
	}
	u, raw, err := s.intake.UnfiledMail(r.Context(), webFrom(r).agent, id)
	if err != nil {
		s.webError(w, r, err)
		return nil, nil, false
	}
	return u, raw, true
}
