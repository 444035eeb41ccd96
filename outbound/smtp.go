package outbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sender delivers composed messages.
type Sender interface {
	// Send delivers one message to the envelope recipients to; a *SendError
	// says whether to retry.
	Send(ctx context.Context, from string, to []string, data []byte) error
	Close() error
}

// SendError is every error a Sender returns. Temporary says whether the
// message may be tried again; for the SMTP sender only a 5xx reply to MAIL
// FROM, RCPT TO or DATA makes it false (see temporary).
//
// Partial delivery: when the relay refuses some recipients permanently (5xx)
// and accepts the others, the message is delivered to the accepted ones and
// Send returns a SendError with Temporary false, the refused addresses in
// Rejected and Err wrapping ErrPartialDelivery. The caller must record the
// message as sent and the rejected recipients as bounced, not retry it. A
// temporary (4xx) refusal of any recipient fails the whole message as
// Temporary instead, so that a retry cannot deliver twice to the others.
type SendError struct {
	Temporary bool
	// Session: the failure was the relay's, before any message (connect,
	// greeting, EHLO, STARTTLS, AUTH): the next mail would meet it too.
	Session  bool
	Code     int // SMTP reply code, 0 when the error is not a reply
	Err      error
	Rejected []string // recipients refused permanently
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	s := "outbound: send (" + kind + ")"
	if len(e.Rejected) > 0 {
		s += " rejected " + strings.Join(e.Rejected, ", ")
	}
	return s + ": " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// ErrPartialDelivery marks a SendError after which the message did reach
// the recipients that are not in Rejected.
var ErrPartialDelivery = errors.New("delivered to some recipients only")

// ErrSenderClosed is returned by Send after Close.
var ErrSenderClosed = errors.New("outbound: sender closed")

// ErrAuthFailed is wrapped by the (temporary) SendError of a delivery that
// could not authenticate to the relay: it refused the credentials, or no
// mechanism could be agreed. Every mail waits until the operator fixes
// HELPDESK_SMTP_URL.
var ErrAuthFailed = errors.New("outbound: cannot authenticate to the relay")

// SenderOptions tunes NewSender. The zero value is usable.
type SenderOptions struct {
	// Timeout bounds dialling, the TLS handshake and each SMTP command;
	// default one minute.
	Timeout time.Duration
	// TLSConfig is cloned for STARTTLS and implicit TLS; ServerName
	// defaults to the relay's host. Tests pass the sink's pool here.
	TLSConfig *tls.Config
	// HeloName is the name given in EHLO; default "localhost".
	HeloName string
	// IdleTimeout closes the kept connection after this long without a
	// message; default 30 s, below the 60 s Postfix allows before it
	// drops an idle client itself.
	IdleTimeout time.Duration
}

// NewSender returns the Sender for HELPDESK_SMTP_URL:
//
//   - "smtp://user:pass@host[:587]": STARTTLS is required, except that a
//     loopback relay without STARTTLS is used in plain text (local test
//     relays such as mailpit);
//   - "smtps://user:pass@host[:465]": implicit TLS;
//   - "": a DirSender writing to dataDir/outbox.
//
// User and password are percent-decoded. AUTH uses PLAIN, or LOGIN when the
// relay offers only that.
func NewSender(rawURL, dataDir string, opts SenderOptions) (Sender, error) {
	if rawURL == "" {
		return NewDirSender(dataDir)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included.
		return nil, errors.New("outbound: HELPDESK_SMTP_URL is not a URL")
	}
	s := &smtpSender{opts: opts, sem: make(chan struct{}, 1)}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "587"
	case "smtps":
		port, s.implicitTLS = "465", true
	default:
		return nil, fmt.Errorf("outbound: HELPDESK_SMTP_URL scheme %q: want smtp or smtps", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("outbound: HELPDESK_SMTP_URL has no host")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	s.loopback = isLoopback(s.host)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if s.opts.Timeout <= 0 {
		s.opts.Timeout = time.Minute
	}
	if s.opts.IdleTimeout <= 0 {
		s.opts.IdleTimeout = 30 * time.Second
	}
	if s.opts.HeloName == "" {
		s.opts.HeloName = "localhost"
	}
	if opts.TLSConfig != nil {
		s.tlsConfig = opts.TLSConfig.Clone()
	} else {
		s.tlsConfig = &tls.Config{}
	}
	if s.tlsConfig.ServerName == "" {
		s.tlsConfig.ServerName = s.host
	}
	if s.tlsConfig.MinVersion == 0 {
		s.tlsConfig.MinVersion = tls.VersionTLS12
	}
	return s, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// smtpSender keeps one connection to the relay and sends one message at a
// time over it: a helpdesk sends a few mails a minute, and reusing the
// connection saves the TCP, TLS and AUTH round trips that dominate each.
type smtpSender struct {
	addr, host  string
	implicitTLS bool
	loopback    bool
	user, pass  string
	opts        SenderOptions
	tlsConfig   *tls.Config

	// sem is held by whoever uses the fields below: a channel rather than
	// a mutex so that Send can give up waiting when its context ends.
	sem      chan struct{}
	c        *smtp.Client
	conn     net.Conn // the socket under c, closed to abort a command
	lastUsed time.Time
	// dotSent is set once the final dot may have reached the relay: from
	// then on a lost connection may hide a delivered message.
	dotSent bool
	idle    *time.Timer
	closed  bool
}

func (s *smtpSender) Send(ctx context.Context, from string, to []string, data []byte) error {
	if err := checkEnvelope(from, to); err != nil {
		return &SendError{Err: err}
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return &SendError{Temporary: true, Err: ctx.Err()}
	}
	defer func() { <-s.sem }()
	if s.closed {
		return &SendError{Temporary: true, Err: ErrSenderClosed}
	}

	reused := s.c != nil
	if !reused {
		if err := s.connect(ctx); err != nil {
			return classify(ctx, err)
		}
	}
	// Failures from here on are the transaction's. After a failed one,
	// reset says EHLO again at once, so that a refused EHLO is never taken
	// for the reply to the next MAIL FROM.
	err := s.transaction(ctx, from, to, data)
	if err != nil && reused && !s.dotSent && connectionLost(err) && ctx.Err() == nil {
		// The relay may have dropped the kept connection while it was
		// idle. The message was not complete yet, so nothing can have
		// been delivered and one fresh attempt is safe.
		s.drop()
		if err = s.connect(ctx); err != nil {
			return classify(ctx, err)
		}
		err = s.transaction(ctx, from, to, data)
	}
	if err != nil && s.c != nil {
		if connectionLost(err) || s.reset() != nil {
			s.drop()
		}
	}
	if s.c != nil {
		s.lastUsed = time.Now()
		if s.idle == nil {
			s.idle = time.AfterFunc(s.opts.IdleTimeout, s.closeIdle)
		} else {
			s.idle.Reset(s.opts.IdleTimeout)
		}
	}
	return classify(ctx, inPhase(phaseMessage, err))
}

// reset ends a failed transaction with RSET. go-smtp then forgets the
// session's EHLO and would repeat it before the next MAIL FROM, where a
// refusal would look like the message's; saying it here puts a refusal in
// the session, and the connection is dropped instead.
func (s *smtpSender) reset() error {
	if err := s.c.Reset(); err != nil {
		return err
	}
	return s.c.Hello(s.opts.HeloName)
}

// transaction runs MAIL, RCPT and DATA on the kept connection. It does not
// send RSET first: the end of DATA already resets the transaction (RFC 5321
// §4.1.1.4), and go-smtp's Reset makes the next command repeat EHLO. RSET is
// sent after a failed transaction instead.
func (s *smtpSender) transaction(ctx context.Context, from string, to []string, data []byte) error {
	s.dotSent = false
	stop := context.AfterFunc(ctx, func() { s.conn.Close() })
	defer stop()

	var mailOpts *smtp.MailOptions
	if !isASCII(from) || !isASCII(strings.Join(to, "")) {
		mailOpts = &smtp.MailOptions{UTF8: true}
	}
	if err := s.c.Mail(from, mailOpts); err != nil {
		return err
	}
	var accepted, rejected []string
	var refusal *smtp.SMTPError
	for _, rcpt := range to {
		err := s.c.Rcpt(rcpt, nil)
		var se *smtp.SMTPError
		switch {
		case err == nil:
			accepted = append(accepted, rcpt)
		case errors.As(err, &se) && !temporary(phaseMessage, se.Code):
			rejected = append(rejected, rcpt)
			if refusal == nil {
				refusal = se
			}
		default:
			return err
		}
	}
	if len(accepted) == 0 {
		return &SendError{Temporary: temporary(phaseMessage, refusal.Code), Code: refusal.Code, Err: refusal, Rejected: rejected}
	}
	w, err := s.c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	s.dotSent = true
	if err := w.Close(); err != nil {
		return err
	}
	if len(rejected) > 0 {
		return &SendError{Temporary: temporary(phaseMessage, refusal.Code), Code: refusal.Code, Err: fmt.Errorf("%w: %w", ErrPartialDelivery, refusal), Rejected: rejected}
	}
	return nil
}

// connect dials the relay, opens the session and authenticates. Its errors
// carry their phase, session or AUTH.
func (s *smtpSender) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: s.opts.Timeout}
	raw, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return inPhase(phaseSession, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	c, conn, secure, err := s.session(ctx, raw)
	if err != nil {
		raw.Close()
		return inPhase(phaseSession, err)
	}
	if s.user != "" {
		if err := s.auth(c, secure); err != nil {
			c.Close()
			return inPhase(phaseAuth, err)
		}
	}
	s.c, s.conn = c, conn
	return nil
}

// session reads the greeting and says EHLO once, and with STARTTLS once
// more over TLS, as RFC 3207 §4.2 requires; never twice without, which some
// relays refuse. It returns the client, the connection under it (closed to
// abort a command) and whether that is encrypted.
func (s *smtpSender) session(ctx context.Context, raw net.Conn) (*smtp.Client, net.Conn, bool, error) {
	// Covers the TLS handshake; go-smtp sets its own deadline per command.
	raw.SetDeadline(time.Now().Add(s.opts.Timeout))
	if s.implicitTLS {
		tc := tls.Client(raw, s.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, false, err
		}
		c, err := s.newClient(tc)
		return c, tc, true, err
	}
	c, err := s.newClient(raw)
	if err != nil {
		return nil, nil, false, err
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		if !s.loopback {
			return nil, nil, false, fmt.Errorf("outbound: %s does not offer STARTTLS; refusing to send in plain text", s.host)
		}
		return c, raw, false, nil
	}
	tc, err := s.startTLS(ctx, raw)
	if err != nil {
		return nil, nil, false, err
	}
	// No greeting comes after STARTTLS, but go-smtp's client reads one
	// before its EHLO.
	conn := &replayConn{Conn: tc, greeting: strings.NewReader("220 replay\r\n")}
	c, err = s.newClient(conn)
	return c, conn, true, err
}

func (s *smtpSender) newClient(conn net.Conn) (*smtp.Client, error) {
	c := smtp.NewClient(conn)
	c.CommandTimeout = s.opts.Timeout
	// Relays may scan the message before answering the final dot.
	c.SubmissionTimeout = 2 * s.opts.Timeout
	return c, c.Hello(s.opts.HeloName)
}

// startTLS says STARTTLS on raw and does the handshake. go-smtp's client
// cannot do it after an EHLO of ours (its startTLS is unexported, and
// NewClientStartTLS closes the connection when STARTTLS is not offered, so
// there would be no falling back to plain text on loopback); it is said
// here, below that client, which is then dropped for one on the TLS
// connection. Nothing is left in its buffer: the relay says nothing after
// its reply to EHLO until it is spoken to.
func (s *smtpSender) startTLS(ctx context.Context, raw net.Conn) (*tls.Conn, error) {
	raw.SetDeadline(time.Now().Add(s.opts.Timeout))
	// textproto buffers reads too, but the relay sends nothing after its
	// 220 until our handshake begins.
	tp := textproto.NewConn(raw)
	if err := tp.PrintfLine("STARTTLS"); err != nil {
		return nil, err
	}
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, replyError(err)
	}
	tc := tls.Client(raw, s.tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

func (s *smtpSender) auth(c *smtp.Client, secure bool) error {
	if !secure && !s.loopback {
		return fmt.Errorf("%w: refusing to send the password to %s without TLS", ErrAuthFailed, s.host)
	}
	var a sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		a = sasl.NewPlainClient("", s.user, s.pass)
	case c.SupportsAuth(sasl.Login):
		a = &loginClient{user: s.user, pass: s.pass}
	default:
		return fmt.Errorf("%w: %s offers neither AUTH PLAIN nor LOGIN", ErrAuthFailed, s.host)
	}
	if err := c.Auth(a); err != nil {
		return fmt.Errorf("%w: %w", ErrAuthFailed, err)
	}
	return nil
}

func (s *smtpSender) drop() {
	if s.c != nil {
		s.c.Close()
	}
	s.c, s.conn = nil, nil
}

func (s *smtpSender) closeIdle() {
	select {
	case s.sem <- struct{}{}:
	default:
		return // a Send is running and will re-arm the timer
	}
	defer func() { <-s.sem }()
	if s.c != nil && time.Since(s.lastUsed) >= s.opts.IdleTimeout {
		s.quit()
	}
}

func (s *smtpSender) quit() {
	// A relay that does not answer QUIT promptly is not worth waiting for.
	s.c.CommandTimeout = 5 * time.Second
	if err := s.c.Quit(); err != nil {
		s.c.Close()
	}
	s.c, s.conn = nil, nil
}

// Close waits for a running Send, then says QUIT.
func (s *smtpSender) Close() error {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	s.closed = true
	if s.idle != nil {
		s.idle.Stop()
	}
	if s.c != nil {
		s.quit()
	}
	return nil
}

// phase is the part of the SMTP exchange a failure happened in. With the
// reply code it decides, in temporary, whether the message may be retried.
type phase int

const (
	// phaseSession: dialling, TLS, the greeting, EHLO or HELO, STARTTLS,
	// and the EHLO after RSET.
	phaseSession phase = iota
	// phaseAuth: AUTH, and finding a mechanism for it.
	phaseAuth
	// phaseMessage: MAIL FROM, RCPT TO, DATA and the reply to the message.
	phaseMessage
)

func (p phase) String() string {
	switch p {
	case phaseSession:
		return "session"
	case phaseAuth:
		return "AUTH"
	}
	return "message"
}

// phaseError marks an error with the phase it happened in; its text is the
// error's own.
type phaseError struct {
	phase phase
	err   error
}

func (e *phaseError) Error() string { return e.err.Error() }
func (e *phaseError) Unwrap() error { return e.err }

func inPhase(p phase, err error) error {
	if err == nil {
		return nil
	}
	return &phaseError{phase: p, err: err}
}

// temporary decides whether a failure in phase p with reply code (0 when
// the failure is not a reply: network, TLS, timeout, a relay without
// STARTTLS) may be retried. It is the one place that decides.
//
// Only a 5xx reply to MAIL FROM, RCPT TO or DATA is about the message and
// fails it for good. Anything else says that the path to the relay is
// broken, not the message, and the outbox retries it with backoff for
// Opts.RetryFor, showing the error to agents meanwhile.
func temporary(p phase, code int) bool {
	if code/100 != 5 {
		return true
	}
	switch p {
	case phaseSession:
		// A 5xx greeting ("554 No SMTP service here", RFC 5321 §3.1), or
		// 5xx to EHLO or STARTTLS: the relay will not talk to us now,
		// whatever the message. Failing each for good would bounce every
		// notice queued while a relay is misconfigured or has put our
		// address on a blocklist.
		return true
	case phaseAuth:
		// 535 (wrong password), 534 (mechanism too weak), 538 (TLS
		// required): the operator's mistake, which no message can be
		// blamed for. Holding the mail until it is fixed costs one
		// refused AUTH per attempt, spaced by the outbox's backoff;
		// bouncing it would lose citizens' notices over a typo. The
		// outbox logs these as errors (ErrAuthFailed) so that someone
		// looks.
		return true
	}
	// 530 "Authentication required" (RFC 4954 §6) to MAIL FROM is the
	// session lacking AUTH (HELPDESK_SMTP_URL without credentials), not
	// the message: the same case as a refused AUTH.
	return code == 530
}

// classify turns any error from a delivery attempt into a *SendError. An
// error without a phase counts as one of the session: retried.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &SendError{Temporary: true, Err: fmt.Errorf("%w (%w)", ctxErr, err)}
	}
	p := phaseSession
	var pe *phaseError
	if errors.As(err, &pe) {
		p = pe.phase
	}
	code := 0
	var re *smtp.SMTPError
	if errors.As(err, &re) {
		code = re.Code
	}
	// 530 to MAIL FROM is the session's too (see temporary): the other
	// claimed mails must wait with it, not each knock again.
	return &SendError{Temporary: temporary(p, code), Session: p != phaseMessage || code == 530, Code: code, Err: err}
}

// connectionLost reports whether the connection can no longer be used: an
// I/O error, or 421, with which a relay announces it is closing the channel
// (RFC 5321 §3.8), e.g. after its own idle timeout.
func connectionLost(err error) bool {
	var re *smtp.SMTPError
	if errors.As(err, &re) {
		return re.Code == 421
	}
	var se *SendError
	return !errors.As(err, &se)
}

func replyError(err error) error {
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return &smtp.SMTPError{Code: pe.Code, Message: pe.Msg}
	}
	return err
}

func checkEnvelope(from string, to []string) error {
	if len(to) == 0 {
		return errors.New("outbound: no recipients")
	}
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n<> ") {
			return fmt.Errorf("outbound: envelope address %q is invalid", a)
		}
	}
	for _, a := range to {
		if !strings.Contains(a, "@") {
			return fmt.Errorf("outbound: envelope recipient %q is invalid", a)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// replayConn hands go-smtp's client a greeting the wire does not carry.
type replayConn struct {
	net.Conn
	greeting io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) {
	if c.greeting != nil {
		n, err := c.greeting.Read(p)
		if err == io.EOF {
			c.greeting = nil
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return c.Conn.Read(p)
}

// loginClient is the client side of the obsolete LOGIN mechanism. go-sasl
// has one, but it sends the user name as an initial response and accepts
// only a challenge spelled exactly "Password:"; relays vary in both (seen in
// practice: "Username:" challenges required, lower-case prompts), so this
// one waits for the prompts and reads them loosely.
type loginClient struct {
	user, pass string
	step       int
}

func (a *loginClient) Start() (string, []byte, error) { return sasl.Login, nil, nil }

func (a *loginClient) Next(challenge []byte) ([]byte, error) {
	a.step++
	prompt := strings.ToLower(string(challenge))
	switch {
	case strings.Contains(prompt, "user"):
		return []byte(a.user), nil
	case strings.Contains(prompt, "pass"):
		return []byte(a.pass), nil
	case a.step == 1:
		return []byte(a.user), nil
	case a.step == 2:
		return []byte(a.pass), nil
	}
	return nil, sasl.ErrUnexpectedServerChallenge
}
