package main

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A failed form's draft is the visitor's own: another visitor given the
// cookie and the address sees an empty form, and a changed cookie is
// ignored.
func TestWebFailedFormDraftIsTheVisitorsOwn(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	b.get("/register")
	r := b.post("/register", url.Values{"email": {"izzah@example.id"}, "name": {"Izzah Annisa"}, "address": {"Jalan Rahasia 7"},
		"phone": {"12"}, "timezone": {"Asia/Jakarta"}, "password": {"rahasia-123"}, "confirm": {"rahasia-123"}})
	page := b.formFailed(r, "/register")
	if !strings.Contains(page.body, "Jalan Rahasia 7") {
		t.Fatal("the draft was not shown to its visitor")
	}
	if strings.Contains(page.body, "rahasia-123") {
		t.Fatal("a password came back in the form")
	}
	u, _ := url.Parse(b.base)
	var draft *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieForm {
			draft = c
		}
	}
	if draft == nil || strings.Contains(draft.Value, "Rahasia") {
		t.Fatalf("draft cookie: %+v", draft)
	}
	loc := strings.TrimSuffix(r.h.Get("Location"), "#errsummary")
	other := e.browser()
	other.get("/register")
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieForm, Value: draft.Value, Path: "/"}})
	if r := other.get(loc); r.code != 200 || strings.Contains(r.body, "Jalan Rahasia 7") || strings.Contains(r.body, "errsummary") {
		t.Errorf("another visitor sees the draft: %d %s", r.code, snippet(r.body))
	}
	// Without its address (?f=), the page is a fresh form.
	if r := b.get("/register"); strings.Contains(r.body, "Jalan Rahasia 7") {
		t.Error("the draft shows on a fresh visit")
	}
	// Tampered with, it is ignored.
	raw, _ := base64.RawURLEncoding.DecodeString(draft.Value)
	raw[len(raw)-1] ^= 1
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieForm, Value: base64.RawURLEncoding.EncodeToString(raw), Path: "/"}})
	if r := b.get(loc); r.code != 200 || strings.Contains(r.body, "Jalan Rahasia 7") {
		t.Errorf("a tampered draft was shown: %d", r.code)
	}
}

// A message too long for a cookie even compressed is shown again at once,
// whole, at the form's address, with the page's own address for app.js to
// put in the address bar.
func TestWebFailedFormTooLongForACookieIsShownInPlace(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("izzah@example.id", "Izzah Annisa")
	buf := make([]byte, 6000)
	rand.Read(buf)
	long := base64.RawURLEncoding.EncodeToString(buf) // incompressible
	b.get("/tickets/new")
	r := b.postMultipart("/tickets", url.Values{"topic": {"2"}, "subject": {""}, "message": {long}}, upload{"surat.pdf", pdf})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, long) || !strings.Contains(r.body, `data-replace-url="/tickets/new"`) ||
		!strings.Contains(r.body, `id="errsummary"`) || !strings.Contains(r.body, "<li>surat.pdf</li>") {
		t.Fatalf("in place: %d %s", r.code, snippet(r.body))
	}
	// Its language switch returns to the form's page, not the POST address.
	if !strings.Contains(r.body, `name="next" value="/tickets/new"`) {
		t.Error("the language switch would go to the POST address")
	}
}
