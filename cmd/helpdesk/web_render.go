package main

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/templates"
	"github.com/kemsos/helpdesk/tickets"
)

// webUI is the web layer's state, built once at start.
type webUI struct {
	secret []byte
	secure bool // cookies only over https, when the public URL is https
	pages  map[string]*template.Template
	static http.Handler
	cop    *http.CrossOriginProtection
}

func newWebUI(secret []byte, secure bool) (*webUI, error) {
	pages, err := parsePages(templates.Web)
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(templates.Web, "web/static")
	if err != nil {
		return nil, err
	}
	return &webUI{secret: secret, secure: secure, pages: pages, static: http.FileServerFS(static),
		cop: http.NewCrossOriginProtection()}, nil
}

// parsePages parses the layout and partials once, then each page on a
// clone of them, so that every page fills the same {{define "content"}}.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	root, err := template.New("root").Funcs(template.FuncMap{
		"size":      humanSize,
		"len64":     func(b []byte) int64 { return int64(len(b)) },
		"fieldArgs": fieldArgs,
		"list":      func(s ...string) []string { return s },
	}).ParseFS(fsys, "web/layout.html", "web/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	names, err := fs.Glob(fsys, "web/pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.Must(root.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("web templates: %w", err)
		}
		pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return pages, nil
}

// humanSize shows a file size as the manual does ("9.72 kB").
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// page is what every template gets: the visitor, the language and its
// translations, the CSRF token, a flash notice, and the page's own data.
type page struct {
	Lang   string
	Title  string // translation key
	CSRF   string
	User   *tickets.User
	Agent  *tickets.Agent
	Flash  string // translation key
	Path   string // where the language switch returns to
	Errors map[string]string
	Form   any
	Data   any
	loc    *time.Location

	// TitleText goes before the title, untranslated: "#881358 Subject".
	TitleText string
	// Refile names the files a failed form must be given again.
	Refile []string
	// ReplaceURL is the page's own address when it answers a form at the
	// form's address (see formFailed).
	ReplaceURL string
	// FieldLabels overrides the error summary's label key of a field (""
	// for a field with no input to go to); FieldPrefix goes before field
	// names to make the ids of their inputs.
	FieldLabels map[string]string
	FieldPrefix string
	// FlashArgs fill the flash's verbs (FlashText).
	FlashArgs []string
}

// T translates key into the page's language; args fill %s/%d verbs.
func (p *page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// Time shows t in the visitor's zone, day first as in the manual.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(p.loc)
	return t.Format("02/01/2006 15:04") + " " + zoneAbbrev(t)
}

// TopicDesc is a help topic's description in the page's language.
func (p *page) TopicDesc(t tickets.Topic) string {
	if en, ok := topicDescriptionsEN[t.Description]; ok && p.Lang == "en" {
		return en
	}
	return t.Description
}

// FlashText is the flash in the page's language.
func (p *page) FlashText() string {
	args := make([]any, len(p.FlashArgs))
	for i, a := range p.FlashArgs {
		args[i] = a
	}
	return p.T(p.Flash, args...)
}

// Err returns the translated error of a form field, "" when none.
func (p *page) Err(field string) string { return p.Errors[field] }

// Accept is the file input's accept attribute.
func (p *page) Accept() string { return allowedExtensions() }

// uploadLimits are tickets' upload policy, for the browser to check files
// before sending them (app.js); the server checks them again.
type uploadLimits struct {
	Size, Total            int64
	Count, SizeMB, TotalMB int
}

// Limits is the upload policy for the file input.
func (p *page) Limits() uploadLimits {
	return uploadLimits{Size: tickets.MaxUploadSize, Total: tickets.MaxUploadTotal, Count: tickets.MaxUploads,
		SizeMB: tickets.MaxUploadSize >> 20, TotalMB: tickets.MaxUploadTotal >> 20}
}

// FileHint states the upload limits in the page's language.
func (p *page) FileHint() string {
	return p.T("files.hint", tickets.MaxUploadSize>>20, tickets.MaxUploadTotal>>20, tickets.MaxUploads)
}

// fieldData is one labelled input for the "field" partial.
type fieldData struct {
	Page                                  *page
	Name, Type, Label, Value, Auto, Error string
}

func fieldArgs(p *page, name, typ, label, value, auto string) fieldData {
	return fieldData{Page: p, Name: name, Type: typ, Label: label, Value: value, Auto: auto, Error: p.Err(name)}
}

// Agentside reports whether the page belongs to the agent panel.
func (p *page) Agentside() bool { return p.Agent != nil }

func (s *server) newPage(w http.ResponseWriter, r *http.Request, title string) *page {
	wc := webFrom(r)
	p := &page{Lang: wc.lang, Title: title, CSRF: s.web.csrfToken(wc), User: wc.user, Agent: wc.agent,
		Path: switchBack(r), loc: jakarta()}
	tz := ""
	switch {
	case wc.user != nil:
		tz = wc.user.Timezone
	case wc.agent != nil:
		tz = wc.agent.Timezone
	}
	if loc, err := time.LoadLocation(tz); tz != "" && err == nil {
		p.loc = loc
	}
	if w != nil {
		p.Flash, p.FlashArgs = s.takeFlash(w, r)
	}
	return p
}

// switchBack is where the language switch returns to: this page, or for
// a page answering a form (an error page at the form's address, which a
// GET cannot open) the page the form was on, by the Referer the browser
// sends within the site (Referrer-Policy same-origin), else the start.
func switchBack(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
		return localPath(ref.RequestURI(), "/")
	}
	return "/"
}

func jakarta() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*3600)
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	t := s.web.pages[name]
	if t == nil {
		s.log.Error("no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// renderStatus shows an error page with a translated message.
func (s *server) renderStatus(w http.ResponseWriter, r *http.Request, code int, msgKey string) {
	p := s.newPage(nil, r, errorTitle(code))
	p.Data = map[string]any{"Code": code, "Message": msgKey}
	s.render(w, r, code, "error", p)
}

// webError maps a domain error to an error page, in one place.
func (s *server) webError(w http.ResponseWriter, r *http.Request, err error) {
	code := errorStatus(err)
	switch {
	case errors.Is(err, tickets.ErrInvalidToken):
		s.renderStatus(w, r, http.StatusNotFound, "err.token")
	case code == http.StatusNotFound:
		s.renderStatus(w, r, code, "err.not_found")
	case code == http.StatusForbidden:
		s.renderStatus(w, r, code, "err.forbidden")
	case code == http.StatusConflict:
		s.renderStatus(w, r, code, "err.conflict")
	case code == http.StatusBadRequest:
		s.renderStatus(w, r, code, "err.bad_request")
	default:
		s.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		s.renderStatus(w, r, http.StatusInternalServerError, "err.internal")
	}
}

// fieldErrors translates a ValidationError for the form, or reports that
// err is not one.
func fieldErrors(lang string, err error) (map[string]string, bool) {
	var v *tickets.ValidationError
	if !errors.As(err, &v) {
		return nil, false
	}
	out := make(map[string]string, len(v.Fields))
	for f, msg := range v.Fields {
		out[f] = translateValidation(lang, f, msg)
	}
	return out, true
}
