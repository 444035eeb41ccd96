package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// Rate limits. Sign-in counts failures per address and per account, so
// that guessing one password and spraying many accounts are both slow,
// while a regional office or a carrier's NAT, where hundreds of people
// share one address, is never locked out by its people signing in; an
// address is the client's as HELPDESK_TRUSTED_PROXIES says, IPv6 by its
// /64. Registration and reset mails are limited so the helpdesk cannot be
// used to flood someone's mailbox.
var (
	limitLoginIP      = tickets.Limit{Max: 30, Window: 15 * time.Minute}
	limitLoginAccount = tickets.Limit{Max: 5, Window: 15 * time.Minute}
	limitRegisterIP   = tickets.Limit{Max: 10, Window: time.Hour}
	limitResetIP      = tickets.Limit{Max: 10, Window: time.Hour}
	limitResetAccount = tickets.Limit{Max: 3, Window: time.Hour}
	// Wrong passwords at confirmation, per link: whoever holds a link
	// (forwarded, or logged by a mail scanner) cannot guess the
	// registration's password at speed.
	limitConfirmToken = tickets.Limit{Max: 5, Window: time.Hour}
)

// tooMany answers 429 with a page saying when to try again.
func (s *server) tooMany(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	mins := int(retry.Round(time.Minute) / time.Minute)
	if mins < 1 {
		mins = 1
	}
	w.Header().Set("Retry-After", fmt.Sprint(int(retry.Seconds())+1))
	p := s.newPage(nil, r, errorTitle(http.StatusTooManyRequests))
	p.Data = map[string]any{"Code": http.StatusTooManyRequests, "Message": "err.rate", "Minutes": mins}
	s.render(w, r, http.StatusTooManyRequests, "error", p)
}

// limited checks each limit in order; the first exceeded one answers.
// record false only checks (for per-account failure counts).
func (s *server) limited(w http.ResponseWriter, r *http.Request, record bool, keys []string, limits []tickets.Limit) bool {
	for i, k := range keys {
		f := s.store.RateCheck
		if record {
			f = s.store.RateHit
		}
		ok, retry, err := f(r.Context(), k, limits[i])
		if err != nil {
			s.webError(w, r, err)
			return true
		}
		if !ok {
			s.log.Warn("rate limited", "key", strings.SplitN(k, ":", 2)[0], "ip", s.clientIP(r))
			s.tooMany(w, r, retry)
			return true
		}
	}
	return false
}

// signInAttempt admits a sign-in attempt within the failure limits of the
// client's address and of the account, or answers 429. The attempt is
// counted at once, so that guesses sent in parallel cannot all pass before
// the first failure is recorded; refund takes it back when the password
// was right: only failures count.
func (s *server) signInAttempt(w http.ResponseWriter, r *http.Request, account string) (refund func() error, ok bool) {
	keys := []string{"login-ip:" + s.ipBucket(r), account}
	limits := []tickets.Limit{limitLoginIP, limitLoginAccount}
	if s.limited(w, r, false, keys, limits) {
		return nil, false
	}
	// undo takes back the first n hits.
	undo := func(n int) error {
		for i, k := range keys[:n] {
			if err := s.store.RateUndo(r.Context(), k, limits[i]); err != nil {
				return err
			}
		}
		return nil
	}
	for i, k := range keys {
		within, retry, err := s.store.RateHit(r.Context(), k, limits[i])
		if err == nil && !within {
			// Others got there first, in parallel: this one is refused
			// and does not count.
			if err = undo(i + 1); err == nil {
				s.log.Warn("rate limited", "key", strings.SplitN(k, ":", 2)[0], "ip", s.clientIP(r))
				s.tooMany(w, r, retry)
				return nil, false
			}
		}
		if err != nil {
			s.webError(w, r, err)
			return nil, false
		}
	}
	return func() error { return undo(len(keys)) }, true
}

// setLang switches the language: a cookie for everyone, and the account's
// setting for signed-in people so that their mail follows.
func (s *server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if lang != "en" {
		lang = "id"
	}
	wc := webFrom(r)
	http.SetCookie(w, s.web.cookie(cookieLang, lang, 365*24*3600))
	var err error
	switch {
	case wc.user != nil:
		err = s.store.SetUserLang(r.Context(), wc.user.ID, lang)
	case wc.agent != nil:
		err = s.store.SetAgentLang(r.Context(), wc.agent.ID, lang)
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	redirect(w, r, localPath(r.PostFormValue("next"), "/"))
}

type loginForm struct {
	Login string
	Next  string
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	if webFrom(r).user != nil {
		redirect(w, r, "/tickets")
		return
	}
	s.showLogin(w, r, http.StatusOK, s.draftFor(r, "login"))
}

// showLogin renders a sign-in page (the citizens' or the agents', by d's
// form), empty or as a failed attempt left it.
func (s *server) showLogin(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
	page, title := "login", "login.title"
	if strings.HasPrefix(r.URL.Path, "/agent/") {
		page, title = "agent_login", "agent_login.title"
	}
	p := s.newPage(w, r, title)
	p.Form = loginForm{Login: d.value("login"), Next: localPath(r.URL.Query().Get("next"), "")}
	if d != nil {
		p.Form = loginForm{Login: d.value("login"), Next: localPath(d.value("next"), "")}
	}
	p.FieldLabels = map[string]string{"login": "login.login"}
	if page == "agent_login" {
		p.FieldLabels["login"] = "agent_login.email"
	}
	d.apply(p)
	s.render(w, r, code, page, p)
}

// loginFailed sends a failed sign-in back to its form, with the login
// typed and where it was going.
func (s *server) loginFailed(w http.ResponseWriter, r *http.Request, back string, f loginForm, key string) {
	if f.Next != "" {
		back += "?next=" + url.QueryEscape(f.Next)
	}
	s.formFailed(w, r, &formDraft{Form: "login", Back: back, Values: map[string]string{"login": f.Login, "next": f.Next},
		Errors: errKey("login", key)}, s.showLogin)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	f := loginForm{Login: strings.TrimSpace(r.PostFormValue("login")), Next: localPath(r.PostFormValue("next"), "")}
	refund, ok := s.signInAttempt(w, r, "login-account:"+strings.ToLower(f.Login))
	if !ok {
		return
	}
	u, err := s.store.Authenticate(r.Context(), f.Login, r.PostFormValue("password"))
	if errors.Is(err, tickets.ErrInvalidLogin) || errors.Is(err, tickets.ErrNotConfirmed) {
		key := "login.failed"
		if errors.Is(err, tickets.ErrNotConfirmed) {
			key = "login.unconfirmed"
		}
		s.loginFailed(w, r, "/login", f, key)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if err := refund(); err != nil {
		s.webError(w, r, err)
		return
	}
	if err := s.signIn(w, r, u.ID, 0); err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	s.log.Info("citizen signed in", "user", u.ID)
	redirect(w, r, localPath(f.Next, "/tickets"))
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	wc := webFrom(r)
	if err := s.store.DeleteSession(r.Context(), wc.sessionID); err != nil {
		s.webError(w, r, err)
		return
	}
	http.SetCookie(w, s.web.cookie(cookieSession, "", -1))
	to := "/"
	if wc.agent != nil {
		to = "/agent/login"
	}
	s.setFlash(w, "flash.signed_out")
	redirect(w, r, to)
}

func (s *server) agentLoginForm(w http.ResponseWriter, r *http.Request) {
	if webFrom(r).agent != nil {
		redirect(w, r, "/agent")
		return
	}
	s.showLogin(w, r, http.StatusOK, s.draftFor(r, "login"))
}

func (s *server) agentLogin(w http.ResponseWriter, r *http.Request) {
	f := loginForm{Login: strings.TrimSpace(r.PostFormValue("login")), Next: localPath(r.PostFormValue("next"), "")}
	refund, ok := s.signInAttempt(w, r, "agent-login-account:"+strings.ToLower(f.Login))
	if !ok {
		return
	}
	a, err := s.store.AuthenticateAgent(r.Context(), f.Login, r.PostFormValue("password"))
	if errors.Is(err, tickets.ErrInvalidLogin) {
		s.loginFailed(w, r, "/agent/login", f, "login.failed")
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if err := refund(); err != nil {
		s.webError(w, r, err)
		return
	}
	if err := s.signIn(w, r, 0, a.ID); err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	s.log.Info("agent signed in", "agent", a.ID)
	redirect(w, r, localPath(f.Next, "/agent"))
}

// registerForm is Gambar 3's form; passwords are never sent back.
type registerForm struct {
	Email, Name, Address, Phone, Timezone string
}

func (s *server) registerForm(w http.ResponseWriter, r *http.Request) {
	s.showRegister(w, r, http.StatusOK, s.draftFor(r, "register"))
}

func (s *server) showRegister(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
	p := s.newPage(w, r, "register.title")
	f := registerForm{Timezone: "Asia/Jakarta"}
	if d != nil {
		f = registerForm{Email: d.value("email"), Name: d.value("name"), Address: d.value("address"), Phone: d.value("phone"), Timezone: d.value("timezone")}
	}
	p.Form, p.Data = f, zoneOptions(p.Lang, f.Timezone)
	p.FieldLabels = map[string]string{"password": "register.password"}
	d.apply(p)
	s.render(w, r, code, "register", p)
}

func (s *server) register(w http.ResponseWriter, r *http.Request) {
	if s.limited(w, r, true, []string{"register-ip:" + s.ipBucket(r)}, []tickets.Limit{limitRegisterIP}) {
		return
	}
	f := registerForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		Phone: r.PostFormValue("phone"), Timezone: r.PostFormValue("timezone")}
	wc := webFrom(r)
	_, err := s.store.Register(r.Context(), tickets.RegisterRequest{Email: f.Email, Name: f.Name, Address: f.Address,
		Phone: f.Phone, Timezone: f.Timezone, Lang: wc.lang, Password: r.PostFormValue("password"), Confirm: r.PostFormValue("confirm")})
	if errs, ok := draftErrors(err); ok {
		s.formFailed(w, r, &formDraft{Form: "register", Back: "/register", Errors: errs, Values: map[string]string{
			"email": f.Email, "name": f.Name, "address": f.Address, "phone": f.Phone, "timezone": f.Timezone}}, s.showRegister)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	redirect(w, r, "/register/done")
}

func (s *server) registerDone(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "register_done.title")
	s.render(w, r, http.StatusOK, "register_done", p)
}

// confirmForm is the confirmation link's page (Gambar 6): it asks for the
// password chosen at registration. Opening the link changes nothing, so a
// mail scanner that fetches it activates nothing.
type confirmForm struct {
	Token, Email string
}

func (s *server) confirmAccountForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	s.showConfirmForm(w, r, tok, http.StatusOK, s.draftFor(r, "confirm"))
}

// showConfirmForm renders the form for a live token, with the field error
// of a failed attempt (from d), or the "link invalid" page.
func (s *server) showConfirmForm(w http.ResponseWriter, r *http.Request, tok string, code int, d *formDraft) {
	u, err := s.store.CheckConfirmToken(r.Context(), tok)
	if errors.Is(err, tickets.ErrInvalidToken) {
		s.confirmInvalid(w, r)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	p := s.newPage(w, r, "confirm.title")
	if webFrom(r).user == nil {
		if _, err := r.Cookie(cookieLang); err != nil {
			// Opened from the mail, without our language cookie: the
			// language they registered in.
			p.Lang = u.Lang
		}
	}
	p.Form = confirmForm{Token: tok, Email: u.Email}
	p.Data = map[string]any{"Ask": true}
	p.FieldLabels = map[string]string{"password": "confirm.password"}
	d.apply(p)
	s.render(w, r, code, "confirm", p)
}

func (s *server) confirmInvalid(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "confirm.title")
	p.Data = map[string]any{"OK": false}
	s.render(w, r, http.StatusNotFound, "confirm", p)
}

// confirmAccount activates the account when the password typed is the one
// chosen at registration (see tickets.ConfirmAccount for why).
func (s *server) confirmAccount(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	// The rate_limits table holds the token's hash, not the link.
	sum := sha256.Sum256([]byte(tok))
	key := "confirm-token:" + hex.EncodeToString(sum[:16])
	if s.limited(w, r, false, []string{key}, []tickets.Limit{limitConfirmToken}) {
		return
	}
	u, err := s.store.ConfirmAccount(r.Context(), tok, r.PostFormValue("password"))
	back := "/account/confirm?token=" + url.QueryEscape(tok)
	if errs, ok := draftErrors(err); ok {
		if _, _, err := s.store.RateHit(r.Context(), key, limitConfirmToken); err != nil {
			s.webError(w, r, err)
			return
		}
		s.formFailed(w, r, &formDraft{Form: "confirm", Back: back, Errors: errs},
			func(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
				s.showConfirmForm(w, r, tok, code, d)
			})
		return
	}
	if errors.Is(err, tickets.ErrInvalidToken) {
		// The GET says so, in the page's language.
		redirect(w, r, back)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.log.Info("account confirmed via web", "user", u.ID)
	s.clearDraft(w, r)
	if _, err := r.Cookie(cookieLang); err != nil {
		// The sign-in page that follows speaks the language the
		// confirmation form did.
		http.SetCookie(w, s.web.cookie(cookieLang, u.Lang, 365*24*3600))
	}
	s.setFlash(w, "flash.account_active")
	redirect(w, r, "/login")
}

func (s *server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.showForgot(w, r, http.StatusOK, s.draftFor(r, "forgot"))
}

func (s *server) showForgot(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
	p := s.newPage(w, r, "forgot.title")
	p.Form = map[string]string{"Email": d.value("email")}
	if r.URL.Query().Get("sent") == "1" {
		p.Data = map[string]any{"Sent": true}
	}
	d.apply(p)
	s.render(w, r, code, "forgot", p)
}

func (s *server) forgot(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if !tickets.ValidEmail(email) {
		s.formFailed(w, r, &formDraft{Form: "forgot", Back: "/account/forgot", Values: map[string]string{"email": email},
			Errors: map[string]formErr{"email": {Msg: "a valid email address is required"}}}, s.showForgot)
		return
	}
	if s.limited(w, r, true, []string{"reset-ip:" + s.ipBucket(r), "reset-account:" + tickets.NormalizeEmail(email)},
		[]tickets.Limit{limitResetIP, limitResetAccount}) {
		return
	}
	if err := s.store.RequestPasswordReset(r.Context(), email); err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	// The same answer whether or not the address has an account.
	redirect(w, r, "/account/forgot?sent=1")
}

func (s *server) resetForm(w http.ResponseWriter, r *http.Request) {
	s.showReset(w, r, http.StatusOK, s.draftFor(r, "reset"))
}

func (s *server) showReset(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
	tok := r.URL.Query().Get("token")
	if d != nil && d.inPlace {
		tok = d.value("token")
	}
	p := s.newPage(w, r, "reset.title")
	if err := s.store.CheckResetToken(r.Context(), tok); err != nil {
		if !errors.Is(err, tickets.ErrInvalidToken) {
			s.webError(w, r, err)
			return
		}
		p.Data = map[string]any{"Invalid": true}
		s.render(w, r, http.StatusNotFound, "reset", p)
		return
	}
	p.Form = map[string]string{"Token": tok}
	p.FieldLabels = map[string]string{"password": "reset.password"}
	d.apply(p)
	s.render(w, r, code, "reset", p)
}

func (s *server) reset(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	u, err := s.store.ResetPassword(r.Context(), tok, r.PostFormValue("password"), r.PostFormValue("confirm"))
	back := "/account/reset?token=" + url.QueryEscape(tok)
	if errs, ok := draftErrors(err); ok {
		s.formFailed(w, r, &formDraft{Form: "reset", Back: back, Errors: errs, Values: map[string]string{"token": tok}}, s.showReset)
		return
	}
	if errors.Is(err, tickets.ErrInvalidToken) {
		redirect(w, r, back)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.log.Info("password reset via web", "user", u.ID)
	s.clearDraft(w, r)
	s.setFlash(w, "flash.password_reset")
	redirect(w, r, "/login")
}

// timezones offers Indonesia's zones first, then common ones; any IANA
// name the host knows is accepted.
var timezones = []string{
	"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura",
	"Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Manila",
	"Asia/Hong_Kong", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Asia/Kolkata", "Asia/Dubai",
	"Asia/Riyadh", "Australia/Perth", "Australia/Darwin", "Australia/Sydney", "Pacific/Auckland",
	"Europe/London", "Europe/Amsterdam", "Europe/Berlin", "Europe/Paris", "Africa/Cairo",
	"America/New_York", "America/Chicago", "America/Los_Angeles", "UTC",
}
