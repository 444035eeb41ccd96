package smtpsink

import (
	"fmt"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestSinkRecordsAndRefuses(t *testing.T) {
	s := Start(t, WithTLS(), WithAuth("u", "p"))
	addr := s.Addr()
	send := func(to ...string) error {
		c, err := smtp.DialStartTLS(s.Addr(), s.TLSConfig())
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Auth(sasl.NewPlainClient("", "u", "p")); err != nil {
			return err
		}
		return c.SendMail("a@b", to, strings.NewReader("Subject: x\r\n\r\nhi\r\n"))
	}
	if err := send("c@d"); err != nil {
		t.Fatal(err)
	}
	if m := s.WaitFor(1, time.Second)[0]; m.From != "a@b" || m.To[0] != "c@d" || !strings.Contains(string(m.Data), "hi") {
		t.Errorf("recorded %+v", m)
	}

	s.RejectRcpt(func(addr string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: 550, Message: "no"}
	})
	if err := send("c@d"); err == nil || err.(*smtp.SMTPError).Code != 550 {
		t.Errorf("err = %v, want 550", err)
	}
	s.RejectRcpt(nil)

	s.Stop()
	if err := send("c@d"); err == nil {
		t.Error("sent while stopped")
	}
	s.Restart()
	if s.Addr() != addr {
		t.Errorf("address changed to %s", s.Addr())
	}
	if err := send("c@d"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Mails()); n != 2 {
		t.Errorf("%d mails", n)
	}
	if n := s.Conns(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

func TestSinkRequiresAuth(t *testing.T) {
	s := Start(t, WithAuth("u", "p"))
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.SendMail("a@b", []string{"c@d"}, strings.NewReader("x\r\n"))
	if se, ok := err.(*smtp.SMTPError); !ok || se.Code != 530 {
		t.Errorf("err = %v, want 530", err)
	}
}

func TestSinkRefusesGreetingThenServesAgain(t *testing.T) {
	s := Start(t)
	s.RefuseGreeting(554)
	c, err := textproto.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err == nil || err.(*textproto.Error).Code != 554 {
		t.Fatalf("greeting: %v, want 554", err)
	}
	// RFC 5321 §3.1: nothing but QUIT after such a greeting.
	for _, cmd := range []string{"EHLO client.test", "MAIL FROM:<a@b>"} {
		id, _ := c.Cmd("%s", cmd)
		c.StartResponse(id)
		_, _, err := c.ReadResponse(250)
		c.EndResponse(id)
		if err == nil || err.(*textproto.Error).Code != 503 {
			t.Errorf("%s after the refusal: %v, want 503", cmd, err)
		}
	}
	id, _ := c.Cmd("QUIT")
	c.StartResponse(id)
	if _, _, err := c.ReadResponse(221); err != nil {
		t.Errorf("QUIT: %v", err)
	}
	c.EndResponse(id)

	s.RefuseGreeting(421)
	c2, err := textproto.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, _, err := c2.ReadResponse(220); err == nil || err.(*textproto.Error).Code != 421 {
		t.Fatalf("greeting: %v, want 421", err)
	}
	if _, err := c2.ReadLine(); err == nil {
		t.Error("connection still open after a 421 greeting")
	}

	s.RefuseGreeting(0)
	if err := sendPlain(s, "a@b", "c@d"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Mails()); n != 1 {
		t.Errorf("%d mails", n)
	}
}

func TestSinkRefusesEHLOAndSTARTTLSThenServesAgain(t *testing.T) {
	s := Start(t, WithTLS())
	s.RefuseEHLO(550)
	if _, err := smtp.DialStartTLS(s.Addr(), s.TLSConfig()); err == nil || err.(*smtp.SMTPError).Code != 550 {
		t.Errorf("EHLO: %v, want 550", err)
	}
	s.RefuseEHLO(0)
	s.RefuseSTARTTLS(454)
	if _, err := smtp.DialStartTLS(s.Addr(), s.TLSConfig()); err == nil || err.(*smtp.SMTPError).Code != 454 {
		t.Errorf("STARTTLS: %v, want 454", err)
	}
	s.RefuseSTARTTLS(0)

	// 502 to EHLO: go-smtp's client falls back to HELO, which still works.
	s.RefuseEHLO(502)
	if err := sendPlain(s, "a@b", "c@d"); err != nil {
		t.Fatalf("HELO: %v", err)
	}
	s.RefuseEHLO(0)
	c, err := smtp.DialStartTLS(s.Addr(), s.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("a@b", []string{"c@d"}, strings.NewReader("x\r\n")); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"EHLO"}, {"EHLO", "STARTTLS"}, {"EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT"}, {"EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "DATA"}}
	if got := s.Commands(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("commands\n got %v\nwant %v", got, want)
	}
}

func TestSinkRecordsCommandsPerConnectionInClearAndAfterSTARTTLS(t *testing.T) {
	s := Start(t, WithTLS(), WithAuth("u", "p"), WithAuthMechanisms("LOGIN"))
	c, err := smtp.DialStartTLS(s.Addr(), s.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewLoginClient("u", "p")); err != nil {
		t.Fatal(err)
	}
	// Lines of a message are not commands, even when they look like one.
	body := "Subject: x\r\n\r\nEHLO from the body\r\nQUIT\r\n"
	for range 2 {
		if err := c.SendMail("a@b", []string{"c@d"}, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if err := sendPlainNoTLS(s); err == nil {
		t.Fatal("AUTH-less MAIL accepted")
	}
	want := [][]string{
		{"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "DATA", "QUIT"},
		{"EHLO", "MAIL"},
	}
	if got := s.Commands(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("commands\n got %v\nwant %v", got, want)
	}
	if got := s.EHLOs(); fmt.Sprint(got) != "[2 1]" {
		t.Errorf("EHLOs = %v, want [2 1]", got)
	}
	if m := s.WaitFor(2, time.Second)[1]; !strings.Contains(string(m.Data), "EHLO from the body\r\nQUIT\r\n") {
		t.Errorf("body changed on the way: %q", m.Data)
	}
	s.Reset()
	if got := s.Commands(); len(got) != 0 {
		t.Errorf("after Reset: %v", got)
	}
}

func sendPlain(s *Sink, from, to string) error {
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, strings.NewReader("Subject: x\r\n\r\nhi\r\n")); err != nil {
		return err
	}
	return c.Quit()
}

func sendPlainNoTLS(s *Sink) error {
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Mail("a@b", nil)
}
