package tickets_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

var ctx = context.Background()

func openTicket(t *testing.T, s *tickets.Store, email, topic string) *tickets.Ticket {
	t.Helper()
	tk, _, err := s.Open(ctx, tickets.OpenRequest{
		Owner:   tickets.Address{Email: email, Name: "Izzah Annisa"},
		Topic:   topic,
		Subject: "Pemindahan lokasi kantor PPKH Kabupaten Klaten",
		Body:    "Dengan Hormat,\nBersama ini kami sampaikan permintaan pemindahan jaringan VPN IP.",
		Source:  tickets.SourceWeb,
	})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return tk
}

func mustAgent(t *testing.T, s *tickets.Store, email string, admin bool, depts ...string) *tickets.Agent {
	t.Helper()
	a, err := s.CreateAgent(ctx, tickets.NewAgent{Email: email, Name: "Agent " + email, Departments: depts, Admin: admin, Password: "rahasia-123"})
	if err != nil {
		t.Fatalf("create agent: %v", err)
	}
	return a
}

func eventNames(t *testing.T, s *tickets.Store, tk *tickets.Ticket) []string {
	t.Helper()
	es, err := s.Thread(ctx, tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Kind == tickets.KindEvent {
			out = append(out, e.Event.String)
		} else {
			out = append(out, e.Kind)
		}
	}
	return out
}

func TestOpenSetsNumberDueDateAndTopicDepartment(t *testing.T) {
	clock := &fakeClock{t: time.Date(2019, 1, 16, 11, 59, 0, 0, time.UTC)}
	s, _ := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	tk := openTicket(t, s, "Fitri@Yahoo.co.id", "Internet/Jaringan")

	if !regexp.MustCompile(`^[1-9][0-9]{5}$`).MatchString(tk.Number) {
		t.Errorf("number %q is not 6 digits", tk.Number)
	}
	if tk.Status != tickets.StatusOpen || tk.Priority != "normal" || tk.DepartmentName != "Support" {
		t.Errorf("status/priority/department = %s/%s/%s", tk.Status, tk.Priority, tk.DepartmentName)
	}
	if got, want := tk.DueAt.Time, clock.t.Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("due %v, want %v (2x24 hours)", got, want)
	}
	if tk.SLAPlanName.String != "Default SLA" || tk.TopicName.String != "Internet/Jaringan" {
		t.Errorf("sla %q topic %q", tk.SLAPlanName.String, tk.TopicName.String)
	}
	if tk.OwnerEmail != "fitri@yahoo.co.id" {
		t.Errorf("owner email %q not normalised", tk.OwnerEmail)
	}
	u, err := s.UserByEmail(ctx, "FITRI@yahoo.co.id")
	if err != nil {
		t.Fatal(err)
	}
	if u.Registered() || u.PasswordHash.Valid {
		t.Error("a user created by a ticket must have no password")
	}
	if u.Timezone != "Asia/Jakarta" || u.Lang != "id" {
		t.Errorf("user defaults tz=%s lang=%s", u.Timezone, u.Lang)
	}
	if got := eventNames(t, s, tk); fmt.Sprint(got) != "[message created]" {
		t.Errorf("thread %v", got)
	}
}

func TestOpenRejectsBadInputListingEachField(t *testing.T) {
	s, _ := newStore(t)
	_, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "not-an-address"}, Topic: "Tidak Ada", Source: "web", Priority: "urgent"})
	var v *tickets.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	for _, f := range []string{"email", "subject", "message", "priority"} {
		if v.Fields[f] == "" {
			t.Errorf("no message for field %s in %v", f, v.Fields)
		}
	}
	_, _, err = s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "a@b.id"}, Topic: "Tidak Ada", Subject: "x", Body: "y", Source: "web"})
	if !errors.As(err, &v) || v.Fields["topic"] == "" {
		t.Errorf("unknown topic: err = %v", err)
	}
}

func TestOwnerReplyReopensResolvedAndClosedTickets(t *testing.T) {
	for _, status := range []string{tickets.StatusResolved, tickets.StatusClosed} {
		t.Run(status, func(t *testing.T) {
			s, _ := newStore(t)
			agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
			tk := openTicket(t, s, "warga@example.id", "Bantuan Umum")
			if err := s.SetStatus(ctx, tk.ID, tickets.AgentActor(agent), status); err != nil {
				t.Fatal(err)
			}
			owner, _ := s.UserByEmail(ctx, "warga@example.id")
			if _, err := s.AddMessage(ctx, tk.ID, owner, tickets.Post{Body: "Belum selesai, mohon dicek lagi."}); err != nil {
				t.Fatal(err)
			}
			got, _ := s.TicketByID(ctx, tk.ID)
			if got.Status != tickets.StatusOpen {
				t.Errorf("status %s after owner's reply, want open", got.Status)
			}
			if fmt.Sprint(eventNames(t, s, tk)) != "[message created status message reopened]" {
				t.Errorf("thread %v", eventNames(t, s, tk))
			}
		})
	}
}

func TestAutomatedReplyDoesNotReopen(t *testing.T) {
	s, _ := newStore(t)
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "warga@example.id", "")
	s.SetStatus(ctx, tk.ID, tickets.AgentActor(agent), tickets.StatusResolved)
	owner, _ := s.UserByEmail(ctx, "warga@example.id")
	if _, err := s.AddMessage(ctx, tk.ID, owner, tickets.Post{Body: "Saya sedang cuti.", Source: tickets.SourceEmail, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TicketByID(ctx, tk.ID); got.Status != tickets.StatusResolved {
		t.Errorf("an auto-reply reopened the ticket: %s", got.Status)
	}
}

func TestNonParticipantCannotAddMessage(t *testing.T) {
	s, _ := newStore(t)
	tk := openTicket(t, s, "warga@example.id", "")
	other, err := s.EnsureUser(ctx, s.DB(), tickets.Address{Email: "lain@example.id"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMessage(ctx, tk.ID, other, tickets.Post{Body: "hai"}); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("err = %v, want ErrForbidden", err)
	}
}

func TestCollaboratorsFromOpenCanReply(t *testing.T) {
	s, _ := newStore(t)
	tk, _, err := s.Open(ctx, tickets.OpenRequest{
		Owner: tickets.Address{Email: "dinsos@klaten.go.id"}, Subject: "Data", Body: "Mohon bantuan", Source: tickets.SourceEmail,
		Collaborators: []tickets.Address{{Email: "kabid@klaten.go.id", Name: "Kabid"}, {Email: "DINSOS@klaten.go.id"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Collaborators) != 1 || tk.Collaborators[0].Email != "kabid@klaten.go.id" {
		t.Fatalf("collaborators %v (the owner must not be one)", tk.Collaborators)
	}
	var role tickets.ParticipantRole
	view(t, s, func(v tickets.View) { role, _, _ = v.Participant(ctx, tk, "Kabid@Klaten.go.id") })
	if role != tickets.RoleCollaborator {
		t.Errorf("role %q", role)
	}
	kabid, _ := s.UserByEmail(ctx, "kabid@klaten.go.id")
	if _, err := s.AddMessage(ctx, tk.ID, kabid, tickets.Post{Body: "Tambahan data"}); err != nil {
		t.Errorf("collaborator reply: %v", err)
	}
}

func TestRespondClaimsAndCanResolve(t *testing.T) {
	s, _ := newStore(t)
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "warga@example.id", "")
	if _, err := s.Respond(ctx, tk.ID, agent, tickets.Post{Body: "Sudah kami proses.", Status: tickets.StatusResolved}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.TicketByID(ctx, tk.ID)
	if got.AssigneeEmail.String != "agent@kemsos.go.id" || got.Status != tickets.StatusResolved || !got.LastResponseAt.Valid {
		t.Errorf("assignee %q status %s last response %v", got.AssigneeEmail.String, got.Status, got.LastResponseAt)
	}
	if fmt.Sprint(eventNames(t, s, tk)) != "[message created response claimed status]" {
		t.Errorf("thread %v", eventNames(t, s, tk))
	}
}

func TestNotesAreHiddenFromTheCitizenThread(t *testing.T) {
	s, _ := newStore(t)
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "warga@example.id", "")
	if _, err := s.Note(ctx, tk.ID, agent, tickets.Post{Body: "NIK tidak cocok, cek DTKS"}); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Thread(ctx, tk.ID, true)
	public, _ := s.Thread(ctx, tk.ID, false)
	if len(all) != len(public)+1 {
		t.Fatalf("all %d public %d", len(all), len(public))
	}
	for _, e := range public {
		if e.Kind == tickets.KindNote {
			t.Error("note in the public thread")
		}
	}
}

func TestClaimAssignAndConflicts(t *testing.T) {
	s, _ := newStore(t)
	a1 := mustAgent(t, s, "a1@kemsos.go.id", false, "Support")
	a2 := mustAgent(t, s, "a2@kemsos.go.id", false, "Support")
	if _, err := s.CreateDepartment(ctx, "Data"); err != nil {
		t.Fatal(err)
	}
	outsider := mustAgent(t, s, "data@kemsos.go.id", false, "Data")
	tk := openTicket(t, s, "warga@example.id", "")

	if err := s.Claim(ctx, tk.ID, a1); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(ctx, tk.ID, a1); err != nil {
		t.Errorf("claiming one's own ticket again: %v", err)
	}
	if err := s.Claim(ctx, tk.ID, a2); !errors.Is(err, tickets.ErrConflict) {
		t.Errorf("claim of a claimed ticket: %v, want ErrConflict", err)
	}
	if err := s.Claim(ctx, tk.ID, outsider); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("claim from another department: %v, want ErrForbidden", err)
	}
	var v *tickets.ValidationError
	if err := s.Assign(ctx, tk.ID, tickets.AgentActor(a1), outsider); !errors.As(err, &v) {
		t.Errorf("assign to an agent who cannot see the department: %v", err)
	}
	if err := s.Assign(ctx, tk.ID, tickets.AgentActor(a1), a2); err != nil {
		t.Fatal(err)
	}
	got, _ := s.TicketByID(ctx, tk.ID)
	if got.AssigneeEmail.String != "a2@kemsos.go.id" {
		t.Errorf("assignee %q", got.AssigneeEmail.String)
	}
	if fmt.Sprint(eventNames(t, s, tk)) != "[message created claimed assigned]" {
		t.Errorf("thread %v", eventNames(t, s, tk))
	}
}

func TestTransferRecordsReasonAndReleasesAssignee(t *testing.T) {
	s, _ := newStore(t)
	data, _ := s.CreateDepartment(ctx, "Data Terpadu")
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "warga@example.id", "")
	s.Claim(ctx, tk.ID, agent)

	var v *tickets.ValidationError
	if err := s.Transfer(ctx, tk.ID, tickets.AgentActor(agent), data.ID, "  "); !errors.As(err, &v) || v.Fields["reason"] == "" {
		t.Errorf("transfer without reason: %v", err)
	}
	if err := s.Transfer(ctx, tk.ID, tickets.AgentActor(agent), data.ID, "Terkait data DTKS"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.TicketByID(ctx, tk.ID)
	if got.DepartmentName != "Data Terpadu" || got.AssigneeID.Valid {
		t.Errorf("department %s assignee %v", got.DepartmentName, got.AssigneeID)
	}
	es, _ := s.Thread(ctx, tk.ID, true)
	ev, note := es[len(es)-2], es[len(es)-1]
	if ev.Event.String != "transferred" || ev.Body != "Agent agent@kemsos.go.id transferred the ticket from Support to Data Terpadu" {
		t.Errorf("event %s %q", ev.Event.String, ev.Body)
	}
	if note.Kind != tickets.KindNote || note.Body != "Terkait data DTKS" {
		t.Errorf("the reason, for agents: %s %q", note.Kind, note.Body)
	}
	// The agent no longer sees the ticket.
	if err := s.SetStatus(ctx, tk.ID, tickets.AgentActor(agent), tickets.StatusClosed); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("agent outside the department changed status: %v", err)
	}
}

func TestPriorityAndStatusChangesAreEvents(t *testing.T) {
	s, _ := newStore(t)
	admin := mustAgent(t, s, "admin@kemsos.go.id", true)
	tk := openTicket(t, s, "warga@example.id", "")
	if err := s.SetPriority(ctx, tk.ID, tickets.AgentActor(admin), "Emergency"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPriority(ctx, tk.ID, tickets.AgentActor(admin), "urgent"); err == nil {
		t.Error("accepted an unknown priority")
	}
	if err := s.SetStatus(ctx, tk.ID, tickets.AgentActor(admin), "closed"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, tk.ID, tickets.System, "open"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.TicketByID(ctx, tk.ID)
	if got.Priority != "emergency" || got.Status != "open" || got.ClosedAt.Valid {
		t.Errorf("priority %s status %s closed_at %v", got.Priority, got.Status, got.ClosedAt)
	}
	if fmt.Sprint(eventNames(t, s, tk)) != "[message created priority status status]" {
		t.Errorf("thread %v", eventNames(t, s, tk))
	}
	owner, _ := s.UserByEmail(ctx, "warga@example.id")
	if err := s.SetStatus(ctx, tk.ID, tickets.UserActor(owner), "closed"); !errors.Is(err, tickets.ErrForbidden) {
		t.Errorf("a citizen changed the status: %v", err)
	}
}

func TestTicketNumbersUniqueUnderContention(t *testing.T) {
	s, _ := newStore(t)
	const workers, each = 8, 40
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				tk, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: fmt.Sprintf("w%d@example.id", w)},
					Subject: "Bantuan", Body: "isi", Source: tickets.SourceAPI})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[tk.Number] {
					errs <- fmt.Errorf("duplicate number %s", tk.Number)
				}
				seen[tk.Number] = true
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct numbers, want %d", len(seen), workers*each)
	}
}

func TestNumbersWidenToSevenDigitsWhenHalfUsed(t *testing.T) {
	limit := func(o *tickets.Opts) { o.SixDigitLimit = 5 }
	s, db := newStore(t, limit)
	var widths []int
	for i := 0; i < 8; i++ {
		tk := openTicket(t, s, "warga@example.id", "")
		widths = append(widths, len(tk.Number))
	}
	if fmt.Sprint(widths) != "[6 6 6 6 6 7 7 7]" {
		t.Errorf("widths %v", widths)
	}
	// A new process (the MTA's pipe) knows from the newest ticket that
	// numbers have 7 digits now, without counting the tickets.
	if tk := openTicket(t, tickets.New(db, tickets.Opts{SixDigitLimit: 5, OneShot: true}), "warga@example.id", ""); len(tk.Number) != 7 {
		t.Errorf("a new store's first number %s", tk.Number)
	}
}

func TestSearchStemsIndonesianAndFindsNumbers(t *testing.T) {
	s, _ := newStore(t)
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "warga@example.id", "")
	other, _, _ := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "x@example.id"}, Subject: "Kuota email penuh",
		Body: "Mohon upgrade kuota", Source: tickets.SourceWeb})
	s.Respond(ctx, other.ID, agent, tickets.Post{Body: "Kuota sudah ditambah menjadi 5GB, SIKS-NG aman"})

	cases := []struct {
		q    string
		want string
	}{
		{"pindah", tk.Number},           // stem of "pemindahan"
		{"permintaan VPN", tk.Number},   // body words
		{"5GB", other.Number},           // from a response, kept by 'simple'
		{"#" + tk.Number, tk.Number},    // by number
		{"siks-ng", other.Number},       // code-like word
		{"kabupaten klaten", tk.Number}, // subject
	}
	for _, c := range cases {
		ts, _, err := s.List(ctx, tickets.Filter{Query: c.q})
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if len(ts) != 1 || ts[0].Number != c.want {
			var got []string
			for _, x := range ts {
				got = append(got, x.Number)
			}
			t.Errorf("search %q = %v, want [%s]", c.q, got, c.want)
		}
	}
}

func TestListFiltersAndPages(t *testing.T) {
	s, _ := newStore(t)
	data, _ := s.CreateDepartment(ctx, "Data")
	agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
	for i := 0; i < 5; i++ {
		openTicket(t, s, fmt.Sprintf("w%d@example.id", i), "")
	}
	moved := openTicket(t, s, "pindah@example.id", "")
	if err := s.Transfer(ctx, moved.ID, tickets.System, data.ID, "salah departemen"); err != nil {
		t.Fatal(err)
	}
	page1, more, err := s.List(ctx, tickets.Filter{Department: "support", PerPage: 3})
	if err != nil || len(page1) != 3 || !more {
		t.Fatalf("page 1: %d more=%v err=%v", len(page1), more, err)
	}
	page2, more, _ := s.List(ctx, tickets.Filter{Department: "Support", PerPage: 3, Page: 2})
	if len(page2) != 2 || more {
		t.Errorf("page 2: %d more=%v", len(page2), more)
	}
	if !page1[0].UpdatedAt.After(page2[0].UpdatedAt) && !page1[0].UpdatedAt.Equal(page2[0].UpdatedAt) {
		t.Error("not sorted by last update")
	}
	visible, _, _ := s.List(ctx, tickets.Filter{Departments: agent.Departments})
	if len(visible) != 5 {
		t.Errorf("agent of Support sees %d tickets, want 5", len(visible))
	}
	if _, _, err := s.List(ctx, tickets.Filter{Status: "pending"}); err == nil {
		t.Error("accepted an unknown status")
	}
}

func TestAttachmentsStoredOncePerContent(t *testing.T) {
	s, db := newStore(t)
	doc := tickets.NewAttachment{Name: `C:\Users\izzah\Surat Permintaan.docx`, Data: []byte("PK\x03\x04 surat")}
	tk, e, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "Surat", Body: "terlampir",
		Source: tickets.SourceWeb, Attachments: []tickets.NewAttachment{doc, doc}})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Attachments) != 2 || e.Attachments[0].Name != "Surat Permintaan.docx" ||
		e.Attachments[0].ContentType != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Fatalf("attachments %+v", e.Attachments)
	}
	var blobs int
	db.Get(&blobs, `SELECT count(*) FROM blobs`)
	if blobs != 1 {
		t.Errorf("%d blobs for one content", blobs)
	}
	a, tid, data, err := s.AttachmentContent(ctx, e.Attachments[1].ID)
	if err != nil || tid != tk.ID || string(data) != string(doc.Data) || a.Size != int64(len(doc.Data)) {
		t.Errorf("content: %v ticket %d size %d", err, tid, a.Size)
	}
}

func TestMessageIDsThreadAndResistForgery(t *testing.T) {
	s, _ := newStore(t)
	tk, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "x", Body: "y",
		Source: tickets.SourceEmail, MessageID: "<CAF=abc@Mail.Gmail.COM>"})
	if err != nil {
		t.Fatal(err)
	}
	view(t, s, func(v tickets.View) {
		got, err := v.TicketByMessageID(ctx, "", "unknown@x", " <CAF=abc@mail.gmail.com> ")
		if err != nil || got.ID != tk.ID {
			t.Fatalf("by message-id: %v", err)
		}
		if _, err := v.TicketByMessageID(ctx, "", "<>"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("empty ids matched: %v", err)
		}
	})

	ids := tickets.MessageIDs{Secret: []byte("k"), Domain: "Helpdesk.Kemsos.go.id"}
	id := ids.New(tk.Number, 42, "Warga@Example.id")
	num, entry, ok := ids.Verify("<" + id + ">")
	if !ok || num != tk.Number || entry != 42 || !strings.HasSuffix(id, "@helpdesk.kemsos.go.id") {
		t.Errorf("verify own id %s: %s %d %v", id, num, entry, ok)
	}
	if !ids.SentTo(id, "warga@example.id") {
		t.Error("the recipient's reply does not prove possession")
	}
	if ids.SentTo(id, "tetangga@example.id") {
		t.Error("someone else naming the id passes as its recipient")
	}
	forged := regexp.MustCompile(`hd\.\d+\.`).ReplaceAllString(id, "hd.999999.")
	if _, _, ok := ids.Verify(forged); ok {
		t.Error("accepted a forged id")
	}
	if _, _, ok := (tickets.MessageIDs{Secret: []byte("other"), Domain: "x"}).Verify(id); ok {
		t.Error("accepted an id signed with another key")
	}
	// The recipient MAC cannot be moved to another address's id.
	other := ids.New(tk.Number, 42, "tetangga@example.id")
	swapped := id[:strings.LastIndexByte(id[:strings.IndexByte(id, '@')], '.')] + other[strings.LastIndexByte(other[:strings.IndexByte(other, '@')], '.'):]
	if ids.SentTo(swapped, "tetangga@example.id") {
		t.Error("a recipient MAC taken from another id was accepted")
	}
	// Ids of the first version (48-bit MAC) still thread, and prove nothing.
	legacy := "hd." + tk.Number + ".42.0a0b0c0d0e." + legacyMAC([]byte("k"), "hd."+tk.Number+".42.0a0b0c0d0e") + "@helpdesk.kemsos.go.id"
	if n, _, ok := ids.Verify(legacy); !ok || n != tk.Number || ids.SentTo(legacy, "warga@example.id") {
		t.Errorf("legacy id: %s %v", n, ok)
	}
}

func legacyMAC(secret []byte, s string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("message-id:" + s))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// view runs fn on a View through a transaction of its own.
func view(t *testing.T, s *tickets.Store, fn func(v tickets.View)) {
	t.Helper()
	if err := s.InTx(ctx, func(tx *tickets.Tx) error { fn(s.In(tx)); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestHookErrorRollsBackTheChange(t *testing.T) {
	s, db := newStore(t)
	var seen []tickets.ChangeKind
	fail := true
	s.AddHook(func(ctx context.Context, tx *tickets.Tx, c *tickets.Change) error {
		seen = append(seen, c.Kind)
		if fail {
			return errors.New("outbox full")
		}
		return nil
	})
	_, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "x", Body: "y", Source: tickets.SourceWeb})
	if err == nil {
		t.Fatal("open succeeded although its hook failed")
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM tickets`)
	if n != 0 {
		t.Errorf("%d tickets after a rolled-back open", n)
	}
	fail = false
	openTicket(t, s, "w@example.id", "")
	if fmt.Sprint(seen) != "[opened opened]" {
		t.Errorf("hook saw %v", seen)
	}
}

func TestPasswordsAndAPIKeys(t *testing.T) {
	h, err := tickets.HashPassword("rahasia-123")
	if err != nil {
		t.Fatal(err)
	}
	if !tickets.CheckPassword(h, "rahasia-123") || tickets.CheckPassword(h, "rahasia-124") || tickets.CheckPassword("garbage", "x") {
		t.Error("password check wrong")
	}
	s, _ := newStore(t)
	key, k, err := s.CreateAPIKey(ctx, "portal")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.CheckAPIKey(ctx, key); err != nil || got.ID != k.ID || !got.LastUsedAt.Valid {
		t.Errorf("check key: %v", err)
	}
	if ks, _ := s.APIKeys(ctx); len(ks) != 1 || !ks[0].LastUsedAt.Valid {
		t.Errorf("last use not recorded: %+v", ks)
	}
	if _, err := s.CheckAPIKey(ctx, key+"x"); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("wrong key: %v", err)
	}
	s.RevokeAPIKey(ctx, k.ID)
	if _, err := s.CheckAPIKey(ctx, key); !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("revoked key still works: %v", err)
	}
}

func TestAdminCatalog(t *testing.T) {
	s, _ := newStore(t)
	topics, err := s.Topics(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range topics {
		names = append(names, tp.Name+"→"+tp.DepartmentName)
	}
	want := "[Aplikasi SIKS-NG→Support Bantuan Umum→Support Data Terpadu→Support Email Kemsos→Support Internet/Jaringan→Support]"
	if fmt.Sprint(names) != want {
		t.Errorf("seeded topics %v", names)
	}
	if _, err := s.CreateDepartment(ctx, "support"); !errors.Is(err, tickets.ErrConflict) {
		t.Errorf("duplicate department: %v", err)
	}
	if _, err := s.CreateDepartment(ctx, "Pusdatin"); err != nil {
		t.Fatal(err)
	}
	tp, err := s.CreateTopic(ctx, "Bansos PKH", "pusdatin")
	if err != nil || tp.DepartmentName != "Pusdatin" {
		t.Fatalf("create topic: %v", err)
	}
	tk := openTicket(t, s, "w@example.id", "bansos pkh")
	if tk.DepartmentName != "Pusdatin" {
		t.Errorf("topic routed to %s", tk.DepartmentName)
	}
	if _, err := s.CreateAgent(ctx, tickets.NewAgent{Email: "x@kemsos.go.id", Name: "X", Departments: []string{"Nope"}}); err == nil {
		t.Error("agent with an unknown department")
	}
}

// Search picks its plan by how many tickets match (the newest window,
// sorting every match, or walking newest first past the cap); each must
// page exactly like a plain sort of every match.
func TestSearchPagesTheSameWhicheverPlan(t *testing.T) {
	for _, c := range []struct{ window, cap int }{{500, 1000}, {3, 1000}, {3, 5}} {
		t.Run(fmt.Sprintf("window%d-cap%d", c.window, c.cap), func(t *testing.T) {
			s, db := newStore(t, func(o *tickets.Opts) { o.SearchWindow, o.SearchCap = c.window, c.cap })
			agent := mustAgent(t, s, "agent@kemsos.go.id", false, "Support")
			for i := 0; i < 23; i++ {
				body := "Data DTKS belum padan"
				if i%3 == 0 {
					body = "Rekening diblokir"
				}
				tk, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: fmt.Sprintf("w%d@example.id", i)},
					Subject: fmt.Sprintf("Aduan %d", i), Body: body, Source: tickets.SourceWeb})
				if err != nil {
					t.Fatal(err)
				}
				if i%4 == 0 { // an older ticket brought to the top by a response
					s.Respond(ctx, tk.ID, agent, tickets.Post{Body: "Sedang dicek", Status: tickets.StatusResolved})
				}
			}
			var want []string
			db.Select(&want, `SELECT number FROM tickets WHERE search @@ websearch_to_tsquery('simple', 'padan')
				ORDER BY updated_at DESC, id DESC`)
			var support int
			db.Get(&support, `SELECT id FROM departments WHERE name = 'Support'`)
			// All of them, and as an agent of Support and another department sees them.
			for _, depts := range [][]int{nil, {support, support + 1000}} {
				var got []string
				for page := 1; ; page++ {
					ts, more, err := s.List(ctx, tickets.Filter{Query: "padan", Page: page, PerPage: 4, Departments: depts})
					if err != nil {
						t.Fatal(err)
					}
					for _, tk := range ts {
						got = append(got, tk.Number)
					}
					if !more {
						break
					}
				}
				if len(want) != 15 || strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("departments %v: pages %v\nwant  %v", depts, got, want)
				}
			}
			open, _, err := s.List(ctx, tickets.Filter{Query: "padan", Status: tickets.StatusOpen, PerPage: 50})
			if err != nil || len(open) == 0 {
				t.Fatalf("open matches: %d %v", len(open), err)
			}
			for _, tk := range open {
				if tk.Status != tickets.StatusOpen {
					t.Errorf("status filter let %s (%s) through", tk.Number, tk.Status)
				}
			}
			if ts, _, _ := s.List(ctx, tickets.Filter{Query: "diblokir", PerPage: 50}); len(ts) != 8 {
				t.Errorf("rare word: %d tickets, want 8", len(ts))
			}
		})
	}
}

// Hot statements are prepared in the background on a connection of their
// own; a change holding the pool's only connection must not wait for it.
func TestPreparedStatementsNeedNoSecondConnection(t *testing.T) {
	s, db := newStore(t)
	db.SetMaxOpenConns(1)
	tk := openTicket(t, s, "warga@example.id", "")
	owner, err := s.UserByEmail(ctx, "warga@example.id")
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.Thread(ctx, tk.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for i := 0; i < 20; i++ {
		if _, err := s.AddMessage(tctx, tk.ID, owner, tickets.Post{Body: fmt.Sprintf("tambahan %d", i)}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	var prepared int
	if err := db.Get(&prepared, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM tickets t%'`); err != nil {
		t.Fatal(err)
	}
	if prepared == 0 {
		t.Error("the ticket query was never prepared")
	}
	th, err := s.Thread(ctx, tk.ID, false)
	if err != nil || len(th) != len(before)+20 {
		t.Errorf("thread: %d entries, %v", len(th), err)
	}
}
