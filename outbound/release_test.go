package outbound

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/tickets"
)

// A claim committed in PostgreSQL while the worker saw only its own
// shutdown is given back when the worker stops, and nobody else's claim.
func TestStoppingWorkerReleasesClaimsItNeverHeardBackAbout(t *testing.T) {
	db := sqlx.MustOpen("postgres", pgtest.MigratedDB(t))
	t.Cleanup(func() { db.Close() })
	ob := New(Opts{Store: tickets.New(db, tickets.Opts{}), From: "helpdesk@kemsos.go.id"})
	for i, lease := range []string{ob.lease, "another-process"} {
		if _, err := db.Exec(`INSERT INTO outbox (kind, message_id, recipient, sender, data, status, locked_by, attempts)
			VALUES ('ticket_autoresponse', $1, 'warga@example.id', 'helpdesk@kemsos.go.id', '', 'sending', $2, 1)`,
			[]string{"a@x", "b@x"}[i], lease); err != nil {
			t.Fatal(err)
		}
	}
	ob.unsure = true // as DeliverBatch leaves it when the claim's answer is lost
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ob.Run(ctx)
	var got []struct {
		MessageID string `db:"message_id"`
		Status    string `db:"status"`
		Attempts  int    `db:"attempts"`
	}
	if err := db.Select(&got, `SELECT message_id, status, attempts FROM outbox ORDER BY message_id`); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Status != "queued" || got[0].Attempts != 0 || got[1].Status != "sending" {
		t.Errorf("after stopping: %+v; want ours queued again, the other process's still sending", got)
	}
}
