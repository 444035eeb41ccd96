package tickets

import (
	"context"
	"time"
)

// Limit allows Max events per Window for one key.
type Limit struct {
	Max    int
	Window time.Duration
}

// RateHit records an event for key and reports whether it is within l,
// and if not, how long until it would be. The window slides: the count is
// this fixed window's events plus the previous window's weighted by how
// much of it still overlaps (the approximation Cloudflare describes for
// its limiter), two rows per key in PostgreSQL so that every process
// behind the same address shares it.
func (s *Store) RateHit(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	return s.rate(ctx, key, l, true)
}

// RateCheck is RateHit without recording an event: to refuse early while
// counting only failures (sign-in attempts per account).
func (s *Store) RateCheck(ctx context.Context, key string, l Limit) (bool, time.Duration, error) {
	return s.rate(ctx, key, l, false)
}

// RateUndo takes back one event RateHit recorded for key: an attempt
// counted before its outcome was known (so that parallel attempts cannot
// all slip under the limit) that turned out not to count, such as a
// sign-in with the right password. It takes from the current window, or
// from the previous one when the hit was recorded there.
func (s *Store) RateUndo(ctx context.Context, key string, l Limit) error {
	cur := s.now().Truncate(l.Window)
	_, err := s.db.ExecContext(ctx, `UPDATE rate_limits SET hits = hits - 1
		WHERE key = $1 AND bucket = (SELECT max(bucket) FROM rate_limits WHERE key = $1 AND bucket IN ($2, $3) AND hits > 0)`,
		key, cur, cur.Add(-l.Window))
	return wrap("rate limit", err)
}

func (s *Store) rate(ctx context.Context, key string, l Limit, record bool) (bool, time.Duration, error) {
	now := s.now()
	cur := now.Truncate(l.Window)
	prev := cur.Add(-l.Window)
	if record {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO rate_limits (key, bucket, hits) VALUES ($1, $2, 1)
			ON CONFLICT (key, bucket) DO UPDATE SET hits = rate_limits.hits + 1`, key, cur); err != nil {
			return false, 0, wrap("rate limit", err)
		}
	}
	var rows []struct {
		Bucket time.Time `db:"bucket"`
		Hits   int       `db:"hits"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT bucket, hits FROM rate_limits WHERE key = $1 AND bucket IN ($2, $3)`, key, cur, prev); err != nil {
		return false, 0, wrap("rate limit", err)
	}
	var nCur, nPrev int
	for _, r := range rows {
		if r.Bucket.Equal(cur) {
			nCur = r.Hits
		} else {
			nPrev = r.Hits
		}
	}
	overlap := 1 - float64(now.Sub(cur))/float64(l.Window)
	count := float64(nCur) + float64(nPrev)*overlap
	limit := float64(l.Max)
	if !record {
		// A check asks whether one more event would still be allowed.
		count++
	}
	if count <= limit {
		return true, 0, nil
	}
	// Wait until the previous window has faded enough, or the current one
	// ends when it alone is over.
	wait := cur.Add(l.Window).Sub(now)
	if float64(nCur) < limit && nPrev > 0 {
		need := (count - limit) / float64(nPrev) // overlap still to lose
		wait = time.Duration(need * float64(l.Window))
	}
	if wait < time.Second {
		wait = time.Second
	}
	return false, wait, nil
}

// PurgeRateLimits drops buckets older than maxWindow, for a scheduled job.
func (s *Store) PurgeRateLimits(ctx context.Context, maxWindow time.Duration) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM rate_limits WHERE bucket < $1`, s.now().Add(-2*maxWindow))
	return wrap("purge rate limits", err)
}
