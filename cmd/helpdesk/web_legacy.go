package main

import (
	"net/http"
	"net/url"

	"github.com/kemsos/helpdesk/templates"
	"github.com/kemsos/helpdesk/tickets"
)

// Addresses other software asks for: the favicon browsers fetch by
// themselves, /admin, and the osTicket addresses this helpdesk replaces, which
// bookmarks and years of mail still hold. Each old address leads to its
// equivalent (permanently: they will not come back); a ticket named by
// number leads to that ticket, behind the same sign-in and access checks
// as always.
func (s *server) legacyRoutes() {
	s.handle("GET /favicon.ico", s.favicon)
	for pattern, to := range map[string]func(url.Values) string{
		// Typed by people who know there is an admin area.
		"GET /admin/{$}": func(url.Values) string { return "/admin/agents" },
		// The agent panel.
		"GET /scp/":            func(url.Values) string { return "/agent" },
		"GET /scp/tickets.php": func(q url.Values) string { return ticketOr(q, "/agent/tickets/", "/agent") },
		// The client portal.
		"GET /index.php":   func(url.Values) string { return "/" },
		"GET /open.php":    func(url.Values) string { return "/tickets/new" },
		"GET /tickets.php": func(q url.Values) string { return ticketOr(q, "/tickets/", "/tickets") },
		"GET /login.php":   func(url.Values) string { return "/login" },
		"GET /account.php": func(url.Values) string { return "/register" },
		// osTicket's "check ticket status" (view.php?t=NUMBER&e=EMAIL):
		// the same form here, filled in, for a fresh link by mail.
		"GET /view.php": func(q url.Values) string {
			v := url.Values{}
			if n := tickets.CleanTicketNumber(first(q, "t", "number", "id")); n != "" {
				v.Set("number", n)
			}
			if e := q.Get("e"); tickets.ValidEmail(e) {
				v.Set("email", e)
			}
			if len(v) == 0 {
				return "/#cek-status"
			}
			return "/?" + v.Encode() + "#cek-status"
		},
	} {
		s.handle(pattern, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, to(r.URL.Query()), http.StatusMovedPermanently)
		})
	}
}

// ticketOr is prefix+number when q names a ticket by number (?number=, or
// an ?id= with a number's shape; osTicket's internal ids, which mean
// nothing here, do not have it), else def.
func ticketOr(q url.Values, prefix, def string) string {
	if n := tickets.CleanTicketNumber(first(q, "number", "id")); n != "" {
		return prefix + n
	}
	return def
}

func first(q url.Values, keys ...string) string {
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func (s *server) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := templates.Web.ReadFile("web/static/favicon.ico")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}
