package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// The hand-off socket: `helpdesk ingest`, run by the MTA once per mail,
// gives the message to a running `serve` over a Unix socket in the data
// directory instead of opening a database session of its own. The message
// then joins serve's group commit, and the pipe starts in milliseconds:
// no database, no cluster check, no statements to prepare. serve answers
// only after the commit, so the pipe's exit 0 still means "stored".
//
// The protocol is one request per connection:
//
//	HELPDESK-INGEST 1 <mailbox> <recipients> <bytes> <size>\n
//	<one envelope recipient per line>
//	<bytes bytes of the message: all of it, or its headers when its size
//	is over the limit>
//
// answered by one line: "OK <outcome> <ticket>", "TEMP <reason>" (retry
// later) or "FAIL <reason>" (the request itself is wrong).

const socketMagic = "HELPDESK-INGEST 1"

// SocketServer serves the hand-off socket.
type SocketServer struct {
	in  *Intake
	log *slog.Logger
	ln  net.Listener
}

// ListenSocket creates the socket at path, readable and writable by this
// user only (the MTA's pipe runs as the helpdesk's user). A stale socket
// left by a process that died is replaced; a live one is an error.
func ListenSocket(path string, in *Intake, log *slog.Logger) (*SocketServer, error) {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("ingest: %s is in use by another helpdesk", path)
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("ingest: hand-off socket: %w", err)
	}
	// Connecting needs write permission: a socket created with the usual
	// umask (0755) is already closed to others; 0600 says so plainly.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("ingest: hand-off socket: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SocketServer{in: in, log: log, ln: ln}, nil
}

// Serve answers requests until Close.
func (s *SocketServer) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go s.handle(c)
	}
}

// Close stops accepting and removes the socket.
func (s *SocketServer) Close() error { return s.ln.Close() }

func (s *SocketServer) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	r := bufio.NewReader(c)
	answer := func(format string, args ...any) { fmt.Fprintf(c, format+"\n", args...) }
	line, err := r.ReadString('\n')
	f := strings.Fields(line)
	if err != nil || !strings.HasPrefix(line, socketMagic+" ") || len(f) != 6 {
		answer("FAIL not a hand-off request")
		return
	}
	nrcpt, err1 := strconv.Atoi(f[3])
	n, err2 := strconv.ParseInt(f[4], 10, 64)
	size, err3 := strconv.ParseInt(f[5], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || nrcpt < 0 || nrcpt > 1000 || n < 1 || size < n {
		answer("FAIL bad request line")
		return
	}
	src := Source{Mailbox: f[2]}
	if size > n {
		src.Size = size
	}
	for range nrcpt {
		rc, err := r.ReadString('\n')
		if err != nil {
			answer("TEMP %s", err)
			return
		}
		src.Recipients = append(src.Recipients, strings.TrimSpace(rc))
	}
	res, err := s.in.Receive(context.Background(), &exactReader{r: r, left: n}, src)
	if err != nil {
		s.log.Error("hand-off: not stored, the pipe will exit 75", "err", err)
		answer("TEMP %s", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	answer("OK %s %s", res.Outcome, res.Ticket)
}

// exactReader reads the n bytes a request announced, and fails rather
// than end early: a pipe that dies mid-write must get its message back
// (TEMP, the MTA retries), not a truncated letter stored as a whole one.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// HandOff gives a message to the serve listening at path. handled is
// false when no serve answers there (the caller then stores the message
// itself); otherwise err is nil once the message is committed, or says why
// not (a *HandOffError when serve refused it).
func HandOff(path string, raw []byte, src Source) (res Result, handled bool, err error) {
	c, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return Result{}, false, nil
	}
	defer c.Close()
	handled = true
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	mailbox := strings.Join(strings.Fields(src.Mailbox), "_")
	if mailbox == "" {
		mailbox = "pipe"
	}
	var rc []string
	for _, r := range src.Recipients {
		if r = strings.TrimSpace(r); r != "" && !strings.ContainsAny(r, "\r\n") {
			rc = append(rc, r)
		}
	}
	w := bufio.NewWriter(c)
	size := max(src.Size, int64(len(raw)))
	fmt.Fprintf(w, "%s %s %d %d %d\n", socketMagic, mailbox, len(rc), len(raw), size)
	for _, r := range rc {
		fmt.Fprintln(w, r)
	}
	w.Write(raw)
	if err := w.Flush(); err != nil {
		return Result{}, true, fmt.Errorf("ingest: hand-off: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		// serve may have stored it and died before answering: the MTA
		// retries, and the retry is a duplicate if so.
		return Result{}, true, fmt.Errorf("ingest: hand-off: no answer: %w", err)
	}
	f := strings.Fields(line)
	switch {
	case len(f) >= 2 && f[0] == "OK":
		res.Outcome = f[1]
		if len(f) > 2 {
			res.Ticket = f[2]
		}
		return res, true, nil
	case len(f) >= 1 && f[0] == "TEMP":
		return Result{}, true, &HandOffError{Temporary: true, Msg: strings.TrimSpace(strings.TrimPrefix(line, "TEMP"))}
	default:
		return Result{}, true, &HandOffError{Msg: strings.TrimSpace(line)}
	}
}

// HandOffError is serve's refusal of a hand-off.
type HandOffError struct {
	Temporary bool
	Msg       string
}

func (e *HandOffError) Error() string { return "ingest: serve did not store the message: " + e.Msg }
