package tickets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/tickets"
)

// webStore is a store with a settable clock and the account tokens its
// hook saw.
func webStore(t *testing.T) (*tickets.Store, *sqlx.DB, *fakeClock, map[string]string) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 16, 11, 59, 0, 0, time.UTC)}
	s, db := newStore(t, func(o *tickets.Opts) { o.Now = clock.Now })
	toks := map[string]string{}
	s.AddAccountHook(func(_ context.Context, _ *tickets.Tx, kind string, u *tickets.User, tok string) error {
		toks[kind+" "+u.Email] = tok
		return nil
	})
	return s, db, clock, toks
}

func register(t *testing.T, s *tickets.Store, email, password string) {
	t.Helper()
	_, err := s.Register(context.Background(), tickets.RegisterRequest{Email: email, Name: "Izzah Annisa", Address: "Jalan Dulu Kijang",
		Phone: "081234567890", Password: password, Confirm: password})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuthConfirmationIsSingleUseAndExpires(t *testing.T) {
	s, _, clock, toks := webStore(t)
	ctx := context.Background()
	register(t, s, "izzah@example.id", "rahasia-123")
	register(t, s, "lambat@example.id", "rahasia-123")
	u, err := s.ConfirmAccount(ctx, toks["confirm_account izzah@example.id"], "rahasia-123")
	if err != nil || !u.Registered() || u.Name != "Izzah Annisa" || u.Timezone != "Asia/Jakarta" {
		t.Fatalf("confirm: %v %+v", err, u)
	}
	if _, err := s.ConfirmAccount(ctx, toks["confirm_account izzah@example.id"], "rahasia-123"); !errors.Is(err, tickets.ErrInvalidToken) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.CheckConfirmToken(ctx, toks["confirm_account izzah@example.id"]); !errors.Is(err, tickets.ErrInvalidToken) {
		t.Fatalf("used token still looks live: %v", err)
	}
	clock.t = clock.t.Add(tickets.ConfirmTTL + time.Minute)
	if _, err := s.ConfirmAccount(ctx, toks["confirm_account lambat@example.id"], "rahasia-123"); !errors.Is(err, tickets.ErrInvalidToken) {
		t.Fatalf("expired token: %v", err)
	}
}

func TestAuthRegistrationChangesNothingUntilConfirmed(t *testing.T) {
	s, _, _, _ := webStore(t)
	ctx := context.Background()
	if _, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "korban@example.id", Name: "Nama Asli"}, Subject: "s", Body: "b", Source: tickets.SourceEmail}); err != nil {
		t.Fatal(err)
	}
	register(t, s, "korban@example.id", "sandi-penyerang")
	u, _ := s.UserByEmail(ctx, "korban@example.id")
	if u.Name != "Nama Asli" || u.PasswordHash.Valid {
		t.Fatalf("an unconfirmed registration changed the user: %+v", u)
	}
	if _, err := s.Authenticate(ctx, "korban@example.id", "sandi-penyerang"); !errors.Is(err, tickets.ErrNotConfirmed) {
		t.Fatalf("pending sign-in: %v", err)
	}
	if _, err := s.Authenticate(ctx, "korban@example.id", "lain-lagi-1"); !errors.Is(err, tickets.ErrInvalidLogin) {
		t.Fatalf("wrong pending password: %v", err)
	}
}

// The attack: a stranger registers the address of a citizen who only ever
// wrote by mail, with a password of his own. The link reaches the
// citizen's mailbox, where a scanner fetches it or the citizen opens it;
// neither knows the stranger's password, so nothing they can do with the
// link makes his registration the account.
func TestAuthStrangersRegistrationOfAMailOnlyAddressNeverBecomesTheAccount(t *testing.T) {
	s, db, _, toks := webStore(t)
	ctx := context.Background()
	tk, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "warga@example.id", Name: "Warga Asli"}, Subject: "Surat", Body: "isi", Source: tickets.SourceEmail})
	if err != nil {
		t.Fatal(err)
	}
	register(t, s, "warga@example.id", "sandi-penyerang")
	attackerLink := toks["confirm_account warga@example.id"]
	untouched := func(when string) {
		t.Helper()
		var row struct {
			Hash      *string    `db:"password_hash"`
			Confirmed *time.Time `db:"confirmed_at"`
			Name      string     `db:"name"`
		}
		if err := db.Get(&row, `SELECT password_hash, confirmed_at, name FROM users WHERE email = 'warga@example.id'`); err != nil {
			t.Fatal(err)
		}
		if row.Hash != nil || row.Confirmed != nil || row.Name != "Warga Asli" {
			t.Fatalf("%s: the user changed: %+v", when, row)
		}
		if u, err := s.Authenticate(ctx, "warga@example.id", "sandi-penyerang"); u != nil || err == nil {
			t.Fatalf("%s: the stranger signs in: %v", when, err)
		}
	}
	// A scanner only looks at the link.
	for i := 0; i < 3; i++ {
		if u, err := s.CheckConfirmToken(ctx, attackerLink); err != nil || u.Email != "warga@example.id" {
			t.Fatalf("peek %d: %v", i, err)
		}
	}
	untouched("after the link was looked at")
	// The citizen, or anything else holding the link, without the
	// stranger's password.
	for _, pw := range []string{"", "sandi-warga-1", "Sandi-Penyerang"} {
		_, err := s.ConfirmAccount(ctx, attackerLink, pw)
		var v *tickets.ValidationError
		if !errors.As(err, &v) || v.Fields["password"] == "" {
			t.Fatalf("confirm with %q: %v", pw, err)
		}
		untouched("after a confirmation with " + pw)
	}
	if _, err := s.CheckConfirmToken(ctx, attackerLink); err != nil {
		t.Fatalf("a wrong password used the link up: %v", err)
	}
	// The citizen registers themselves and confirms: their password wins.
	register(t, s, "warga@example.id", "sandi-warga-1")
	own := toks["confirm_account warga@example.id"]
	if own == attackerLink {
		t.Fatal("no new token")
	}
	u, err := s.ConfirmAccount(ctx, own, "sandi-warga-1")
	if err != nil {
		t.Fatal(err)
	}
	if mine, _, _ := s.List(ctx, tickets.Filter{OwnerID: u.ID}); len(mine) != 1 || mine[0].Number != tk.Number {
		t.Fatalf("the mailed ticket is not the account's: %+v", mine)
	}
	if _, err := s.Authenticate(ctx, "warga@example.id", "sandi-warga-1"); err != nil {
		t.Fatalf("the citizen cannot sign in: %v", err)
	}
	if _, err := s.Authenticate(ctx, "warga@example.id", "sandi-penyerang"); !errors.Is(err, tickets.ErrInvalidLogin) {
		t.Fatalf("the stranger's password: %v", err)
	}
	// And the stranger's pending registration is void, even with his
	// password and the link.
	if _, err := s.ConfirmAccount(ctx, attackerLink, "sandi-penyerang"); !errors.Is(err, tickets.ErrInvalidToken) {
		t.Fatalf("the stranger's link after the citizen confirmed: %v", err)
	}
	if _, err := s.Authenticate(ctx, "warga@example.id", "sandi-penyerang"); !errors.Is(err, tickets.ErrInvalidLogin) {
		t.Fatalf("the stranger's password after all: %v", err)
	}
}

func TestAuthRegisteringAnAccountsAddressMailsTheOwnerAndChangesNothing(t *testing.T) {
	s, db, _, toks := webStore(t)
	ctx := context.Background()
	register(t, s, "ada@example.id", "rahasia-123")
	first := toks["confirm_account ada@example.id"]
	if _, err := s.ConfirmAccount(ctx, first, "rahasia-123"); err != nil {
		t.Fatal(err)
	}
	// The same answer as for a new address: no error, a user back.
	u, err := s.Register(ctx, tickets.RegisterRequest{Email: "Ada@Example.id", Name: "Penyusup", Address: "Jl. Lain", Phone: "081234567890",
		Password: "sandi-penyusup", Confirm: "sandi-penyusup"})
	if err != nil || u == nil {
		t.Fatalf("register an account's address: %v", err)
	}
	if tok, ok := toks["account_exists ada@example.id"]; !ok || tok != "" {
		t.Fatalf("owner not told, or told with a token: %q %v", tok, ok)
	}
	if toks["confirm_account ada@example.id"] != first {
		t.Fatal("a confirmation was issued for an existing account")
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM account_tokens WHERE used_at IS NULL`)
	if n != 0 {
		t.Fatalf("%d live tokens", n)
	}
	if _, err := s.Authenticate(ctx, "ada@example.id", "rahasia-123"); err != nil {
		t.Fatalf("owner's password: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ada@example.id", "sandi-penyusup"); !errors.Is(err, tickets.ErrInvalidLogin) {
		t.Fatalf("intruder's password: %v", err)
	}
	if got, _ := s.UserByEmail(ctx, "ada@example.id"); got.Name != "Izzah Annisa" {
		t.Fatalf("profile changed: %+v", got)
	}
}

func TestAuthRegistrationMailsToOneAddressAreLimited(t *testing.T) {
	s, _, clock, toks := webStore(t)
	ctx := context.Background()
	mails := map[string]int{}
	s.AddAccountHook(func(_ context.Context, _ *tickets.Tx, kind string, u *tickets.User, _ string) error {
		mails[kind+" "+u.Email]++
		return nil
	})
	max := tickets.RegistrationMailLimit.Max
	for i := 0; i < max+2; i++ {
		register(t, s, "banjir@example.id", "rahasia-123")
	}
	register(t, s, "lain@example.id", "rahasia-123")
	if mails["confirm_account banjir@example.id"] != max || mails["confirm_account lain@example.id"] != 1 {
		t.Fatalf("mails: %v", mails)
	}
	// A confirmation and the notices to an account share the limit.
	register(t, s, "ada@example.id", "rahasia-123")
	if _, err := s.ConfirmAccount(ctx, toks["confirm_account ada@example.id"], "rahasia-123"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < max+2; i++ {
		register(t, s, "ada@example.id", "rahasia-123")
	}
	if mails["account_exists ada@example.id"] != max-1 {
		t.Fatalf("mails: %v", mails)
	}
	// The window slides on: later the address hears again.
	clock.t = clock.t.Add(2 * tickets.RegistrationMailLimit.Window)
	register(t, s, "banjir@example.id", "rahasia-123")
	if mails["confirm_account banjir@example.id"] != max+1 {
		t.Fatalf("mails after the window: %v", mails)
	}
}

func TestAuthResetTokenIsBoundToThePasswordAndExpires(t *testing.T) {
	s, _, clock, toks := webStore(t)
	ctx := context.Background()
	register(t, s, "lupa@example.id", "rahasia-123")
	if _, err := s.ConfirmAccount(ctx, toks["confirm_account lupa@example.id"], "rahasia-123"); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPasswordReset(ctx, "nobody@example.id"); err != nil {
		t.Fatal(err)
	}
	if len(toks) != 1 {
		t.Fatalf("a reset for an unknown address mailed something: %v", toks)
	}
	s.RequestPasswordReset(ctx, "lupa@example.id")
	first := toks["password_reset lupa@example.id"]
	s.RequestPasswordReset(ctx, "lupa@example.id")
	second := toks["password_reset lupa@example.id"]
	if _, err := s.ResetPassword(ctx, first, "baru-rahasia-1", "baru-rahasia-2"); err == nil {
		t.Fatal("mismatched confirmation accepted")
	}
	if _, err := s.ResetPassword(ctx, first, "baru-rahasia-1", "baru-rahasia-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "lupa@example.id", "baru-rahasia-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetPassword(ctx, second, "lagi-rahasia-1", "lagi-rahasia-1"); !errors.Is(err, tickets.ErrInvalidToken) {
		t.Fatalf("token issued against the old password: %v", err)
	}
	s.RequestPasswordReset(ctx, "lupa@example.id")
	clock.t = clock.t.Add(tickets.ResetTTL + time.Minute)
	if err := s.CheckResetToken(ctx, toks["password_reset lupa@example.id"]); !errors.Is(err, tickets.ErrInvalidToken) {
		t.Fatalf("expired reset: %v", err)
	}
}

func TestAuthenticateAgentRefusesInactiveAgents(t *testing.T) {
	s, db, _, _ := webStore(t)
	ctx := context.Background()
	a := mustAgent(t, s, "petugas@kemsos.go.id", false, "Support")
	if _, err := s.AuthenticateAgent(ctx, a.Email, "rahasia-123"); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`UPDATE agents SET active = false WHERE id = $1`, a.ID)
	if _, err := s.AuthenticateAgent(ctx, a.Email, "rahasia-123"); !errors.Is(err, tickets.ErrInvalidLogin) {
		t.Fatalf("inactive: %v", err)
	}
	if _, err := s.AuthenticateAgent(ctx, "nobody@kemsos.go.id", "rahasia-123"); !errors.Is(err, tickets.ErrInvalidLogin) {
		t.Fatalf("unknown: %v", err)
	}
}

func TestTokenGuestLinkNamesOneTicketAndEndsSixWeeksAfterClosing(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := &tickets.Ticket{Number: "881358", OwnerID: 7, Status: tickets.StatusOpen}
	b := &tickets.Ticket{Number: "881359", OwnerID: 7, Status: tickets.StatusOpen}
	tok := tickets.GuestToken(secret, a.Number, a.OwnerID)
	if uid, err := tickets.VerifyGuestToken(secret, tok, a, now); err != nil || uid != 7 {
		t.Fatal(uid, err)
	}
	if _, err := tickets.VerifyGuestToken(secret, tok, b, now); err == nil {
		t.Fatal("A's token opens B")
	}
	if _, err := tickets.VerifyGuestToken([]byte("another secret, another server!!"), tok, a, now); err == nil {
		t.Fatal("accepted under another secret")
	}
	moved := *a
	moved.OwnerID = 8
	if _, err := tickets.VerifyGuestToken(secret, tok, &moved, now); err == nil {
		t.Fatal("accepted for another owner")
	}
	closed := *a
	closed.Status = tickets.StatusClosed
	closed.ClosedAt.Time, closed.ClosedAt.Valid = now.Add(-tickets.GuestLinkGrace+time.Hour), true
	if _, err := tickets.VerifyGuestToken(secret, tok, &closed, now); err != nil {
		t.Fatalf("within grace: %v", err)
	}
	if _, err := tickets.VerifyGuestToken(secret, tok, &closed, now.Add(2*time.Hour)); err == nil {
		t.Fatal("valid after the grace period")
	}
	if tickets.GuestTicketNumber(tok) != "881358" {
		t.Fatal("number not carried")
	}
}

func TestTokenGuestLinkOfACollaboratorIsTheirsAndEndsWhenTheyLeave(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tk := &tickets.Ticket{Number: "881358", OwnerID: 7, Status: tickets.StatusOpen,
		Collaborators: []tickets.Address{{Email: "kabid@dinsos.go.id", ID: 9}}}
	tok := tickets.GuestToken(secret, tk.Number, 9)
	if uid, err := tickets.VerifyGuestToken(secret, tok, tk, now); err != nil || uid != 9 {
		t.Fatalf("collaborator's link: %d %v (it must name the collaborator, not the owner)", uid, err)
	}
	left := *tk
	left.Collaborators = nil
	if _, err := tickets.VerifyGuestToken(secret, tok, &left, now); err == nil {
		t.Fatal("a removed collaborator's link still opens the ticket")
	}
	if _, err := tickets.VerifyGuestToken(secret, tickets.GuestToken(secret, tk.Number, 10), tk, now); err == nil {
		t.Fatal("a link for someone who takes no part opens the ticket")
	}
}

func TestSessionEndsWhenIdleAndOnDelete(t *testing.T) {
	s, db, clock, _ := webStore(t)
	ctx := context.Background()
	u, _ := s.EnsureUser(ctx, s.DB(), tickets.Address{Email: "sesi@example.id"})
	id, err := s.CreateSession(ctx, u.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	db.Get(&stored, `SELECT id_hash FROM web_sessions`)
	if string(stored) == id {
		t.Fatal("the session id is stored in clear")
	}
	clock.t = clock.t.Add(tickets.SessionIdle - time.Minute)
	if ss, err := s.SessionByID(ctx, id); err != nil || ss.UserID.Int64 != u.ID {
		t.Fatalf("active session: %v", err)
	}
	clock.t = clock.t.Add(tickets.SessionIdle - time.Minute) // touched above, so still alive
	if _, err := s.SessionByID(ctx, id); err != nil {
		t.Fatalf("refreshed session: %v", err)
	}
	clock.t = clock.t.Add(tickets.SessionIdle + time.Minute)
	if _, err := s.SessionByID(ctx, id); !errors.Is(err, tickets.ErrNotFound) {
		t.Fatalf("idle session: %v", err)
	}
	id2, _ := s.CreateSession(ctx, u.ID, 0)
	s.DeleteSession(ctx, id2)
	if _, err := s.SessionByID(ctx, id2); !errors.Is(err, tickets.ErrNotFound) {
		t.Fatalf("deleted session: %v", err)
	}
}

func TestRateLimitSlidesAndIsPerKey(t *testing.T) {
	s, _, clock, _ := webStore(t)
	ctx := context.Background()
	clock.t = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	l := tickets.Limit{Max: 3, Window: 10 * time.Minute}
	for i := 0; i < 3; i++ {
		if ok, _, err := s.RateHit(ctx, "k", l); !ok || err != nil {
			t.Fatalf("hit %d: %v %v", i, ok, err)
		}
	}
	ok, retry, _ := s.RateHit(ctx, "k", l)
	if ok || retry <= 0 {
		t.Fatalf("4th hit allowed (%v, %v)", ok, retry)
	}
	if ok, _, _ := s.RateCheck(ctx, "other", l); !ok {
		t.Fatal("another key is limited")
	}
	// Half a window into the next one, half of the old hits still count.
	clock.t = clock.t.Add(15 * time.Minute)
	if ok, _, _ := s.RateCheck(ctx, "k", l); !ok {
		t.Fatal("still limited once the window slid")
	}
	clock.t = clock.t.Add(-14 * time.Minute) // 11 minutes after the burst: 90% of 4 hits remain
	if ok, _, _ := s.RateCheck(ctx, "k", l); ok {
		t.Fatal("the previous window is forgotten at once")
	}
}
