package tickets

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidToken: a link's token is unknown, forged, used, or expired.
// One error for all of them: a page should not tell an attacker which.
var ErrInvalidToken = errors.New("invalid or expired token")

// Lifetimes of the links the helpdesk mails.
const (
	// GuestLinkGrace is how long a progress link keeps working after its
	// ticket was resolved or closed: long enough to read the answer and
	// reply, never for ever.
	GuestLinkGrace = 6 * 7 * 24 * time.Hour
	ConfirmTTL     = 48 * time.Hour
	ResetTTL       = 2 * time.Hour
)

var b64 = base64.RawURLEncoding

// GuestToken mints the token of a ticket's progress link
// (/t/{number}?token=…) for one of its participants: the ticket number and
// the user's id (its owner's, or a collaborator's: each gets a link of
// their own, and what they write through it is theirs), signed with the
// server secret. It holds no expiry of its own: VerifyGuestToken ends it
// from the ticket's state, so a ticket that is reopened works again.
func GuestToken(secret []byte, number string, userID int64) string {
	user := strconv.FormatInt(userID, 10)
	return number + "." + user + "." + b64.EncodeToString(guestMAC(secret, number, user))
}

func guestMAC(secret []byte, number, user string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("helpdesk guest link\x00" + number + "\x00" + user))
	return m.Sum(nil)
}

// VerifyGuestToken returns the participant a token was minted for if it
// opens ticket t at now: signed by secret, for this ticket number (or one
// merged into it) and its current owner or one of its current
// collaborators, and the ticket still open or resolved/closed less than
// GuestLinkGrace ago.
func VerifyGuestToken(secret []byte, token string, t *Ticket, now time.Time) (userID int64, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || t == nil {
		return 0, ErrInvalidToken
	}
	mac, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, guestMAC(secret, parts[0], parts[1])) || !t.HasNumber(parts[0]) {
		return 0, ErrInvalidToken
	}
	uid, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || uid == 0 || citizenRole(t, uid, "") == RoleNone {
		return 0, ErrInvalidToken
	}
	if !GuestLinkOpen(t, now) {
		return 0, ErrInvalidToken
	}
	return uid, nil
}

// GuestLinkOpen reports whether t's progress links open it at now: while
// it is open, and until GuestLinkGrace after it was resolved or closed.
func GuestLinkOpen(t *Ticket, now time.Time) bool {
	var end sql.NullTime
	switch t.Status {
	case StatusClosed:
		end = t.ClosedAt
	case StatusResolved:
		end = t.ResolvedAt
	}
	return t.Status == StatusOpen || end.Valid && !now.After(end.Time.Add(GuestLinkGrace))
}

// GuestTicketNumber returns the ticket number a guest token names, without
// verifying it (to look the ticket up before VerifyGuestToken).
func GuestTicketNumber(token string) string {
	n, _, _ := strings.Cut(token, ".")
	return n
}

// Account token kinds, also the kinds AccountHooks are told.
const (
	TokenConfirmAccount = "confirm_account"
	TokenPasswordReset  = "password_reset"
)

// newOpaqueToken returns a random token for a link and the SHA-256 under
// which it is stored: a database dump holds no usable link.
func newOpaqueToken() (string, []byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	tok := b64.EncodeToString(raw)
	return tok, hashToken(tok), nil
}

func hashToken(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// accountToken is a row of account_tokens.
type accountToken struct {
	Kind         string    `db:"kind"`
	UserID       int64     `db:"user_id"`
	PasswordHash string    `db:"password_hash"`
	Data         []byte    `db:"data"`
	ExpiresAt    time.Time `db:"expires_at"`
}

// issueAccountToken stores a new single-use token of kind for the user.
// bound is the password hash it belongs to: the pending one for a
// confirmation, the current one for a reset.
func (s *Store) issueAccountToken(ctx context.Context, tx *Tx, kind string, userID int64, bound string, data map[string]string, ttl time.Duration) (string, error) {
	tok, sum, err := newOpaqueToken()
	if err != nil {
		return "", err
	}
	if data == nil {
		data = map[string]string{}
	}
	js, _ := json.Marshal(data)
	now := s.now()
	_, err = tx.ExecContext(ctx, `INSERT INTO account_tokens (token_hash, kind, user_id, password_hash, data, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, sum, kind, userID, bound, string(js), now, now.Add(ttl))
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return tok, nil
}

// consumeAccountToken marks a live token of kind used, in tx, and returns
// it; ErrInvalidToken when it is unknown, used or expired.
func (s *Store) consumeAccountToken(ctx context.Context, tx *Tx, kind, tok string) (*accountToken, error) {
	if tok == "" {
		return nil, ErrInvalidToken
	}
	var at accountToken
	err := tx.GetContext(ctx, &at, `UPDATE account_tokens SET used_at = $3
		WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING kind, user_id, password_hash, data, expires_at`, hashToken(tok), kind, s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	return &at, nil
}

// peekAccountToken is consumeAccountToken without using it up (the reset
// form checks its link before showing the form).
func (s *Store) peekAccountToken(ctx context.Context, kind, tok string) (*accountToken, error) {
	var at accountToken
	err := s.db.GetContext(ctx, &at, `SELECT kind, user_id, password_hash, data, expires_at FROM account_tokens
		WHERE token_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3`, hashToken(tok), kind, s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	return &at, nil
}

// equalHash compares password hashes without leaking where they differ.
func equalHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
