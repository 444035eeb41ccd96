package main

import (
	"errors"
	"fmt"
	"html"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// attView is an attachment as a thread shows it.
type attView struct {
	Name string
	Size int64
	URL  string
	// Preview is "image" (shown as a thumbnail) or "pdf" (opened in the
	// browser's viewer) when the file may be shown inline, at InlineURL.
	Preview   string
	InlineURL string
}

// entryView is a thread entry ready for a template.
type entryView struct {
	tickets.Entry
	Who  string
	Text string // an event's translated line
	Atts []attView
	New  bool // written by someone else since the agent's page was loaded
}

// HTML is the entry's mail HTML. Only Entry.BodyHTML ever becomes
// template.HTML: intake sanitized it with bluemonday, and the CSP blocks
// what might remain (remote images, inline script).
func (e entryView) HTML() template.HTML { return template.HTML(e.BodyHTML) }

// thread loads a ticket's entries for p's viewer: notes only for agents;
// attachment links carry the guest token when the viewer is a guest.
func (s *server) thread(r *http.Request, p *page, t *tickets.Ticket, withNotes bool, guestToken string) ([]entryView, error) {
	es, err := s.store.Thread(r.Context(), t.ID, withNotes)
	if err != nil {
		return nil, err
	}
	out := make([]entryView, 0, len(es))
	for i := range es {
		e := &es[i]
		v := entryView{Entry: *e, Who: e.AuthorName.String}
		if v.Who == "" {
			v.Who = p.T("thread.system")
		}
		if e.Kind == tickets.KindEvent {
			v.Text = eventText(p, e)
		}
		inline := map[string]string{}
		shown := shownContentIDs(v.BodyHTML)
		for _, a := range e.Attachments {
			u := "/attachments/" + strconv.FormatInt(a.ID, 10)
			if guestToken != "" {
				u += "?token=" + url.QueryEscape(guestToken)
			}
			cid := strings.ToLower(strings.Trim(a.ContentID.String, "<>"))
			if a.ContentID.Valid {
				inline[cid] = u
			}
			if a.ContentID.Valid && shown[cid] {
				// A pasted image, shown in the text: not listed again.
				continue
			}
			av := attView{Name: a.Name, Size: a.Size, URL: u}
			if av.Preview = previewKind(a.ContentType); av.Preview != "" {
				av.InlineURL = inlineURL(u)
			}
			v.Atts = append(v.Atts, av)
		}
		v.BodyHTML = inlineImages(v.BodyHTML, inline)
		out = append(out, v)
	}
	return out, nil
}

var cidSrc = regexp.MustCompile(`(?i)\bsrc="cid:([^"]*)"`)

// shownContentIDs are the parts a mail's HTML shows itself (its cid:
// images), lower-cased.
func shownContentIDs(body string) map[string]bool {
	if !strings.Contains(body, "cid:") {
		return nil
	}
	out := map[string]bool{}
	for _, m := range cidSrc.FindAllStringSubmatch(body, -1) {
		id := html.UnescapeString(m[1])
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		out[strings.ToLower(strings.Trim(id, "<>"))] = true
	}
	return out
}

func inlineURL(u string) string {
	if strings.Contains(u, "?") {
		return u + "&inline=1"
	}
	return u + "?inline=1"
}

// inlineImages points the mail's cid: images (RFC 2392: a screenshot
// pasted into the message) at their stored parts, which the same access
// check serves; a cid: naming no part of this entry stays as it is and
// shows nothing.
func inlineImages(body string, byContentID map[string]string) string {
	if len(byContentID) == 0 || !strings.Contains(body, "cid:") {
		return body
	}
	return cidSrc.ReplaceAllStringFunc(body, func(m string) string {
		id := html.UnescapeString(cidSrc.FindStringSubmatch(m)[1])
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		if u, ok := byContentID[strings.ToLower(strings.Trim(id, "<>"))]; ok {
			return `src="` + html.EscapeString(u) + `"`
		}
		return m
	})
}

// eventText translates an event from its name and data.
func eventText(p *page, e *tickets.Entry) string {
	d := e.Data()
	who := e.AuthorName.String
	if who == "" {
		who = p.T("thread.system")
	}
	switch name := e.Event.String; name {
	case "created":
		if d["forwarded_by"] != "" {
			return p.T("ev.created_forwarded", d["forwarded_by"])
		}
		if d["taken_by"] != "" {
			key := "ev.created_phone"
			if d["source"] == tickets.SourceWalkin {
				key = "ev.created_walkin"
			}
			return p.T(key, d["taken_by"])
		}
		return p.T("ev.created", who, p.T("source."+d["source"]))
	case "claimed":
		return p.T("ev.claimed", who)
	case "assigned":
		if d["to"] == "" {
			return p.T("ev.released", who)
		}
		return p.T("ev.assigned", who, d["to"])
	case "status":
		return p.T("ev.status", who, p.T("status."+d["from"]), p.T("status."+d["to"]))
	case "reopened":
		return p.T("ev.reopened", who)
	case "priority":
		return p.T("ev.priority", who, p.T("priority."+d["from"]), p.T("priority."+d["to"]))
	case "transferred":
		switch {
		case d["reason"] != "":
			return p.T("ev.transferred", who, d["from"], d["to"], d["reason"])
		case d["reason_note"] != "" && p.Agentside():
			return p.T("ev.transferred_noted", who, d["from"], d["to"])
		}
		return p.T("ev.transferred_plain", who, d["from"], d["to"])
	case "overdue":
		return p.T("ev.overdue")
	// Ticket tools (issue 12).
	case "collaborator_added":
		return p.T("ev.collaborator_added", who, personText(d))
	case "collaborator_removed":
		return p.T("ev.collaborator_removed", who, personText(d))
	case "topic":
		if d["from"] == "" {
			return p.T("ev.topic_set", who, d["to"])
		}
		return p.T("ev.topic", who, d["from"], d["to"])
	case "merged":
		return p.T("ev.merged", who, d["from"])
	case "merged_into":
		return p.T("ev.merged_into", who, d["into"])
	default:
		return e.Body
	}
}

// personText is an event's person: "Name <email>", or the address alone.
func personText(d map[string]string) string {
	if d["name"] != "" {
		return d["name"] + " <" + d["email"] + ">"
	}
	return d["email"]
}

func (s *server) myTickets(w http.ResponseWriter, r *http.Request) {
	u := webFrom(r).user
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if pg < 1 {
		pg = 1
	}
	ts, more, err := s.store.List(r.Context(), tickets.Filter{OwnerID: u.ID, Page: pg, PerPage: 25})
	if err != nil {
		s.webError(w, r, err)
		return
	}
	p := s.newPage(w, r, "mytickets.title")
	p.Data = map[string]any{"Tickets": ts, "Page": pg, "Prev": pg - 1, "Next": nextPage(more, pg)}
	s.render(w, r, http.StatusOK, "my_tickets", p)
}

func nextPage(more bool, pg int) int {
	if more {
		return pg + 1
	}
	return 0
}

// ticketForm is Gambar 9–12's form.
type ticketForm struct {
	TopicID int
	Subject string
	Message string
}

type newTicketData struct {
	Topics []tickets.Topic
}

func (s *server) newTicketForm(w http.ResponseWriter, r *http.Request) {
	s.showNewTicket(w, r, http.StatusOK, s.draftFor(r, "ticket"))
}

// showNewTicket renders Gambar 9's form, empty or as a draft left it.
func (s *server) showNewTicket(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
	ts, err := s.store.Topics(r.Context(), false)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	p := s.newPage(w, r, "newticket.title")
	topic, _ := strconv.Atoi(d.value("topic"))
	p.Form = ticketForm{TopicID: topic, Subject: d.value("subject"), Message: d.value("message")}
	p.Data = &newTicketData{Topics: ts}
	d.apply(p)
	s.render(w, r, code, "new_ticket", p)
}

func (s *server) openTicket(w http.ResponseWriter, r *http.Request) {
	u := webFrom(r).user
	topic, _ := strconv.Atoi(r.PostFormValue("topic"))
	f := ticketForm{TopicID: topic, Subject: r.PostFormValue("subject"), Message: r.PostFormValue("message")}
	d := &formDraft{Form: "ticket", Back: "/tickets/new", Errors: map[string]formErr{},
		Values: map[string]string{"topic": r.PostFormValue("topic"), "subject": f.Subject, "message": f.Message}}
	atts, names, problem, err := formUploads(r, "attachments")
	if err != nil {
		s.webError(w, r, err)
		return
	}
	d.Files = names
	if problem != nil {
		d.Errors["attachments"] = *problem
	}
	if topic == 0 {
		d.Errors["topic"] = formErr{Key: "val.topic"}
	}
	var t *tickets.Ticket
	if len(d.Errors) == 0 {
		t, _, err = s.store.Open(r.Context(), tickets.OpenRequest{Owner: tickets.Address{Email: u.Email, Name: u.Name},
			TopicID: topic, Subject: f.Subject, Body: f.Message, Source: tickets.SourceWeb, Attachments: atts})
		if fe, ok := draftErrors(err); ok {
			d.Errors = fe
		} else if err != nil {
			s.webError(w, r, err)
			return
		}
	}
	if len(d.Errors) > 0 {
		s.formFailed(w, r, d, s.showNewTicket)
		return
	}
	s.clearDraft(w, r)
	s.setFlash(w, "flash.ticket_opened")
	redirect(w, r, "/tickets/"+t.Number)
}

// ticketPage is the citizen's view of a ticket (Gambar 13/18).
type ticketPage struct {
	Ticket  *tickets.Ticket
	Entries []entryView
	Reply   string // the action of the reply form
	Token   string // the guest token, kept in the reply form
	Message string // the reply typed, when it failed
}

func (s *server) showCitizenTicket(w http.ResponseWriter, r *http.Request, t *tickets.Ticket, guestToken string, code int, d *formDraft) {
	p := s.newPage(w, r, "ticket.title")
	p.TitleText = "#" + t.Number + " " + t.Subject
	es, err := s.thread(r, p, t, false, guestToken)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	td := &ticketPage{Ticket: t, Entries: es, Message: d.value("message"), Reply: "/tickets/" + t.Number + "/reply"}
	if guestToken != "" {
		td.Reply, td.Token = "/t/"+t.Number+"/reply", guestToken
	}
	p.Data = td
	p.FieldLabels = map[string]string{"message": "ticket.reply_label"}
	d.apply(p)
	s.render(w, r, code, "ticket", p)
}

// citizenTicket loads the ticket named in the path if v may see it as a
// citizen; anything else is a 404, so numbers cannot be probed.
func (s *server) citizenTicket(r *http.Request, v tickets.Viewer) (*tickets.Ticket, error) {
	t, err := s.store.TicketByNumber(r.Context(), r.PathValue("number"))
	if err != nil {
		return nil, err
	}
	if s.store.AccessTo(v, t) != tickets.AccessCitizen {
		return nil, tickets.ErrNotFound
	}
	return t, nil
}

func (s *server) portalTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.citizenTicket(r, tickets.Viewer{User: webFrom(r).user})
	if err != nil {
		s.webError(w, r, err)
		return
	}
	if t.Number != r.PathValue("number") {
		// The number of a ticket merged into this one.
		http.Redirect(w, r, "/tickets/"+t.Number, http.StatusMovedPermanently)
		return
	}
	s.showCitizenTicket(w, r, t, "", http.StatusOK, s.draftFor(r, "reply"))
}

func (s *server) guestViewer(token string) tickets.Viewer {
	return tickets.Viewer{GuestToken: token, GuestSecret: s.web.secret}
}

// guestTicket is the progress link from mail: that ticket only, without
// signing in.
func (s *server) guestTicket(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	t, err := s.citizenTicket(r, s.guestViewer(tok))
	if errors.Is(err, tickets.ErrNotFound) {
		s.renderStatus(w, r, http.StatusNotFound, "err.token")
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	// The token is in the URL: keep it out of Referer headers entirely.
	w.Header().Set("Referrer-Policy", "no-referrer")
	if t.Number != r.PathValue("number") {
		// The link of a ticket merged into this one: on to this one's,
		// with a link minted for it.
		uid, err := s.store.GuestUser(s.guestViewer(tok), t)
		if err != nil {
			s.renderStatus(w, r, http.StatusNotFound, "err.token")
			return
		}
		http.Redirect(w, r, "/t/"+t.Number+"?token="+url.QueryEscape(tickets.GuestToken(s.web.secret, t.Number, uid)), http.StatusSeeOther)
		return
	}
	s.showCitizenTicket(w, r, t, tok, http.StatusOK, s.draftFor(r, "reply"))
}

func (s *server) portalReply(w http.ResponseWriter, r *http.Request) {
	u := webFrom(r).user
	t, err := s.citizenTicket(r, tickets.Viewer{User: u})
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.citizenReply(w, r, t, u, "", "/tickets/"+t.Number)
}

func (s *server) guestReply(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	t, err := s.citizenTicket(r, s.guestViewer(tok))
	if errors.Is(err, tickets.ErrNotFound) {
		s.renderStatus(w, r, http.StatusNotFound, "err.token")
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	// A guest replies as the participant the token was minted for: the
	// owner, or a collaborator with a link of their own.
	uid, err := s.store.GuestUser(s.guestViewer(tok), t)
	if err != nil {
		s.renderStatus(w, r, http.StatusNotFound, "err.token")
		return
	}
	author, err := s.store.UserByID(r.Context(), uid)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.citizenReply(w, r, t, author, tok, "/t/"+t.Number+"?token="+url.QueryEscape(tok))
}

func (s *server) citizenReply(w http.ResponseWriter, r *http.Request, t *tickets.Ticket, author *tickets.User, tok, back string) {
	msg := r.PostFormValue("message")
	d := &formDraft{Form: "reply", Back: back, Values: map[string]string{"message": msg}}
	show := func(w http.ResponseWriter, r *http.Request, code int, d *formDraft) {
		s.showCitizenTicket(w, r, t, tok, code, d)
	}
	atts, names, problem, err := formUploads(r, "attachments")
	if err != nil {
		s.webError(w, r, err)
		return
	}
	d.Files = names
	if problem != nil {
		d.Errors = map[string]formErr{"attachments": *problem}
		s.formFailed(w, r, d, show)
		return
	}
	_, err = s.store.AddMessage(r.Context(), t.ID, author, tickets.Post{Body: msg, Attachments: atts, Source: tickets.SourceWeb})
	if errs, ok := draftErrors(err); ok {
		d.Errors = errs
		s.formFailed(w, r, d, show)
		return
	}
	if err != nil {
		s.webError(w, r, err)
		return
	}
	s.clearDraft(w, r)
	s.setFlash(w, "flash.reply_sent")
	redirect(w, r, back)
}

// attachment serves a file to whoever may see its ticket (notes' files to
// agents only), as a download: a browser must never render a stranger's
// HTML or SVG as our page. With ?inline=1 a raster image or a PDF whose
// bytes are what its type says is shown instead (previewable); anything
// else is still a download.
func (s *server) attachment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderStatus(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	wc := webFrom(r)
	v := tickets.Viewer{User: wc.user, Agent: wc.agent, GuestToken: r.URL.Query().Get("token"), GuestSecret: s.web.secret}
	a, data, err := s.store.AttachmentFor(r.Context(), v, id)
	if err != nil {
		s.webError(w, r, err)
		return
	}
	h := w.Header()
	ct := a.ContentType
	if _, _, err := mime.ParseMediaType(ct); err != nil || strings.ContainsAny(ct, "\r\n") {
		ct = "application/octet-stream"
	}
	disposition := contentDisposition(a.Name)
	if r.URL.Query().Get("inline") == "1" {
		if sniffed, ok := previewable(a.ContentType, data); ok {
			ct, disposition = sniffed, "inline"+strings.TrimPrefix(disposition, "attachment")
			// The file alone, nothing it could load or run.
			h.Set("Content-Security-Policy", previewCSP(sniffed))
		}
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-store")
	w.Write(data)
}

// contentDisposition names the download per RFC 6266: an ASCII fallback
// in filename= for old clients and the exact UTF-8 name in filename*=
// (RFC 8187 encoding).
func contentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' || r == ';':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	var ext strings.Builder
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii.String(), ext.String())
}
