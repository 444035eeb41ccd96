package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebBrowserReports: an admin makes an agent the lead of Jaringan on
// /admin/agents, then reads May's report for every department at desktop
// and phone width; the lead finds "Laporan" in the menu and reads
// Jaringan's, in English.
func TestWebBrowserReports(t *testing.T) {
	c := newChrome(t)
	e := newReportEnv(t)
	base := e.http.URL
	do, waitFor, shot, ctx := c.do, c.waitFor, c.shot, c.ctx
	e.agent("ketua@kemsos.go.id", false, "Support")

	c.signInAgent(base, "admin@kemsos.go.id", "agen-rahasia-1")
	do("agents page", chromedp.Navigate(base+"/admin/agents"))
	waitFor("agents", hasText("Ketua bagian (melihat laporan)"))
	row := `//tr[td[contains(., "ketua@kemsos.go.id")]]`
	do("tick the lead of Jaringan",
		chromedp.Click(chromedp.Search(row+`//fieldset[contains(@class, "leads")]//label[contains(., "Jaringan")]/input`)),
		chromedp.Click(chromedp.Search(row+`//button`)))
	waitFor("saved", hasText("Tersimpan."))
	shot("r1-petugas-ketua-bagian")

	// With no dates, last month: May, as the clock stands at June 1.
	do("reports", chromedp.Click(css(`nav a[href="/agent/reports"]`)))
	waitFor("report", hasText("Laporan Kinerja Helpdesk")+" && "+hasText("Periode 01/05/2026 – 31/05/2026"))
	do("open the day table", chromedp.Click(css(`details.numbers summary`)))
	waitFor("table open", `document.querySelector("details.numbers").open`)
	shot("r2-laporan-desktop")
	body := c.text()
	for _, want := range []string{"Tiket masuk\n4", "50,0%", "Data Terpadu", "Jaringan", "Cara menghitung"} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %q:\n%s", want, body)
		}
	}
	// Every chart has an accessible name and description.
	if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("svg[role=img]")].length === 2 &&
		[...document.querySelectorAll("svg[role=img]")].every(s => s.getAttribute("aria-labelledby").split(" ").every(id => document.getElementById(id) && document.getElementById(id).textContent.length > 10))`)); !ok {
		t.Error("a chart without its title and description")
	}
	do("phone", chromedp.EmulateViewport(390, 844))
	shot("r3-laporan-ponsel")
	if wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
		t.Error("the report is wider than a phone's screen")
	}
	do("desktop", chromedp.EmulateViewport(1280, 900))
	// The first week of May in Support alone.
	do("pick a week of Support", chromedp.SetValue(css("#from"), "2026-05-01"), chromedp.SetValue(css("#to"), "2026-05-07"),
		chromedp.SetValue(css("#department"), strconv.Itoa(e.support.ID)),
		chromedp.Click(css(`form.report-form button[type=submit]`)))
	waitFor("the week", hasText("Periode 01/05/2026 – 07/05/2026")+" && "+hasText("Bagian: Support."))
	if body := c.text(); !strings.Contains(body, "Tiket masuk\n2") {
		t.Errorf("first week of Support:\n%s", body)
	}
	shot("r2b-laporan-sepekan-support")

	// The lead, in a browser of their own (a walk-through gets 90 s a
	// browser, and a shared machine is slow).
	c = newChrome(t)
	do, waitFor, shot = c.do, c.waitFor, c.shot
	c.signInAgent(base, "ketua@kemsos.go.id", "agen-rahasia-1")
	do("english", chromedp.Click(css(`form.lang button[value="en"]`)))
	waitFor("english", hasText("Ticket Queue"))
	do("lead's reports", chromedp.Click(css(`nav a[href="/agent/reports"]`)))
	waitFor("lead's report", hasText("Helpdesk Performance Report")+" && "+hasText("Departments: Jaringan."))
	shot("r4-lead-report-english")
	if body := c.text(); strings.Contains(body, "Support") || !strings.Contains(body, "Tickets opened\n1") {
		t.Errorf("the lead of Jaringan's report:\n%s", body)
	}
	do("phone", chromedp.EmulateViewport(390, 844))
	shot("r5-lead-report-phone")
}
