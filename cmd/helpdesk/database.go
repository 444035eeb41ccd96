package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgcluster"
	"github.com/kemsos/helpdesk/migrations"
	_ "github.com/lib/pq"
)

// database is an open connection pool and what must happen on exit.
type database struct {
	DB      *sqlx.DB
	cluster *pgcluster.Cluster
	lock    *os.File
}

// openDatabase connects to HELPDESK_DATABASE_URL, or to the private cluster
// under the data dir. `serve` owns the cluster: it holds the data dir's lock
// for its lifetime and stops the server on exit, and a second serve on the
// same data dir is refused. Admin commands run beside a serving process by
// using its server; without one they start and stop the cluster themselves.
func openDatabase(ctx context.Context, cfg *Config, serving bool, log *slog.Logger) (*database, error) {
	return openDatabaseWait(ctx, cfg, serving, log, 30*time.Second)
}

// openDatabaseWait is openDatabase waiting at most wait for the server.
func openDatabaseWait(ctx context.Context, cfg *Config, serving bool, log *slog.Logger, wait time.Duration) (*database, error) {
	d := &database{}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, err
		}
		lock, holder, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		if lock == nil && serving {
			return nil, fmt.Errorf("another helpdesk serve (pid %s) is already using the data directory %s; stop it first, or give this one its own HELPDESK_DATA_DIR", holder, cfg.DataDir)
		}
		d.lock = lock
		c, err := pgcluster.Start(ctx, filepath.Join(cfg.DataDir, "pg"), pgcluster.Options{Log: log})
		if err != nil {
			d.Close()
			return nil, err
		}
		if lock != nil {
			// No live helpdesk holds the data dir, so a server found running
			// was left behind by one that was killed: it is ours now.
			c.Adopt()
		}
		d.cluster = c
		if err := ensureDatabase(ctx, c); err != nil {
			d.Close()
			return nil, err
		}
		dsn = c.DSN("helpdesk")
	}
	db, err := sqlx.Open("postgres", pgcluster.TuneDSN(dsn))
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	d.DB = db
	if err := waitForDatabase(ctx, db, log, wait); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// migrate brings the schema up to date.
func (d *database) migrate(ctx context.Context, log *slog.Logger) error {
	return migrations.Apply(ctx, d.DB.DB, log)
}

// Close closes the pool and stops the private server if this process owns it.
func (d *database) Close() error {
	var errs []error
	if d.DB != nil {
		errs = append(errs, d.DB.Close())
	}
	if d.cluster != nil && d.lock != nil {
		errs = append(errs, d.cluster.Stop())
	}
	if d.lock != nil {
		d.lock.Close()
	}
	return errors.Join(errs...)
}

// lockDataDir takes an exclusive lock on the data dir, held until the
// process exits (the kernel drops it even on SIGKILL). It returns a nil
// file and the holder's pid when another process holds it.
func lockDataDir(dir string) (*os.File, string, error) {
	f, err := os.OpenFile(filepath.Join(dir, "helpdesk.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, "", err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, strings.TrimSpace(string(b[:n])), nil
		}
		return nil, "", fmt.Errorf("lock %s: %w", dir, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, "", nil
}

// ensureDatabase creates the helpdesk database in a new cluster.
func ensureDatabase(ctx context.Context, c *pgcluster.Cluster) error {
	db, err := sqlx.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'helpdesk')`); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if !exists {
		if _, err := db.ExecContext(ctx, `CREATE DATABASE helpdesk`); err != nil && !strings.Contains(err.Error(), "already exists") {
			return fmt.Errorf("database: %w", err)
		}
	}
	return nil
}

// waitForDatabase pings until the server answers, for up to wait: a
// server that is still starting, or restarting, is a passing condition.
func waitForDatabase(ctx context.Context, db *sqlx.DB, log *slog.Logger, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("database unreachable: %w", err)
		}
		log.Warn("database not reachable yet, retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
