package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kemsos/helpdesk/tickets"
	"github.com/lib/pq"
)

// Unfiled is a stored message that became no ticket: an auto-reply that
// belongs to none, mail in an agent's name that could not be verified, an
// agent's mail about a ticket they may no longer work on, a delivery
// report about nothing we sent, our own mail coming back. Nothing is
// swallowed: agents see each, with the reason, and can file it.
type Unfiled struct {
	ID           int64         `db:"id"`
	ReceivedAt   time.Time     `db:"received_at"`
	Mailbox      string        `db:"mailbox"`
	Sender       string        `db:"sender"`
	Subject      string        `db:"subject"`
	Outcome      string        `db:"outcome"`
	Note         string        `db:"note"`
	Auth         string        `db:"auth"`
	AuthDetail   string        `db:"auth_detail"`
	DepartmentID sql.NullInt64 `db:"department_id"`
	Size         int64         `db:"size"`
}

const unfiledColumns = `id, received_at, mailbox, sender, subject, outcome, note, auth, auth_detail, department_id, size`

// UnfiledFilter selects unfiled mail: what Agent may see (nil: all) and,
// when Outcome is set, of that outcome only.
type UnfiledFilter struct {
	Agent   *tickets.Agent
	Outcome string
	Page    int // 1-based
	PerPage int
}

// Unfiled lists unfiled mail, newest first, and says whether there is more.
func (in *Intake) Unfiled(ctx context.Context, f UnfiledFilter) ([]Unfiled, bool, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var depts any
	if a := f.Agent; a != nil && !a.IsAdmin {
		depts = pq.Array(append([]int{0}, a.Departments...)) // never NULL: an agent of no department sees none
	}
	var out []Unfiled
	err := in.store.DB().SelectContext(ctx, &out, `SELECT `+unfiledColumns+` FROM inbound_messages
		WHERE ticket_id IS NULL AND outcome <> 'pending'
			AND ($1::int[] IS NULL OR department_id = ANY($1))
			AND ($2 = '' OR outcome = $2)
		ORDER BY received_at DESC, id DESC LIMIT $3 OFFSET $4`, depts, f.Outcome, f.PerPage+1, (f.Page-1)*f.PerPage)
	if err != nil {
		return nil, false, fmt.Errorf("ingest: unfiled: %w", err)
	}
	more := len(out) > f.PerPage
	if more {
		out = out[:f.PerPage]
	}
	return out, more, nil
}

// UnfiledMail returns one unfiled message with its raw bytes, if agent
// may see it: ErrNotFound otherwise, so ids cannot be probed.
func (in *Intake) UnfiledMail(ctx context.Context, agent *tickets.Agent, id int64) (*Unfiled, []byte, error) {
	var row struct {
		Unfiled
		Raw []byte `db:"raw"`
	}
	err := in.store.DB().GetContext(ctx, &row, `SELECT `+unfiledColumns+`, raw FROM inbound_messages WHERE id = $1 AND ticket_id IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !maySee(agent, row.DepartmentID)) {
		return nil, nil, fmt.Errorf("ingest: unfiled: %w", tickets.ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: unfiled: %w", err)
	}
	return &row.Unfiled, row.Raw, nil
}

// maySee is the visibility of unfiled mail: the agents of the department
// it would have gone to, and admins.
func maySee(agent *tickets.Agent, dept sql.NullInt64) bool {
	return agent != nil && agent.Active && (agent.IsAdmin || dept.Valid && agent.CanSeeDepartment(int(dept.Int64)))
}

// FileAsTicket makes a ticket of an unfiled message, at an agent's
// request in the panel: the agent is signed in, so an unverified letter
// of their own that they forwarded opens for its original sender, as it
// would have by mail had it been verified. It returns the ticket number.
func (in *Intake) FileAsTicket(ctx context.Context, agent *tickets.Agent, id int64) (string, error) {
	var number string
	err := in.store.InTx(ctx, func(tx *tickets.Tx) error {
		var row struct {
			Raw     []byte        `db:"raw"`
			Dept    sql.NullInt64 `db:"department_id"`
			Mailbox string        `db:"mailbox"`
			Note    string        `db:"note"`
		}
		err := tx.GetContext(ctx, &row, `SELECT raw, department_id, mailbox, note FROM inbound_messages
			WHERE id = $1 AND ticket_id IS NULL FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !maySee(agent, row.Dept)) {
			return tickets.ErrNotFound
		}
		if err != nil {
			return err
		}
		m, cut := in.parse(row.Raw, int64(len(row.Raw)))
		d := &delivery{m: m, cut: cut, src: Source{Mailbox: row.Mailbox}, from: tickets.NormalizeEmail(m.From.Email),
			verdict: Verdict{Method: AuthNone, Detail: "filed by " + agent.Name + " from the list of mail not filed"}, filedBy: agent}
		d.res.InboundID = id
		if _, err := in.open(ctx, tx, d, nil); err != nil {
			return err
		}
		number = d.res.Ticket
		_, err = tx.ExecContext(ctx, `UPDATE inbound_messages SET outcome = $2, ticket_id = $3, entry_id = $4, note = $5 WHERE id = $1`,
			id, d.res.Outcome, d.res.ticketID, d.res.EntryID, row.Note+"; filed as ticket #"+number+" by "+agent.Email)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("ingest: file as ticket: %w", err)
	}
	in.log.Info("unfiled mail filed as a ticket", "inbound", id, "ticket", number, "agent", agent.ID)
	return number, nil
}
