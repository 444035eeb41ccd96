package ingest

// Filing: what a stored message becomes. Powers follow from what is
// authenticated, never from what is claimed: a From line, a Message-ID or
// a subject token says where a message wants to go; only DMARC, an
// aligned DKIM signature or proof of possession (a reply naming a mail
// the helpdesk sent to that very address about that ticket) lets it act
// as an agent or reopen a ticket, and only a participant's mail joins a
// ticket.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// act applies the threading, loop and forward rules of DESIGN.md and says
// what it did, for the stored message's note.
func (in *Intake) act(ctx context.Context, tx *tickets.Tx, d *delivery) (string, error) {
	m := d.m
	if in.own[d.from] {
		d.res.Outcome = OutcomeIgnored
		return "mail from the helpdesk's own address (a loop)", nil
	}
	if _, _, ours := in.ids.Verify(m.MessageID); ours {
		d.res.Outcome = OutcomeIgnored
		return "the helpdesk's own mail came back (a loop)", nil
	}
	if m.Auto == Bounced {
		return in.bounce(ctx, tx, d)
	}
	view := in.store.In(tx)
	th, err := in.thread(ctx, view, d)
	if err != nil {
		return "", err
	}
	if th.ticket != nil {
		return in.threaded(ctx, tx, d, th)
	}
	return in.unthreaded(ctx, tx, d)
}

// mailAuth is the verdict as the ticket domain stores it, for a message
// about a ticket where possession was or was not shown.
func (d *delivery) mailAuth(possession bool) *tickets.MailAuth {
	if possession && !d.verdict.Authenticated() {
		return &tickets.MailAuth{Method: string(AuthPossession), Detail: "a reply to a mail the helpdesk sent to " + d.from}
	}
	return &tickets.MailAuth{Method: string(d.verdict.Method), Detail: d.verdict.Detail}
}

// threaded files a message that refers to a ticket, by who its sender is.
func (in *Intake) threaded(ctx context.Context, tx *tickets.Tx, d *delivery, th threading) (string, error) {
	t := th.ticket
	role, agent, err := in.store.In(tx).Participant(ctx, t, d.from)
	if err != nil {
		return "", err
	}
	authed := d.verdict.Authenticated() || th.possession
	switch {
	case role == tickets.RoleAgent && d.m.Auto.Automated():
		// An agent's out-of-office answering an alert: kept, quietly.
		return in.systemNote(ctx, tx, d, t, OutcomeNote, "Automatic mail ("+d.m.Auto.String()+") from "+d.from+":")
	case role == tickets.RoleAgent && authed:
		return in.agentMail(ctx, tx, d, th, agent)
	case role == tickets.RoleAgent:
		return in.unverifiedAgentMail(ctx, tx, d, t, agent)
	case agent != nil:
		return in.refused(ctx, tx, d, t, agent)
	case role == tickets.RoleOwner || role == tickets.RoleCollaborator:
		return in.participantMessage(ctx, tx, d, th)
	case d.m.Auto.Automated():
		d.res.Outcome, d.department = OutcomeAutomatic, t.DepartmentID
		return fmt.Sprintf("an automatic mail (%s) from %s, who takes no part in #%s it refers to (%s)", d.m.Auto, d.from, t.Number, th.how), nil
	default:
		// A stranger naming one of the ticket's Message-IDs or its number
		// (someone the citizen forwarded a mail to, their other address,
		// or someone fishing) gets a ticket of their own; an agent can
		// merge it or add them.
		return in.open(ctx, tx, d, t)
	}
}

// participantMessage adds the owner's or a collaborator's message. It
// reopens a resolved ticket only when the sender is authenticated.
func (in *Intake) participantMessage(ctx context.Context, tx *tickets.Tx, d *delivery, th threading) (string, error) {
	m := d.m
	u, err := in.store.In(tx).UserByEmail(ctx, d.from)
	if err != nil {
		return "", err
	}
	body := StripQuoted(m.Text)
	if d.cut != "" {
		body = strings.TrimSpace(body + "\n\n[" + d.cut + "]")
	}
	p := tickets.Post{Body: body, BodyHTML: m.HTML, Attachments: attachments(m), Source: tickets.SourceEmail,
		MessageID: m.MessageID, Headers: entryHeaders(m), Quiet: m.Auto.Automated(), Mail: d.mailAuth(th.possession)}
	e, err := in.store.AddMessageTx(ctx, tx, th.ticket.ID, u, p)
	if err != nil {
		return "", err
	}
	d.res.Outcome, d.res.Ticket, d.res.ticketID, d.res.EntryID = OutcomeReply, th.ticket.Number, th.ticket.ID, e.ID
	if !m.Auto.Automated() && u.BouncingAt.Valid {
		if err := in.store.ClearBouncing(ctx, tx, u.ID); err != nil {
			return "", err
		}
	}
	if err := in.noteReuse(ctx, tx, d); err != nil {
		return "", err
	}
	if m.Auto.Automated() {
		return "automated " + m.Auto.String() + " stored quietly (" + th.how + ")", nil
	}
	return "reply (" + th.how + ", " + string(p.Mail.Method) + ")", nil
}

// agentMail is an authenticated agent's mail about a ticket they work:
// its command lines, then its text as a response (or, with #note, an
// internal note), each through the same domain functions as the panel.
func (in *Intake) agentMail(ctx context.Context, tx *tickets.Tx, d *delivery, th threading, agent *tickets.Agent) (string, error) {
	m, t := d.m, th.ticket
	cmds, body := ParseCommands(StripQuoted(m.Text))
	asNote := false
	for _, c := range cmds {
		asNote = asNote || (c.Name == "note" && c.Err == "")
	}
	atts := attachments(m)
	if len(cmds) == 0 && strings.TrimSpace(body) == "" && len(atts) == 0 {
		// Everything looked quoted: better the whole text than nothing.
		body = m.Text
	}
	// The agent wrote in their mail client: their quoted copy of the
	// thread is not part of the response, nor is the HTML that holds it.
	p := tickets.Post{Body: body, Attachments: atts, Source: tickets.SourceEmail, MessageID: m.MessageID,
		Headers: entryHeaders(m), Mail: d.mailAuth(th.possession)}
	d.res.Ticket, d.res.ticketID = t.Number, t.ID
	var lines []string
	note := "response by " + agent.Email
	if strings.TrimSpace(body) != "" || len(atts) > 0 {
		var e *tickets.Entry
		var err error
		if asNote {
			e, err = in.store.NoteTx(ctx, tx, t.ID, agent, p)
			d.res.Outcome, note = OutcomeNote, "internal note by "+agent.Email
		} else {
			e, err = in.store.RespondTx(ctx, tx, t.ID, agent, p)
			d.res.Outcome = OutcomeResponse
		}
		if err != nil {
			return "", err
		}
		d.res.EntryID = e.ID
		if asNote {
			lines = append(lines, "your text was added as an internal note")
		} else {
			lines = append(lines, "your text was sent to the requester as a response")
		}
	} else {
		d.res.Outcome, note = OutcomeNote, "commands by "+agent.Email
	}
	for _, c := range cmds {
		if c.Name == "note" && c.Err == "" {
			continue
		}
		lines = append(lines, c.Line+": "+in.runCommand(ctx, tx, t, agent, c))
	}
	if len(cmds) > 0 {
		nt, err := in.store.In(tx).TicketByID(ctx, t.ID)
		if errors.Is(err, tickets.ErrNotFound) {
			nt = t
		} else if err != nil {
			return "", err
		}
		if err := in.store.Report(ctx, tx, tickets.Report{Kind: tickets.ReportCommands, Agent: agent, Ticket: nt,
			Subject: m.Subject, Lines: lines, InboundID: d.res.InboundID}); err != nil {
			return "", err
		}
		note += fmt.Sprintf(" with %d command(s)", len(cmds))
	}
	if d.res.EntryID == 0 && len(cmds) > 0 && strings.TrimSpace(body) == "" {
		// Commands only: the mail itself is kept on the ticket for the
		// record, as an internal note nobody else receives.
		e, err := in.store.SystemNote(ctx, tx, t.ID, tickets.Post{Body: "Commands by mail from " + agent.Name + ":\n" + strings.Join(lines, "\n"),
			Source: tickets.SourceEmail, MessageID: m.MessageID, Headers: entryHeaders(m), Mail: p.Mail})
		if err != nil {
			return "", err
		}
		d.res.EntryID = e.ID
	}
	return note + " (" + th.how + ", " + p.Mail.Method + ")", nil
}

// runCommand applies one command line in a savepoint of its own, so a
// command that fails leaves the others and the response standing; it
// says what happened, for the agent's report.
func (in *Intake) runCommand(ctx context.Context, tx *tickets.Tx, t *tickets.Ticket, agent *tickets.Agent, c Command) string {
	if c.Err != "" {
		return "not done: " + c.Err
	}
	view := in.store.In(tx)
	var p tickets.Patch
	switch c.Name {
	case "status":
		p.Status = c.Arg
	case "priority":
		p.Priority = c.Arg
	case "assign":
		p.Assign, p.AssigneeID = true, agent.ID
		if c.Arg != "me" {
			to, err := view.AgentByEmail(ctx, c.Arg)
			if errors.Is(err, tickets.ErrNotFound) {
				return "not done: no agent with the address " + c.Arg
			} else if err != nil {
				return "not done: " + err.Error()
			}
			p.AssigneeID = to.ID
		}
	case "transfer":
		dept, err := view.DepartmentByName(ctx, c.Arg)
		if errors.Is(err, tickets.ErrNotFound) {
			return "not done: no department named " + c.Arg
		} else if err != nil {
			return "not done: " + err.Error()
		}
		p.DepartmentID, p.Reason = dept.ID, c.Reason
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT command"); err != nil {
		return "not done: " + err.Error()
	}
	err := in.store.UpdateTx(ctx, tx, t.ID, tickets.AgentActor(agent), p)
	if err == nil {
		tx.ExecContext(ctx, "RELEASE SAVEPOINT command")
		return "done"
	}
	tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT command")
	var v *tickets.ValidationError
	if errors.As(err, &v) {
		var why []string
		for _, msg := range v.Fields {
			why = append(why, msg)
		}
		return "not done: " + strings.Join(why, "; ")
	}
	if errors.Is(err, tickets.ErrForbidden) {
		return "not done: you may not change this ticket"
	}
	return "not done: " + err.Error()
}

// unverifiedAgentMail keeps mail from an agent's address that could not
// be verified as an internal note that acts as nobody, and tells the
// agent, whose real mailbox is the one the helpdesk writes to.
func (in *Intake) unverifiedAgentMail(ctx context.Context, tx *tickets.Tx, d *delivery, t *tickets.Ticket, agent *tickets.Agent) (string, error) {
	note, err := in.systemNote(ctx, tx, d, t, OutcomeNote,
		fmt.Sprintf("Unverified mail from %s (%s). It acted as nobody: it was not sent to the requester and changed nothing.", d.from, d.verdict.Detail))
	if err != nil {
		return "", err
	}
	err = in.store.Report(ctx, tx, tickets.Report{Kind: tickets.ReportUnverified, Agent: agent, Ticket: t, Subject: d.m.Subject,
		Lines: []string{d.verdict.Detail}, InboundID: d.res.InboundID})
	return "unverified mail from agent " + agent.Email + ": " + note, err
}

// refused keeps an agent's mail about a ticket they may no longer work on
// (it moved to another department) out of it, as the panel would.
func (in *Intake) refused(ctx context.Context, tx *tickets.Tx, d *delivery, t *tickets.Ticket, agent *tickets.Agent) (string, error) {
	d.res.Outcome, d.department = OutcomeRefused, t.DepartmentID
	var lines []string
	if !d.verdict.Authenticated() {
		lines = append(lines, "the mail could not be verified as yours either: "+d.verdict.Detail)
	}
	err := in.store.Report(ctx, tx, tickets.Report{Kind: tickets.ReportRefused, Agent: agent, Ticket: t, Subject: d.m.Subject,
		Lines: lines, InboundID: d.res.InboundID})
	return fmt.Sprintf("%s may no longer work on #%s (now in %s): not filed", agent.Email, t.Number, t.DepartmentName), err
}

// systemNote files the message as an internal note of the helpdesk's on
// t, under a first line saying what it is.
func (in *Intake) systemNote(ctx context.Context, tx *tickets.Tx, d *delivery, t *tickets.Ticket, outcome, intro string) (string, error) {
	m := d.m
	e, err := in.store.SystemNote(ctx, tx, t.ID, tickets.Post{Body: strings.TrimSpace(intro + "\n\n" + StripQuoted(m.Text)),
		Attachments: attachments(m), Source: tickets.SourceEmail, MessageID: m.MessageID, Headers: entryHeaders(m), Mail: d.mailAuth(false)})
	if err != nil {
		return "", err
	}
	d.res.Outcome, d.res.Ticket, d.res.ticketID, d.res.EntryID = outcome, t.Number, t.ID, e.ID
	return "internal note on #" + t.Number, nil
}

// unthreaded files a message that refers to no ticket.
func (in *Intake) unthreaded(ctx context.Context, tx *tickets.Tx, d *delivery) (string, error) {
	m := d.m
	if m.Auto == AutoReply {
		// An out-of-office answer that threads nowhere would open a ticket
		// that answers itself: kept, and listed for agents.
		d.res.Outcome = OutcomeAutomatic
		return "an automatic reply that belongs to no ticket", nil
	}
	agent, err := in.store.In(tx).AgentByEmail(ctx, d.from)
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && !agent.Active) {
		return in.open(ctx, tx, d, nil)
	}
	if err != nil {
		return "", err
	}
	if !d.verdict.Authenticated() {
		// Mail in an agent's name opens nothing on anyone's behalf until
		// it is shown to be theirs: kept for agents, and the agent told.
		d.res.Outcome = OutcomeUnverified
		err := in.store.Report(ctx, tx, tickets.Report{Kind: tickets.ReportUnverified, Agent: agent, Subject: m.Subject,
			Lines: []string{d.verdict.Detail}, InboundID: d.res.InboundID})
		return "mail from agent " + agent.Email + " that could not be verified (" + d.verdict.Detail + "): not filed", err
	}
	return in.open(ctx, tx, d, nil)
}

// open makes a new ticket: the sender's, or, for a letter an
// authenticated agent forwarded, the original sender's. refers is a
// ticket the mail referred to in which its sender takes no part.
func (in *Intake) open(ctx context.Context, tx *tickets.Tx, d *delivery, refers *tickets.Ticket) (string, error) {
	m := d.m
	view := in.store.In(tx)
	req := tickets.OpenRequest{
		Owner: tickets.Address{Email: d.from, Name: m.From.Name}, Subject: ticketSubject(m.Subject), Body: m.Text,
		BodyHTML: m.HTML, Source: tickets.SourceEmail, Attachments: attachments(m), MessageID: m.MessageID,
		Headers: entryHeaders(m), Mail: d.mailAuth(false),
	}
	switch {
	case m.Auto.Automated():
		req.Quiet, req.QuietReason = true, "the mail was automatic ("+m.Auto.String()+"): the helpdesk does not answer it"
	case m.EmptyReturnPath:
		req.Quiet, req.QuietReason = true, "the mail had an empty Return-Path (a delivery notice): the helpdesk does not answer it"
	case m.SuppressAutoReply:
		req.NoReply = "the mail asked not to be answered automatically (X-Auto-Response-Suppress)"
	}
	if refers != nil {
		req.RefersTo = refers.ID
	}
	res := &d.res
	res.Outcome = OutcomeOpened
	note := "new ticket"
	agent, err := view.AgentByEmail(ctx, d.from)
	switch {
	case err == nil && agent.Active && m.Forward != nil && (d.verdict.Authenticated() || d.filedBy != nil && d.filedBy.ID == agent.ID):
		req.ForwardedBy = agent
		res.Outcome = OutcomeForward
		if f := m.Forward; tickets.NormalizeEmail(f.From.Email) != "" && !in.own[tickets.NormalizeEmail(f.From.Email)] {
			req.Owner = tickets.Address{Email: f.From.Email, Name: f.From.Name}
			if s := ticketSubject(f.Subject); s != "" {
				req.Subject = s
			}
			if strings.TrimSpace(f.Text) != "" {
				req.Body = f.Text
				req.BodyHTML = ""
			}
			note = "forwarded by " + agent.Email + " on behalf of " + tickets.NormalizeEmail(f.From.Email)
		} else {
			note = "forwarded by " + agent.Email + "; the original sender could not be found, so the ticket is the agent's"
		}
	case err != nil && !errors.Is(err, tickets.ErrNotFound):
		return "", err
	default:
		for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
			e := tickets.NormalizeEmail(a.Email)
			if e == "" || in.own[e] || e == d.from {
				continue
			}
			if _, err := view.AgentByEmail(ctx, e); err == nil {
				continue // agents follow tickets through their department
			} else if !errors.Is(err, tickets.ErrNotFound) {
				return "", err
			}
			req.Collaborators = append(req.Collaborators, tickets.Address{Email: e, Name: a.Name})
		}
		if extra := len(req.Collaborators) - tickets.MaxCollaborators; extra > 0 {
			// Thousands of Cc addresses would make every response a mass
			// mailing from our domain: keep the first ones, say so.
			req.Collaborators = req.Collaborators[:tickets.MaxCollaborators]
			req.Body = strings.TrimSpace(req.Body + fmt.Sprintf("\n\n[%d more addresses in To/Cc were not added to this ticket; only the first %d receive its updates.]", extra, tickets.MaxCollaborators))
		}
	}
	if req.Subject == "" {
		req.Subject = "(tanpa subjek)"
	}
	if tickets.NormalizeEmail(req.Owner.Email) == "" {
		req.Owner = tickets.Address{Email: unknownSender, Name: "Pengirim tidak dikenal"}
		req.Quiet, req.QuietReason = true, "the sender's address could not be read"
	}
	if !req.Quiet && req.ForwardedBy == nil {
		n, err := in.repeats(ctx, tx, d)
		if err != nil {
			return "", err
		}
		if n >= 2 {
			// The same words again and again from one address is how a
			// robot that sets no header answers our autoresponses.
			req.Quiet, req.QuietReason = true, fmt.Sprintf("the same text came from this address %d times in an hour: a mail loop, so no autoresponse", n+1)
		}
	}
	if len(m.ParseErrors) > 0 || d.cut != "" {
		req.Body = strings.TrimSpace(req.Body + "\n\n" + problemsNote(m, d.cut))
	}
	if strings.TrimSpace(req.Body) == "" && len(req.Attachments) == 0 {
		req.Body = "(pesan kosong)"
	}
	topic, err := in.store.RouteFor(ctx, tx, recipients(m, d.src))
	if err != nil {
		return "", err
	}
	if topic == nil && d.src.Topic != "" {
		topic, err = in.store.In(tx).TopicByName(ctx, d.src.Topic)
		switch {
		case errors.Is(err, tickets.ErrNotFound) || err == nil && !topic.Active:
			// A topic renamed or retired since the mailbox was set up:
			// the ticket is still opened, in the default department, and
			// the log says why it has no topic.
			if _, logged := in.badTopics.LoadOrStore(d.src.Topic, true); !logged {
				in.log.Warn("the mailbox's help topic does not exist or is retired: its mail is filed without one", "mailbox", d.src.Mailbox, "topic", d.src.Topic)
			}
			topic, err = nil, nil
		case err != nil:
			return "", err
		}
	}
	if topic != nil {
		req.TopicID = topic.ID
	}
	if in.back || d.archive != "" {
		switch {
		case !m.Date.IsZero() && m.Date.Before(in.store.Now()):
			req.At = m.Date.UTC()
		case !d.src.Received.IsZero():
			req.At = d.src.Received.UTC()
		}
	}
	t, e, err := in.store.OpenTx(ctx, tx, req)
	if err != nil {
		return "", err
	}
	res.Ticket, res.ticketID, res.EntryID = t.Number, t.ID, e.ID
	if refers != nil {
		if _, err := in.store.SystemNote(ctx, tx, t.ID, tickets.Post{Source: tickets.SourceSystem,
			Body: fmt.Sprintf("This mail refers to ticket #%s, in which %s takes no part, so it became a ticket of its own. Merge it there, or add the sender to it, if it belongs.", refers.Number, d.from)}); err != nil {
			return "", err
		}
		note += ", refers to #" + refers.Number
	}
	if err := in.noteReuse(ctx, tx, d); err != nil {
		return "", err
	}
	if req.Quiet {
		note += " (" + req.QuietReason + ")"
	}
	return note, nil
}

// repeats counts the earlier mails of the last hour from the same sender
// with the same text.
func (in *Intake) repeats(ctx context.Context, tx *tickets.Tx, d *delivery) (int, error) {
	if d.textDigest == nil || d.from == "" {
		return 0, nil
	}
	var n int
	err := in.store.Prep(tx).GetContext(ctx, &n, `SELECT count(*) FROM inbound_messages
		WHERE sender = $1 AND received_at > now() - interval '1 hour' AND text_digest = $2 AND id <> $3`,
		d.from, d.textDigest, d.res.InboundID)
	return n, err
}

// noteReuse tells agents, on the message's ticket, that its Message-ID
// was another letter's first.
func (in *Intake) noteReuse(ctx context.Context, tx *tickets.Tx, d *delivery) error {
	if d.reusedOf == "" || d.res.ticketID == 0 {
		return nil
	}
	_, err := in.store.SystemNote(ctx, tx, d.res.ticketID, tickets.Post{Source: tickets.SourceSystem,
		Body: fmt.Sprintf("This letter carries the Message-ID <%s> of an earlier, different letter (%s). It was stored and filed as a letter of its own; replies naming that Message-ID go to the earlier one.", d.m.MessageID, d.reusedOf)})
	return err
}

// openFailed keeps a message the rules could not place as a ticket that
// says so, with the raw message one click away for agents.
func (in *Intake) openFailed(ctx context.Context, tx *tickets.Tx, d *delivery, why string) (string, error) {
	m := d.m
	owner := tickets.Address{Email: unknownSender, Name: "Pengirim tidak dikenal"}
	if e := d.from; e != "" && !in.own[e] {
		owner = tickets.Address{Email: e, Name: m.From.Name}
	}
	subject := ticketSubject(m.Subject)
	if subject == "" {
		subject = "(tanpa subjek)"
	}
	t, e, err := in.store.OpenTx(ctx, tx, tickets.OpenRequest{
		Owner: owner, Subject: subject, Source: tickets.SourceEmail, Quiet: true, QuietReason: "the helpdesk could not file the mail normally",
		Body: strings.TrimSpace(m.Text + "\n\n[The helpdesk could not file this message normally (" + why + "); the original is kept.]"),
	})
	if err != nil {
		return "", err
	}
	d.res.Outcome, d.res.Ticket, d.res.ticketID, d.res.EntryID = OutcomeFailed, t.Number, t.ID, e.ID
	return "could not be filed normally: " + why, nil
}
