package main

// A relay that accepts everything and keeps only counts: the outbound
// figure measures the helpdesk, not a sink holding every message in memory
// (internal/smtpsink keeps them for tests to inspect).

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

type countingSink struct {
	addr   string
	ln     net.Listener
	srv    *smtp.Server
	mails  atomic.Int64
	bytes  atomic.Int64
	served chan struct{}
}

func startSink() (*countingSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &countingSink{addr: ln.Addr().String(), ln: ln, served: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "relay.hdbench"
	s.srv.MaxLineLength = 100000
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	go func() {
		s.srv.Serve(ln)
		close(s.served)
	}()
	return s, nil
}

func (s *countingSink) close() {
	s.srv.Close()
	// Close misses a listener that Serve has not registered yet.
	s.ln.Close()
	<-s.served
}

type sinkSession struct{ s *countingSink }

func (ss *sinkSession) Reset()                               {}
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss *sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	ss.s.bytes.Add(n)
	ss.s.mails.Add(1)
	return nil
}
