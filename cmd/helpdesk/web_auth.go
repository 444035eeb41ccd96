package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
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

func (s *server) landing(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "landing.title")
	p.Form = loginForm{}
	s.render(w, r, http.StatusOK, "landing", p)
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
	p := s.newPage(w, r, "login.title")
	p.Form = loginForm{Next: localPath(r.URL.Query().Get("next"), "")}
	s.render(w, r, http.StatusOK, "login", p)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	f := loginForm{Login: strings.TrimSpace(r.PostFormValue("login")), Next: localPath(r.PostFormValue("next"), "")}
	refund, ok := s.signInAttempt(w, r, "login-account:"+strings.ToLower(f.Login))
	if !ok {
		return
	}
	u, err := s.store.Authenticate(r.Context(), f.Login, r.PostFormValue("password"))
	if errors.Is(err, tickets.ErrInvalidLogin) || errors.Is(err, tickets.ErrNotConfirmed) {
		p := s.newPage(w, r, "login.title")
		p.Form = f
		p.Errors = map[string]string{"login": p.T("login.failed")}
		if errors.Is(err, tickets.ErrNotConfirmed) {
			p.Errors["login"] = p.T("login.unconfirmed")
		}
		s.render(w, r, http.StatusUnauthorized, "login", p)
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
	p := s.newPage(w, r, "agent_login.title")
	p.Form = loginForm{Next: localPath(r.URL.Query().Get("next"), "")}
	s.render(w, r, http.StatusOK, "agent_login", p)
}

func (s *server) agentLogin(w http.ResponseWriter, r *http.Request) {
	f := loginForm{Login: strings.TrimSpace(r.PostFormValue("login")), Next: localPath(r.PostFormValue("next"), "")}
	refund, ok := s.signInAttempt(w, r, "agent-login-account:"+strings.ToLower(f.Login))
	if !ok {
		return
	}
	a, err := s.store.AuthenticateAgent(r.Context(), f.Login, r.PostFormValue("password"))
	if errors.Is(err, tickets.ErrInvalidLogin) {
		p := s.newPage(w, r, "agent_login.title")
		p.Form = f
		p.Errors = map[string]string{"login": p.T("login.failed")}
		s.render(w, r, http.StatusUnauthorized, "agent_login", p)
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
	s.log.Info("agent signed in", "agent", a.ID)
	redirect(w, r, localPath(f.Next, "/agent"))
}

// registerForm is Gambar 3's form; passwords are never sent back.
type registerForm struct {
	Email, Name, Address, Phone, Timezone string
}

func (s *server) registerForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "register.title")
	p.Form = registerForm{Timezone: "Asia/Jakarta"}
	p.Data = timezones
	s.render(w, r, http.StatusOK, "register", p)
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
	if errs, ok := fieldErrors(wc.lang, err); ok {
		p := s.newPage(w, r, "register.title")
		p.Form, p.Errors, p.Data = f, errs, timezones
		s.render(w, r, http.StatusBadRequest, "register", p)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
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
	s.showConfirmForm(w, r, r.URL.Query().Get("token"), nil)
}

// showConfirmForm renders the form for a live token, with the field error
// of a failed attempt (failed, a *tickets.ValidationError, or nil), or the
// "link invalid" page.
func (s *server) showConfirmForm(w http.ResponseWriter, r *http.Request, tok string, failed error) {
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
		// Opened from the mail, most likely without our language cookie:
		// the language they registered in.
		p.Lang = u.Lang
	}
	code := http.StatusOK
	if errs, ok := fieldErrors(p.Lang, failed); ok {
		p.Errors, code = errs, http.StatusBadRequest
	}
	p.Form = confirmForm{Token: tok, Email: u.Email}
	p.Data = map[string]any{"Ask": true}
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
	var verr *tickets.ValidationError
	if errors.As(err, &verr) {
		if _, _, err := s.store.RateHit(r.Context(), key, limitConfirmToken); err != nil {
			s.webError(w, r, err)
			return
		}
		s.showConfirmForm(w, r, tok, err)
		return
	}
	if errors.Is(err, tickets.ErrInvalidToken) {
		s.confirmInvalid(w, r)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.log.Info("account confirmed via web", "user", u.ID)
	p := s.newPage(w, r, "confirm.title")
	p.Lang = u.Lang
	p.Data = map[string]any{"OK": true}
	s.render(w, r, http.StatusOK, "confirm", p)
}

func (s *server) forgotForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "forgot.title")
	p.Form = map[string]string{"Email": ""}
	s.render(w, r, http.StatusOK, "forgot", p)
}

func (s *server) forgot(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	p := s.newPage(w, r, "forgot.title")
	if !tickets.ValidEmail(email) {
		p.Form = map[string]string{"Email": email}
		p.Errors = map[string]string{"email": translateValidation(p.Lang, "email", "a valid email address is required")}
		s.render(w, r, http.StatusBadRequest, "forgot", p)
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
	p.Data = map[string]any{"Sent": true}
	s.render(w, r, http.StatusOK, "forgot", p)
}

func (s *server) resetForm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
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
	s.render(w, r, http.StatusOK, "reset", p)
}

func (s *server) reset(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	u, err := s.store.ResetPassword(r.Context(), tok, r.PostFormValue("password"), r.PostFormValue("confirm"))
	p := s.newPage(w, r, "reset.title")
	if errs, ok := fieldErrors(p.Lang, err); ok {
		p.Form, p.Errors = map[string]string{"Token": tok}, errs
		s.render(w, r, http.StatusBadRequest, "reset", p)
		return
	}
	if errors.Is(err, tickets.ErrInvalidToken) {
		p.Data = map[string]any{"Invalid": true}
		s.render(w, r, http.StatusNotFound, "reset", p)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.log.Info("password reset via web", "user", u.ID)
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
