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
	Timezones []zoneOption
	Saved     string // "profile" or "password" after a change
	Failed    string // the form that failed: "profile" or "password"
	Agentside bool
	// Signature is the agent's, or what a failed signature form held
	// (Ticket tools, issue 12).
	Signature string
}

func (s *server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.showAccount(w, r, http.StatusOK, s.draftFor(r, "profile", "password", "signature"))
}

// profileForm is the profile as stored; nil (an agent) gives none.
func profileForm(u *tickets.User) registerForm {
	if u == nil {
		return registerForm{}
	}
	return registerForm{Email: u.Email, Name: u.Name, Address: u.Address, Phone: u.Phone, Timezone: u.Timezone}
}

// showAccount renders the account page, with a failed form as its draft
// left it.
func (s *server) showAccount(w http.ResponseWriter, r *http.Request, status int, d *formDraft) {
	wc := webFrom(r)
	p := s.newPage(w, r, "account.title")
	f := profileForm(wc.user)
	failed := ""
	if d != nil {
		failed = d.Form
		if d.Form == "profile" {
			f.Name, f.Address, f.Phone, f.Timezone = d.value("name"), d.value("address"), d.value("phone"), d.value("timezone")
		}
	}
	p.Form = f
	saved := r.URL.Query().Get("saved")
	if saved != "profile" && saved != "password" && saved != "signature" {
		saved = ""
	}
	ad := accountData{Timezones: zoneOptions(p.Lang, f.Timezone), Saved: saved, Failed: failed, Agentside: wc.agent != nil}
	if wc.agent != nil {
		ad.Signature = wc.agent.Signature
		if failed == "signature" {
			ad.Signature = d.value("signature")
		}
	}
	p.Data = ad
	p.FieldLabels = map[string]string{"password": "reset.password", "signature": "account.signature_h"}
	d.apply(p)
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
	if errs, ok := draftErrors(err); ok {
		s.formFailed(w, r, &formDraft{Form: "profile", Back: "/account", Errors: errs,
			Values: map[string]string{"name": f.Name, "address": f.Address, "phone": f.Phone, "timezone": f.Timezone}}, s.showAccount)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	redirect(w, r, "/account?saved=profile")
}

// changePassword serves both sides; the current password is guessed at
// no faster than a sign-in.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request) {
	wc := webFrom(r)
	current, password, confirm := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	var key, back string
	var err error
	if wc.agent != nil {
		key, back = "password-agent:"+strconv.Itoa(wc.agent.ID), "/agent/account"
	} else {
		key, back = "password-user:"+strconv.FormatInt(wc.user.ID, 10), "/account"
	}
	if s.limited(w, r, false, []string{key}, []tickets.Limit{limitLoginAccount}) {
		return
	}
	if wc.agent != nil {
		err = s.store.ChangeAgentPassword(r.Context(), wc.agent.ID, wc.sessionID, current, password, confirm)
	} else {
		err = s.store.ChangePassword(r.Context(), wc.user.ID, wc.sessionID, current, password, confirm)
	}
	if errs, ok := draftErrors(err); ok {
		if _, wrong := errs["current"]; wrong {
			if _, _, err := s.store.RateHit(r.Context(), key, limitLoginAccount); err != nil {
				s.webError(w, r, err)
				return
			}
		}
		s.formFailed(w, r, &formDraft{Form: "password", Back: back, Errors: errs}, s.showAccount)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	redirect(w, r, back+"?saved=password")
}
