package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

// An agent whose ministry signs its mail answers, resolves, reprioritises
// and transfers a ticket from his mail client, and is told what happened.
func TestAgentCommandsByMailActAndAreReported(t *testing.T) {
	e := newAttackEnv(t)
	if _, err := e.store.CreateDepartment(bgc, "Keuangan"); err != nil {
		t.Fatal(err)
	}
	tk, _ := e.citizenTicket()
	e.send(e.signed(e.letter("#prioritas tinggi\n#status selesai\n#alihkan Keuangan: soal pencairan dana\n#alihkan Gudang: salah ketik\n\nBantuan Ibu sudah kami proses.\n\nSalam,\nBudi",
		"From: Budi <budi@kemsos.go.id>", "To: helpdesk@kemsos.go.id", "Subject: Re: [#"+tk.Number+"] Bantuan PKH belum cair")))
	nt := e.reload(tk)
	if nt.Status != tickets.StatusResolved || nt.Priority != "high" || nt.DepartmentName != "Keuangan" {
		t.Errorf("after the commands: status %s priority %s department %s", nt.Status, nt.Priority, nt.DepartmentName)
	}
	ms := e.flush()
	var response string
	for _, m := range to(ms, "siti@desa.example") {
		if strings.Contains(m.text, "sudah kami proses") {
			response = m.text
		}
	}
	if response == "" || strings.Contains(response, "#status") || strings.Contains(response, "#alihkan") {
		t.Errorf("the citizen's response (without the command lines):\n%s", response)
	}
	report := to(ms, "budi@kemsos.go.id")
	if len(report) != 1 || !strings.Contains(report[0].subject, "Hasil perintah") {
		t.Fatalf("the agent's report: %+v", report)
	}
	for _, want := range []string{"#prioritas tinggi: done", "#status selesai: done", "#alihkan Keuangan: soal pencairan dana: done", "#alihkan Gudang: salah ketik: not done: no department named Gudang"} {
		if !strings.Contains(report[0].text, want) {
			t.Errorf("the report lacks %q:\n%s", want, report[0].text)
		}
	}
	var events []string
	for _, en := range e.entries(tk) {
		if en.Kind == tickets.KindEvent {
			events = append(events, en.Event.String)
		}
	}
	// The same domain functions as the panel: each change is its event.
	if got := fmt.Sprint(events); got != "[created claimed priority status transferred]" {
		t.Errorf("events %s", got)
	}
}

// #note makes the whole mail an internal note; #assign me claims. A reply
// to the helpdesk's own alert proves the agent received it, so it works
// even unsigned.
func TestAgentNoteAndAssignByReplyingToAnAlert(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	alert := alertTo(t, e.allSent(), "budi@kemsos.go.id", tk)
	e.send(e.letter("#note\n#assign me\n\nSudah saya telepon, menunggu KK.", "From: budi@kemsos.go.id", "Subject: Re: [#"+tk.Number+"]",
		"In-Reply-To: <"+alert.messageID+">"))
	es := e.entries(tk)
	var note *tickets.Entry
	for i := range es {
		if es[i].Kind == tickets.KindNote && strings.Contains(es[i].Body, "menunggu KK") {
			note = &es[i]
		}
	}
	if note == nil || note.AgentID.Int64 != int64(e.budi.ID) || note.Auth.String != "possession" {
		t.Fatalf("the note: %+v", note)
	}
	if nt := e.reload(tk); nt.AssigneeID.Int64 != int64(e.budi.ID) {
		t.Errorf("#assign me: assignee %v", nt.AssigneeID)
	}
	for _, m := range to(e.flush(), "siti@desa.example") {
		if strings.Contains(m.text, "menunggu KK") {
			t.Error("the internal note was mailed to the citizen")
		}
	}
}

// An unverified agent mail with commands changes nothing, and the agent
// is told why.
func TestUnverifiedAgentMailIsToldWhy(t *testing.T) {
	e := newAttackEnv(t)
	tk, _ := e.citizenTicket()
	e.send(e.letter("#status selesai\n\nSudah.", "From: budi@kemsos.go.id", "Subject: Re: [#"+tk.Number+"]"))
	if nt := e.reload(tk); nt.Status != tickets.StatusOpen {
		t.Fatalf("status %s", nt.Status)
	}
	m := to(e.flush(), "budi@kemsos.go.id")
	if len(m) != 1 || !strings.Contains(m[0].text, "tidak dapat memastikan") || !strings.Contains(m[0].text, "no DKIM signature") {
		t.Fatalf("the agent's notice: %+v", m)
	}
}
