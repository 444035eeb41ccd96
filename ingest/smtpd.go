package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/kemsos/helpdesk/tickets"
	"golang.org/x/net/netutil"
)

// SMTPOpts configure the SMTP intake.
type SMTPOpts struct {
	Addr   string
	Domain string // announced in the greeting
	Intake *Intake
	Log    *slog.Logger
	// Accept says whether mail for a recipient is ours: the helpdesk's
	// addresses and the routed ones. Others get 550 at RCPT.
	Accept func(ctx context.Context, rcpt string) (bool, error)
	// MaxSize is the largest message kept whole (default 25 MB): a larger
	// one is accepted and kept with its headers and a note, as by the other
	// ways in; only one over four times it is refused (552).
	MaxSize int64
	// MaxConns bounds the connections served at once (default 64); more
	// wait in the listen queue.
	MaxConns int
}

// SMTPServer is the built-in SMTP intake (HELPDESK_SMTP_LISTEN): an MTA
// hands mail to it, and it answers 250 only once the message is committed.
type SMTPServer struct {
	srv *smtp.Server
	o   SMTPOpts
	ln  net.Listener
}

// NewSMTPServer prepares the intake; Serve starts it.
func NewSMTPServer(o SMTPOpts) *SMTPServer {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxSize <= 0 {
		o.MaxSize = 25 << 20
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 64
	}
	s := &SMTPServer{o: o}
	srv := smtp.NewServer(&smtpBackend{s: s})
	srv.Addr = o.Addr
	srv.Domain = o.Domain
	srv.MaxMessageBytes = 4 * o.MaxSize
	srv.MaxRecipients = 100
	// Real-world mail has long lines (RFC 5322 §2.1.1's 998 is often
	// exceeded by HTML mail generators).
	srv.MaxLineLength = 64 << 10
	srv.ReadTimeout = 2 * time.Minute
	srv.WriteTimeout = 2 * time.Minute
	srv.AllowInsecureAuth = false
	s.srv = srv
	return s
}

// Listen binds the address, so a bad one fails at start.
func (s *SMTPServer) Listen() error {
	ln, err := net.Listen("tcp", s.o.Addr)
	if err != nil {
		return fmt.Errorf("ingest: smtp listen: %w", err)
	}
	// Each connection may hold a message being read: bound them.
	s.ln = netutil.LimitListener(ln, s.o.MaxConns)
	return nil
}

// Addr is the bound address.
func (s *SMTPServer) Addr() string { return s.ln.Addr().String() }

// Serve accepts connections until Close.
func (s *SMTPServer) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops accepting and ends sessions.
func (s *SMTPServer) Close() error { return s.srv.Close() }

type smtpBackend struct{ s *SMTPServer }

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{s: b.s, remote: c.Conn().RemoteAddr().String()}, nil
}

type smtpSession struct {
	s      *SMTPServer
	remote string
	from   string
	rcpts  []string
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.o.Accept != nil {
		ok, err := ss.s.o.Accept(context.Background(), to)
		if err != nil {
			ss.s.o.Log.Warn("smtp intake: recipient check failed", "rcpt", to, "err", err)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
		}
		if !ok {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
		}
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	// The envelope sender is recorded as Return-Path, as a final delivery
	// agent does (RFC 5321 §4.4); an empty one marks a bounce.
	r = io.MultiReader(strings.NewReader("Return-Path: <"+ss.from+">\r\n"), r)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := ss.s.o.Intake.Receive(ctx, r, Source{Mailbox: "smtp", Recipients: ss.rcpts})
	if errors.Is(err, smtp.ErrDataTooLarge) {
		return err // the sender gets 552
	}
	if err != nil {
		ss.s.o.Log.Error("smtp intake: not stored, asking the sender to retry", "remote", ss.remote, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing the message, try again later"}
	}
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.rcpts = "", nil }

func (ss *smtpSession) Logout() error { return nil }

// AcceptAddresses returns a recipient check for the helpdesk's own
// addresses and the routed ones.
func AcceptAddresses(store *tickets.Store, own []string) func(ctx context.Context, rcpt string) (bool, error) {
	mine := map[string]bool{}
	for _, a := range own {
		mine[tickets.NormalizeEmail(a)] = true
	}
	return func(ctx context.Context, rcpt string) (bool, error) {
		r := tickets.NormalizeEmail(rcpt)
		if mine[r] {
			return true, nil
		}
		t, err := store.RouteFor(ctx, store.DB(), []string{r})
		return t != nil, err
	}
}
