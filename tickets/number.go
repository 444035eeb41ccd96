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
		var n int
		if err := q.GetContext(ctx, &n, `SELECT count(*) FROM tickets WHERE length(number) = 6`); err != nil {
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

// randomNumber picks a number of the given width without a leading zero.
func randomNumber(width int) string {
	lo := 100000
	if width == 7 {
		lo = 1000000
	}
	return strconv.Itoa(lo + rand.IntN(9*lo))
}
