package tickets_test

// Ticket tools (issue 12): collaborators, topic, merge, callers, canned
// responses, signatures, collision safety and the internal transfer reason.

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

func TestPatchAddsAndRemovesCollaboratorsWithEvents(t *testing.T) {
	s, _ := newStore(t)
	a := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	err := s.Update(ctx, tk.ID, tickets.AgentActor(a), tickets.Patch{AddCollaborators: []tickets.Address{
		{Email: "Kades@Desa.example", Name: "Kepala Desa"}, {Email: "dinsos@klaten.go.id"}, {Email: "kades@desa.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	tk, _ = s.TicketByID(ctx, tk.ID)
	if len(tk.Collaborators) != 2 || tk.Collaborators[1].Email != "kades@desa.example" || tk.Collaborators[1].Name != "Kepala Desa" {
		t.Fatalf("collaborators %+v", tk.Collaborators)
	}
	// Everything is checked before anything changes: one bad address and
	// the good one beside it is not added either.
	var v *tickets.ValidationError
	err = s.Update(ctx, tk.ID, tickets.AgentActor(a), tickets.Patch{Priority: "high",
		AddCollaborators: []tickets.Address{{Email: "baru@desa.example"}, {Email: "izzah@example.id"}}, RemoveCollaborators: []string{"nobody@desa.example"}})
	if !errors.As(err, &v) || v.Fields["add_collaborators[1]"] != tickets.MsgCollaboratorIsOwner || v.Fields["remove_collaborators[0]"] != tickets.MsgNotCollaborator {
		t.Fatalf("bad patch: %v", err)
	}
	if nt, _ := s.TicketByID(ctx, tk.ID); len(nt.Collaborators) != 2 || nt.Priority != "normal" {
		t.Fatalf("a refused patch changed the ticket: %+v", nt)
	}
	if err := s.Update(ctx, tk.ID, tickets.AgentActor(a), tickets.Patch{RemoveCollaborators: []string{"DINSOS@klaten.go.id"}}); err != nil {
		t.Fatal(err)
	}
	tk, _ = s.TicketByID(ctx, tk.ID)
	if len(tk.Collaborators) != 1 || tk.Collaborators[0].Email != "kades@desa.example" {
		t.Fatalf("after remove %+v", tk.Collaborators)
	}
	got := fmt.Sprint(eventNames(t, s, tk))
	if want := "[message created collaborator_added collaborator_added collaborator_removed]"; got != want {
		t.Errorf("thread %s, want %s", got, want)
	}
	es, _ := s.Thread(ctx, tk.ID, true)
	if b := es[len(es)-1].Body; !strings.Contains(b, "dinsos@klaten.go.id") || !strings.Contains(b, a.Name) {
		t.Errorf("removal event %q", b)
	}
}

func TestPatchChangesTopicKeepingDepartment(t *testing.T) {
	s, _ := newStore(t)
	if _, err := s.CreateDepartment(ctx, "Jaringan"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTopic(ctx, "VPN", "Jaringan"); err != nil {
		t.Fatal(err)
	}
	tk := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	if err := s.Update(ctx, tk.ID, tickets.System, tickets.Patch{Topic: "vpn"}); err != nil {
		t.Fatal(err)
	}
	nt, _ := s.TicketByID(ctx, tk.ID)
	if nt.TopicName.String != "VPN" || nt.DepartmentName != "Support" {
		t.Errorf("topic %q department %q", nt.TopicName.String, nt.DepartmentName)
	}
	var v *tickets.ValidationError
	if err := s.Update(ctx, tk.ID, tickets.System, tickets.Patch{Topic: "Tidak ada"}); !errors.As(err, &v) || v.Fields["topic"] == "" {
		t.Errorf("unknown topic: %v", err)
	}
	if ev := eventNames(t, s, nt); ev[len(ev)-1] != "topic" {
		t.Errorf("events %v", ev)
	}
}

func TestTransferReasonIsInternalUnlessTheCitizenIsTold(t *testing.T) {
	s, _ := newStore(t)
	jar, _ := s.CreateDepartment(ctx, "Jaringan")
	a := mustAgent(t, s, "budi@kemsos.go.id", true)
	tk := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	if err := s.Transfer(ctx, tk.ID, tickets.AgentActor(a), jar.ID, "Kabel putus di Klaten"); err != nil {
		t.Fatal(err)
	}
	public, _ := s.Thread(ctx, tk.ID, false)
	for _, e := range public {
		if strings.Contains(e.Body, "Kabel putus") || strings.Contains(string(e.EventData), "Kabel putus") {
			t.Errorf("the citizen's thread holds the internal reason: %+v", e)
		}
	}
	all, _ := s.Thread(ctx, tk.ID, true)
	last := all[len(all)-1]
	if last.Kind != tickets.KindNote || last.Body != "Kabel putus di Klaten" || !last.AgentID.Valid {
		t.Errorf("reason note %+v", last)
	}
	if err := s.TransferTelling(ctx, tk.ID, tickets.AgentActor(a), 1, "Kembali ke Support", true); err != nil {
		t.Fatal(err)
	}
	public, _ = s.Thread(ctx, tk.ID, false)
	if e := public[len(public)-1]; e.Event.String != "transferred" || !strings.Contains(e.Body, "Kembali ke Support") {
		t.Errorf("told transfer %+v", e)
	}
}

func TestMergeMovesThreadPeopleAndMessageIDs(t *testing.T) {
	s, db := newStore(t)
	if _, err := s.CreateDepartment(ctx, "Keuangan"); err != nil {
		t.Fatal(err)
	}
	a := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	dst := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	src, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "kades@desa.example", Name: "Kades"}, Subject: "Re: PKH",
		Body: "Ini juga soal warga kami.", Source: tickets.SourceEmail, MessageID: "<kades-1@desa.example>", RefersTo: dst.ID,
		Collaborators: []tickets.Address{{Email: "sekdes@desa.example"}},
		Attachments:   []tickets.NewAttachment{{Name: "foto.jpg", ContentType: "image/jpeg", Data: []byte("jpeg")}}})
	if err != nil {
		t.Fatal(err)
	}
	token := tickets.GuestToken([]byte("s3cret"), src.Number, src.OwnerID)

	got, err := s.Merge(ctx, tickets.AgentActor(a), src.Number, "#"+dst.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != dst.ID || !got.HasNumber(src.Number) {
		t.Fatalf("merged into %+v", got)
	}
	var emails []string
	for _, c := range got.Collaborators {
		emails = append(emails, c.Email)
	}
	if fmt.Sprint(emails) != "[kades@desa.example sekdes@desa.example]" {
		t.Errorf("collaborators %v", emails)
	}
	// The old number leads to the new ticket; its stub is off the lists.
	if bn, err := s.TicketByNumber(ctx, src.Number); err != nil || bn.ID != dst.ID {
		t.Errorf("old number: %v %v", bn, err)
	}
	var midTicket int64
	db.Get(&midTicket, `SELECT ticket_id FROM message_ids WHERE message_id = 'kades-1@desa.example'`)
	if midTicket != dst.ID {
		t.Errorf("the source's Message-ID threads to ticket %d", midTicket)
	}
	if uid, err := tickets.VerifyGuestToken([]byte("s3cret"), token, got, time.Now()); err != nil || uid != src.OwnerID {
		t.Errorf("the old progress link: %d %v", uid, err)
	}
	es, _ := s.Thread(ctx, dst.ID, true)
	var seq []string
	for _, e := range es {
		seq = append(seq, e.Kind+":"+e.Event.String+fmt.Sprint(len(e.Attachments)))
	}
	if want := "[message:0 event:created0 message:1 event:created0 event:merged0]"; fmt.Sprint(seq) != want {
		t.Errorf("thread %v, want %s", seq, want)
	}
	stub, _ := s.TicketByID(ctx, src.ID)
	if stub.Status != tickets.StatusClosed || !stub.MergedInto.Valid || len(stub.Collaborators) != 0 {
		t.Errorf("stub %+v", stub)
	}
	if ev := eventNames(t, s, stub); fmt.Sprint(ev) != "[merged_into]" {
		t.Errorf("stub thread %v", ev)
	}
	ts, _, _ := s.List(ctx, tickets.Filter{})
	for _, x := range ts {
		if x.ID == src.ID {
			t.Error("the stub is listed")
		}
	}
	if c, err := s.TabCounts(ctx, a, 0); err != nil || c[tickets.TabClosed] != 0 || c[tickets.TabOpen] != 1 {
		t.Errorf("tab counts %v (%v): the closed stub is counted", c, err)
	}
	if got.RefersTo.Valid {
		t.Errorf("the ticket refers to %d", got.RefersTo.Int64)
	}
	// A search for the old number finds the new ticket.
	if found, _, _ := s.List(ctx, tickets.Filter{Query: src.Number}); len(found) != 1 || found[0].ID != dst.ID {
		t.Errorf("search by the old number: %d", len(found))
	}

	// Merging the stub again, or a ticket into itself, is refused.
	if _, err := s.Merge(ctx, tickets.AgentActor(a), src.Number, dst.Number); !errors.Is(err, tickets.ErrMerged) {
		t.Errorf("merge a stub: %v", err)
	}
	var v *tickets.ValidationError
	if _, err := s.Merge(ctx, tickets.AgentActor(a), dst.Number, src.Number); !errors.As(err, &v) || v.Fields["into"] != tickets.MsgMergeSelf {
		t.Errorf("merge into itself through the old number: %v", err)
	}
}

func TestMergeRespectsDepartments(t *testing.T) {
	s, _ := newStore(t)
	keu, _ := s.CreateDepartment(ctx, "Keuangan")
	sari := mustAgent(t, s, "sari@kemsos.go.id", false, "Keuangan")
	mine := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	theirs := openTicket(t, s, "fitri@example.id", "Data Terpadu")
	if err := s.Transfer(ctx, mine.ID, tickets.System, keu.ID, "dana"); err != nil {
		t.Fatal(err)
	}
	// Out of a ticket she cannot see: forbidden. Into one: as if it did
	// not exist, the same answer as for a number nobody has.
	if _, err := s.Merge(ctx, tickets.AgentActor(sari), theirs.Number, mine.Number); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("out of another department: %v", err)
	}
	var v *tickets.ValidationError
	if _, err := s.Merge(ctx, tickets.AgentActor(sari), mine.Number, theirs.Number); !errors.As(err, &v) || v.Fields["into"] != tickets.MsgNoSuchTicket {
		t.Errorf("into another department: %v", err)
	}
	if _, err := s.Merge(ctx, tickets.AgentActor(sari), mine.Number, "999999"); !errors.As(err, &v) || v.Fields["into"] != tickets.MsgNoSuchTicket {
		t.Errorf("into nothing: %v", err)
	}
	if n, _ := s.TicketByID(ctx, mine.ID); n.MergedInto.Valid {
		t.Error("a refused merge merged")
	}
}

func TestStaleResponseAndStatusAreRefused(t *testing.T) {
	s, _ := newStore(t)
	budi := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	sari := mustAgent(t, s, "sari@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	es, _ := s.Thread(ctx, tk.ID, true)
	seen := es[len(es)-1].ID

	// Budi's own entries and the helpdesk's events do not make his page old.
	if _, err := s.Note(ctx, tk.ID, budi, tickets.Post{Body: "cek dulu"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Respond(ctx, tk.ID, budi, tickets.Post{Body: "Baik, kami cek.", SeenEntry: seen}); err != nil {
		t.Fatalf("own note made the page stale: %v", err)
	}
	es, _ = s.Thread(ctx, tk.ID, true)
	seen = es[len(es)-1].ID
	if _, err := s.Respond(ctx, tk.ID, sari, tickets.Post{Body: "Sudah selesai."}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Respond(ctx, tk.ID, budi, tickets.Post{Body: "Jawaban kedua", SeenEntry: seen}); !errors.Is(err, tickets.ErrStale) {
		t.Fatalf("response from a stale page: %v", err)
	}
	if err := s.Update(ctx, tk.ID, tickets.AgentActor(budi), tickets.Patch{Status: "closed", SeenEntry: seen}); !errors.Is(err, tickets.ErrStale) {
		t.Fatalf("status from a stale page: %v", err)
	}
	act, err := s.Heartbeat(ctx, tk, budi, seen)
	if err != nil || len(act.New) != 1 || act.New[0].AuthorName.String != sari.Name {
		t.Fatalf("new entries %+v %v", act, err)
	}
	if _, err := s.Heartbeat(ctx, tk, sari, 0); err != nil {
		t.Fatal(err)
	}
	act, _ = s.Heartbeat(ctx, tk, budi, 0)
	if len(act.Viewers) != 1 || act.Viewers[0].Name != sari.Name {
		t.Errorf("viewers %+v", act.Viewers)
	}
	if err := s.Leave(ctx, tk.ID, sari.ID); err != nil {
		t.Fatal(err)
	}
	if act, _ = s.Heartbeat(ctx, tk, budi, 0); len(act.Viewers) != 0 {
		t.Errorf("viewers after leaving %+v", act.Viewers)
	}
	if _, err := s.CreateDepartment(ctx, "Lain"); err != nil {
		t.Fatal(err)
	}
	other := mustAgent(t, s, "lain@kemsos.go.id", false, "Lain")
	if _, err := s.Heartbeat(ctx, tk, other, 0); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("heartbeat on another department's ticket: %v", err)
	}
}

func TestSignatureEndsPanelResponses(t *testing.T) {
	s, _ := newStore(t)
	a := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	if err := s.SetSignature(ctx, a.ID, "Budi Santoso\r\nHelpdesk Pusdatin\n"); err != nil {
		t.Fatal(err)
	}
	a, _ = s.AgentByID(ctx, a.ID)
	tk := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	e, err := s.Respond(ctx, tk.ID, a, tickets.Post{Body: "Sudah kami proses.\n", Signature: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.Body != "Sudah kami proses.\n\n-- \nBudi Santoso\nHelpdesk Pusdatin" {
		t.Errorf("body %q", e.Body)
	}
	if e, _ := s.Respond(ctx, tk.ID, a, tickets.Post{Body: "Tanpa tanda tangan"}); e.Body != "Tanpa tanda tangan" {
		t.Errorf("unsigned body %q", e.Body)
	}
	if err := s.SetSignature(ctx, a.ID, strings.Repeat("x", tickets.MaxSignature+1)); err == nil {
		t.Error("a long signature was taken")
	}
}

func TestCannedResponsesPerDepartmentWithPlaceholders(t *testing.T) {
	s, _ := newStore(t)
	keu, _ := s.CreateDepartment(ctx, "Keuangan")
	a := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	if _, err := s.SaveCanned(ctx, tickets.Canned{Title: "Salam", Body: "Yth. {nama}, tiket #{nomor} ({perihal}) kami tangani paling lambat {batas_waktu}. Salam, {petugas}. {lain}"}); err != nil {
		t.Fatal(err)
	}
	c2, err := s.SaveCanned(ctx, tickets.Canned{Title: "Dana", Body: "Soal dana", DepartmentID: nullInt(keu.ID)})
	if err != nil {
		t.Fatal(err)
	}
	var v *tickets.ValidationError
	if _, err := s.SaveCanned(ctx, tickets.Canned{Title: " ", Body: ""}); !errors.As(err, &v) || v.Fields["title"] == "" || v.Fields["body"] == "" {
		t.Errorf("empty canned response: %v", err)
	}
	for dept, want := range map[int]int{1: 1, keu.ID: 2} {
		if cs, _ := s.CannedFor(ctx, dept); len(cs) != want {
			t.Errorf("department %d offers %d, want %d", dept, len(cs), want)
		}
	}
	tk := openTicket(t, s, "izzah@example.id", "Data Terpadu")
	cs, _ := s.CannedFor(ctx, tk.DepartmentID)
	loc, _ := time.LoadLocation("Asia/Makassar")
	got := tickets.ExpandCanned(cs[0].Body, tk, a, loc)
	want := fmt.Sprintf("Yth. Izzah Annisa, tiket #%s (%s) kami tangani paling lambat %s. Salam, %s. {lain}",
		tk.Number, tk.Subject, tk.DueAt.Time.In(loc).Format("02/01/2006 15:04 MST"), a.Name)
	if got != want || !strings.Contains(got, "WITA") {
		t.Errorf("expanded\n%q\nwant\n%q", got, want)
	}
	if got := tickets.ExpandCanned("{name} {number} {due}", tk, a, nil); !strings.HasPrefix(got, "Izzah Annisa "+tk.Number) || !strings.HasSuffix(got, "WIB") {
		t.Errorf("English placeholders: %q", got)
	}
	if err := s.DeleteCanned(ctx, c2.ID); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.CannedResponses(ctx); len(cs) != 1 {
		t.Errorf("%d left", len(cs))
	}
}

func TestCallerWithoutEmailGetsATicketAndNoAddress(t *testing.T) {
	s, _ := newStore(t)
	a := mustAgent(t, s, "budi@kemsos.go.id", false, "Support")
	topic, _ := s.TopicByName(ctx, "Bantuan Umum")
	tk, err := s.OpenForCaller(ctx, tickets.CallerRequest{Agent: a, Via: tickets.SourcePhone, Name: "Pak Slamet", Phone: "0812 3456 7890",
		TopicID: topic.ID, Subject: "Bantuan belum diterima", Body: "Menelepon pukul 10.00: bantuan bulan Maret belum diterima."})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Source != tickets.SourcePhone || tk.OwnerName != "Pak Slamet" || tickets.Mailable(tk.OwnerEmail) || tk.OwnerPhone != "0812 3456 7890" {
		t.Errorf("caller's ticket %+v", tk)
	}
	es, _ := s.Thread(ctx, tk.ID, true)
	if es[0].Source != tickets.SourcePhone || es[1].AgentID.Int64 != int64(a.ID) || !strings.Contains(es[1].Body, "phone call") {
		t.Errorf("thread %+v / %q", es[0], es[1].Body)
	}
	tk2, err := s.OpenForCaller(ctx, tickets.CallerRequest{Agent: a, Via: tickets.SourceWalkin, Name: "Bu Wati", Email: "wati@desa.example",
		TopicID: topic.ID, Subject: "Datang ke kantor", Body: "Membawa surat keterangan."})
	if err != nil || tk2.OwnerEmail != "wati@desa.example" || tk2.Source != tickets.SourceWalkin {
		t.Fatalf("walk-in %+v %v", tk2, err)
	}
	var v *tickets.ValidationError
	_, err = s.OpenForCaller(ctx, tickets.CallerRequest{Agent: a, Via: "fax", Email: "bukan alamat", Subject: "x", Body: "y"})
	if !errors.As(err, &v) || v.Fields["via"] == "" || v.Fields["name"] == "" || v.Fields["email"] == "" || v.Fields["topic"] == "" {
		t.Errorf("bad caller: %v", err)
	}
	if _, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "x@desa.example"}, Subject: "s", Body: "b", Source: tickets.SourcePhone}); err == nil {
		t.Error("a phone ticket without the agent who took it")
	}
}

func nullInt(id int) sql.NullInt64 { return sql.NullInt64{Int64: int64(id), Valid: true} }
