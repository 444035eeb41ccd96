package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

func TestWebRegistrationKeepsTypedValuesAndShowsFieldErrors(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	b.get("/register")
	r := b.formFailed(b.post("/register", url.Values{"email": {"bukan-email"}, "name": {"Izzah Annisa"}, "address": {"Jalan Dulu Kijang"},
		"phone": {"081234567890"}, "timezone": {"Asia/Makassar"}, "password": {"pendek"}, "confirm": {"lain"}}), "/register")
	for _, want := range []string{`value="Izzah Annisa"`, `value="bukan-email"`, "Jalan Dulu Kijang", `value="Asia/Makassar" selected>WITA — Makassar (UTC&#43;8)`,
		"Masukkan alamat email yang benar.", "Kata sandi minimal 8 karakter.", "Kedua kata sandi tidak sama.", `aria-invalid="true"`,
		`<a href="#email">Alamat email: Masukkan alamat email yang benar.</a>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "pendek") {
		t.Error("the password was sent back")
	}
}

func TestWebRegisterConfirmSignInAndSignOut(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	// A citizen who wrote by mail first: their ticket becomes the account's.
	mailed, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "izzah@example.id"}, Subject: "Surat lewat email",
		Body: "isi", Source: tickets.SourceEmail})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.get("/register")
	r := b.post("/register", url.Values{"email": {"Izzah@Example.id"}, "name": {"Izzah Annisa"}, "address": {"Jalan Dulu Kijang"},
		"phone": {"081234567890"}, "timezone": {"Asia/Jakarta"}, "password": {"rahasia-123"}, "confirm": {"rahasia-123"}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != "/register/done" {
		t.Fatalf("register: %d %s", r.code, snippet(r.body))
	}
	if r := b.follow(r); !strings.Contains(r.body, "periksa email Anda") {
		t.Errorf("done page: %s", snippet(r.body))
	}
	// Not confirmed yet: the right password says so, nothing else does.
	b.get("/login")
	if r := b.formFailed(b.post("/login", url.Values{"login": {"izzah@example.id"}, "password": {"rahasia-123"}}), "/login"); !strings.Contains(r.body, "belum dikonfirmasi") {
		t.Fatalf("unconfirmed sign-in: %d", r.code)
	}
	tok := e.token(tickets.TokenConfirmAccount, "izzah@example.id")
	if tok == "" {
		t.Fatal("no confirmation token reached the account hook")
	}
	link := "/account/confirm?token=" + url.QueryEscape(tok)
	if r := b.get(link); r.code != 200 || !strings.Contains(r.body, `action="/account/confirm"`) || !strings.Contains(r.body, `value="izzah@example.id"`) {
		t.Fatalf("confirmation form: %d %s", r.code, snippet(r.body))
	}
	if r := b.post("/account/confirm", url.Values{"token": {tok}, "password": {"rahasia-123"}}); r.code != http.StatusSeeOther || r.h.Get("Location") != "/login" ||
		!strings.Contains(b.follow(r).body, "Akun Anda sudah aktif") {
		t.Fatalf("confirm: %d %s", r.code, snippet(r.body))
	}
	if r := b.get(link); r.code != http.StatusNotFound {
		t.Fatalf("second use of a confirmation token: %d", r.code)
	}
	if r := b.post("/account/confirm", url.Values{"token": {tok}, "password": {"rahasia-123"}}); r.code != http.StatusSeeOther || b.follow(r).code != http.StatusNotFound {
		t.Fatalf("second confirmation: %d", r.code)
	}
	before := sessionCookie(b)
	b.signIn("izzah@example.id", "rahasia-123")
	if after := sessionCookie(b); after == "" || after == before {
		t.Fatalf("session id not set/rotated on sign-in: %q -> %q", before, after)
	}
	r = b.get("/tickets")
	if r.code != 200 || !strings.Contains(r.body, mailed.Number) || !strings.Contains(r.body, "Izzah Annisa") {
		t.Fatalf("my tickets lacks the mailed ticket: %d %s", r.code, snippet(r.body))
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM web_sessions`)
	if n != 1 {
		t.Fatalf("%d sessions", n)
	}
	if r := b.post("/logout", nil); r.code != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.code)
	}
	e.db.Get(&n, `SELECT count(*) FROM web_sessions`)
	if n != 0 {
		t.Fatal("sign-out left the session in the database")
	}
	if r := b.get("/tickets"); r.code != http.StatusSeeOther {
		t.Fatalf("signed out but still served: %d", r.code)
	}
}

func sessionCookie(b *browser) string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieSession {
			return c.Value
		}
	}
	return ""
}

func TestWebExpiredConfirmationTokenIsRefused(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	b.get("/register")
	b.post("/register", url.Values{"email": {"lama@example.id"}, "name": {"Lama"}, "address": {"Jl. A"},
		"phone": {"081234567890"}, "timezone": {"Asia/Jakarta"}, "password": {"rahasia-123"}, "confirm": {"rahasia-123"}})
	tok := e.token(tickets.TokenConfirmAccount, "lama@example.id")
	b.get("/account/confirm?token=" + url.QueryEscape(tok))
	e.db.MustExec(`UPDATE account_tokens SET expires_at = now() - interval '1 minute'`)
	r := b.get("/account/confirm?token=" + url.QueryEscape(tok))
	if r.code != http.StatusNotFound || !strings.Contains(r.body, "kedaluwarsa") {
		t.Fatalf("expired token: %d %s", r.code, snippet(r.body))
	}
	// A form opened before the link expired does not work after.
	if r := b.post("/account/confirm", url.Values{"token": {tok}, "password": {"rahasia-123"}}); r.code != http.StatusSeeOther || b.follow(r).code != http.StatusNotFound {
		t.Fatalf("expired token posted: %d", r.code)
	}
}

// registrationForm is the registration of email with password.
func registrationForm(email, name, password string) url.Values {
	return url.Values{"email": {email}, "name": {name}, "address": {"Jl. Pemuda 3"}, "phone": {"081234567890"},
		"timezone": {"Asia/Jakarta"}, "password": {password}, "confirm": {password}}
}

// The attack: a stranger registers the address of a citizen who only ever
// wrote by mail, with his own password. The link lands in the citizen's
// mailbox, where a mail gateway's scanner fetches it and the citizen may
// open it; neither knows the stranger's password. None of that may make
// his registration the account.
func TestWebConfirmationLinkWithoutTheRegistrationPasswordActivatesNothing(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	mailed, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "warga@example.id", Name: "Warga Asli"},
		Subject: "Bantuan tidak cair", Body: "data keluarga kami", Source: tickets.SourceEmail})
	if err != nil {
		t.Fatal(err)
	}
	stranger := e.browser()
	stranger.get("/register")
	if r := stranger.post("/register", registrationForm("warga@example.id", "Penyerang", "sandi-penyerang")); r.code != http.StatusSeeOther {
		t.Fatalf("register: %d %s", r.code, snippet(r.body))
	}
	tok := e.token(tickets.TokenConfirmAccount, "warga@example.id")
	link := "/account/confirm?token=" + url.QueryEscape(tok)
	row := func() string {
		var s string
		if err := e.db.Get(&s, `SELECT concat_ws('|', name, address, phone, coalesce(password_hash, '-'), coalesce(confirmed_at::text, '-'))
			FROM users WHERE email = 'warga@example.id'`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := row()
	if before != "Warga Asli|||-|-" {
		t.Fatalf("registration changed the user: %s", before)
	}
	failed := func(when string) {
		t.Helper()
		if got := row(); got != before {
			t.Fatalf("%s: the user changed: %s", when, got)
		}
		stranger.get("/login")
		if r := stranger.post("/login", url.Values{"login": {"warga@example.id"}, "password": {"sandi-penyerang"}}); !sentBack(r) {
			t.Fatalf("%s: the stranger signs in: %d %q", when, r.code, r.h.Get("Location"))
		}
		if r := stranger.get("/tickets"); r.code != http.StatusSeeOther || strings.Contains(r.body, mailed.Number) {
			t.Fatalf("%s: the stranger sees tickets: %d", when, r.code)
		}
	}

	// The scanner: bare fetches without cookies, GET and HEAD.
	for i := 0; i < 3; i++ {
		if r := e.browser().get(link); r.code != 200 || !strings.Contains(r.body, `action="/account/confirm"`) {
			t.Fatalf("scan %d: %d %s", i, r.code, snippet(r.body))
		}
	}
	head, _ := http.NewRequest("HEAD", e.http.URL+link, nil)
	e.browser().do(head)
	failed("after the link was fetched")

	// The citizen opens it and tries what they know, or nothing.
	citizen := e.browser()
	for _, pw := range []string{"", "sandi-warga-1"} {
		r := citizen.confirm(tok, pw)
		if r.code != http.StatusOK || !strings.Contains(r.body, "Kata sandi ini tidak sama dengan yang dibuat saat pendaftaran.") ||
			!strings.Contains(r.body, `action="/account/confirm"`) {
			t.Fatalf("confirm with %q: %d %s", pw, r.code, snippet(r.body))
		}
		if pw != "" && strings.Contains(r.body, pw) {
			t.Fatal("the typed password was sent back")
		}
		failed("after a confirmation with " + strconv.Quote(pw))
	}
	// A form posted from elsewhere, without the visitor's CSRF token.
	if r := e.browser().post("/account/confirm", url.Values{"token": {tok}, "password": {"sandi-penyerang"}}); r.code != http.StatusForbidden {
		t.Fatalf("POST without a CSRF token: %d", r.code)
	}
	failed("after a forged form")
	if r := citizen.get(link); r.code != 200 {
		t.Fatalf("wrong passwords used the link up: %d", r.code)
	}

	// The citizen registers themselves: their password is the account's,
	// and the stranger's link dies.
	citizen.get("/register")
	if r := citizen.post("/register", registrationForm("warga@example.id", "Warga Asli", "sandi-warga-1")); r.code != http.StatusSeeOther {
		t.Fatalf("citizen's registration: %d", r.code)
	}
	own := e.token(tickets.TokenConfirmAccount, "warga@example.id")
	if r := citizen.confirm(own, "sandi-warga-1"); r.code != 200 || !strings.Contains(r.body, "Akun Anda sudah aktif") {
		t.Fatalf("citizen's confirmation: %d %s", r.code, snippet(r.body))
	}
	citizen.signIn("warga@example.id", "sandi-warga-1")
	if r := citizen.get("/tickets"); !strings.Contains(r.body, mailed.Number) {
		t.Fatalf("the mailed ticket is not the citizen's: %s", snippet(r.body))
	}
	stranger.get("/login")
	if r := stranger.post("/login", url.Values{"login": {"warga@example.id"}, "password": {"sandi-penyerang"}}); !sentBack(r) {
		t.Fatalf("the stranger signs in: %d", r.code)
	}
	if r := e.browser().get(link); r.code != http.StatusNotFound {
		t.Fatalf("the stranger's link after the citizen confirmed: %d", r.code)
	}
}

func TestWebWrongPasswordsAtConfirmationAreLimitedPerLink(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	b.get("/register")
	b.post("/register", registrationForm("tebak@example.id", "Tebak", "rahasia-123"))
	tok := e.token(tickets.TokenConfirmAccount, "tebak@example.id")
	b.get("/account/confirm?token=" + url.QueryEscape(tok))
	for i := 0; i < limitConfirmToken.Max; i++ {
		if r := b.post("/account/confirm", url.Values{"token": {tok}, "password": {fmt.Sprintf("tebakan-%d", i)}}); !sentBack(r) {
			t.Fatalf("guess %d: %d", i, r.code)
		}
	}
	r := b.post("/account/confirm", url.Values{"token": {tok}, "password": {"rahasia-123"}})
	if r.code != http.StatusTooManyRequests || !strings.Contains(r.body, "Terlalu banyak percobaan") {
		t.Fatalf("want 429 after %d guesses: %d %s", limitConfirmToken.Max, r.code, snippet(r.body))
	}
	var confirmed bool
	e.db.Get(&confirmed, `SELECT confirmed_at IS NOT NULL FROM users WHERE email = 'tebak@example.id'`)
	if confirmed {
		t.Fatal("confirmed past the limit")
	}
	// Another link is not limited by it.
	e.citizen("lain@example.id", "Lain")
}

// registerAs registers email from a fresh browser and returns the answer
// and the page it redirects to.
func registerAs(e *webEnv, email, password string) (resp, resp) {
	e.t.Helper()
	b := e.browser()
	b.get("/register")
	r := b.post("/register", registrationForm(email, "Siapa Saja", password))
	return r, b.follow(r)
}

func outboxKinds(t *testing.T, e *webEnv) []string {
	t.Helper()
	var rows []struct{ Kind, Recipient string }
	if err := e.db.Select(&rows, `SELECT kind, recipient FROM outbox ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Kind+" "+r.Recipient)
	}
	return out
}

func TestWebRegisteringAnAccountsAddressAnswersAsForANewOne(t *testing.T) {
	e := newWebEnv(t)
	e.citizen("ada@example.id", "Ada")
	existing, existingPage := registerAs(e, "Ada@Example.id", "sandi-lain-99")
	fresh, freshPage := registerAs(e, "baru@example.id", "sandi-lain-99")
	if existing.code != http.StatusSeeOther || existing.code != fresh.code || existing.h.Get("Location") != fresh.h.Get("Location") {
		t.Fatalf("answers differ: %d %q, %d %q", existing.code, existing.h.Get("Location"), fresh.code, fresh.h.Get("Location"))
	}
	main := func(s string) string { return csrfRe.ReplaceAllString(s[strings.Index(s, "<main"):], "") }
	if existingPage.code != freshPage.code || main(existingPage.body) != main(freshPage.body) {
		t.Fatalf("pages differ:\n%s\n---\n%s", main(existingPage.body), main(freshPage.body))
	}
	want := []string{"confirm_account ada@example.id", "account_exists ada@example.id", "confirm_account baru@example.id"}
	if got := outboxKinds(t, e); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("outbox: %v, want %v", got, want)
	}
	// The owner's mail points at the reset form, and the account is as it was.
	if l := mailedLink(t, e, "/account/forgot"); l != "/account/forgot" {
		t.Fatalf("link %q", l)
	}
	e.browser().signIn("ada@example.id", "rahasia-123")
	b := e.browser()
	b.get("/login")
	if r := b.post("/login", url.Values{"login": {"ada@example.id"}, "password": {"sandi-lain-99"}}); !sentBack(r) {
		t.Fatalf("the second registration's password: %d", r.code)
	}
}

func TestWebFourthRegistrationOfAnAddressWithinTheHourMailsNothing(t *testing.T) {
	e := newWebEnv(t)
	var first resp
	for i := 0; i < 4; i++ {
		r, page := registerAs(e, "banjir@example.id", "rahasia-123")
		if r.code != http.StatusSeeOther || r.h.Get("Location") != "/register/done" || page.code != 200 {
			t.Fatalf("registration %d: %d %q", i+1, r.code, r.h.Get("Location"))
		}
		if i == 0 {
			first = page
		} else if csrfRe.ReplaceAllString(page.body, "") != csrfRe.ReplaceAllString(first.body, "") {
			t.Fatalf("registration %d answers differently", i+1)
		}
	}
	want := "confirm_account banjir@example.id"
	if got := outboxKinds(t, e); len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Fatalf("outbox: %v", got)
	}
	// Another address is not held up by it.
	registerAs(e, "lain@example.id", "rahasia-123")
	if got := outboxKinds(t, e); len(got) != 4 || got[3] != "confirm_account lain@example.id" {
		t.Fatalf("outbox: %v", got)
	}
}

func TestWebSignInFailureSaysTheSameForUnknownEmailAndWrongPassword(t *testing.T) {
	e := newWebEnv(t)
	e.citizen("ada@example.id", "Ada")
	main := func(s string) string { return s[strings.Index(s, "<main"):] }
	b := e.browser()
	b.get("/login")
	unknown := b.formFailed(b.post("/login", url.Values{"login": {"tidak-ada@example.id"}, "password": {"salah-sekali"}}), "/login")
	b.get("/login")
	wrong := b.formFailed(b.post("/login", url.Values{"login": {"ada@example.id"}, "password": {"salah-sekali"}}), "/login")
	nonce := regexp.MustCompile(`f=[A-Za-z0-9_-]+`)
	norm := func(s, login string) string {
		s = csrfRe.ReplaceAllString(main(s), "")
		s = nonce.ReplaceAllString(s, "f=NONCE")
		return strings.ReplaceAll(s, login, "LOGIN")
	}
	if norm(unknown.body, "tidak-ada@example.id") != norm(wrong.body, "ada@example.id") {
		t.Fatalf("pages differ:\n%s\n---\n%s", main(unknown.body), main(wrong.body))
	}
	if !strings.Contains(wrong.body, "Email/nama pengguna atau kata sandi salah.") {
		t.Fatal("no failure message")
	}
}

func TestWebSignInIsRateLimitedPerAccount(t *testing.T) {
	e := newWebEnv(t)
	e.citizen("sasaran@example.id", "Sasaran")
	b := e.browser()
	b.get("/login")
	for i := 0; i < limitLoginAccount.Max; i++ {
		if r := b.post("/login", url.Values{"login": {"sasaran@example.id"}, "password": {"tebakan"}}); !sentBack(r) {
			t.Fatalf("attempt %d: %d", i, r.code)
		}
	}
	r := b.post("/login", url.Values{"login": {"sasaran@example.id"}, "password": {"rahasia-123"}})
	if r.code != http.StatusTooManyRequests || !strings.Contains(r.body, "Terlalu banyak percobaan") || r.h.Get("Retry-After") == "" {
		t.Fatalf("want 429 with a readable page: %d %s", r.code, snippet(r.body))
	}
	// Another account from the same address is not locked out by it.
	e.citizen("lain@example.id", "Lain")
}

func TestWebPostsNeedTheirCSRFToken(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("warga@example.id", "Warga")
	b.get("/tickets/new")
	cases := []struct {
		name string
		form url.Values
	}{
		{"absent", url.Values{"csrf": {""}}},
		{"forged", url.Values{"csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}},
	}
	for _, c := range cases {
		c.form.Set("subject", "x")
		c.form.Set("message", "y")
		c.form.Set("topic", "1")
		if r := b.post("/tickets", c.form); r.code != http.StatusForbidden || !strings.Contains(r.body, "Formulir sudah kedaluwarsa") {
			t.Errorf("%s token: %d", c.name, r.code)
		}
	}
	// An anonymous visitor's token does not work for a signed-in session.
	anon := e.browser()
	anon.get("/login")
	if r := b.post("/tickets", url.Values{"csrf": {anon.csrf}, "subject": {"x"}, "message": {"y"}, "topic": {"1"}}); r.code != http.StatusForbidden {
		t.Errorf("another visitor's token: %d", r.code)
	}
	// Anonymous forms are double-submit: a token without its cookie fails.
	fresh := e.browser()
	if r := fresh.post("/login", url.Values{"csrf": {anon.csrf}, "login": {"a@b.id"}, "password": {"x"}}); r.code != http.StatusForbidden {
		t.Errorf("anonymous token without its cookie: %d", r.code)
	}
	// A cross-site browser POST is refused before any token is read.
	req, _ := http.NewRequest("POST", b.base+"/logout", strings.NewReader("csrf="+b.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := b.do(req); r.code != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", r.code)
	}
}

func TestWebPasswordResetIsSingleUseAndBoundToThePassword(t *testing.T) {
	e := newWebEnv(t)
	e.citizen("lupa@example.id", "Lupa")
	b := e.browser()
	b.get("/account/forgot")
	r := b.post("/account/forgot", url.Values{"email": {"lupa@example.id"}})
	if r.code != http.StatusSeeOther || !strings.Contains(b.follow(r).body, "Jika alamat tersebut terdaftar") {
		t.Fatalf("forgot: %d", r.code)
	}
	// Unknown addresses get the same answer and no mail.
	b.get("/account/forgot")
	if r2 := b.post("/account/forgot", url.Values{"email": {"siapa@example.id"}}); r2.code != http.StatusSeeOther || r2.h.Get("Location") != r.h.Get("Location") {
		t.Fatalf("forgot unknown: %d", r2.code)
	}
	tok := e.token(tickets.TokenPasswordReset, "lupa@example.id")
	b.get("/account/forgot")
	b.post("/account/forgot", url.Values{"email": {"lupa@example.id"}})
	tok2 := e.token(tickets.TokenPasswordReset, "lupa@example.id")
	if r := b.get("/account/reset?token=" + url.QueryEscape(tok)); r.code != 200 {
		t.Fatalf("reset form: %d", r.code)
	}
	r = b.post("/account/reset", url.Values{"token": {tok}, "password": {"baru-rahasia-9"}, "confirm": {"baru-rahasia-9"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", r.code, snippet(r.body))
	}
	b.signIn("lupa@example.id", "baru-rahasia-9")
	// The other link was issued against the old password: dead now.
	if r := e.browser().get("/account/reset?token=" + url.QueryEscape(tok2)); r.code != http.StatusNotFound {
		t.Fatalf("second reset link still works: %d", r.code)
	}
}
