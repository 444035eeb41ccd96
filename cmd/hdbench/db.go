package main

// The benchmark's database: a private cluster in a temporary directory, or
// a fresh database on the server HELPDESK_DATABASE_URL names.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgcluster"
	"github.com/kemsos/helpdesk/migrations"
	"github.com/lib/pq"
)

type benchDB struct {
	cluster *pgcluster.Cluster
	admin   string // DSN of a maintenance database on the same server
	names   []string
	dsn     string // the benchmark database
	DB      *sqlx.DB
	// statements: pg_stat_statements is loaded (private cluster only).
	statements bool
	serverLog  string // the private cluster's log, where auto_explain writes
	log        *slog.Logger
}

// openBenchDB prepares the server and creates the benchmark database in it.
func openBenchDB(ctx context.Context, dir, dsnOptions string, log *slog.Logger) (*benchDB, error) {
	b := &benchDB{log: log}
	if env := os.Getenv("HELPDESK_DATABASE_URL"); env != "" {
		b.admin = env
	} else {
		c, err := pgcluster.Start(ctx, filepath.Join(dir, "pg"), pgcluster.Options{Log: log})
		if err != nil {
			return nil, err
		}
		b.cluster = c
		// pg_stat_statements shows which statements the ingest path runs
		// and how often: the evidence for the findings. It must be loaded
		// at server start.
		// Planning time too: the helpdesk's statements are planned on every
		// execution (unnamed statements), and that is server CPU.
		// auto_explain stays off (log_min_duration -1) until explainSlow
		// turns it on to collect the plans of a missed target.
		if err := b.exec(ctx, c.DSN("postgres"), `ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', 'auto_explain'`); err != nil {
			return nil, err
		}
		if err := c.Stop(); err != nil {
			return nil, err
		}
		if err := c.Restart(ctx); err != nil {
			return nil, err
		}
		// Known only once the library is loaded.
		if err := b.exec(ctx, c.DSN("postgres"), `ALTER SYSTEM SET pg_stat_statements.track_planning = on`); err != nil {
			return nil, err
		}
		if err := b.exec(ctx, c.DSN("postgres"), `SELECT pg_reload_conf()`); err != nil {
			return nil, err
		}
		b.admin = c.DSN("postgres")
		b.serverLog = filepath.Join(c.Dir, "server.log")
	}
	name := fmt.Sprintf("hdbench_%d", time.Now().Unix())
	dsn, err := b.create(ctx, name)
	if err != nil {
		return nil, err
	}
	// Extra connection settings (--dsn-options) reach both this process
	// and the helpdesk: a way to try a driver setting without a code change.
	if dsnOptions != "" {
		if dsn, err = withOptions(dsn, dsnOptions); err != nil {
			return nil, err
		}
	}
	b.dsn = dsn
	// This process's own sessions are named, so that the samplers of
	// pg_stat_activity see only the helpdesk's; binary parameters as the
	// helpdesk uses them (pgcluster.TuneDSN).
	own, err := withOptions(pgcluster.TuneDSN(dsn), "application_name=hdbench")
	if err != nil {
		return nil, err
	}
	b.DB, err = sqlx.Open("postgres", own)
	if err != nil {
		return nil, err
	}
	b.DB.SetMaxOpenConns(20)
	if err := migrations.Apply(ctx, b.DB.DB, nil); err != nil {
		return nil, err
	}
	// Without the library loaded (a server we were given) the reset fails
	// and the figures go without statement statistics.
	if _, err := b.DB.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err == nil {
		_, err = b.DB.ExecContext(ctx, `SELECT pg_stat_statements_reset()`)
		b.statements = err == nil
	}
	return b, nil
}

// create makes a fresh database and returns its DSN.
func (b *benchDB) create(ctx context.Context, name string) (string, error) {
	if err := b.exec(ctx, b.admin, `CREATE DATABASE `+name); err != nil {
		return "", err
	}
	b.names = append(b.names, name)
	return withDBName(b.admin, name)
}

func (b *benchDB) drop(ctx context.Context, name string) error {
	return b.exec(ctx, b.admin, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

func (b *benchDB) exec(ctx context.Context, dsn, q string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// close drops the databases made on a server we were given (not ours to
// fill) and stops the private cluster.
func (b *benchDB) close(keep bool) {
	if b.DB != nil {
		b.DB.Close()
	}
	if b.cluster != nil {
		if err := b.cluster.Stop(); err != nil {
			b.log.Warn("stopping PostgreSQL", "err", err)
		}
		return
	}
	if keep {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range b.names {
		if err := b.drop(ctx, n); err != nil {
			b.log.Warn("dropping benchmark database", "db", n, "err", err)
		}
	}
}

// withOptions adds key=value settings to a DSN in either form.
func withOptions(dsn, opts string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("HELPDESK_DATABASE_URL is not a valid URL")
		}
		q := u.Query()
		for _, kv := range strings.Fields(opts) {
			k, v, _ := strings.Cut(kv, "=")
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " " + opts, nil
}

var dbnameRE = regexp.MustCompile(`(^|\s)dbname=\S*`)

// withDBName points a lib/pq DSN, URL or key=value form, at database name.
func withDBName(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("HELPDESK_DATABASE_URL is not a valid URL")
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	if dbnameRE.MatchString(dsn) {
		return dbnameRE.ReplaceAllString(dsn, "${1}dbname="+name), nil
	}
	return dsn + " dbname=" + name, nil
}

// webSchema makes sure the web tables exist. While 0004_web.sql is still a
// draft outside the numbered chain, the agent pages need it applied by
// hand, as the web tests do; once it is in the chain this does nothing.
func webSchema(ctx context.Context, db *sqlx.DB, root string) (bool, error) {
	var ok bool
	if err := db.GetContext(ctx, &ok, `SELECT to_regclass('web_sessions') IS NOT NULL`); err != nil {
		return false, err
	}
	if ok {
		return true, nil
	}
	body, err := os.ReadFile(filepath.Join(root, "migrations", "0004_web.sql.draft"))
	if err != nil {
		return false, nil
	}
	if _, err := db.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("web schema draft: %w", err)
	}
	return true, nil
}

// topStatement is one line of pg_stat_statements.
type topStatement struct {
	Query   string  `db:"query" json:"query"`
	Calls   int64   `db:"calls" json:"calls"`
	TotalMS float64 `db:"total_ms" json:"total_ms"`
	PlanMS  float64 `db:"plan_ms" json:"plan_ms"`
	MeanMS  float64 `db:"mean_ms" json:"mean_ms"`
	Rows    int64   `db:"rows" json:"rows"`
}

func (b *benchDB) resetStatements(ctx context.Context) {
	if b.statements {
		b.DB.ExecContext(ctx, `SELECT pg_stat_statements_reset()`)
	}
}

// topStatements lists the statements that took the most server time in the
// benchmark database since the last reset.
func (b *benchDB) topStatements(ctx context.Context, n int) []topStatement {
	if !b.statements {
		return nil
	}
	var out []topStatement
	err := b.DB.SelectContext(ctx, &out, `
		SELECT regexp_replace(query, '\s+', ' ', 'g') AS query, calls, total_exec_time AS total_ms, total_plan_time AS plan_ms, mean_exec_time AS mean_ms, rows
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = current_database() AND NOT query LIKE ANY($2)
		ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`, n, pq.Array(ownStatements))
	if err != nil {
		b.log.Warn("pg_stat_statements", "err", err)
		return nil
	}
	for i := range out {
		if len(out[i].Query) > 300 {
			out[i].Query = out[i].Query[:300] + "…"
		}
	}
	return out
}

// ownStatements are hdbench's watchers, left out of the helpdesk's figures.
var ownStatements = []string{"%FROM pg_stat_activity%", "%FROM inbound_messages WHERE id > $1 ORDER BY id%", "%pg_stat_statements%"}

// planAndExec is the server time spent planning and executing statements
// since the reset, in milliseconds.
func (b *benchDB) planAndExec(ctx context.Context) (plan, exec float64) {
	if !b.statements {
		return 0, 0
	}
	var row struct {
		Plan sql.NullFloat64 `db:"plan"`
		Exec sql.NullFloat64 `db:"exec"`
	}
	b.DB.GetContext(ctx, &row, `SELECT sum(total_plan_time) AS plan, sum(total_exec_time) AS exec FROM pg_stat_statements s
		JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() AND NOT query LIKE ANY($1)`, pq.Array(ownStatements))
	return row.Plan.Float64, row.Exec.Float64
}

// statementCalls is the total number of statements run since the reset.
func (b *benchDB) statementCalls(ctx context.Context) int64 {
	if !b.statements {
		return 0
	}
	var n sql.NullInt64
	b.DB.GetContext(ctx, &n, `SELECT sum(calls)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = current_database() AND NOT query LIKE ANY($1)`, pq.Array(ownStatements))
	return n.Int64
}

// slowPlan is a plan auto_explain logged.
type slowPlan struct {
	MS   float64 `json:"ms"`
	Plan string  `json:"plan"`
}

// explainSlow runs replay with auto_explain logging (with actual row
// counts and buffers) every statement slower than ms, and returns the
// slowest plans logged. It needs the private cluster and its log.
func (b *benchDB) explainSlow(ctx context.Context, ms float64, replay func()) []slowPlan {
	if b.serverLog == "" {
		return nil
	}
	fi, err := os.Stat(b.serverLog)
	if err != nil {
		return nil
	}
	set := func(qs ...string) {
		for _, q := range qs {
			if _, err := b.DB.ExecContext(ctx, q); err != nil {
				b.log.Warn("auto_explain", "err", err)
			}
		}
		b.DB.ExecContext(ctx, `SELECT pg_reload_conf()`)
		time.Sleep(300 * time.Millisecond)
	}
	set(fmt.Sprintf(`ALTER SYSTEM SET auto_explain.log_min_duration = %d`, int(ms)),
		`ALTER SYSTEM SET auto_explain.log_analyze = on`, `ALTER SYSTEM SET auto_explain.log_buffers = on`,
		`ALTER SYSTEM SET auto_explain.log_timing = off`)
	replay()
	set(`ALTER SYSTEM RESET auto_explain.log_min_duration`, `ALTER SYSTEM RESET auto_explain.log_analyze`,
		`ALTER SYSTEM RESET auto_explain.log_buffers`, `ALTER SYSTEM RESET auto_explain.log_timing`)

	f, err := os.Open(b.serverLog)
	if err != nil {
		return nil
	}
	defer f.Close()
	f.Seek(fi.Size(), io.SeekStart)
	body, _ := io.ReadAll(f)
	var plans []slowPlan
	var cur *slowPlan
	var lines []string
	flush := func() {
		if cur != nil {
			cur.Plan = strings.Join(lines, "\n")
			plans = append(plans, *cur)
		}
		cur, lines = nil, nil
	}
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.Index(line, "duration: "); i >= 0 && strings.Contains(line, " ms  plan:") {
			flush()
			var d float64
			fmt.Sscanf(line[i+len("duration: "):], "%f", &d)
			cur = &slowPlan{MS: d}
			continue
		}
		if cur != nil {
			if strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " ") {
				lines = append(lines, strings.TrimPrefix(line, "\t"))
				continue
			}
			flush()
		}
	}
	flush()
	sort.Slice(plans, func(i, j int) bool { return plans[i].MS > plans[j].MS })
	return plans[:min(2, len(plans))]
}
