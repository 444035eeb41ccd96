package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// maxAPIBody bounds a request: attachments come base64-encoded inside it.
const maxAPIBody = 48 << 20

func (s *server) apiRoutes() {
	s.handle("POST /api/v1/tickets", s.apiAuth(s.apiOpen))
	s.handle("GET /api/v1/tickets", s.apiAuth(s.apiList))
	s.handle("GET /api/v1/tickets/{number}", s.apiAuth(s.apiGet))
	s.handle("PATCH /api/v1/tickets/{number}", s.apiAuth(s.apiPatch))
	s.handle("POST /api/v1/tickets/{number}/entries", s.apiAuth(s.apiAddEntry))
	s.handle("GET /api/v1/reports", s.apiAuth(s.apiReport))
	// Ticket tools (issue 12).
	s.handle("POST /api/v1/tickets/{number}/merge", s.apiAuth(s.apiMerge))
}

type apiKeyCtx struct{}

// apiAuth admits requests bearing a live API key.
func (s *server) apiAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(key) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "an API key is required: Authorization: Bearer KEY"})
			return
		}
		k, err := s.store.CheckAPIKey(r.Context(), strings.TrimSpace(key))
		if errors.Is(err, tickets.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk", error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "the API key is not valid"})
			return
		}
		if err != nil {
			s.jsonError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
		h(w, r.WithContext(context.WithValue(r.Context(), apiKeyCtx{}, k)))
	}
}

// apiActor is who the API acts as when no agent is named.
func apiActor(r *http.Request) tickets.Actor {
	name := "API"
	if k, ok := r.Context().Value(apiKeyCtx{}).(*tickets.APIKey); ok {
		name = "API key " + k.Name
	}
	return tickets.Actor{Kind: tickets.ActorSystem, Name: name}
}

// decodeJSON reads a JSON body strictly: unknown fields are a client's
// mistake worth telling about.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return badRequest("body", fmt.Sprintf("the request is larger than %d MB", maxAPIBody>>20))
		}
		return badRequest("body", "invalid JSON: "+err.Error())
	}
	if dec.More() {
		return badRequest("body", "trailing data after the JSON object")
	}
	return nil
}

func badRequest(field, msg string) error {
	return &tickets.ValidationError{Fields: map[string]string{field: msg}}
}

type apiAttachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        string `json:"data"` // base64
}

func decodeAttachments(in []apiAttachment) ([]tickets.NewAttachment, error) {
	var out []tickets.NewAttachment
	for i, a := range in {
		data, err := base64.StdEncoding.DecodeString(a.Data)
		if err != nil {
			return nil, badRequest(fmt.Sprintf("attachments[%d].data", i), "not valid base64")
		}
		if strings.TrimSpace(a.Name) == "" {
			return nil, badRequest(fmt.Sprintf("attachments[%d].name", i), "a file name is required")
		}
		out = append(out, tickets.NewAttachment{Name: a.Name, ContentType: a.ContentType, Data: data})
	}
	return out, nil
}

func (s *server) apiOpen(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email       string          `json:"email"`
		Name        string          `json:"name"`
		Topic       string          `json:"topic"`
		Subject     string          `json:"subject"`
		Message     string          `json:"message"`
		Priority    string          `json:"priority"`
		Cc          []string        `json:"cc"`
		Attachments []apiAttachment `json:"attachments"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	atts, err := decodeAttachments(in.Attachments)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	req := tickets.OpenRequest{
		Owner: tickets.Address{Email: in.Email, Name: in.Name}, Topic: in.Topic, Subject: in.Subject,
		Body: in.Message, Priority: in.Priority, Source: tickets.SourceAPI, Attachments: atts,
	}
	for _, c := range in.Cc {
		req.Collaborators = append(req.Collaborators, tickets.Address{Email: c})
	}
	t, _, err := s.store.Open(r.Context(), req)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusCreated, t)
}

func (s *server) apiGet(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.TicketByNumber(r.Context(), r.PathValue("number"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

func (s *server) writeTicket(w http.ResponseWriter, r *http.Request, code int, t *tickets.Ticket) {
	es, err := s.store.Thread(r.Context(), t.ID, true)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := ticketJSON(t)
	out.Entries = make([]entryJSONView, 0, len(es))
	for i := range es {
		out.Entries = append(out.Entries, entryJSON(&es[i]))
	}
	writeJSON(w, code, out)
}

func (s *server) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			s.jsonError(w, r, badRequest("page", "must be a positive number"))
			return
		}
		page = n
	}
	f := tickets.Filter{Status: strings.ToLower(q.Get("status")), Department: q.Get("department"), Query: q.Get("q"), Page: page, PerPage: 50}
	if v := q.Get("sort"); v != "" {
		// Queue and search (issue 12): the queue's sorts, "-" for descending.
		if f.Sort = tickets.ParseSort(v); f.Sort == (tickets.Sort{}) {
			s.jsonError(w, r, badRequest("sort", "must be one of "+strings.Join(tickets.SortKeys, ", ")+", with - before it for descending"))
			return
		}
	}
	if f.Department != "" {
		if _, err := s.store.DepartmentByName(r.Context(), f.Department); errors.Is(err, tickets.ErrNotFound) {
			s.jsonError(w, r, badRequest("department", "no department named "+f.Department))
			return
		}
	}
	ts, more, err := s.store.List(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := struct {
		Tickets  []ticketJSONView `json:"tickets"`
		NextPage *int             `json:"next_page"`
	}{Tickets: make([]ticketJSONView, 0, len(ts))}
	for i := range ts {
		out.Tickets = append(out.Tickets, ticketJSON(&ts[i]))
	}
	if more {
		next := page + 1
		out.NextPage = &next
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) apiAddEntry(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AgentEmail  string          `json:"agent_email"`
		Kind        string          `json:"kind"`
		Body        string          `json:"body"`
		Status      string          `json:"status"`
		Attachments []apiAttachment `json:"attachments"`
		// Signature ends a response with the agent's signature, as the
		// panel's checkbox does.
		Signature bool `json:"signature"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	t, err := s.store.TicketByNumber(r.Context(), r.PathValue("number"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	agent, err := s.store.AgentByEmail(r.Context(), in.AgentEmail)
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && !agent.Active) {
		s.jsonError(w, r, badRequest("agent_email", "no active agent with that address"))
		return
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	atts, err := decodeAttachments(in.Attachments)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	p := tickets.Post{Body: in.Body, Attachments: atts, Source: tickets.SourceAPI, Status: strings.ToLower(in.Status), Signature: in.Signature}
	switch in.Kind {
	case "response":
		_, err = s.store.Respond(r.Context(), t.ID, agent, p)
	case "note":
		_, err = s.store.Note(r.Context(), t.ID, agent, p)
	default:
		err = badRequest("kind", `must be "response" or "note"`)
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	t, err = s.store.TicketByID(r.Context(), t.ID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusCreated, t)
}

func (s *server) apiPatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status     *string          `json:"status"`
		Priority   *string          `json:"priority"`
		Department *string          `json:"department"`
		Reason     string           `json:"reason"`
		Assignee   *json.RawMessage `json:"assignee"` // an agent's email, or null to release
		AgentEmail string           `json:"agent_email"`
		// Ticket tools (issue 12).
		Topic               *string  `json:"topic"`
		AddCollaborators    []string `json:"add_collaborators"`
		RemoveCollaborators []string `json:"remove_collaborators"`
		TellCitizen         bool     `json:"tell_citizen"` // a transfer's reason is mailed to the citizen
	}
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	ctx := r.Context()
	t, err := s.store.TicketByNumber(ctx, r.PathValue("number"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	actor := apiActor(r)
	if in.AgentEmail != "" {
		a, err := s.store.AgentByEmail(ctx, in.AgentEmail)
		if err != nil || !a.Active {
			s.jsonError(w, r, badRequest("agent_email", "no active agent with that address"))
			return
		}
		actor = tickets.AgentActor(a)
	}
	// One patch, one transaction: tickets.Update checks every field
	// before it changes any, so a bad one leaves the ticket as it was.
	var p tickets.Patch
	if in.Department != nil {
		dept, err := s.store.DepartmentByName(ctx, *in.Department)
		if errors.Is(err, tickets.ErrNotFound) {
			s.jsonError(w, r, badRequest("department", "no department named "+*in.Department))
			return
		} else if err != nil {
			s.jsonError(w, r, err)
			return
		}
		p.DepartmentID, p.Reason, p.TellCitizen = dept.ID, in.Reason, in.TellCitizen
	}
	if in.Topic != nil {
		if p.Topic = *in.Topic; strings.TrimSpace(p.Topic) == "" {
			s.jsonError(w, r, badRequest("topic", "no such help topic"))
			return
		}
	}
	for _, e := range in.AddCollaborators {
		p.AddCollaborators = append(p.AddCollaborators, tickets.Address{Email: e})
	}
	p.RemoveCollaborators = in.RemoveCollaborators
	if in.Assignee != nil {
		var email *string
		if err := json.Unmarshal(*in.Assignee, &email); err != nil {
			s.jsonError(w, r, badRequest("assignee", "must be an agent's email or null"))
			return
		}
		p.Assign = true
		if email != nil && *email != "" {
			a, err := s.store.AgentByEmail(ctx, *email)
			if err != nil {
				s.jsonError(w, r, badRequest("assignee", "no agent with that address"))
				return
			}
			p.AssigneeID = a.ID
		}
	}
	if in.Status != nil {
		if p.Status = *in.Status; strings.TrimSpace(p.Status) == "" {
			s.jsonError(w, r, badRequest("status", "must be open, resolved or closed"))
			return
		}
	}
	if in.Priority != nil {
		if p.Priority = *in.Priority; strings.TrimSpace(p.Priority) == "" {
			s.jsonError(w, r, badRequest("priority", "must be low, normal, high or emergency"))
			return
		}
	}
	if err := s.store.Update(ctx, t.ID, actor, p); err != nil {
		s.jsonError(w, r, err)
		return
	}
	t, err = s.store.TicketByID(ctx, t.ID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// apiMerge merges the ticket in the path into "into"; the answer is the
// ticket it went into, which GET of either number answers from now on.
// With agent_email the agent's departments bound it, as in the panel.
func (s *server) apiMerge(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Into       string `json:"into"`
		AgentEmail string `json:"agent_email"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if strings.TrimSpace(in.Into) == "" {
		s.jsonError(w, r, badRequest("into", "the number of the ticket to merge into is required"))
		return
	}
	actor := apiActor(r)
	if in.AgentEmail != "" {
		a, err := s.store.AgentByEmail(r.Context(), in.AgentEmail)
		if err != nil || !a.Active {
			s.jsonError(w, r, badRequest("agent_email", "no active agent with that address"))
			return
		}
		actor = tickets.AgentActor(a)
	}
	t, err := s.store.Merge(r.Context(), actor, r.PathValue("number"), in.Into)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeTicket(w, r, http.StatusOK, t)
}

// The JSON shapes of the contract in DESIGN.md: keys may be added, never
// renamed.

type personJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type ticketJSONView struct {
	Number        string          `json:"number"`
	Subject       string          `json:"subject"`
	Status        string          `json:"status"`
	Priority      string          `json:"priority"`
	Department    string          `json:"department"`
	Topic         *string         `json:"topic"`
	Source        string          `json:"source"`
	Owner         personJSON      `json:"owner"`
	Assignee      *personJSON     `json:"assignee"`
	Collaborators []personJSON    `json:"collaborators"`
	SLAPlan       *string         `json:"sla_plan,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	DueAt         *time.Time      `json:"due_at"`
	Overdue       bool            `json:"overdue"`
	LastMessageAt *time.Time      `json:"last_message_at"`
	LastRespAt    *time.Time      `json:"last_response_at"`
	Entries       []entryJSONView `json:"entries,omitempty"`
	// MergedFrom are the numbers of tickets merged into this one, which
	// lead here (issue 12).
	MergedFrom []string `json:"merged_from,omitempty"`
}

type authorJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Agent bool   `json:"agent"`
}

type attachmentJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

type entryJSONView struct {
	ID          int64             `json:"id"`
	Kind        string            `json:"kind"`
	Event       *string           `json:"event,omitempty"`
	Author      authorJSON        `json:"author"`
	Body        string            `json:"body"`
	CreatedAt   time.Time         `json:"created_at"`
	MessageID   *string           `json:"message_id"`
	Source      string            `json:"source"`
	Attachments []attachmentJSON  `json:"attachments"`
	Data        map[string]string `json:"data,omitempty"`
}

func ticketJSON(t *tickets.Ticket) ticketJSONView {
	v := ticketJSONView{
		Number: t.Number, Subject: t.Subject, Status: t.Status, Priority: t.Priority, Department: t.DepartmentName,
		Source: t.Source, Owner: personJSON{Email: t.OwnerEmail, Name: t.OwnerName}, Collaborators: []personJSON{},
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), Overdue: t.Overdue,
	}
	if t.TopicName.Valid {
		v.Topic = &t.TopicName.String
	}
	if t.AssigneeEmail.Valid {
		v.Assignee = &personJSON{Email: t.AssigneeEmail.String, Name: t.AssigneeName.String}
	}
	for _, c := range t.Collaborators {
		v.Collaborators = append(v.Collaborators, personJSON{Email: c.Email, Name: c.Name})
	}
	if t.SLAPlanName.Valid {
		v.SLAPlan = &t.SLAPlanName.String
	}
	v.MergedFrom = t.MergedNumbers
	v.DueAt = utcPtr(t.DueAt.Time, t.DueAt.Valid)
	v.LastMessageAt = utcPtr(t.LastMessageAt.Time, t.LastMessageAt.Valid)
	v.LastRespAt = utcPtr(t.LastResponseAt.Time, t.LastResponseAt.Valid)
	return v
}

func utcPtr(t time.Time, ok bool) *time.Time {
	if !ok {
		return nil
	}
	u := t.UTC()
	return &u
}

func entryJSON(e *tickets.Entry) entryJSONView {
	v := entryJSONView{
		ID: e.ID, Kind: e.Kind, Body: e.Body, CreatedAt: e.CreatedAt.UTC(), Source: e.Source,
		Author:      authorJSON{Email: e.AuthorEmail.String, Name: e.AuthorName.String, Agent: e.ByAgent()},
		Attachments: []attachmentJSON{},
	}
	if !e.AuthorName.Valid {
		v.Author.Name = "System"
	}
	if e.Event.Valid {
		v.Event = &e.Event.String
		v.Data = e.Data()
	}
	if e.MessageID.Valid {
		v.MessageID = &e.MessageID.String
	}
	for _, a := range e.Attachments {
		v.Attachments = append(v.Attachments, attachmentJSON{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: hex.EncodeToString(a.SHA256)})
	}
	return v
}
