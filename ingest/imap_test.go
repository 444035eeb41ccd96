package ingest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/jmoiron/sqlx"
)

const (
	memUser = "helpdesk"
	memPass = "s3cret,with:odd/chars"
)

// memIMAP is go-imap's in-memory server on a real socket.
type memIMAP struct {
	user *imapmemserver.User
	addr string
	srv  *imapserver.Server
	// cutAfter[i] > 0 closes the i-th accepted connection once the server
	// has written that many bytes to it: a server dying mid-response.
	mu       sync.Mutex
	cutAfter []int
	accepted int
	traffic  syncBuffer // protocol as the server sees it, after TLS
	wire     syncBuffer // bytes from clients as they cross the network
	noIdle   bool
}

type memOpts struct {
	caps     imap.CapSet
	host     string // listen address; default 127.0.0.1
	tls      *tls.Config
	implicit bool // TLS from the first byte (imaps); else STARTTLS when tls is set
	cutAfter []int
	// noIdle hides IDLE from the capabilities: go-imap's server announces
	// it after login whatever Caps says.
	noIdle bool
}

func baseCaps(extra ...imap.Cap) imap.CapSet {
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}
	for _, c := range extra {
		caps[c] = struct{}{}
	}
	return caps
}

func startMemIMAP(t *testing.T, o memOpts) *memIMAP {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(memUser, memPass)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	m := &memIMAP{user: user, cutAfter: o.cutAfter, noIdle: o.noIdle}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         o.caps,
		InsecureAuth: o.tls == nil,
		Logger:       log.New(io.Discard, "", 0),
		DebugWriter:  &m.traffic,
	}
	if o.tls != nil && !o.implicit {
		opts.TLSConfig = o.tls
		opts.Caps[imap.CapStartTLS] = struct{}{}
	}
	m.srv = imapserver.New(opts)
	host := o.host
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	m.addr = ln.Addr().String()
	var served net.Listener = &wireListener{Listener: ln, m: m}
	if o.tls != nil && o.implicit {
		served = tls.NewListener(served, o.tls)
	}
	go m.srv.Serve(served)
	t.Cleanup(func() { m.srv.Close() })
	return m
}

func (m *memIMAP) url(scheme string) string {
	return scheme + "://" + memUser + ":" + strings.ReplaceAll(strings.ReplaceAll(memPass, ",", "%2C"), "/", "%2F") + "@" + m.addr + "/INBOX"
}

// deliver appends a message to a folder as an MTA would.
func (m *memIMAP) deliver(t *testing.T, folder string, raw []byte, flags ...imap.Flag) *imap.AppendData {
	t.Helper()
	d, err := m.user.Append(folder, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (m *memIMAP) status(t *testing.T, folder string) *imap.StatusData {
	t.Helper()
	st, err := m.user.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true, NumDeleted: true, UIDValidity: true})
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent {
		// Not created yet: read as empty so that waits can poll it.
		var zero uint32
		return &imap.StatusData{NumMessages: &zero, NumUnseen: &zero, NumDeleted: &zero}
	}
	if err != nil {
		t.Fatalf("status %s: %v", folder, err)
	}
	return st
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Reader.Len()) }

// wireListener records what clients send as it crosses the network
// (before any TLS is removed) and cuts connections as cutAfter says.
type wireListener struct {
	net.Listener
	m *memIMAP
}

func (l *wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	i := l.m.accepted
	l.m.accepted++
	w := &wireConn{Conn: c, wire: &l.m.wire, left: -1, noIdle: l.m.noIdle}
	if i < len(l.m.cutAfter) && l.m.cutAfter[i] > 0 {
		w.left = l.m.cutAfter[i]
	}
	return w, nil
}

type wireConn struct {
	net.Conn
	wire   *syncBuffer
	mu     sync.Mutex
	left   int // bytes the server may still write; -1: no limit
	noIdle bool
}

func (c *wireConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.wire.Write(b[:n])
	return n, err
}

func (c *wireConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.noIdle && bytes.Contains(b, []byte("CAPABILITY")) {
		if _, err := c.Conn.Write(bytes.ReplaceAll(b, []byte(" IDLE"), nil)); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	if c.left < 0 {
		return c.Conn.Write(b)
	}
	if len(b) >= c.left {
		n, _ := c.Conn.Write(b[:c.left])
		c.left = 0
		c.Conn.Close()
		return n, net.ErrClosed
	}
	c.left -= len(b)
	return c.Conn.Write(b)
}

func (m *memIMAP) connections() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.accepted
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var mailSeq atomic.Int64

// citizenMail is a complaint from a distinct citizen with its own
// Message-ID, padded so that a batch spans several TCP writes.
func citizenMail(tag string) []byte {
	n := mailSeq.Add(1)
	return []byte(fmt.Sprintf("From: Warga %[1]d <warga%[1]d@example.id>\r\n"+
		"To: helpdesk@kemsos.go.id\r\n"+
		"Subject: Bansos belum cair %[2]s %[1]d\r\n"+
		"Date: Mon, 2 Mar 2026 10:00:00 +0700\r\n"+
		"Message-ID: <%[2]s.%[1]d@example.id>\r\n"+
		"MIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n"+
		"\r\n"+
		"Selamat pagi, bantuan sosial saya belum cair.\r\n%[3]s\r\n", n, tag, strings.Repeat("Mohon dibantu. ", 60)))
}

// pollerRun is a running poller and the deliveries it attempted.
type pollerRun struct {
	p          *Poller
	deliveries atomic.Int64
	duplicates atomic.Int64
	cancel     context.CancelFunc
	done       chan struct{}
}

func (r *pollerRun) stop() {
	r.cancel()
	<-r.done
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type deliverFunc = func(ctx context.Context, raw []byte, src Source) (Result, error)

func startPoller(t *testing.T, in *Intake, db *sqlx.DB, o PollerOpts, wrap ...func(deliverFunc) deliverFunc) *pollerRun {
	t.Helper()
	o.Intake, o.DB = in, db
	if o.Log == nil {
		o.Log = testLog(t)
	}
	if o.PollInterval == 0 {
		// Long enough that the tests see IDLE, not the safety net, at work.
		o.PollInterval = time.Minute
	}
	p, err := NewPoller(o)
	if err != nil {
		t.Fatal(err)
	}
	p.lockRetry = 200 * time.Millisecond
	r := &pollerRun{p: p, done: make(chan struct{})}
	next := p.deliver
	for _, w := range wrap {
		next = w(next)
	}
	p.deliver = func(ctx context.Context, raw []byte, src Source) (Result, error) {
		r.deliveries.Add(1)
		res, err := next(ctx, raw, src)
		if res.Duplicate {
			r.duplicates.Add(1)
		}
		return res, err
	}
	group := p.deliverGroup
	p.deliverGroup = func(ctx context.Context, items []Item) ([]Result, error) {
		if len(wrap) > 0 {
			// The wrappers fail single messages: a group fails when one of
			// its messages would, as a transaction does.
			for _, it := range items {
				if _, err := wrap[0](func(context.Context, []byte, Source) (Result, error) { return Result{}, nil })(ctx, it.Raw, it.Src); err != nil {
					return nil, err
				}
			}
		}
		r.deliveries.Add(int64(len(items)))
		res, err := group(ctx, items)
		for _, x := range res {
			if x.Duplicate {
				r.duplicates.Add(1)
			}
		}
		return res, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		if err := p.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

func count(t *testing.T, db *sqlx.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func inboundCount(t *testing.T, db *sqlx.DB) int {
	return count(t, db, `SELECT count(*) FROM inbound_messages`)
}

func waitInbound(t *testing.T, db *sqlx.DB, n int) {
	t.Helper()
	waitFor(t, 30*time.Second, fmt.Sprintf("%d stored messages", n), func() bool { return inboundCount(t, db) >= n })
}

// assertStoredOnce checks that n mails became n tickets, each stored once,
// and that every UID the poller saw is recorded as flagged.
func assertStoredOnce(t *testing.T, db *sqlx.DB, n int) {
	t.Helper()
	if got := inboundCount(t, db); got != n {
		t.Errorf("stored messages = %d, want %d", got, n)
	}
	if got := count(t, db, `SELECT count(*) FROM tickets`); got != n {
		t.Errorf("tickets = %d, want %d", got, n)
	}
	if got := count(t, db, `SELECT count(*) FROM inbound_messages WHERE outcome <> 'opened'`); got != 0 {
		t.Errorf("%d messages not opened as tickets", got)
	}
}

func waitAllFlagged(t *testing.T, db *sqlx.DB) {
	t.Helper()
	waitFor(t, 30*time.Second, "all mailbox_uids flagged", func() bool {
		return count(t, db, `SELECT count(*) FROM mailbox_uids WHERE NOT flagged`) == 0
	})
}

func TestIMAPPollerImportsExistingThenIdleMailAndMovesIt(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle, imap.CapMove)})
	for range 5 {
		srv.deliver(t, "INBOX", citizenMail("existing"))
	}
	in, _, db := newTestIntake(t)
	// The in-memory server can drop the EXISTS of a mail appended just as
	// IDLE starts (Dovecot does not); under a loaded CI machine that race
	// is real, so the safety-net poll is short enough to stay inside the
	// bound below. hdbench and the Dovecot test measure real latency.
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap"), BatchSize: 2, PollInterval: 2 * time.Second})

	waitInbound(t, db, 5)
	waitFor(t, 20*time.Second, "INBOX emptied into Processed", func() bool {
		return *srv.status(t, "INBOX").NumMessages == 0 && *srv.status(t, "Processed").NumMessages == 5
	})
	if st := srv.status(t, "Processed"); *st.NumUnseen != 0 {
		t.Errorf("Processed has %d unseen messages, want 0", *st.NumUnseen)
	}

	// Wait until the poller is idling, then measure new mail to ticket.
	time.Sleep(200 * time.Millisecond)
	for i := range 3 {
		start := time.Now()
		srv.deliver(t, "INBOX", citizenMail("idle"))
		waitFor(t, 20*time.Second, "new mail stored", func() bool { return inboundCount(t, db) == 6+i })
		t.Logf("IDLE: new mail %d stored after %v", i+1, time.Since(start).Round(time.Millisecond))
	}
	waitAllFlagged(t, db)
	run.stop()
	assertStoredOnce(t, db, 8)

	// A new process on the same database: nothing is fetched twice.
	run2 := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	srv.deliver(t, "INBOX", citizenMail("after-restart"))
	waitInbound(t, db, 9)
	waitAllFlagged(t, db)
	run2.stop()
	assertStoredOnce(t, db, 9)
	if n := run2.deliveries.Load(); n != 1 {
		t.Errorf("restarted poller delivered %d messages, want 1", n)
	}
	if got := count(t, db, `SELECT last_uid FROM mailbox_state WHERE mailbox = $1`, run.p.Name()); got != 9 {
		t.Errorf("last_uid = %d, want 9", got)
	}
}

func TestIMAPPollerRecreatesProcessedFolderDeletedMidSession(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle, imap.CapMove)})
	srv.deliver(t, "INBOX", citizenMail("before"))
	in, _, db := newTestIntake(t)
	startPoller(t, in, db, PollerOpts{URL: srv.url("imap"), ProcessedFolder: "Selesai"})
	waitFor(t, 20*time.Second, "moved", func() bool { return *srv.status(t, "Selesai").NumMessages == 1 })
	if err := srv.user.Delete("Selesai"); err != nil {
		t.Fatal(err)
	}
	srv.deliver(t, "INBOX", citizenMail("after"))
	waitFor(t, 20*time.Second, "moved into the re-created folder", func() bool {
		return *srv.status(t, "Selesai").NumMessages == 1 && *srv.status(t, "INBOX").NumMessages == 0
	})
	waitAllFlagged(t, db)
	assertStoredOnce(t, db, 2)
}

func TestIMAPPollerWithoutMoveOnlyFlagsAndNeverExpunges(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle)})
	srv.deliver(t, "INBOX", citizenMail("a"))
	// Somebody deleted this one in their mail client without expunging.
	srv.deliver(t, "INBOX", citizenMail("deleted"), imap.FlagDeleted, imap.FlagSeen)
	srv.deliver(t, "INBOX", citizenMail("b"))
	in, _, db := newTestIntake(t)
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})

	waitInbound(t, db, 3)
	waitFor(t, 20*time.Second, "all seen", func() bool { return *srv.status(t, "INBOX").NumUnseen == 0 })
	srv.deliver(t, "INBOX", citizenMail("c"))
	waitInbound(t, db, 4)
	waitAllFlagged(t, db)
	run.stop()

	st := srv.status(t, "INBOX")
	if *st.NumMessages != 4 || *st.NumUnseen != 0 || *st.NumDeleted != 1 {
		t.Errorf("INBOX: %d messages, %d unseen, %d deleted; want 4, 0, 1", *st.NumMessages, *st.NumUnseen, *st.NumDeleted)
	}
	if _, err := srv.user.Status("Processed", &imap.StatusOptions{}); err == nil {
		t.Error("Processed was created on a server without MOVE")
	}
	if strings.Contains(strings.ToUpper(srv.traffic.String()), "EXPUNGE") {
		t.Error("the poller sent EXPUNGE")
	}
	assertStoredOnce(t, db, 4)

	run2 := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	srv.deliver(t, "INBOX", citizenMail("d"))
	waitInbound(t, db, 5)
	waitAllFlagged(t, db)
	run2.stop()
	if n := run2.deliveries.Load(); n != 1 {
		t.Errorf("restarted poller delivered %d messages, want 1 (the messages left in INBOX were fetched again)", n)
	}
	assertStoredOnce(t, db, 5)
}

func TestIMAPPollerWithoutIdlePolls(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(), noIdle: true})
	srv.deliver(t, "INBOX", citizenMail("a"))
	in, _, db := newTestIntake(t)
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap"), PollInterval: 300 * time.Millisecond})
	waitInbound(t, db, 1)
	polls := run.p.polls.Load()
	srv.deliver(t, "INBOX", citizenMail("b"))
	waitInbound(t, db, 2)
	waitAllFlagged(t, db)
	assertStoredOnce(t, db, 2)
	// The second mail was found by the timer's poll: nothing else could
	// tell a server without IDLE has news.
	if run.p.polls.Load() <= polls {
		t.Errorf("the poller found the second mail without polling (%d polls before, %d after)", polls, run.p.polls.Load())
	}
}

func TestIMAPPollerFlagsMessagesCommittedBeforeACrash(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle, imap.CapMove)})
	first := citizenMail("crash")
	a := srv.deliver(t, "INBOX", first)
	srv.deliver(t, "INBOX", citizenMail("after"))
	in, _, db := newTestIntake(t)

	// The earlier process committed the first message and died before
	// flagging it or advancing last_uid.
	p, err := NewPoller(PollerOpts{URL: srv.url("imap"), Intake: in, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Deliver(context.Background(), first, Source{Mailbox: p.Name(), UIDValidity: a.UIDValidity, UID: uint32(a.UID)}); err != nil {
		t.Fatal(err)
	}

	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	waitInbound(t, db, 2)
	waitAllFlagged(t, db)
	waitFor(t, 20*time.Second, "both moved", func() bool { return *srv.status(t, "Processed").NumMessages == 2 })
	run.stop()
	assertStoredOnce(t, db, 2)
	if n := run.deliveries.Load(); n != 1 {
		t.Errorf("poller delivered %d messages, want 1: the committed one is only flagged", n)
	}
}

func TestIMAPPollerFlagsAfterACrashWithoutMove(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle)})
	first := citizenMail("crash")
	a := srv.deliver(t, "INBOX", first)
	in, _, db := newTestIntake(t)
	p, err := NewPoller(PollerOpts{URL: srv.url("imap"), Intake: in, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Deliver(context.Background(), first, Source{Mailbox: p.Name(), UIDValidity: a.UIDValidity, UID: uint32(a.UID)}); err != nil {
		t.Fatal(err)
	}
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	waitFor(t, 20*time.Second, "seen", func() bool { return *srv.status(t, "INBOX").NumUnseen == 0 })
	waitFor(t, 20*time.Second, "last_uid advanced", func() bool {
		return count(t, db, `SELECT last_uid FROM mailbox_state WHERE mailbox = $1`, p.Name()) == 1
	})
	waitAllFlagged(t, db)
	run.stop()
	assertStoredOnce(t, db, 1)
	// last_uid had not advanced, so the message is read again and found
	// to be a duplicate: harmless.
	if n, d := run.deliveries.Load(), run.duplicates.Load(); n != d {
		t.Errorf("%d deliveries, %d duplicates: want only duplicates", n, d)
	}
}

func TestIMAPPollerUIDValidityChangeImportsNothingTwice(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle)})
	mails := [][]byte{citizenMail("v1"), citizenMail("v1"), citizenMail("v1")}
	for _, m := range mails {
		srv.deliver(t, "INBOX", m)
	}
	in, _, db := newTestIntake(t)
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	waitInbound(t, db, 3)
	waitAllFlagged(t, db)
	run.stop()
	oldValidity := srv.status(t, "INBOX").UIDValidity

	// The server rebuilt the mailbox: same mail, new UIDs, new UIDVALIDITY.
	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		srv.deliver(t, "INBOX", m)
	}
	newValidity := srv.status(t, "INBOX").UIDValidity
	if newValidity == oldValidity {
		t.Fatal("UIDVALIDITY did not change")
	}

	run2 := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	waitFor(t, 30*time.Second, "re-read under the new UIDVALIDITY", func() bool {
		return count(t, db, `SELECT count(*) FROM mailbox_uids WHERE uid_validity = $1 AND flagged`, newValidity) == 3
	})
	srv.deliver(t, "INBOX", citizenMail("v2"))
	waitInbound(t, db, 4)
	waitAllFlagged(t, db)
	run2.stop()
	assertStoredOnce(t, db, 4)
	if d := run2.duplicates.Load(); d != 3 {
		t.Errorf("re-read found %d duplicates, want 3", d)
	}
	var st struct {
		Validity int64 `db:"uid_validity"`
		Last     int64 `db:"last_uid"`
	}
	if err := db.Get(&st, `SELECT uid_validity, last_uid FROM mailbox_state WHERE mailbox = $1`, run2.p.Name()); err != nil {
		t.Fatal(err)
	}
	if st.Validity != int64(newValidity) || st.Last != 4 {
		t.Errorf("mailbox_state = %+v, want validity %d, last_uid 4", st, newValidity)
	}
}

func TestIMAPPollerReconnectsAfterServerDropsConnectionMidBatch(t *testing.T) {
	t.Parallel()
	// Each mail is ~1.2 kB. The first connection dies inside the first
	// FETCH, the second inside a later one; the third survives.
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle, imap.CapMove), cutAfter: []int{2500, 6000}})
	sent := map[string]bool{}
	for range 12 {
		m := citizenMail("cut")
		sent[string(m)] = true
		srv.deliver(t, "INBOX", m)
	}
	in, _, db := newTestIntake(t)
	start := time.Now()
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap"), BatchSize: 4})
	waitInbound(t, db, 12)
	waitAllFlagged(t, db)
	waitFor(t, 30*time.Second, "all moved", func() bool { return *srv.status(t, "Processed").NumMessages == 12 })
	t.Logf("12 messages through 2 dropped connections in %v", time.Since(start).Round(time.Millisecond))
	run.stop()
	assertStoredOnce(t, db, 12)
	var raws [][]byte
	if err := db.Select(&raws, `SELECT raw FROM inbound_messages`); err != nil {
		t.Fatal(err)
	}
	for _, r := range raws {
		if !sent[string(r)] {
			t.Errorf("stored message is not one that was sent (%d bytes): cut short?", len(r))
		}
	}
	if n := srv.connections(); n < 3 {
		t.Errorf("%d connections, want at least 3", n)
	}
}

func TestIMAPPollerRetriesWhenTheDatabaseRefuses(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle, imap.CapMove)})
	srv.deliver(t, "INBOX", citizenMail("ok"))
	refused := citizenMail("refused")
	srv.deliver(t, "INBOX", refused)
	// A reply to the refused mail, in the same batch: delivering it first
	// would open a ticket of its own instead of threading.
	refusedID := regexp.MustCompile(`Message-ID: <([^>]+)>`).FindSubmatch(refused)[1]
	refusedFrom := regexp.MustCompile(`<(warga\d+@example.id)>`).FindSubmatch(refused)[1]
	reply := []byte(fmt.Sprintf("From: %s\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Re: tambahan\r\n"+
		"Message-ID: <reply-to-refused@example.id>\r\nIn-Reply-To: <%s>\r\n\r\nData tambahan.\r\n", refusedFrom, refusedID))
	srv.deliver(t, "INBOX", reply)
	srv.deliver(t, "INBOX", citizenMail("independent"))
	in, _, db := newTestIntake(t)
	var (
		failures atomic.Int64
		fail     atomic.Bool
	)
	fail.Store(true)
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")}, func(next deliverFunc) deliverFunc {
		return func(ctx context.Context, raw []byte, src Source) (Result, error) {
			if src.UID == 2 && fail.Load() {
				failures.Add(1)
				return Result{}, errors.New("database is down")
			}
			return next(ctx, raw, src)
		}
	})
	// Mail that depends on nothing is stored and moved; the refused one and
	// the reply held back behind it stay in INBOX, unseen, through retries.
	waitFor(t, 20*time.Second, "the independent two moved", func() bool { return *srv.status(t, "Processed").NumMessages == 2 })
	waitFor(t, 20*time.Second, "a retry", func() bool { return failures.Load() >= 2 })
	if st := srv.status(t, "INBOX"); *st.NumMessages != 2 || *st.NumUnseen != 2 {
		t.Errorf("INBOX: %d messages, %d unseen; want the 2 not stored, unseen", *st.NumMessages, *st.NumUnseen)
	}
	if n := inboundCount(t, db); n != 2 {
		t.Errorf("%d stored, want 2", n)
	}
	fail.Store(false)
	waitInbound(t, db, 4)
	waitAllFlagged(t, db)
	waitFor(t, 20*time.Second, "all moved", func() bool { return *srv.status(t, "Processed").NumMessages == 4 })
	run.stop()
	if n := count(t, db, `SELECT count(DISTINCT dedup_key) FROM inbound_messages`); n != 4 || inboundCount(t, db) != 4 {
		t.Errorf("%d distinct stored, want 4 once each", n)
	}
	if n := count(t, db, `SELECT count(*) FROM inbound_messages WHERE message_id = 'reply-to-refused@example.id' AND outcome = 'reply'`); n != 1 {
		t.Error("the reply did not thread to the mail it answers")
	}
}

func TestIMAPPollersOnOneMailboxTakeTurns(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle)})
	for range 4 {
		srv.deliver(t, "INBOX", citizenMail("pair"))
	}
	in, _, db := newTestIntake(t)
	a := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	waitInbound(t, db, 4)
	waitAllFlagged(t, db)
	b := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	time.Sleep(300 * time.Millisecond)
	for range 3 {
		srv.deliver(t, "INBOX", citizenMail("pair"))
	}
	waitInbound(t, db, 7)
	waitAllFlagged(t, db)
	if n := b.deliveries.Load(); n != 0 {
		t.Errorf("the standby delivered %d messages while the other held the lock", n)
	}

	// The holder goes away; the standby takes over.
	a.stop()
	srv.deliver(t, "INBOX", citizenMail("takeover"))
	waitInbound(t, db, 8)
	waitAllFlagged(t, db)
	b.stop()
	if n := b.deliveries.Load(); n != 1 {
		t.Errorf("the standby delivered %d messages after taking over, want 1", n)
	}
	if n := a.deliveries.Load(); n != 7 {
		t.Errorf("the first poller delivered %d messages, want 7", n)
	}
	assertStoredOnce(t, db, 8)
}

func TestIMAPPollerRetakesTheLockWhenItsDatabaseSessionDies(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle)})
	srv.deliver(t, "INBOX", citizenMail("lock"))
	in, _, db := newTestIntake(t)
	startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
	waitInbound(t, db, 1)
	// The database restarted, or an operator killed the session: the lock
	// went with it, and another process could take the mailbox.
	killed := count(t, db, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) k`)
	if killed != 1 {
		t.Fatalf("terminated %d lock holders, want 1", killed)
	}
	srv.deliver(t, "INBOX", citizenMail("lock"))
	waitInbound(t, db, 2)
	waitFor(t, 20*time.Second, "the lock held again", func() bool {
		return count(t, db, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`) == 1
	})
	waitAllFlagged(t, db)
	assertStoredOnce(t, db, 2)
}

func TestIMAPPollerOverTLS(t *testing.T) {
	t.Parallel()
	cert, pool := selfSignedCert(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	clientTLS := &tls.Config{RootCAs: pool}

	t.Run("imaps", func(t *testing.T) {
		t.Parallel()
		srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle), tls: serverTLS, implicit: true})
		srv.deliver(t, "INBOX", citizenMail("tls"))
		in, _, db := newTestIntake(t)
		startPoller(t, in, db, PollerOpts{URL: srv.url("imaps"), TLSConfig: clientTLS})
		waitInbound(t, db, 1)
		waitAllFlagged(t, db)
	})

	ip := nonLoopbackIP(t)
	t.Run("starttls", func(t *testing.T) {
		t.Parallel()
		if ip == "" {
			t.Skip("no non-loopback address on this machine")
		}
		srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle), tls: serverTLS, host: ip})
		srv.deliver(t, "INBOX", citizenMail("starttls"))
		in, _, db := newTestIntake(t)
		startPoller(t, in, db, PollerOpts{URL: srv.url("imap"), TLSConfig: clientTLS})
		waitInbound(t, db, 1)
		waitAllFlagged(t, db)
		if !strings.Contains(srv.traffic.String(), "LOGIN") {
			t.Error("no LOGIN seen by the server")
		}
		if strings.Contains(srv.wire.String(), "LOGIN") {
			t.Error("LOGIN crossed the network in clear")
		}
	})

	t.Run("plain to a remote host is refused", func(t *testing.T) {
		t.Parallel()
		if ip == "" {
			t.Skip("no non-loopback address on this machine")
		}
		srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle), host: ip})
		srv.deliver(t, "INBOX", citizenMail("plain"))
		in, _, db := newTestIntake(t)
		run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap")})
		waitFor(t, 20*time.Second, "a connection attempt", func() bool { return srv.connections() > 0 })
		time.Sleep(300 * time.Millisecond)
		run.stop()
		if strings.Contains(srv.wire.String(), "LOGIN") {
			t.Error("the password was sent in clear to a non-loopback host")
		}
		if n := inboundCount(t, db); n != 0 {
			t.Errorf("%d messages stored over plain text", n)
		}
	})
}

func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := nonLoopbackIP(t); ip != "" {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// nonLoopbackIP finds an address of this machine that is not loopback, so
// that the rules for remote servers can be tested without a network.
func nonLoopbackIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}

func TestIMAPParseMailboxURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string // names
		wantErr string
	}{
		{in: "", want: nil},
		{in: "imaps://help:pw@mail.example.id/INBOX", want: []string{"imaps://help@mail.example.id/INBOX"}},
		{in: "imaps://help:pw@Mail.Example.ID:993", want: []string{"imaps://help@mail.example.id/INBOX"}},
		{in: "imap://help:pw@mail.example.id:1143/Pengaduan", want: []string{"imap://help@mail.example.id:1143/Pengaduan"}},
		{in: "imaps://help%40kemsos.go.id:p%2Cw@mail.example.id/inbox , imap://b:c@127.0.0.1:1143/",
			want: []string{"imaps://help%40kemsos.go.id@mail.example.id/INBOX", "imap://b@127.0.0.1:1143/INBOX"}},
		{in: "pop3://help:pw@mail.example.id/", wantErr: "scheme"},
		{in: "https://help:pw@mail.example.id/", wantErr: "scheme"},
		{in: "mail.example.id", wantErr: "scheme"},
		{in: "imaps://help@mail.example.id/INBOX", wantErr: "no password"},
		{in: "imaps://help:@mail.example.id/INBOX", wantErr: "no password"},
		{in: "imaps://:pw@mail.example.id/INBOX", wantErr: "no user"},
		{in: "imaps://help:pw@/INBOX", wantErr: "no host"},
		{in: "imaps://help:pw@mail.example.id:99999/", wantErr: "bad port"},
		{in: "imaps://help:pw@mail.example.id/INBOX?tls=no", wantErr: "query"},
		{in: "imaps://help:pw@mail.example.id/INBOX?topic=A&topic=B", wantErr: "query"},
		{in: "imaps://help:pw@mail.example.id/INBOX?topic=", wantErr: "query"},
		{in: "imaps://help:pw@mail.example.id/INBOX#x", wantErr: "fragment"},
		// The topic is no part of the mailbox's name: changing it keeps
		// the mailbox's state.
		{in: "imaps://help:pw@mail.example.id/INBOX?topic=Data+Terpadu", want: []string{"imaps://help@mail.example.id/INBOX"}},
		{in: "imaps://help:pw@mail.example.id/INBOX,imaps://help:other@mail.example.id:993/INBOX", wantErr: "twice"},
	}
	for _, tt := range tests {
		got, err := ParseMailboxURLs(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseMailboxURLs(%q) error = %v, want one mentioning %q", tt.in, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), ":pw@") {
				t.Errorf("error leaks the password: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseMailboxURLs(%q): %v", tt.in, err)
			continue
		}
		var names []string
		for _, u := range got {
			m, err := parseMailboxURL(u)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, m.name)
		}
		if fmt.Sprint(names) != fmt.Sprint(tt.want) {
			t.Errorf("ParseMailboxURLs(%q) names = %q, want %q", tt.in, names, tt.want)
		}
	}
	if m, err := parseMailboxURL("imaps://help:pw@mail.example.id/INBOX?topic=Data+Terpadu"); err != nil || m.topic != "Data Terpadu" {
		t.Errorf("topic %q (%v)", m.topic, err)
	}
}

func TestIMAPURLTransportRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		mode     tlsMode
		addr     string
		password string
	}{
		{"imaps://u:p@mail.example.id/", tlsImplicit, "mail.example.id:993", "p"},
		{"imap://u:p@mail.example.id/", tlsStartTLS, "mail.example.id:143", "p"},
		{"imap://u:p@192.0.2.10:1143/", tlsStartTLS, "192.0.2.10:1143", "p"},
		{"imap://u:p%2Fq%3A%40@127.0.0.1:1143/", tlsNone, "127.0.0.1:1143", "p/q:@"},
		{"imap://u:p@localhost/", tlsNone, "localhost:143", "p"},
		{"imap://u:p@[::1]:1143/", tlsNone, "[::1]:1143", "p"},
		{"imaps://u:p@127.0.0.1/", tlsImplicit, "127.0.0.1:993", "p"},
	}
	for _, tt := range tests {
		m, err := parseMailboxURL(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if m.mode != tt.mode || m.addr != tt.addr || m.password != tt.password {
			t.Errorf("%s: mode %d addr %s password %q; want %d %s %q", tt.in, m.mode, m.addr, m.password, tt.mode, tt.addr, tt.password)
		}
	}
	if _, err := NewPoller(PollerOpts{URL: "imap://u@mail.example.id/"}); err == nil {
		t.Error("NewPoller accepted a URL without password")
	}
}

// TestIMAPConcurrentBatchKeepsThreads puts originals and their replies in
// one batch: delivered concurrently, every reply still lands on its
// original's ticket, and each citizen's mails stay in order.
func TestIMAPConcurrentBatchKeepsThreads(t *testing.T) {
	t.Parallel()
	srv := startMemIMAP(t, memOpts{caps: baseCaps(imap.CapIdle, imap.CapMove)})
	const n = 24
	for i := 0; i < n; i++ {
		srv.deliver(t, "INBOX", []byte(fmt.Sprintf("From: warga%d@example.id\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Keluhan %d\r\n"+
			"Message-ID: <orig-%d@example.id>\r\n\r\nKeluhan nomor %d.\r\n", i%5, i, i, i)))
		// The citizen's own reply, threading on the Message-ID alone.
		srv.deliver(t, "INBOX", []byte(fmt.Sprintf("From: warga%d@example.id\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Re: Keluhan %d\r\n"+
			"Message-ID: <reply-%d@example.id>\r\nIn-Reply-To: <orig-%d@example.id>\r\n\r\nTambahan untuk %d.\r\n", i%5, i, i, i, i)))
	}
	in, _, db := newTestIntake(t)
	run := startPoller(t, in, db, PollerOpts{URL: srv.url("imap"), BatchSize: 50})
	waitInbound(t, db, 2*n)
	waitAllFlagged(t, db)
	run.stop()
	if got := count(t, db, `SELECT count(*) FROM tickets`); got != n {
		t.Errorf("%d tickets, want %d: a reply raced its original", got, n)
	}
	if got := count(t, db, `SELECT count(*) FROM inbound_messages r JOIN inbound_messages o
		ON o.message_id = replace(r.message_id, 'reply-', 'orig-') AND o.ticket_id = r.ticket_id
		WHERE r.message_id LIKE 'reply-%' AND r.outcome = 'reply'`); got != n {
		t.Errorf("%d of %d replies on their original's ticket", got, n)
	}
	// warga0's tickets were opened in the order their mails arrived.
	if got := count(t, db, `SELECT count(*) FROM (SELECT t.id AS ticket, lag(t.id) OVER (ORDER BY m.id) AS prev
		FROM inbound_messages m JOIN tickets t ON t.id = m.ticket_id JOIN users u ON u.id = t.owner_id
		WHERE u.email = 'warga0@example.id' AND m.outcome = 'opened') x WHERE prev > ticket`); got != 0 {
		t.Errorf("%d of a citizen's mails stored out of order", got)
	}
}
