package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// The landing page's "check a ticket's status" form (osTicket's
// view.php): an address and a ticket number. It always answers the same,
// that a link was mailed if the ticket is theirs, and the mail with the
// progress link goes only to an owner or collaborator (tickets'
// RequestStatusLink). Limited per client address, openly, and per mailbox
// asked about, silently: a 429 there would say nothing about the pair
// either, but the quiet limit keeps the form from mailing anyone more
// than a few links an hour.
var (
	limitStatusIP      = tickets.Limit{Max: 20, Window: time.Hour}
	limitStatusAddress = tickets.Limit{Max: 5, Window: time.Hour}
)

func (s *server) statusRoutes() {
	s.mux.Handle("POST /status", s.instrument("POST /status", s.webPage(s.checkStatus)))
}

// statusForm is the form as typed, and whether it was just sent.
type statusForm struct {
	Email, Number string
	Sent          bool
}

func (s *server) checkStatus(w http.ResponseWriter, r *http.Request) {
	email, number := strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("number"))
	errs := map[string]formErr{}
	if !tickets.ValidEmail(email) {
		errs["email"] = formErr{Msg: "a valid email address is required"}
	}
	if tickets.CleanTicketNumber(number) == "" {
		errs["number"] = formErr{Key: "status.bad_number"}
	}
	if len(errs) > 0 {
		s.formFailed(w, r, &formDraft{Form: "status", Back: "/", Values: map[string]string{"email": email, "number": number}, Errors: errs},
			s.showLanding)
		return
	}
	if s.limited(w, r, true, []string{"status-ip:" + s.ipBucket(r)}, []tickets.Limit{limitStatusIP}) {
		return
	}
	within, _, err := s.store.RateHit(r.Context(), "status-address:"+tickets.NormalizeEmail(email), limitStatusAddress)
	if err == nil && within {
		err = s.store.RequestStatusLink(r.Context(), email, number)
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	redirect(w, r, "/?sent=1#cek-status")
}

func (s *server) landing(w http.ResponseWriter, r *http.Request) {
	s.showLanding(w, r, http.StatusOK, s.draftFor(r, "status"))
}

// showLanding renders the start page; the status form filled in from a
// draft, or from the address (the old osTicket link leads here with its
// number and address).
func (s *server) showLanding(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
	p := s.newPage(w, r, "landing.title")
	p.Form = loginForm{}
	q := r.URL.Query()
	f := statusForm{Email: q.Get("email"), Number: tickets.CleanTicketNumber(q.Get("number")), Sent: q.Get("sent") == "1" && d == nil}
	if d != nil {
		f.Email, f.Number = d.value("email"), d.value("number")
	}
	if f.Email == "" && p.User != nil {
		f.Email = p.User.Email
	}
	p.Data = f
	p.FieldPrefix = "cs-"
	d.apply(p)
	s.render(w, r, code, "landing", p)
}
