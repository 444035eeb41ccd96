package tickets

import (
	"context"
	"errors"
	"strings"
)

// MaxBulk is how many tickets one bulk change may name: a few pages.
const MaxBulk = 200

// Messages of a bulk change refused as a whole.
const (
	MsgBulkNone     = "no tickets selected"
	MsgBulkTooMany  = "at most 200 tickets at once"
	MsgBulkNoChange = "nothing to change"
)

// BulkOutcome is what a bulk change did to one ticket: Err is nil when the
// patch applied (or there was nothing to change), else why not.
type BulkOutcome struct {
	Number string
	Err    error
}

// UpdateMany applies p to each ticket named, by number, each through
// Update in a transaction of its own: one ticket refused (another
// department's, a number that does not exist, an assignee who cannot work
// its department) leaves the others changed, and is reported in its
// outcome, never skipped silently. The patch itself is validated first;
// an invalid one changes nothing and is the error.
func (s *Store) UpdateMany(ctx context.Context, numbers []string, a Actor, p Patch) ([]BulkOutcome, error) {
	v := &ValidationError{}
	var clean []string
	seen := map[string]bool{}
	for _, n := range numbers {
		n = strings.TrimPrefix(strings.TrimSpace(n), "#")
		if n != "" && !seen[n] {
			seen[n] = true
			clean = append(clean, n)
		}
	}
	switch {
	case len(clean) == 0:
		v.add("tickets", MsgBulkNone)
	case len(clean) > MaxBulk:
		v.add("tickets", MsgBulkTooMany)
	}
	if p.Status == "" && p.Priority == "" && p.DepartmentID == 0 && !p.Assign {
		v.add("action", MsgBulkNoChange)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkActor(a); err != nil {
		return nil, wrap("update many", err)
	}
	if _, err := s.checkPatch(ctx, s.db, nil, &p); err != nil {
		return nil, err
	}
	out := make([]BulkOutcome, 0, len(clean))
	for _, n := range clean {
		err := ctx.Err()
		if err == nil {
			var t *Ticket
			if t, err = s.TicketByNumber(ctx, n); err == nil {
				err = s.Update(ctx, t.ID, a, p)
			}
		}
		if errors.Is(err, ErrForbidden) {
			// Another department's ticket is, to this agent, one that
			// does not exist: the answer must not tell them apart.
			err = wrap("update many", ErrNotFound)
		}
		out = append(out, BulkOutcome{Number: n, Err: err})
	}
	return out, nil
}
