package migrations_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/migrations"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func emptyDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", pgtest.NewDB(t, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestApplyFromEmptyAndAgain(t *testing.T) {
	db := emptyDB(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := migrations.Apply(ctx, db, nil); err != nil {
			t.Fatalf("apply #%d: %v", i+1, err)
		}
	}
	v, err := migrations.Version(ctx, db)
	if err != nil || v != migrations.Latest() || v == 0 {
		t.Errorf("version %d (%v), latest %d", v, err, migrations.Latest())
	}
	if ok, err := migrations.UpToDate(ctx, db); !ok || err != nil {
		t.Errorf("up to date after apply: %v (%v)", ok, err)
	}
	// A database migrated on a branch lacks a file numbered below its
	// newest: the pipe's "is it behind?" must see that, not only the max.
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = 11`); err != nil {
		t.Fatal(err)
	}
	if ok, err := migrations.UpToDate(ctx, db); ok || err != nil {
		t.Errorf("up to date without migration 11: %v (%v)", ok, err)
	}
	var topics int
	db.QueryRow(`SELECT count(*) FROM help_topics`).Scan(&topics)
	if topics != 5 {
		t.Errorf("%d seeded topics, want 5", topics)
	}
}

func TestConcurrentStartsTakeTurns(t *testing.T) {
	db := emptyDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = migrations.Apply(context.Background(), db, nil)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n)
	if ms, _ := migrations.All(); n != len(ms) {
		t.Errorf("%d rows in schema_migrations, want %d", n, len(ms))
	}
}

func TestRefusesANewerSchema(t *testing.T) {
	db := emptyDB(t)
	ctx := context.Background()
	if err := migrations.Apply(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	err := migrations.Apply(ctx, db, nil)
	if err == nil || !strings.Contains(err.Error(), "newer helpdesk") {
		t.Errorf("err = %v, want a refusal", err)
	}
}

func TestFilesAreNumberedInOrder(t *testing.T) {
	ms, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Version <= 0 || i > 0 && m.Version <= ms[i-1].Version || !strings.HasSuffix(m.Name, ".sql") {
			t.Errorf("migration %d: %+v", i, m.Name)
		}
	}
}
