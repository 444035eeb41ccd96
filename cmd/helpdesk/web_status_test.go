package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

// The landing page's status check: the same answer whatever is asked, and
// a progress link mailed only to someone who takes part in the ticket.
func TestStatusCheckAnswersTheSameAndMailsOnlyParticipants(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	tk, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "izzah@example.id", Name: "Izzah"}, Subject: "Data DTKS",
		Body: "Mohon dicek.", Source: tickets.SourceEmail, Collaborators: []tickets.Address{{Email: "dinsos.klaten@example.id", Name: "Dinsos Klaten"}}})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "lain@example.id"}, Subject: "Lain", Body: "x", Source: tickets.SourceEmail})
	if err != nil {
		t.Fatal(err)
	}
	links := func() []string {
		var rs []string
		e.db.Select(&rs, `SELECT recipient FROM outbox WHERE kind = 'status_link' ORDER BY id`)
		return rs
	}
	b := e.browser()
	if r := b.get("/"); !strings.Contains(r.body, `action="/status"`) || !strings.Contains(r.body, `id="cek-status"`) {
		t.Fatalf("no status form on the landing page: %s", snippet(r.body))
	}
	ask := func(email, number string) resp {
		t.Helper()
		b.get("/")
		r := b.post("/status", url.Values{"email": {email}, "number": {number}})
		if r.code != http.StatusSeeOther || r.h.Get("Location") != "/?sent=1#cek-status" {
			t.Fatalf("%s %s: %d %q", email, number, r.code, r.h.Get("Location"))
		}
		return b.follow(r)
	}
	main := func(s string) string { return csrfRe.ReplaceAllString(s[strings.Index(s, `id="cek-status"`):], "") }
	owner := ask("Izzah@Example.id", "#"+tk.Number)
	if !strings.Contains(owner.body, "Jika tiket ini milik alamat email tersebut") {
		t.Fatalf("answer: %s", snippet(owner.body))
	}
	for _, q := range [][2]string{{"penyerang@example.id", tk.Number}, {"izzah@example.id", other.Number}, {"izzah@example.id", "999999"}} {
		if r := ask(q[0], q[1]); main(r.body) != main(owner.body) {
			t.Errorf("%v answers differently:\n%s\n---\n%s", q, main(r.body), main(owner.body))
		}
	}
	ask("dinsos.klaten@example.id", tk.Number)
	if got := strings.Join(links(), ","); got != "izzah@example.id,dinsos.klaten@example.id" {
		t.Fatalf("status links mailed to %q", got)
	}
	// The mailed link opens the ticket, without signing in.
	link := mailedLink(t, e, "/t/"+tk.Number+"?token=")
	if r := e.browser().get(link); r.code != 200 || !strings.Contains(r.body, "Data DTKS") {
		t.Fatalf("mailed link: %d %s", r.code, snippet(r.body))
	}
	// Closed too long ago for a progress link: a link behind sign-in.
	e.db.MustExec(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '60 days' WHERE id = $1`, tk.ID)
	ask("dinsos.klaten@example.id", tk.Number)
	if l := mailedLink(t, e, "/tickets/"+tk.Number); l != "/tickets/"+tk.Number {
		t.Fatalf("link for a long-closed ticket: %q", l)
	}
	// A number that is none goes back to the form, which says so.
	b.get("/")
	r := b.formFailed(b.post("/status", url.Values{"email": {"izzah@example.id"}, "number": {"12ab"}}), "/")
	if !strings.Contains(r.body, "enam atau tujuh angka") || !strings.Contains(r.body, `value="12ab"`) || !strings.Contains(r.body, `href="#cs-number"`) {
		t.Fatalf("bad number: %s", snippet(r.body))
	}
	// One mailbox gets a few links an hour however often it is asked for,
	// and the answer does not change.
	for i := 0; i < limitStatusAddress.Max+2; i++ {
		ask("izzah@example.id", tk.Number)
	}
	n := 0
	for _, to := range links() {
		if to == "izzah@example.id" {
			n++
		}
	}
	// Every question about the address counts, the two that matched no
	// ticket of hers too.
	if n != limitStatusAddress.Max-2 {
		t.Errorf("%d links mailed to one address, want %d", n, limitStatusAddress.Max-2)
	}
	// One client is limited openly.
	for i := 0; ; i++ {
		b.get("/")
		r := b.post("/status", url.Values{"email": {"x" + string(rune('a'+i%26)) + "@example.id"}, "number": {"123456"}})
		if r.code == http.StatusTooManyRequests {
			break
		}
		if i > limitStatusIP.Max {
			t.Fatal("no limit per client")
		}
	}
	// osTicket's view.php fills the form in.
	if r := b.get("/view.php?t=" + tk.Number + "&e=izzah%40example.id"); r.code != http.StatusMovedPermanently {
		t.Fatalf("view.php: %d", r.code)
	} else if page := b.follow(r); !strings.Contains(page.body, `value="`+tk.Number+`"`) || !strings.Contains(page.body, `value="izzah@example.id"`) {
		t.Fatalf("view.php's form: %s", snippet(page.body))
	}
}

// A signed-in citizen is not told to sign in first; the page's title
// carries a ticket's number.
func TestWebLandingAndTitlesForASignedInCitizen(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("izzah@example.id", "Izzah Annisa")
	r := b.get("/")
	if strings.Contains(r.body, "Masuk terlebih dahulu") || strings.Contains(r.body, `action="/login"`) || !strings.Contains(r.body, "Selamat datang, Izzah Annisa") {
		t.Errorf("landing page for a signed-in citizen: %s", snippet(r.body))
	}
	if !strings.Contains(r.body, `value="izzah@example.id"`) {
		t.Error("the status form does not offer the citizen's address")
	}
	if r := e.browser().get("/"); !strings.Contains(r.body, "Masuk terlebih dahulu") {
		t.Error("a visitor is not told to sign in first")
	}
	num := openViaWeb(t, b, "Data DTKS tidak sesuai")
	if r := b.get("/tickets/" + num); !strings.Contains(r.body, "<title>#"+num+" Data DTKS tidak sesuai · Tiket · ") {
		t.Errorf("title: %s", r.body[strings.Index(r.body, "<title>"):strings.Index(r.body, "</title>")])
	}
	if r := b.get("/tickets/new"); !strings.Contains(r.body, "Semua masalah, keluhan dan informasi terkait data terpadu bantuan sosial.") {
		t.Error("the new-ticket form lacks the topics' descriptions")
	}
	b.post("/lang", url.Values{"lang": {"en"}, "next": {"/tickets/new"}})
	if r := b.get("/tickets/new"); !strings.Contains(r.body, "integrated social assistance data") {
		t.Error("the English form lacks the topics' descriptions in English")
	}
}
