package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// Cookie names. The session cookie holds the only copy of the session id.
const (
	cookieSession = "hd_session"
	cookieAnon    = "hd_anon" // double-submit CSRF seed for visitors without a session
	cookieLang    = "hd_lang"
	cookieFlash   = "hd_flash"
)

// webCtx is what the middleware learns about a request.
type webCtx struct {
	sessionID string
	user      *tickets.User
	agent     *tickets.Agent
	lang      string
	anon      string    // the hd_anon cookie's value
	form      *postForm // a POST's files; nil otherwise
}

type webCtxKey struct{}

func webFrom(r *http.Request) *webCtx {
	if wc, ok := r.Context().Value(webCtxKey{}).(*webCtx); ok {
		return wc
	}
	return &webCtx{lang: "id"}
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere:
// thread HTML is sanitized at intake, and this is the second fence.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"

// mac signs purpose-separated values with the server secret.
func (u *webUI) mac(purpose, value string) string {
	m := hmac.New(sha256.New, u.secret)
	m.Write([]byte(purpose + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken is the form token of this request's visitor: bound to the
// session id when signed in, else to the signed anonymous cookie.
func (u *webUI) csrfToken(wc *webCtx) string {
	if wc.sessionID != "" {
		return u.mac("csrf", wc.sessionID)
	}
	if wc.anon != "" {
		return u.mac("anon-csrf", wc.anon)
	}
	return ""
}

func (u *webUI) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: u.secure, SameSite: http.SameSiteLaxMode}
}

// webPage wraps a page handler: security headers, the visitor's session and
// language, and on POST the form read behind its CSRF token (readForm),
// behind Go's cross-origin guard (which refuses cross-site browser POSTs
// before any token is looked at). Its forms take no files.
func (s *server) webPage(h http.HandlerFunc) http.Handler { return s.webForm(h, false) }

// webUploadPage is webPage for the forms that take files.
func (s *server) webUploadPage(h http.HandlerFunc) http.Handler { return s.webForm(h, true) }

func (s *server) webForm(h http.HandlerFunc, files bool) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		wc, err := s.loadVisitor(w, r)
		if err != nil {
			s.webError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), webCtxKey{}, wc))
		if r.Method == http.MethodPost {
			f := newPostForm()
			// Whatever the handler does (an early return, a panic), the
			// request's temporary files go with it.
			defer f.removeAll()
			if !s.readForm(w, r, wc, f, files) {
				return
			}
			wc.form = f
		}
		h(w, r)
	})
	return s.web.cop.Handler(inner)
}

// loadVisitor reads the session cookie (and the visitor it names), the
// language, and gives visitors without a session their anonymous CSRF seed.
func (s *server) loadVisitor(w http.ResponseWriter, r *http.Request) (*webCtx, error) {
	wc := &webCtx{lang: "id"}
	if c, err := r.Cookie(cookieLang); err == nil && (c.Value == "en" || c.Value == "id") {
		wc.lang = c.Value
	}
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" {
		sess, err := s.store.SessionByID(r.Context(), c.Value)
		switch {
		case errors.Is(err, tickets.ErrNotFound):
			http.SetCookie(w, s.web.cookie(cookieSession, "", -1))
		case err != nil:
			return nil, err
		case sess.UserID.Valid:
			u, err := s.store.UserByID(r.Context(), sess.UserID.Int64)
			if err != nil && !errors.Is(err, tickets.ErrNotFound) {
				return nil, err
			}
			if err == nil {
				wc.sessionID, wc.user, wc.lang = c.Value, u, u.Lang
			}
		case sess.AgentID.Valid:
			a, err := s.store.AgentByID(r.Context(), int(sess.AgentID.Int64))
			if err != nil && !errors.Is(err, tickets.ErrNotFound) {
				return nil, err
			}
			if err == nil && a.Active {
				wc.sessionID, wc.agent, wc.lang = c.Value, a, a.Lang
			}
		}
	}
	if c, err := r.Cookie(cookieAnon); err == nil && len(c.Value) >= 32 {
		wc.anon = c.Value
	} else if wc.sessionID == "" {
		wc.anon = randomToken()
		// Session-long, so a form left open for a while still posts.
		http.SetCookie(w, s.web.cookie(cookieAnon, wc.anon, 0))
	}
	return wc, nil
}

// signIn starts a new session (a fresh id: any id a visitor had before is
// dropped, so a planted id never becomes a signed-in one).
func (s *server) signIn(w http.ResponseWriter, r *http.Request, userID int64, agentID int) error {
	wc := webFrom(r)
	if err := s.store.DeleteSession(r.Context(), wc.sessionID); err != nil {
		return err
	}
	id, err := s.store.CreateSession(r.Context(), userID, agentID)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.web.cookie(cookieSession, id, 0))
	return nil
}

// setFlash leaves a one-time notice for the next page (Post/Redirect/Get),
// signed so that nobody can put words in the helpdesk's mouth by link.
// args fill the translation's verbs ("#%s transferred to %s").
func (s *server) setFlash(w http.ResponseWriter, key string, args ...string) {
	v := key
	if len(args) > 0 {
		b, _ := json.Marshal(args)
		v += "~" + base64.RawURLEncoding.EncodeToString(b)
	}
	http.SetCookie(w, s.web.cookie(cookieFlash, v+"."+s.web.mac("flash", v), 60))
}

func (s *server) takeFlash(w http.ResponseWriter, r *http.Request) (string, []string) {
	c, err := r.Cookie(cookieFlash)
	if err != nil {
		return "", nil
	}
	http.SetCookie(w, s.web.cookie(cookieFlash, "", -1))
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 {
		return "", nil
	}
	v, sig := c.Value[:i], c.Value[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.web.mac("flash", v))) {
		return "", nil
	}
	key, enc, ok := strings.Cut(v, "~")
	var args []string
	if ok {
		b, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil || json.Unmarshal(b, &args) != nil {
			return "", nil
		}
	}
	return key, args
}

// redirect answers a POST with 303 to a GET.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath keeps "next" parameters on this site: an open redirect after
// sign-in is a phishing aid.
func localPath(p, def string) string {
	u, err := url.Parse(p)
	if p == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return def
	}
	return p
}
