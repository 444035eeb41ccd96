package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kemsos/helpdesk/tickets"
)

// TestWebBrowserAgentWorksTheQueue: an agent sorts the queue by due date
// (the overdue on top), saves that as a view, raises the priority of two
// tickets at once, and finds a citizen by her mail domain across every
// status; then the same queue at phone width, where every row shows its
// subject, and in English.
func TestWebBrowserAgentWorksTheQueue(t *testing.T) {
	c := newChrome(t)
	e := newWebEnv(t)
	bg := context.Background()
	a, err := e.store.CreateAgent(bg, tickets.NewAgent{Email: "petugas@kemsos.go.id", Name: "Sergio Petugas", Password: "agen-rahasia-1", Departments: []string{"Support"}})
	if err != nil {
		t.Fatal(err)
	}
	open := func(email, name, subject string) *tickets.Ticket {
		t.Helper()
		tk, _, err := e.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: email, Name: name}, Topic: "Data Terpadu",
			Subject: subject, Body: "Mohon bantuan.", Source: tickets.SourceEmail})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	old := open("izzah.annisa@yahoo.co.id", "Izzah Annisa", "Bansos tahun lalu belum cair")
	late := open("budi.santoso@gmail.com", "Budi Santoso", "Data keluarga tidak sesuai dengan kartu keluarga terbaru")
	answered := open("rina@desa.example", "Rina Wati", "Permohonan perbaikan NIK")
	urgent := open("izzah.annisa@yahoo.co.id", "Izzah Annisa", "Rekening PKH diblokir")
	open("kades@desa.example", "Kepala Desa Sukamaju", "Usulan penerima baru")
	e.db.Exec(`UPDATE tickets SET due_at = now() - interval '5 hours', overdue = true WHERE id = $1`, late.ID)
	if _, err := e.store.Respond(bg, answered.ID, a, tickets.Post{Body: "Sedang kami proses."}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetStatus(bg, old.ID, tickets.AgentActor(a), tickets.StatusClosed); err != nil {
		t.Fatal(err)
	}
	base := e.http.URL
	do, waitFor, shot := c.do, c.waitFor, c.shot

	c.signInAgent(base, "petugas@kemsos.go.id", "agen-rahasia-1")
	waitFor("queue", hasText("Perlu dijawab")+" && "+hasText("terlambat 5 j"))
	shot("q01-antrean")

	// Sort by due date: the overdue ticket first.
	do("sort by due", chromedp.Click(css(`th a[href*="sort=due"]`)))
	waitFor("sorted", `location.search.includes("sort=due") && document.querySelector("th[aria-sort=ascending]") !== null`)
	if first := c.eval(`document.querySelector("table.queue tbody td.num a").textContent`); first != late.Number {
		t.Errorf("first by due date: %s, want the overdue %s", first, late.Number)
	}
	shot("q02-urut-batas-waktu")

	// Save it as a view: a tab of its own.
	do("open the save form", chromedp.Click(css(`details.saveview summary`)))
	do("name the view", chromedp.SendKeys(css(`#view-name`), "Tenggat terdekat"), chromedp.Click(css(`form[action="/agent/views"] button`)))
	waitFor("saved", hasText("Tampilan tersimpan.")+` && document.querySelector("nav.tabs a.view[aria-current=page]") !== null`)
	shot("q03-tampilan-tersimpan")

	// Two tickets at once: emergency.
	do("tick two", chromedp.Click(css(`input[name=t][value="`+urgent.Number+`"]`)), chromedp.Click(css(`input[name=t][value="`+late.Number+`"]`)),
		chromedp.SetValue(css(`#bulk-priority`), "emergency"))
	shot("q04-pilih-dua")
	do("apply", chromedp.Click(css(`form.bulk button[type=submit]`)))
	waitFor("bulk done", hasText("2 tiket diubah."))
	shot("q05-ubah-massal")
	for _, n := range []string{urgent.Number, late.Number} {
		if tk, _ := e.store.TicketByNumber(bg, n); tk.Priority != "emergency" {
			t.Errorf("#%s is %s", n, tk.Priority)
		}
	}
	// "Select all on this page" ticks every row.
	do("select all", chromedp.Click(css(`[data-select-all]`)))
	if n := c.eval(`String(document.querySelectorAll("input[name=t]:checked").length)`); n != "4" {
		t.Errorf("select all ticked %s rows, want 4", n)
	}
	do("untick all", chromedp.Click(css(`[data-select-all]`)))

	// A person, by her mail domain, in every status.
	do("search", chromedp.SendKeys(css(`#q`), "yahoo.co.id"), chromedp.Click(css(`form.filters button[type=submit]`)))
	waitFor("results", hasText("di semua status dan petugas"))
	if body := c.text(); !strings.Contains(body, "Bansos tahun lalu belum cair") || !strings.Contains(body, "Rekening PKH diblokir") || strings.Contains(body, "Usulan penerima baru") {
		t.Errorf("search for yahoo.co.id:\n%s", body)
	}
	shot("q06-cari-orang")

	// At phone width every row shows its subject.
	do("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/agent?tab=open"))
	waitFor("phone queue", hasText("Usulan penerima baru"))
	if bad := c.eval(`Array.from(document.querySelectorAll("table.queue td.subj")).filter(function (td) {
		var r = td.getBoundingClientRect(); return r.width < 100 || r.left < 0 || r.right > window.innerWidth; }).length + "/" +
		document.querySelectorAll("table.queue td.subj").length`); bad != "0/4" {
		t.Errorf("subjects hidden or cut at phone width: %s", bad)
	}
	if w := c.eval(`String(document.documentElement.scrollWidth <= window.innerWidth)`); w != "true" {
		t.Error("the queue is wider than the phone")
	}
	shot("q07-antrean-ponsel")
	do("phone search", chromedp.Navigate(base+"/agent?q=izzah"))
	waitFor("phone results", hasText("Rekening PKH diblokir"))
	shot("q08-cari-ponsel")
	do("desktop", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/agent"))
	waitFor("desktop queue", hasText("Tenggat terdekat"))
	do("english", chromedp.Click(css(`form.lang button[value="en"]`)))
	waitFor("english", hasText("Waiting for us")+" && "+hasText("5 h overdue"))
	shot("q09-queue-english")
}

// eval runs a script that returns a string.
func (c *chrome) eval(js string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		c.t.Fatalf("eval %s: %v", js, err)
	}
	return s
}
