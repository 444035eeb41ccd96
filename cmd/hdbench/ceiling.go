package main

// The two ceilings the ingest rate is compared with: parsing alone, on
// every core, and writing the same rows as directly as PostgreSQL allows
// (COPY in batches, ids reserved up front, search vectors computed
// set-wise), in a scratch database with the same schema.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/migrations"
	"github.com/lib/pq"
)

type ceilingResult struct {
	Workers      int     `json:"parse_workers"`
	ParseRate    float64 `json:"parse_messages_per_second"`
	ParseMBps    float64 `json:"parse_mb_per_second"`
	DBRate       float64 `json:"db_messages_per_second"`
	DBSeconds    float64 `json:"db_seconds"`
	DBBatch      int     `json:"db_batch"`
	DBWorkers    int     `json:"db_workers"`
	RowsPerMsg   float64 `json:"rows_per_message"`
	Lower        float64 `json:"lower_ceiling_per_second"`
	LowerIs      string  `json:"lower_is"`
	IngestShare  float64 `json:"ingest_fraction_of_lower"`
	ParseSeconds float64 `json:"parse_seconds"`
}

// parseCeiling parses the corpus on GOMAXPROCS workers: once to warm up,
// then three times, keeping the best (a ceiling, and the machine is shared).
func parseCeiling(corpus []*corpusMail) (float64, float64, int, float64) {
	workers := runtime.GOMAXPROCS(0)
	parseAll(corpus[:min(len(corpus), 200)], workers)
	best := 0.0
	var size int64
	for _, c := range corpus {
		size += int64(len(c.Raw))
	}
	for i := 0; i < 3; i++ {
		d := parseAll(corpus, workers)
		if best == 0 || d < best {
			best = d
		}
	}
	return float64(len(corpus)) / best, float64(size) / (1 << 20) / best, workers, best
}

func parseAll(corpus []*corpusMail, workers int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(corpus) {
					return
				}
				ingest.Parse(corpus[i].Raw, ingest.Limits{})
			}
		}()
	}
	wg.Wait()
	return time.Since(t0).Seconds()
}

// ceilingMail is one corpus message, parsed, as rows to write.
type ceilingMail struct {
	c       *corpusMail
	m       *ingest.Message
	subject string
	body    string
	headers []byte
	blobs   [][32]byte
}

// dbCeiling writes the corpus's rows into a scratch database: users,
// tickets (with search vectors), entries (message and "created" event),
// Message-IDs, blobs and attachments, the raw inbound messages and their
// mailbox UIDs; replies add an entry and update their ticket.
func dbCeiling(ctx context.Context, b *benchDB, corpus []*corpusMail, batch, workers, run int) (float64, float64, float64, error) {
	name := fmt.Sprintf("%s_ceiling%d", b.names[0], run)
	dsn, err := b.create(ctx, name)
	if err != nil {
		return 0, 0, 0, err
	}
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() {
		db.Close()
		b.drop(context.WithoutCancel(ctx), name)
	}()
	if err := migrations.Apply(ctx, db.DB, nil); err != nil {
		return 0, 0, 0, err
	}
	var dept, plan int
	db.GetContext(ctx, &dept, `SELECT id FROM departments ORDER BY id LIMIT 1`)
	db.GetContext(ctx, &plan, `SELECT id FROM sla_plans ORDER BY id LIMIT 1`)

	// Parsing is the other ceiling: done before the clock starts.
	ms := make([]*ceilingMail, len(corpus))
	for i, c := range corpus {
		m := ingest.Parse(c.Raw, ingest.Limits{})
		cm := &ceilingMail{c: c, m: m, subject: ingest.CleanSubject(m.Subject), body: m.Text}
		if c.Kind != mailNew {
			cm.body = ingest.StripQuoted(m.Text)
		}
		h := map[string]string{}
		for k, v := range m.Header {
			h[k] = v
		}
		h["From"] = m.From.Email
		cm.headers, _ = json.Marshal(h)
		for _, a := range m.Attachments {
			cm.blobs = append(cm.blobs, sha256.Sum256(a.Data))
		}
		ms[i] = cm
	}

	t0 := time.Now()
	emails := map[string]bool{}
	var list []string
	for _, m := range ms {
		e := strings.ToLower(m.m.From.Email)
		if !emails[e] {
			emails[e] = true
			list = append(list, e)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (email) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, pq.Array(list)); err != nil {
		return 0, 0, 0, err
	}
	users := map[string]int64{}
	rows, err := db.QueryContext(ctx, `SELECT id, lower(email) FROM users`)
	if err != nil {
		return 0, 0, 0, err
	}
	for rows.Next() {
		var id int64
		var e string
		rows.Scan(&id, &e)
		users[e] = id
	}
	rows.Close()

	var nrows atomic.Int64
	var next atomic.Int64
	g, gctx := newGroup(ctx)
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			conn, err := db.Connx(gctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			if _, err := conn.ExecContext(gctx, `CREATE TEMP TABLE st_tickets (id bigint, number text, subject text, owner_id bigint, body text) ON COMMIT DELETE ROWS`); err != nil {
				return err
			}
			for {
				lo := int(next.Add(int64(batch)) - int64(batch))
				if lo >= len(ms) {
					return nil
				}
				n, err := writeBatch(gctx, conn, ms[lo:min(len(ms), lo+batch)], lo, users, dept, plan)
				if err != nil {
					return err
				}
				nrows.Add(int64(n))
			}
		})
	}
	if err := g.Wait(); err != nil {
		return 0, 0, 0, err
	}
	d := time.Since(t0).Seconds()
	return float64(len(ms)) / d, d, float64(nrows.Load()) / float64(len(ms)), nil
}

func writeBatch(ctx context.Context, conn *sqlx.Conn, ms []*ceilingMail, offset int, users map[string]int64, dept, plan int) (int, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var complaints []int
	nEntries, nAtts := 0, 0
	for i, m := range ms {
		if m.c.Kind == mailNew {
			complaints = append(complaints, i)
			nEntries += 2
		} else {
			nEntries++
		}
		nAtts += len(m.m.Attachments)
	}
	if len(complaints) == 0 {
		// Replies need a ticket of their own batch; a batch of only
		// replies (not in this corpus) would make one.
		return 0, fmt.Errorf("ceiling: batch without a new ticket")
	}
	reserve := func(seq string, n int) ([]int64, error) {
		var ids []int64
		if n == 0 {
			return nil, nil
		}
		err := tx.SelectContext(ctx, &ids, `SELECT nextval($1) FROM generate_series(1, $2)`, seq, n)
		return ids, err
	}
	tids, err := reserve("tickets_id_seq", len(complaints))
	if err != nil {
		return 0, err
	}
	eids, err := reserve("entries_id_seq", nEntries)
	if err != nil {
		return 0, err
	}
	aids, err := reserve("attachments_id_seq", nAtts)
	if err != nil {
		return 0, err
	}
	iids, err := reserve("inbound_messages_id_seq", len(ms))
	if err != nil {
		return 0, err
	}
	now := time.Now()
	rows := 0
	put := func(q string, fill func(put func(...any) error) error) error {
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer stmt.Close()
		if err := fill(func(v ...any) error { rows++; _, err := stmt.ExecContext(ctx, v...); return err }); err != nil {
			return err
		}
		_, err = stmt.ExecContext(ctx)
		return err
	}
	ticketOf := make([]int64, len(ms))
	for k, i := range complaints {
		ticketOf[i] = tids[k]
	}
	for i, m := range ms {
		if m.c.Kind != mailNew {
			ticketOf[i] = tids[i%len(tids)]
		}
	}
	if err := put(`COPY st_tickets (id, number, subject, owner_id, body) FROM STDIN`, func(p func(...any) error) error {
		for k, i := range complaints {
			m := ms[i]
			if err := p(tids[k], strconv.Itoa(1000000+offset+i), m.subject, users[strings.ToLower(m.m.From.Email)], m.body); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO tickets (id, number, subject, department_id, owner_id, sla_plan_id, due_at, source, created_at, updated_at, last_message_at, search)
		SELECT id, number, subject, $1, owner_id, $2, now() + interval '48 hours', 'email', now(), now(), now(),
			setweight(to_tsvector('indonesian', subject), 'A') || setweight(to_tsvector('simple', subject), 'A') ||
			to_tsvector('indonesian', left(body, 65536)) || to_tsvector('simple', left(body, 65536))
		FROM st_tickets`, dept, plan); err != nil {
		return 0, err
	}
	entryOf := make([]int64, len(ms))
	ei := 0
	if err := put(`COPY entries (id, ticket_id, kind, user_id, body, body_html, event, event_data, source, message_id, headers, created_at) FROM STDIN`, func(p func(...any) error) error {
		for i, m := range ms {
			uid := users[strings.ToLower(m.m.From.Email)]
			entryOf[i] = eids[ei]
			if err := p(eids[ei], ticketOf[i], "message", uid, m.body, m.m.HTML, nil, nil, "email", m.m.MessageID, string(m.headers), now); err != nil {
				return err
			}
			ei++
			if m.c.Kind == mailNew {
				if err := p(eids[ei], ticketOf[i], "event", uid, "Ticket created by "+m.m.From.Name+" (email)", "", "created", `{"source": "email"}`, "system", nil, nil, now); err != nil {
					return err
				}
				ei++
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if err := put(`COPY message_ids (message_id, ticket_id, entry_id) FROM STDIN`, func(p func(...any) error) error {
		for i, m := range ms {
			if err := p(m.m.MessageID, ticketOf[i], entryOf[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if nAtts > 0 {
		if err := put(`COPY blobs (sha256, size, data) FROM STDIN`, func(p func(...any) error) error {
			for _, m := range ms {
				for j, a := range m.m.Attachments {
					if err := p(m.blobs[j][:], len(a.Data), a.Data); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			return 0, err
		}
		ai := 0
		if err := put(`COPY attachments (id, entry_id, sha256, name, content_type, size, inline) FROM STDIN`, func(p func(...any) error) error {
			for i, m := range ms {
				for j, a := range m.m.Attachments {
					if err := p(aids[ai], entryOf[i], m.blobs[j][:], a.Filename, a.ContentType, len(a.Data), a.Inline); err != nil {
						return err
					}
					ai++
				}
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	if err := put(`COPY inbound_messages (id, dedup_key, message_id, mailbox, raw, size, outcome, note, ticket_id, entry_id) FROM STDIN`, func(p func(...any) error) error {
		for i, m := range ms {
			outcome := "opened"
			if m.c.Kind != mailNew {
				outcome = "reply"
			}
			if err := p(iids[i], "mid:"+m.m.MessageID, m.m.MessageID, "imap://helpdesk@127.0.0.1/INBOX", m.c.Raw, len(m.c.Raw), outcome, outcome, ticketOf[i], entryOf[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if err := put(`COPY mailbox_uids (mailbox, uid_validity, uid, inbound_id, flagged) FROM STDIN`, func(p func(...any) error) error {
		for i := range ms {
			if err := p("imap://helpdesk@127.0.0.1/INBOX", 1, offset+i+1, iids[i], true); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	// Replies: the ticket moves up the queue and its vector grows, one
	// UPDATE for the batch.
	byTicket := map[int64][]string{}
	for i, m := range ms {
		if m.c.Kind != mailNew {
			byTicket[ticketOf[i]] = append(byTicket[ticketOf[i]], m.body)
		}
	}
	if len(byTicket) > 0 {
		var ids []int64
		var bodies []string
		for id, bs := range byTicket {
			ids = append(ids, id)
			bodies = append(bodies, strings.Join(bs, "\n"))
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE tickets t SET updated_at = now(), last_message_at = now(),
				search = t.search || to_tsvector('indonesian', left(r.body, 65536)) || to_tsvector('simple', left(r.body, 65536))
			FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS body) r WHERE t.id = r.id`, pq.Array(ids), pq.Array(bodies))
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		rows += int(n)
	}
	rows += len(complaints)
	return rows, tx.Commit()
}
