package tickets

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Opts configure a Store.
type Opts struct {
	Log *slog.Logger
	// Now is the clock; tests pass a fake one.
	Now func() time.Time
	// SixDigitLimit is how many 6-digit numbers may be used before new
	// tickets get 7 digits: half the 900 000 numbers by default.
	SixDigitLimit int
	// SearchWindow is how many of the newest tickets a search looks at
	// first (500), and SearchCap how many matches it sorts itself before
	// it walks the tickets newest first instead (20 000); see Store.search.
	SearchWindow, SearchCap int
	// OneShot is a process that makes one change and exits (the MTA's
	// pipe): preparing statements for later uses would only cost it round
	// trips and a second connection.
	OneShot bool
	// PeopleCap is how many people a search names by id before it checks
	// each ticket's people instead (1000); see peopleMatch.
	PeopleCap int
}

// Store is the domain's way into PostgreSQL.
type Store struct {
	db           *sqlx.DB
	log          *slog.Logger
	now          func() time.Time
	hooks        []Hook
	accountHooks []AccountHook
	linkHooks    []StatusLinkHook

	numMu      sync.Mutex
	sixLimit   int
	sixUsed    int
	sixChecked time.Time
	sixOpened  int

	searchWindow int
	searchCap    int
	peopleCap    int
	stmts        stmtCache
}

// New returns a Store on db.
func New(db *sqlx.DB, o Opts) *Store {
	s := &Store{db: db, log: o.Log, now: o.Now, sixLimit: o.SixDigitLimit, stmts: stmtCache{db: db, off: o.OneShot}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sixLimit <= 0 {
		s.sixLimit = 450000
	}
	if s.searchWindow = o.SearchWindow; s.searchWindow <= 0 {
		s.searchWindow = 500
	}
	if s.searchCap = o.SearchCap; s.searchCap <= 0 {
		s.searchCap = 20000
	}
	if s.peopleCap = o.PeopleCap; s.peopleCap <= 0 {
		s.peopleCap = 1000
	}
	return s
}

// DB exposes the handle for packages that keep their own tables in the same
// transactions (the outbox, the inbound message log).
func (s *Store) DB() *sqlx.DB { return s.db }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// ChangeKind names what happened to a ticket.
type ChangeKind string

// The changes hooks are told about.
const (
	ChangeOpened      ChangeKind = "opened"
	ChangeMessage     ChangeKind = "message"
	ChangeResponse    ChangeKind = "response"
	ChangeNote        ChangeKind = "note"
	ChangeClaimed     ChangeKind = "claimed"
	ChangeAssigned    ChangeKind = "assigned"
	ChangeStatus      ChangeKind = "status"
	ChangeReopened    ChangeKind = "reopened"
	ChangePriority    ChangeKind = "priority"
	ChangeTransferred ChangeKind = "transferred"
	ChangeOverdue     ChangeKind = "overdue"
	ChangeReport      ChangeKind = "report" // see Store.Report
	// Ticket tools (issue 12).
	ChangeCollaborators ChangeKind = "collaborators" // Detail: "added", "removed" (addresses)
	ChangeTopic         ChangeKind = "topic"
	ChangeMerged        ChangeKind = "merged" // Ticket took in From; see Store.Merge
)

// Change is what a hook receives, inside the transaction of the change.
type Change struct {
	Kind   ChangeKind
	Ticket *Ticket // as it is after the change
	Entry  *Entry  // the message, response or note, if any
	Actor  Actor
	// Quiet is set for mail the helpdesk must not answer (auto-replies,
	// bounces, a loop): stored, but nobody is notified; QuietReason says
	// why, so the notices left unsent can say it to agents.
	Quiet       bool
	QuietReason string
	// NoReply, for ChangeOpened, is why the owner gets no autoresponse
	// while agents are told as usual.
	NoReply string
	// Report is set for ChangeReport: a mail owed to an agent about their
	// own mail.
	Report *Report
	// Detail carries the kind-specific facts: "from"/"to" status or
	// department, "reason", "assignee".
	Detail map[string]string
	// From, for ChangeMerged, is the ticket merged into Ticket, as it was
	// just before: its owner and collaborators are Ticket's now.
	From *Ticket
}

// Hook runs inside the transaction of every change; an error rolls the
// change back. The outbox uses it to queue notices atomically.
type Hook func(ctx context.Context, tx *sqlx.Tx, c *Change) error

type quietKey struct{}

// Quietly makes every change made with ctx quiet, for this reason: stored,
// nobody notified (an archive being filed).
func Quietly(ctx context.Context, why string) context.Context {
	return context.WithValue(ctx, quietKey{}, why)
}

// AddHook registers h. Call it while wiring, before serving.
func (s *Store) AddHook(h Hook) { s.hooks = append(s.hooks, h) }

func (s *Store) fire(ctx context.Context, tx *sqlx.Tx, c *Change) error {
	if why, ok := ctx.Value(quietKey{}).(string); ok && !c.Quiet {
		c.Quiet, c.QuietReason = true, why
	}
	for _, h := range s.hooks {
		if err := h(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// ActorKind says who acts.
type ActorKind int

// Actor kinds.
const (
	ActorSystem ActorKind = iota
	ActorUser
	ActorAgent
)

// Actor is who performs an operation.
type Actor struct {
	Kind  ActorKind
	ID    int64
	Name  string
	Email string
	Agent *Agent // set for agents: their departments bound what they may touch
}

// System is the helpdesk itself (scheduled jobs).
var System = Actor{Kind: ActorSystem, Name: "System"}

// AgentActor makes an actor of an agent.
func AgentActor(a *Agent) Actor {
	return Actor{Kind: ActorAgent, ID: int64(a.ID), Name: a.Name, Email: a.Email, Agent: a}
}

// UserActor makes an actor of a user.
func UserActor(u *User) Actor {
	return Actor{Kind: ActorUser, ID: u.ID, Name: u.Name, Email: u.Email}
}

func (a Actor) userID() any {
	if a.Kind == ActorUser {
		return a.ID
	}
	return nil
}

func (a Actor) agentID() any {
	if a.Kind == ActorAgent {
		return a.ID
	}
	return nil
}

// Tx is a database transaction the store and its hooks share.
type Tx = sqlx.Tx

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// IsUniqueViolation reports whether err is PostgreSQL's 23505.
func IsUniqueViolation(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23505"
}

// IsTransient reports whether err is a passing failure worth retrying: the
// database is down, restarting, or the connection broke.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code.Class() {
		case "08", "53", "57", "40": // connection, resources, operator intervention (shutdown), rollback
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}

// IsRetryable reports whether err aborted a transaction that can simply run
// again: a serialization failure or a deadlock (PostgreSQL class 40).
func IsRetryable(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code.Class() == "40"
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("tickets: %s: %w", op, err)
}
