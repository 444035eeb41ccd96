package tickets_test

import (
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/tickets"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// newStore gives the test a store on its own migrated database.
func newStore(t *testing.T, opts ...func(*tickets.Opts)) (*tickets.Store, *sqlx.DB) {
	t.Helper()
	db := sqlx.MustOpen("postgres", pgtest.MigratedDB(t))
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
