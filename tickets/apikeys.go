package tickets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"time"
)

// APIKey is an integration's credential; only its hash is stored.
type APIKey struct {
	ID         int          `db:"id"`
	Name       string       `db:"name"`
	Prefix     string       `db:"prefix"`
	CreatedAt  time.Time    `db:"created_at"`
	LastUsedAt sql.NullTime `db:"last_used_at"`
	RevokedAt  sql.NullTime `db:"revoked_at"`
}

const apiKeyPrefix = "hd_"

// CreateAPIKey makes a key and returns it in clear, the only time it is
// ever seen.
func (s *Store) CreateAPIKey(ctx context.Context, name string) (string, *APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		v := &ValidationError{}
		v.add("name", "a name is required")
		return "", nil, v
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, wrap("create api key", err)
	}
	key := apiKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	sum := sha256.Sum256([]byte(key))
	var k APIKey
	err := s.db.GetContext(ctx, &k, `INSERT INTO api_keys (name, key_hash, prefix) VALUES ($1, $2, $3)
		RETURNING id, name, prefix, created_at, last_used_at, revoked_at`, name, sum[:], key[:len(apiKeyPrefix)+6])
	if err != nil {
		return "", nil, wrap("create api key", err)
	}
	return key, &k, nil
}

// CheckAPIKey returns the live key matching key, or ErrNotFound.
func (s *Store) CheckAPIKey(ctx context.Context, key string) (*APIKey, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return nil, wrap("api key", ErrNotFound)
	}
	sum := sha256.Sum256([]byte(key))
	var k APIKey
	p := s.prep(s.db)
	err := p.GetContext(ctx, &k, `SELECT id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, sum[:])
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, wrap("api key", err)
	}
	// "Last used" to the minute: a write per request would cost every API
	// call a WAL flush.
	if now := s.now(); !k.LastUsedAt.Valid || now.Sub(k.LastUsedAt.Time) > time.Minute {
		if _, err := p.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, k.ID, now); err != nil {
			return nil, wrap("api key", err)
		}
		k.LastUsedAt = sql.NullTime{Time: now, Valid: true}
	}
	return &k, nil
}

// APIKeys lists keys (never their secret).
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	var ks []APIKey
	err := s.db.SelectContext(ctx, &ks, `SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id`)
	return ks, wrap("api keys", err)
}

// RevokeAPIKey disables a key.
func (s *Store) RevokeAPIKey(ctx context.Context, id int) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	if err != nil {
		return wrap("revoke api key", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return wrap("revoke api key", ErrNotFound)
	}
	return nil
}
