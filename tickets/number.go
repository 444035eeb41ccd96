package tickets

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"
)

// numberWidth says how many digits a new ticket number gets: 6 as in the
// manual (#881358), 7 once half the 6-digit space is used, so that random
// picks keep finding free numbers at the first or second try.
func (s *Store) numberWidth(ctx context.Context, q queryer) (int, error) {
	s.numMu.Lock()
	defer s.numMu.Unlock()
	if s.sixUsed >= s.sixLimit {
		// Numbers are never freed: once 7 digits, always 7 digits, and no
		// more counting (it scans every ticket).
		return 7, nil
	}
	// Count again once a minute, and more often near the limit, but never
	// for every ticket: at a million tickets a count takes a while.
	estimate := s.sixUsed + s.sixOpened
	near := estimate >= s.sixLimit*9/10 && s.sixOpened >= max(1, s.sixLimit/1000)
	if s.sixChecked.IsZero() || time.Since(s.sixChecked) > time.Minute || near {
		n, err := s.sixDigitsUsed(ctx, q)
		if err != nil {
			return 0, err
		}
		s.sixUsed, s.sixOpened, s.sixChecked = n, 0, time.Now()
	}
	if s.sixUsed+s.sixOpened >= s.sixLimit {
		return 7, nil
	}
	s.sixOpened++
	return 6, nil
}

// sixDigitsUsed is how many 6-digit numbers are used, or at least as
// many, read from two index look-ups where they decide it: the newest
// ticket has 7 digits (then they all will), or there are too few tickets
// for the limit to be near (ids are never reused, so the highest is at
// least the count). Only near the limit are the tickets counted: a
// process that opens one ticket and exits (the MTA's pipe) must not scan
// a million of them first.
func (s *Store) sixDigitsUsed(ctx context.Context, q queryer) (int, error) {
	var row struct {
		Seven bool  `db:"seven"`
		MaxID int64 `db:"max_id"`
	}
	if err := q.GetContext(ctx, &row, `SELECT
		coalesce((SELECT length(number) = 7 FROM tickets ORDER BY id DESC LIMIT 1), false) AS seven,
		coalesce((SELECT max(id) FROM tickets), 0) AS max_id`); err != nil {
		return 0, err
	}
	switch {
	case row.Seven:
		return s.sixLimit, nil
	case row.MaxID < int64(s.sixLimit)*9/10:
		return int(row.MaxID), nil
	}
	var n int
	err := q.GetContext(ctx, &n, `SELECT count(*) FROM tickets WHERE length(number) = 6`)
	return n, err
}

// randomNumber picks a number of the given width without a leading zero.
func randomNumber(width int) string {
	lo := 100000
	if width == 7 {
		lo = 1000000
	}
	return strconv.Itoa(lo + rand.IntN(9*lo))
}
