package ingest

// The IMAP poller: it reads a mailbox by UID, hands each message to the
// intake, and only then marks it on the server. The database, not the
// server's flags, is the record of what was imported; flags and the move to
// the processed folder are a courtesy to the humans who read the mailbox.

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	defaultPollInterval    = 30 * time.Second
	defaultBatchSize       = 200
	defaultProcessedFolder = "Processed"

	// RFC 2177 section 3: a server may drop a client idle for 30 minutes,
	// and clients should re-issue IDLE at least every 29; 25 leaves margin.
	maxIdle = 25 * time.Minute

	minBackoff = time.Second
	maxBackoff = 2 * time.Minute

	// How often a standby asks for the mailbox lock held by another process.
	defaultLockRetry = 10 * time.Second

	// The keyword set next to \Seen so that people reading the mailbox can
	// tell what the helpdesk took from what they merely opened.
	helpdeskKeyword imap.Flag = "$Helpdesk"
)

// PollerOpts configures a Poller.
type PollerOpts struct {
	// URL is imaps://user:pass@host[:993]/INBOX (implicit TLS) or
	// imap://user:pass@host[:143]/INBOX (STARTTLS; plain text only when the
	// host is a loopback address). The password is URL-decoded.
	URL    string
	Intake *Intake
	// DB holds mailbox_state, mailbox_uids and the advisory lock.
	DB  *sqlx.DB
	Log *slog.Logger
	// PollInterval is the safety-net poll, kept even while IDLE works.
	// Default 30s.
	PollInterval time.Duration
	// BatchSize is the number of UIDs per FETCH. Default 50.
	BatchSize int
	// TLSConfig is used for imaps and STARTTLS; nil means the system roots.
	TLSConfig *tls.Config
	// ProcessedFolder receives handled messages when the server has MOVE.
	// Default "Processed".
	ProcessedFolder string
}

type tlsMode int

const (
	tlsImplicit tlsMode = iota
	tlsStartTLS
	tlsNone
)

// mailboxURL is a validated HELPDESK_IMAP_URL entry.
type mailboxURL struct {
	name     string // URL without the password: the stable mailbox name
	addr     string // host:port
	host     string
	user     string
	password string
	mailbox  string
	mode     tlsMode
	// topic is the help topic of new mail from this mailbox that no
	// address route sends elsewhere (?topic=NAME).
	topic string
}

func parseMailboxURL(s string) (mailboxURL, error) {
	var m mailboxURL
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// url.Error quotes the whole URL, password included.
		return m, errors.New("ingest: imap url: cannot parse")
	}
	redacted := u.Redacted()
	var defaultPort string
	switch u.Scheme {
	case "imaps":
		m.mode, defaultPort = tlsImplicit, "993"
	case "imap":
		m.mode, defaultPort = tlsStartTLS, "143"
	default:
		return m, fmt.Errorf("ingest: imap url %s: scheme must be imaps or imap", redacted)
	}
	m.host = strings.ToLower(u.Hostname())
	if m.host == "" {
		return m, fmt.Errorf("ingest: imap url %s: no host", redacted)
	}
	port := defaultPort
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return m, fmt.Errorf("ingest: imap url %s: bad port", redacted)
		}
		port = p
	}
	if u.User == nil || u.User.Username() == "" {
		return m, fmt.Errorf("ingest: imap url %s: no user name", redacted)
	}
	m.user = u.User.Username()
	pass, ok := u.User.Password()
	if !ok || pass == "" {
		return m, fmt.Errorf("ingest: imap url %s: no password", redacted)
	}
	m.password = pass
	if u.Fragment != "" {
		return m, fmt.Errorf("ingest: imap url %s: a fragment is not supported", redacted)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return m, fmt.Errorf("ingest: imap url %s: cannot parse the query", redacted)
	}
	for k, v := range q {
		if k != "topic" || len(v) != 1 || strings.TrimSpace(v[0]) == "" {
			return m, fmt.Errorf("ingest: imap url %s: the query may only name one topic (?topic=NAME)", redacted)
		}
		m.topic = strings.TrimSpace(v[0])
	}
	m.mailbox = strings.Trim(u.Path, "/")
	if m.mailbox == "" || strings.EqualFold(m.mailbox, "INBOX") {
		// RFC 3501 section 5.1: INBOX is case-insensitive.
		m.mailbox = "INBOX"
	}
	if u.Scheme == "imap" && isLoopback(m.host) {
		m.mode = tlsNone
	}
	m.addr = net.JoinHostPort(m.host, port)

	// The name keys mailbox_state and inbound rows: it must not change when
	// the password does, nor when the default port is spelled out.
	n := url.URL{Scheme: u.Scheme, User: url.User(m.user), Host: m.host, Path: "/" + m.mailbox}
	if port != defaultPort {
		n.Host = m.addr
	}
	m.name = n.String()
	return m, nil
}

// isLoopback reports whether host names this machine without a network in
// between, the only case in which the password may travel in clear.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseMailboxURLs splits HELPDESK_IMAP_URL on commas and validates each
// entry, returning them trimmed. A comma inside a password must be written
// %2C. Two entries naming the same mailbox are refused: they would fight
// over one lock.
func ParseMailboxURLs(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m, err := parseMailboxURL(part)
		if err != nil {
			return nil, err
		}
		if seen[m.name] {
			return nil, fmt.Errorf("ingest: imap url %s given twice", m.name)
		}
		seen[m.name] = true
		out = append(out, part)
	}
	return out, nil
}

// Poller imports one IMAP mailbox.
type Poller struct {
	o         PollerOpts
	u         mailboxURL
	log       *slog.Logger
	lockRetry time.Duration
	// deliver and deliverGroup are Intake.Deliver and Intake.DeliverGroup;
	// tests replace them to make the database fail.
	deliver      func(ctx context.Context, raw []byte, src Source) (Result, error)
	deliverGroup func(ctx context.Context, items []Item) ([]Result, error)
	// polls counts the rounds a server without IDLE was polled by timer.
	polls atomic.Int64
}

// NewPoller validates o and returns a poller; it does not connect.
func NewPoller(o PollerOpts) (*Poller, error) {
	u, err := parseMailboxURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Intake == nil || o.DB == nil {
		return nil, errors.New("ingest: poller needs an Intake and a DB")
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.BatchSize <= 0 {
		o.BatchSize = defaultBatchSize
	}
	if o.ProcessedFolder == "" {
		o.ProcessedFolder = defaultProcessedFolder
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Poller{
		o:            o,
		u:            u,
		log:          o.Log.With("mailbox", u.name),
		lockRetry:    defaultLockRetry,
		deliver:      o.Intake.Deliver,
		deliverGroup: o.Intake.DeliverGroup,
	}, nil
}

// Name is the stable mailbox name used in Source.Mailbox and the database:
// the URL without the password.
func (p *Poller) Name() string { return p.u.name }

// Run polls the mailbox until ctx is done, then returns nil. Network,
// server and database failures are logged and retried with backoff; they
// never end Run. Only the process holding the mailbox's advisory lock
// polls; others wait as standbys.
func (p *Poller) Run(ctx context.Context) error {
	bo := backoff{}
	for ctx.Err() == nil {
		lock, err := p.acquireLock(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d := bo.next()
				p.log.Warn("imap: cannot take the mailbox lock", "err", err, "retry_in", d)
				sleep(ctx, d)
			}
			continue
		}
		p.pollLocked(ctx, lock)
		p.releaseLock(lock)
		bo.reset()
	}
	return nil
}

func lockKey(name string) string { return "imap:" + name }

// acquireLock waits until this process holds the mailbox's advisory lock,
// on a connection of its own that is kept for as long as it polls: the
// lock dies with that session, so a standby takes over when we die.
func (p *Poller) acquireLock(ctx context.Context) (*sql.Conn, error) {
	told := false
	for {
		conn, err := p.o.DB.Conn(ctx)
		if err != nil {
			return nil, err
		}
		var ok bool
		err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, lockKey(p.u.name)).Scan(&ok)
		if err != nil {
			discardConn(conn)
			return nil, err
		}
		if ok {
			if told {
				p.log.Info("imap: took over the mailbox")
			}
			return conn, nil
		}
		conn.Close()
		if !told {
			p.log.Info("imap: another process polls this mailbox; standing by")
			told = true
		}
		if !sleep(ctx, p.lockRetry) {
			return nil, ctx.Err()
		}
	}
}

func (p *Poller) releaseLock(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, lockKey(p.u.name))
	// The connection goes away rather than back to the pool: should the
	// unlock have failed, a pooled session would keep the lock forever.
	discardConn(conn)
}

func discardConn(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// pollLocked runs IMAP sessions, reconnecting with backoff, until ctx is
// done or the lock's database session is lost.
func (p *Poller) pollLocked(ctx context.Context, lock *sql.Conn) {
	bo := backoff{}
	for ctx.Err() == nil {
		err := p.session(ctx, lock, &bo)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errLockLost) {
			p.log.Warn("imap: lost the mailbox lock", "err", err)
			return
		}
		d := bo.next()
		p.log.Warn("imap: session failed", "err", err, "retry_in", d)
		sleep(ctx, d)
	}
}

var errLockLost = errors.New("ingest: database session holding the mailbox lock is gone")

// session is one IMAP connection: recover, catch up, then wait for news.
func (p *Poller) session(ctx context.Context, lock *sql.Conn, bo *backoff) error {
	wake := make(chan struct{}, 1)
	c, err := p.dial(wake)
	if err != nil {
		return err
	}
	defer p.hangUp(c)
	// Commands block on a dead server only until their read timeout; closing
	// the connection when ctx ends cuts that short.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	if err := c.Login(p.u.user, p.u.password).Wait(); err != nil {
		return fmt.Errorf("ingest: imap login: %w", err)
	}
	sel, err := c.Select(p.u.mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("ingest: imap select: %w", err)
	}
	caps := c.Caps()
	s := &imapSession{p: p, c: c, validity: sel.UIDValidity, uidNext: uint32(sel.UIDNext), move: caps.Has(imap.CapMove)}
	s.keyword = slices.Contains(sel.PermanentFlags, imap.FlagWildcard) ||
		slices.Contains(sel.PermanentFlags, helpdeskKeyword)
	if s.move && p.o.ProcessedFolder != p.u.mailbox {
		if err := s.ensureFolder(p.o.ProcessedFolder); err != nil {
			return err
		}
	} else {
		s.move = false
	}
	if err := s.loadState(ctx); err != nil {
		return err
	}
	if err := s.recover(ctx); err != nil {
		return err
	}
	idle := caps.Has(imap.CapIdle)
	for {
		if err := lock.PingContext(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %v", errLockLost, err)
		}
		// Drained before the catch-up, not after: news that arrives while
		// we fetch must wake the next round.
		select {
		case <-wake:
		default:
		}
		if err := s.catchUp(ctx); err != nil {
			var de *deliverError
			if !errors.As(err, &de) {
				return err
			}
			// The connection is fine; the database is not. Keep the
			// session and try the same UID again later.
			d := bo.next()
			p.log.Warn("imap: cannot store message; will retry", "uid", de.uid, "err", de.err, "retry_in", d)
			if !sleep(ctx, d) {
				return ctx.Err()
			}
			if err := c.Noop().Wait(); err != nil {
				return err
			}
			continue
		}
		bo.reset()
		if idle {
			err = s.idle(ctx, wake)
		} else {
			err = s.wait(ctx, wake)
		}
		if err != nil {
			return err
		}
	}
}

func (p *Poller) dial(wake chan struct{}) (*imapclient.Client, error) {
	opts := &imapclient.Options{
		TLSConfig:   p.o.TLSConfig,
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		Dialer:      &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: only signal here.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var (
		c   *imapclient.Client
		err error
	)
	switch p.u.mode {
	case tlsImplicit:
		c, err = imapclient.DialTLS(p.u.addr, opts)
	case tlsStartTLS:
		// Fails, before LOGIN, when the server does not offer STARTTLS:
		// the password never crosses the network in clear.
		c, err = imapclient.DialStartTLS(p.u.addr, opts)
	default:
		c, err = imapclient.DialInsecure(p.u.addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: imap connect %s: %w", p.u.addr, err)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("ingest: imap greeting: %w", err)
	}
	return c, nil
}

// hangUp says goodbye politely but does not wait long for a server that
// may be the reason we are leaving.
func (p *Poller) hangUp(c *imapclient.Client) {
	done := make(chan struct{})
	go func() {
		c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	c.Close()
}

type imapSession struct {
	p        *Poller
	c        *imapclient.Client
	validity uint32
	uidNext  uint32 // as SELECT announced it
	lastUID  uint32
	// firstSync is the highest UID the mailbox held when the helpdesk first
	// read it: the messages up to it were there before the helpdesk.
	firstSync uint32
	move      bool
	keyword   bool
}

// deliverError is the intake refusing a message (database down): the
// message stays unmarked and is fetched again.
type deliverError struct {
	uid uint32
	err error
}

func (e *deliverError) Error() string { return fmt.Sprintf("ingest: deliver uid %d: %v", e.uid, e.err) }
func (e *deliverError) Unwrap() error { return e.err }

func (s *imapSession) ensureFolder(name string) error {
	list, err := s.c.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("ingest: imap list %s: %w", name, err)
	}
	if len(list) > 0 {
		return nil
	}
	if err := s.c.Create(name, nil).Wait(); err != nil {
		// Another client may have created it since the LIST.
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
			return nil
		}
		return fmt.Errorf("ingest: imap create %s: %w", name, err)
	}
	return nil
}

// loadState reads last_uid for the current UIDVALIDITY. A new UIDVALIDITY
// (RFC 3501 section 2.3.1.1: the old UIDs mean nothing now) starts again at
// zero; the intake's dedup by Message-ID or raw hash keeps the re-read from
// importing anything twice. A mailbox read for the first time notes its
// highest UID: what it holds is the first sync.
func (s *imapSession) loadState(ctx context.Context) error {
	var validity, last, first int64
	err := s.p.o.DB.QueryRowContext(ctx,
		`SELECT uid_validity, last_uid, first_sync_uid FROM mailbox_state WHERE mailbox = $1`, s.p.u.name).Scan(&validity, &last, &first)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("ingest: read mailbox state: %w", err)
	case validity == int64(s.validity):
		s.lastUID, s.firstSync = uint32(last), uint32(first)
		return nil
	default:
		s.p.log.Warn("imap: UIDVALIDITY changed; re-reading the mailbox", "old", validity, "new", s.validity)
	}
	top, err := s.highestUID()
	if err != nil {
		return err
	}
	_, err = s.p.o.DB.ExecContext(ctx, `
		INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, first_sync_uid) VALUES ($1, $2, 0, $3)
		ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, last_uid = 0, first_sync_uid = EXCLUDED.first_sync_uid, updated_at = now()`,
		s.p.u.name, int64(s.validity), int64(top))
	if err != nil {
		return fmt.Errorf("ingest: write mailbox state: %w", err)
	}
	s.lastUID, s.firstSync = 0, top
	if top > 0 {
		s.p.log.Info("imap: first sync of the mailbox", "highest_uid", top)
	}
	return nil
}

// highestUID is the highest UID in the mailbox: UIDNEXT-1 when the server
// announced UIDNEXT, else asked.
func (s *imapSession) highestUID() (uint32, error) {
	if s.uidNext > 0 {
		return s.uidNext - 1, nil
	}
	data, err := s.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("ingest: imap uid search: %w", err)
	}
	top := uint32(0)
	for _, u := range data.AllUIDs() {
		top = max(top, uint32(u))
	}
	return top, nil
}

// recover marks on the server what was committed before a crash or a lost
// connection kept us from marking it.
func (s *imapSession) recover(ctx context.Context) error {
	var uids []int64
	err := s.p.o.DB.SelectContext(ctx, &uids, `
		SELECT uid FROM mailbox_uids
		WHERE mailbox = $1 AND uid_validity = $2 AND NOT flagged
		ORDER BY uid`, s.p.u.name, int64(s.validity))
	if err != nil {
		return fmt.Errorf("ingest: read unflagged uids: %w", err)
	}
	if len(uids) == 0 {
		return nil
	}
	// Some may have been moved already, the interruption having come
	// between the MOVE and its record: mark only those still here and
	// record the others. Moving UIDs a server no longer has is legal, but
	// go-imap's own server answers it with a malformed COPYUID.
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	found, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("ingest: imap uid search: %w", err)
	}
	here := map[uint32]bool{}
	for _, u := range found.AllUIDs() {
		here[uint32(u)] = true
	}
	var done []delivered
	var gone pq.Int64Array
	for _, u := range uids {
		if here[uint32(u)] {
			done = append(done, delivered{uid: uint32(u)})
		} else {
			gone = append(gone, u)
		}
	}
	s.p.log.Info("imap: marking messages stored before an interruption", "count", len(done), "already_moved", len(gone))
	if len(gone) > 0 {
		if _, err := s.p.o.DB.ExecContext(ctx, `UPDATE mailbox_uids SET flagged = true
			WHERE mailbox = $1 AND uid_validity = $2 AND uid = ANY($3)`, s.p.u.name, int64(s.validity), gone); err != nil {
			return fmt.Errorf("ingest: record flagged: %w", err)
		}
	}
	if len(done) == 0 {
		return nil
	}
	return s.mark(ctx, done, false)
}

type delivered struct {
	uid       uint32
	inboundID int64
}

// catchUp imports every message above last_uid, oldest first.
func (s *imapSession) catchUp(ctx context.Context) error {
	// RFC 3501 section 6.4.8: "N:*" always matches the highest UID even
	// when it is below N, so the result is filtered.
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(s.lastUID + 1), Stop: 0}}}}
	data, err := s.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return fmt.Errorf("ingest: imap uid search: %w", err)
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) > s.lastUID {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	prog := s.progress(uids)
	for len(uids) > 0 {
		n := min(len(uids), s.p.o.BatchSize)
		if err := s.batch(ctx, uids[:n]); err != nil {
			return err
		}
		uids = uids[n:]
		prog(n, len(uids) == 0)
	}
	return nil
}

// progress logs how a long catch-up goes (the first sync of a full
// mailbox, a backlog after an outage): messages per second and the time
// left, every ten seconds and at the end.
func (s *imapSession) progress(uids []imap.UID) func(n int, last bool) {
	total := len(uids)
	if total <= 2*s.p.o.BatchSize {
		return func(int, bool) {}
	}
	first := len(uids) > 0 && uint32(uids[0]) <= s.firstSync
	start, shown, done := time.Now(), time.Now(), 0
	s.p.log.Info("imap: catching up", "messages", total, "first_sync", first)
	return func(n int, last bool) {
		done += n
		if !last && time.Since(shown) < 10*time.Second {
			return
		}
		shown = time.Now()
		el := time.Since(start).Seconds()
		rate := float64(done) / max(el, 0.001)
		left := time.Duration(float64(total-done)/max(rate, 0.001)) * time.Second
		s.p.log.Info("imap: catching up", "done", done, "of", total, "per_second", int(rate), "eta", left.Round(time.Second).String(), "first_sync", first)
	}
}

// batch fetches, delivers and marks one batch. On a delivery failure it
// still marks what was committed before it, then reports the failure.
func (s *imapSession) batch(ctx context.Context, uids []imap.UID) error {
	set := imap.UIDSetNum(uids...)
	// BODY.PEEK[] so that reading does not set \Seen (RFC 3501 6.4.5): a
	// message only looks read once it is stored.
	cmd := s.c.Fetch(set, &imap.FetchOptions{
		UID:          true,
		InternalDate: true,
		BodySection:  []*imap.FetchItemBodySection{{Peek: true}},
	})
	// Messages are delivered in groups, several per transaction and a few
	// transactions at once, while the batch streams in (see groupDelivery).
	cd := newGroupDelivery(ctx, s.p)
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		uid, raw, size, received, err := readFetched(msg, s.p.o.Intake.max)
		if err != nil {
			// The connection broke inside a literal. The command is left
			// as it is: draining it would read the dead connection
			// alongside the client's own reader. What was committed is
			// marked by the next session (recover).
			cd.wait()
			return err
		}
		// Sequence order is UID order (RFC 3501 2.3.1.1), but a stray
		// FETCH for an older message (a flag change) must not be imported.
		if uid <= s.lastUID || !set.Contains(imap.UID(uid)) || raw == nil {
			continue
		}
		src := Source{Mailbox: s.p.u.name, UIDValidity: s.validity, UID: uid, FirstSync: uid <= s.firstSync, Received: received, Topic: s.p.u.topic}
		if size > int64(len(raw)) {
			src.Size = size
		}
		cd.add(uid, raw, src)
	}
	closeErr := cmd.Close()
	done, prefix, failure := cd.wait()
	// Everything committed is flagged; last_uid only moves past the
	// unbroken run of successes, so a failed UID is fetched again.
	if len(prefix) > 0 {
		if err := s.mark(ctx, prefix, true); err != nil {
			return err
		}
	}
	if rest := done[len(prefix):]; len(rest) > 0 {
		if err := s.mark(ctx, rest, false); err != nil {
			return err
		}
	}
	if failure != nil {
		return failure
	}
	if closeErr != nil {
		return fmt.Errorf("ingest: imap fetch: %w", closeErr)
	}
	return nil
}

// readFetched reads one FETCH response: the UID and the message, whole when
// it fits in limit bytes, else its header block only (the literal is read
// through all the same), the message's size, and when the server received
// it (INTERNALDATE).
func readFetched(msg *imapclient.FetchMessageData, limit int64) (uint32, []byte, int64, time.Time, error) {
	var (
		uid      uint32
		raw      []byte
		size     int64
		received time.Time
	)
	for {
		item := msg.Next()
		if item == nil {
			return uid, raw, size, received, nil
		}
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = uint32(item.UID)
		case imapclient.FetchItemDataInternalDate:
			received = item.Time
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil {
				continue
			}
			var buf bytes.Buffer
			if item.Literal.Size() <= limit {
				buf.Grow(int(item.Literal.Size()))
			}
			b, n, err := readCapped(&buf, item.Literal, limit)
			if err != nil {
				return 0, nil, 0, time.Time{}, fmt.Errorf("ingest: imap fetch body uid %d: %w", uid, err)
			}
			// A connection closed mid-literal reads as a clean EOF: only the
			// announced size tells a whole message from the start of one,
			// and half a message must never be stored.
			if n != item.Literal.Size() {
				return 0, nil, 0, time.Time{}, fmt.Errorf("ingest: imap fetch body uid %d: got %d of %d bytes: %w", uid, n, item.Literal.Size(), io.ErrUnexpectedEOF)
			}
			raw, size = b, n
		}
	}
}

// mark sets \Seen (and $Helpdesk), moves the messages when the server can
// MOVE, and records in mailbox_uids.flagged that the poller is done with
// them. It never expunges: without MOVE the client library would fall back
// to COPY + \Deleted + EXPUNGE, and EXPUNGE removes every \Deleted message
// in the folder, not just ours.
func (s *imapSession) mark(ctx context.Context, done []delivered, advance bool) error {
	var set imap.UIDSet
	for _, d := range done {
		set.AddNum(imap.UID(d.uid))
	}
	flags := []imap.Flag{imap.FlagSeen}
	if s.keyword {
		flags = append(flags, helpdeskKeyword)
	}
	// A server that answers NO (over quota, a read-only folder) keeps the
	// message where it was; that is logged and accepted, since the database
	// already has it. Only a broken connection ends the session.
	if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close(); err != nil {
		if !isServerRefusal(err) {
			return fmt.Errorf("ingest: imap store flags: %w", err)
		}
		s.p.log.Warn("imap: server refused to flag messages", "uid", set.String(), "err", err)
	}
	if s.move {
		_, err := s.c.Move(set, s.p.o.ProcessedFolder).Wait()
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
			// Someone deleted the folder since the session began
			// (RFC 9051 section 7.1: TRYCREATE).
			if err = s.ensureFolder(s.p.o.ProcessedFolder); err == nil {
				_, err = s.c.Move(set, s.p.o.ProcessedFolder).Wait()
			}
		}
		if err != nil {
			if !isServerRefusal(err) {
				return fmt.Errorf("ingest: imap move to %s: %w", s.p.o.ProcessedFolder, err)
			}
			s.p.log.Warn("imap: server refused to move messages; they stay in the mailbox", "uid", set.String(), "err", err)
		}
	}
	uids := make(pq.Int64Array, 0, len(done))
	inbound := make(pq.Int64Array, 0, len(done))
	for _, d := range done {
		uids = append(uids, int64(d.uid))
		inbound = append(inbound, d.inboundID)
	}
	tx, err := s.p.o.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ingest: record flagged: %w", err)
	}
	defer tx.Rollback()
	// Deliver wrote the row unless the message was a duplicate stored under
	// another UID (a new UIDVALIDITY, or the same mail by pipe): then the
	// row is added here, pointing at the stored copy.
	_, err = tx.ExecContext(ctx, `
		INSERT INTO mailbox_uids (mailbox, uid_validity, uid, inbound_id, flagged)
		SELECT $1, $2, u.uid, u.inbound_id, true
		FROM unnest($3::bigint[], $4::bigint[]) AS u (uid, inbound_id)
		WHERE u.inbound_id <> 0
		ON CONFLICT (mailbox, uid_validity, uid) DO UPDATE SET flagged = true`,
		s.p.u.name, int64(s.validity), uids, inbound)
	if err == nil {
		_, err = tx.ExecContext(ctx, `
			UPDATE mailbox_uids SET flagged = true
			WHERE mailbox = $1 AND uid_validity = $2 AND uid = ANY($3) AND NOT flagged`,
			s.p.u.name, int64(s.validity), uids)
	}
	if err == nil && advance {
		last := done[len(done)-1].uid
		_, err = tx.ExecContext(ctx, `
			UPDATE mailbox_state SET last_uid = greatest(last_uid, $3), updated_at = now()
			WHERE mailbox = $1 AND uid_validity = $2`,
			s.p.u.name, int64(s.validity), int64(last))
		if err == nil {
			s.lastUID = max(s.lastUID, last)
		}
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return fmt.Errorf("ingest: record flagged: %w", err)
	}
	return nil
}

// isServerRefusal tells a tagged NO or BAD, after which the connection is
// still good, from a network failure.
func isServerRefusal(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie)
}

// idle waits in IDLE (RFC 2177) until the server reports new mail, the
// safety-net poll is due, or ctx ends.
func (s *imapSession) idle(ctx context.Context, wake <-chan struct{}) error {
	// Some servers (go-imap's own among them) only report in IDLE what
	// changes after it starts, so mail that arrived since the last command
	// would wait for the safety-net poll. NOOP (RFC 3501 6.1.2) collects it
	// now; its EXISTS lands in wake and ends the IDLE at once.
	if err := s.c.Noop().Wait(); err != nil {
		return fmt.Errorf("ingest: imap noop: %w", err)
	}
	cmd, err := s.c.Idle()
	if err != nil {
		return fmt.Errorf("ingest: imap idle: %w", err)
	}
	t := time.NewTimer(min(s.p.o.PollInterval, maxIdle))
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
	case <-s.c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("ingest: imap idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("ingest: imap idle: %w", err)
	}
	return ctx.Err()
}

// wait is the poll for servers without IDLE: the next UID SEARCH both
// finds the news and checks the connection.
func (s *imapSession) wait(ctx context.Context, wake <-chan struct{}) error {
	t := time.NewTimer(s.p.o.PollInterval)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
		s.p.polls.Add(1)
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return errors.New("ingest: imap connection closed")
	}
	return nil
}

// backoff is capped exponential with jitter, so that many helpdesks do not
// knock on a recovering server in step.
type backoff struct{ n int }

func (b *backoff) next() time.Duration {
	d := minBackoff << min(b.n, 10)
	b.n++
	d = min(d, maxBackoff)
	// Full range [d/2, d): never zero, never above the cap.
	return d/2 + rand.N(d/2)
}

func (b *backoff) reset() { b.n = 0 }

// sleep waits d or until ctx ends; it reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
