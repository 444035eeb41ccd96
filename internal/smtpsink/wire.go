package smtpsink

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// wire is the proxy between one client socket and go-smtp's server, which
// listens on a second, internal loopback socket. go-smtp has no hook for its
// greeting or for EHLO, and after STARTTLS it wraps its connection in TLS
// itself, so a wrapper around the socket it reads would see ciphertext from
// then on. The proxy instead ends the client's TLS and speaks TLS to go-smtp
// in turn, so that it sees every command in clear while go-smtp still does
// STARTTLS, and everything else, its own way.
//
// Only the goroutine copying replies writes to the client. A command the
// sink answers itself (a refused EHLO, anything after a refused greeting) is
// passed on as NOOP and go-smtp's reply to that NOOP replaced, which keeps
// the replies in order even when the client pipelines.
type wire struct {
	sink     *Sink
	log      *connLog
	raw      net.Conn // the client's socket
	inner    net.Conn // the socket to go-smtp
	upgraded chan *upgrade
	done     chan struct{}
	shutOnce sync.Once

	mu      sync.Mutex
	pending []pending // replies go-smtp owes, oldest first
	mode    mode
}

// connLog is what one connection said; guarded by Sink.mu.
type connLog struct {
	commands []string
}

// pending is a reply go-smtp owes the client.
type pending struct {
	verb    string // upper case; "" for the greeting
	replace string // the reply to send instead of go-smtp's, with CRLF
	hangUp  bool   // close the connection after the reply
}

// mode says what the client's next line is.
type mode int

const (
	modeCommand mode = iota
	modeData         // a line of the message, after 354
	modeAuth         // a SASL response, after 334
)

// upgrade is both sides of the wire after STARTTLS.
type upgrade struct{ client, server net.Conn }

func (s *Sink) startWire(raw net.Conn, innerAddr string) {
	s.mu.Lock()
	s.conns++
	log := &connLog{}
	s.logs = append(s.logs, log)
	greeting := s.refuseGreeting
	s.mu.Unlock()

	inner, err := net.DialTimeout("tcp", innerAddr, 5*time.Second)
	if err != nil {
		raw.Close()
		return
	}
	w := &wire{sink: s, log: log, raw: raw, inner: inner, upgraded: make(chan *upgrade, 1), done: make(chan struct{})}
	var client, server net.Conn = raw, inner
	if s.cfg.implicitTLS {
		client = tls.Server(raw, s.serverTLS)
		server = tls.Client(inner, s.TLSConfig())
	}
	p := pending{}
	if greeting != 0 {
		// RFC 5321 §3.1: the server "MUST NOT" accept mail after such a
		// greeting; it waits for QUIT and answers 503 to the rest, except
		// that 421 closes the channel (§3.8).
		p = pending{replace: fmt.Sprintf("%d sink.test refuses service\r\n", greeting), hangUp: greeting == 421}
	}
	w.pending = []pending{p}

	s.mu.Lock()
	s.live[w] = struct{}{}
	s.mu.Unlock()
	s.wires.Add(2)
	go func() {
		defer s.wires.Done()
		w.fromClient(client, server, greeting != 0)
	}()
	go func() {
		defer s.wires.Done()
		w.toClient(client, server)
	}()
}

// shut closes both sockets; the goroutine still running then fails and
// returns.
func (w *wire) shut() {
	w.shutOnce.Do(func() {
		close(w.done)
		w.raw.Close()
		w.inner.Close()
		w.sink.mu.Lock()
		delete(w.sink.live, w)
		w.sink.mu.Unlock()
	})
}

// fromClient copies the client's lines to go-smtp and notes the commands.
func (w *wire) fromClient(client, server net.Conn, greetingRefused bool) {
	defer w.shut()
	r := bufio.NewReader(client)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		w.mu.Lock()
		m := w.mode
		switch {
		case m == modeData && (string(line) == ".\r\n" || string(line) == ".\n"):
			w.mode = modeCommand
		case m == modeAuth:
			w.mode = modeCommand
		}
		w.mu.Unlock()
		if m != modeCommand {
			if _, err := server.Write(line); err != nil {
				return
			}
			continue
		}

		verb, arg, _ := strings.Cut(strings.TrimRight(string(line), "\r\n"), " ")
		verb = strings.ToUpper(verb)
		w.sink.mu.Lock()
		w.log.commands = append(w.log.commands, verb)
		refusal := w.sink.refuse[verb]
		w.sink.mu.Unlock()

		p := pending{verb: verb}
		switch {
		case greetingRefused && verb != "QUIT":
			p.replace = "503 5.5.1 No SMTP service here, only QUIT\r\n"
		case refusal != 0:
			p.replace = fmt.Sprintf("%d %d.0.0 %s refused by sink.test\r\n", refusal, refusal/100, verb)
			p.hangUp = refusal == 421
		}
		forward := line
		if p.replace != "" {
			forward = []byte("NOOP\r\n")
		}
		w.mu.Lock()
		w.pending = append(w.pending, p)
		w.mu.Unlock()
		if _, err := server.Write(forward); err != nil {
			return
		}

		switch {
		case verb == "BDAT":
			// The chunk follows the command without waiting for a reply
			// (RFC 3030 §2).
			size, _ := strconv.ParseInt(strings.Fields(arg + " 0")[0], 10, 64)
			dst := io.Writer(server)
			if p.replace != "" {
				dst = io.Discard
			}
			if _, err := io.CopyN(dst, r, size); err != nil {
				return
			}
		case verb == "STARTTLS" && p.replace == "":
			// Whatever the client sent after STARTTLS in clear is dropped
			// with r, as RFC 3207 §6 asks of servers.
			select {
			case up := <-w.upgraded:
				if up != nil {
					client, server = up.client, up.server
					r = bufio.NewReader(client)
				}
			case <-w.done:
				return
			}
		}
	}
}

// toClient copies go-smtp's replies to the client, replacing those the sink
// answers itself, and does both sides of STARTTLS.
func (w *wire) toClient(client, server net.Conn) {
	defer w.shut()
	r := bufio.NewReader(server)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		code, final := replyCode(line)
		w.mu.Lock()
		var p pending
		owed := len(w.pending) > 0
		if owed {
			p = w.pending[0]
		}
		if final && owed {
			switch {
			case p.replace == "" && p.verb == "DATA" && code == 354:
				w.mode = modeData // the reply after the message is owed too
			case p.replace == "" && p.verb == "AUTH" && code == 334:
				w.mode = modeAuth
			default:
				w.pending = w.pending[1:]
			}
		}
		w.mu.Unlock()

		if owed && p.replace != "" {
			if !final {
				continue
			}
			if _, err := io.WriteString(client, p.replace); err != nil || p.hangUp {
				return
			}
			continue
		}
		if _, err := client.Write(line); err != nil {
			return
		}
		if final && owed && p.verb == "STARTTLS" {
			var up *upgrade
			if code == 220 {
				if up = w.startTLS(client, server); up == nil {
					return
				}
				client, server = up.client, up.server
				r = bufio.NewReader(server)
			}
			w.upgraded <- up
		}
	}
}

// startTLS ends the client's TLS and starts TLS with go-smtp, which is
// waiting for a handshake since its 220.
func (w *wire) startTLS(client, server net.Conn) *upgrade {
	deadline := time.Now().Add(time.Minute)
	ct := tls.Server(client, w.sink.serverTLS)
	ct.SetDeadline(deadline)
	if err := ct.Handshake(); err != nil {
		return nil
	}
	ct.SetDeadline(time.Time{})
	st := tls.Client(server, w.sink.TLSConfig())
	st.SetDeadline(deadline)
	if err := st.Handshake(); err != nil {
		return nil
	}
	st.SetDeadline(time.Time{})
	return &upgrade{client: ct, server: st}
}

// replyCode reads a reply line: "250-..." continues a reply, "250 ..." or
// "250" ends it.
func replyCode(line []byte) (code int, final bool) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) < 3 {
		return 0, true
	}
	code, _ = strconv.Atoi(string(line[:3]))
	return code, len(line) == 3 || line[3] != '-'
}
