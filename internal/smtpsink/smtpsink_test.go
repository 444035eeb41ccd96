package smtpsink

import (
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
