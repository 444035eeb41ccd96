package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ticketColumns selects a Ticket with its names joined in.
const ticketColumns = `
	t.id, t.number, t.subject, t.status, t.priority, t.department_id,
	d.name AS department_name, t.topic_id, ht.name AS topic_name,
	t.owner_id, u.email AS owner_email, u.name AS owner_name, u.phone AS owner_phone, u.lang AS owner_lang,
	t.assignee_id, a.email AS assignee_email, a.name AS assignee_name,
	t.sla_plan_id, sp.name AS sla_plan_name, t.due_at, t.overdue, t.source, t.forwarded_by,
	t.created_at, t.updated_at, t.last_message_at, t.last_response_at, t.resolved_at, t.closed_at,
	t.refers_to, (SELECT r.number FROM tickets r WHERE r.id = t.refers_to) AS refers_to_number`

const ticketFrom = `
	FROM tickets t
	JOIN departments d ON d.id = t.department_id
	JOIN users u ON u.id = t.owner_id
	LEFT JOIN help_topics ht ON ht.id = t.topic_id
	LEFT JOIN agents a ON a.id = t.assignee_id
	LEFT JOIN sla_plans sp ON sp.id = t.sla_plan_id`

// queryer is what both *sqlx.DB and *sqlx.Tx offer.
type queryer interface {
	sqlx.QueryerContext
	sqlx.ExecerContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

const collaboratorsQuery = `
	SELECT u.email, u.name, u.id FROM ticket_collaborators c JOIN users u ON u.id = c.user_id
	WHERE c.ticket_id = $1 ORDER BY u.email`

// mergeColumns are the merge facts of one ticket (see Ticket.MergedInto).
const mergeColumns = `, t.merged_into,
	ARRAY(SELECT m.number FROM tickets m WHERE m.merged_into = t.id ORDER BY m.id) AS merged_numbers`

func (s *Store) getTicket(ctx context.Context, q queryer, where string, arg any, lock bool) (*Ticket, error) {
	query := "SELECT " + ticketColumns + mergeColumns + ticketFrom + " WHERE " + where
	if lock {
		query += " FOR UPDATE OF t"
	}
	var t Ticket
	if err := s.prep(q).GetContext(ctx, &t, query, arg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	if err := s.prep(q).SelectContext(ctx, &t.Collaborators, collaboratorsQuery, t.ID); err != nil {
		return nil, err
	}
	return &t, nil
}

// TicketByNumber returns the ticket with that number.
func (s *Store) TicketByNumber(ctx context.Context, number string) (*Ticket, error) {
	return s.pool().TicketByNumber(ctx, number)
}

// TicketByID returns the ticket with that id.
func (s *Store) TicketByID(ctx context.Context, id int64) (*Ticket, error) {
	return s.pool().TicketByID(ctx, id)
}

// Thread returns a ticket's entries in order, with their attachments.
// Internal notes are left out unless withNotes.
func (s *Store) Thread(ctx context.Context, ticketID int64, withNotes bool) ([]Entry, error) {
	var es []Entry
	err := s.db.SelectContext(ctx, &es, `
		SELECT e.id, e.ticket_id, e.kind, e.user_id, e.agent_id,
			coalesce(u.email, a.email) AS author_email, coalesce(u.name, a.name) AS author_name,
			e.body, e.body_html, e.event, e.event_data, e.source, e.message_id, e.auth, e.auth_detail, e.created_at
		FROM entries e
		LEFT JOIN users u ON u.id = e.user_id
		LEFT JOIN agents a ON a.id = e.agent_id
		WHERE e.ticket_id = $1 AND ($2 OR e.kind <> 'note')
		ORDER BY e.id`, ticketID, withNotes)
	if err != nil {
		return nil, wrap("thread", err)
	}
	if len(es) == 0 {
		return es, nil
	}
	ids := make([]int64, len(es))
	byID := make(map[int64]*Entry, len(es))
	for i := range es {
		ids[i] = es[i].ID
		byID[es[i].ID] = &es[i]
	}
	var atts []Attachment
	if err := s.db.SelectContext(ctx, &atts, `
		SELECT id, entry_id, sha256, name, content_type, size, inline, content_id
		FROM attachments WHERE entry_id = ANY($1) ORDER BY id`, pq.Array(ids)); err != nil {
		return nil, wrap("thread", err)
	}
	for _, a := range atts {
		e := byID[a.EntryID]
		e.Attachments = append(e.Attachments, a)
	}
	return es, nil
}

// AttachmentContent returns an attachment with its bytes and the ticket it
// belongs to, for the caller to check access.
func (s *Store) AttachmentContent(ctx context.Context, id int64) (*Attachment, int64, []byte, error) {
	var row struct {
		Attachment
		TicketID int64  `db:"ticket_id"`
		Kind     string `db:"kind"`
		Data     []byte `db:"data"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT at.id, at.entry_id, at.sha256, at.name, at.content_type, at.size, at.inline, at.content_id,
			e.ticket_id, e.kind, b.data
		FROM attachments at JOIN entries e ON e.id = at.entry_id JOIN blobs b ON b.sha256 = at.sha256
		WHERE at.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil, wrap("attachment", ErrNotFound)
	}
	if err != nil {
		return nil, 0, nil, wrap("attachment", err)
	}
	return &row.Attachment, row.TicketID, row.Data, nil
}

// Filter selects tickets for a queue or a search.
type Filter struct {
	Status       string // "" for any
	DepartmentID int    // 0 for any
	Department   string // a department's name, "" for any
	Departments  []int  // restrict to these; nil: no restriction
	// Agent, when set, restricts the listing to what that agent may see:
	// the one visibility rule for queues and searches.
	Agent      *Agent
	TopicID    int
	AssigneeID int
	Unassigned bool
	Overdue    bool
	OwnerID    int64 // the owner's or a collaborator's tickets
	Query      string
	Page       int // 1-based
	PerPage    int
}

// Limits of a search: websearch_to_tsquery's work and the index's grow
// with every word, and nobody types more than a pasted subject line.
const (
	MaxSearchLength = 256 // characters
	MaxSearchTerms  = 32  // words
)

// Messages of a search refused.
const (
	MsgSearchTooLong = "the search is too long"
	MsgSearchInvalid = "the search contains characters that cannot be searched for"
)

func (f *Filter) validate() error {
	v := &ValidationError{}
	if f.Status != "" && !ValidStatus(f.Status) {
		v.add("status", "must be open, resolved or closed")
	}
	if !storable(f.Department) {
		v.add("department", "no such department")
	}
	switch q := f.Query; {
	case !storable(q):
		v.add("q", MsgSearchInvalid)
	case utf8.RuneCountInString(q) > MaxSearchLength || len(strings.Fields(q)) > MaxSearchTerms:
		v.add("q", MsgSearchTooLong)
	}
	return v.err()
}

// List returns a page of tickets, newest update first, and whether there is
// a next page.
func (s *Store) List(ctx context.Context, f Filter) ([]Ticket, bool, error) {
	if err := f.validate(); err != nil {
		return nil, false, err
	}
	if a := f.Agent; a != nil && !a.IsAdmin {
		f.Departments = append([]int{}, a.Departments...) // never nil: none visible is none
		if len(f.Departments) == 0 {
			return nil, false, nil
		}
	}
	// A merged ticket's stub is no ticket of its own any more.
	where := []string{"t.merged_into IS NULL"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		where = append(where, "t.status = "+arg(f.Status))
	}
	if f.DepartmentID != 0 {
		where = append(where, "t.department_id = "+arg(f.DepartmentID))
	}
	if f.Department != "" {
		where = append(where, "t.department_id = (SELECT id FROM departments WHERE lower(name) = lower("+arg(f.Department)+"))")
	}
	var unordered []string       // filters no index gives in update order
	if len(f.Departments) == 1 { // = lets an index give the order; ANY does not
		where = append(where, "t.department_id = "+arg(f.Departments[0]))
	} else if f.Departments != nil {
		unordered = append(unordered, "t.department_id = ANY("+arg(pq.Array(f.Departments))+")")
	}
	if f.TopicID != 0 {
		where = append(where, "t.topic_id = "+arg(f.TopicID))
	}
	if f.AssigneeID != 0 {
		where = append(where, "t.assignee_id = "+arg(f.AssigneeID))
	}
	if f.Unassigned {
		where = append(where, "t.assignee_id IS NULL")
	}
	if f.Overdue {
		where = append(where, "t.overdue")
	}
	if f.OwnerID != 0 {
		p := arg(f.OwnerID)
		where = append(where, "(t.owner_id = "+p+" OR EXISTS (SELECT 1 FROM ticket_collaborators c WHERE c.ticket_id = t.id AND c.user_id = "+p+"))")
	}
	match := ""
	if q := strings.TrimSpace(f.Query); q != "" {
		if n := strings.TrimPrefix(q, "#"); isTicketNumber(n) {
			match = "(t.number = " + arg(n) + " OR t.search @@ " + searchQuery(arg(q)) + ")"
		} else {
			match = "t.search @@ " + searchQuery(arg(q))
		}
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	// Filters that pick few tickets (an owner, a topic, an assignee) leave
	// the plan to PostgreSQL; a search across whole queues plans itself.
	broad := f.OwnerID == 0 && f.TopicID == 0 && f.AssigneeID == 0 && !f.Unassigned && !f.Overdue
	var ts []Ticket
	var err error
	if match != "" && broad {
		ts, err = s.search(ctx, searchPlan{filters: where, unordered: unordered, match: match, args: args,
			limit: f.PerPage + 1, offset: (f.Page - 1) * f.PerPage})
	} else {
		where = append(where, unordered...)
		if match != "" {
			where = append(where, match)
		}
		err = s.db.SelectContext(ctx, &ts, "SELECT "+ticketColumns+ticketFrom+whereClause(where)+
			fmt.Sprintf(newestFirst+" LIMIT %d OFFSET %d", f.PerPage+1, (f.Page-1)*f.PerPage), args...)
	}
	if err != nil {
		return nil, false, wrap("list", err)
	}
	more := len(ts) > f.PerPage
	if more {
		ts = ts[:f.PerPage]
	}
	return ts, more, nil
}

const newestFirst = " ORDER BY t.updated_at DESC, t.id DESC"

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// searchPlan is a full-text listing: its filters (those an index gives in
// update order, and the others), the word match, and the page.
type searchPlan struct {
	filters, unordered []string
	match              string
	args               []any
	limit, offset      int
}

// search runs a full-text listing on a plan chosen here rather than by the
// planner, whose guess at how common a word is can be off a thousand times
// at a million tickets: it sorted half a million matches of a common word
// (seconds), or walked every ticket looking for a rare one. The cost of
// each way is known here, so they are tried cheapest first:
//
//  1. the newest Opts.SearchWindow tickets of the queue, walked through an
//     ordered index: enough for a page when the words are common (an
//     agent of several departments gets four times the window over the
//     status queue, their departments picked out of it);
//  2. every match through the GIN index, when there are at most
//     Opts.SearchCap of them, sorted here;
//  3. otherwise the queue walked newest first until the page is full,
//     which more than SearchCap matches make quick.
//
// Only the page's ids come out of these; their rows are fetched last.
func (s *Store) search(ctx context.Context, p searchPlan) ([]Ticket, error) {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	set := func(settings string) error {
		_, err := tx.ExecContext(ctx, settings)
		return err
	}
	all := whereClause(slices.Concat(p.filters, p.unordered, []string{p.match}))
	page := fmt.Sprintf(newestFirst+" LIMIT %d OFFSET %d", p.limit, p.offset)
	var ids []int64 // (sqlx appends to the slice it scans into)
	if err := set(`SET LOCAL work_mem = '32MB'; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`); err != nil {
		return nil, err
	}
	// Everything outside the window is older than all of it, so the
	// matches inside are exactly the newest ones, however they are picked.
	window := s.searchWindow
	if len(p.unordered) > 0 {
		window *= 4
	}
	err = tx.SelectContext(ctx, &ids, fmt.Sprintf("SELECT t.id FROM (SELECT t.id, t.number, t.search, t.updated_at, t.department_id FROM tickets t%s%s LIMIT %d) t%s%s",
		whereClause(p.filters), newestFirst, window, whereClause(slices.Concat(p.unordered, []string{p.match})), page), p.args...)
	if err != nil {
		return nil, err
	}
	if len(ids) < p.limit {
		ids = nil
		if err := set(`SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = on`); err != nil {
			return nil, err
		}
		var matches []struct {
			ID      int64     `db:"id"`
			Updated time.Time `db:"updated_at"`
		}
		if err := tx.SelectContext(ctx, &matches, fmt.Sprintf("SELECT t.id, t.updated_at FROM tickets t%s LIMIT %d", all, s.searchCap+1), p.args...); err != nil {
			return nil, err
		}
		if len(matches) <= s.searchCap {
			sort.Slice(matches, func(i, j int) bool {
				a, b := matches[i], matches[j]
				return a.Updated.After(b.Updated) || a.Updated.Equal(b.Updated) && a.ID > b.ID
			})
			for i := p.offset; i < len(matches) && i < p.offset+p.limit; i++ {
				ids = append(ids, matches[i].ID)
			}
		} else if err = set(`SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = off`); err != nil {
			return nil, err
		} else if err = tx.SelectContext(ctx, &ids, "SELECT t.id FROM tickets t"+all+page, p.args...); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := set(`SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on`); err != nil {
		return nil, err
	}
	var ts []Ticket
	err = tx.SelectContext(ctx, &ts, "SELECT "+ticketColumns+ticketFrom+" WHERE t.id = ANY($1)"+newestFirst, pq.Array(ids))
	return ts, err
}

// searchQuery matches words stemmed as Indonesian or as written (names,
// codes, English words).
func searchQuery(p string) string {
	return "(websearch_to_tsquery('indonesian', " + p + ") || websearch_to_tsquery('simple', " + p + "))"
}

// searchVector is what an entry's text adds to its ticket's search vector.
// Bodies are capped: tsvector has a 1 MB limit and the first 64 KB of a
// message carry what anyone searches for.
const searchVector = `to_tsvector('indonesian', left($%d, 65536)) || to_tsvector('simple', left($%d, 65536))`

func isTicketNumber(s string) bool {
	if len(s) < 6 || len(s) > 7 || s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ParticipantRole says how an address takes part in a ticket.
type ParticipantRole string

// Roles.
const (
	RoleNone         ParticipantRole = ""
	RoleOwner        ParticipantRole = "owner"
	RoleCollaborator ParticipantRole = "collaborator"
	RoleAgent        ParticipantRole = "agent"
)

// MessageIDsOf returns the Message-IDs recorded for a ticket, oldest first:
// the References chain for a new notice.
func (s *Store) MessageIDsOf(ctx context.Context, q queryer, ticketID int64) ([]string, error) {
	var ids []string
	err := q.SelectContext(ctx, &ids, `SELECT message_id FROM message_ids WHERE ticket_id = $1 ORDER BY seq`, ticketID)
	return ids, wrap("message ids", err)
}
