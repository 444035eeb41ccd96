package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A citizen edits their profile (errors keep what they typed), changes the
// password knowing the current one, and every other session ends.
func TestAccountProfileAndPasswordChange(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("izzah@example.id", "Izzah Annisa")
	other := e.browser() // the same person on another computer
	other.signIn("izzah@example.id", "rahasia-123")

	page := b.get("/account")
	if page.code != 200 || !strings.Contains(page.body, "Jalan Dulu Kijang 1") || !strings.Contains(page.body, `value="izzah@example.id" readonly`) {
		t.Fatalf("account page: %d %s", page.code, snippet(page.body))
	}
	r := b.post("/account", url.Values{"name": {"Izzah A."}, "address": {"Jl. Salemba Raya 28"}, "phone": {"12"}, "timezone": {"Asia/Makassar"}})
	if r := b.formFailed(r, "/account"); !strings.Contains(r.body, "Jl. Salemba Raya 28") || !strings.Contains(r.body, `id="phone-err"`) {
		t.Fatalf("bad phone: %d %s", r.code, snippet(r.body))
	}
	r = b.post("/account", url.Values{"name": {"Izzah A."}, "address": {"Jl. Salemba Raya 28"}, "phone": {"0215551234"}, "timezone": {"Asia/Makassar"}})
	if got := b.follow(r); !strings.Contains(got.body, "Profil Anda sudah disimpan") || !strings.Contains(got.body, "Asia/Makassar\" selected") {
		t.Fatalf("after saving: %s", snippet(got.body))
	}
	u, err := e.store.UserByEmail(t.Context(), "izzah@example.id")
	if err != nil || u.Name != "Izzah A." || u.Phone != "0215551234" || u.Timezone != "Asia/Makassar" {
		t.Fatalf("stored profile %+v %v", u, err)
	}

	r = b.post("/account/password", url.Values{"current": {"salah-sekali"}, "password": {"baru-rahasia-9"}, "confirm": {"baru-rahasia-9"}})
	if r := b.formFailed(r, "/account"); !strings.Contains(r.body, "Kata sandi saat ini salah") {
		t.Fatalf("wrong current password: %d %s", r.code, snippet(r.body))
	}
	r = b.post("/account/password", url.Values{"current": {"rahasia-123"}, "password": {"baru-rahasia-9"}, "confirm": {"baru-rahasia-9"}})
	if got := b.follow(r); !strings.Contains(got.body, "Kata sandi Anda sudah diganti") {
		t.Fatalf("after change: %s", snippet(got.body))
	}
	if r := b.get("/tickets"); r.code != 200 {
		t.Errorf("the session that changed it was signed out: %d", r.code)
	}
	if r := other.get("/tickets"); r.code != http.StatusSeeOther {
		t.Errorf("the other session still works: %d", r.code)
	}
	fresh := e.browser()
	fresh.get("/login")
	if r := fresh.post("/login", url.Values{"login": {"izzah@example.id"}, "password": {"rahasia-123"}}); !sentBack(r) {
		t.Error("the old password still signs in")
	}
	fresh.signIn("izzah@example.id", "baru-rahasia-9")

	// Without a session, or without the CSRF token, nothing changes.
	if r := e.browser().post("/account/password", url.Values{"current": {"baru-rahasia-9"}, "password": {"x-rahasia-99"}, "confirm": {"x-rahasia-99"}}); r.code != http.StatusSeeOther && r.code != http.StatusForbidden {
		t.Errorf("anonymous change: %d", r.code)
	}
	if r := b.post("/account", url.Values{"csrf": {"forged"}, "name": {"Mallory"}, "address": {"x"}, "phone": {"0215551234"}}); r.code != http.StatusForbidden {
		t.Errorf("forged CSRF: %d", r.code)
	}
}

// Agents change their own password from the panel; guessing the current
// one is rate limited like a sign-in.
func TestAgentPasswordChangeIsRateLimited(t *testing.T) {
	e := newWebEnv(t)
	b, _ := e.agent("agen@kemsos.go.id", false, "Support")
	if r := b.get("/agent/account"); r.code != 200 || !strings.Contains(r.body, `action="/agent/account/password"`) {
		t.Fatalf("agent account page: %d %s", r.code, snippet(r.body))
	}
	limited := false
	for i := 0; i < 30 && !limited; i++ {
		r := b.post("/agent/account/password", url.Values{"current": {"tebak-" + string(rune('a'+i))}, "password": {"baru-agen-99"}, "confirm": {"baru-agen-99"}})
		switch {
		case sentBack(r):
		case r.code == http.StatusTooManyRequests:
			limited = true
		default:
			t.Fatalf("guess %d: %d %s", i, r.code, snippet(r.body))
		}
	}
	if !limited {
		t.Fatal("30 wrong current passwords were all tried")
	}
	if _, err := e.store.AuthenticateAgent(t.Context(), "agen@kemsos.go.id", "agen-rahasia-1"); err != nil {
		t.Errorf("the password changed after wrong guesses: %v", err)
	}
}
