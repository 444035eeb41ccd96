package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

// The agent's everyday tools on the ticket page (issue 12): collaborators,
// topic, merge, canned responses and signature in the reply box, who else
// has the ticket open and what they wrote. Each handler parses, makes one
// domain call, and answers Post/Redirect/Get or the page with its errors.

// tools is what the ticket page shows of them.
type tools struct {
	Topics  []tickets.Topic
	Canned  []cannedView
	Viewers []tickets.Presence
	// Seen is the newest entry the page shows; forms that must not go
	// out unseen (a response, a status) send it back. Set before loading
	// when the page is shown again for a form that kept the agent's own.
	Seen int64
	// StaleSince is set when a form came back refused because others
	// wrote after the entry it had seen: Stale are those entries, marked
	// in the thread, and StaleFor the form ("respond", "status").
	StaleSince int64
	Stale      []entryView
	StaleFor   string
	Status     string // the status chosen in a refused status change
	Signed     bool   // "end with my signature" ticked
	Refile     bool   // files were chosen and must be chosen again
	// MergeInto is the number typed; ConfirmMerge the ticket it names,
	// when the agent is asked to confirm.
	MergeInto    string
	ConfirmMerge *tickets.Ticket
	CollabEmail  string
	CollabName   string
	// RefersTo is the ticket this one's sender wrote about, when the
	// agent may see it.
	RefersTo *tickets.Ticket
}

// cannedView is a canned response with its placeholders filled in for the
// ticket on the page.
type cannedView struct {
	ID    int
	Title string
	Text  string
}

// OwnerMailable says whether the owner has an address (a caller may not).
func (d *agentTicketData) OwnerMailable() bool { return tickets.Mailable(d.Ticket.OwnerEmail) }

func (s *server) loadTools(r *http.Request, p *page, d *agentTicketData) error {
	ctx := r.Context()
	a := webFrom(r).agent
	t := d.Ticket
	var err error
	if d.Topics, err = s.store.Topics(ctx, false); err != nil {
		return err
	}
	cs, err := s.store.CannedFor(ctx, t.DepartmentID)
	if err != nil {
		return err
	}
	loc := jakarta()
	if l, err := time.LoadLocation(d.Owner.Timezone); err == nil && d.Owner.Timezone != "" {
		loc = l
	}
	for _, c := range cs {
		d.Canned = append(d.Canned, cannedView{ID: c.ID, Title: c.Title, Text: tickets.ExpandCanned(c.Body, t, a, loc)})
	}
	act, err := s.store.Heartbeat(ctx, t, a, 0)
	if err != nil {
		return err
	}
	d.Viewers = act.Viewers
	if d.Seen == 0 && len(d.Entries) > 0 {
		d.Seen = d.Entries[len(d.Entries)-1].ID
	}
	if d.StaleSince > 0 {
		for i := range d.Entries {
			e := &d.Entries[i]
			if e.ID > d.StaleSince && byOther(&e.Entry, a) {
				e.New = true
				d.Stale = append(d.Stale, *e)
			}
		}
	}
	if t.RefersTo.Valid {
		if rt, err := s.store.TicketByID(ctx, t.RefersTo.Int64); err == nil && s.store.AccessTo(tickets.Viewer{Agent: a}, rt) == tickets.AccessAgent {
			d.RefersTo = rt
		}
	}
	return nil
}

// byOther reports whether someone other than agent a wrote or did e (the
// helpdesk's own events aside), as tickets counts it for ErrStale.
func byOther(e *tickets.Entry, a *tickets.Agent) bool {
	if e.AgentID.Valid && e.AgentID.Int64 == int64(a.ID) {
		return false
	}
	return !(e.Kind == tickets.KindEvent && !e.AgentID.Valid && !e.UserID.Valid)
}

// problemView is a mail that did not go, said in the page's language.
type problemView struct {
	Status, Kind, Recipient, Reason string
	CreatedAt                       time.Time
}

func problemViews(p *page, ps []outbound.Problem) []problemView {
	out := make([]problemView, 0, len(ps))
	for _, x := range ps {
		v := problemView{Status: x.Status, Recipient: x.Recipient, CreatedAt: x.CreatedAt, Kind: p.T("mailkind." + x.Kind)}
		if _, ok := messages["mailkind."+x.Kind]; !ok {
			v.Kind = p.T("mailkind.other")
		}
		if x.Code != "" {
			args := make([]any, len(x.Args))
			for i, a := range x.Args {
				args[i] = a
			}
			v.Reason = p.T("mailreason."+x.Code, args...)
		}
		out = append(out, v)
	}
	return out
}

// fieldsUnder folds a validation error's fields that start with prefix
// (add_collaborators[0], add_collaborators) into one form field.
func fieldsUnder(errs map[string]string, prefix, field string) map[string]string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			if _, ok := errs[field]; !ok {
				errs[field] = errs[k]
			}
		}
	}
	return errs
}

// agentPatch runs one Patch from a ticket page form: the page again with
// the errors folded into field, or Post/Redirect/Get with flash.
func (s *server) agentPatch(w http.ResponseWriter, r *http.Request, flash, prefix, field string, keep *agentTicketData, patch func(t *tickets.Ticket) tickets.Patch) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	err = s.store.Update(r.Context(), t.ID, tickets.AgentActor(a), patch(t))
	if errs, ok := fieldErrors(webFrom(r).lang, err); ok {
		s.showAgentTicket(w, r, t, http.StatusBadRequest, keep, fieldsUnder(errs, prefix, field))
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.setFlash(w, flash)
	redirect(w, r, "/agent/tickets/"+t.Number)
}

func (s *server) agentAddCollaborator(w http.ResponseWriter, r *http.Request) {
	email, name := strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("name"))
	keep := &agentTicketData{tools: tools{Signed: true, CollabEmail: email, CollabName: name}}
	s.agentPatch(w, r, "flash.collaborator_added", "add_collaborators", "collaborator", keep, func(*tickets.Ticket) tickets.Patch {
		return tickets.Patch{AddCollaborators: []tickets.Address{{Email: email, Name: name}}}
	})
}

func (s *server) agentRemoveCollaborator(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	s.agentPatch(w, r, "flash.collaborator_removed", "remove_collaborators", "collaborator", &agentTicketData{tools: tools{Signed: true}},
		func(*tickets.Ticket) tickets.Patch { return tickets.Patch{RemoveCollaborators: []string{email}} })
}

func (s *server) agentTopic(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PostFormValue("topic"))
	s.agentPatch(w, r, "flash.topic", "topic", "topic", &agentTicketData{tools: tools{Signed: true}}, func(*tickets.Ticket) tickets.Patch {
		if id == 0 {
			id = -1 // no choice is no such topic, not "leave it"
		}
		return tickets.Patch{TopicID: id}
	})
}

// agentMerge merges the ticket on the page into the one named, after the
// agent confirms: the merge cannot be undone, and the sender of this
// ticket will see the other's thread.
func (s *server) agentMerge(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	into := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("into")), "#")
	keep := &agentTicketData{tools: tools{Signed: true, MergeInto: into}}
	lang := webFrom(r).lang
	if r.PostFormValue("confirm") != "1" {
		target, err := s.store.TicketByNumber(r.Context(), into)
		switch {
		case errors.Is(err, tickets.ErrNotFound) || err == nil && s.store.AccessTo(tickets.Viewer{Agent: a}, target) != tickets.AccessAgent:
			s.showAgentTicket(w, r, t, http.StatusBadRequest, keep, map[string]string{"into": translate(lang, "val.no_ticket")})
		case err != nil:
			s.webError(w, r, err)
		case target.ID == t.ID:
			s.showAgentTicket(w, r, t, http.StatusBadRequest, keep, map[string]string{"into": translate(lang, "val.merge_self")})
		default:
			keep.ConfirmMerge = target
			s.showAgentTicket(w, r, t, http.StatusOK, keep, nil)
		}
		return
	}
	from := r.PathValue("number")
	nt, err := s.store.Merge(r.Context(), tickets.AgentActor(a), from, into)
	if errs, ok := fieldErrors(lang, err); ok {
		s.showAgentTicket(w, r, t, http.StatusBadRequest, keep, errs)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.setFlash(w, "flash.merged", from, nt.Number)
	redirect(w, r, "/agent/tickets/"+nt.Number)
}

// agentAddSender makes the sender of a ticket that "refers to #N" a
// collaborator of #N, where they may follow and write.
func (s *server) agentAddSender(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if !t.RefersTo.Valid {
		s.webError(w, r, tickets.ErrNotFound)
		return
	}
	target, err := s.store.TicketByID(r.Context(), t.RefersTo.Int64)
	if err == nil && s.store.AccessTo(tickets.Viewer{Agent: a}, target) != tickets.AccessAgent {
		err = tickets.ErrNotFound
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	err = s.store.Update(r.Context(), target.ID, tickets.AgentActor(a), tickets.Patch{
		AddCollaborators: []tickets.Address{{Email: t.OwnerEmail, Name: t.OwnerName}}})
	if errs, ok := fieldErrors(webFrom(r).lang, err); ok {
		s.showAgentTicket(w, r, t, http.StatusBadRequest, &agentTicketData{tools: tools{Signed: true}}, fieldsUnder(errs, "add_collaborators", "refers"))
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.setFlash(w, "flash.sender_added", t.OwnerEmail, target.Number)
	redirect(w, r, "/agent/tickets/"+t.Number)
}

// agentInsertCanned is the reply box's canned responses without
// JavaScript: the page again with the text added to what was typed.
func (s *server) agentInsertCanned(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	seen, _ := strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
	d := &agentTicketData{Response: r.PostFormValue("message"), ResStatus: r.PostFormValue("status"),
		tools: tools{Signed: r.PostFormValue("signature") == "1", Seen: seen, Refile: webFrom(r).form.hasFiles("attachments")}}
	id, _ := strconv.Atoi(r.PostFormValue("canned"))
	c, err := s.store.CannedByID(r.Context(), id)
	if err != nil || c.DepartmentID.Valid && int(c.DepartmentID.Int64) != t.DepartmentID {
		s.showAgentTicket(w, r, t, http.StatusBadRequest, d, map[string]string{"canned": translate(webFrom(r).lang, "val.canned")})
		return
	}
	owner, err := s.store.UserByID(r.Context(), t.OwnerID)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	loc := jakarta()
	if l, err := time.LoadLocation(owner.Timezone); err == nil && owner.Timezone != "" {
		loc = l
	}
	text := tickets.ExpandCanned(c.Body, t, a, loc)
	if strings.TrimSpace(d.Response) == "" {
		d.Response = text
	} else {
		d.Response = strings.TrimRight(d.Response, "\r\n ") + "\n\n" + text
	}
	s.showAgentTicket(w, r, t, http.StatusOK, d, nil)
}

// presenceJSON is what the page's script shows: lines already in the
// agent's language.
type presenceJSON struct {
	Viewers string   `json:"viewers"`
	New     []string `json:"new"`
	Reload  string   `json:"reload,omitempty"`
}

// agentPresence is the ticket page's heartbeat: the agent is here; who
// else is, and what others wrote since the entry the page showed.
func (s *server) agentPresence(w http.ResponseWriter, r *http.Request) {
	a := webFrom(r).agent
	t, err := s.agentTicketFor(r)
	if err != nil {
		w.WriteHeader(errorStatus(err))
		return
	}
	seen, _ := strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
	act, err := s.store.Heartbeat(r.Context(), t, a, seen)
	if err != nil {
		w.WriteHeader(errorStatus(err))
		return
	}
	p := s.newPage(nil, r, "aticket.title")
	out := presenceJSON{Viewers: viewersText(p, act.Viewers), New: []string{}}
	for i := range act.New {
		out.New = append(out.New, newEntryText(p, &act.New[i]))
	}
	if len(out.New) > 0 {
		out.Reload = p.T("presence.reload")
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// agentLeave is sent as the page closes, so others stop seeing the agent
// at once rather than a minute later.
func (s *server) agentLeave(w http.ResponseWriter, r *http.Request) {
	t, err := s.agentTicketFor(r)
	if err == nil {
		err = s.store.Leave(r.Context(), t.ID, webFrom(r).agent.ID)
	}
	if err != nil {
		w.WriteHeader(errorStatus(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func viewersText(p *page, vs []tickets.Presence) string {
	if len(vs) == 0 {
		return ""
	}
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return p.T("presence.viewers", strings.Join(names, ", "))
}

// newEntryText is one line of "since you opened this page".
func newEntryText(p *page, e *tickets.Entry) string {
	if e.Kind == tickets.KindEvent {
		return p.T("presence.event", eventText(p, e), p.Time(e.CreatedAt))
	}
	who := e.AuthorName.String
	if who == "" {
		who = p.T("thread.system")
	}
	key := map[string]string{tickets.KindMessage: "presence.wrote", tickets.KindResponse: "presence.responded",
		tickets.KindNote: "presence.noted"}[e.Kind]
	return p.T(key, who, p.Time(e.CreatedAt))
}

// ViewersText and StaleText are the same lines for the page as served.
func (d *agentTicketData) ViewersText(p *page) string { return viewersText(p, d.Viewers) }

// StaleLines lists the entries that made a form come back.
func (d *agentTicketData) StaleLines(p *page) []string {
	var out []string
	for i := range d.Stale {
		out = append(out, newEntryText(p, &d.Stale[i].Entry))
	}
	return out
}

// CurrentStatus is the status the status form offers: the one a refused
// change chose, else the ticket's.
func (d *agentTicketData) CurrentStatus() string {
	if d.Status != "" {
		return d.Status
	}
	return d.Ticket.Status
}
