package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestWebErrorPagesAreStyledInTheVisitorsLanguage(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	cases := []struct {
		method, path string
		code         int
		want         string
	}{
		{"GET", "/tidak-ada", 404, "Halaman tidak ditemukan"},
		{"GET", "/static/tidak-ada.css", 404, "Halaman tidak ditemukan"},
		{"GET", "/tickets/123456/tidak-ada", 404, "Halaman tidak ditemukan"},
		{"POST", "/tidak-ada", 404, "Halaman tidak ditemukan"},
		{"DELETE", "/tickets", 405, "Alamat ini tidak dibuka dengan cara itu"},
		{"PUT", "/login", 405, "hanya menerima kiriman formulir"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, b.base+c.path, nil)
		r := b.do(req)
		if r.code != c.code || !strings.Contains(r.body, c.want) || !strings.Contains(r.body, `<html lang="id">`) ||
			!strings.HasPrefix(r.h.Get("Content-Type"), "text/html") || r.h.Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: %d %s %s", c.method, c.path, r.code, r.h.Get("Content-Type"), snippet(r.body))
		}
		if c.code == 405 && r.h.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", c.method, c.path)
		}
	}
	// In English for a visitor who chose it.
	b.get("/")
	b.post("/lang", map[string][]string{"lang": {"en"}, "next": {"/"}})
	if r := b.get("/tidak-ada"); r.code != 404 || !strings.Contains(r.body, "Page not found") || !strings.Contains(r.body, `<html lang="en">`) {
		t.Errorf("English 404: %d %s", r.code, snippet(r.body))
	}
	// A GET of an address that only takes a form leads to the form's page.
	if r := b.get("/tickets/123456/reply"); r.code != http.StatusSeeOther || r.h.Get("Location") != "/tickets/123456" {
		t.Errorf("GET of a form's address: %d %q", r.code, r.h.Get("Location"))
	}
	if r := b.get("/admin/apikeys/3/revoke"); r.code != http.StatusSeeOther || r.h.Get("Location") != "/admin/apikeys" {
		t.Errorf("GET of an admin form's address: %d %q", r.code, r.h.Get("Location"))
	}
	// The API answers in JSON.
	req, _ := http.NewRequest("GET", b.base+"/api/v1/tidak-ada", nil)
	r := b.do(req)
	var out map[string]string
	if r.code != 404 || json.Unmarshal([]byte(r.body), &out) != nil || out["error"] != "not found" {
		t.Errorf("API 404: %d %s", r.code, r.body)
	}
	// The favicon.
	if r := b.get("/favicon.ico"); r.code != 200 || r.h.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(r.body, "\x00\x00\x01\x00") {
		t.Errorf("favicon: %d %s", r.code, r.h.Get("Content-Type"))
	}
	if r := b.get("/static/favicon.svg"); r.code != 200 || !strings.HasPrefix(r.h.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("svg favicon: %d %s", r.code, r.h.Get("Content-Type"))
	}
}

func TestOldOsTicketAddressesLeadToTheirEquivalents(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	for from, to := range map[string]string{
		"/scp":                          "/scp/",
		"/scp/":                         "/agent",
		"/scp/index.php":                "/agent",
		"/scp/login.php":                "/agent",
		"/scp/tickets.php":              "/agent",
		"/scp/tickets.php?id=881358":    "/agent/tickets/881358",
		"/scp/tickets.php?id=12":        "/agent",
		"/open.php":                     "/tickets/new",
		"/tickets.php":                  "/tickets",
		"/tickets.php?id=881358":        "/tickets/881358",
		"/tickets.php?number=%23881358": "/tickets/881358",
		"/tickets.php?id=../../admin":   "/tickets",
		"/view.php":                     "/#cek-status",
		"/view.php?t=881358&e=warga%40example.id": "/?email=warga%40example.id&number=881358#cek-status",
		"/login.php":             "/login",
		"/account.php?do=create": "/register",
		"/index.php":             "/",
		"/admin":                 "/admin/",
		"/admin/":                "/admin/agents",
	} {
		r := b.get(from)
		if r.code/100 != 3 || r.h.Get("Location") != to {
			t.Errorf("%s: %d → %q, want %q", from, r.code, r.h.Get("Location"), to)
		}
	}
}
