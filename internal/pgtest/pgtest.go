// Package pgtest gives each test its own PostgreSQL database on a real
// server: a throwaway cluster started once per test binary, or the server
// named by HELPDESK_TEST_DATABASE_URL. Databases are cloned from a template
// prepared once, so a fresh migrated database costs tens of milliseconds.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/internal/pgcluster"
	"github.com/kemsos/helpdesk/migrations"
	_ "github.com/lib/pq"
)

var (
	mu        sync.Mutex
	started   bool
	cluster   *pgcluster.Cluster
	tmpDir    string
	adminDSN  string
	dsnFor    func(db string) string
	templates = map[string]string{} // setup key -> template db name
	created   []string
	startErr  error
)

// Main runs the tests and then stops the cluster and drops what the run
// created on an external server. Call it from TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			log.Printf("pgtest: %v", err)
		}
		os.RemoveAll(tmpDir)
	} else if adminDSN != "" {
		db, err := sql.Open("postgres", adminDSN)
		if err == nil {
			for _, name := range created {
				db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			}
			db.Close()
		}
	}
	return code
}

// Cluster returns the test binary's own cluster, starting it if needed, for
// tests that stop and start the server. It skips, loudly, when the tests use
// an external server.
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if err := startLocked(); err != nil {
		t.Fatal(err)
	}
	if cluster == nil {
		t.Skip("SKIPPED: HELPDESK_TEST_DATABASE_URL points at an external server that this test cannot stop and start")
	}
	return cluster
}

func startLocked() error {
	if started || startErr != nil {
		return startErr
	}
	startErr = startServer()
	return startErr
}

func startServer() error {
	if u := os.Getenv("HELPDESK_TEST_DATABASE_URL"); u != "" {
		base, err := url.Parse(u)
		if err != nil {
			return fmt.Errorf("pgtest: HELPDESK_TEST_DATABASE_URL must be a postgres:// URL: %w", err)
		}
		adminDSN = u
		dsnFor = func(db string) string {
			c := *base
			c.Path = "/" + db
			return c.String()
		}
		started = true
		return nil
	}
	dir, err := os.MkdirTemp("", "hdpg")
	if err != nil {
		return err
	}
	// The unprivileged server user must be able to enter the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgcluster.Start(ctx, dir+"/pg", pgcluster.Options{Fast: true})
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	cluster, tmpDir = c, dir
	adminDSN = c.DSN("postgres")
	dsnFor = c.DSN
	started = true
	return nil
}

// NewDB creates a database for this test and returns its DSN. setup, when
// not nil, runs once per test binary (per key) to prepare a template that
// each database is cloned from; it receives the template's DSN.
func NewDB(t testing.TB, key string, setup func(dsn string) error) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if err := startLocked(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	admin, err := sql.Open("postgres", adminDSN)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()

	tmpl := ""
	if setup != nil {
		var ok bool
		if tmpl, ok = templates[key]; !ok {
			tmpl = "tmpl_" + randomName()
			if _, err := admin.Exec("CREATE DATABASE " + tmpl); err != nil {
				t.Fatalf("pgtest: create template: %v", err)
			}
			created = append(created, tmpl)
			if err := setup(dsnFor(tmpl)); err != nil {
				t.Fatalf("pgtest: prepare template %s: %v", key, err)
			}
			templates[key] = tmpl
		}
	}
	name := "t_" + randomName()
	q := "CREATE DATABASE " + name
	if tmpl != "" {
		q += " TEMPLATE " + tmpl
	}
	if _, err := admin.Exec(q); err != nil {
		t.Fatalf("pgtest: %s: %v", q, err)
	}
	created = append(created, name)
	return pgcluster.TuneDSN(dsnFor(name))
}

// ServerDSN returns a DSN for database db on the test server, creating
// nothing; used by tests that run the helpdesk binary against the server.
func ServerDSN(t testing.TB, db string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if err := startLocked(); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsnFor(db)
}

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Migrated prepares a template with the helpdesk's schema (NewDB's setup).
func Migrated(dsn string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return migrations.Apply(context.Background(), db, nil)
}

// MigratedDB returns the DSN of a fresh database with the helpdesk's schema.
func MigratedDB(t testing.TB) string {
	t.Helper()
	return NewDB(t, "migrated", Migrated)
}
