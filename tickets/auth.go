package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AccountHook runs inside the transaction that issues an account token, so
// that the outbox queues the mail carrying it atomically: kind is
// "confirm_account" or "password_reset", token the clear token for the
// link (/account/confirm?token=… or /account/reset?token=…); or kind is
// MailAccountExists with token "" (no token is issued).
type AccountHook func(ctx context.Context, tx *Tx, kind string, u *User, token string) error

// MailAccountExists is the AccountHook kind that tells an account's owner
// someone registered with their address: the registration page answers as
// for a new address, so only the mailbox learns that it has an account.
const MailAccountExists = "account_exists"

// RegistrationMailLimit caps the mails registrations send one address
// (confirmations and MailAccountExists together), so that registering
// someone's address over and over neither floods their mailbox nor uses
// up the outbox's per-address allowance that their ticket mail needs.
var RegistrationMailLimit = Limit{Max: 3, Window: time.Hour}

// AddAccountHook registers h. Call it while wiring, before serving.
func (s *Store) AddAccountHook(h AccountHook) { s.accountHooks = append(s.accountHooks, h) }

func (s *Store) fireAccount(ctx context.Context, tx *Tx, kind string, u *User, token string) error {
	for _, h := range s.accountHooks {
		if err := h(ctx, tx, kind, u, token); err != nil {
			return err
		}
	}
	return nil
}

var (
	// ErrInvalidLogin: wrong login or password. Deliberately one error, so
	// that no page says which of the two was wrong.
	ErrInvalidLogin = errors.New("invalid login or password")
	// ErrNotConfirmed: the password is right but the address was never
	// confirmed. Only someone who knows the password learns this.
	ErrNotConfirmed = errors.New("account not confirmed")
)

// Password length bounds: long enough to resist guessing, short enough
// that hashing a megabyte is not a way to load the server.
const (
	MinPassword = 8
	MaxPassword = 256
)

// RegisterRequest is the registration form (Gambar 3).
type RegisterRequest struct {
	Email    string
	Name     string
	Address  string
	Phone    string
	Timezone string
	Lang     string
	Password string
	Confirm  string
}

var phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 ().-]{5,24}$`)

// ValidTimezone reports whether tz names an IANA zone this host knows.
func ValidTimezone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

func validatePassword(v *ValidationError, password, confirm string) {
	switch n := utf8.RuneCountInString(password); {
	case n < MinPassword:
		v.add("password", "at least 8 characters")
	case len(password) > MaxPassword:
		v.add("password", "at most 256 characters")
	}
	if password != confirm {
		v.add("confirm", "the passwords do not match")
	}
}

func (r *RegisterRequest) validate() error {
	v := &ValidationError{}
	r.Email = strings.TrimSpace(r.Email)
	if !ValidEmail(r.Email) {
		v.add("email", "a valid email address is required")
	}
	p := Profile{Name: r.Name, Address: r.Address, Phone: r.Phone, Timezone: r.Timezone}
	p.validate(v)
	r.Name, r.Address, r.Phone, r.Timezone = p.Name, p.Address, p.Phone, p.Timezone
	if r.Lang != "en" {
		r.Lang = "id"
	}
	validatePassword(v, r.Password, r.Confirm)
	return v.err()
}

// Profile is what citizens give of themselves at registration and may
// change later: name, address, phone and time zone.
type Profile struct {
	Name, Address, Phone, Timezone string
}

// validate cleans the fields and records what is wrong with them in v.
func (p *Profile) validate(v *ValidationError) {
	p.Name = strings.Join(strings.Fields(sanitizeText(p.Name)), " ")
	if p.Name == "" {
		v.add("name", "a name is required")
	} else if utf8.RuneCountInString(p.Name) > 200 {
		v.add("name", "at most 200 characters")
	}
	p.Address = strings.TrimSpace(sanitizeText(p.Address))
	if p.Address == "" {
		v.add("address", "an address is required")
	} else if utf8.RuneCountInString(p.Address) > 1000 {
		v.add("address", "at most 1000 characters")
	}
	p.Phone = strings.TrimSpace(p.Phone)
	if !phoneRe.MatchString(p.Phone) {
		v.add("phone", "a phone number is required")
	}
	if p.Timezone == "" {
		p.Timezone = "Asia/Jakarta"
	}
	if !ValidTimezone(p.Timezone) {
		v.add("timezone", "no such time zone")
	}
}

// Register records a registration and issues its confirmation token. The
// account changes only when the token is used with the password typed here
// (ConfirmAccount): until then a stranger typing someone else's address
// alters nothing. An address known from mail (a user without a password)
// registers like a new one, and on confirmation its mailed tickets are the
// account's. An address that already has an account gets a
// MailAccountExists mail instead, and the caller the same answer as for a
// new one, so the form does not tell which addresses are registered. Past
// RegistrationMailLimit for the address nothing is mailed, and the answer
// is still the same.
func (s *Store) Register(ctx context.Context, r RegisterRequest) (*User, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return nil, wrap("register", err)
	}
	// Outside the transaction: the rate limit has its own statements on the
	// pool, and a change must not wait for a second connection.
	u, err := s.EnsureUser(ctx, s.db, Address{Email: r.Email})
	if err != nil {
		return nil, wrap("register", err)
	}
	// Counted before the mail is queued, refused attempts included: the
	// count then holds under concurrent registrations of one address.
	ok, _, err := s.RateHit(ctx, "registration-mail:"+strconv.FormatInt(u.ID, 10), RegistrationMailLimit)
	if err != nil {
		return nil, wrap("register", err)
	}
	if !ok {
		s.log.Info("registration mail limit reached, nothing mailed", "user", u.ID)
		return u, nil
	}
	exists := false
	err = s.InTx(ctx, func(tx *Tx) error {
		var cur User
		if err := tx.GetContext(ctx, &cur, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, u.ID); err != nil {
			return err
		}
		if exists = cur.Registered(); exists {
			return s.fireAccount(ctx, tx, MailAccountExists, &cur, "")
		}
		data := map[string]string{"name": r.Name, "address": r.Address, "phone": r.Phone, "timezone": r.Timezone, "lang": r.Lang}
		tok, err := s.issueAccountToken(ctx, tx, TokenConfirmAccount, u.ID, hash, data, ConfirmTTL)
		if err != nil {
			return err
		}
		// The mail greets them by the name they typed.
		pending := cur
		pending.Name, pending.Lang = r.Name, r.Lang
		return s.fireAccount(ctx, tx, TokenConfirmAccount, &pending, tok)
	})
	if err != nil {
		return nil, wrap("register", err)
	}
	if exists {
		s.log.Info("registration for an existing account, owner told", "user", u.ID)
	} else {
		s.log.Info("registration pending confirmation", "user", u.ID)
	}
	return u, nil
}

// CheckConfirmToken reports whether a confirmation link still works, to
// show its form without using it: a GET of the link (which mail scanners
// do by themselves) changes nothing. It returns the user as the
// registration would make them: the address, and the name and language
// typed at registration.
func (s *Store) CheckConfirmToken(ctx context.Context, token string) (*User, error) {
	at, err := s.peekAccountToken(ctx, TokenConfirmAccount, token)
	if err != nil {
		return nil, wrap("confirm account", err)
	}
	u, err := s.UserByID(ctx, at.UserID)
	if errors.Is(err, ErrNotFound) || (err == nil && u.ConfirmedAt.Valid) {
		return nil, wrap("confirm account", ErrInvalidToken)
	}
	if err != nil {
		return nil, err
	}
	var d map[string]string
	if err := json.Unmarshal(at.Data, &d); err != nil {
		return nil, wrap("confirm account", err)
	}
	u.Name, u.Lang = d["name"], normLang(d["lang"])
	return u, nil
}

// ConfirmAccount applies the registration a confirmation token carries and
// activates the account, when password is the one chosen at registration.
// The token works once, within ConfirmTTL, and not at all once the account
// is confirmed (by this or another token): the first registration
// confirmed voids every other pending one of the address. A wrong password
// is a *ValidationError on "password" and leaves the token usable (the
// caller limits the attempts).
//
// Why the password typed at registration is asked again, rather than set
// here: the link goes to the mailbox, the registration password is known
// to whoever filled in the form, and only both together may make the
// account. Someone who registers another person's address knows the
// password but never sees the link; the mailbox owner, or a mail scanner
// fetching the link, has the link but not that password, so the stranger's
// registration can never become the account. Setting the password here
// would defeat the attack too, but would make the registration form's
// password fields (Gambar 3 of the manual) meaningless, and would let
// anyone holding a forwarded or leaked link choose the password.
func (s *Store) ConfirmAccount(ctx context.Context, token, password string) (*User, error) {
	at, err := s.peekAccountToken(ctx, TokenConfirmAccount, token)
	if err != nil {
		return nil, wrap("confirm account", err)
	}
	// Checked before the transaction: the hash takes tens of
	// milliseconds, and the token is consumed below only if it matches.
	if !CheckPassword(at.PasswordHash, password) {
		v := &ValidationError{}
		v.add("password", "not the password chosen at registration")
		return nil, v
	}
	var uid int64
	err = s.InTx(ctx, func(tx *Tx) error {
		at, err := s.consumeAccountToken(ctx, tx, TokenConfirmAccount, token)
		if err != nil {
			return err
		}
		var d map[string]string
		if err := json.Unmarshal(at.Data, &d); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = $2, address = $3, phone = $4, timezone = $5, lang = $6,
			password_hash = $7, confirmed_at = $8, updated_at = $8
			WHERE id = $1 AND confirmed_at IS NULL`,
			at.UserID, d["name"], d["address"], d["phone"], d["timezone"], d["lang"], at.PasswordHash, s.now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrInvalidToken
		}
		uid = at.UserID
		_, err = tx.ExecContext(ctx, `UPDATE account_tokens SET used_at = $2 WHERE user_id = $1 AND kind = 'confirm_account' AND used_at IS NULL`, uid, s.now())
		return err
	})
	if err != nil {
		return nil, wrap("confirm account", err)
	}
	s.log.Info("account confirmed", "user", uid)
	return s.UserByID(ctx, uid)
}

// RequestPasswordReset issues a reset token for the account with that
// address, if there is one. It answers the same either way, so the form
// does not tell which addresses have accounts.
func (s *Store) RequestPasswordReset(ctx context.Context, email string) error {
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) || (err == nil && !u.Registered()) {
		return nil
	}
	if err != nil {
		return err
	}
	return wrap("password reset", s.InTx(ctx, func(tx *Tx) error {
		tok, err := s.issueAccountToken(ctx, tx, TokenPasswordReset, u.ID, u.PasswordHash.String, nil, ResetTTL)
		if err != nil {
			return err
		}
		return s.fireAccount(ctx, tx, TokenPasswordReset, u, tok)
	}))
}

// CheckResetToken reports whether a reset link still works, to show its
// form or say at once that it expired.
func (s *Store) CheckResetToken(ctx context.Context, token string) error {
	at, err := s.peekAccountToken(ctx, TokenPasswordReset, token)
	if err != nil {
		return wrap("password reset", err)
	}
	u, err := s.UserByID(ctx, at.UserID)
	if err != nil || !u.PasswordHash.Valid || !equalHash(u.PasswordHash.String, at.PasswordHash) {
		return wrap("password reset", ErrInvalidToken)
	}
	return nil
}

// ResetPassword sets a new password with a reset token. The token works
// once, within ResetTTL, and only while the password it was issued against
// is unchanged. Every session of the account ends.
func (s *Store) ResetPassword(ctx context.Context, token, password, confirm string) (*User, error) {
	v := &ValidationError{}
	validatePassword(v, password, confirm)
	if err := v.err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, wrap("reset password", err)
	}
	var uid int64
	err = s.InTx(ctx, func(tx *Tx) error {
		at, err := s.consumeAccountToken(ctx, tx, TokenPasswordReset, token)
		if err != nil {
			return err
		}
		var cur sql.NullString
		if err := tx.GetContext(ctx, &cur, `SELECT password_hash FROM users WHERE id = $1 FOR UPDATE`, at.UserID); err != nil {
			return err
		}
		if !cur.Valid || !equalHash(cur.String, at.PasswordHash) {
			return ErrInvalidToken
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, at.UserID, hash, s.now()); err != nil {
			return err
		}
		uid = at.UserID
		_, err = tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, uid)
		return err
	})
	if err != nil {
		return nil, wrap("reset password", err)
	}
	s.log.Info("password reset", "user", uid)
	return s.UserByID(ctx, uid)
}

// Authenticate checks a citizen's sign-in by address or username. Unknown
// logins cost as much time as wrong passwords.
func (s *Store) Authenticate(ctx context.Context, login, password string) (*User, error) {
	u, err := s.UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	known := err == nil && u.PasswordHash.Valid
	hash := ""
	if known {
		hash = u.PasswordHash.String
	} else if err == nil {
		// A pending registration keeps its password with its token: the
		// person who typed it is told to confirm, at the same cost.
		var pending string
		perr := s.db.GetContext(ctx, &pending, `SELECT password_hash FROM account_tokens
			WHERE user_id = $1 AND kind = 'confirm_account' AND used_at IS NULL AND expires_at > $2
			ORDER BY created_at DESC LIMIT 1`, u.ID, s.now())
		if perr != nil && !errors.Is(perr, sql.ErrNoRows) {
			return nil, wrap("authenticate", perr)
		}
		if perr == nil {
			if CheckPassword(pending, password) {
				return nil, ErrNotConfirmed
			}
			return nil, ErrInvalidLogin
		}
	}
	if !CheckPasswordOrDummy(hash, known, password) {
		return nil, ErrInvalidLogin
	}
	if !u.ConfirmedAt.Valid {
		return nil, ErrNotConfirmed
	}
	return u, nil
}

// AuthenticateAgent checks an agent's sign-in; inactive agents cannot.
func (s *Store) AuthenticateAgent(ctx context.Context, email, password string) (*Agent, error) {
	a, err := s.AgentByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	known := err == nil && a.PasswordHash.Valid
	hash := ""
	if known {
		hash = a.PasswordHash.String
	}
	if !CheckPasswordOrDummy(hash, known, password) || !a.Active {
		return nil, ErrInvalidLogin
	}
	return a, nil
}

// SetUserLang remembers a citizen's language for pages and mail.
func (s *Store) SetUserLang(ctx context.Context, userID int64, lang string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET lang = $2 WHERE id = $1`, userID, normLang(lang))
	return wrap("set language", err)
}

// SetAgentLang remembers an agent's language.
func (s *Store) SetAgentLang(ctx context.Context, agentID int, lang string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE agents SET lang = $2 WHERE id = $1`, agentID, normLang(lang))
	return wrap("set language", err)
}

func normLang(l string) string {
	if l == "en" {
		return "en"
	}
	return "id"
}

// Viewer is who looks at a ticket on the web: a signed-in citizen, an
// agent, or a guest holding the progress link of one ticket.
type Viewer struct {
	User  *User
	Agent *Agent
	// GuestToken with GuestSecret: a progress link's token, valid only for
	// the ticket it names.
	GuestToken  string
	GuestSecret []byte
}

// Access is what a viewer may do with a ticket.
type Access int

// Access levels.
const (
	AccessNone    Access = iota
	AccessCitizen        // the public thread; may reply as the owner or collaborator
	AccessAgent          // everything, notes included
)

// AccessTo decides what v may do with t: the one access rule for ticket
// pages and attachment downloads.
func (s *Store) AccessTo(v Viewer, t *Ticket) Access {
	if a := v.Agent; a != nil && a.Active && a.CanSeeDepartment(t.DepartmentID) {
		return AccessAgent
	}
	if v.User != nil && isUserParticipant(t, v.User) {
		return AccessCitizen
	}
	if _, err := s.GuestUser(v, t); err == nil {
		return AccessCitizen
	}
	return AccessNone
}

// GuestUser returns the participant whose progress link v holds for t.
func (s *Store) GuestUser(v Viewer, t *Ticket) (int64, error) {
	if v.GuestToken == "" {
		return 0, ErrInvalidToken
	}
	return VerifyGuestToken(v.GuestSecret, v.GuestToken, t, s.now())
}

// AttachmentFor returns an attachment and its bytes if v may download it:
// v has access to its ticket, and attachments of internal notes go to
// agents only. Anything else is ErrNotFound, so ids cannot be probed.
func (s *Store) AttachmentFor(ctx context.Context, v Viewer, id int64) (*Attachment, []byte, error) {
	var row struct {
		TicketID int64  `db:"ticket_id"`
		Kind     string `db:"kind"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT e.ticket_id, e.kind FROM attachments at JOIN entries e ON e.id = at.entry_id WHERE at.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, wrap("attachment", ErrNotFound)
	}
	if err != nil {
		return nil, nil, wrap("attachment", err)
	}
	t, err := s.TicketByID(ctx, row.TicketID)
	if err != nil {
		return nil, nil, err
	}
	acc := s.AccessTo(v, t)
	if acc == AccessNone || (row.Kind == KindNote && acc != AccessAgent) {
		return nil, nil, wrap("attachment", ErrNotFound)
	}
	a, _, data, err := s.AttachmentContent(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return a, data, nil
}
