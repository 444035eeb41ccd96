package main

// Helpers for the attack suite (attack_test.go): a whole helpdesk in
// process, with mail coming in over a real SMTP connection to its intake,
// notices going out over SMTP to a sink, and DNS answered from memory so
// that DKIM can be signed and verified offline with a key of the test's.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/internal/smtpsink"
	"github.com/kemsos/helpdesk/tickets"
)

// fakeDNS answers TXT queries from a map; anything else does not exist.
type fakeDNS struct {
	mu  sync.Mutex
	txt map[string]string
}

func (d *fakeDNS) lookup(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.txt[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
		return []string{v}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// attackEnv is a helpdesk under attack, with an agent (budi@kemsos.go.id,
// Support) whose ministry signs its mail with DKIM, and a citizen
// (siti@desa.example, whose small provider signs nothing) with a ticket.
type attackEnv struct {
	*webEnv
	sink  *smtpsink.Sink
	smtpd *ingest.SMTPServer
	dns   *fakeDNS
	key   ed25519.PrivateKey
	budi  *tickets.Agent // the agent
	budiB *browser       // signed in as budi
	seq   int
}

func newAttackEnv(t *testing.T) *attackEnv {
	t.Helper()
	sink := smtpsink.Start(t)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dns := &fakeDNS{txt: map[string]string{
		"hd._domainkey.kemsos.go.id": "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub),
		"_dmarc.kemsos.go.id":        "v=DMARC1; p=reject",
	}}
	e := &attackEnv{webEnv: newWebEnvWith(t, testEnvOpts{smtpURL: "smtp://" + sink.Addr(), lookupTXT: dns.lookup}), sink: sink, dns: dns, key: key}
	e.smtpd = ingest.NewSMTPServer(ingest.SMTPOpts{Addr: "127.0.0.1:0", Domain: "kemsos.go.id", Intake: e.in,
		Accept: ingest.AcceptAddresses(e.store, []string{e.cfg.From})})
	if err := e.smtpd.Listen(); err != nil {
		t.Fatal(err)
	}
	go e.smtpd.Serve()
	t.Cleanup(func() { e.smtpd.Close() })
	e.budiB, e.budi = e.webEnv.agent("budi@kemsos.go.id", false, "Support")
	return e
}

// letter builds a raw message; a Message-ID is added unless given.
func (e *attackEnv) letter(body string, headers ...string) []byte {
	h := strings.Join(headers, "\r\n")
	if !strings.Contains(strings.ToLower(h), "message-id:") {
		e.seq++
		h += fmt.Sprintf("\r\nMessage-ID: <attack-%d-%d@test.example>", time.Now().UnixNano(), e.seq)
	}
	if !strings.Contains(strings.ToLower(h), "date:") {
		h += "\r\nDate: " + time.Now().Format(time.RFC1123Z)
	}
	return []byte(h + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
}

// signed is raw with a DKIM signature of kemsos.go.id, as the ministry's
// own mail server would add to its agents' mail.
func (e *attackEnv) signed(raw []byte) []byte {
	e.t.Helper()
	var b bytes.Buffer
	if err := dkim.Sign(&b, bytes.NewReader(raw), &dkim.SignOptions{Domain: "kemsos.go.id", Selector: "hd", Signer: e.key,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References"}}); err != nil {
		e.t.Fatal(err)
	}
	return b.Bytes()
}

// send hands raw to the helpdesk's SMTP intake over a real connection, as
// the ministry's MTA would, and fails the test unless it is accepted.
func (e *attackEnv) send(raw []byte) {
	e.t.Helper()
	from := "sender@test.example"
	if m, err := mail.CreateReader(bytes.NewReader(raw)); err == nil {
		// (go-smtp's server refuses a quoted local part in MAIL FROM.)
		if as, err := m.Header.AddressList("From"); err == nil && len(as) > 0 && !strings.ContainsAny(as[0].Address, `" `) {
			from = as[0].Address
		}
	}
	if err := smtp.SendMail(e.smtpd.Addr(), nil, from, []string{"helpdesk@kemsos.go.id"}, raw); err != nil {
		e.t.Fatalf("the intake refused the mail: %v", err)
	}
}

// sentMail is a mail the helpdesk sent, as its recipient reads it.
type sentMail struct {
	to, subject, text, messageID string
	attachments                  []string
}

// flush delivers what the outbox holds (and its digests) and returns the
// mails that reached the sink since the last flush.
func (e *attackEnv) flush() []sentMail {
	e.t.Helper()
	before := len(e.sink.Mails())
	total := 0
	for {
		n, err := e.ob.DeliverBatch(context.Background(), 50)
		if err != nil {
			e.t.Fatal(err)
		}
		total += n
		if n == 0 {
			break
		}
	}
	var out []sentMail
	for _, m := range e.sink.WaitFor(before+total, 5*time.Second)[before:] {
		out = append(out, readSent(e.t, m))
	}
	return out
}

// allSent is every mail the sink has received, read.
func (e *attackEnv) allSent() []sentMail {
	var out []sentMail
	for _, m := range e.sink.Mails() {
		out = append(out, readSent(e.t, m))
	}
	return out
}

func readSent(t *testing.T, m smtpsink.Mail) sentMail {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	s := sentMail{to: strings.Join(m.To, ",")}
	s.subject, _ = r.Header.Subject()
	s.messageID, _ = r.Header.MessageID()
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, _ := io.ReadAll(p.Body)
				s.text += string(b)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			s.attachments = append(s.attachments, name)
		}
	}
	return s
}

// to returns the mails of ms addressed to addr.
func to(ms []sentMail, addr string) []sentMail {
	var out []sentMail
	for _, m := range ms {
		if m.to == addr {
			out = append(out, m)
		}
	}
	return out
}

// citizenTicket has siti@desa.example open a ticket by mail and returns it
// with the autoresponse she received.
func (e *attackEnv) citizenTicket() (*tickets.Ticket, sentMail) {
	e.t.Helper()
	e.send(e.letter("Bantuan PKH kami belum cair sejak Januari. Mohon dicek.",
		"From: Siti Aminah <siti@desa.example>", "To: helpdesk@kemsos.go.id", "Subject: Bantuan PKH belum cair"))
	var number string
	if err := e.db.Get(&number, `SELECT number FROM tickets ORDER BY id DESC LIMIT 1`); err != nil {
		e.t.Fatal(err)
	}
	tk, err := e.store.TicketByNumber(context.Background(), number)
	if err != nil {
		e.t.Fatal(err)
	}
	auto := to(e.flush(), "siti@desa.example")
	if len(auto) != 1 {
		e.t.Fatalf("the citizen got %d autoresponses, want 1", len(auto))
	}
	return tk, auto[0]
}

// entries returns the ticket's thread, notes included.
func (e *attackEnv) entries(tk *tickets.Ticket) []tickets.Entry {
	e.t.Helper()
	es, err := e.store.Thread(context.Background(), tk.ID, true)
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func (e *attackEnv) reload(tk *tickets.Ticket) *tickets.Ticket {
	e.t.Helper()
	nt, err := e.store.TicketByID(context.Background(), tk.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return nt
}

// alertTo is the newest alert mail the agent got about tk.
func alertTo(t *testing.T, ms []sentMail, agent string, tk *tickets.Ticket) sentMail {
	t.Helper()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].to == agent && strings.Contains(ms[i].subject, "[#"+tk.Number+"]") {
			return ms[i]
		}
	}
	t.Fatalf("no mail to %s about #%s among %d", agent, tk.Number, len(ms))
	return sentMail{}
}
