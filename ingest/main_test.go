package ingest

import (
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/tickets"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testSecret signs the helpdesk's Message-IDs in tests.
var testSecret = []byte("ingest-test-secret")

// newTestStore gives a test its own migrated database.
func newTestStore(t testing.TB) (*tickets.Store, *sqlx.DB) {
	t.Helper()
	db := sqlx.MustOpen("postgres", pgtest.MigratedDB(t))
	t.Cleanup(func() { db.Close() })
	return tickets.New(db, tickets.Opts{}), db
}

// testAuthServID is the receiving server whose Authentication-Results the
// intake tests believe: authenticated() writes what it would.
const testAuthServID = "mx.kemsos.test"

// newTestIntake gives a test an Intake on its own database.
func newTestIntake(t testing.TB) (*Intake, *tickets.Store, *sqlx.DB) {
	t.Helper()
	store, db := newTestStore(t)
	in := NewIntake(store, IntakeOpts{Secret: testSecret, OwnAddresses: []string{"helpdesk@kemsos.go.id"},
		Auth: NewAuthenticator(AuthOpts{TrustedAuthServID: testAuthServID})})
	return in, store, db
}

// authenticated prepends the trusted server's verdict that raw's From
// domain signed it, as the receiving MTA would.
func authenticated(raw []byte, domain string) []byte {
	return append([]byte("Authentication-Results: "+testAuthServID+"; dkim=pass header.d="+domain+"; dmarc=pass header.from="+domain+"\r\n"), raw...)
}
