package main

// The database ceiling: the rows the ingest wrote, written again as
// directly as PostgreSQL allows, into a copy of the database taken just
// before the ingest began: the same million tickets, the same indexes, the
// same statistics.
//
// "The same rows" are the ingest's own, not a guess at them: every row any
// table gained or changed while the helpdesk ingested (tickets, entries,
// raw mail, mailbox UIDs, Message-IDs, attachments and blobs, outbox rows
// with their composed mail and their Message-IDs, users), read back by
// transaction id. A table the product starts writing is in the ceiling the
// day it does. The rows are written in batches of about 200 messages, a
// ticket's rows in one batch, each batch one transaction of COPY
// statements (ids are the ingest's, so nothing is looked up), on two
// connections. Search vectors are computed again, set-wise, from the text.
//
// What the ceiling does not do is the product's thinking: parsing (the
// other ceiling), threading and duplicate look-ups, loop guards, composing
// the notices, and sending them (the ingest's outbox worker sends on the
// same two cores while the poller works).

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ceilingBase is the copy of the benchmark database taken before ingest.
type ceilingBase struct {
	name string
	dsn  string
	// Rows whose xmin is at or above xid were written after the copy.
	xid int64
}

// copyDatabase makes name a file copy of src. Nobody may be connected to
// src meanwhile, hdbench's own pool included.
func (b *benchDB) copyDatabase(ctx context.Context, src, name string) (string, error) {
	b.DB.SetMaxIdleConns(0)
	defer b.DB.SetMaxIdleConns(4)
	q := fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY`, name, src)
	var err error
	for try := 0; try < 40; try++ {
		// Autovacuum may still be on the seeded tables; PostgreSQL asks it
		// to leave, which takes a moment.
		if err = b.exec(ctx, b.admin, q); err == nil || !strings.Contains(err.Error(), "being accessed") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		return "", err
	}
	b.names = append(b.names, name)
	return withDBName(b.admin, name)
}

// snapshotForCeiling copies the benchmark database as it is now, before
// the helpdesk starts ingesting, and notes the transaction id from which
// on rows are the ingest's.
func (b *benchDB) snapshotForCeiling(ctx context.Context) (*ceilingBase, error) {
	name := b.names[0] + "_before_ingest"
	dsn, err := b.copyDatabase(ctx, b.names[0], name)
	if err != nil {
		return nil, err
	}
	cb := &ceilingBase{name: name, dsn: dsn}
	if err := b.DB.GetContext(ctx, &cb.xid, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint`); err != nil {
		return nil, err
	}
	if cb.xid >= 1<<32 {
		// xmin is the 32-bit xid; past the first epoch the comparison
		// below would need the epoch too. A fresh cluster never gets there.
		return nil, fmt.Errorf("ceiling: transaction ids past the first epoch (%d)", cb.xid)
	}
	return cb, nil
}

// replayTable is one table's share of what the ingest wrote.
type replayTable struct {
	name   string
	cols   []string
	bytea  []bool
	pk     []string // primary key columns
	rows   [][]any
	keys   []string // each row's primary key, as text
	exists []bool   // the row was in the copy already: an update
	batch  []int    // -1: the prelude, written before the batches
	col    map[string]int
}

// tableWrite is one table's rows per message, written by the ingest (from
// PostgreSQL's own counters) and by the ceiling.
type tableWrite struct {
	Table      string  `json:"table"`
	IngestIns  float64 `json:"ingest_inserts"`
	IngestUpd  float64 `json:"ingest_updates"`
	CeilingIns float64 `json:"ceiling_inserts"`
	CeilingUpd float64 `json:"ceiling_updates"`
}

// tableCounters reads PostgreSQL's per-table insert and update counts.
func tableCounters(ctx context.Context, db *sqlx.DB) (map[string][2]int64, error) {
	var rows []struct {
		Name string `db:"relname"`
		Ins  int64  `db:"n_tup_ins"`
		Upd  int64  `db:"n_tup_upd"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables`); err != nil {
		return nil, err
	}
	out := map[string][2]int64{}
	for _, r := range rows {
		out[r.Name] = [2]int64{r.Ins, r.Upd}
	}
	return out, nil
}

// waitForSessionsToEnd waits until no session but hdbench's is left on
// the benchmark database: a backend flushes its table counters as it
// exits.
func (b *benchDB) waitForSessionsToEnd(ctx context.Context) {
	for i := 0; i < 100; i++ {
		var n int
		b.DB.GetContext(ctx, &n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name <> 'hdbench' AND backend_type = 'client backend'`)
		if n == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Counters of a backend that just exited reach the shared view on exit;
	// our own session's snapshot of them is per transaction.
	time.Sleep(200 * time.Millisecond)
}

// gatherIngestRows reads back everything written since cb was taken, and
// marks which rows the copy already had.
func gatherIngestRows(ctx context.Context, src, dst *sqlx.DB, cb *ceilingBase) ([]*replayTable, error) {
	var names []string
	if err := src.SelectContext(ctx, &names, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`); err != nil {
		return nil, err
	}
	var fks []struct {
		From string `db:"f"`
		To   string `db:"t"`
	}
	if err := src.SelectContext(ctx, &fks, `SELECT conrelid::regclass::text AS f, confrelid::regclass::text AS t
		FROM pg_constraint WHERE contype = 'f' AND conrelid <> confrelid`); err != nil {
		return nil, err
	}
	var out []*replayTable
	for _, name := range fkOrder(names, fks) {
		t, err := readTable(ctx, src, name, cb.xid)
		if err != nil {
			return nil, err
		}
		if len(t.rows) == 0 {
			continue
		}
		if err := t.markExisting(ctx, dst); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// fkOrder sorts tables so that a table comes after those it references.
func fkOrder(names []string, fks []struct {
	From string `db:"f"`
	To   string `db:"t"`
}) []string {
	deps := map[string]map[string]bool{}
	for _, f := range fks {
		if deps[f.From] == nil {
			deps[f.From] = map[string]bool{}
		}
		deps[f.From][f.To] = true
	}
	done := map[string]bool{}
	var out []string
	for len(out) < len(names) {
		progress := false
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for d := range deps[n] {
				if !done[d] {
					ready = false
				}
			}
			if ready {
				done[n], progress = true, true
				out = append(out, n)
			}
		}
		if !progress {
			// A cycle: the rest in name order (COPY will say if it matters).
			for _, n := range names {
				if !done[n] {
					done[n] = true
					out = append(out, n)
				}
			}
		}
	}
	return out
}

func readTable(ctx context.Context, db *sqlx.DB, name string, xid int64) (*replayTable, error) {
	t := &replayTable{name: name, col: map[string]int{}}
	var cols []struct {
		Name string `db:"column_name"`
		Type string `db:"data_type"`
	}
	if err := db.SelectContext(ctx, &cols, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`, name); err != nil {
		return nil, err
	}
	for i, c := range cols {
		t.cols = append(t.cols, c.Name)
		t.bytea = append(t.bytea, c.Type == "bytea")
		t.col[c.Name] = i
	}
	if err := db.SelectContext(ctx, &t.pk, `SELECT a.attname FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, name); err != nil {
		return nil, err
	}
	sel := make([]string, 0, len(t.cols)+1)
	for _, c := range t.cols {
		sel = append(sel, pq.QuoteIdentifier(c))
	}
	key := "''"
	if len(t.pk) > 0 {
		var ks []string
		for _, k := range t.pk {
			ks = append(ks, pq.QuoteIdentifier(k)+"::text")
		}
		key = strings.Join(ks, " || ',' || ")
	}
	sel = append(sel, key)
	rows, err := db.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+pq.QuoteIdentifier(name)+
		` WHERE xmin::text::bigint >= $1`, xid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(t.cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals[:len(t.cols)] {
			// lib/pq hands back text it has no Go type for (jsonb,
			// tsvector, arrays) as bytes; COPY would take bytes for bytea.
			if b, ok := v.([]byte); ok && !t.bytea[i] {
				vals[i] = string(b)
			}
		}
		k, _ := vals[len(t.cols)].(string)
		if b, ok := vals[len(t.cols)].([]byte); ok {
			k = string(b)
		}
		if i, ok := t.col["search"]; ok && name == "tickets" {
			// Computed again from the text by the ceiling, as the
			// helpdesk computes it; not parsed back from its text form.
			vals[i] = ""
		}
		t.rows = append(t.rows, vals[:len(t.cols)])
		t.keys = append(t.keys, k)
	}
	return t, rows.Err()
}

// markExisting asks the copy which of the rows it has: those the ingest
// changed rather than added.
func (t *replayTable) markExisting(ctx context.Context, dst *sqlx.DB) error {
	t.exists = make([]bool, len(t.rows))
	if len(t.pk) == 0 {
		return nil
	}
	var ks []string
	for _, k := range t.pk {
		ks = append(ks, pq.QuoteIdentifier(k)+"::text")
	}
	key := strings.Join(ks, " || ',' || ")
	var have []string
	// The key as text, compared as text: a sequential scan of the copy,
	// before the clock starts.
	if err := dst.SelectContext(ctx, &have, `SELECT k FROM (SELECT `+key+` AS k FROM `+pq.QuoteIdentifier(t.name)+`) s
		WHERE k = ANY($1)`, pq.Array(t.keys)); err != nil {
		return err
	}
	in := map[string]bool{}
	for _, k := range have {
		in[k] = true
	}
	for i, k := range t.keys {
		t.exists[i] = in[k]
	}
	return nil
}

func (t *replayTable) value(row int, col string) (any, bool) {
	i, ok := t.col[col]
	if !ok || t.rows[row][i] == nil {
		return nil, false
	}
	return t.rows[row][i], true
}

// assignBatches puts every row in a batch of about size messages: a
// ticket's rows (its entries, their attachments and Message-IDs, its raw
// mail and outbox rows) in one batch, so that two connections never wait
// on each other; rows of no ticket, and blobs two batches share, in the
// prelude. It returns the number of batches and of messages.
func assignBatches(ts []*replayTable, size int) (int, int) {
	byName := map[string]*replayTable{}
	for _, t := range ts {
		byName[t.name] = t
		t.batch = make([]int, len(t.rows))
		for i := range t.batch {
			t.batch[i] = -1
		}
	}
	ticketBatch := map[any]int{}
	cur, inCur, messages := 0, 0, 0
	if in := byName["inbound_messages"]; in != nil {
		order := make([]int, len(in.rows))
		for i := range order {
			order[i] = i
		}
		idOf := func(i int) int64 { v, _ := in.value(i, "id"); n, _ := v.(int64); return n }
		sort.Slice(order, func(a, b int) bool { return idOf(order[a]) < idOf(order[b]) })
		for _, i := range order {
			messages++
			b := cur
			if tid, ok := in.value(i, "ticket_id"); ok {
				if tb, seen := ticketBatch[tid]; seen {
					b = tb
				} else {
					ticketBatch[tid] = cur
				}
			}
			in.batch[i] = b
			if b == cur {
				if inCur++; inCur >= size {
					cur, inCur = cur+1, 0
				}
			}
		}
	}
	batches := cur + 1
	if inCur == 0 && cur > 0 {
		batches = cur
	}
	of := func(m map[any]int, k any) int {
		if b, ok := m[k]; ok {
			return b
		}
		return -1
	}
	// Blobs come before attachments in key order, but follow them here.
	blobBatch := map[any]int{}
	if at := byName["attachments"]; at != nil && byName["blobs"] != nil {
		entries := byName["entries"]
		entryTicket := map[any]any{}
		if entries != nil {
			for i := range entries.rows {
				id, _ := entries.value(i, "id")
				tid, _ := entries.value(i, "ticket_id")
				entryTicket[id] = tid
			}
		}
		for i := range at.rows {
			eid, _ := at.value(i, "entry_id")
			sha, _ := at.value(i, "sha256")
			k := fmt.Sprint(sha)
			b := of(ticketBatch, entryTicket[eid])
			if prev, ok := blobBatch[k]; ok && prev != b {
				b = -1
			}
			blobBatch[k] = b
		}
	}
	entryBatch := map[any]int{}
	inboundBatch := map[any]int{}
	for _, t := range ts {
		for i := range t.rows {
			b := -1
			switch {
			case t.name == "inbound_messages":
				b = t.batch[i]
			case t.name == "tickets":
				id, _ := t.value(i, "id")
				b = of(ticketBatch, id)
			case t.name == "blobs":
				sha, _ := t.value(i, "sha256")
				b = of(blobBatch, fmt.Sprint(sha))
			default:
				if tid, ok := t.value(i, "ticket_id"); ok {
					b = of(ticketBatch, tid)
				} else if eid, ok := t.value(i, "entry_id"); ok {
					b = of(entryBatch, eid)
				} else if iid, ok := t.value(i, "inbound_id"); ok {
					b = of(inboundBatch, iid)
				}
			}
			t.batch[i] = b
			id, _ := t.value(i, "id")
			switch t.name {
			case "entries":
				entryBatch[id] = b
			case "inbound_messages":
				inboundBatch[id] = b
			}
		}
	}
	return batches, messages
}

// replayResult is what writing the rows again took.
type replayResult struct {
	Messages  int
	Seconds   float64
	Rows      int
	Stmts     int
	Ins, Upd  map[string]int
	Batches   int
	BatchSize int
	Workers   int
}

// replay writes the gathered rows into dst: the prelude, then the batches
// on workers connections.
func replay(ctx context.Context, dst *sqlx.DB, ts []*replayTable, size, workers int) (*replayResult, error) {
	nb, messages := assignBatches(ts, size)
	res := &replayResult{Messages: messages, Batches: nb, BatchSize: size, Workers: workers, Ins: map[string]int{}, Upd: map[string]int{}}
	var stmts, nrows atomic.Int64
	counts := make([]map[string][2]int, nb+1)
	conns := make([]*sqlx.Conn, workers)
	for w := range conns {
		c, err := dst.Connx(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		conns[w] = c
	}
	write := func(conn *sqlx.Conn, b int) error {
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		w := &batchWriter{ctx: ctx, tx: tx, ts: ts, batch: b}
		if err := w.write(); err != nil {
			return fmt.Errorf("ceiling batch %d: %w", b, err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		stmts.Add(int64(w.stmts + 1))
		nrows.Add(int64(w.rows))
		counts[b+1] = w.counts
		return nil
	}
	t0 := time.Now()
	if err := write(conns[0], -1); err != nil {
		return nil, err
	}
	var next atomic.Int64
	g, gctx := newGroup(ctx)
	for w := 0; w < workers; w++ {
		conn := conns[w]
		g.Go(func() error {
			for {
				b := int(next.Add(1) - 1)
				if b >= nb || gctx.Err() != nil {
					return gctx.Err()
				}
				if err := write(conn, b); err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	res.Stmts, res.Rows = int(stmts.Load()), int(nrows.Load())
	for _, c := range counts {
		for t, n := range c {
			res.Ins[t] += n[0]
			res.Upd[t] += n[1]
		}
	}
	return res, nil
}

// batchWriter writes one batch's rows, table by table in key order: new
// rows by COPY, changed ones by COPY into a scratch table and one UPDATE.
type batchWriter struct {
	ctx    context.Context
	tx     *sqlx.Tx
	ts     []*replayTable
	batch  int
	stmts  int
	rows   int
	counts map[string][2]int
}

func (w *batchWriter) write() error {
	w.counts = map[string][2]int{}
	var texts map[any][]string
	for _, t := range w.ts {
		var ins, upd []int
		for i, b := range t.batch {
			if b != w.batch {
				continue
			}
			if t.exists[i] {
				upd = append(upd, i)
			} else {
				ins = append(ins, i)
			}
		}
		if len(ins)+len(upd) == 0 {
			continue
		}
		var err error
		if t.name == "tickets" {
			if texts == nil {
				texts = w.searchText()
			}
			err = w.tickets(t, ins, upd, texts)
		} else {
			if err = w.copy(t.name, t, ins, nil); err == nil && len(upd) > 0 {
				err = w.update(t, upd)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		w.counts[t.name] = [2]int{len(ins), len(upd)}
		w.rows += len(ins) + len(upd)
	}
	return nil
}

// searchText is, per ticket, the text this batch's entries add to its
// search vector (events are not indexed).
func (w *batchWriter) searchText() map[any][]string {
	out := map[any][]string{}
	for _, t := range w.ts {
		if t.name != "entries" {
			continue
		}
		for i, b := range t.batch {
			if b != w.batch {
				continue
			}
			if k, _ := t.value(i, "kind"); k == "event" {
				continue
			}
			tid, _ := t.value(i, "ticket_id")
			body, _ := t.value(i, "body")
			if s, _ := body.(string); strings.TrimSpace(s) != "" {
				out[tid] = append(out[tid], s)
			}
		}
	}
	return out
}

// copy sends rows of t by COPY into table (t itself, or a scratch table
// like it), with extra columns appended to each row.
func (w *batchWriter) copy(table string, t *replayTable, idx []int, extra func(i int) []any, extraCols ...string) error {
	if len(idx) == 0 {
		return nil
	}
	cols := append(append([]string{}, t.cols...), extraCols...)
	stmt, err := w.tx.PrepareContext(w.ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, i := range idx {
		v := t.rows[i]
		if extra != nil {
			v = append(append([]any{}, v...), extra(i)...)
		}
		if _, err := stmt.ExecContext(w.ctx, v...); err != nil {
			return err
		}
	}
	if _, err := stmt.ExecContext(w.ctx); err != nil {
		return err
	}
	w.stmts++
	return nil
}

// scratch makes (once per session) a temporary table shaped like t, with
// extra columns.
func (w *batchWriter) scratch(t *replayTable, extra string) (string, error) {
	name := "replay_" + t.name
	q := `CREATE TEMP TABLE IF NOT EXISTS ` + name + ` (LIKE ` + pq.QuoteIdentifier(t.name) + extra + `) ON COMMIT DELETE ROWS`
	if _, err := w.tx.ExecContext(w.ctx, q); err != nil {
		return "", err
	}
	w.stmts++
	return name, nil
}

func (w *batchWriter) update(t *replayTable, idx []int) error {
	st, err := w.scratch(t, "")
	if err != nil {
		return err
	}
	if err := w.copy(st, t, idx, nil); err != nil {
		return err
	}
	return w.exec(`UPDATE `+pq.QuoteIdentifier(t.name)+` t SET `+assignments(t, nil)+` FROM `+st+` s WHERE `+pkMatch(t), nil)
}

// tickets writes the batch's tickets through a scratch table, computing
// the search vector as the helpdesk does: the subject weighted, then each
// indexed entry's text; a changed ticket's vector grows by the new text.
func (w *batchWriter) tickets(t *replayTable, ins, upd []int, texts map[any][]string) error {
	st, err := w.scratch(t, `, replay_text text, replay_new boolean`)
	if err != nil {
		return err
	}
	all := append(append([]int{}, ins...), upd...)
	newRow := map[int]bool{}
	for _, i := range ins {
		newRow[i] = true
	}
	err = w.copy(st, t, all, func(i int) []any {
		id, _ := t.value(i, "id")
		return []any{strings.Join(texts[id], "\n"), newRow[i]}
	}, "replay_text", "replay_new")
	if err != nil {
		return err
	}
	const vec = `to_tsvector('indonesian', left(s.replay_text, 65536)) || to_tsvector('simple', left(s.replay_text, 65536))`
	if len(ins) > 0 {
		var cols, vals []string
		for _, c := range t.cols {
			cols = append(cols, pq.QuoteIdentifier(c))
			v := "s." + pq.QuoteIdentifier(c)
			if c == "search" {
				v = `setweight(to_tsvector('indonesian', s.subject), 'A') || setweight(to_tsvector('simple', s.subject), 'A') || ` + vec
			}
			vals = append(vals, v)
		}
		if err := w.exec(`INSERT INTO tickets (`+strings.Join(cols, ", ")+`) SELECT `+strings.Join(vals, ", ")+` FROM `+st+` s WHERE s.replay_new`, nil); err != nil {
			return err
		}
	}
	if len(upd) > 0 {
		set := assignments(t, map[string]string{"search": "t.search || " + vec})
		if err := w.exec(`UPDATE tickets t SET `+set+` FROM `+st+` s WHERE NOT s.replay_new AND `+pkMatch(t), nil); err != nil {
			return err
		}
	}
	return nil
}

func (w *batchWriter) exec(q string, args []any) error {
	w.stmts++
	_, err := w.tx.ExecContext(w.ctx, q, args...)
	return err
}

// assignments is "col = s.col, …" for the columns outside the primary
// key, with some columns given their own expression.
func assignments(t *replayTable, own map[string]string) string {
	pk := map[string]bool{}
	for _, k := range t.pk {
		pk[k] = true
	}
	var out []string
	for _, c := range t.cols {
		if pk[c] {
			continue
		}
		v := "s." + pq.QuoteIdentifier(c)
		if e, ok := own[c]; ok {
			v = e
		}
		out = append(out, pq.QuoteIdentifier(c)+" = "+v)
	}
	return strings.Join(out, ", ")
}

func pkMatch(t *replayTable) string {
	var out []string
	for _, k := range t.pk {
		out = append(out, "t."+pq.QuoteIdentifier(k)+" = s."+pq.QuoteIdentifier(k))
	}
	return strings.Join(out, " AND ")
}

// dbCeiling replays the ingest's rows twice, each time into a fresh copy
// of the database as the ingest found it, and keeps the faster run (a
// ceiling, and the machine may be shared). It fills the database side of
// cr and drops the copies.
func dbCeiling(ctx context.Context, b *benchDB, cb *ceilingBase, cr *ceilingResult, ingestWrites map[string][2]int64) error {
	src := b.DB
	base, err := sqlx.Open("postgres", cb.dsn)
	if err != nil {
		return err
	}
	ts, err := gatherIngestRows(ctx, src, base, cb)
	base.Close()
	if err != nil {
		return fmt.Errorf("reading the ingest's rows: %w", err)
	}
	var best *replayResult
	for run := 0; run < 2; run++ {
		name := fmt.Sprintf("%s_ceiling%d", b.names[0], run)
		dsn, err := b.copyDatabase(ctx, cb.name, name)
		if err != nil {
			return err
		}
		db, err := sqlx.Open("postgres", dsn)
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(cr.DBWorkers + 1)
		r, err := replay(ctx, db, ts, cr.DBBatch, cr.DBWorkers)
		db.Close()
		b.drop(context.WithoutCancel(ctx), name)
		if err != nil {
			return err
		}
		if best == nil || r.Seconds < best.Seconds {
			best = r
		}
	}
	if best.Messages == 0 {
		return fmt.Errorf("ceiling: the ingest wrote no inbound message")
	}
	n := float64(best.Messages)
	cr.DBRate, cr.DBSeconds = n/best.Seconds, best.Seconds
	cr.RowsPerMsg, cr.StmtsPerMsg, cr.Replayed = float64(best.Rows)/n, float64(best.Stmts)/n, best.Messages
	cr.Tables = nil
	seen := map[string]bool{}
	var names []string
	for t := range best.Ins {
		seen[t] = true
		names = append(names, t)
	}
	for t, w := range ingestWrites {
		if !seen[t] && (w[0] > 0 || w[1] > 0) {
			names = append(names, t)
		}
	}
	sort.Strings(names)
	for _, t := range names {
		w := ingestWrites[t]
		cr.Tables = append(cr.Tables, tableWrite{Table: t, IngestIns: float64(w[0]) / n, IngestUpd: float64(w[1]) / n,
			CeilingIns: float64(best.Ins[t]) / n, CeilingUpd: float64(best.Upd[t]) / n})
	}
	return nil
}

// diffCounters is after minus before.
func diffCounters(after, before map[string][2]int64) map[string][2]int64 {
	out := map[string][2]int64{}
	for t, a := range after {
		b := before[t]
		out[t] = [2]int64{a[0] - b[0], a[1] - b[1]}
	}
	return out
}
