package migrations_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/migrations"
)

// TestAppliesAFileNumberedBelowTheNewest: branches developed side by side
// each take a number, so a database migrated by one branch (1 and 3) meets
// the other's file (2) only after the merge, and must get it then.
func TestAppliesAFileNumberedBelowTheNewest(t *testing.T) {
	db, err := sql.Open("postgres", pgtest.NewDB(t, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	one := migrations.Migration{Version: 1, Name: "0001_a.sql", SQL: `CREATE TABLE a (id int)`}
	two := migrations.Migration{Version: 2, Name: "0002_b.sql", SQL: `CREATE TABLE b (id int)`}
	three := migrations.Migration{Version: 3, Name: "0003_c.sql", SQL: `CREATE TABLE c (id int)`}
	if err := migrations.ApplyList(ctx, db, nil, []migrations.Migration{one, three}); err != nil {
		t.Fatal(err)
	}
	if err := migrations.ApplyList(ctx, db, nil, []migrations.Migration{one, two, three}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version IN (1, 2, 3)`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d versions recorded (%v), want 3", n, err)
	}
	if _, err := db.Exec(`INSERT INTO b (id) VALUES (1)`); err != nil {
		t.Fatalf("the file numbered below the newest did not run: %v", err)
	}
	if err := migrations.ApplyList(ctx, db, nil, []migrations.Migration{one, two}); err == nil {
		t.Error("a binary that knows only up to 2 ran on a schema at 3")
	}
}
