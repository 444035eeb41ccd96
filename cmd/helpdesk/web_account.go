package main

import (
	"net/http"
	"strconv"

	"github.com/kemsos/helpdesk/tickets"
)

// The account pages: a citizen's profile (the registration's fields) and,
// for citizens and agents, a password change that asks for the current
// password and signs out their other sessions.

// accountData is what the account page shows besides the profile form.
type accountData struct {
	Timezones []string
	Saved     string // "profile" or "password" after a change
	Agentside bool
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, profileForm(webFrom(r).user), nil)
}

// profileForm is the profile as stored; nil (an agent) gives none.
func profileForm(u *tickets.User) registerForm {
	if u == nil {
		return registerForm{}
	}
	return registerForm{Email: u.Email, Name: u.Name, Address: u.Address, Phone: u.Phone, Timezone: u.Timezone}
}

func (s *server) renderAccount(w http.ResponseWriter, r *http.Request, status int, f registerForm, errs map[string]string) {
	wc := webFrom(r)
	p := s.newPage(w, r, "account.title")
	p.Form, p.Errors = f, errs
	saved := r.URL.Query().Get("saved")
	if saved != "profile" && saved != "password" && saved != "signature" {
		saved = ""
	}
	p.Data = accountData{Timezones: timezones, Saved: saved, Agentside: wc.agent != nil}
	page := "account"
	if wc.agent != nil {
		page = "agent_account"
	}
	s.render(w, r, status, page, p)
}

func (s *server) updateProfile(w http.ResponseWriter, r *http.Request) {
	wc := webFrom(r)
	f := registerForm{Email: wc.user.Email, Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		Phone: r.PostFormValue("phone"), Timezone: r.PostFormValue("timezone")}
	_, err := s.store.UpdateProfile(r.Context(), wc.user.ID, tickets.Profile{Name: f.Name, Address: f.Address, Phone: f.Phone, Timezone: f.Timezone})
	if errs, ok := fieldErrors(wc.lang, err); ok {
		s.renderAccount(w, r, http.StatusBadRequest, f, errs)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	redirect(w, r, "/account?saved=profile")
}

// changePassword serves both sides; the current password is guessed at
// no faster than a sign-in.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request) {
	wc := webFrom(r)
	current, password, confirm := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	var key, done string
	var err error
	if wc.agent != nil {
		key, done = "password-agent:"+strconv.Itoa(wc.agent.ID), "/agent/account?saved=password"
	} else {
		key, done = "password-user:"+strconv.FormatInt(wc.user.ID, 10), "/account?saved=password"
	}
	if s.limited(w, r, false, []string{key}, []tickets.Limit{limitLoginAccount}) {
		return
	}
	if wc.agent != nil {
		err = s.store.ChangeAgentPassword(r.Context(), wc.agent.ID, wc.sessionID, current, password, confirm)
	} else {
		err = s.store.ChangePassword(r.Context(), wc.user.ID, wc.sessionID, current, password, confirm)
	}
	if errs, ok := fieldErrors(wc.lang, err); ok {
		if _, wrong := errs["current"]; wrong {
			if _, _, err := s.store.RateHit(r.Context(), key, limitLoginAccount); err != nil {
				s.webError(w, r, err)
				return
			}
		}
		s.renderAccount(w, r, http.StatusBadRequest, profileForm(wc.user), errs)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	redirect(w, r, done)
}
