// Package migrations holds the schema as numbered, forward-only SQL files
// embedded in the binary, and applies them. Each file runs in its own
// transaction together with its version bump; an advisory lock makes two
// processes starting at once take turns.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

//go:embed *.sql
var files embed.FS

// lockKey is the advisory lock that serialises migrations ("hdmigrat").
const lockKey = 0x68646d6967726174

// Migration is one numbered file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// All returns the embedded migrations in order.
func All() ([]Migration, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, n := range names {
		num, _, ok := strings.Cut(n, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations: %s: name must be NNNN_what.sql", n)
		}
		body, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: n, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations: %s and %s have the same version", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// Latest is the newest schema version this binary knows.
func Latest() int {
	ms, err := All()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Apply brings the database up to the newest version. It refuses a schema
// newer than this binary knows: an older binary must not run against it.
func Apply(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	ms, err := All()
	if err != nil {
		return err
	}
	return apply(ctx, db, log, ms)
}

func apply(ctx context.Context, db *sql.DB, log *slog.Logger, ms []Migration) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(lockKey)); err != nil {
		return fmt.Errorf("migrations: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(lockKey))

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version     integer PRIMARY KEY,
		name        text NOT NULL,
		applied_at  timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	current := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrations: %w", err)
		}
		applied[v] = true
		current = max(current, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	if current > latest {
		return fmt.Errorf("migrations: the database schema is version %d but this binary knows only up to %d; run a newer helpdesk", current, latest)
	}
	// Every file not applied yet, in order, also one numbered below the
	// newest applied: branches developed side by side each take a number,
	// and a database migrated by one of them meets the others' files
	// later.
	n := 0
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		log.Info("applying migration", "version", m.Version, "name", m.Name)
		if err := applyOne(ctx, conn, m); err != nil {
			return err
		}
		n++
	}
	if n > 0 {
		log.Info("database schema up to date", "version", latest)
	}
	return nil
}

func applyOne(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrations: %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrations: %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
		return fmt.Errorf("migrations: %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrations: %s: %w", m.Name, err)
	}
	return nil
}

// Version reports the database's current schema version (0 when empty).
func Version(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return 0, nil
	}
	return v, err
}

// UpToDate reports whether every migration this binary knows is applied:
// the newest alone is not enough, a file numbered below it (from a branch
// merged later) may still be missing.
func UpToDate(ctx context.Context, db *sql.DB) (bool, error) {
	ms, err := All()
	if err != nil {
		return false, err
	}
	versions := make([]int64, len(ms))
	for i, m := range ms {
		versions[i] = int64(m.Version)
	}
	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ANY($1)`, pq.Array(versions)).Scan(&n)
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return len(ms) == 0, nil
	}
	return n == len(ms), err
}
