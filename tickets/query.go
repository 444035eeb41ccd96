package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
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
	// Query searches the words of subjects and threads, a ticket number,
	// and the people taking part: names, addresses, domains, phones.
	Query   string
	Sort    Sort
	Page    int // 1-based
	PerPage int
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
	MsgSortInvalid   = "no such column to sort by"
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
	if !ValidSortKey(f.Sort.Key) {
		v.add("sort", MsgSortInvalid)
	}
	return v.err()
}

// List returns a page of tickets in the filter's order (the newest update
// first unless told) and whether there is a next page. Every listing runs
// in one read-only snapshot.
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
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, wrap("list", err)
	}
	defer tx.Rollback()
	// A plan steered by enable_* settings costs 10¹⁰ on paper, which
	// would have it compiled (JIT) for a second before it runs for a
	// millisecond.
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, false, wrap("list", err)
	}
	ids, err := s.listIDs(ctx, tx, f)
	if err != nil {
		return nil, false, wrap("list", err)
	}
	more := len(ids) > f.PerPage
	if more {
		ids = ids[:f.PerPage]
	}
	if len(ids) == 0 {
		return nil, false, nil
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on; SET LOCAL enable_sort = on`); err != nil {
		return nil, false, wrap("list", err)
	}
	var ts []Ticket
	if err := s.prep(tx).SelectContext(ctx, &ts, "SELECT "+ticketColumns+ticketFrom+" WHERE t.id = ANY($1)", pq.Array(ids)); err != nil {
		return nil, false, wrap("list", err)
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	sort.Slice(ts, func(i, j int) bool { return pos[ts[i].ID] < pos[ts[j].ID] })
	return ts, more, nil
}

// listIDs returns the ids of the page and one more, in order.
func (s *Store) listIDs(ctx context.Context, tx *sqlx.Tx, f Filter) ([]int64, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// The departments, as ids: each is a walk of its own.
	depts := f.Departments
	if f.DepartmentID != 0 || f.Department != "" {
		id := f.DepartmentID
		if f.Department != "" {
			var named int
			err := tx.GetContext(ctx, &named, `SELECT id FROM departments WHERE lower(name) = lower($1)`, strings.TrimSpace(f.Department))
			if errors.Is(err, sql.ErrNoRows) || err == nil && id != 0 && named != id {
				return nil, nil
			} else if err != nil {
				return nil, err
			}
			id = named
		}
		if depts != nil && !slices.Contains(depts, id) {
			return nil, nil
		}
		depts = []int{id}
	}
	var statuses []string
	if f.Status != "" {
		statuses = []string{f.Status}
	}
	// A merged ticket's stub is no ticket of its own any more.
	where := []string{"t.merged_into IS NULL"}
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
	var match []string
	peopleEach := false // people checked row by row: no GIN plan
	if q := strings.TrimSpace(f.Query); q != "" {
		if n := strings.TrimPrefix(q, "#"); isTicketNumber(n) {
			match = append(match, "t.number = "+arg(n))
		}
		match = append(match, "t.search @@ "+searchQuery(arg(q)))
		people, each, err := s.peopleMatch(ctx, tx, q, arg)
		if err != nil {
			return nil, err
		}
		if people != "" {
			match, peopleEach = append(match, people), each
		}
	}
	srt := f.Sort.orDefault()
	limit, offset := f.PerPage+1, (f.Page-1)*f.PerPage
	page := fmt.Sprintf(" ORDER BY %s LIMIT %d OFFSET %d", srt.orderBy(), limit, offset)
	// Filters that pick few tickets (an owner's, an assignee's) leave the
	// plan to PostgreSQL: all of them are read and sorted.
	if f.OwnerID != 0 || f.AssigneeID != 0 {
		flat := where
		if depts != nil {
			flat = append(flat, "t.department_id = ANY("+arg(pq.Array(depts))+"::int[])")
		}
		if f.Status != "" {
			flat = append(flat, "t.status = "+arg(f.Status))
		}
		if len(match) > 0 {
			flat = append(flat, "("+strings.Join(match, " OR ")+")")
		}
		var ids []int64
		err := tx.SelectContext(ctx, &ids, "SELECT t.id FROM (SELECT "+walkColumns+nameColumn(srt)+" FROM tickets t"+nameJoin(srt)+
			whereClause(flat)+") t"+page, args...)
		return ids, err
	}
	w := &walk{depts: depts, statuses: statuses, where: where, sort: srt}
	if depts == nil && srt.Key != SortUpdated && srt.Key != SortStatus && srt.Key != SortAssignee {
		// These orders have indexes per department only.
		if err := tx.SelectContext(ctx, &w.depts, `SELECT id FROM departments ORDER BY id`); err != nil {
			return nil, err
		}
	}
	if len(match) == 0 {
		// The walks, as walks: the planner, pricing each walk's random
		// reads of the heap, would rather read a whole agent's or
		// status's tickets and sort them (300 ms at a million).
		if _, err := tx.ExecContext(ctx, walkSettings); err != nil {
			return nil, err
		}
		w.args = args
		return pageOf(w.ids(ctx, tx, limit+offset, "", 0))(offset)
	}
	w.args = args
	return s.search(ctx, tx, searchPlan{walk: w, flat: where, depts: depts, status: f.Status, match: "(" + strings.Join(match, " OR ") + ")",
		gin: !peopleEach, args: args, limit: limit, offset: offset})
}

// walkSettings make PostgreSQL walk indexes in order, as a walk means.
const walkSettings = `SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off`

// nameColumn and nameJoin add the assignee's name for the sort by assignee.
func nameColumn(s Sort) string {
	if s.needsName() {
		return ", a.name AS aname"
	}
	return ""
}

func nameJoin(s Sort) string {
	if s.needsName() {
		return " LEFT JOIN agents a ON a.id = t.assignee_id"
	}
	return ""
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// searchPlan is a full-text listing: the walk of its queue (see walk),
// the same filters flat (where, the departments and the status), the
// match, and the page.
type searchPlan struct {
	walk          *walk
	flat          []string
	depts         []int
	status        string
	match         string
	gin           bool // the match can be read from indexes alone
	args          []any
	limit, offset int
}

// search runs a full-text listing on a plan chosen here rather than by the
// planner, whose guess at how common a word is can be off a thousand times
// at a million tickets: it sorted half a million matches of a common word
// (seconds), or walked every ticket looking for a rare one. The cost of
// each way is known here, so they are tried cheapest first:
//
//  1. the first Opts.SearchWindow tickets of the queue in the listing's
//     order, walked through ordered indexes (see walk): enough for a page
//     when the words are common;
//  2. every match through the indexes of the match (the GIN index of the
//     words, the ticket number, the owners' and collaborators' ids of the
//     people named), when there are at most Opts.SearchCap of them,
//     sorted then;
//  3. otherwise the queue walked in order until the page is full, which
//     more than SearchCap matches make quick.
//
// Everything outside the window comes after all of it, so the matches
// inside are exactly the first ones, whatever the order. Only the page's
// ids come out of these; their rows are fetched last.
func (s *Store) search(ctx context.Context, tx *sqlx.Tx, p searchPlan) ([]int64, error) {
	set := func(settings string) error {
		_, err := tx.ExecContext(ctx, settings)
		return err
	}
	srt := p.walk.sort
	page := fmt.Sprintf(" ORDER BY %s LIMIT %d OFFSET %d", srt.orderBy(), p.limit, p.offset)
	if err := set(`SET LOCAL work_mem = '32MB'; ` + walkSettings); err != nil {
		return nil, err
	}
	ids, err := pageOf(p.walk.ids(ctx, tx, p.limit+p.offset, p.match, s.searchWindow))(p.offset)
	if err != nil {
		return nil, err
	}
	if len(ids) == p.limit {
		return ids, nil
	}
	if p.gin {
		if err := set(`SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = on; SET LOCAL enable_sort = on`); err != nil {
			return nil, err
		}
		// The department and the status are checked on each match, never
		// used to find them: the planner, trusting a guess of how many
		// tickets have the words, would AND the match with the bitmap of
		// a whole department (400 000 entries, 200 ms).
		flat := append([]string{}, p.flat...)
		if p.depts != nil {
			flat = append(flat, fmt.Sprintf("t.department_id + 0 = ANY('{%s}'::int[])", joinInts(p.depts)))
		}
		if p.status != "" {
			flat = append(flat, "t.status || '' = '"+p.status+"'")
		}
		flat = append(flat, p.match)
		var got struct {
			N   int           `db:"n"`
			IDs pq.Int64Array `db:"ids"`
		}
		err := tx.GetContext(ctx, &got, fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT %s%s FROM tickets t%s%s LIMIT %d)
			SELECT (SELECT count(*) FROM m) AS n, ARRAY(SELECT t.id FROM m t%s) AS ids`,
			walkColumns, nameColumn(srt), nameJoin(srt), whereClause(flat), s.searchCap+1, page), p.args...)
		if err != nil {
			return nil, err
		}
		if got.N <= s.searchCap { // every match was sorted
			return got.IDs, nil
		}
	}
	if err := set(`SET LOCAL enable_indexscan = on; ` + walkSettings); err != nil {
		return nil, err
	}
	return pageOf(p.walk.ids(ctx, tx, p.limit+p.offset, p.match, 0))(p.offset)
}

// pageOf cuts the first offset ids off a walk's result.
func pageOf(ids []int64, err error) func(offset int) ([]int64, error) {
	return func(offset int) ([]int64, error) {
		if err != nil || offset >= len(ids) {
			return nil, err
		}
		return ids[offset:], nil
	}
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
