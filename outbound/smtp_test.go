package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/kemsos/helpdesk/internal/smtpsink"
)

const (
	testUser = "helpdesk@kemsos.go.id"
	testPass = "p@ss:w/rd %sulit"
)

func senderURL(scheme string, sink *smtpsink.Sink, withAuth bool) string {
	u := url.URL{Scheme: scheme, Host: sink.Addr()}
	if withAuth {
		u.User = url.UserPassword(testUser, testPass)
	}
	return u.String()
}

func newTestSender(t testing.TB, rawURL string, sink *smtpsink.Sink) Sender {
	t.Helper()
	s, err := NewSender(rawURL, t.TempDir(), SenderOptions{Timeout: 5 * time.Second, TLSConfig: sink.TLSConfig(), HeloName: "helpdesk.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testMessage(t testing.TB, id string) []byte {
	t.Helper()
	m := sampleMail()
	m.MessageID = id
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func sendOK(t *testing.T, s Sender, to []string, data []byte) {
	t.Helper()
	if err := s.Send(context.Background(), "bounces@kemsos.go.id", to, data); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func asSendError(t *testing.T, err error) *SendError {
	t.Helper()
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *SendError", err, err)
	}
	return se
}

func TestSendDeliversExactBytes(t *testing.T) {
	tests := []struct {
		name   string
		opts   []smtpsink.Option
		scheme string
		auth   bool
	}{
		{"STARTTLS with AUTH PLAIN", []smtpsink.Option{smtpsink.WithTLS(), smtpsink.WithAuth(testUser, testPass)}, "smtp", true},
		{"STARTTLS with AUTH LOGIN only", []smtpsink.Option{smtpsink.WithTLS(), smtpsink.WithAuth(testUser, testPass), smtpsink.WithAuthMechanisms("LOGIN")}, "smtp", true},
		{"implicit TLS", []smtpsink.Option{smtpsink.WithImplicitTLS(), smtpsink.WithAuth(testUser, testPass)}, "smtps", true},
		{"plain on loopback with AUTH", []smtpsink.Option{smtpsink.WithAuth(testUser, testPass)}, "smtp", true},
		{"plain on loopback without AUTH", nil, "smtp", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := smtpsink.Start(t, tt.opts...)
			s := newTestSender(t, senderURL(tt.scheme, sink, tt.auth), sink)
			data := testMessage(t, "exact@kemsos.go.id")
			sendOK(t, s, []string{"budi@example.com", "siti@example.org"}, data)
			got := sink.WaitFor(1, 5*time.Second)[0]
			if got.From != "bounces@kemsos.go.id" || strings.Join(got.To, ",") != "budi@example.com,siti@example.org" {
				t.Errorf("envelope = %q -> %q", got.From, got.To)
			}
			if !bytes.Equal(got.Data, data) {
				t.Errorf("relay received different bytes:\n%s", got.Data)
			}
		})
	}
}

func TestSendWrongPasswordIsTemporary(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.WithTLS(), smtpsink.WithAuth(testUser, "other"))
	s := newTestSender(t, senderURL("smtp", sink, true), sink)
	err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "a@b"))
	se := asSendError(t, err)
	// Held in the queue until the operator fixes the password, not bounced.
	if !se.Temporary || se.Code != 535 || !errors.Is(err, ErrAuthFailed) {
		t.Errorf("err = %+v", se)
	}
}

// TestSendSessionRefusalIsTemporaryThenDelivers: a relay that will not talk
// to us says nothing about the message, which must wait, not bounce.
func TestSendSessionRefusalIsTemporaryThenDelivers(t *testing.T) {
	tests := []struct {
		name   string
		opts   []smtpsink.Option
		refuse func(*smtpsink.Sink, int)
		code   int
	}{
		{"554 greeting", nil, (*smtpsink.Sink).RefuseGreeting, 554},
		{"421 greeting", nil, (*smtpsink.Sink).RefuseGreeting, 421},
		{"550 to EHLO", nil, (*smtpsink.Sink).RefuseEHLO, 550},
		{"554 to EHLO before STARTTLS", []smtpsink.Option{smtpsink.WithTLS()}, (*smtpsink.Sink).RefuseEHLO, 554},
		{"454 to STARTTLS", []smtpsink.Option{smtpsink.WithTLS()}, (*smtpsink.Sink).RefuseSTARTTLS, 454},
		{"554 to STARTTLS", []smtpsink.Option{smtpsink.WithTLS()}, (*smtpsink.Sink).RefuseSTARTTLS, 554},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := smtpsink.Start(t, tt.opts...)
			tt.refuse(sink, tt.code)
			s := newTestSender(t, senderURL("smtp", sink, false), sink)
			err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "s1@x"))
			if se := asSendError(t, err); !se.Temporary || se.Code != tt.code {
				t.Errorf("Temporary = %v, Code = %d; want true, %d (%v)", se.Temporary, se.Code, tt.code, err)
			}
			if n := len(sink.Mails()); n != 0 {
				t.Fatalf("%d mails while refusing", n)
			}
			tt.refuse(sink, 0)
			sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "s2@x"))
			if n := len(sink.WaitFor(1, 5*time.Second)); n != 1 {
				t.Errorf("%d mails after the relay accepted", n)
			}
		})
	}
}

// TestSendEHLORefusedAfterRSETIsTemporary: after a failed transaction the
// client says RSET, and go-smtp then repeats EHLO; a relay refusing that
// EHLO must not bounce the next message as if MAIL FROM had been refused.
func TestSendEHLORefusedAfterRSETIsTemporary(t *testing.T) {
	sink := smtpsink.Start(t)
	s := newTestSender(t, senderURL("smtp", sink, false), sink)
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "r1@x"))

	sink.RejectRcpt(func(string) *smtp.SMTPError { return &smtp.SMTPError{Code: 550, Message: "No such user"} })
	sink.RefuseEHLO(550)
	err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"gone@example.com"}, testMessage(t, "r2@x"))
	if se := asSendError(t, err); se.Temporary || len(se.Rejected) != 1 {
		t.Errorf("refused recipient: %+v, want permanent", se)
	}
	sink.RejectRcpt(nil)
	err = s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "r3@x"))
	if se := asSendError(t, err); !se.Temporary || se.Code != 550 {
		t.Errorf("EHLO refused: %+v, want temporary 550", se)
	}
	sink.RefuseEHLO(0)
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "r4@x"))

	want := [][]string{
		{"EHLO", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "RSET", "EHLO"},
		{"EHLO"},
		{"EHLO", "MAIL", "RCPT", "DATA"},
	}
	if got := sink.Commands(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("commands\n got %v\nwant %v", got, want)
	}
}

// TestSendSaysEHLOOncePerSession: a second EHLO is only for after STARTTLS
// (RFC 3207 §4.2); some relays refuse one without a reason.
func TestSendSaysEHLOOncePerSession(t *testing.T) {
	tests := []struct {
		name      string
		opts      []smtpsink.Option
		scheme    string
		auth      bool
		wantStart []string // the commands before the first MAIL
	}{
		{"plain on loopback", nil, "smtp", false, []string{"EHLO"}},
		{"plain on loopback with AUTH", []smtpsink.Option{smtpsink.WithAuth(testUser, testPass)}, "smtp", true, []string{"EHLO", "AUTH"}},
		{"STARTTLS", []smtpsink.Option{smtpsink.WithTLS()}, "smtp", false, []string{"EHLO", "STARTTLS", "EHLO"}},
		{"STARTTLS with AUTH", []smtpsink.Option{smtpsink.WithTLS(), smtpsink.WithAuth(testUser, testPass)}, "smtp", true, []string{"EHLO", "STARTTLS", "EHLO", "AUTH"}},
		{"implicit TLS", []smtpsink.Option{smtpsink.WithImplicitTLS(), smtpsink.WithAuth(testUser, testPass)}, "smtps", true, []string{"EHLO", "AUTH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := smtpsink.Start(t, tt.opts...)
			s := newTestSender(t, senderURL(tt.scheme, sink, tt.auth), sink)
			for i := range 4 {
				sendOK(t, s, []string{"budi@example.com"}, testMessage(t, fmt.Sprintf("e%d@x", i)))
			}
			cmds := sink.Commands()
			if len(cmds) != 1 {
				t.Fatalf("%d connections for 4 mails: %v", len(cmds), cmds)
			}
			want := append([]string(nil), tt.wantStart...)
			for range 4 {
				want = append(want, "MAIL", "RCPT", "DATA")
			}
			if fmt.Sprint(cmds[0]) != fmt.Sprint(want) {
				t.Errorf("commands\n got %v\nwant %v", cmds[0], want)
			}
		})
	}
}

// TestOnlyARefusalOfTheMessageIsPermanent: 5xx to MAIL FROM, RCPT TO or
// DATA bounces the message; a failure anywhere else leaves it queued.
func TestOnlyARefusalOfTheMessageIsPermanent(t *testing.T) {
	tests := []struct {
		phase phase
		code  int
		want  bool
		why   string
	}{
		{phaseSession, 0, true, "connection refused, TLS, timeout, no STARTTLS"},
		{phaseSession, 421, true, "greeting: closing channel"},
		{phaseSession, 554, true, "greeting: no SMTP service here"},
		{phaseSession, 550, true, "EHLO refused"},
		{phaseSession, 501, true, "EHLO name refused"},
		{phaseSession, 454, true, "STARTTLS: TLS not available now"},
		{phaseSession, 554, true, "STARTTLS refused"},
		{phaseAuth, 535, true, "wrong password"},
		{phaseAuth, 534, true, "mechanism too weak"},
		{phaseAuth, 454, true, "temporary authentication failure"},
		{phaseAuth, 0, true, "no common mechanism, or no TLS for the password"},
		{phaseMessage, 0, true, "connection lost mid-transaction"},
		{phaseMessage, 421, true, "closing channel"},
		{phaseMessage, 450, true, "mailbox busy"},
		{phaseMessage, 451, true, "try again later"},
		{phaseMessage, 452, true, "insufficient storage"},
		{phaseMessage, 530, true, "MAIL FROM: authentication required, a session problem"},
		{phaseMessage, 550, false, "no such user"},
		{phaseMessage, 551, false, "user not local"},
		{phaseMessage, 552, false, "message too big"},
		{phaseMessage, 553, false, "address not allowed"},
		{phaseMessage, 554, false, "content rejected"},
	}
	for _, tt := range tests {
		if got := temporary(tt.phase, tt.code); got != tt.want {
			t.Errorf("temporary(%v, %d) = %v, want %v: %s", tt.phase, tt.code, got, tt.want, tt.why)
		}
	}
	// A session problem holds every claimed mail back, not just this one.
	for _, c := range []struct {
		code    int
		session bool
	}{{530, true}, {550, false}, {451, false}} {
		err := classify(context.Background(), &phaseError{phase: phaseMessage, err: &smtp.SMTPError{Code: c.code, Message: "x"}})
		if se := asSendError(t, err); se.Session != c.session {
			t.Errorf("MAIL FROM answered %d: Session = %v, want %v", c.code, se.Session, c.session)
		}
	}
}

func TestSendRefusesPlainTextToRemoteRelay(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.WithAuth(testUser, testPass))
	s := newTestSender(t, senderURL("smtp", sink, true), sink)
	// Pretend the relay is elsewhere: the sink cannot listen off loopback.
	s.(*smtpSender).loopback = false
	err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "a@b"))
	se := asSendError(t, err)
	if !se.Temporary || !strings.Contains(se.Error(), "STARTTLS") {
		t.Errorf("err = %v", err)
	}
	if n := len(sink.Mails()); n != 0 {
		t.Errorf("%d mails delivered in plain text", n)
	}
	// Nothing after EHLO: no AUTH, so no password in clear.
	if got := sink.Commands(); fmt.Sprint(got) != "[[EHLO]]" {
		t.Errorf("commands %v, want [[EHLO]]", got)
	}
}

func TestSendRefusesUntrustedCertificate(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.WithTLS())
	s, err := NewSender(senderURL("smtp", sink, false), "", SenderOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "a@b"))
	if se := asSendError(t, err); !se.Temporary {
		t.Errorf("err = %v", err)
	}
}

func TestSendReusesOneConnection(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.WithTLS(), smtpsink.WithAuth(testUser, testPass))
	s := newTestSender(t, senderURL("smtp", sink, true), sink)
	for i := range 5 {
		sendOK(t, s, []string{"budi@example.com"}, testMessage(t, fmt.Sprintf("m%d@kemsos.go.id", i)))
	}
	mails := sink.WaitFor(5, 5*time.Second)
	if len(mails) != 5 {
		t.Fatalf("got %d mails", len(mails))
	}
	if n := sink.Conns(); n != 1 {
		t.Errorf("5 sends used %d connections, want 1", n)
	}
}

func TestSendClosesIdleConnection(t *testing.T) {
	sink := smtpsink.Start(t)
	s, err := NewSender(senderURL("smtp", sink, false), "", SenderOptions{Timeout: 5 * time.Second, IdleTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "1@x"))
	time.Sleep(300 * time.Millisecond)
	ss := s.(*smtpSender)
	ss.sem <- struct{}{}
	open := ss.c != nil
	<-ss.sem
	if open {
		t.Error("connection still open after the idle timeout")
	}
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "2@x"))
	if n := sink.Conns(); n != 2 {
		t.Errorf("connections = %d, want 2", n)
	}
}

func TestSendRecipientRefusals(t *testing.T) {
	tempFail := &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "Mailbox busy"}
	permFail := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	tests := []struct {
		name          string
		refuse        map[string]*smtp.SMTPError
		wantTemporary bool
		wantCode      int
		wantRejected  []string
		wantDelivered []string // envelope recipients at the relay; nil: nothing delivered
		wantPartial   bool
	}{
		{"4xx is temporary", map[string]*smtp.SMTPError{"budi@example.com": tempFail}, true, 450, nil, nil, false},
		{"5xx for everyone is permanent", map[string]*smtp.SMTPError{"budi@example.com": permFail, "siti@example.org": permFail}, false, 550, []string{"budi@example.com", "siti@example.org"}, nil, false},
		{"5xx for some delivers to the rest", map[string]*smtp.SMTPError{"budi@example.com": permFail}, false, 550, []string{"budi@example.com"}, []string{"siti@example.org"}, true},
		{"4xx for one holds the whole message", map[string]*smtp.SMTPError{"budi@example.com": permFail, "siti@example.org": tempFail}, true, 450, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := smtpsink.Start(t)
			sink.RejectRcpt(func(addr string) *smtp.SMTPError { return tt.refuse[addr] })
			s := newTestSender(t, senderURL("smtp", sink, false), sink)
			err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com", "siti@example.org"}, testMessage(t, "r@x"))
			se := asSendError(t, err)
			if se.Temporary != tt.wantTemporary || se.Code != tt.wantCode {
				t.Errorf("Temporary = %v, Code = %d; want %v, %d (%v)", se.Temporary, se.Code, tt.wantTemporary, tt.wantCode, err)
			}
			if strings.Join(se.Rejected, ",") != strings.Join(tt.wantRejected, ",") {
				t.Errorf("Rejected = %v, want %v", se.Rejected, tt.wantRejected)
			}
			if errors.Is(err, ErrPartialDelivery) != tt.wantPartial {
				t.Errorf("ErrPartialDelivery = %v, want %v", !tt.wantPartial, tt.wantPartial)
			}
			mails := sink.Mails()
			if tt.wantDelivered == nil {
				if len(mails) != 0 {
					t.Errorf("delivered %d mails", len(mails))
				}
			} else if len(mails) != 1 || strings.Join(mails[0].To, ",") != strings.Join(tt.wantDelivered, ",") {
				t.Errorf("delivered %+v", mails)
			}

			// The connection stays usable for the next message.
			sink.RejectRcpt(nil)
			sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "next@x"))
			if n := sink.Conns(); n != 1 {
				t.Errorf("connections = %d, want 1", n)
			}
		})
	}
}

func TestSendDataFailures(t *testing.T) {
	tests := []struct {
		err           *smtp.SMTPError
		wantTemporary bool
	}{
		{&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}, true},
		{&smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Content rejected"}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err.Code), func(t *testing.T) {
			t.Parallel()
			sink := smtpsink.Start(t)
			sink.FailData(tt.err)
			s := newTestSender(t, senderURL("smtp", sink, false), sink)
			err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "d@x"))
			se := asSendError(t, err)
			if se.Temporary != tt.wantTemporary || se.Code != tt.err.Code {
				t.Errorf("err = %+v", se)
			}
			sink.FailData(nil)
			sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "d2@x"))
		})
	}
}

func TestSendRelayOutageIsTemporaryThenRecovers(t *testing.T) {
	sink := smtpsink.Start(t, smtpsink.WithTLS(), smtpsink.WithAuth(testUser, testPass))
	s := newTestSender(t, senderURL("smtp", sink, true), sink)
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "before@x"))

	sink.Stop()
	err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "during@x"))
	if se := asSendError(t, err); !se.Temporary {
		t.Fatalf("relay down: err = %+v, want temporary", se)
	}

	sink.Restart()
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "after@x"))
	mails := sink.WaitFor(2, 5*time.Second)
	if len(mails) != 2 {
		t.Errorf("got %d mails", len(mails))
	}
}

func TestSendRedialsWhenKeptConnectionWasDropped(t *testing.T) {
	sink := smtpsink.Start(t)
	s := newTestSender(t, senderURL("smtp", sink, false), sink)
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "1@x"))
	// Restart closes every open connection, as a relay's idle timeout
	// would; the sender only finds out on its next command.
	sink.Restart()
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "2@x"))
	if got := len(sink.WaitFor(2, 5*time.Second)); got != 2 {
		t.Errorf("got %d mails", got)
	}
	if n := sink.Conns(); n != 2 {
		t.Errorf("connections = %d, want 2", n)
	}
}

func TestSendHonoursContext(t *testing.T) {
	sink := smtpsink.Start(t)
	s := newTestSender(t, senderURL("smtp", sink, false), sink)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Send(ctx, "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "c@x"))
	if se := asSendError(t, err); !se.Temporary || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestSendAfterCloseFails(t *testing.T) {
	sink := smtpsink.Start(t)
	s := newTestSender(t, senderURL("smtp", sink, false), sink)
	sendOK(t, s, []string{"budi@example.com"}, testMessage(t, "1@x"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err := s.Send(context.Background(), "bounces@kemsos.go.id", []string{"budi@example.com"}, testMessage(t, "2@x"))
	if !errors.Is(err, ErrSenderClosed) {
		t.Errorf("err = %v", err)
	}
}

func TestSendRejectsBadEnvelope(t *testing.T) {
	sink := smtpsink.Start(t)
	s := newTestSender(t, senderURL("smtp", sink, false), sink)
	for _, to := range [][]string{nil, {"budi@example.com\r\nRCPT TO:<x@y>"}, {"not-an-address"}} {
		err := s.Send(context.Background(), "bounces@kemsos.go.id", to, testMessage(t, "e@x"))
		if se := asSendError(t, err); se.Temporary {
			t.Errorf("to %q: err = %v, want permanent", to, err)
		}
	}
	if sink.Conns() != 0 {
		t.Error("connected for an invalid envelope")
	}
}

func TestNewSenderParsesURL(t *testing.T) {
	tests := []struct {
		url       string
		wantAddr  string
		implicit  bool
		user      string
		pass      string
		wantError bool
	}{
		{"smtp://relay.kemsos.go.id", "relay.kemsos.go.id:587", false, "", "", false},
		{"smtps://relay.kemsos.go.id", "relay.kemsos.go.id:465", true, "", "", false},
		{"smtp://u%40kemsos.go.id:p%3Aw%2Fd@relay:2525", "relay:2525", false, "u@kemsos.go.id", "p:w/d", false},
		{"smtps://[::1]:4650", "[::1]:4650", true, "", "", false},
		{"imap://relay", "", false, "", "", true},
		{"smtp://", "", false, "", "", true},
		{"smtp://a b", "", false, "", "", true},
	}
	for _, tt := range tests {
		s, err := NewSender(tt.url, "", SenderOptions{})
		if tt.wantError {
			if err == nil {
				t.Errorf("%s: no error", tt.url)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		ss := s.(*smtpSender)
		if ss.addr != tt.wantAddr || ss.implicitTLS != tt.implicit || ss.user != tt.user || ss.pass != tt.pass {
			t.Errorf("%s: addr %q implicit %v user %q pass %q", tt.url, ss.addr, ss.implicitTLS, ss.user, ss.pass)
		}
	}
}

func TestNewSenderWithoutURLWritesOutbox(t *testing.T) {
	s, err := NewSender("", t.TempDir(), SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*DirSender); !ok {
		t.Errorf("got %T, want *DirSender", s)
	}
}

func TestLoginClientFollowsPrompts(t *testing.T) {
	for _, prompts := range [][2]string{{"Username:", "Password:"}, {"username:", "password:"}, {"", ""}} {
		c := &loginClient{user: "u", pass: "p"}
		if mech, ir, _ := c.Start(); mech != "LOGIN" || ir != nil {
			t.Fatalf("Start = %q %q", mech, ir)
		}
		u, err1 := c.Next([]byte(prompts[0]))
		p, err2 := c.Next([]byte(prompts[1]))
		if string(u) != "u" || string(p) != "p" || err1 != nil || err2 != nil {
			t.Errorf("prompts %q: answered %q %q (%v %v)", prompts, u, p, err1, err2)
		}
	}
}

func BenchmarkSendToSink(b *testing.B) {
	sink := smtpsink.Start(b, smtpsink.WithTLS(), smtpsink.WithAuth(testUser, testPass))
	s := newTestSender(b, senderURL("smtp", sink, true), sink)
	data := testMessage(b, "bench@kemsos.go.id")
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	start := time.Now()
	for b.Loop() {
		if err := s.Send(ctx, "bounces@kemsos.go.id", []string{"budi@example.com"}, data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mails/s")
	if n := sink.Conns(); n != 1 {
		b.Errorf("used %d connections", n)
	}
}
