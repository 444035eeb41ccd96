package main

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Error pages for what no handler answers: an unknown address (404), or a
// known one asked with another method (405), which ServeMux (and the file
// server under /static/) answer in bare English text. server.ServeHTTP
// catches those answers and gives them a page in the visitor's language;
// the API keeps JSON.

// errorAnswer answers a 404 or 405 in the caller's terms: JSON for the API,
// else a page. A GET of an address that only takes a form (a reload, a
// bookmark of /tickets/881358/reply) goes to the page the form was on.
func (s *server) errorAnswer(w http.ResponseWriter, r *http.Request, code int) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		msg := "not found"
		if code == http.StatusMethodNotAllowed {
			msg = "method not allowed"
		}
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	if code == http.StatusMethodNotAllowed && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if to := s.pageAbove(r); to != "" {
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	key := "err.not_found"
	if code == http.StatusMethodNotAllowed {
		key = "err.method"
	}
	s.webBare(func(w http.ResponseWriter, r *http.Request) { s.renderStatus(w, r, code, key) }).ServeHTTP(w, r)
}

// pageAbove is the nearest address above r's that a GET opens, "" when
// there is none but the start page's: "/tickets/881358/reply" gives
// "/tickets/881358".
func (s *server) pageAbove(r *http.Request) string {
	p := r.URL.Path
	for p != "/" && p != "" {
		p = path.Dir(p)
		probe := r.Clone(context.Background())
		probe.Method = http.MethodGet
		probe.URL = &url.URL{Path: p}
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			return p
		}
	}
	return ""
}

// webBare is webPage for pages that read no form: an error page answering
// a POST to an unknown address must not first complain about its token.
func (s *server) webBare(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		wc, err := s.loadVisitor(w, r)
		if err != nil {
			wc = &webCtx{lang: "id"}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), webCtxKey{}, wc)))
	})
}

// codeCatcher passes a response through unless it is a 404 or 405 in
// plain text (http.Error's, http.NotFound's), which it swallows and notes.
type codeCatcher struct {
	http.ResponseWriter
	code    int
	written bool
}

func (c *codeCatcher) WriteHeader(code int) {
	if c.written {
		return
	}
	c.written = true
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		strings.HasPrefix(c.Header().Get("Content-Type"), "text/plain") {
		c.code = code
		return
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeCatcher) Write(b []byte) (int, error) {
	if !c.written {
		c.WriteHeader(http.StatusOK)
	}
	if c.code != 0 {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

func (c *codeCatcher) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// errorTitles are the error pages' headings, by status.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "err.title_400",
	http.StatusUnauthorized:          "err.title_401",
	http.StatusForbidden:             "err.title_403",
	http.StatusNotFound:              "err.title_404",
	http.StatusMethodNotAllowed:      "err.title_405",
	http.StatusRequestEntityTooLarge: "err.title_413",
	http.StatusTooManyRequests:       "err.title_429",
	http.StatusInternalServerError:   "err.title_500",
}

// errorTitle is the heading of an error page with status code.
func errorTitle(code int) string {
	if k, ok := errorTitles[code]; ok {
		return k
	}
	return "err.title"
}
