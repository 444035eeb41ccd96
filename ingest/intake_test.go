package ingest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

var bg = context.Background()

// msg builds a raw message from header lines and a body.
func msg(body string, headers ...string) []byte {
	h := strings.Join(headers, "\r\n")
	if !strings.Contains(strings.ToLower(h), "content-type:") {
		h += "\r\nContent-Type: text/plain; charset=utf-8"
	}
	return []byte(h + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

func deliver(t *testing.T, in *Intake, raw []byte) Result {
	t.Helper()
	res, err := in.Deliver(bg, raw, Source{Mailbox: "test"})
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return res
}

func thread(t *testing.T, s *tickets.Store, number string) (*tickets.Ticket, []tickets.Entry) {
	t.Helper()
	tk, err := s.TicketByNumber(bg, number)
	if err != nil {
		t.Fatal(err)
	}
	es, err := s.Thread(bg, tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	return tk, es
}

func newComplaint(id string) []byte {
	return msg("Dengan hormat,\nBantuan PKH kami belum cair sejak Januari.\n\nSalam,\nSiti\n0812345678",
		"From: Siti Aminah <siti@example.id>",
		"To: Helpdesk Kemsos <helpdesk@kemsos.go.id>",
		"Cc: Kabid Dinsos <kabid@dinsos-klaten.go.id>, helpdesk@kemsos.go.id",
		"Subject: Bantuan PKH belum cair",
		"Message-ID: <"+id+">",
		"Date: Thu, 26 Nov 2026 09:00:00 +0700")
}

func TestNewMailOpensTicketWithCollaborators(t *testing.T) {
	in, s, _ := newTestIntake(t)
	res := deliver(t, in, newComplaint("c1@example.id"))
	if res.Outcome != OutcomeOpened || res.Ticket == "" {
		t.Fatalf("result %+v", res)
	}
	tk, es := thread(t, s, res.Ticket)
	if tk.Subject != "Bantuan PKH belum cair" || tk.OwnerEmail != "siti@example.id" || tk.OwnerName != "Siti Aminah" || tk.Source != "email" {
		t.Errorf("ticket %+v", tk)
	}
	if len(tk.Collaborators) != 1 || tk.Collaborators[0].Email != "kabid@dinsos-klaten.go.id" {
		t.Errorf("collaborators %v (the helpdesk's own address must not be one)", tk.Collaborators)
	}
	if es[0].MessageID.String != "c1@example.id" || !strings.Contains(es[0].Body, "belum cair sejak Januari") {
		t.Errorf("first entry %+v", es[0])
	}
}

func TestSameMessageTwiceIsStoredOnce(t *testing.T) {
	in, _, _ := newTestIntake(t)
	raw := newComplaint("dup@example.id")
	first := deliver(t, in, raw)
	// The same mail again, as the pipe would bring it after IMAP did: other
	// bytes in front, same Message-ID.
	again, err := in.Deliver(bg, append([]byte("Delivered-To: helpdesk@kemsos.go.id\r\n"), raw...), Source{Mailbox: "pipe"})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || again.Ticket != first.Ticket {
		t.Errorf("second delivery %+v", again)
	}
	noID := msg("tanpa message-id", "From: a@example.id", "Subject: x")
	r1, r2 := deliver(t, in, noID), deliver(t, in, noID)
	if r1.Duplicate || !r2.Duplicate {
		t.Errorf("without Message-ID: %+v %+v", r1, r2)
	}
	if n := count(t, in.store.DB(), `SELECT count(*) FROM tickets`); n != 2 {
		t.Errorf("%d tickets, want 2", n)
	}
	if n := count(t, in.store.DB(), `SELECT count(*) FROM inbound_messages`); n != 2 {
		t.Errorf("%d stored messages, want 2", n)
	}
}

// A letter stored by one delivery while another delivery of it is being
// filed (the pipe and the poller at once, two serves): the slower one's
// work is undone and it reports the stored letter, so there is one ticket.
func TestSameLetterStoredMeanwhileIsFiledOnce(t *testing.T) {
	in, _, db := newTestIntake(t)
	raw := newComplaint("race@example.id")
	m := Parse(raw, Limits{})
	letter, text := contentDigests(m, raw, "")
	other, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	var storedID int64
	if err := other.Get(&storedID, `INSERT INTO inbound_messages (dedup_key, message_id, mailbox, raw, size, digest, sender, subject, text_digest, outcome)
		VALUES ($1, $2, 'other', $3, $4, $5, 'siti@example.id', 'x', $6, 'ignored') RETURNING id`,
		dedupKey(m.MessageID, raw), m.MessageID, raw, len(raw), letter, text); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := in.Deliver(bg, raw, Source{Mailbox: "pipe"})
		done <- outcome{res, err}
	}()
	// The delivery has filed the letter and waits on the other's row.
	deadline := time.Now().Add(20 * time.Second)
	for count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the delivery never waited on the other's row")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	o := <-done
	if o.err != nil {
		t.Fatal(o.err)
	}
	if !o.res.Duplicate || o.res.InboundID != storedID {
		t.Errorf("result %+v: want the stored letter %d, as a duplicate", o.res, storedID)
	}
	if n := count(t, db, `SELECT count(*) FROM tickets`); n != 0 {
		t.Errorf("%d tickets: the undone filing left one", n)
	}
	if n := count(t, db, `SELECT count(*) FROM inbound_messages`); n != 1 {
		t.Errorf("%d stored messages, want 1", n)
	}
}

func TestReplyThreadsByInReplyToOnly(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	// No token in the subject: the Message-ID alone threads it.
	res := deliver(t, in, msg("Ini data tambahan.\n\nOn Thu, 26 Nov 2026 Siti wrote:\n> Dengan hormat",
		"From: siti@example.id", "Subject: Re: Bantuan PKH", "Message-ID: <r1@example.id>", "In-Reply-To: <c1@example.id>"))
	if res.Outcome != OutcomeReply || res.Ticket != first.Ticket {
		t.Fatalf("reply %+v, want on %s", res, first.Ticket)
	}
	_, es := thread(t, s, first.Ticket)
	if last := es[len(es)-1]; last.Body != "Ini data tambahan." {
		t.Errorf("quoted history not stripped: %q", last.Body)
	}
}

func TestStrangerNamingATicketsMessageIDGetsATicketOfTheirOwn(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	// Someone who holds the citizen's Message-ID (her office account, or
	// anyone she forwarded her mail to) does not join her ticket.
	res := deliver(t, in, msg("Ini data tambahan.", "From: siti.kantor@example.id", "Subject: Re: Bantuan PKH",
		"Message-ID: <r1@example.id>", "In-Reply-To: <c1@example.id>"))
	if res.Outcome != OutcomeOpened || res.Ticket == first.Ticket {
		t.Fatalf("stranger's reply %+v: it must open a ticket of its own", res)
	}
	tk, _ := thread(t, s, first.Ticket)
	for _, c := range tk.Collaborators {
		if c.Email == "siti.kantor@example.id" {
			t.Error("the stranger became a collaborator of the citizen's ticket")
		}
	}
	own, es := thread(t, s, res.Ticket)
	if own.RefersToNumber.String != first.Ticket {
		t.Errorf("the new ticket does not refer to #%s: %+v", first.Ticket, own.RefersToNumber)
	}
	if !strings.Contains(es[len(es)-1].Body, "refers to ticket #"+first.Ticket) {
		t.Errorf("no note for agents: %q", es[len(es)-1].Body)
	}
}

func TestReplyByTokenNeedsAParticipant(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	subject := "Subject: Bls: RE: [#" + first.Ticket + "] Bantuan PKH belum cair"

	res := deliver(t, in, msg("Mohon segera.", "From: Siti <SITI@example.id>", subject, "Message-ID: <r2@example.id>"))
	if res.Outcome != OutcomeReply || res.Ticket != first.Ticket {
		t.Errorf("owner's reply by token: %+v", res)
	}
	stranger := deliver(t, in, msg("Saya juga mau tahu.", "From: orang.lain@example.id", subject, "Message-ID: <r3@example.id>"))
	if stranger.Outcome != OutcomeOpened || stranger.Ticket == first.Ticket {
		t.Errorf("a non-participant quoting the number got in: %+v", stranger)
	}
	_, es := thread(t, s, first.Ticket)
	for _, e := range es {
		if strings.Contains(e.Body, "Saya juga") {
			t.Error("stranger's text is in the first ticket")
		}
	}
}

func TestOwnerReplyReopensResolvedTicketOnlyWhenVerified(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	tk, _ := thread(t, s, first.Ticket)
	if err := s.SetStatus(bg, tk.ID, tickets.System, tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	// A token alone, from a domain that signs nothing: anyone could have
	// written it. It is kept on the ticket, but reopens nothing.
	res := deliver(t, in, msg("Masih belum cair.", "From: siti@example.id", "Subject: Re: [#"+first.Ticket+"]", "Message-ID: <r4@example.id>"))
	tk, es := thread(t, s, first.Ticket)
	if res.Outcome != OutcomeReply || tk.Status != tickets.StatusResolved {
		t.Fatalf("unverified reply: %+v, status %s", res, tk.Status)
	}
	if last := es[len(es)-1]; last.Kind != tickets.KindNote || !strings.Contains(last.Body, "did not reopen") {
		t.Errorf("agents are not told: %s %q", last.Kind, last.Body)
	}
	// Her answer to the resolution notice names a Message-ID minted for
	// her: proof she received it.
	ids := tickets.MessageIDs{Secret: testSecret, Domain: "kemsos.go.id"}
	deliver(t, in, msg("Masih belum cair, mohon dicek lagi.", "From: siti@example.id", "Subject: Re: [#"+first.Ticket+"] Selesai",
		"Message-ID: <r5@example.id>", "In-Reply-To: <"+ids.New(first.Ticket, 9, "siti@example.id")+">"))
	if tk, _ = thread(t, s, first.Ticket); tk.Status != tickets.StatusOpen {
		t.Errorf("verified reply: status %s", tk.Status)
	}
	// So does a DMARC pass reported by the receiving server.
	s.SetStatus(bg, tk.ID, tickets.System, tickets.StatusClosed)
	deliver(t, in, authenticated(msg("Sekali lagi.", "From: siti@example.id", "Subject: [#"+first.Ticket+"]", "Message-ID: <r6@example.id>"), "example.id"))
	if tk, _ = thread(t, s, first.Ticket); tk.Status != tickets.StatusOpen {
		t.Errorf("DMARC-verified reply: status %s", tk.Status)
	}
}

func TestOutOfOfficePingPongStaysQuiet(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	tk, _ := thread(t, s, first.Ticket)
	s.SetStatus(bg, tk.ID, tickets.System, tickets.StatusResolved)

	var quiet []bool
	s.AddHook(func(_ context.Context, _ *tickets.Tx, c *tickets.Change) error {
		quiet = append(quiet, c.Quiet)
		return nil
	})
	// Ten out-of-office answers to the helpdesk's notice, threading by
	// In-Reply-To: kept, quietly, without reopening.
	ids := tickets.MessageIDs{Secret: testSecret, Domain: "kemsos.go.id"}
	notice := ids.New(first.Ticket, 1, "siti@example.id")
	for i := 0; i < 10; i++ {
		res := deliver(t, in, msg("Saya sedang cuti sampai 1 Desember.", "From: siti@example.id",
			"Subject: Balasan otomatis: [#"+first.Ticket+"] Bantuan PKH", "Auto-Submitted: auto-replied",
			fmt.Sprintf("Message-ID: <ooo%d@example.id>", i), "In-Reply-To: <"+notice+">"))
		if res.Outcome != OutcomeReply {
			t.Fatalf("auto-reply %d: %+v", i, res)
		}
	}
	for _, q := range quiet {
		if !q {
			t.Error("an auto-reply was not marked quiet: the outbox would answer it")
		}
	}
	if tk, _ = thread(t, s, first.Ticket); tk.Status != tickets.StatusResolved {
		t.Errorf("auto-replies reopened the ticket: %s", tk.Status)
	}
	// One that threads nowhere opens nothing, and is listed for agents.
	res := deliver(t, in, msg("Out of office", "From: x@example.id", "Subject: Out of Office: hello", "Auto-Submitted: auto-replied", "Message-ID: <ooo-x@example.id>"))
	if res.Outcome != OutcomeAutomatic || res.Ticket != "" {
		t.Errorf("unthreaded auto-reply %+v", res)
	}
	list, _, err := in.Unfiled(bg, UnfiledFilter{Outcome: OutcomeAutomatic})
	if err != nil || len(list) != 1 || list[0].Sender != "x@example.id" || list[0].Note == "" {
		t.Errorf("the automatic mail list: %+v %v", list, err)
	}
}

func TestLoopsFromOurOwnMailAreIgnored(t *testing.T) {
	in, _, _ := newTestIntake(t)
	ids := tickets.MessageIDs{Secret: testSecret, Domain: "kemsos.go.id"}
	for _, raw := range [][]byte{
		msg("notice", "From: Helpdesk <HELPDESK@kemsos.go.id>", "Subject: [#123456] x", "Message-ID: <a@kemsos.go.id>"),
		msg("notice", "From: relay@example.id", "Subject: x", "Message-ID: <"+ids.New("123456", 3, "someone@example.id")+">"),
	} {
		if res := deliver(t, in, raw); res.Outcome != OutcomeIgnored {
			t.Errorf("loop not ignored: %+v", res)
		}
	}
	if n := count(t, in.store.DB(), `SELECT count(*) FROM tickets`); n != 0 {
		t.Errorf("%d tickets from loops", n)
	}
}

func TestBounceAttachesToTicketAndMarksAddress(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	ids := tickets.MessageIDs{Secret: testSecret, Domain: "kemsos.go.id"}
	notice := ids.New(first.Ticket, 2, "kabid@dinsos-klaten.go.id")
	dsn := "From: MAILER-DAEMON@mx.example.id\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <bounce1@mx.example.id>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.id\r\n\r\n" +
		"Final-Recipient: rfc822; kabid@dinsos-klaten.go.id\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + notice + ">\r\nSubject: [#" + first.Ticket + "] x\r\n--b--\r\n"
	res := deliver(t, in, []byte(dsn))
	if res.Outcome != OutcomeBounce || res.Ticket != first.Ticket {
		t.Fatalf("bounce %+v", res)
	}
	_, es := thread(t, s, first.Ticket)
	last := es[len(es)-1]
	if last.Kind != tickets.KindNote || !strings.Contains(last.Body, "kabid@dinsos-klaten.go.id") || !strings.Contains(last.Body, "5.1.1") {
		t.Errorf("bounce note %s %q", last.Kind, last.Body)
	}
	u, _ := s.UserByEmail(bg, "kabid@dinsos-klaten.go.id")
	if !u.BouncingAt.Valid {
		t.Error("bouncing address not marked")
	}
	if n := count(t, in.store.DB(), `SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("a bounce opened a ticket: %d tickets", n)
	}
	orphan := strings.ReplaceAll(strings.ReplaceAll(dsn, notice, "unknown@elsewhere"), "bounce1@", "bounce2@")
	if res := deliver(t, in, []byte(orphan)); res.Outcome != OutcomeBounce || res.Ticket != "" {
		t.Errorf("orphan bounce %+v", res)
	}
}

func TestForgedBounceMarksNobody(t *testing.T) {
	in, s, _ := newTestIntake(t)
	first := deliver(t, in, newComplaint("c1@example.id"))
	ids := tickets.MessageIDs{Secret: testSecret, Domain: "kemsos.go.id"}
	report := func(id, failed, mid string) []byte {
		return []byte("From: MAILER-DAEMON@mx.attacker.example\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Undelivered Mail\r\n" +
			"Message-ID: <" + mid + ">\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.attacker.example\r\n\r\n" +
			"Final-Recipient: rfc822; " + failed + "\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
			"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + id + ">\r\n--b--\r\n")
	}
	// A report naming no mail we sent, and one naming a mail we sent to
	// someone else: neither marks the citizen.
	deliver(t, in, report("made-up@kemsos.go.id", "siti@example.id", "fb1@x"))
	deliver(t, in, report(ids.New(first.Ticket, 1, "kabid@dinsos-klaten.go.id"), "siti@example.id", "fb2@x"))
	if u, _ := s.UserByEmail(bg, "siti@example.id"); u.BouncingAt.Valid {
		t.Fatal("a forged delivery report marked the citizen as bouncing")
	}
	list, _, _ := in.Unfiled(bg, UnfiledFilter{Outcome: OutcomeBounce})
	if len(list) != 1 || !strings.Contains(list[0].Note, "names no mail the helpdesk sent") {
		t.Errorf("the report about nothing we sent is not listed with its reason: %+v", list)
	}
}

func TestAgentReplyBecomesResponse(t *testing.T) {
	in, s, _ := newTestIntake(t)
	agent, err := s.CreateAgent(bg, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}})
	if err != nil {
		t.Fatal(err)
	}
	first := deliver(t, in, newComplaint("c1@example.id"))
	ids := tickets.MessageIDs{Secret: testSecret, Domain: "kemsos.go.id"}
	alert := ids.New(first.Ticket, 1, "budi@kemsos.go.id")
	res := deliver(t, in, msg("Sudah kami teruskan ke Dinsos Klaten.\n\n##- Ketik balasan di atas baris ini -##\nTiket baru dari Siti...",
		"From: Budi <budi@kemsos.go.id>", "Subject: Re: [#"+first.Ticket+"] Bantuan PKH", "Message-ID: <a1@kemsos.go.id>", "References: <"+alert+">"))
	if res.Outcome != OutcomeResponse {
		t.Fatalf("agent reply %+v", res)
	}
	tk, es := thread(t, s, first.Ticket)
	var resp *tickets.Entry
	for i := range es {
		if es[i].Kind == tickets.KindResponse {
			resp = &es[i]
		}
	}
	if resp == nil || resp.AgentID.Int64 != int64(agent.ID) || resp.Body != "Sudah kami teruskan ke Dinsos Klaten." {
		t.Errorf("response %+v", resp)
	}
	if tk.AssigneeID.Int64 != int64(agent.ID) || !tk.LastResponseAt.Valid {
		t.Errorf("assignee %v last response %v", tk.AssigneeID, tk.LastResponseAt)
	}
}

func TestStaffForwardOpensTicketForOriginalSender(t *testing.T) {
	in, s, _ := newTestIntake(t)
	agent, _ := s.CreateAgent(bg, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}})
	raw := authenticated(msg("Mohon ditindaklanjuti.\n\n---------- Pesan terusan ----------\nDari: Kepala Dinas Sosial <kadinsos@klatenkab.go.id>\n"+
		"Tanggal: Rab, 25 Nov 2026 10.00\nSubjek: Permintaan pindah alamat VPN\nKepada: budi@kemsos.go.id\n\n"+
		"Dengan hormat, mohon pemindahan jaringan VPN kantor PPKH.\n",
		"From: Budi <budi@kemsos.go.id>", "To: helpdesk@kemsos.go.id", "Subject: Fwd: Permintaan pindah alamat VPN", "Message-ID: <f1@kemsos.go.id>"), "kemsos.go.id")
	res := deliver(t, in, raw)
	if res.Outcome != OutcomeForward {
		t.Fatalf("forward %+v", res)
	}
	tk, es := thread(t, s, res.Ticket)
	if tk.OwnerEmail != "kadinsos@klatenkab.go.id" || !tk.ForwardedBy.Valid || tk.ForwardedBy.Int64 != int64(agent.ID) {
		t.Errorf("owner %s forwarded by %v", tk.OwnerEmail, tk.ForwardedBy)
	}
	if tk.Subject != "Permintaan pindah alamat VPN" || !strings.Contains(es[0].Body, "pemindahan jaringan VPN") {
		t.Errorf("subject %q body %q", tk.Subject, es[0].Body)
	}
	ev := es[len(es)-1]
	if !strings.Contains(ev.Body, "forwarded by Budi") {
		t.Errorf("event %q", ev.Body)
	}
}

func TestAgentForwardWithoutOriginalSenderIsTheAgents(t *testing.T) {
	in, s, _ := newTestIntake(t)
	s.CreateAgent(bg, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}})
	res := deliver(t, in, authenticated(msg("lihat di bawah", "From: budi@kemsos.go.id", "Subject: Fwd: surat", "Message-ID: <f2@kemsos.go.id>"), "kemsos.go.id"))
	tk, _ := thread(t, s, res.Ticket)
	if res.Outcome != OutcomeForward || tk.OwnerEmail != "budi@kemsos.go.id" {
		t.Errorf("%+v owner %s", res, tk.OwnerEmail)
	}
}

func TestRouteByRecipientAddress(t *testing.T) {
	in, s, _ := newTestIntake(t)
	if err := s.AddRoute(bg, "SIKS-NG@kemsos.go.id", "Aplikasi SIKS-NG"); err != nil {
		t.Fatal(err)
	}
	res := deliver(t, in, msg("Aplikasi error saat login", "From: operator@dinsos.id", "To: siks-ng@kemsos.go.id", "Subject: Tidak bisa login", "Message-ID: <s1@dinsos.id>"))
	tk, _ := thread(t, s, res.Ticket)
	if tk.TopicName.String != "Aplikasi SIKS-NG" {
		t.Errorf("topic %q", tk.TopicName.String)
	}
}

// A mailbox's own topic (?topic= on its URL) files the mail no address
// route claims; a route still wins, and a topic retired since is no
// reason to lose the letter.
func TestMailboxTopicFilesUnroutedMail(t *testing.T) {
	in, s, _ := newTestIntake(t)
	if err := s.AddRoute(bg, "siks-ng@kemsos.go.id", "Aplikasi SIKS-NG"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ to, topic, want string }{
		{"pengaduan@kemsos.go.id", "Data Terpadu", "Data Terpadu"},
		{"siks-ng@kemsos.go.id", "Data Terpadu", "Aplikasi SIKS-NG"},
		{"pengaduan@kemsos.go.id", "Topik Lama", ""},
	} {
		raw := msg("Data saya belum masuk DTKS", "From: warga@example.id", "To: "+c.to, "Subject: DTKS "+c.topic,
			"Message-ID: <"+strings.ReplaceAll(c.to+c.topic, " ", "")+">")
		res, err := in.Deliver(bg, raw, Source{Mailbox: "imap://pengaduan@mail.kemsos.go.id/INBOX", Topic: c.topic})
		if err != nil || res.Outcome != OutcomeOpened {
			t.Fatalf("to %s, mailbox topic %s: %+v %v", c.to, c.topic, res, err)
		}
		tk, _ := thread(t, s, res.Ticket)
		if tk.TopicName.String != c.want {
			t.Errorf("to %s, mailbox topic %s: filed under %q, want %q", c.to, c.topic, tk.TopicName.String, c.want)
		}
	}
}

func TestUnreadableAndOversizeMailIsKept(t *testing.T) {
	in, s, db := newTestIntake(t)
	in.max = 64 << 10
	big := msg(strings.Repeat("lampiran besar ", 10000), "From: w@example.id", "Subject: Surat besar", "Message-ID: <big@example.id>")
	res := deliver(t, in, big)
	_, es := thread(t, s, res.Ticket)
	if res.Outcome != OutcomeOpened || !strings.Contains(es[0].Body, "over the") {
		t.Errorf("oversize: %+v %q", res, es[0].Body)
	}
	var size int64
	var stored int
	db.QueryRow(`SELECT size, length(raw) FROM inbound_messages WHERE id = $1`, res.InboundID).Scan(&size, &stored)
	if size != int64(len(big)) || stored >= len(big) {
		t.Errorf("stored %d of %d bytes", stored, size)
	}

	garbage := []byte("\x00\x01\x02 not mail at all \xff\xfe")
	res = deliver(t, in, garbage)
	tk, es := thread(t, s, res.Ticket)
	if res.Ticket == "" || tk.OwnerEmail != unknownSender {
		t.Fatalf("garbage: %+v", res)
	}
	var raw []byte
	db.QueryRow(`SELECT raw FROM inbound_messages WHERE id = $1`, res.InboundID).Scan(&raw)
	if string(raw) != string(garbage) || len(es) == 0 {
		t.Error("raw bytes not kept")
	}
}

// TestCorpusIngestsWithoutError delivers every message of the corpus: each
// is stored once, none errors, none panics.
func TestCorpusIngestsWithoutError(t *testing.T) {
	in, _, _ := newTestIntake(t)
	files := corpusFiles(t)
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join("testdata/corpus", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Deliver(bg, raw, Source{Mailbox: "corpus"}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	stored := count(t, in.store.DB(), `SELECT count(*) FROM inbound_messages`)
	failed := count(t, in.store.DB(), `SELECT count(*) FROM inbound_messages WHERE outcome = 'failed'`)
	t.Logf("%d files, %d stored (duplicates share a Message-ID), %d failed", len(files), stored, failed)
	if stored == 0 || failed > 0 {
		var notes []string
		in.store.DB().Select(&notes, `SELECT note FROM inbound_messages WHERE outcome = 'failed'`)
		t.Errorf("%d failed: %v", failed, notes)
	}
}

func TestHugeCcListIsCappedAndSaidSo(t *testing.T) {
	in, s, _ := newTestIntake(t)
	var cc []string
	for i := 0; i < 300; i++ {
		cc = append(cc, fmt.Sprintf("p%d@example.id", i))
	}
	res := deliver(t, in, msg("Tolong.", "From: w@example.id", "To: helpdesk@kemsos.go.id", "Cc: "+strings.Join(cc, ", "),
		"Subject: Banyak tembusan", "Message-ID: <cc@example.id>"))
	tk, es := thread(t, s, res.Ticket)
	if len(tk.Collaborators) != tickets.MaxCollaborators || !strings.Contains(es[0].Body, "250 more addresses") {
		t.Errorf("%d collaborators; body %q", len(tk.Collaborators), es[0].Body)
	}
}

// TestReusedMessageIDIsStoredAsItsOwnLetter: two different letters with
// one Message-ID (a broken mailer) are both stored and filed; the same
// letter again, through another route, is a duplicate.
func TestReusedMessageIDIsStoredAsItsOwnLetter(t *testing.T) {
	in, s, db := newTestIntake(t)
	one, err := os.ReadFile("testdata/mail/reused-msgid-1.eml")
	if err != nil {
		t.Fatal(err)
	}
	two, err := os.ReadFile("testdata/mail/reused-msgid-2.eml")
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := deliver(t, in, one), deliver(t, in, two)
	if r2.Duplicate || r2.Ticket == "" || r2.Ticket == r1.Ticket {
		t.Fatalf("the second letter was lost or merged: %+v (first %+v)", r2, r1)
	}
	again, err := in.Deliver(bg, append([]byte("Received: from relay\r\n"), two...), Source{Mailbox: "pipe"})
	if err != nil || !again.Duplicate || again.Ticket != r2.Ticket {
		t.Errorf("the second letter again: %+v %v", again, err)
	}
	if n := count(t, db, `SELECT count(*) FROM inbound_messages`); n != 2 {
		t.Errorf("%d stored, want 2", n)
	}
	_, es := thread(t, s, r2.Ticket)
	if last := es[len(es)-1]; !strings.Contains(last.Body, "carries the Message-ID") {
		t.Errorf("no note for agents on the second letter's ticket: %q", last.Body)
	}
	// A reply naming the Message-ID goes to the first letter's ticket.
	reply := deliver(t, in, msg("Tambahan.", "From: siti@example.id", "Subject: Re: Bantuan", "Message-ID: <r-reuse@example.id>",
		"In-Reply-To: <20250307080000.GA1234@mail.example.id>"))
	if reply.Ticket != r1.Ticket {
		t.Errorf("the reply went to %s, want the first letter's %s", reply.Ticket, r1.Ticket)
	}
}

// TestMailAskingForNoAutoReplyStillGetsAgentsAlerted: X-Auto-Response-
// Suppress is honoured for the citizen, and the ticket is a normal one.
func TestMailAskingForNoAutoReplyIsATicketWithoutAutoresponse(t *testing.T) {
	in, s, _ := newTestIntake(t)
	raw, err := os.ReadFile("testdata/mail/suppress-all-human.eml")
	if err != nil {
		t.Fatal(err)
	}
	var changes []*tickets.Change
	s.AddHook(func(_ context.Context, _ *tickets.Tx, c *tickets.Change) error {
		changes = append(changes, c)
		return nil
	})
	res := deliver(t, in, raw)
	if res.Outcome != OutcomeOpened || len(changes) != 1 || changes[0].Quiet || changes[0].NoReply == "" {
		t.Fatalf("%+v; changes %+v", res, changes)
	}
}

// TestLongAndRandomMailBecomesATicket: a text just over the limit, and a
// megabyte of random bytes, each become a ticket (cut, with a note), never
// "stored" with nothing to show for it.
func TestLongAndRandomMailBecomesATicket(t *testing.T) {
	in, s, db := newTestIntake(t)
	long := msg(strings.Repeat("Bantuan sosial kami belum cair. ", 36000), "From: w@example.id", "Subject: Panjang", "Message-ID: <long@example.id>")
	if len(long) < 1100<<10 {
		t.Fatalf("only %d bytes", len(long))
	}
	random := make([]byte, 1<<20)
	rand.Read(random)
	for _, raw := range [][]byte{long, random} {
		res := deliver(t, in, raw)
		if res.Ticket == "" || res.Outcome == OutcomeFailed {
			var note string
			db.Get(&note, `SELECT note FROM inbound_messages WHERE id = $1`, res.InboundID)
			t.Fatalf("%d bytes: %+v %q", len(raw), res, note)
		}
		_, es := thread(t, s, res.Ticket)
		if len(es[0].Body) > tickets.MaxBody {
			t.Errorf("entry of %d bytes", len(es[0].Body))
		}
	}
	_, es := thread(t, s, deliver(t, in, long).Ticket)
	if !strings.Contains(es[0].Body, "cut") {
		t.Errorf("the long text does not say it was cut: %q", es[0].Body[len(es[0].Body)-300:])
	}
}

// TestPipelineLetsGoOfWhatItStored: an archive's pipeline keeps, once a
// group is stored, neither its bytes nor the thread keys naming it, so
// that importing ten years of mail holds a few groups in memory, not the
// archive (it held all of it: 3 GB for a 376 MB mbox in hdbench).
func TestPipelineLetsGoOfWhatItStored(t *testing.T) {
	in, _, _ := newTestIntake(t)
	p := in.NewPipeline(bg, "mbox:test")
	const n = 60
	for i := range n {
		p.Add(msg(fmt.Sprintf("Surat ke-%d", i), fmt.Sprintf("From: warga%d@example.id", i%7),
			fmt.Sprintf("Subject: Bantuan %d", i), fmt.Sprintf("Message-ID: <arsip-%d@example.id>", i)))
	}
	stored, _, err := p.Wait()
	if err != nil || stored != n {
		t.Fatalf("stored %d of %d: %v", stored, n, err)
	}
	if len(p.c.byID) != 0 || len(p.c.byFrom) != 0 || p.c.held != 0 {
		t.Errorf("after the import the pipeline still names %d Message-IDs and %d senders, %d bytes held",
			len(p.c.byID), len(p.c.byFrom), p.c.held)
	}
}

// TestHandOffCutShortStoresNothing: a pipe that dies in the middle of its
// message gets TEMP, and nothing is stored: the MTA's retry is the letter,
// not a second copy beside a truncated one.
func TestHandOffCutShortStoresNothing(t *testing.T) {
	in, _, db := newTestIntake(t)
	path := filepath.Join(t.TempDir(), "ingest.sock")
	srv, err := ListenSocket(path, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })
	raw := msg("Bansos belum cair sejak Maret", "From: warga@example.id", "Subject: Bansos", "Message-ID: <cut@example.id>")
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%s pipe 0 %d %d\n", socketMagic, len(raw), len(raw))
	c.Write(raw[:len(raw)/2])
	c.(*net.UnixConn).CloseWrite()
	answer, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(answer), "TEMP") {
		t.Errorf("answer %q to a message cut short, want TEMP", answer)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM inbound_messages`).Scan(&n)
	if n != 0 {
		t.Errorf("%d messages stored from a message cut short", n)
	}
}
