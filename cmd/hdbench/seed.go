package main

// The seed: a helpdesk at scale, loaded with COPY. Secondary indexes and
// foreign keys are dropped for the load and rebuilt after it, which is
// how one restores a dump; the search vectors are computed by PostgreSQL
// from the same text the entries hold, as tickets.insertEntry does.
//
// A helpdesk that has a million tickets has also received their mail and
// sent their notices: each mailed-in ticket has its stored message, each
// ticket the autoresponse and department alert it caused, and their
// Message-IDs, as sent long ago (small stand-ins for the bytes). Without
// them the intake's look-ups ran on near-empty tables, whose plans (a
// sequential scan, right for ten rows, cached for the session) grow
// slower with every message of a burst, as no real desk's would.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

type seedResult struct {
	Tickets     int     `json:"tickets"`
	Entries     int     `json:"entries"`
	Users       int     `json:"users"`
	Attachments int     `json:"attachments"`
	CopySec     float64 `json:"copy_seconds"`
	VectorSec   float64 `json:"search_vector_seconds"`
	IndexSec    float64 `json:"index_seconds"`
	AnalyzeSec  float64 `json:"analyze_seconds"`
	TotalSec    float64 `json:"total_seconds"`
	DBSizeMB    float64 `json:"database_mb"`
}

type seedEnv struct {
	n, users  int
	seed      uint64
	depts     []int // Support first
	agents    map[int][]seedAgent
	allAgents []seedAgent
	topics    []int
	planID    int
	now       time.Time
	sixCount  int
	base      struct{ user, ticket, entry, att, inbound, outbox int64 }
	blobs     [][]byte // sha256 of the shared attachment blobs
	blobSizes []int
}

type seedAgent struct {
	ID    int
	Name  string
	Email string
}

// sixDigitLimit mirrors tickets.Opts.SixDigitLimit's default: a helpdesk
// this size has used exactly that many 6-digit numbers before widening.
const sixDigitLimit = 450000

// seedTickets loads n tickets and returns a sample of them for the
// scenarios that need real numbers.
func seedTickets(ctx context.Context, db *sqlx.DB, n int, seed uint64, log *slog.Logger) (*seedResult, []seededTicket, error) {
	start := time.Now()
	e := &seedEnv{n: n, users: max(2000, n/4), seed: seed, now: time.Now().UTC(), sixCount: min(n, sixDigitLimit)}
	if err := e.prepare(ctx, db); err != nil {
		return nil, nil, err
	}
	res := &seedResult{Tickets: n, Users: e.users}

	undo, err := dropForLoad(ctx, db, []string{"tickets", "entries", "message_ids", "attachments", "inbound_messages", "outbox"})
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE UNLOGGED TABLE seed_tickets (LIKE tickets INCLUDING DEFAULTS)`); err != nil {
		return nil, nil, err
	}
	if _, err := db.ExecContext(ctx, `ALTER TABLE seed_tickets DROP COLUMN search, ADD COLUMN body text NOT NULL`); err != nil {
		return nil, nil, err
	}
	log.Info("seed: copying", "tickets", n, "users", e.users)
	t0 := time.Now()
	if err := e.copyUsers(ctx, db); err != nil {
		return nil, nil, err
	}
	var sample []seededTicket
	var mu sync.Mutex
	var entries, atts int
	g, gctx := newGroup(ctx)
	const workers = 2
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		g.Go(func() error {
			s, ne, na, err := e.copyRange(gctx, db, lo, hi)
			mu.Lock()
			sample = append(sample, s...)
			entries += ne
			atts += na
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	res.CopySec = time.Since(t0).Seconds()
	res.Entries, res.Attachments = entries, atts

	log.Info("seed: computing search vectors")
	t0 = time.Now()
	if err := parallelChunks(ctx, n, 25000, workers, func(ctx context.Context, lo, hi int) error {
		_, err := db.ExecContext(ctx, `
			INSERT INTO tickets (id, number, subject, status, priority, department_id, topic_id, owner_id, assignee_id,
				sla_plan_id, due_at, overdue, source, forwarded_by, created_at, updated_at, last_message_at, last_response_at,
				resolved_at, closed_at, search)
			SELECT id, number, subject, status, priority, department_id, topic_id, owner_id, assignee_id,
				sla_plan_id, due_at, overdue, source, forwarded_by, created_at, updated_at, last_message_at, last_response_at,
				resolved_at, closed_at,
				setweight(to_tsvector('indonesian', subject), 'A') || setweight(to_tsvector('simple', subject), 'A') ||
				to_tsvector('indonesian', left(body, 65536)) || to_tsvector('simple', left(body, 65536))
			FROM seed_tickets WHERE id >= $1 AND id < $2`, e.base.ticket+int64(lo), e.base.ticket+int64(hi))
		return err
	}); err != nil {
		return nil, nil, fmt.Errorf("seed: search vectors: %w", err)
	}
	res.VectorSec = time.Since(t0).Seconds()
	if _, err := db.ExecContext(ctx, `DROP TABLE seed_tickets`); err != nil {
		return nil, nil, err
	}

	log.Info("seed: rebuilding indexes and foreign keys")
	t0 = time.Now()
	if err := undo(ctx); err != nil {
		return nil, nil, err
	}
	for _, q := range []string{
		fmt.Sprintf(`SELECT setval('users_id_seq', %d)`, e.base.user+int64(e.users)),
		fmt.Sprintf(`SELECT setval('tickets_id_seq', %d)`, e.base.ticket+int64(n)),
		fmt.Sprintf(`SELECT setval('entries_id_seq', %d)`, e.base.entry+4*int64(n)),
		fmt.Sprintf(`SELECT setval('attachments_id_seq', %d)`, e.base.att+int64(n)),
		fmt.Sprintf(`SELECT setval('inbound_messages_id_seq', %d)`, e.base.inbound+int64(n)),
		fmt.Sprintf(`SELECT setval('outbox_id_seq', %d)`, e.base.outbox+2*int64(n)),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, nil, err
		}
	}
	res.IndexSec = time.Since(t0).Seconds()
	t0 = time.Now()
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return nil, nil, err
	}
	res.AnalyzeSec = time.Since(t0).Seconds()
	res.TotalSec = time.Since(start).Seconds()
	var size int64
	db.GetContext(ctx, &size, `SELECT pg_database_size(current_database())`)
	res.DBSizeMB = float64(size) / (1 << 20)
	return res, sample, nil
}

// prepare reads the departments, topics and plan, adds the agents who
// answered the seeded tickets, and the shared attachment blobs.
func (e *seedEnv) prepare(ctx context.Context, db *sqlx.DB) error {
	if err := db.SelectContext(ctx, &e.depts, `SELECT id FROM departments ORDER BY (lower(name) = 'support') DESC, id`); err != nil {
		return err
	}
	if err := db.SelectContext(ctx, &e.topics, `SELECT id FROM help_topics ORDER BY id`); err != nil {
		return err
	}
	if err := db.GetContext(ctx, &e.planID, `SELECT id FROM sla_plans ORDER BY id LIMIT 1`); err != nil {
		return err
	}
	g := newTextGen(e.seed, 3)
	for i := 0; i < 15; i++ {
		name := g.name()
		var id int
		if err := db.GetContext(ctx, &id, `INSERT INTO agents (email, name) VALUES ($1, $2) RETURNING id`,
			fmt.Sprintf("agen%02d@kemsos.go.id", i), name); err != nil {
			return err
		}
		d := e.depts[i%len(e.depts)]
		if _, err := db.ExecContext(ctx, `INSERT INTO agent_departments (agent_id, department_id) VALUES ($1, $2)`, id, d); err != nil {
			return err
		}
	}
	var links []struct {
		ID    int    `db:"id"`
		Name  string `db:"name"`
		Email string `db:"email"`
		Dept  int    `db:"department_id"`
	}
	if err := db.SelectContext(ctx, &links, `SELECT a.id, a.name, a.email, ad.department_id FROM agents a JOIN agent_departments ad ON ad.agent_id = a.id ORDER BY a.id`); err != nil {
		return err
	}
	e.agents = map[int][]seedAgent{}
	for _, l := range links {
		e.agents[l.Dept] = append(e.agents[l.Dept], seedAgent{l.ID, l.Name, l.Email})
		e.allAgents = append(e.allAgents, seedAgent{l.ID, l.Name, l.Email})
	}
	for _, q := range []struct {
		dst *int64
		sql string
	}{
		{&e.base.user, `SELECT coalesce(max(id), 0) + 1 FROM users`},
		{&e.base.ticket, `SELECT coalesce(max(id), 0) + 1 FROM tickets`},
		{&e.base.entry, `SELECT coalesce(max(id), 0) + 1 FROM entries`},
		{&e.base.att, `SELECT coalesce(max(id), 0) + 1 FROM attachments`},
		{&e.base.inbound, `SELECT coalesce(max(id), 0) + 1 FROM inbound_messages`},
		{&e.base.outbox, `SELECT coalesce(max(id), 0) + 1 FROM outbox`},
	} {
		if err := db.GetContext(ctx, q.dst, q.sql); err != nil {
			return err
		}
	}
	r := rand.New(rand.NewPCG(e.seed, 4))
	for i := 0; i < 100; i++ {
		data := randomBytes(r, 20<<10+r.IntN(180<<10))
		sum := sha256.Sum256(data)
		if _, err := db.ExecContext(ctx, `INSERT INTO blobs (sha256, size, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, sum[:], len(data), data); err != nil {
			return err
		}
		e.blobs = append(e.blobs, sum[:])
		e.blobSizes = append(e.blobSizes, len(data))
	}
	return nil
}

// user i's name and address, derived from i alone so that any worker can
// name a ticket's owner.
func (e *seedEnv) user(i int) (string, string) {
	g := newTextGen(e.seed, 2<<32+uint64(i))
	name := g.name()
	return name, emailOf(name, i)
}

func (e *seedEnv) copyUsers(ctx context.Context, db *sqlx.DB) error {
	return copyRows(ctx, db, `COPY users (id, email, name, created_at) FROM STDIN`, func(put func(...any) error) error {
		created := e.now.AddDate(-4, 0, 0)
		for i := 0; i < e.users; i++ {
			name, email := e.user(i)
			if err := put(e.base.user+int64(i), email, name, created); err != nil {
				return err
			}
		}
		return nil
	})
}

// number is ticket i's number: the oldest sixDigitLimit get 6 digits, the
// rest 7, each a scrambled but unique pick (multiplying by a number
// coprime with the range is a bijection).
func (e *seedEnv) number(i int) string {
	if i < e.sixCount {
		return strconv.Itoa(100000 + (i*7919+12345)%900000)
	}
	return strconv.Itoa(1000000 + ((i-e.sixCount)*104729+54321)%9000000)
}

// copyRange writes tickets [lo, hi) with their entries, Message-IDs and
// attachments through four COPY streams.
func (e *seedEnv) copyRange(ctx context.Context, db *sqlx.DB, lo, hi int) ([]seededTicket, int, int, error) {
	streams := []string{
		`COPY seed_tickets (id, number, subject, status, priority, department_id, topic_id, owner_id, assignee_id, sla_plan_id,
			due_at, overdue, source, created_at, updated_at, last_message_at, last_response_at, resolved_at, closed_at, body) FROM STDIN`,
		`COPY entries (id, ticket_id, kind, user_id, agent_id, body, event, event_data, source, message_id, headers, created_at) FROM STDIN`,
		`COPY message_ids (message_id, ticket_id, entry_id) FROM STDIN`,
		`COPY attachments (id, entry_id, sha256, name, content_type, size) FROM STDIN`,
		`COPY inbound_messages (id, dedup_key, message_id, mailbox, raw, size, received_at, outcome, note, ticket_id, entry_id, sender, subject) FROM STDIN`,
		`COPY outbox (id, kind, message_id, ticket_id, entry_id, recipient, sender, subject, data, status, attempts, created_at, sent_at) FROM STDIN`,
	}
	cs := make([]*copyStream, len(streams))
	for i, q := range streams {
		c, err := openCopy(ctx, db, q)
		if err != nil {
			for _, o := range cs[:i] {
				o.abort()
			}
			return nil, 0, 0, err
		}
		cs[i] = c
	}
	var sample []seededTicket
	every := max(1, e.n/5000)
	entries, atts := 0, 0
	span := 3 * 365 * 24 * time.Hour
	origin := e.now.Add(-span)
	for i := lo; i < hi; i++ {
		r := rand.New(rand.NewPCG(e.seed, 1<<32+uint64(i)))
		g := textGen{r: r}
		tid := e.base.ticket + int64(i)
		ui := r.IntN(e.users)
		owner := e.base.user + int64(ui)
		oname, oemail := e.user(ui)
		regency := g.pick(regencies)
		subject := g.subject(regency)
		dept := e.depts[0]
		if x := r.IntN(100); x >= 40 && len(e.depts) > 1 {
			dept = e.depts[1+x%(len(e.depts)-1)]
		}
		var topic any
		if r.IntN(5) > 0 {
			topic = e.topics[r.IntN(len(e.topics))]
		}
		status := "closed"
		switch x := r.IntN(100); {
		case x < 20:
			status = "open"
		case x < 40:
			status = "resolved"
		}
		priority := "normal"
		switch x := r.IntN(100); {
		case x < 5:
			priority = "low"
		case x < 13:
			priority = "high"
		case x < 15:
			priority = "emergency"
		}
		source := "email"
		switch x := r.IntN(100); {
		case x < 25:
			source = "web"
		case x < 30:
			source = "api"
		}
		created := origin.Add(time.Duration(float64(span) * float64(i) / float64(e.n))).Add(time.Duration(r.IntN(3600)) * time.Second)
		updated := created.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
		if updated.After(e.now) {
			updated = e.now
		}
		var assignee any
		var agent seedAgent
		if as := e.agents[dept]; len(as) > 0 {
			agent = as[r.IntN(len(as))]
		} else {
			agent = e.allAgents[r.IntN(len(e.allAgents))]
		}
		if r.IntN(10) < 6 {
			assignee = agent.ID
		}
		k := 2 + r.IntN(3)
		var bodies []string
		eid := e.base.entry + 4*int64(i)

		first := g.complaint(oname, regency, 2, 6, nil)
		bodies = append(bodies, first)
		var mid any
		var headers any
		if source == "email" {
			mid = fmt.Sprintf("CA%016x.s%d@mail.gmail.com", r.Uint64(), i)
			headers = `{"From": "` + oemail + `", "X-Mailer": "Microsoft Outlook 16.0"}`
		}
		if err := cs[1].put(eid, tid, "message", owner, nil, first, nil, nil, source, mid, headers, created); err != nil {
			return nil, 0, 0, err
		}
		if mid != nil {
			if err := cs[2].put(mid, tid, eid); err != nil {
				return nil, 0, 0, err
			}
			raw := []byte("From: " + oname + " <" + oemail + ">\r\nTo: " + helpdeskAddress + "\r\nSubject: " + subject +
				"\r\nMessage-ID: <" + mid.(string) + ">\r\n\r\n" + first[:min(len(first), 200)] + "\r\n")
			if err := cs[4].put(e.base.inbound+int64(i), "mid:"+mid.(string), mid, "imap://helpdesk@mail.kemsos.go.id/INBOX", raw, len(raw),
				created, "opened", "new ticket", tid, eid, oemail, subject); err != nil {
				return nil, 0, 0, err
			}
		}
		// The autoresponse to the owner and the alert to an agent of the
		// department, sent when the ticket came.
		for j, to := range []string{oemail, agent.Email} {
			kind := []string{"ticket_autoresponse", "alert_new_ticket"}[j]
			nmid := fmt.Sprintf("hd.seed.%d.%d@kemsos.go.id", i, j)
			data := []byte("Message-ID: <" + nmid + ">\r\nTo: " + to + "\r\nSubject: [#" + e.number(i) + "] " + subject + "\r\n\r\n(seeded)\r\n")
			if err := cs[5].put(e.base.outbox+2*int64(i)+int64(j), kind, nmid, tid, eid, to, helpdeskAddress, subject, data, "sent", 1, created, created); err != nil {
				return nil, 0, 0, err
			}
			if err := cs[2].put(nmid, tid, eid); err != nil {
				return nil, 0, 0, err
			}
		}
		evData, _ := json.Marshal(map[string]string{"source": source})
		if err := cs[1].put(eid+1, tid, "event", owner, nil, fmt.Sprintf("Ticket created by %s (%s)", oname, source), "created", string(evData), "system", nil, nil, created); err != nil {
			return nil, 0, 0, err
		}
		var lastResponse, lastMessage any = nil, created
		if k >= 3 {
			at := created.Add(time.Duration(1+r.IntN(48)) * time.Hour)
			body := g.response(agent.Name, regency)
			bodies = append(bodies, body)
			if err := cs[1].put(eid+2, tid, "response", nil, agent.ID, body, nil, nil, "web", nil, nil, at); err != nil {
				return nil, 0, 0, err
			}
			lastResponse = at
		}
		if k == 4 {
			at := created.Add(time.Duration(49+r.IntN(72)) * time.Hour)
			body := g.reply(oname, regency)
			bodies = append(bodies, body)
			if err := cs[1].put(eid+3, tid, "message", owner, nil, body, nil, nil, source, nil, nil, at); err != nil {
				return nil, 0, 0, err
			}
			lastMessage = at
		}
		entries += k
		if r.IntN(10) == 0 {
			b := r.IntN(len(e.blobs))
			name, ct := (&mailBuilder{r: r}).attachmentName(0)
			if err := cs[3].put(e.base.att+int64(i), eid, e.blobs[b], name, ct, e.blobSizes[b]); err != nil {
				return nil, 0, 0, err
			}
			atts++
		}
		var resolvedAt, closedAt any
		switch status {
		case "resolved":
			resolvedAt = updated
		case "closed":
			closedAt = updated
		}
		due := created.Add(48 * time.Hour)
		overdue := status == "open" && due.Before(e.now)
		number := e.number(i)
		if err := cs[0].put(tid, number, subject, status, priority, dept, topic, owner, assignee, e.planID,
			due, overdue, source, created, updated, lastMessage, lastResponse, resolvedAt, closedAt, strings.Join(bodies, "\n")); err != nil {
			return nil, 0, 0, err
		}
		if i%every == 0 {
			sample = append(sample, seededTicket{Number: number, Department: dept, OwnerEmail: oemail, OwnerName: oname, Subject: subject, Regency: regency})
		}
	}
	for _, c := range cs {
		if err := c.finish(); err != nil {
			for _, o := range cs {
				o.abort()
			}
			return nil, 0, 0, err
		}
	}
	return sample, entries, atts, nil
}

// copyStream is one COPY … FROM STDIN in its own transaction.
type copyStream struct {
	tx   *sql.Tx
	stmt *sql.Stmt
	done bool
}

func openCopy(ctx context.Context, db *sqlx.DB, q string) (*copyStream, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("%s: %w", strings.Fields(q)[1], err)
	}
	return &copyStream{tx: tx, stmt: stmt}, nil
}

func (c *copyStream) put(vals ...any) error {
	_, err := c.stmt.Exec(vals...)
	return err
}

func (c *copyStream) finish() error {
	if c.done {
		return nil
	}
	c.done = true
	if _, err := c.stmt.Exec(); err != nil {
		c.tx.Rollback()
		return err
	}
	if err := c.stmt.Close(); err != nil {
		c.tx.Rollback()
		return err
	}
	return c.tx.Commit()
}

func (c *copyStream) abort() {
	if !c.done {
		c.done = true
		c.stmt.Close()
		c.tx.Rollback()
	}
}

// copyRows runs one COPY fed by fill.
func copyRows(ctx context.Context, db *sqlx.DB, q string, fill func(put func(...any) error) error) error {
	c, err := openCopy(ctx, db, q)
	if err != nil {
		return err
	}
	if err := fill(c.put); err != nil {
		c.abort()
		return err
	}
	return c.finish()
}

// dropForLoad drops the secondary indexes and the foreign keys of tables
// and returns the function that puts them back (in parallel, with memory
// enough for the GIN build).
func dropForLoad(ctx context.Context, db *sqlx.DB, tables []string) (func(context.Context) error, error) {
	var idx []struct {
		Name string `db:"indexname"`
		Def  string `db:"indexdef"`
	}
	q, args, err := sqlx.In(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (?)
		AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))`, tables)
	if err != nil {
		return nil, err
	}
	if err := db.SelectContext(ctx, &idx, db.Rebind(q), args...); err != nil {
		return nil, err
	}
	var fks []struct {
		Table string `db:"tbl"`
		Name  string `db:"conname"`
		Def   string `db:"def"`
	}
	q, args, err = sqlx.In(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
		FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN (?)`, tables)
	if err != nil {
		return nil, err
	}
	if err := db.SelectContext(ctx, &fks, db.Rebind(q), args...); err != nil {
		return nil, err
	}
	for _, f := range fks {
		if _, err := db.ExecContext(ctx, `ALTER TABLE `+f.Table+` DROP CONSTRAINT `+f.Name); err != nil {
			return nil, err
		}
	}
	for _, i := range idx {
		if _, err := db.ExecContext(ctx, `DROP INDEX `+i.Name); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context) error {
		work := make(chan string, len(idx)+len(fks))
		// The GIN index is the longest build: start it first.
		for _, i := range idx {
			if strings.Contains(i.Def, "gin") {
				work <- i.Def
			}
		}
		for _, i := range idx {
			if !strings.Contains(i.Def, "gin") {
				work <- i.Def
			}
		}
		for _, f := range fks {
			work <- `ALTER TABLE ` + f.Table + ` ADD CONSTRAINT ` + f.Name + ` ` + f.Def
		}
		close(work)
		g, gctx := newGroup(ctx)
		for w := 0; w < 2; w++ {
			g.Go(func() error {
				conn, err := db.Conn(gctx)
				if err != nil {
					return err
				}
				defer conn.Close()
				if _, err := conn.ExecContext(gctx, `SET maintenance_work_mem = '1GB'`); err != nil {
					return err
				}
				for q := range work {
					if _, err := conn.ExecContext(gctx, q); err != nil {
						return fmt.Errorf("%s: %w", q, err)
					}
				}
				return nil
			})
		}
		return g.Wait()
	}, nil
}

// parallelChunks runs fn over [0, n) in chunks of size, on workers.
func parallelChunks(ctx context.Context, n, size, workers int, fn func(ctx context.Context, lo, hi int) error) error {
	chunks := make(chan [2]int, n/size+1)
	for lo := 0; lo < n; lo += size {
		chunks <- [2]int{lo, min(n, lo+size)}
	}
	close(chunks)
	g, gctx := newGroup(ctx)
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			for c := range chunks {
				if err := fn(gctx, c[0], c[1]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
