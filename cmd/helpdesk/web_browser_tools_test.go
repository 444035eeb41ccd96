package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kemsos/helpdesk/tickets"
)

// onePagePDF is a letter of one page saying "Surat Keterangan Desa" (its
// cross-reference table left out: PDF readers rebuild it, as they do for
// much of what citizens scan).
var onePagePDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
	"4 0 obj<</Length 52>>stream\nBT /F1 24 Tf 40 100 Td (Surat Keterangan Desa) Tj ET\nendstream\nendobj\n" +
	"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// toolsScene is the helpdesk the walk-throughs of the ticket tools (issue
// 12) start from: Budi and Sari in Support, an admin, a canned response,
// Budi's signature, a citizen's ticket with an image and a PDF, and a
// stranger's ticket that refers to it.
type toolsScene struct {
	e            *webEnv
	base, page   string
	sari         *tickets.Agent
	main, refers *tickets.Ticket
}

func newToolsScene(t *testing.T) *toolsScene {
	t.Helper()
	e := newWebEnv(t)
	bg := context.Background()
	base := e.http.URL
	if _, err := e.store.CreateDepartment(bg, "Jaringan"); err != nil {
		t.Fatal(err)
	}
	budi, err := e.store.CreateAgent(bg, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi Santoso", Password: "agen-rahasia-1", Departments: []string{"Support"}})
	if err != nil {
		t.Fatal(err)
	}
	sari, _ := e.store.CreateAgent(bg, tickets.NewAgent{Email: "sari@kemsos.go.id", Name: "Sari Wulandari", Password: "agen-rahasia-1", Departments: []string{"Support"}})
	if _, err := e.store.CreateAgent(bg, tickets.NewAgent{Email: "admin@kemsos.go.id", Name: "Admin Pusdatin", Password: "agen-rahasia-1", Admin: true}); err != nil {
		t.Fatal(err)
	}
	e.store.SetSignature(bg, budi.ID, "Budi Santoso\nHelpdesk Pusdatin Kemsos")
	if _, err := e.store.SaveCanned(bg, tickets.Canned{Title: "Data sedang diverifikasi", DepartmentID: sql.NullInt64{Int64: 1, Valid: true},
		Body: "Yth. {nama},\n\nPengaduan Anda nomor #{nomor} sedang kami verifikasi bersama dinas sosial setempat. Kami kabari paling lambat {batas_waktu}."}); err != nil {
		t.Fatal(err)
	}
	shotPNG := pngOf(t)
	main, _, err := e.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: "izzah@example.id", Name: "Izzah Annisa"}, Topic: "Bantuan Umum",
		Subject: "Data DTKS keluarga kami tidak sesuai", Body: "Nama ibu kami tertulis salah di DTKS. Terlampir foto KK dan surat keterangan desa.",
		Source: tickets.SourceEmail, MessageID: "<izzah-1@example.id>",
		Attachments: []tickets.NewAttachment{{Name: "foto-kk.png", ContentType: "image/png", Data: shotPNG}, {Name: "surat-desa.pdf", ContentType: "application/pdf", Data: onePagePDF}}})
	if err != nil {
		t.Fatal(err)
	}
	refers, _, err := e.store.Open(bg, tickets.OpenRequest{Owner: tickets.Address{Email: "kades@desa.example", Name: "Kepala Desa Sukamaju"},
		Subject: "Re: Data DTKS keluarga kami tidak sesuai", Body: "Kami membenarkan laporan warga kami tersebut.", Source: tickets.SourceEmail,
		MessageID: "<kades-1@desa.example>", RefersTo: main.ID})
	if err != nil {
		t.Fatal(err)
	}
	return &toolsScene{e: e, base: base, page: base + "/agent/tickets/" + main.Number, sari: sari, main: main, refers: refers}
}

// TestWebBrowserTicketTools walks, at desktop width, collaborators, topic,
// a canned response and the signature in the reply box, another agent
// opening and answering the ticket meanwhile (the page says so, and a
// response from the old page comes back to be confirmed).
func TestWebBrowserTicketTools(t *testing.T) {
	c := newChrome(t)
	sc := newToolsScene(t)
	e, base, page, main, sari := sc.e, sc.base, sc.page, sc.main, sc.sari
	bg := context.Background()
	do, waitFor, shot := c.do, c.waitFor, c.shot
	_ = base
	// Desktop: the ticket with its previews and collaborators.
	c.signInAgent(base, "budi@kemsos.go.id", "agen-rahasia-1")
	do("ticket", chromedp.Navigate(page))
	waitFor("ticket page", hasText("Kolaborator")+` && document.querySelector(".thumb img").complete && document.querySelector(".thumb img").naturalWidth > 0`)
	shot("tools-01-tiket")
	c.axe("ticket page")
	do("add collaborator",
		chromedp.SendKeys(css("#collab-email"), "dinsos@klaten.go.id"),
		chromedp.SendKeys(css("#collab-name"), "Dinas Sosial Klaten"),
		chromedp.Click(css(`form[action$="/collaborators"] button[type=submit]`)))
	waitFor("collaborator added", hasText("Kolaborator ditambahkan.")+" && "+hasText("Dinas Sosial Klaten <dinsos@klaten.go.id>"))
	do("change topic", chromedp.SetValue(css("#set-topic"), "3"), chromedp.Click(css(`form[action$="/topic"] button`)))
	waitFor("topic changed", hasText("Topik tiket diperbarui.")+" && "+hasText("mengubah topik dari Bantuan Umum menjadi Data Terpadu"))

	// Sari opens the ticket too (another process, another browser): the
	// page says so once it beats.
	if _, err := e.store.Heartbeat(bg, main, sari, 0); err != nil {
		t.Fatal(err)
	}
	do("beat", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event("visibilitychange"))`))
	waitFor("viewers", hasText("Juga sedang membuka tiket ini: Sari Wulandari"))

	// A canned response from the select, the signature ticked.
	do("canned", chromedp.Evaluate[chromedp.Void](`(s => { s.selectedIndex = 1; s.dispatchEvent(new Event("change")) })(document.querySelector("#canned"))`))
	waitFor("canned inserted", `document.querySelector("#message").value.includes("Yth. Izzah Annisa,") && document.querySelector("#message").value.includes("#`+main.Number+`")`)
	shot("tools-02-jawaban-siap-pakai")
	c.axe("canned inserted")

	// Meanwhile Sari answers. Budi's page shows it at the next beat, and
	// his response from that page comes back to be confirmed.
	if _, err := e.store.Respond(bg, main.ID, sari, tickets.Post{Body: "Sudah saya teruskan ke dinas sosial."}); err != nil {
		t.Fatal(err)
	}
	do("beat", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event("visibilitychange"))`))
	waitFor("news", hasText("Sejak halaman ini dibuka:")+" && "+hasText("Sari Wulandari mengirim tanggapan"))
	shot("tools-03-ada-tanggapan-baru")
	c.axe("news shown")
	do("respond from the old page", chromedp.Click(css(`form[action$="/respond"] button.primary`)))
	waitFor("stale", hasText("Tanggapan Anda belum dikirim")+` && document.querySelector("#message").value.includes("Yth. Izzah Annisa,")`)
	shot("tools-04-konfirmasi-tanggapan")
	c.axe("stale response")
	do("confirm", chromedp.Click(css(`form[action$="/respond"] button.primary`)))
	waitFor("responded", hasText("Tanggapan terkirim."))
	if body := c.text(); !strings.Contains(body, "-- \nBudi Santoso\nHelpdesk Pusdatin Kemsos") && !strings.Contains(body, "Budi Santoso\nHelpdesk Pusdatin Kemsos") {
		t.Errorf("the response lacks the signature:\n%s", body)
	}

}

// TestWebBrowserPreviewsAndMerge: the thread's image full size and its PDF
// in the browser's viewer, then merging the ticket that refers to it.
func TestWebBrowserPreviewsAndMerge(t *testing.T) {
	c := newChrome(t)
	sc := newToolsScene(t)
	base, page, main, refers := sc.base, sc.page, sc.main, sc.refers
	do, waitFor, shot := c.do, c.waitFor, c.shot
	c.signInAgent(base, "budi@kemsos.go.id", "agen-rahasia-1")
	do("ticket", chromedp.Navigate(page))
	waitFor("ticket page", `document.querySelector(".thumb img") && document.querySelector(".thumb img").complete && document.querySelector(".thumb img").naturalWidth > 0`)
	// The image full size and the PDF in the browser's viewer.
	imgURL, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.querySelector(".thumb").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	pdfURL, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".atts a")).find(a => a.textContent === "Lihat PDF").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	do("image", chromedp.Navigate(base+imgURL))
	waitFor("image full size", `document.contentType === "image/png"`)
	shot("tools-05-gambar")
	do("pdf", chromedp.Navigate(base+pdfURL))
	waitFor("pdf inline", `document.contentType === "application/pdf"`)
	time.Sleep(2 * time.Second) // (the viewer draws the page after it loads)
	shot("tools-05b-pdf")

	// The ticket that refers to it: merge, asked first.
	do("refers", chromedp.Navigate(base+"/agent/tickets/"+refers.Number))
	waitFor("refers box", hasText("Tiket ini merujuk ke #"+main.Number))
	shot("tools-06-merujuk")
	c.axe("refers box")
	do("merge", chromedp.Click(css(`.refers form[action$="/merge"] button`)))
	waitFor("confirm merge", hasText("Gabungkan #"+refers.Number+" ke #"+main.Number+"?"))
	shot("tools-07-konfirmasi-gabung")
	c.axe("merge confirmation")
	do("confirm merge", chromedp.Click(css(`.confirm button[type=submit]`)))
	waitFor("merged", hasText("Tiket #"+refers.Number+" digabungkan ke #"+main.Number+".")+" && "+hasText("Kami membenarkan laporan warga kami tersebut."))
	shot("tools-08-digabung")
	c.axe("merged ticket")

}

// TestWebBrowserToolsOnAPhone: the ticket on a phone, a ticket for a
// caller, a transfer away (the queue says where it went), the signature
// in My Account, and the admin's canned responses on a phone and, in
// English, on a desktop.
func TestWebBrowserToolsOnAPhone(t *testing.T) {
	c := newChrome(t)
	sc := newToolsScene(t)
	base, page, refers := sc.base, sc.page, sc.refers
	do, waitFor, shot := c.do, c.waitFor, c.shot
	if _, err := sc.e.store.Merge(context.Background(), tickets.System, refers.Number, sc.main.Number); err != nil {
		t.Fatal(err)
	}
	c.signInAgent(base, "budi@kemsos.go.id", "agen-rahasia-1")
	// Phone width: the same ticket, a caller's ticket, a transfer away.
	do("phone", chromedp.EmulateViewport(390, 844))
	do("ticket on phone", chromedp.Navigate(page))
	waitFor("ticket on phone", hasText("Kolaborator"))
	shot("tools-09-tiket-ponsel")
	c.axe("ticket on a phone")
	do("caller form", chromedp.Click(css(`nav a[href="/agent/tickets/new"]`)))
	waitFor("caller form", hasText("Buka tiket untuk penelepon atau tamu"))
	do("fill caller",
		chromedp.SendKeys(css("#name"), "Pak Slamet"),
		chromedp.SendKeys(css("#phone"), "081298765432"),
		chromedp.SetValue(css("#topic"), "2"),
		chromedp.SendKeys(css("#subject"), "Bantuan PKH bulan Maret belum diterima"),
		chromedp.SendKeys(css("#message"), "Menelepon pukul 10.15: bantuan PKH bulan Maret belum masuk ke rekening."))
	shot("tools-10-penelepon-ponsel")
	c.axe("caller form")
	do("send caller", chromedp.Click(css(`form[action="/agent/tickets/new"] button[type=submit]`)))
	waitFor("caller ticket", hasText("telah dibuat. Sampaikan nomornya kepada pelapor.")+" && "+hasText("(tanpa email)"))
	shot("tools-11-tiket-penelepon-ponsel")
	c.axe("caller's ticket")
	do("transfer", chromedp.Click(css(`a[href$="/transfer"]`)))
	waitFor("transfer form", hasText("Beri tahu pelapor alasannya"))
	do("fill transfer", chromedp.SetValue(css("#department"), "2"), chromedp.SendKeys(css("#reason"), "Rekening dikelola bagian Jaringan"))
	shot("tools-12-transfer-ponsel")
	c.axe("transfer form")
	do("send transfer", chromedp.Click(css(`form[action$="/transfer"] button[type=submit]`)))
	waitFor("transferred away", hasText("dialihkan ke Jaringan.")+" && "+hasText("Antrean Tiket"))
	shot("tools-13-dialihkan-ponsel")
	c.axe("queue after transfer")
	do("account", chromedp.Navigate(base+"/agent/account"))
	waitFor("account", hasText("Tanda tangan"))
	shot("tools-14-akun-ponsel")
	c.axe("account")
	do("sign out", chromedp.Click(css(`form[action="/logout"] button`)))
	waitFor("signed out", hasText("Anda telah keluar."))

	// The admin's canned responses, on a phone and on a desktop, in English.
	c.signInAgent(base, "admin@kemsos.go.id", "agen-rahasia-1")
	do("canned admin", chromedp.Navigate(base+"/admin/canned"))
	waitFor("canned admin", hasText("Isian otomatis"))
	shot("tools-15-jawaban-admin-ponsel")
	c.axe("canned admin on a phone")
	do("desktop", chromedp.EmulateViewport(1280, 900))
	do("english", chromedp.Click(css(`form.lang button[value="en"]`)))
	waitFor("english", hasText("Placeholders"))
	shot("tools-16-canned-admin-en")
	c.axe("canned admin")
	do("ticket en", chromedp.Navigate(page))
	waitFor("ticket en", hasText("Collaborators")+" && "+hasText("merged ticket #"+refers.Number+" into this one"))
	shot("tools-17-ticket-en")
	c.axe("ticket in English")
}
