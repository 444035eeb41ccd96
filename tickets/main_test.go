package tickets_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/migrations"
	"github.com/kemsos/helpdesk/tickets"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// migrated prepares the template database once per test binary.
func migrated(dsn string) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return migrations.Apply(context.Background(), db, nil)
}

// newStore gives the test a store on its own migrated database.
func newStore(t *testing.T, opts ...func(*tickets.Opts)) (*tickets.Store, *sqlx.DB) {
	t.Helper()
	db := sqlx.MustOpen("postgres", pgtest.NewDB(t, "migrated", migrated))
	t.Cleanup(func() { db.Close() })
	o := tickets.Opts{}
	for _, f := range opts {
		f(&o)
	}
	return tickets.New(db, o), db
}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }
