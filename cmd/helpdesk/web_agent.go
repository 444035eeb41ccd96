package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// agentTicketData is Gambar 14.
type agentTicketData struct {
	Ticket       *tickets.Ticket
	Entries      []entryView
	Owner        *tickets.User
	Agents       []tickets.Agent // who it may be assigned to
	Departments  []tickets.Department
	Statuses     []string
	Priorities   []string
	MailProblems []problemView // notices that failed, were suppressed or are retrying
	Response     string        // typed text kept after a failed post
	Note         string
	ResStatus    string

	// Ticket tools (issue 12).
	tools
}

// agentTicketFor loads the ticket in the path if the agent may see it; a
// ticket of another department is a 404, as if it did not exist. The
// number of a ticket merged into another gives that other one.
func (s *server) agentTicketFor(r *http.Request) (*tickets.Ticket, error) {
	t, err := s.store.TicketByNumber(r.Context(), r.PathValue("number"))
	if err != nil {
		return nil, err
	}
	if s.store.AccessTo(tickets.Viewer{Agent: webFrom(r).agent}, t) != tickets.AccessAgent {
		return nil, tickets.ErrNotFound
	}
	return t, nil
}

func (s *server) agentTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if t.Number != r.PathValue("number") {
		http.Redirect(w, r, "/agent/tickets/"+t.Number, http.StatusMovedPermanently)
		return
	}
	s.showAgentTicket(w, r, t, http.StatusOK, &agentTicketData{tools: tools{Signed: true}}, nil)
}

func (s *server) showAgentTicket(w http.ResponseWriter, r *http.Request, t *tickets.Ticket, code int, d *agentTicketData, errs map[string]string) {
	p := s.newPage(w, r, "aticket.title")
	var err error
	d.Ticket, d.Statuses, d.Priorities = t, []string{tickets.StatusOpen, tickets.StatusResolved, tickets.StatusClosed}, tickets.Priorities
	if d.Entries, err = s.thread(r, p, t, true, ""); err != nil {
		s.webError(w, r, err)
		return
	}
	if d.Owner, err = s.store.UserByID(r.Context(), t.OwnerID); err != nil {
		s.webError(w, r, err)
		return
	}
	as, err := s.store.Agents(r.Context())
	if err != nil {
		s.webError(w, r, err)
		return
	}
	for _, a := range as {
		if a.Active && a.CanSeeDepartment(t.DepartmentID) {
			d.Agents = append(d.Agents, a)
		}
	}
	if d.Departments, err = s.store.Departments(r.Context()); err != nil {
		s.webError(w, r, err)
		return
	}
	if s.outbox != nil {
		ps, err := s.outbox.Problems(r.Context(), t.ID)
		if err != nil {
			s.webError(w, r, err)
			return
		}
		d.MailProblems = problemViews(p, ps)
	}
	if err := s.loadTools(r, p, d); err != nil {
		s.webError(w, r, err)
		return
	}
	p.Data, p.Errors = d, errs
	s.render(w, r, code, "agent_ticket", p)
}

// agentAction runs one ticket action and answers Post/Redirect/Get with a
// flash, or re-renders the ticket with the field errors.
func (s *server) agentAction(w http.ResponseWriter, r *http.Request, flash string, keep *agentTicketData, do func(t *tickets.Ticket, a *tickets.Agent) error) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	err = do(t, a)
	if errs, ok := fieldErrors(webFrom(r).lang, err); ok {
		if keep == nil {
			keep = &agentTicketData{}
		}
		s.showAgentTicket(w, r, t, http.StatusBadRequest, keep, errs)
		return
	}
	if errors.Is(err, tickets.ErrStale) {
		// Someone else wrote since the page was loaded: the page again,
		// with what they wrote marked, and what this agent typed kept.
		if keep == nil {
			keep = &agentTicketData{}
		}
		keep.StaleSince, _ = strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
		keep.Refile = webFrom(r).form.hasFiles("attachments")
		s.showAgentTicket(w, r, t, http.StatusConflict, keep, nil)
		return
	}
	if errors.Is(err, tickets.ErrConflict) {
		s.setFlash(w, "flash.conflict")
		redirect(w, r, "/agent/tickets/"+t.Number)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	// After a change the agent may no longer see the ticket (an
	// assignment that moved it): the queue, saying where it went.
	if nt, err := s.store.TicketByID(r.Context(), t.ID); err == nil && s.store.AccessTo(tickets.Viewer{Agent: a}, nt) != tickets.AccessAgent {
		s.setFlash(w, "flash.gone_to", nt.Number, nt.DepartmentName)
		redirect(w, r, "/agent")
		return
	}
	s.setFlash(w, flash)
	redirect(w, r, "/agent/tickets/"+t.Number)
}

func (s *server) agentClaim(w http.ResponseWriter, r *http.Request) {
	s.agentAction(w, r, "flash.claimed", nil, func(t *tickets.Ticket, a *tickets.Agent) error {
		return s.store.Claim(r.Context(), t.ID, a)
	})
}

func (s *server) agentAssign(w http.ResponseWriter, r *http.Request) {
	s.agentAction(w, r, "flash.assigned", nil, func(t *tickets.Ticket, a *tickets.Agent) error {
		var to *tickets.Agent
		if id, _ := strconv.Atoi(r.PostFormValue("agent")); id != 0 {
			var err error
			if to, err = s.store.AgentByID(r.Context(), id); errors.Is(err, tickets.ErrNotFound) {
				return &tickets.ValidationError{Fields: map[string]string{"assignee": "no such agent"}}
			} else if err != nil {
				return err
			}
		}
		return s.store.Assign(r.Context(), t.ID, tickets.AgentActor(a), to)
	})
}

func (s *server) agentPost(w http.ResponseWriter, r *http.Request, note bool) {
	lang := webFrom(r).lang
	body := r.PostFormValue("message")
	keep := &agentTicketData{ResStatus: r.PostFormValue("status"), tools: tools{Signed: r.PostFormValue("signature") == "1", StaleFor: "respond"}}
	flash := "flash.responded"
	if note {
		keep.Note, flash = body, "flash.noted"
	} else {
		keep.Response = body
	}
	s.agentAction(w, r, flash, keep, func(t *tickets.Ticket, a *tickets.Agent) error {
		atts, upErr, err := readUploads(r, "attachments", lang)
		if err != nil {
			return err
		}
		if upErr != "" {
			return &tickets.ValidationError{Fields: map[string]string{"attachments": upErr}}
		}
		p := tickets.Post{Body: body, Attachments: atts, Source: tickets.SourceWeb}
		if note {
			_, err = s.store.Note(r.Context(), t.ID, a, p)
		} else {
			p.Status = r.PostFormValue("status")
			p.Signature = keep.Signed
			p.SeenEntry, _ = strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
			_, err = s.store.Respond(r.Context(), t.ID, a, p)
		}
		return err
	})
}

func (s *server) agentRespond(w http.ResponseWriter, r *http.Request) { s.agentPost(w, r, false) }
func (s *server) agentNote(w http.ResponseWriter, r *http.Request)    { s.agentPost(w, r, true) }

func (s *server) agentStatus(w http.ResponseWriter, r *http.Request) {
	status := r.PostFormValue("status")
	keep := &agentTicketData{tools: tools{Signed: true, StaleFor: "status", Status: status}}
	s.agentAction(w, r, "flash.status", keep, func(t *tickets.Ticket, a *tickets.Agent) error {
		if strings.TrimSpace(status) == "" {
			return &tickets.ValidationError{Fields: map[string]string{"status": "must be open, resolved or closed"}}
		}
		seen, _ := strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
		return s.store.Update(r.Context(), t.ID, tickets.AgentActor(a), tickets.Patch{Status: status, SeenEntry: seen})
	})
}

func (s *server) agentPriority(w http.ResponseWriter, r *http.Request) {
	s.agentAction(w, r, "flash.priority", nil, func(t *tickets.Ticket, a *tickets.Agent) error {
		return s.store.SetPriority(r.Context(), t.ID, tickets.AgentActor(a), r.PostFormValue("priority"))
	})
}

type transferData struct {
	Ticket      *tickets.Ticket
	Departments []tickets.Department
	Department  int
	Reason      string
	Tell        bool // tell the citizen the reason
}

// transferForm is Gambar 19–20: the department and the reason.
func (s *server) transferForm(w http.ResponseWriter, r *http.Request) {
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.showTransfer(w, r, t, http.StatusOK, &transferData{}, nil)
}

func (s *server) showTransfer(w http.ResponseWriter, r *http.Request, t *tickets.Ticket, code int, d *transferData, errs map[string]string) {
	all, err := s.store.Departments(r.Context())
	if err != nil {
		s.webError(w, r, err)
		return
	}
	d.Ticket = t
	d.Departments = nil
	for _, dep := range all {
		if dep.ID != t.DepartmentID {
			d.Departments = append(d.Departments, dep)
		}
	}
	p := s.newPage(w, r, "transfer.title")
	p.Data, p.Errors = d, errs
	s.render(w, r, code, "transfer", p)
}

func (s *server) agentTransfer(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	dept, _ := strconv.Atoi(r.PostFormValue("department"))
	reason := r.PostFormValue("reason")
	tell := r.PostFormValue("tell") == "1"
	err = s.store.TransferTelling(r.Context(), t.ID, tickets.AgentActor(a), dept, reason, tell)
	if errs, ok := fieldErrors(webFrom(r).lang, err); ok {
		s.showTransfer(w, r, t, http.StatusBadRequest, &transferData{Department: dept, Reason: reason, Tell: tell}, errs)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	nt, err := s.store.TicketByID(r.Context(), t.ID)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if s.store.AccessTo(tickets.Viewer{Agent: a}, nt) == tickets.AccessAgent {
		s.setFlash(w, "flash.transferred")
		redirect(w, r, "/agent/tickets/"+t.Number)
		return
	}
	// Out of the agent's departments: the queue, not a 404.
	s.setFlash(w, "flash.gone_to", nt.Number, nt.DepartmentName)
	redirect(w, r, "/agent")
}
