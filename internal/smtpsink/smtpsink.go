// Package smtpsink is an in-process SMTP server for tests: it listens on a
// real loopback socket, records every message it accepts and every command
// each connection sends, and can be told to refuse the greeting, EHLO,
// STARTTLS or recipients, fail DATA, go down and come back, so that delivery
// code is tested against the protocol rather than a mock.
//
// It lives outside a _test file because the tests of several packages
// (outbound, the web handlers, end-to-end tests) share it. It must never be
// used by production code: it keeps every message in memory and accepts any
// sender.
package smtpsink

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message as the sink received it: the envelope and the exact
// bytes of DATA.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Option configures a Sink.
type Option func(*config)

type config struct {
	user, pass  string
	mechs       []string
	startTLS    bool
	implicitTLS bool
}

// WithAuth makes the sink offer AUTH PLAIN and LOGIN and refuse MAIL FROM
// until the client has authenticated as user with pass.
func WithAuth(user, pass string) Option {
	return func(c *config) {
		c.user, c.pass = user, pass
		if c.mechs == nil {
			c.mechs = []string{sasl.Plain, sasl.Login}
		}
	}
}

// WithAuthMechanisms restricts the mechanisms offered with WithAuth, e.g.
// only "LOGIN" to imitate the older Exchange relays that offer nothing else.
func WithAuthMechanisms(mechs ...string) Option {
	return func(c *config) { c.mechs = mechs }
}

// WithTLS makes the sink offer STARTTLS with a self-signed certificate for
// 127.0.0.1 and localhost, generated at start. Clients trust it through
// Sink.TLSConfig or Sink.CertPool.
func WithTLS() Option {
	return func(c *config) { c.startTLS = true }
}

// WithImplicitTLS makes the listener speak TLS from the first byte, as on
// port 465 (RFC 8314).
func WithImplicitTLS() Option {
	return func(c *config) { c.implicitTLS = true }
}

// Sink is a running SMTP server. All methods are safe for concurrent use.
type Sink struct {
	t    testing.TB
	cfg  config
	addr string

	serverTLS *tls.Config
	pool      *x509.CertPool

	mu             sync.Mutex
	mails          []Mail
	conns          int
	logs           []*connLog // one per connection, as conns counts them
	rejectRcpt     func(addr string) *smtp.SMTPError
	failData       *smtp.SMTPError
	refuseGreeting int
	refuse         map[string]int // command verb -> reply code
	changed        chan struct{}  // closed and replaced whenever a mail arrives
	srv            *smtp.Server
	ln, innerLn    net.Listener       // the clients' listener and go-smtp's
	served         chan struct{}      // closed when the current Serve and accept loop return
	live           map[*wire]struct{} // connections open now
	wires          sync.WaitGroup     // their goroutines
}

// Start starts a sink on 127.0.0.1 with a free port and stops it when the
// test ends.
func Start(t testing.TB, opts ...Option) *Sink {
	t.Helper()
	s := &Sink{t: t, changed: make(chan struct{}), refuse: map[string]int{}, live: map[*wire]struct{}{}}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.startTLS || s.cfg.implicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			t.Fatalf("smtpsink: certificate: %v", err)
		}
		s.serverTLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.pool = pool
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtpsink: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port of the listener; it stays the same across Restart.
func (s *Sink) Addr() string { return s.addr }

// Host is the listener's IP address.
func (s *Sink) Host() string {
	h, _, _ := net.SplitHostPort(s.addr)
	return h
}

// Port is the listener's port.
func (s *Sink) Port() string {
	_, p, _ := net.SplitHostPort(s.addr)
	return p
}

// CertPool holds the sink's self-signed certificate; nil without TLS.
func (s *Sink) CertPool() *x509.CertPool { return s.pool }

// TLSConfig is a client configuration that trusts the sink's certificate;
// nil without TLS.
func (s *Sink) TLSConfig() *tls.Config {
	if s.pool == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.pool, ServerName: "127.0.0.1"}
}

// Mails returns a copy of every message received so far, in order.
func (s *Sink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Reset forgets the messages received so far, the connection count and
// the commands of the connections so far.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mails = nil
	s.conns = 0
	s.logs = nil
}

// WaitFor waits until at least n messages have arrived and returns them; it
// fails the test if that takes longer than timeout.
func (s *Sink) WaitFor(n int, timeout time.Duration) []Mail {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, ch := len(s.mails), s.changed
		if got >= n {
			mails := append([]Mail(nil), s.mails...)
			s.mu.Unlock()
			return mails
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("smtpsink: got %d mails within %v, want %d", got, timeout, n)
			return nil
		}
	}
}

// Conns is how many connections were accepted since Start (or Reset), to
// check that a client reuses its connection.
func (s *Sink) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Commands returns, for each connection since Start (or Reset) in the order
// they were accepted, the verbs of the commands it sent, upper-cased
// ("EHLO", "STARTTLS", "MAIL", ...), refused ones included. The lines of a
// message and of an AUTH exchange are not commands and are left out.
func (s *Sink) Commands() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]string, len(s.logs))
	for i, l := range s.logs {
		out[i] = append([]string(nil), l.commands...)
	}
	return out
}

// EHLOs is how many EHLO or HELO commands each connection since Start (or
// Reset) sent, in the order the connections were accepted: 1 for a session
// in clear, 2 with STARTTLS, which requires a new EHLO (RFC 3207 §4.2).
func (s *Sink) EHLOs() []int {
	var out []int
	for _, cmds := range s.Commands() {
		n := 0
		for _, c := range cmds {
			if c == "EHLO" || c == "HELO" {
				n++
			}
		}
		out = append(out, n)
	}
	return out
}

// RefuseGreeting makes the sink greet the connections it accepts from now
// on with code instead of 220, as a relay does that will not serve the
// client (RFC 5321 §3.1, "554 No SMTP service here"); it then answers 503 to
// every command but QUIT. A 421 greeting also closes the connection (§3.8).
// RefuseGreeting(0) greets with 220 again.
func (s *Sink) RefuseGreeting(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseGreeting = code
}

// RefuseEHLO makes every EHLO, on open connections too, answer code until
// RefuseEHLO(0); 421 also closes the connection. HELO is still accepted, so
// that 500 or 502 imitates a relay that only knows HELO.
func (s *Sink) RefuseEHLO(code int) { s.refuseCommand("EHLO", code) }

// RefuseSTARTTLS makes every STARTTLS answer code (e.g. 454, "TLS not
// available due to temporary reason", RFC 3207 §4) until RefuseSTARTTLS(0);
// 421 also closes the connection.
func (s *Sink) RefuseSTARTTLS(code int) { s.refuseCommand("STARTTLS", code) }

func (s *Sink) refuseCommand(verb string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.refuse, verb)
	} else {
		s.refuse[verb] = code
	}
}

// RejectRcpt makes RCPT TO fail for every address f returns an error for
// (use a 5xx code for a permanent and 4xx for a temporary refusal); nil
// accepts everyone again.
func (s *Sink) RejectRcpt(f func(addr string) *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRcpt = f
}

// FailData makes every DATA command fail with err until FailData(nil).
func (s *Sink) FailData(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = err
}

// Stop closes the listener and every open connection, as a relay outage
// would. It is safe to call more than once.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv, ln, innerLn, served := s.srv, s.ln, s.innerLn, s.served
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	ln.Close()
	// Also closed here in case Serve has not yet got as far as noting it.
	innerLn.Close()
	srv.Close()
	<-served
	s.mu.Lock()
	for w := range s.live {
		w.raw.Close()
	}
	s.mu.Unlock()
	s.wires.Wait()
}

// Restart listens again on the same address after Stop.
func (s *Sink) Restart() {
	s.t.Helper()
	s.Stop()
	var ln net.Listener
	var err error
	// The kernel may hold the port for a moment after the old listener
	// closed; the same address is the point of Restart, so retry briefly.
	for i := 0; i < 50; i++ {
		ln, err = net.Listen("tcp", s.addr)
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtpsink: restart on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// serve runs go-smtp on an internal listener and proxies each client of ln
// to it through a wire.
func (s *Sink) serve(ln net.Listener) {
	innerLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		s.t.Fatalf("smtpsink: listen: %v", err)
	}
	innerAddr := innerLn.Addr().String()
	if s.cfg.implicitTLS {
		innerLn = tls.NewListener(innerLn, s.serverTLS)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{sink: s}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	// Real-world mail has long lines (HTML without breaks, long base64
	// headers); the default 2000 would make the sink stricter than relays.
	srv.MaxLineLength = 1 << 20
	srv.MaxMessageBytes = 64 << 20
	srv.MaxRecipients = 1000
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if s.cfg.startTLS || s.cfg.implicitTLS {
		srv.TLSConfig = s.serverTLS
	}
	served := make(chan struct{})
	s.mu.Lock()
	s.srv, s.ln, s.innerLn, s.served = srv, ln, innerLn, served
	s.mu.Unlock()
	var loops sync.WaitGroup
	loops.Add(2)
	go func() {
		defer loops.Done()
		srv.Serve(innerLn)
	}()
	go func() {
		defer loops.Done()
		for {
			raw, err := ln.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			s.startWire(raw, innerAddr)
		}
	}()
	go func() {
		loops.Wait()
		close(served)
	}()
}

func (s *Sink) record(m Mail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mails = append(s.mails, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

type session struct {
	sink   *Sink
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.sink.cfg.user == "" {
		return nil
	}
	return ss.sink.cfg.mechs
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	cfg := ss.sink.cfg
	offered := false
	for _, m := range ss.AuthMechanisms() {
		offered = offered || strings.EqualFold(m, mech)
	}
	if !offered {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(user, pass string) error {
		if user != cfg.user || pass != cfg.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.cfg.user != "" && !ss.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.sink.mu.Lock()
	reject := ss.sink.rejectRcpt
	ss.sink.mu.Unlock()
	if reject != nil {
		if err := reject(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.sink.mu.Lock()
	fail := ss.sink.failData
	ss.sink.mu.Unlock()
	if fail != nil {
		return fail
	}
	ss.sink.record(Mail{From: ss.from, To: append([]string(nil), ss.to...), Data: data})
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// loginServer is the server side of the obsolete LOGIN mechanism
// (draft-murchison-sasl-login), which go-sasl only implements for clients.
// It accepts the user name either as an initial response or after the
// "Username:" challenge, as Outlook and Thunderbird each do one or the other.
type loginServer struct {
	check func(user, pass string) error
	user  []byte
	step  int
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		if len(resp) == 0 {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		l.user, l.step = resp, 2
		return []byte("Password:"), false, nil
	case 1:
		l.user, l.step = resp, 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(string(l.user), string(resp))
	}
	return nil, false, errors.New("smtpsink: unexpected LOGIN response")
}

// selfSigned makes a throwaway certificate for the loopback names and a pool
// that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "smtpsink"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
