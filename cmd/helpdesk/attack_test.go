package main

// The attack suite: each test plays an attacker against a whole helpdesk
// (mail in over SMTP, notices out over SMTP, the web over HTTP) and
// asserts that the attacker's goal failed, not merely that some check ran.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/tickets"
)

var bgc = context.Background()

// The attacker writes From: the agent, with the ticket's token, hoping the
// helpdesk mails his words to the citizen as the agent's response.
func TestAttackForgedAgentFromCannotSpeakToACitizen(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	e.send(e.letter("Bantuan Anda dibatalkan. Kirim data KTP dan PIN ke nomor 0812-0000-0000.",
		"From: Budi <budi@kemsos.go.id>", "To: helpdesk@kemsos.go.id", "Subject: Re: [#"+tk.Number+"] Bantuan PKH belum cair"))
	ms := e.flush()
	for _, m := range to(ms, "siti@desa.example") {
		if strings.Contains(m.text, "dibatalkan") {
			t.Fatalf("the citizen received the attacker's words from the helpdesk:\n%s", m.text)
		}
	}
	for _, en := range e.entries(tk) {
		if en.Kind == tickets.KindResponse {
			t.Fatalf("the forged mail became a public response: %q", en.Body)
		}
	}
	last := e.entries(tk)[len(e.entries(tk))-1]
	if last.Kind != tickets.KindNote || !strings.Contains(last.Body, "Unverified mail from budi@kemsos.go.id") || last.Auth.String != "none" {
		t.Errorf("the mail is not kept as an unverified internal note: %s %q %v", last.Kind, last.Body, last.Auth)
	}
	if tk = e.reload(tk); tk.AssigneeID.Valid || tk.Status != tickets.StatusOpen {
		t.Errorf("the forged mail changed the ticket: assignee %v status %s", tk.AssigneeID, tk.Status)
	}
	// The real agent is told, at his real address.
	if a := alertTo(t, ms, "budi@kemsos.go.id", tk); !strings.Contains(a.subject, "tidak terverifikasi") {
		t.Errorf("the agent's alert: %q", a.subject)
	}
	// And sees why on the ticket.
	if r := e.budiB.get("/agent/tickets/" + tk.Number); !strings.Contains(r.body, "Tidak terverifikasi") {
		t.Errorf("the ticket page does not show the mail as not verified")
	}
}

// Commands at the top of a forged mail change nothing either.
func TestAttackForgedAgentCommandsChangeNothing(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	e.send(e.letter("#status closed\n#transfer Support: bukan urusan kami\n#assign budi@kemsos.go.id\n\nDitutup.",
		"From: budi@kemsos.go.id", "Subject: [#"+tk.Number+"]"))
	e.flush()
	if nt := e.reload(tk); nt.Status != tickets.StatusOpen || nt.AssigneeID.Valid || fmt.Sprint(e.events(tk)) != "[created]" {
		t.Errorf("forged commands acted: status %s assignee %v, events %v", nt.Status, nt.AssigneeID, e.events(tk))
	}
}

// A forged agent "forward" must not open a ticket on behalf of a victim,
// who would receive an official autoresponse with the attacker's subject.
func TestAttackForgedAgentForwardOpensNothingForTheVictim(t *testing.T) {
	e := newAttackEnv(t)
	e.send(e.letter("---------- Pesan terusan ----------\nDari: Korban <korban@desa.example>\nSubjek: Bantuan Anda DIBLOKIR, hubungi 0812-0000\n\nisi",
		"From: budi@kemsos.go.id", "Subject: Fwd: Bantuan Anda DIBLOKIR, hubungi 0812-0000"))
	ms := e.flush()
	if got := to(ms, "korban@desa.example"); len(got) != 0 {
		t.Fatalf("the victim received %q from the helpdesk", got[0].subject)
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM tickets t JOIN users u ON u.id = t.owner_id WHERE u.email = 'korban@desa.example'`)
	if n != 0 {
		t.Fatal("a ticket was opened on the victim's behalf")
	}
	list, _, _ := e.in.Unfiled(bgc, ingest.UnfiledFilter{Outcome: ingest.OutcomeUnverified})
	if len(list) != 1 {
		t.Fatalf("the forged forward is not listed as unverified mail: %+v", list)
	}
	if r := e.budiB.get("/agent/mail?outcome=unverified"); !strings.Contains(r.body, "DIBLOKIR") {
		t.Error("agents cannot see the unverified mail")
	}
	if len(to(ms, "budi@kemsos.go.id")) != 1 {
		t.Error("the agent whose address was used is not told")
	}
}

// The same forward, signed by the ministry's server, works: the ticket is
// the original sender's.
func TestAgentForwardSignedByTheMinistryOpensForTheOriginalSender(t *testing.T) {
	e := newAttackEnv(t)
	e.send(e.signed(e.letter("Mohon ditindaklanjuti.\n\n---------- Pesan terusan ----------\nDari: Kepala Dinas <kadinsos@klaten.example>\nSubjek: Pindah alamat VPN\n\nMohon pindahkan VPN.",
		"From: Budi <budi@kemsos.go.id>", "To: helpdesk@kemsos.go.id", "Subject: Fwd: Pindah alamat VPN")))
	ms := e.flush()
	if len(to(ms, "kadinsos@klaten.example")) != 1 {
		t.Fatalf("the original sender got no autoresponse: %d mails", len(ms))
	}
	var owner string
	e.db.Get(&owner, `SELECT u.email FROM tickets t JOIN users u ON u.id = t.owner_id WHERE t.forwarded_by IS NOT NULL`)
	if owner != "kadinsos@klaten.example" {
		t.Errorf("owner %q", owner)
	}
}

// The attacker writes as the citizen, to reopen her resolved ticket.
func TestAttackForgedCitizenReplyDoesNotReopenHerTicket(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	if err := e.store.SetStatus(bgc, tk.ID, tickets.AgentActor(e.budi), tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	e.flush()
	e.send(e.letter("Buka lagi.", "From: siti@desa.example", "Subject: Re: [#"+tk.Number+"]"))
	if nt := e.reload(tk); nt.Status != tickets.StatusResolved {
		t.Fatalf("a forged reply reopened the ticket: %s", nt.Status)
	}
	if got := to(e.flush(), "siti@desa.example"); len(got) != 0 {
		t.Errorf("the citizen got %q", got[0].subject)
	}
}

// Her genuine reply to the mail the helpdesk sent her reopens it.
func TestCitizenReplyToOurMailReopensByPossession(t *testing.T) {
	e := newAttackEnv(t)
	tk, auto := e.citizenTicket()
	e.store.SetStatus(bgc, tk.ID, tickets.AgentActor(e.budi), tickets.StatusResolved)
	e.flush()
	e.send(e.letter("Belum selesai, masih belum cair.", "From: siti@desa.example", "Subject: Re: [#"+tk.Number+"] Bantuan PKH belum cair",
		"In-Reply-To: <"+auto.messageID+">"))
	if nt := e.reload(tk); nt.Status != tickets.StatusOpen {
		t.Fatalf("her reply to our mail did not reopen: %s", nt.Status)
	}
	es := e.entries(tk)
	var msg *tickets.Entry
	for i := range es {
		if es[i].Kind == tickets.KindMessage && strings.Contains(es[i].Body, "Belum selesai") {
			msg = &es[i]
		}
	}
	if msg == nil || msg.Auth.String != "possession" {
		t.Errorf("the reply's verdict: %+v", msg)
	}
}

// A stranger who got hold of a Message-ID of the citizen's thread (her own
// is often visible, in a forwarded copy or a mailing list) must not become
// a collaborator and receive her responses with her progress link.
func TestAttackStrangerNamingAThreadMessageIDDoesNotJoin(t *testing.T) {
	e := newAttackEnv(t)
	tk, auto := e.citizenTicket()
	var first string
	e.db.Get(&first, `SELECT message_id FROM entries WHERE ticket_id = $1 AND kind = 'message' ORDER BY id LIMIT 1`, tk.ID)
	for _, parent := range []string{first, auto.messageID} {
		e.send(e.letter("Saya juga.", "From: penyusup@attacker.example", "Subject: Re: Bantuan PKH", "In-Reply-To: <"+parent+">"))
	}
	if nt := e.reload(tk); len(nt.Collaborators) != 0 {
		t.Fatalf("the stranger joined the ticket: %v", nt.Collaborators)
	}
	if _, err := e.store.Respond(bgc, tk.ID, e.budi, tickets.Post{Body: "Sudah kami proses, Bu Siti."}); err != nil {
		t.Fatal(err)
	}
	ms := e.flush()
	for _, m := range to(ms, "penyusup@attacker.example") {
		if strings.Contains(m.text, "Bu Siti") || strings.Contains(m.text, "/t/"+tk.Number) {
			t.Fatalf("the stranger received the citizen's response or link:\n%s", m.text)
		}
	}
	var own []string
	e.db.Select(&own, `SELECT t.number FROM tickets t JOIN users u ON u.id = t.owner_id WHERE u.email = 'penyusup@attacker.example' AND t.refers_to = $1`, tk.ID)
	if len(own) != 2 {
		t.Errorf("the stranger's mails did not become tickets of their own referring to #%s: %v", tk.Number, own)
	}
}

// A stranger quoting the ticket's number gets a ticket of their own too.
func TestAttackStrangerQuotingATicketNumberDoesNotJoin(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	e.send(e.letter("Isi dari orang lain.", "From: penyusup@attacker.example", "Subject: Re: [#"+tk.Number+"] Bantuan PKH"))
	for _, en := range e.entries(tk) {
		if strings.Contains(en.Body, "orang lain") {
			t.Fatal("the stranger's text is on the citizen's ticket")
		}
	}
}

// The attacker files a ticket of his own under the Message-ID of a mail
// the ministry broadcast, hoping citizens' replies to it land with him.
func TestAttackPlantedMessageIDCapturesNoReplies(t *testing.T) {
	e := newAttackEnv(t)
	broadcast := "pengumuman-2026-12@kemsos.go.id"
	e.send(e.letter("Tiket saya.", "From: penyusup@attacker.example", "Subject: Pertanyaan", "Message-ID: <"+broadcast+">"))
	var mine int64
	e.db.Get(&mine, `SELECT id FROM tickets ORDER BY id DESC LIMIT 1`)
	e.send(e.letter("Data saya: NIK 3310xxxxxxxxxxxx, rekening 123.", "From: warga@desa.example", "Subject: Re: Pengumuman bansos",
		"In-Reply-To: <"+broadcast+">"))
	var n int
	e.db.Get(&n, `SELECT count(*) FROM entries WHERE ticket_id = $1 AND body LIKE '%NIK%'`, mine)
	if n != 0 {
		t.Fatal("a citizen's reply to the broadcast landed in the attacker's ticket")
	}
	for _, m := range to(e.flush(), "penyusup@attacker.example") {
		if strings.Contains(m.text, "NIK") {
			t.Fatal("the attacker was mailed the citizen's data")
		}
	}
}

// An agent moved to another department answers an old alert: he may no
// longer write into the ticket, by mail as in the panel.
func TestAgentMovedAwayCannotWriteIntoTheTicketByMail(t *testing.T) {
	e := newAttackEnv(t)
	if _, err := e.store.CreateDepartment(bgc, "Keuangan"); err != nil {
		t.Fatal(err)
	}
	tk, _ := e.citizenTicket()
	alert := alertTo(t, e.allSent(), "budi@kemsos.go.id", tk)
	admin, _ := e.store.CreateAgent(bgc, tickets.NewAgent{Email: "admin@kemsos.go.id", Name: "Admin", Admin: true})
	keu, _ := e.store.DepartmentByName(bgc, "Keuangan")
	if err := e.store.Transfer(bgc, tk.ID, tickets.AgentActor(admin), keu.ID, "soal dana"); err != nil {
		t.Fatal(err)
	}
	e.flush()
	e.send(e.signed(e.letter("Saya tetap jawab di sini.", "From: budi@kemsos.go.id", "Subject: Re: [#"+tk.Number+"]",
		"In-Reply-To: <"+alert.messageID+">")))
	for _, en := range e.entries(tk) {
		if strings.Contains(en.Body, "tetap jawab") {
			t.Fatalf("the agent wrote into a ticket of another department: %s %q", en.Kind, en.Body)
		}
	}
	ms := e.flush()
	if len(to(ms, "siti@desa.example")) != 0 {
		t.Error("the citizen received his words")
	}
	if m := to(ms, "budi@kemsos.go.id"); len(m) != 1 || !strings.Contains(m[0].subject, "tidak dicatat") {
		t.Errorf("the agent is not told why: %+v", m)
	}
}

// A collaborator's progress link is their own: what they write through it
// is theirs, and it is not the owner's link.
func TestAttackCollaboratorCannotActAsTheOwner(t *testing.T) {
	e := newAttackEnv(t)
	e.send(e.letter("Mohon dibantu.", "From: siti@desa.example", "Cc: kabid@dinsos.example", "Subject: Data DTKS"))
	var number string
	e.db.Get(&number, `SELECT number FROM tickets ORDER BY id DESC LIMIT 1`)
	tk, _ := e.store.TicketByNumber(bgc, number)
	e.flush()
	if _, err := e.store.Respond(bgc, tk.ID, e.budi, tickets.Post{Body: "Mohon lengkapi KK."}); err != nil {
		t.Fatal(err)
	}
	ms := e.flush()
	link := regexp.MustCompile(`http://localhost:8080(/t/\d+\?token=\S+)`)
	own, kabid := to(ms, "siti@desa.example"), to(ms, "kabid@dinsos.example")
	if len(own) != 1 || len(kabid) != 1 {
		t.Fatalf("response notices: %d to the owner, %d to the collaborator", len(own), len(kabid))
	}
	ownerLink, kabidLink := link.FindStringSubmatch(own[0].text), link.FindStringSubmatch(kabid[0].text)
	if ownerLink == nil || kabidLink == nil || ownerLink[1] == kabidLink[1] {
		t.Fatalf("the collaborator got the owner's link: %v %v", ownerLink, kabidLink)
	}
	b := e.browser()
	r := b.get(kabidLink[1])
	if r.code != http.StatusOK {
		t.Fatalf("the collaborator's link: %d", r.code)
	}
	tok, _ := url.ParseQuery(strings.SplitN(kabidLink[1], "?", 2)[1])
	b.post("/t/"+tk.Number+"/reply", url.Values{"token": {tok.Get("token")}, "message": {"Ini dari Kabid."}})
	var author string
	e.db.Get(&author, `SELECT u.email FROM entries en JOIN users u ON u.id = en.user_id WHERE en.ticket_id = $1 AND en.body = 'Ini dari Kabid.'`, tk.ID)
	if author != "kabid@dinsos.example" {
		t.Errorf("the collaborator's reply was filed as %q's", author)
	}
}

// A different letter that reuses another's Message-ID is stored and filed,
// never answered OK and lost.
func TestAttackReusedMessageIDLosesNoLetter(t *testing.T) {
	e := newAttackEnv(t)
	e.send(e.letter("Surat pertama.", "From: a@desa.example", "Subject: Satu", "Message-ID: <scanner-0001@printer.local>"))
	e.send(e.letter("Surat kedua, lain sama sekali.", "From: b@desa.example", "Subject: Dua", "Message-ID: <scanner-0001@printer.local>"))
	// The very same letter again is a duplicate.
	e.send(e.letter("Surat kedua, lain sama sekali.", "From: b@desa.example", "Subject: Dua", "Message-ID: <scanner-0001@printer.local>", "Date: "+"Mon, 30 Nov 2026 10:00:00 +0700"))
	var subjects []string
	e.db.Select(&subjects, `SELECT subject FROM tickets ORDER BY id`)
	if fmt.Sprint(subjects) != "[Satu Dua]" {
		t.Fatalf("tickets %v, want both letters filed once", subjects)
	}
	var note string
	e.db.Get(&note, `SELECT e.body FROM entries e JOIN tickets t ON t.id = e.ticket_id WHERE t.subject = 'Dua' AND e.kind = 'note'`)
	if !strings.Contains(note, "carries the Message-ID") {
		t.Errorf("no note about the reused Message-ID: %q", note)
	}
}

// Words in a subject never make a person's mail "automatic".
func TestHumanMailAboutAutoRepliesGetsATicketAndItsNumber(t *testing.T) {
	e := newAttackEnv(t)
	subjects := []string{"Auto reply email kemsos tidak berfungsi", "Out of office setting hilang", "Automatic reply: tidak muncul"}
	for i, s := range subjects {
		e.send(e.letter("Mohon bantuan.", fmt.Sprintf("From: pegawai%d@kemsos.example", i), "Subject: "+s))
	}
	// A request not to be answered automatically is honoured, but the
	// mail is a ticket like any other.
	e.send(e.letter("Mohon bantuan.", "From: outlook@kemsos.example", "Subject: Kuota email penuh", "X-Auto-Response-Suppress: All"))
	var n int
	e.db.Get(&n, `SELECT count(*) FROM tickets`)
	if n != 4 {
		t.Fatalf("%d tickets for 4 human mails", n)
	}
	ms := e.flush()
	for i := range subjects {
		if len(to(ms, fmt.Sprintf("pegawai%d@kemsos.example", i))) != 1 {
			t.Errorf("%q got no ticket number", subjects[i])
		}
	}
	if len(to(ms, "outlook@kemsos.example")) != 0 {
		t.Error("the mail that asked for no automatic answer got one")
	}
	var why string
	e.db.Get(&why, `SELECT last_error FROM outbox WHERE recipient = 'outlook@kemsos.example'`)
	if !strings.Contains(why, "X-Auto-Response-Suppress") {
		t.Errorf("the unsent autoresponse does not say why: %q", why)
	}
}

// A forged delivery report must not mark a citizen as bouncing (after
// which her next ticket would get no number by mail).
func TestAttackForgedBounceSilencesNobody(t *testing.T) {
	e := newAttackEnv(t)
	e.send(e.letter("Pertama.", "From: siti@desa.example", "Subject: Pertama"))
	e.flush()
	e.send([]byte("From: MAILER-DAEMON@mx.attacker.example\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Undelivered Mail\r\nMessage-ID: <forged-dsn@x>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n" +
		"Final-Recipient: rfc822; siti@desa.example\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"))
	e.send(e.letter("Kedua.", "From: siti@desa.example", "Subject: Kedua"))
	if got := to(e.flush(), "siti@desa.example"); len(got) != 1 {
		t.Fatalf("after a forged bounce the citizen got %d mails for her second ticket, want its number", len(got))
	}
}

// Twenty-five junk mails in an hour must not use up the agents' alerts.
func TestAttackJunkMailCannotSilenceAgentAlerts(t *testing.T) {
	e := newAttackEnv(t)
	for i := 0; i < 25; i++ {
		e.send(e.letter("beli obat murah", fmt.Sprintf("From: spam%d@junk.example", i), "Subject: promo"))
	}
	e.flush()
	e.send(e.letter("Data DTKS ibu saya hilang.", "From: warga@desa.example", "Subject: Data hilang"))
	if n, err := e.ob.SendDigests(bgc); err != nil || n != 1 {
		t.Fatalf("digests: %d %v", n, err)
	}
	found := false
	for _, m := range to(e.flush(), "budi@kemsos.go.id") {
		found = found || strings.Contains(m.text, "Data hilang")
	}
	if !found {
		t.Fatal("the agent never heard of the real complaint after the junk")
	}
	var dropped int
	e.db.Get(&dropped, `SELECT count(*) FROM outbox WHERE recipient = 'budi@kemsos.go.id' AND status = 'suppressed'`)
	if dropped != 0 {
		t.Errorf("%d agent alerts dropped", dropped)
	}
}

// A regional office writing ten letters in an hour gets every ticket
// number: the first few at once, the rest in one digest.
func TestOfficeWritingManyLettersGetsEveryTicketNumber(t *testing.T) {
	e := newAttackEnv(t)
	for i := 0; i < 10; i++ {
		e.send(e.letter(fmt.Sprintf("Laporan desa %d.", i), "From: dinsos@klaten.example", fmt.Sprintf("Subject: Laporan desa %d", i)))
	}
	e.ob.SendDigests(bgc)
	var text strings.Builder
	for _, m := range to(e.flush(), "dinsos@klaten.example") {
		text.WriteString(m.subject + "\n" + m.text)
	}
	var numbers []string
	e.db.Select(&numbers, `SELECT number FROM tickets`)
	for _, n := range numbers {
		if !strings.Contains(text.String(), "#"+n) {
			t.Errorf("the office never got ticket number %s", n)
		}
	}
}

// Repeated registrations of a citizen's address must not use up her mail,
// so that an agent's real response to her is held or dropped.
func TestAttackRegistrationSpamCannotSuppressAResponse(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	for i := 0; i < 30; i++ {
		b := e.browser()
		b.get("/register")
		b.post("/register", url.Values{"email": {"siti@desa.example"}, "name": {"x"}, "address": {"x"}, "phone": {"081234567890"},
			"timezone": {"Asia/Jakarta"}, "password": {"attacker-pass-1"}, "confirm": {"attacker-pass-1"}})
	}
	e.flush()
	if _, err := e.store.Respond(bgc, tk.ID, e.budi, tickets.Post{Body: "Bantuan Ibu sudah cair hari ini."}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range to(e.flush(), "siti@desa.example") {
		found = found || strings.Contains(m.text, "sudah cair")
	}
	if !found {
		t.Fatal("the agent's response did not reach the citizen")
	}
}

// The sender is found when From is broken, and a subject tag stays.
func TestSenderFoundWhenFromIsBrokenAndTagsKept(t *testing.T) {
	e := newAttackEnv(t)
	e.send(e.letter("Isi.", `From: "Kantor Desa" <>`, "Reply-To: desa@klaten.example", "Subject: [SPAM] Re: Undian"))
	e.send(e.letter("Isi.", `From: "Millions Lottery"@lottery.example`, "Subject: [JIRA] HD-12 pertanyaan"))
	var rows []struct {
		Email   string `db:"email"`
		Subject string `db:"subject"`
	}
	e.db.Select(&rows, `SELECT u.email, t.subject FROM tickets t JOIN users u ON u.id = t.owner_id ORDER BY t.id`)
	want := `[{desa@klaten.example [SPAM] Undian} {"millions lottery"@lottery.example [JIRA] HD-12 pertanyaan}]`
	if fmt.Sprint(rows) != want {
		t.Errorf("tickets %v, want %s", rows, want)
	}
}

// events lists the ticket's event names.
func (e *attackEnv) events(tk *tickets.Ticket) []string {
	var names []string
	for _, en := range e.entries(tk) {
		if en.Kind == tickets.KindEvent {
			names = append(names, en.Event.String)
		}
	}
	return names
}
