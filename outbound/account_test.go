package outbound_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// Someone registers an address that already has an account: its owner,
// in their own language and by their own name, is told so and pointed at
// the reset form; the mail carries no token.
func TestRegisteringAnAccountsAddressMailsTheOwnerTheResetForm(t *testing.T) {
	r := newRig(t)
	hash, _ := tickets.HashPassword("rahasia-123")
	u, _ := r.store.EnsureUser(bg, r.db, tickets.Address{Email: "ada@example.id"})
	r.db.MustExec(`UPDATE users SET name = 'Ada Lovelace', lang = 'en', password_hash = $2, confirmed_at = now() WHERE id = $1`, u.ID, hash)
	if _, err := r.store.Register(bg, tickets.RegisterRequest{Email: "ada@example.id", Name: "Penyusup", Address: "Jl. Lain", Phone: "081234567890",
		Password: "sandi-penyusup", Confirm: "sandi-penyusup", Lang: "id"}); err != nil {
		t.Fatal(err)
	}
	r.flush()
	ms := r.sink.WaitFor(1, 5*time.Second)
	if len(ms) != 1 {
		t.Fatalf("%d mails", len(ms))
	}
	m := parse(t, ms[0])
	if m.to != "ada@example.id" || !strings.HasPrefix(m.subject, "Someone tried to register with your address") || m.autoSubmitted != "auto-generated" {
		t.Fatalf("mail: %+v", m)
	}
	for _, want := range []string{"Dear Ada Lovelace,", "yours is unchanged", "http://helpdesk.test/account/forgot\n"} {
		if !strings.Contains(strings.ReplaceAll(m.text, "\r\n", "\n"), want) {
			t.Errorf("text lacks %q:\n%s", want, m.text)
		}
	}
	if strings.Contains(m.text, "token=") || strings.Contains(m.text, "Penyusup") || strings.Contains(m.text, "##-") {
		t.Errorf("text:\n%s", m.text)
	}
}
