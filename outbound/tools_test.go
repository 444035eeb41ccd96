package outbound_test

// Ticket tools (issue 12) as the mailboxes see them: one mail with Cc,
// alerts when a citizen writes, the merge and transfer notices, and
// reasons translated from codes.

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/kemsos/helpdesk/internal/smtpsink"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

// headerOf reads one address header of a sent mail.
func headerOf(t *testing.T, m smtpsink.Mail, field string) []string {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	as, _ := mr.Header.AddressList(field)
	var out []string
	for _, a := range as {
		out = append(out, a.Address)
	}
	return out
}

func TestResponseIsOneMailWithCcDeliveredAsACopyEach(t *testing.T) {
	r := newRig(t)
	tk, _, err := r.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: "siti@example.id", Name: "Siti"}, Subject: "Rapat",
		Body: "Mohon bahan rapat.", Source: tickets.SourceAPI,
		Collaborators: []tickets.Address{{Email: "kades@desa.example", Name: "Kades"}, {Email: "sekdes@desa.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	r.flush()
	before := len(r.sink.Mails())
	agent, _ := r.store.AgentByEmail(bg, "budi@kemsos.go.id")
	if _, err := r.store.Respond(bg, tk.ID, agent, tickets.Post{Body: "Terlampir."}); err != nil {
		t.Fatal(err)
	}
	r.flush()
	ms := r.sink.WaitFor(before+3, 5*time.Second)[before:]
	if len(ms) != 3 {
		t.Fatalf("%d mails, want a copy for each of 3 people", len(ms))
	}
	ids := map[string]bool{}
	tokens := map[string]bool{}
	for _, m := range ms {
		if len(m.To) != 1 {
			t.Fatalf("envelope %v: one recipient a copy", m.To)
		}
		rcpt := m.To[0]
		if to := headerOf(t, m, "To"); strings.Join(to, ",") != "siti@example.id" {
			t.Errorf("%s reads To: %v", rcpt, to)
		}
		if cc := headerOf(t, m, "Cc"); strings.Join(cc, ",") != "kades@desa.example,sekdes@desa.example" {
			t.Errorf("%s reads Cc: %v", rcpt, cc)
		}
		p := parse(t, m)
		if !(tickets.MessageIDs{Secret: secret, Domain: "kemsos.go.id"}).SentTo(p.messageID, rcpt) {
			t.Errorf("%s's copy carries a Message-ID not signed for them: %s", rcpt, p.messageID)
		}
		ids[p.messageID] = true
		i := strings.Index(p.text, "token=")
		if i < 0 {
			t.Fatalf("%s's copy has no progress link", rcpt)
		}
		tok, _ := url.QueryUnescape(strings.Fields(p.text[i+6:])[0])
		u, _ := r.store.UserByEmail(bg, rcpt)
		if uid, err := tickets.VerifyGuestToken(secret, tok, tk, time.Now()); err != nil || uid != u.ID {
			t.Errorf("%s's progress link is not theirs: %d %v", rcpt, uid, err)
		}
		tokens[tok] = true
	}
	if len(ids) != 3 || len(tokens) != 3 {
		t.Errorf("%d Message-IDs and %d links for 3 copies", len(ids), len(tokens))
	}
}

func TestCitizenMessageAlertsTheAssigneeElseTheDepartment(t *testing.T) {
	r := newRig(t)
	sari, _ := r.store.CreateAgent(bg, tickets.NewAgent{Email: "sari@kemsos.go.id", Name: "Sari", Departments: []string{"Support"}})
	tk := r.open("siti@example.id")
	owner, _ := r.store.UserByEmail(bg, "siti@example.id")
	r.flush()
	before := len(r.sink.Mails())
	if _, err := r.store.AddMessage(bg, tk.ID, owner, tickets.Post{Body: "Ini kartu keluarga kami.", Source: tickets.SourceWeb,
		Attachments: []tickets.NewAttachment{{Name: "kk.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}}}); err != nil {
		t.Fatal(err)
	}
	r.flush()
	got := byRecipient(t, r.sink.WaitFor(before+2, 5*time.Second)[before:])
	for _, a := range []string{"budi@kemsos.go.id", "sari@kemsos.go.id"} {
		m := got[a]
		if len(m) != 1 || !strings.Contains(m[0].subject, "Pesan baru") || !strings.Contains(m[0].text, "Siti Aminah <siti@example.id>") ||
			!strings.Contains(m[0].text, "kk.pdf") || !strings.Contains(m[0].text, "Ini kartu keluarga kami.") {
			t.Errorf("alert to %s: %+v", a, m)
		}
	}
	// Claimed: only the assignee. A reply that reopens says so.
	if err := r.store.Claim(bg, tk.ID, sari); err != nil {
		t.Fatal(err)
	}
	if err := r.store.SetStatus(bg, tk.ID, tickets.AgentActor(sari), tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	r.flush()
	before = len(r.sink.Mails())
	if _, err := r.store.AddMessage(bg, tk.ID, owner, tickets.Post{Body: "Belum beres.", Source: tickets.SourceWeb}); err != nil {
		t.Fatal(err)
	}
	r.flush()
	time.Sleep(200 * time.Millisecond)
	got = byRecipient(t, r.sink.Mails()[before:])
	if len(got["budi@kemsos.go.id"]) != 0 || len(got["sari@kemsos.go.id"]) != 1 || !strings.Contains(got["sari@kemsos.go.id"][0].subject, "dibuka kembali") {
		t.Errorf("after the claim: %v", got)
	}
}

func TestMergeTellsTheOldTicketsPeopleWithTheirNewLink(t *testing.T) {
	r := newRig(t)
	dst := r.open("siti@example.id")
	src := r.open("kades@desa.example")
	r.flush()
	// A notice held on the old ticket shows on the new one.
	r.db.MustExec(`INSERT INTO outbox (kind, message_id, ticket_id, recipient, sender, data, status, last_error)
		VALUES ('status_closed', 'held-1@x', $1, 'kades@desa.example', 'helpdesk@kemsos.go.id', '', 'suppressed', 'the sender''s address could not be read')`, src.ID)
	before := len(r.sink.Mails())
	if _, err := r.store.Merge(bg, tickets.System, src.Number, dst.Number); err != nil {
		t.Fatal(err)
	}
	r.flush()
	ms := r.sink.WaitFor(before+1, 5*time.Second)[before:]
	p := parse(t, ms[0])
	if p.to != "kades@desa.example" || !strings.Contains(p.subject, "[#"+dst.Number+"]") ||
		!strings.Contains(p.text, "#"+src.Number) || !strings.Contains(p.text, "/t/"+dst.Number+"?token=") {
		t.Errorf("merge notice %+v", p)
	}
	ps, err := r.ob.Problems(bg, dst.ID)
	if err != nil || len(ps) != 1 || ps[0].Code != outbound.ReasonNoSender {
		t.Errorf("problems on the new ticket: %+v %v", ps, err)
	}
}

func TestTransferToldToTheCitizenOnlyWhenAsked(t *testing.T) {
	r := newRig(t)
	jar, _ := r.store.CreateDepartment(bg, "Jaringan")
	tk := r.open("siti@example.id")
	r.flush()
	before := len(r.sink.Mails())
	if err := r.store.Transfer(bg, tk.ID, tickets.System, jar.ID, "VPN rusak"); err != nil {
		t.Fatal(err)
	}
	r.flush()
	time.Sleep(200 * time.Millisecond)
	if got := byRecipient(t, r.sink.Mails()[before:]); len(got["siti@example.id"]) != 0 {
		t.Fatalf("the citizen was told of an internal transfer: %+v", got["siti@example.id"])
	}
	if err := r.store.TransferTelling(bg, tk.ID, tickets.System, 1, "Kembali ke layanan umum", true); err != nil {
		t.Fatal(err)
	}
	r.flush()
	ms := r.sink.WaitFor(before+1, 5*time.Second)
	got := byRecipient(t, ms[before:])["siti@example.id"]
	if len(got) != 1 || !strings.Contains(got[0].text, "Kembali ke layanan umum") || !strings.Contains(got[0].text, "Support") {
		t.Errorf("told transfer: %+v", got)
	}
}

func TestReasonCodesOfTheIntakesWords(t *testing.T) {
	for text, want := range map[string]string{
		"the mail was automatic (Auto-Submitted: auto-replied): the helpdesk does not answer it":       outbound.ReasonAutomatic,
		"the mail had an empty Return-Path (a delivery notice): the helpdesk does not answer it":       outbound.ReasonEmptyPath,
		"the mail asked not to be answered automatically (X-Auto-Response-Suppress)":                   outbound.ReasonNoAutoreply,
		"the sender's address could not be read":                                                       outbound.ReasonNoSender,
		"the same text came from this address 3 times in an hour: a mail loop, so no autoresponse":     outbound.ReasonRepeatedText,
		"the helpdesk could not file the mail normally":                                                outbound.ReasonUnfiled,
		"loop guard: 25 mails to this address":                                                         outbound.ReasonLoop,
		"mail to this address bounced on 2026-01-02: no automatic mail to it until it writes in again": outbound.ReasonBouncing,
		"something nobody foresaw": outbound.ReasonUnknown,
	} {
		if got, _ := outbound.ReasonCode("suppressed", text); got != want {
			t.Errorf("%q: %s, want %s", text, got, want)
		}
	}
	if code, args := outbound.ReasonCode("failed", "550 5.1.1 user unknown"); code != outbound.ReasonServer || args[0] != "550 5.1.1 user unknown" {
		t.Errorf("server refusal: %s %v", code, args)
	}
}
