package main

// Helpers for the fault tests (fault_test.go): the helpdesk run as a real
// process that can be SIGKILLed, go-imap's in-memory server behind a
// listener that can drop connections, and readers of what arrived where.
//
// The helpdesk process is this test binary re-executed: with
// HELPDESK_FAULT_CHILD=1 in its environment, init runs main before the
// testing framework starts, so the child is the helpdesk binary built from
// exactly the code under test, with no `go build` (tens of seconds on two
// cores, and a toolchain the test would need at run time) and no stale
// binary.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgcluster"
	"github.com/kemsos/helpdesk/internal/smtpsink"
)

const faultChildEnv = "HELPDESK_FAULT_CHILD"

// faultJobsEnv gives the child's scheduled jobs intervals of their own,
// "mark-overdue=500ms,outbox-digests=1s": a test of the scheduler in serve
// then waits a second, not a minute.
const faultJobsEnv = "HELPDESK_FAULT_JOB_EVERY"

// faultHWMEnv names a file the child writes its peak RSS (VmHWM, KiB) to
// as it exits: exact, where the parent's 10 ms samples may miss a peak
// just before the exit, and wait4's ru_maxrss counts the test binary's
// own RSS at the fork (Linux keeps it across exec).
const faultHWMEnv = "HELPDESK_FAULT_HWM_FILE"

func init() {
	if os.Getenv(faultChildEnv) == "1" {
		jobs, err := faultJobSchedule(os.Getenv(faultJobsEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		code := runMain(jobs...)
		if f := os.Getenv(faultHWMEnv); f != "" {
			os.WriteFile(f, []byte(strconv.FormatInt(vmHWM(os.Getpid()), 10)), 0o644)
		}
		os.Exit(code)
	}
}

// vmHWM is a process's peak RSS so far, KiB, or 0.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	return 0
}

func faultJobSchedule(spec string) ([]jobOption, error) {
	var opts []jobOption
	for _, item := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' }) {
		name, every, _ := strings.Cut(strings.TrimSpace(item), "=")
		d, err := time.ParseDuration(every)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s: %q: want name=duration", faultJobsEnv, item)
		}
		opts = append(opts, jobEvery(name, d))
	}
	return opts, nil
}

const (
	faultFrom   = "helpdesk@kemsos.go.id"
	faultSecret = "fault-test-secret-0123456789abcdef0123456789"
)

// faultProc is one helpdesk command run as a child process, restartable
// after a kill; every start logs to a file of its own.
type faultProc struct {
	t    *testing.T
	name string
	args []string
	env  []string
	dir  string
	HTTP string // the web listener, host:port

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	logs   []string
}

// faultEnv is the test's environment without any HELPDESK_ setting, plus
// the marker that makes the child run the helpdesk.
func faultEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HELPDESK_") {
			env = append(env, kv)
		}
	}
	env = append(env, faultChildEnv+"=1")
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// startServe runs `helpdesk serve` with its own data dir and HTTP port and
// the given settings (HELPDESK_DATABASE_URL at least), and waits until it
// is healthy.
func startServe(t *testing.T, name string, settings map[string]string) *faultProc {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &faultProc{t: t, name: name, args: []string{"serve"}, dir: dir, HTTP: freeAddr(t)}
	s := map[string]string{
		"HELPDESK_DATA_DIR":  filepath.Join(dir, "data"),
		"HELPDESK_HTTP_ADDR": p.HTTP,
		"HELPDESK_FROM":      faultFrom,
		"HELPDESK_SECRET":    faultSecret,
		// go-imap's in-memory server now and then fails to report new
		// mail in IDLE; the safety-net poll then finds it, and must do so
		// within the tests' waits.
		"HELPDESK_IMAP_POLL_SECONDS": "5",
	}
	for k, v := range settings {
		s[k] = v
	}
	p.env = faultEnv(s)
	t.Cleanup(p.cleanup)
	p.start()
	p.waitHealthy(60 * time.Second)
	return p
}

// start launches the process (again).
func (p *faultProc) start() {
	p.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	logPath := filepath.Join(p.dir, fmt.Sprintf("%s-%d.log", p.name, len(p.logs)+1))
	f, err := os.Create(logPath)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(exe, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	f.Close() // the child has its own descriptor
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	p.cmd, p.exited, p.logs = cmd, exited, append(p.logs, logPath)
}

// kill sends SIGKILL, as the OOM killer or a power cut would, and reaps
// the process, so that the kernel has closed its sockets when it returns.
func (p *faultProc) kill() {
	p.t.Helper()
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		p.t.Fatalf("%s did not die on SIGKILL", p.name)
	}
}

// pid is the running process's id.
func (p *faultProc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// starts is how many times the process was started.
func (p *faultProc) starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.logs)
}

func (p *faultProc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// cleanup stops a process still running (SIGTERM, then SIGKILL) and, when
// the test failed, shows the end of its logs.
func (p *faultProc) cleanup() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd != nil {
		select {
		case <-exited:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				cmd.Process.Signal(syscall.SIGKILL)
				<-exited
				p.t.Errorf("%s did not stop on SIGTERM within 20 s", p.name)
			}
		}
	}
	if keep := os.Getenv("HELPDESK_FAULT_LOGS"); keep != "" {
		// For a human reading a run afterwards.
		os.MkdirAll(keep, 0o755)
		for _, l := range p.logs {
			if b, err := os.ReadFile(l); err == nil {
				os.WriteFile(filepath.Join(keep, p.t.Name()+"-"+filepath.Base(l)), b, 0o644)
			}
		}
	}
	if p.t.Failed() {
		for _, l := range p.logs {
			b, _ := os.ReadFile(l)
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			if len(lines) > 40 {
				lines = lines[len(lines)-40:]
			}
			p.t.Logf("--- end of %s:\n%s", filepath.Base(l), strings.Join(lines, "\n"))
		}
	}
}

// logText is everything every run of the process logged.
func (p *faultProc) logText() string {
	p.mu.Lock()
	logs := append([]string(nil), p.logs...)
	p.mu.Unlock()
	var b strings.Builder
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		b.Write(data)
	}
	return b.String()
}

// logLines counts log lines containing every one of the substrings.
func (p *faultProc) logLines(subs ...string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(p.logText()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(sc.Text(), s)
		}
		if ok {
			n++
		}
	}
	return n
}

// healthCode is the status of GET /healthz, or 0 when nothing answers.
func healthCode(addr string) int {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitHealthy waits for /healthz to answer 200 and says how long it took.
func (p *faultProc) waitHealthy(d time.Duration) time.Duration {
	p.t.Helper()
	start := time.Now()
	faultWait(p.t, d, p.name+" healthy", func() bool {
		if !p.alive() {
			p.t.Fatalf("%s exited while starting:\n%s", p.name, p.logText())
		}
		return healthCode(p.HTTP) == 200
	})
	return time.Since(start)
}

// faultWait polls cond until it holds, failing the test after d.
func faultWait(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			if db, ok := faultDBs.Load(t); ok {
				logActivity(t, db.(*sqlx.DB))
			}
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func faultOpenDB(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	faultDBs.Store(t, db)
	return db
}

// faultDBs is each test's database, for a diagnosis when a wait times out.
var faultDBs sync.Map

// logActivity logs what every session of the test's database is doing:
// a wait that timed out is most often a lock someone holds.
func logActivity(t *testing.T, db *sqlx.DB) {
	var rows []struct {
		PID   int            `db:"pid"`
		App   string         `db:"application_name"`
		State sql.NullString `db:"state"`
		Wait  sql.NullString `db:"wait"`
		Since sql.NullString `db:"since"`
		Query sql.NullString `db:"query"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.SelectContext(ctx, &rows, `SELECT pid, application_name, state,
			wait_event_type || ':' || wait_event AS wait, (now() - state_change)::text AS since, left(query, 200) AS query
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Logf("pg_stat_activity: %v", err)
		return
	}
	for _, r := range rows {
		t.Logf("session %d %s: %s %s for %s: %s", r.PID, r.App, r.State.String, r.Wait.String, r.Since.String, r.Query.String)
	}
}

// faultCount runs a count query; -1 when the database does not answer
// (it may be down on purpose).
func faultCount(db *sqlx.DB, q string, args ...any) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n int
	if err := db.GetContext(ctx, &n, q, args...); err != nil {
		return -1
	}
	return n
}

// mustCount is faultCount that fails the test on an error.
func mustCount(t *testing.T, db *sqlx.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// faultIMAP is go-imap's in-memory server (IDLE, MOVE, UIDPLUS) on a real
// loopback socket. It can cut connections after a number of bytes written
// (a server dying mid-response), drop every open connection, and go down
// and come back on the same port.
type faultIMAP struct {
	t    *testing.T
	user *imapmemserver.User
	addr string

	mu       sync.Mutex
	srv      *imapserver.Server
	conns    map[*faultConn]struct{}
	accepted int
	cutAfter []int // for the i-th accepted connection: bytes the server may write, 0: no limit
	cuts     int   // connections cut so far
}

const (
	faultIMAPUser = "helpdesk"
	faultIMAPPass = "rahasia"
)

func startFaultIMAP(t *testing.T, cutAfter ...int) *faultIMAP {
	t.Helper()
	user := imapmemserver.NewUser(faultIMAPUser, faultIMAPPass)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	m := &faultIMAP{t: t, user: user, conns: map[*faultConn]struct{}{}, cutAfter: cutAfter}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	m.serve(ln)
	t.Cleanup(m.down)
	return m
}

func (m *faultIMAP) serve(ln net.Listener) {
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if os.Getenv("HELPDESK_FAULT_RAW_MEMSERVER") == "1" {
				// To see the helpdesk against the server's bug (faultSession).
				return imapmemserver.NewUserSession(m.user), nil, nil
			}
			return faultSession{imapmemserver.NewUserSession(m.user)}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapIdle: {}, imap.CapMove: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	m.mu.Lock()
	m.srv = srv
	m.mu.Unlock()
	go srv.Serve(&faultListener{Listener: ln, m: m})
}

// URL is HELPDESK_IMAP_URL for this server.
func (m *faultIMAP) URL() string {
	return "imap://" + faultIMAPUser + ":" + faultIMAPPass + "@" + m.addr + "/INBOX"
}

// down closes the listener and every connection: the server is gone.
func (m *faultIMAP) down() {
	m.mu.Lock()
	srv := m.srv
	m.srv = nil
	m.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same port, with the same mailboxes.
func (m *faultIMAP) up() {
	m.t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", m.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		m.t.Fatalf("imap: listen again on %s: %v", m.addr, err)
	}
	m.serve(ln)
}

// dropAll closes every open connection, as a server restart or a NAT
// timeout would; the listener stays.
func (m *faultIMAP) dropAll() int {
	m.mu.Lock()
	var cs []*faultConn
	for c := range m.conns {
		cs = append(cs, c)
	}
	m.mu.Unlock()
	for _, c := range cs {
		c.Conn.Close()
	}
	return len(cs)
}

func (m *faultIMAP) connections() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.accepted
}

func (m *faultIMAP) cutCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cuts
}

type faultLiteral struct{ *bytes.Reader }

func (l faultLiteral) Size() int64 { return int64(l.Reader.Len()) }

// deliver appends a message to a folder as an MTA would.
func (m *faultIMAP) deliver(folder string, raw []byte) error {
	_, err := m.user.Append(folder, faultLiteral{bytes.NewReader(raw)}, &imap.AppendOptions{})
	return err
}

// count is the number of messages in a folder, and of unseen ones; 0, 0
// when it does not exist.
func (m *faultIMAP) count(folder string) (msgs, unseen int) {
	st, err := m.user.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true})
	if err != nil {
		return 0, 0
	}
	return int(*st.NumMessages), int(*st.NumUnseen)
}

// faultSession is the in-memory server's session with one bug of
// go-imap v2.0.0-beta.8 worked around: a MOVE whose UIDs are all gone
// (moved already) makes it write "* OK [COPYUID v " with the set missing,
// and the client then fails to parse the tagged reply. Dovecot answers
// "OK No messages found"; so does this session. Without it, a helpdesk
// that recovers mail it had moved but not yet recorded as flagged (a
// database outage between the two) fails the session at every retry;
// see the report of issue 6.
type faultSession struct{ *imapmemserver.UserSession }

func (s faultSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	crit := &imap.SearchCriteria{}
	switch set := numSet.(type) {
	case imap.UIDSet:
		crit.UID = []imap.UIDSet{set}
	case imap.SeqSet:
		crit.SeqNum = []imap.SeqSet{set}
	}
	found, err := s.UserSession.Search(imapserver.NumKindUID, crit, &imap.SearchOptions{ReturnAll: true})
	if err != nil {
		return err
	}
	if len(found.AllUIDs()) == 0 {
		return nil
	}
	return s.UserSession.Move(w, numSet, dest)
}

type faultListener struct {
	net.Listener
	m *faultIMAP
}

func (l *faultListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	fc := &faultConn{Conn: c, m: m, left: -1}
	if i := m.accepted; i < len(m.cutAfter) && m.cutAfter[i] > 0 {
		fc.left = m.cutAfter[i]
	}
	m.accepted++
	m.conns[fc] = struct{}{}
	return fc, nil
}

type faultConn struct {
	net.Conn
	m    *faultIMAP
	mu   sync.Mutex
	left int // bytes the server may still write; -1: no limit
}

func (c *faultConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left < 0 {
		return c.Conn.Write(b)
	}
	if len(b) >= c.left {
		n, _ := c.Conn.Write(b[:c.left])
		c.left = 0
		c.Conn.Close()
		c.m.mu.Lock()
		c.m.cuts++
		c.m.mu.Unlock()
		return n, net.ErrClosed
	}
	c.left -= len(b)
	return c.Conn.Write(b)
}

func (c *faultConn) Close() error {
	c.m.mu.Lock()
	delete(c.m.conns, c)
	c.m.mu.Unlock()
	return c.Conn.Close()
}

// citizenMail is a complaint (or, with parent set, a reply to parent) with
// its own Message-ID; pad makes it bigger.
func citizenMail(from, mid, subject, parent string, refs []string, pad int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Warga <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n",
		from, faultFrom, subject, time.Now().Format(time.RFC1123Z), mid)
	if parent != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", parent)
	}
	if len(refs) > 0 {
		b.WriteString("References:")
		for _, r := range refs {
			b.WriteString(" <" + r + ">")
		}
		b.WriteString("\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "Selamat siang, ini pesan %s.\r\n", mid)
	for i := 0; b.Len() < pad; i++ {
		fmt.Fprintf(&b, "Baris %d: bantuan sosial keluarga kami belum cair, mohon dibantu.\r\n", i)
	}
	return b.Bytes()
}

// sinkMessageIDs counts the mails the sink received by Message-ID (without
// angle brackets).
func sinkMessageIDs(t *testing.T, s *smtpsink.Sink) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, m := range s.Mails() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Errorf("sink: unreadable mail: %v", err)
			continue
		}
		ids[strings.Trim(msg.Header.Get("Message-Id"), "<> ")]++
	}
	return ids
}

// outboxRows maps the outbox's Message-IDs to their status, leaving out the
// rows the loop guards suppressed (they are never sent).
func outboxRows(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	var rows []struct {
		ID     string `db:"message_id"`
		Status string `db:"status"`
	}
	if err := db.Select(&rows, `SELECT message_id, status FROM outbox WHERE status <> 'suppressed'`); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows {
		m[strings.Trim(r.ID, "<>")] = r.Status
	}
	return m
}

// checkSentOnce checks that every outbox row was sent, and that the relay
// received each of them exactly once and nothing else.
func checkSentOnce(t *testing.T, db *sqlx.DB, sink *smtpsink.Sink) (rows int) {
	t.Helper()
	out := outboxRows(t, db)
	got := sinkMessageIDs(t, sink)
	bad := 0
	for id, st := range out {
		if st != "sent" || got[id] != 1 {
			if bad < 10 {
				t.Errorf("outbox %s: status %s, received %d times by the relay; want sent, once", id, st, got[id])
			}
			bad++
		}
	}
	for id, n := range got {
		if _, ok := out[id]; !ok {
			t.Errorf("the relay received %s (%d times), which is not in the outbox", id, n)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d outbox rows not sent exactly once", bad, len(out))
	}
	return len(out)
}

// peakRSS samples VmHWM of a running process until it exits; the caller
// compares it with the kernel's own ru_maxrss once it is reaped.
func peakRSS(pid int, done <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, vmHWM(pid))
			select {
			case <-done:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// pipeResult is one run of `helpdesk ingest` as an MTA would run it.
type pipeResult struct {
	code     int
	stdout   string
	stderr   string
	took     time.Duration
	vmHWM    int64 // KiB: its peak RSS, as it reported it at exit (or sampled)
	maxRSSKB int64 // KiB, from wait4's rusage: includes the test binary's RSS
}

// runIngestPipe runs `helpdesk ingest` as a child process with raw on its
// standard input.
func runIngestPipe(t *testing.T, dsn string, raw []byte) pipeResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "ingest")
	hwmFile := filepath.Join(t.TempDir(), "hwm")
	cmd.Env = faultEnv(map[string]string{
		"HELPDESK_DATABASE_URL": dsn,
		"HELPDESK_DATA_DIR":     t.TempDir(),
		"HELPDESK_FROM":         faultFrom,
		"HELPDESK_SECRET":       faultSecret,
		faultHWMEnv:             hwmFile,
	})
	var stdout, stderr bytes.Buffer
	cmd.Stdin = bytes.NewReader(raw)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	peak := peakRSS(cmd.Process.Pid, done)
	werr := cmd.Wait()
	close(done)
	r := pipeResult{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start), vmHWM: <-peak}
	if b, err := os.ReadFile(hwmFile); err == nil {
		n, _ := strconv.ParseInt(string(b), 10, 64)
		r.vmHWM = max(r.vmHWM, n)
	}
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("ingest: %v", werr)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSSKB = ru.Maxrss
	}
	if ctx.Err() != nil {
		t.Fatalf("ingest did not finish within 2 minutes (killed): %s", r.stderr)
	}
	return r
}

// startPrivateCluster starts a PostgreSQL cluster of the test's own, which
// it may kill and restart without disturbing the other tests, and creates
// the helpdesk database in it.
func startPrivateCluster(t *testing.T) (*pgcluster.Cluster, string) {
	t.Helper()
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skipf("SKIPPED LOUDLY: %v", err)
	}
	dir := t.TempDir()
	chmodTree(t, dir) // as root, the unprivileged server user must enter it
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Durable (not Fast): with synchronous_commit off, an immediate stop
	// loses the last commits, which no application can survive.
	c, err := pgcluster.Start(ctx, filepath.Join(dir, "pg"), pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Logf("stopping the private cluster: %v", err)
		}
	})
	if err := ensureDatabase(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c, c.DSN("helpdesk")
}

// faultAPIKey creates an API key with the admin command, as an operator
// would while serve runs.
func faultAPIKey(t *testing.T, dsn string) string {
	t.Helper()
	code, out, errOut := runCLI(context.Background(), "", "apikey", "create", "--name", "fault",
		"--database-url", dsn, "--data-dir", t.TempDir(), "--secret", faultSecret)
	if code != 0 {
		t.Fatalf("apikey create: %d %s", code, errOut)
	}
	return strings.TrimSpace(out)
}

// openTicketViaAPI opens a ticket for a citizen of its own (so that no
// autoresponse cap applies) and returns its number.
func openTicketViaAPI(t *testing.T, addr, key, email string) string {
	t.Helper()
	var tk apiTicket
	status := apiCall(t, "http://"+addr, key, "POST", "/api/v1/tickets", map[string]any{
		"email": email, "name": "Warga", "topic": "Bantuan Umum",
		"subject": "Bantuan belum cair", "message": "Mohon dicek, bantuan kami belum cair."}, &tk)
	if status != 201 || tk.Number == "" {
		t.Fatalf("open via API: %d %+v", status, tk)
	}
	return tk.Number
}

// waitOutboxSettled waits until no outbox row is queued or being sent. On
// timeout it reports what is left and returns false.
func waitOutboxSettled(t *testing.T, db *sqlx.DB, d time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if faultCount(db, `SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')`) == 0 {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	var left []struct {
		Status   string `db:"status"`
		Attempts int    `db:"attempts"`
		N        int    `db:"n"`
	}
	db.Select(&left, `SELECT status, attempts, count(*) AS n FROM outbox WHERE status IN ('queued', 'sending') GROUP BY 1, 2`)
	t.Errorf("after %v the outbox still has unsent rows (status, attempts, count): %+v", d, left)
	return false
}
