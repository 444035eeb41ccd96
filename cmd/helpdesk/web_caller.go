package main

import (
	"net/http"
	"strconv"

	"github.com/kemsos/helpdesk/tickets"
)

// A ticket for a caller (issue 12): someone phones or comes to the desk,
// and the agent types their complaint in. Email is optional: a caller
// without one is told the number there and then, and gets no mail.

type callerForm struct {
	Via, Name, Email, Phone string
	TopicID                 int
	Subject, Message        string
}

type callerData struct {
	Topics []tickets.Topic
	Refile bool
}

func (s *server) callerForm(w http.ResponseWriter, r *http.Request) {
	s.showCaller(w, r, http.StatusOK, callerForm{Via: tickets.SourcePhone}, nil, false)
}

func (s *server) showCaller(w http.ResponseWriter, r *http.Request, code int, f callerForm, errs map[string]string, refile bool) {
	ts, err := s.store.Topics(r.Context(), false)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	p := s.newPage(w, r, "caller.title")
	p.Form, p.Errors = f, errs
	p.Data = callerData{Topics: ts, Refile: refile}
	s.render(w, r, code, "agent_caller", p)
}

func (s *server) openForCaller(w http.ResponseWriter, r *http.Request) {
	wc := webFrom(r)
	a := wc.agent
	topic, _ := strconv.Atoi(r.PostFormValue("topic"))
	f := callerForm{Via: r.PostFormValue("via"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Phone: r.PostFormValue("phone"), TopicID: topic, Subject: r.PostFormValue("subject"), Message: r.PostFormValue("message")}
	atts, upErr, err := readUploads(r, "attachments", wc.lang)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if upErr != "" {
		s.showCaller(w, r, http.StatusBadRequest, f, map[string]string{"attachments": upErr}, wc.form.hasFiles("attachments"))
		return
	}
	t, err := s.store.OpenForCaller(r.Context(), tickets.CallerRequest{Agent: a, Via: f.Via, Name: f.Name, Email: f.Email, Phone: f.Phone,
		TopicID: f.TopicID, Subject: f.Subject, Body: f.Message, Attachments: atts})
	if errs, ok := fieldErrors(wc.lang, err); ok {
		if errs["topic"] != "" {
			errs["topic"] = translate(wc.lang, "val.topic")
		}
		s.showCaller(w, r, http.StatusBadRequest, f, errs, wc.form.hasFiles("attachments"))
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if s.store.AccessTo(tickets.Viewer{Agent: a}, t) != tickets.AccessAgent {
		// Routed by its topic to a department the agent does not work in.
		s.setFlash(w, "flash.gone_to", t.Number, t.DepartmentName)
		redirect(w, r, "/agent")
		return
	}
	s.setFlash(w, "flash.caller_opened", t.Number)
	redirect(w, r, "/agent/tickets/"+t.Number)
}
