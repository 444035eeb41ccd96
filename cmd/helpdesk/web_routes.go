package main

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
)

// webRoutes registers the citizen portal, the agent panel and the admin
// area: server-rendered pages, one file per area.
func (s *server) webRoutes() {
	secret, err := s.cfg.secretKey()
	if err != nil || len(secret) == 0 {
		// Pages still work; sessions survive (they are in the database) but
		// form tokens and mailed progress links die with this process.
		s.log.Error("web: no server secret, using a temporary one", "err", err)
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	ui, err := newWebUI(secret, strings.HasPrefix(s.cfg.BaseURL, "https://"))
	if err != nil {
		// The templates are embedded: this is a broken build, not an
		// operator's mistake.
		panic(err)
	}
	s.web = ui

	s.mux.Handle("GET /static/", s.instrument("GET /static/", staticHandler(ui.static)))
	page := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, s.instrument(pattern, s.webPage(h))) }
	// The forms that take files; every other refuses multipart unread.
	upload := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.instrument(pattern, s.webUploadPage(h)))
	}

	// Citizen portal.
	page("GET /{$}", s.landing)
	page("POST /lang", s.setLang)
	page("GET /login", s.loginForm)
	page("POST /login", s.login)
	page("POST /logout", s.logout)
	page("GET /register", s.registerForm)
	page("POST /register", s.register)
	page("GET /register/done", s.registerDone)
	page("GET /account/confirm", s.confirmAccountForm)
	page("POST /account/confirm", s.confirmAccount)
	page("GET /account/forgot", s.forgotForm)
	page("POST /account/forgot", s.forgot)
	page("GET /account/reset", s.resetForm)
	page("POST /account/reset", s.reset)
	page("GET /account", s.requireUser(s.accountPage))
	page("POST /account", s.requireUser(s.updateProfile))
	page("POST /account/password", s.requireUser(s.changePassword))
	page("GET /tickets", s.requireUser(s.myTickets))
	page("GET /tickets/new", s.requireUser(s.newTicketForm))
	upload("POST /tickets", s.requireUser(s.openTicket))
	page("GET /tickets/{number}", s.requireUser(s.portalTicket))
	upload("POST /tickets/{number}/reply", s.requireUser(s.portalReply))
	page("GET /t/{number}", s.guestTicket)
	upload("POST /t/{number}/reply", s.guestReply)
	page("GET /attachments/{id}", s.attachment)

	// Agent panel.
	page("GET /agent/login", s.agentLoginForm)
	page("POST /agent/login", s.agentLogin)
	page("GET /agent", s.requireAgent(s.queue))
	page("GET /agent/account", s.requireAgent(s.accountPage))
	page("POST /agent/account/password", s.requireAgent(s.changePassword))
	page("GET /agent/tickets/{number}", s.requireAgent(s.agentTicket))
	page("POST /agent/tickets/{number}/claim", s.requireAgent(s.agentClaim))
	page("POST /agent/tickets/{number}/assign", s.requireAgent(s.agentAssign))
	upload("POST /agent/tickets/{number}/respond", s.requireAgent(s.agentRespond))
	upload("POST /agent/tickets/{number}/note", s.requireAgent(s.agentNote))
	page("POST /agent/tickets/{number}/status", s.requireAgent(s.agentStatus))
	page("POST /agent/tickets/{number}/priority", s.requireAgent(s.agentPriority))
	page("GET /agent/tickets/{number}/transfer", s.requireAgent(s.transferForm))
	page("POST /agent/tickets/{number}/transfer", s.requireAgent(s.agentTransfer))
	page("GET /agent/mail", s.requireAgent(s.mailList))
	page("GET /agent/mail/{id}", s.requireAgent(s.mailView))
	page("GET /agent/mail/{id}/raw", s.requireAgent(s.mailRaw))
	page("POST /agent/mail/{id}/ticket", s.requireAgent(s.mailFile))
	// Queue and search (issue 12): bulk changes and saved views.
	page("POST /agent/bulk", s.requireAgent(s.agentBulk))
	page("POST /agent/views", s.requireAgent(s.agentSaveView))
	page("POST /agent/views/{id}/delete", s.requireAgent(s.agentDeleteView))

	// Reports (issue 12): admins and department leads; the domain says
	// which departments each may see.
	page("GET /agent/reports", s.requireAgent(s.reports))
	page("GET /agent/reports/{file}", s.requireAgent(s.reportCSV))

	// Admin area.
	page("GET /admin/agents", s.requireAdmin(s.adminAgents))
	page("POST /admin/agents", s.requireAdmin(s.adminAddAgent))
	page("POST /admin/agents/{id}", s.requireAdmin(s.adminUpdateAgent))
	page("GET /admin/departments", s.requireAdmin(s.adminDepartments))
	page("POST /admin/departments", s.requireAdmin(s.adminAddDepartment))
	page("GET /admin/topics", s.requireAdmin(s.adminTopics))
	page("POST /admin/topics", s.requireAdmin(s.adminAddTopic))
	page("POST /admin/topics/{id}", s.requireAdmin(s.adminUpdateTopic))
	page("GET /admin/apikeys", s.requireAdmin(s.adminAPIKeys))
	page("POST /admin/apikeys", s.requireAdmin(s.adminCreateAPIKey))
	page("POST /admin/apikeys/{id}/revoke", s.requireAdmin(s.adminRevokeAPIKey))

	// Ticket tools (issue 12).
	page("GET /agent/tickets/new", s.requireAgent(s.callerForm))
	upload("POST /agent/tickets/new", s.requireAgent(s.openForCaller))
	page("POST /agent/tickets/{number}/collaborators", s.requireAgent(s.agentAddCollaborator))
	page("POST /agent/tickets/{number}/collaborators/remove", s.requireAgent(s.agentRemoveCollaborator))
	page("POST /agent/tickets/{number}/topic", s.requireAgent(s.agentTopic))
	page("POST /agent/tickets/{number}/merge", s.requireAgent(s.agentMerge))
	page("POST /agent/tickets/{number}/refers/add", s.requireAgent(s.agentAddSender))
	upload("POST /agent/tickets/{number}/canned", s.requireAgent(s.agentInsertCanned))
	page("POST /agent/tickets/{number}/presence", s.requireAgent(s.agentPresence))
	page("POST /agent/tickets/{number}/leave", s.requireAgent(s.agentLeave))
	page("POST /agent/account/signature", s.requireAgent(s.saveSignature))
	page("GET /admin/canned", s.requireAdmin(s.adminCanned))
	page("POST /admin/canned", s.requireAdmin(s.adminAddCanned))
	page("POST /admin/canned/{id}", s.requireAdmin(s.adminUpdateCanned))
	page("POST /admin/canned/{id}/delete", s.requireAdmin(s.adminDeleteCanned))
}

// staticHandler serves the stylesheet and script; they change only with
// the binary, so browsers may keep them a day.
func staticHandler(h http.Handler) http.Handler {
	fs := http.StripPrefix("/static/", h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fs.ServeHTTP(w, r)
	})
}

// requireUser sends visitors who are not signed in as citizens to sign in.
func (s *server) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if webFrom(r).user == nil {
			if r.Method == http.MethodGet {
				redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
				return
			}
			s.renderStatus(w, r, http.StatusUnauthorized, "err.signin_needed")
			return
		}
		h(w, r)
	}
}

// requireAgent does the same for the agent panel.
func (s *server) requireAgent(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if webFrom(r).agent == nil {
			if r.Method == http.MethodGet {
				redirect(w, r, "/agent/login?next="+url.QueryEscape(r.URL.RequestURI()))
				return
			}
			s.renderStatus(w, r, http.StatusUnauthorized, "err.signin_needed")
			return
		}
		h(w, r)
	}
}

// requireAdmin admits admins only; other agents get 403.
func (s *server) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return s.requireAgent(func(w http.ResponseWriter, r *http.Request) {
		if !webFrom(r).agent.IsAdmin {
			s.renderStatus(w, r, http.StatusForbidden, "err.forbidden")
			return
		}
		h(w, r)
	})
}
