package main

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

// webEnv is a testEnv that also records the account tokens it issues,
// through a second real AccountHook next to the outbox's, so handler tests
// need not parse mail.
type webEnv struct {
	*testEnv
	mu     sync.Mutex
	tokens map[string]string // kind + " " + email -> latest token
}

func newWebEnv(t *testing.T) *webEnv { return newWebEnvWith(t, testEnvOpts{}) }

func newWebEnvWith(t *testing.T, o testEnvOpts) *webEnv {
	t.Helper()
	e := &webEnv{testEnv: newTestEnvWith(t, o), tokens: map[string]string{}}
	e.store.AddAccountHook(func(_ context.Context, _ *tickets.Tx, kind string, u *tickets.User, token string) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.tokens[kind+" "+u.Email] = token
		return nil
	})
	return e
}

func (e *webEnv) token(kind, email string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tokens[kind+" "+tickets.NormalizeEmail(email)]
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each 303.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string // from the last page fetched
}

func (e *webEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.http.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type resp struct {
	code int
	body string
	h    http.Header
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) resp {
	b.t.Helper()
	r, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer r.Body.Close()
	raw, _ := io.ReadAll(r.Body)
	if m := csrfRe.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return resp{code: r.StatusCode, body: string(raw), h: r.Header}
}

func (b *browser) get(path string) resp {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form with the current CSRF token unless form sets one.
func (b *browser) post(path string, form url.Values) resp {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	token := b.csrf
	if v, ok := form["csrf"]; ok {
		token = strings.Join(v, "")
	}
	// The token goes first, as the templates put it.
	rest := url.Values{}
	for k, v := range form {
		if k != "csrf" {
			rest[k] = v
		}
	}
	body := "csrf=" + url.QueryEscape(token)
	if len(rest) > 0 {
		body += "&" + rest.Encode()
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

type upload struct {
	name string
	data []byte
}

// postMultipart sends a form with files under "attachments".
func (b *browser) postMultipart(path string, form url.Values, files ...upload) resp {
	b.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		// The token goes first, as the templates put it.
		if v, ok := form["csrf"]; ok {
			mw.WriteField("csrf", strings.Join(v, ""))
		} else {
			mw.WriteField("csrf", b.csrf)
		}
		for k, vs := range form {
			if k == "csrf" {
				continue
			}
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		for _, f := range files {
			w, _ := mw.CreateFormFile("attachments", f.name)
			w.Write(f.data)
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", b.base+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// follow fetches a redirect's target.
func (b *browser) follow(r resp) resp {
	b.t.Helper()
	if r.code != http.StatusSeeOther && r.code != http.StatusFound && r.code != http.StatusMovedPermanently {
		b.t.Fatalf("want a redirect, got %d: %s", r.code, snippet(r.body))
	}
	loc := r.h.Get("Location")
	if strings.HasPrefix(loc, b.base) {
		loc = strings.TrimPrefix(loc, b.base)
	}
	return b.get(loc)
}

// formFailed checks that a failed form was answered Post/Redirect/Get,
// back to the page at path with its error summary, and returns that page.
func (b *browser) formFailed(r resp, path string) resp {
	b.t.Helper()
	loc := r.h.Get("Location")
	if r.code != http.StatusSeeOther || !strings.HasPrefix(loc, path) || !strings.Contains(loc, "f=") || !strings.HasSuffix(loc, "#errsummary") {
		b.t.Fatalf("failed form: want 303 to %s?f=…#errsummary, got %d %q: %s", path, r.code, loc, snippet(r.body))
	}
	page := b.follow(r)
	if page.code != http.StatusOK || !strings.Contains(page.body, `id="errsummary"`) {
		b.t.Fatalf("failed form's page: %d %s", page.code, snippet(page.body))
	}
	return page
}

func snippet(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}

// citizen registers, confirms and signs in a citizen, returning the
// signed-in browser.
func (e *webEnv) citizen(email, name string) *browser {
	e.t.Helper()
	b := e.browser()
	b.get("/register")
	r := b.post("/register", url.Values{"email": {email}, "name": {name}, "address": {"Jalan Dulu Kijang 1"},
		"phone": {"081234567890"}, "timezone": {"Asia/Jakarta"}, "password": {"rahasia-123"}, "confirm": {"rahasia-123"}})
	if r.code != http.StatusSeeOther {
		e.t.Fatalf("register %s: %d %s", email, r.code, snippet(r.body))
	}
	if r := b.confirm(e.token(tickets.TokenConfirmAccount, email), "rahasia-123"); r.code != 200 {
		e.t.Fatalf("confirm %s: %d %s", email, r.code, snippet(r.body))
	}
	b.signIn(email, "rahasia-123")
	return b
}

// confirm opens a confirmation link and sends its form with password, as
// the mailbox owner does.
func (b *browser) confirm(token, password string) resp {
	b.t.Helper()
	if r := b.get("/account/confirm?token=" + url.QueryEscape(token)); r.code != 200 {
		return r
	}
	r := b.post("/account/confirm", url.Values{"token": {token}, "password": {password}})
	if r.code == http.StatusSeeOther {
		// To the sign-in page when it worked, back to the form when not.
		return b.follow(r)
	}
	return r
}

// sentBack reports whether a form's answer sent the visitor back to the
// form with its errors (Post/Redirect/Get).
func sentBack(r resp) bool {
	return r.code == http.StatusSeeOther && strings.Contains(r.h.Get("Location"), "f=")
}

func (b *browser) signIn(login, password string) {
	b.t.Helper()
	b.get("/login")
	if r := b.post("/login", url.Values{"login": {login}, "password": {password}}); r.code != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: %d %s", login, r.code, snippet(r.body))
	}
}

// agent creates an agent and signs them in.
func (e *webEnv) agent(email string, admin bool, depts ...string) (*browser, *tickets.Agent) {
	e.t.Helper()
	a, err := e.store.CreateAgent(context.Background(), tickets.NewAgent{Email: email, Name: "Petugas " + strings.Split(email, "@")[0],
		Password: "agen-rahasia-1", Departments: depts, Admin: admin})
	if err != nil {
		e.t.Fatal(err)
	}
	b := e.browser()
	b.get("/agent/login")
	if r := b.post("/agent/login", url.Values{"login": {email}, "password": {"agen-rahasia-1"}}); r.code != http.StatusSeeOther {
		e.t.Fatalf("agent sign in: %d %s", r.code, snippet(r.body))
	}
	return b, a
}
