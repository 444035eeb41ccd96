package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

type adminData struct {
	Section     string
	Agents      []tickets.Agent
	Departments []tickets.Department
	Topics      []tickets.Topic
	Keys        []tickets.APIKey
	NewKey      string // shown once, right after creation
	// Ticket tools (issue 12).
	Canned []tickets.Canned
}

// DeptName names a department id for the tables.
func (d *adminData) DeptName(id int) string {
	for _, x := range d.Departments {
		if x.ID == id {
			return x.Name
		}
	}
	return ""
}

// HasDept reports whether ids holds id, for checkboxes.
func (d *adminData) HasDept(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// adminIDPrefix is what each admin page's add form puts before its
// inputs' ids.
var adminIDPrefix = map[string]string{"agents": "a-", "departments": "d-", "topics": "t-", "apikeys": "k-", "canned": "c-"}

func (s *server) showAdmin(w http.ResponseWriter, r *http.Request, section string, code int, df *formDraft, newKey string) {
	ctx := r.Context()
	d := &adminData{Section: section, NewKey: newKey}
	var err error
	if d.Departments, err = s.store.Departments(ctx); err != nil {
		s.webError(w, r, err)
		return
	}
	switch section {
	case "agents":
		d.Agents, err = s.store.Agents(ctx)
	case "topics":
		d.Topics, err = s.store.Topics(ctx, true)
	case "apikeys":
		d.Keys, err = s.store.APIKeys(ctx)
	case "canned": // Ticket tools (issue 12)
		d.Canned, err = s.store.CannedResponses(ctx)
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	p := s.newPage(w, r, "admin."+section)
	form := map[string]string{}
	if df != nil {
		form = df.Values
	}
	p.Data, p.Form = d, form
	p.FieldPrefix = adminIDPrefix[section]
	p.FieldLabels = map[string]string{"name": "ticket.name", "admin": "",
		"title": "admin.canned_title", "body": "admin.canned_body"} // (the last two: canned responses, issue 12)
	df.apply(p)
	s.render(w, r, code, "admin_"+section, p)
}

// adminDone answers an admin POST: back to the page with the field
// errors, or with a flash.
func (s *server) adminDone(w http.ResponseWriter, r *http.Request, section string, form map[string]string, err error) {
	errs, invalid := draftErrors(err)
	if errors.Is(err, tickets.ErrConflict) {
		errs, invalid = errKey("name", "val.duplicate"), true
	}
	if invalid {
		s.adminFailed(w, r, section, form, errs)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	s.setFlash(w, "flash.saved")
	redirect(w, r, "/admin/"+section)
}

func (s *server) adminFailed(w http.ResponseWriter, r *http.Request, section string, form map[string]string, errs map[string]formErr) {
	s.formFailed(w, r, &formDraft{Form: "admin-" + section, Back: "/admin/" + section, Values: form, Errors: errs},
		func(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
			s.showAdmin(w, r, section, code, d, "")
		})
}

// adminPage shows an admin section, with a failed form's draft.
func (s *server) adminPage(w http.ResponseWriter, r *http.Request, section string) {
	s.showAdmin(w, r, section, http.StatusOK, s.draftFor(r, "admin-"+section), "")
}

func (s *server) adminAgents(w http.ResponseWriter, r *http.Request) {
	s.adminPage(w, r, "agents")
}

func (s *server) adminAddAgent(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"Email": r.PostFormValue("email"), "Name": r.PostFormValue("name")}
	var deps []string
	all, err := s.store.Departments(r.Context())
	if err != nil {
		s.webError(w, r, err)
		return
	}
	for _, id := range r.PostForm["departments"] {
		for _, d := range all {
			if strconv.Itoa(d.ID) == id {
				deps = append(deps, d.Name)
			}
		}
	}
	_, err = s.store.CreateAgent(r.Context(), tickets.NewAgent{Email: form["Email"], Name: form["Name"],
		Password: r.PostFormValue("password"), Departments: deps, Admin: r.PostFormValue("admin") == "1"})
	s.adminDone(w, r, "agents", form, err)
}

func (s *server) adminUpdateAgent(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	ids := func(field string) []int {
		var out []int
		for _, v := range r.PostForm[field] {
			if n, err := strconv.Atoi(v); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	err := s.store.UpdateAgent(r.Context(), webFrom(r).agent, id, tickets.AgentUpdate{
		Active: r.PostFormValue("active") == "1", Admin: r.PostFormValue("admin") == "1",
		Departments: ids("departments"), Leads: ids("leads")})
	if pw := r.PostFormValue("password"); err == nil && pw != "" {
		// For an agent who forgot theirs: agents have no mailed reset.
		err = s.store.SetAgentPassword(r.Context(), id, pw)
		if errs, ok := draftErrors(err); ok {
			// Shown above the table, not at the new-agent form's field.
			s.adminFailed(w, r, "agents", nil, map[string]formErr{"admin": {Msg: errs["password"].Msg, Label: "admin.new_password"}})
			return
		}
	}
	s.adminDone(w, r, "agents", map[string]string{}, err)
}

func (s *server) adminDepartments(w http.ResponseWriter, r *http.Request) {
	s.adminPage(w, r, "departments")
}

func (s *server) adminAddDepartment(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"Name": r.PostFormValue("name")}
	_, err := s.store.CreateDepartment(r.Context(), form["Name"])
	s.adminDone(w, r, "departments", form, err)
}

func (s *server) adminTopics(w http.ResponseWriter, r *http.Request) {
	s.adminPage(w, r, "topics")
}

func (s *server) adminAddTopic(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"Name": r.PostFormValue("name"), "Department": r.PostFormValue("department")}
	dept := ""
	if id, err := strconv.Atoi(form["Department"]); err == nil {
		if d, err := s.store.DepartmentByID(r.Context(), id); err == nil {
			dept = d.Name
		}
	}
	_, err := s.store.CreateTopic(r.Context(), form["Name"], dept)
	s.adminDone(w, r, "topics", form, err)
}

func (s *server) adminUpdateTopic(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	dept, _ := strconv.Atoi(r.PostFormValue("department"))
	err := s.store.UpdateTopic(r.Context(), id, dept, r.PostFormValue("active") == "1")
	s.adminDone(w, r, "topics", map[string]string{}, err)
}

func (s *server) adminAPIKeys(w http.ResponseWriter, r *http.Request) {
	s.adminPage(w, r, "apikeys")
}

// adminCreateAPIKey shows the new key on the answer itself rather than
// after a redirect: it is never stored in clear, so it cannot be shown
// again (nor should it sit in a cookie).
func (s *server) adminCreateAPIKey(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"Name": r.PostFormValue("name")}
	key, _, err := s.store.CreateAPIKey(r.Context(), strings.TrimSpace(form["Name"]))
	if err != nil {
		s.adminDone(w, r, "apikeys", form, err)
		return
	}
	s.log.Info("api key created", "agent", webFrom(r).agent.ID, "name", form["Name"])
	s.showAdmin(w, r, "apikeys", http.StatusOK, nil, key)
}

func (s *server) adminRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	err := s.store.RevokeAPIKey(r.Context(), id)
	if err == nil {
		s.log.Info("api key revoked", "agent", webFrom(r).agent.ID, "key", id)
	}
	s.adminDone(w, r, "apikeys", map[string]string{}, err)
}
