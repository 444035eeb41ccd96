package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/internal/smtpsink"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var bg = context.Background()

var secret = []byte("outbox-test-secret")

type rig struct {
	t     testing.TB
	store *tickets.Store
	db    *sqlx.DB
	sink  *smtpsink.Sink
	ob    *outbound.Outbox
}

func newRig(t testing.TB, sinkOpts ...smtpsink.Option) *rig {
	t.Helper()
	dsn := pgtest.MigratedDB(t)
	db := sqlx.MustOpen("postgres", dsn)
	t.Cleanup(func() { db.Close() })
	store := tickets.New(db, tickets.Opts{})
	sink := smtpsink.Start(t, sinkOpts...)
	sender, err := outbound.NewSender("smtp://"+sink.Addr(), t.TempDir(), outbound.SenderOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sender.Close() })
	ob := outbound.New(outbound.Opts{Store: store, Sender: sender, From: "helpdesk@kemsos.go.id", BaseURL: "http://helpdesk.test", Secret: secret})
	store.AddHook(ob.Hook)
	store.AddAccountHook(ob.AccountHook)
	if _, err := store.CreateAgent(bg, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support"}}); err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, store: store, db: db, sink: sink, ob: ob}
}

// flush delivers everything due.
func (r *rig) flush() {
	r.t.Helper()
	for {
		n, err := r.ob.DeliverBatch(bg, 50)
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (r *rig) open(email string) *tickets.Ticket {
	r.t.Helper()
	tk, _, err := r.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: email, Name: "Siti Aminah"}, Topic: "Data Terpadu",
		Subject: "Data DTKS tidak sesuai", Body: "Mohon dicek data keluarga kami.", Source: tickets.SourceEmail, MessageID: "<orig-" + email + ">"})
	if err != nil {
		r.t.Fatal(err)
	}
	return tk
}

type parsed struct {
	to, subject, messageID, inReplyTo, autoSubmitted, suppress, replyTo string
	refs                                                                []string
	text                                                                string
	attachments                                                         []string
}

func parse(t *testing.T, m smtpsink.Mail) parsed {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	var p parsed
	h := mr.Header
	p.to = strings.Join(m.To, ",")
	p.subject, _ = h.Subject()
	p.messageID, _ = h.MessageID()
	irt, _ := h.MsgIDList("In-Reply-To")
	p.inReplyTo = strings.Join(irt, " ")
	p.refs, _ = h.MsgIDList("References")
	p.autoSubmitted = h.Get("Auto-Submitted")
	p.suppress = h.Get("X-Auto-Response-Suppress")
	p.replyTo = h.Get("Reply-To")
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		switch ph := part.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := ph.ContentType(); ct == "text/plain" {
				b := new(bytes.Buffer)
				b.ReadFrom(part.Body)
				p.text = b.String()
			}
		case *mail.AttachmentHeader:
			name, _ := ph.Filename()
			p.attachments = append(p.attachments, name)
		}
	}
	return p
}

func byRecipient(t *testing.T, ms []smtpsink.Mail) map[string][]parsed {
	out := map[string][]parsed{}
	for _, m := range ms {
		p := parse(t, m)
		out[p.to] = append(out[p.to], p)
	}
	return out
}

func TestOpeningSendsAutoresponseAndDepartmentAlertOnce(t *testing.T) {
	r := newRig(t)
	tk := r.open("siti@example.id")
	r.flush()
	r.flush()
	got := byRecipient(t, r.sink.WaitFor(2, 5*time.Second))
	if len(r.sink.Mails()) != 2 {
		t.Fatalf("%d mails, want 2", len(r.sink.Mails()))
	}
	auto := got["siti@example.id"][0]
	if !strings.Contains(auto.subject, "[#"+tk.Number+"]") || auto.autoSubmitted != "auto-replied" || auto.suppress != "All" {
		t.Errorf("autoresponse headers %+v", auto)
	}
	if !strings.HasPrefix(auto.text, outbound.ReplyMarkerID) || !strings.Contains(auto.text, "http://helpdesk.test/t/"+tk.Number+"?token=") {
		t.Errorf("autoresponse text:\n%s", auto.text)
	}
	if auto.inReplyTo != "orig-siti@example.id" || len(auto.refs) == 0 || auto.refs[0] != "orig-siti@example.id" {
		t.Errorf("threading: in-reply-to %q refs %v", auto.inReplyTo, auto.refs)
	}
	if num, _, ok := (tickets.MessageIDs{Secret: secret}).Verify(auto.messageID); !ok || num != tk.Number {
		t.Errorf("message-id %q does not carry the ticket", auto.messageID)
	}
	if !strings.Contains(auto.replyTo, "helpdesk@kemsos.go.id") {
		t.Errorf("reply-to %q", auto.replyTo)
	}
	alert := got["budi@kemsos.go.id"][0]
	if alert.autoSubmitted != "auto-generated" || !strings.Contains(alert.text, "/agent/tickets/"+tk.Number) {
		t.Errorf("alert %+v", alert)
	}
}

func TestResponseNoticeCarriesTextAttachmentAndThreads(t *testing.T) {
	r := newRig(t)
	tk := r.open("siti@example.id")
	agent, _ := r.store.AgentByEmail(bg, "budi@kemsos.go.id")
	_, err := r.store.Respond(bg, tk.ID, agent, tickets.Post{Body: "Data sudah kami perbaiki.",
		Attachments: []tickets.NewAttachment{{Name: "Berita Acara.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}}})
	if err != nil {
		t.Fatal(err)
	}
	r.flush()
	mails := byRecipient(t, r.sink.WaitFor(3, 5*time.Second))["siti@example.id"]
	if len(mails) != 2 {
		t.Fatalf("citizen got %d mails, want autoresponse + response", len(mails))
	}
	first, resp := mails[0], mails[1]
	if !strings.Contains(resp.text, "Data sudah kami perbaiki.") || len(resp.attachments) != 1 || resp.attachments[0] != "Berita Acara.pdf" {
		t.Errorf("response notice: %q %v", resp.text, resp.attachments)
	}
	// As a mail client sees it: one conversation rooted at the citizen's
	// own message, the response referring to the autoresponse.
	chain := append([]string{}, resp.refs...)
	if chain[0] != "orig-siti@example.id" || !contains(chain, first.messageID) {
		t.Errorf("references %v lack the root or the autoresponse %s", chain, first.messageID)
	}
}

func TestNothingQueuedWhenTheChangeRollsBack(t *testing.T) {
	r := newRig(t)
	r.store.AddHook(func(context.Context, *tickets.Tx, *tickets.Change) error { return errors.New("boom") })
	if _, _, err := r.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "x", Body: "y", Source: "web"}); err == nil {
		t.Fatal("open succeeded")
	}
	var n int
	r.db.Get(&n, `SELECT count(*) FROM outbox`)
	if n != 0 {
		t.Errorf("%d outbox rows after rollback", n)
	}
}

func TestRelayDownThenUpDeliversEachOnce(t *testing.T) {
	r := newRig(t)
	r.sink.Stop()
	for i := 0; i < 3; i++ {
		r.open(fmt.Sprintf("w%d@example.id", i))
	}
	r.flush()
	var rows []struct {
		Status   string    `db:"status"`
		Attempts int       `db:"attempts"`
		Next     time.Time `db:"next_attempt_at"`
		Err      string    `db:"last_error"`
	}
	r.db.Select(&rows, `SELECT status, attempts, next_attempt_at, last_error FROM outbox ORDER BY id`)
	for _, row := range rows {
		if row.Status != "queued" || row.Attempts != 1 || !row.Next.After(time.Now()) || row.Err == "" {
			t.Errorf("while down: %+v", row)
		}
	}
	r.sink.Restart()
	r.db.Exec(`UPDATE outbox SET next_attempt_at = now()`)
	r.flush()
	r.flush()
	if got := len(r.sink.WaitFor(6, 5*time.Second)); got != 6 {
		t.Errorf("%d mails after recovery, want 6", got)
	}
	seen := map[string]bool{}
	for _, m := range r.sink.Mails() {
		id := parse(t, m).messageID
		if seen[id] {
			t.Errorf("sent twice: %s", id)
		}
		seen[id] = true
	}
}

// TestRelayRefusingTheSessionThenAcceptingDeliversEachOnce: a relay that
// refuses the session keeps every notice queued with the error shown, and
// once it accepts, each goes out exactly once.
func TestRelayRefusingTheSessionThenAcceptingDeliversEachOnce(t *testing.T) {
	tests := []struct {
		name   string
		refuse func(*smtpsink.Sink, int)
		code   int
	}{
		{"554 greeting", (*smtpsink.Sink).RefuseGreeting, 554},
		{"550 to EHLO", (*smtpsink.Sink).RefuseEHLO, 550},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			tt.refuse(r.sink, tt.code)
			r.open("siti@example.id")
			r.flush()
			type outboxRow struct {
				Status   string    `db:"status"`
				Attempts int       `db:"attempts"`
				Next     time.Time `db:"next_attempt_at"`
				Err      string    `db:"last_error"`
			}
			var rows []outboxRow
			if err := r.db.Select(&rows, `SELECT status, attempts, next_attempt_at, last_error FROM outbox ORDER BY id`); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want autoresponse and alert", len(rows))
			}
			for _, row := range rows {
				if row.Status != "queued" || row.Attempts != 1 || !row.Next.After(time.Now()) || !strings.Contains(row.Err, fmt.Sprint(tt.code)) {
					t.Errorf("while refused: %+v", row)
				}
			}
			if n := len(r.sink.Mails()); n != 0 {
				t.Fatalf("%d mails while refused", n)
			}

			tt.refuse(r.sink, 0)
			r.db.Exec(`UPDATE outbox SET next_attempt_at = now()`)
			r.flush()
			mails := r.sink.WaitFor(2, 5*time.Second)
			seen := map[string]bool{}
			for _, m := range mails {
				id := parse(t, m).messageID
				if seen[id] {
					t.Errorf("sent twice: %s", id)
				}
				seen[id] = true
			}
			var sent int
			r.db.Get(&sent, `SELECT count(*) FROM outbox WHERE status = 'sent' AND attempts = 2`)
			if len(mails) != 2 || sent != 2 {
				t.Errorf("%d mails, %d rows sent at the second attempt; want 2 and 2", len(mails), sent)
			}
		})
	}
}

func TestPermanentRefusalFailsThatRowOnly(t *testing.T) {
	r := newRig(t)
	r.sink.RejectRcpt(func(addr string) *smtp.SMTPError {
		if strings.HasPrefix(addr, "gone@") {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	})
	tk := r.open("gone@example.id")
	r.flush()
	var status, lastErr string
	r.db.QueryRow(`SELECT status, last_error FROM outbox WHERE recipient = 'gone@example.id'`).Scan(&status, &lastErr)
	if status != "failed" || !strings.Contains(lastErr, "550") {
		t.Errorf("refused row: %s %q", status, lastErr)
	}
	if n := len(r.sink.WaitFor(1, 5*time.Second)); n != 1 {
		t.Errorf("the agent alert did not go: %d", n)
	}
	ps, err := r.ob.Problems(bg, tk.ID)
	if err != nil || len(ps) != 1 || ps[0].Recipient != "gone@example.id" {
		t.Errorf("problems shown to agents: %+v %v", ps, err)
	}
}

func TestTwoWorkersSendEachMailOnce(t *testing.T) {
	r := newRig(t)
	for i := 0; i < 20; i++ {
		r.open(fmt.Sprintf("w%d@example.id", i))
	}
	var want int
	r.db.Get(&want, `SELECT count(*) FROM outbox WHERE status = 'queued'`)
	if want < 30 {
		t.Fatalf("only %d mails queued for 20 tickets", want)
	}
	other := outbound.New(outbound.Opts{Store: r.store, Sender: mustSender(t, r.sink), From: "helpdesk@kemsos.go.id", Secret: secret})
	var wg sync.WaitGroup
	for _, ob := range []*outbound.Outbox{r.ob, other} {
		wg.Add(1)
		go func(ob *outbound.Outbox) {
			defer wg.Done()
			for {
				n, err := ob.DeliverBatch(bg, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}(ob)
	}
	wg.Wait()
	ms := r.sink.WaitFor(want, 10*time.Second)
	seen := map[string]int{}
	for _, m := range ms {
		seen[parse(t, m).messageID]++
	}
	if len(ms) != want || len(seen) != want {
		t.Errorf("%d mails, %d distinct, want %d", len(ms), len(seen), want)
	}
}

func mustSender(t *testing.T, sink *smtpsink.Sink) outbound.Sender {
	s, err := outbound.NewSender("smtp://"+sink.Addr(), t.TempDir(), outbound.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAutoresponsesPastTheCapAreHeldThenSentInOneDigest(t *testing.T) {
	r := newRig(t)
	var numbers []string
	for i := 0; i < 7; i++ {
		numbers = append(numbers, r.open("dinsos@klaten.go.id").Number)
	}
	var queued, held, suppressed int
	r.db.Get(&queued, `SELECT count(*) FROM outbox WHERE recipient = 'dinsos@klaten.go.id' AND status = 'queued'`)
	r.db.Get(&held, `SELECT count(*) FROM outbox WHERE recipient = 'dinsos@klaten.go.id' AND status = 'held'`)
	r.db.Get(&suppressed, `SELECT count(*) FROM outbox WHERE recipient = 'dinsos@klaten.go.id' AND status = 'suppressed'`)
	if queued != 5 || held != 2 || suppressed != 0 {
		t.Fatalf("queued %d held %d suppressed %d, want 5, 2 and 0: an office writing 7 letters is a person, not a loop", queued, held, suppressed)
	}
	n, err := r.ob.SendDigests(bg)
	if err != nil || n != 1 {
		t.Fatalf("digests %d %v", n, err)
	}
	if n, _ := r.ob.SendDigests(bg); n != 0 {
		t.Errorf("a second digest right after the first: %d", n)
	}
	r.flush()
	var digest *parsed
	for _, m := range r.sink.WaitFor(5+1+7, 5*time.Second) {
		if m.To[0] == "dinsos@klaten.go.id" {
			if p := parse(t, m); strings.Contains(p.subject, "Ringkasan") {
				digest = &p
			}
		}
	}
	if digest == nil {
		t.Fatal("no digest mail reached the office")
	}
	for _, num := range numbers[5:] {
		if !strings.Contains(digest.text, "[#"+num+"]") {
			t.Errorf("the digest lacks ticket #%s:\n%s", num, digest.text)
		}
	}
	var digested int
	r.db.Get(&digested, `SELECT count(*) FROM outbox WHERE recipient = 'dinsos@klaten.go.id' AND status = 'digested' AND digest_id IS NOT NULL`)
	if digested != 2 {
		t.Errorf("%d rows marked as sent in the digest, want 2", digested)
	}
}

func TestAgentAlertsPastABurstAreCollapsedNotDropped(t *testing.T) {
	r := newRig(t)
	for i := 0; i < 25; i++ {
		r.open(fmt.Sprintf("junk%d@example.id", i))
	}
	var alerts, held, suppressed int
	r.db.Get(&alerts, `SELECT count(*) FROM outbox WHERE recipient = 'budi@kemsos.go.id' AND status = 'queued'`)
	r.db.Get(&held, `SELECT count(*) FROM outbox WHERE recipient = 'budi@kemsos.go.id' AND status = 'held'`)
	r.db.Get(&suppressed, `SELECT count(*) FROM outbox WHERE recipient = 'budi@kemsos.go.id' AND status = 'suppressed'`)
	if alerts != 10 || held != 15 || suppressed != 0 {
		t.Fatalf("agent alerts: queued %d held %d suppressed %d, want 10, 15, 0", alerts, held, suppressed)
	}
	last := func() (string, string) {
		var status, why string
		r.db.QueryRow(`SELECT status, last_error FROM outbox WHERE recipient = 'budi@kemsos.go.id' ORDER BY id DESC LIMIT 1`).Scan(&status, &why)
		return status, why
	}
	// While alerts wait for their digest, a new one joins them, however
	// long ago the burst began.
	r.db.MustExec(`UPDATE outbox SET created_at = created_at - interval '11 minutes' WHERE recipient = 'budi@kemsos.go.id'`)
	r.open("late@example.id")
	if status, why := last(); status != "held" || !strings.Contains(why, "waiting for their digest") {
		t.Errorf("alert while others wait for the digest: %s %q, want held to join them", status, why)
	}
	if _, err := r.ob.SendDigests(bg); err != nil {
		t.Fatal(err)
	}
	var left int
	r.db.Get(&left, `SELECT count(*) FROM outbox WHERE recipient = 'budi@kemsos.go.id' AND status = 'held'`)
	if left != 0 {
		t.Errorf("%d alerts still held after the digest", left)
	}
	// The digest gone out and the burst over, alerts go one by one again.
	r.open("after@example.id")
	if status, why := last(); status != "queued" {
		t.Errorf("alert after the digest: %s %q, want it sent", status, why)
	}
}

func TestBouncingAddressGetsNoAutomaticMailUntilItWritesAgain(t *testing.T) {
	r := newRig(t)
	tk, _, err := r.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: "gone@example.id"}, Subject: "Data",
		Body: "Mohon dicek.", Source: tickets.SourceWeb})
	if err != nil {
		t.Fatal(err)
	}
	r.store.MarkBouncing(bg, r.db, []string{"gone@example.id"})
	if err := r.store.SetStatus(bg, tk.ID, tickets.System, tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	var status, why string
	r.db.QueryRow(`SELECT status, last_error FROM outbox WHERE recipient = 'gone@example.id' AND kind = 'status_resolved'`).Scan(&status, &why)
	if status != "suppressed" || !strings.Contains(why, "bounced") {
		t.Errorf("status notice to a bouncing address: %s %q", status, why)
	}
	// The address writes in again: its mailbox works.
	r.open("gone@example.id")
	r.db.QueryRow(`SELECT status FROM outbox WHERE recipient = 'gone@example.id' AND kind = 'ticket_autoresponse' ORDER BY id DESC LIMIT 1`).Scan(&status)
	if status != "queued" {
		t.Errorf("after writing in again: autoresponse %s", status)
	}
	// A mark older than the bounce memory no longer counts.
	r.db.Exec(`UPDATE users SET bouncing_at = now() - interval '15 days' WHERE email = 'gone@example.id'`)
	if err := r.store.SetStatus(bg, tk.ID, tickets.System, tickets.StatusClosed); err != nil {
		t.Fatal(err)
	}
	r.db.QueryRow(`SELECT status FROM outbox WHERE recipient = 'gone@example.id' AND kind = 'status_closed'`).Scan(&status)
	if status != "queued" {
		t.Errorf("a two-week-old bounce still silences the address: %s", status)
	}
}

func TestLanguageFollowsTheUser(t *testing.T) {
	r := newRig(t)
	u, _ := r.store.EnsureUser(bg, r.db, tickets.Address{Email: "en@example.id"})
	r.db.Exec(`UPDATE users SET lang = 'en' WHERE id = $1`, u.ID)
	r.open("en@example.id")
	r.open("id@example.id")
	r.flush()
	got := byRecipient(t, r.sink.WaitFor(4, 5*time.Second))
	if en := got["en@example.id"][0]; !strings.HasPrefix(en.text, outbound.ReplyMarkerEN) {
		t.Errorf("english user got:\n%s", en.text)
	}
	if id := got["id@example.id"][0]; !strings.HasPrefix(id.text, outbound.ReplyMarkerID) {
		t.Errorf("indonesian user got:\n%s", id.text)
	}
}

func TestStuckRowsAreRequeued(t *testing.T) {
	r := newRig(t)
	r.open("w@example.id")
	r.db.Exec(`UPDATE outbox SET status = 'sending', locked_at = now() - interval '1 hour'`)
	n, err := r.ob.RequeueStuck(bg, 10*time.Minute)
	if err != nil || n != 2 {
		t.Fatalf("requeued %d: %v", n, err)
	}
	r.flush()
	if got := len(r.sink.WaitFor(2, 5*time.Second)); got != 2 {
		t.Errorf("%d sent", got)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
