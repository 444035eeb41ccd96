package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

// TestWebBrowserNothingTypedIsLost walks what happens around the manual's
// flows, at desktop and phone width: files the server would refuse are
// refused before sending; a form the server refuses comes back at its own
// address with an error summary in focus, what was typed, and the files to
// choose again by name, and survives a reload and the language switch; the
// status check; the error pages; the print stylesheet; the admin tables on
// a phone. Every page is checked with axe-core.
func TestWebBrowserNothingTypedIsLost(t *testing.T) {
	c := newChrome(t)
	e := newWebEnv(t)
	base := e.http.URL
	do, waitFor, css := c.do, c.waitFor, css
	shot := func(name string) { c.t.Helper(); c.shot(name); c.axe(name) }
	phone := func(name string) {
		c.t.Helper()
		do("phone", chromedp.EmulateViewport(390, 844))
		shot(name)
		c.fitsWidth(name)
		do("desktop", chromedp.EmulateViewport(1280, 900))
	}
	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	surat := write("Surat dinas sosial Klaten.pdf", append(pdf, make([]byte, 2000)...))
	program := write("program.exe", []byte("MZ"))
	notPhoto := write("foto-ktp.jpg", []byte("<html>not a photo</html>"))
	huge := write("pindaian-besar.pdf", append(pdf, make([]byte, tickets.MaxUploadSize)...))

	// The status check on the landing page: the same answer for anyone.
	tk, _, err := e.store.Open(context.Background(), tickets.OpenRequest{Owner: tickets.Address{Email: "izzah.annisa@example.id", Name: "Izzah Annisa"},
		Subject: "Bantuan PKH belum cair", Body: "Mohon dicek.", Source: tickets.SourceEmail})
	if err != nil {
		t.Fatal(err)
	}
	do("landing", chromedp.Navigate(base+"/"))
	waitFor("landing", hasText("Cek Status Tiket"))
	shot("20-beranda-cek-status")
	phone("20b-beranda-ponsel")
	do("check status",
		chromedp.SendKeys(css("#cs-email"), "izzah.annisa@example.id"),
		chromedp.SendKeys(css("#cs-number"), "12345"),
		chromedp.Click(css(`form[action="/status"] button[type=submit]`)))
	waitFor("number refused", hasText("enam atau tujuh angka")+` && document.activeElement.id === "errsummary"`)
	shot("21-cek-status-galat")
	do("fix number", chromedp.SetValue(css("#cs-number"), "#"+tk.Number), chromedp.Click(css(`form[action="/status"] button[type=submit]`)))
	waitFor("status answer", hasText("Jika tiket ini milik alamat email tersebut"))
	shot("22-cek-status-terkirim")
	if link := mailedLink(t, e, "/t/"+tk.Number+"?token="); link == "" {
		t.Fatal("no progress link mailed")
	}

	// A citizen's new ticket: files refused in the browser first.
	e.citizen("warga@example.id", "Warga Klaten")
	do("sign in", chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("#login"), "warga@example.id"), chromedp.SendKeys(css("#password"), "rahasia-123"),
		chromedp.Click(css(`form[action="/login"] button[type=submit]`)))
	waitFor("signed in", hasText("Anda belum memiliki tiket."))
	do("new ticket", chromedp.Navigate(base+"/tickets/new"))
	waitFor("form", `!!document.querySelector("#topic")`)
	do("topic", chromedp.SetValue(css("#topic"), "3"), chromedp.Evaluate[chromedp.Void](`document.querySelector("#topic").dispatchEvent(new Event("change"))`))
	waitFor("topic description", hasText("data terpadu bantuan sosial"))
	do("refused files", chromedp.SetUploadFiles(css("#attachments"), []string{program, huge, notPhoto, surat}))
	waitFor("refusals shown", `document.querySelector("[data-files-err]").textContent.includes("program.exe") && document.querySelector("[data-files-err]").textContent.includes("pindaian-besar.pdf")`)
	waitFor("the image that is not one", `document.querySelectorAll(".filelist li").length === 1 && document.querySelector("#attachments").files.length === 1`)
	if got := c.text(); !strings.Contains(got, "Surat dinas sosial Klaten.pdf") || !strings.Contains(got, `Jenis berkas "foto-ktp.jpg" tidak diterima`) {
		t.Fatalf("file list:\n%s", got)
	}
	shot("23-berkas-ditolak-di-peramban")
	phone("23b-berkas-ditolak-ponsel")

	// The server refuses the form (no summary): back at the form's own
	// address, summary focused, typed text kept, the file named to choose
	// again.
	do("send without a summary",
		chromedp.SendKeys(css("#message"), "Dengan hormat,\nbantuan PKH keluarga kami belum cair sejak Januari."),
		chromedp.Click(css(`form[action="/tickets"] button[type=submit]`)))
	waitFor("summary", `document.activeElement.id === "errsummary" && location.pathname === "/tickets/new" && location.search.includes("f=")`)
	for _, want := range []string{"Formulir belum terkirim", "Ringkasan masalah wajib diisi.", "Surat dinas sosial Klaten.pdf", "Pilih lagi sebelum mengirim"} {
		if !strings.Contains(c.text(), want) {
			t.Errorf("failed form lacks %q:\n%s", want, c.text())
		}
	}
	if v, _ := chromedp.Run(c.ctx, chromedp.Value(css("#message"))); !strings.Contains(v, "belum cair sejak Januari") {
		t.Errorf("typed text lost: %q", v)
	}
	if v, _ := chromedp.Run(c.ctx, chromedp.Value(css("#topic"))); v != "3" {
		t.Errorf("topic lost: %q", v)
	}
	shot("24-formulir-galat")
	phone("24b-formulir-galat-ponsel")
	do("reload", chromedp.Reload())
	waitFor("after reload", hasText("Ringkasan masalah wajib diisi.")+` && document.querySelector("#message").value.includes("belum cair sejak Januari")`)
	do("english", chromedp.Click(css(`form.lang button[value="en"]`)))
	waitFor("in English", hasText("Please give a summary of the issue.")+" && "+hasText("Choose them again before sending"))
	shot("25-form-error-english")
	do("indonesian", chromedp.Click(css(`form.lang button[value="id"]`)))
	waitFor("back in Indonesian", hasText("Ringkasan masalah wajib diisi."))
	do("summary link", chromedp.Click(css(`#errsummary a[href="#subject"]`)))
	waitFor("subject focused", `document.activeElement.id === "subject"`)
	do("send again",
		chromedp.SendKeys(css("#subject"), "Bantuan PKH belum cair"),
		chromedp.SetUploadFiles(css("#attachments"), []string{surat}),
		chromedp.Click(css(`form[action="/tickets"] button[type=submit]`)))
	waitFor("opened", hasText("Tiket Anda telah dibuat"))
	loc, _ := chromedp.Run(c.ctx, chromedp.Location())
	num := loc[strings.LastIndex(loc, "/")+1:]
	if title, _ := chromedp.Run(c.ctx, chromedp.Title()); !strings.HasPrefix(title, "#"+num+" Bantuan PKH belum cair") {
		t.Errorf("title %q lacks the ticket number", title)
	}
	if !strings.Contains(c.text(), "Surat dinas sosial Klaten.pdf") {
		t.Error("the file chosen again was not sent")
	}

	// A failed reply comes back to the reply form, further down the page.
	do("empty reply", chromedp.Click(css(`form[action$="/reply"] button[type=submit]`)))
	waitFor("reply summary", `document.activeElement.id === "errsummary" && location.pathname === "/tickets/`+num+`"`)
	shot("26-balasan-galat")
	phone("26b-balasan-galat-ponsel")

	// Printed, the ticket is its thread.
	c.media("print")
	hidden, _ := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`["header.top", "form.lang", "#reply", "footer.foot"].every(s => getComputedStyle(document.querySelector(s)).display === "none") &&
		getComputedStyle(document.querySelector(".thread")).display !== "none"`))
	if !hidden {
		t.Error("the print stylesheet shows navigation or forms")
	}
	if pdf, err := chromedp.Run(c.ctx, chromedp.PrintToPDF()); err == nil {
		os.WriteFile(filepath.Join(c.shots, "27-tiket-cetak.pdf"), pdf, 0o644)
	}
	c.media("")
	do("sign out", chromedp.Click(css(`form[action="/logout"] button`)))
	waitFor("signed out", hasText("Anda telah keluar."))

	// Error pages, in Indonesian and English.
	e.srv.mux.Handle("GET /test/rusak", e.srv.webBare(func(w http.ResponseWriter, r *http.Request) {
		e.srv.webError(w, r, errors.New("database on fire"))
	}))
	for _, p := range []struct{ name, path, want string }{
		{"30-galat-404", "/tidak-ada", "Halaman tidak ditemukan"},
		{"31-galat-500", "/test/rusak", "Terjadi kesalahan"},
		{"32-tautan-tidak-berlaku", "/t/" + num + "?token=palsu", "Tautan ini tidak berlaku"},
	} {
		do(p.name, chromedp.Navigate(base+p.path))
		waitFor(p.name, hasText(p.want))
		shot(p.name)
	}
	phone("30b-galat-ponsel")
	do("405", chromedp.Navigate(base+"/tidak-ada"))
	waitFor("404 first", hasText("Halaman tidak ditemukan"))
	do("405 page", chromedp.Evaluate[chromedp.Void](`fetch("/login", {method: "PUT"}).then(r => r.text()).then(h => { document.open(); document.write(h); document.close(); })`))
	waitFor("405", hasText("hanya menerima kiriman formulir"))
	shot("33-galat-405")
	do("english", chromedp.Navigate(base+"/tidak-ada"), chromedp.Click(css(`form.lang button[value="en"]`)))
	waitFor("english 404", hasText("Page not found"))
	shot("34-error-404-english")
	do("indonesian", chromedp.Click(css(`form.lang button[value="id"]`)))
	waitFor("indonesian 404", hasText("Halaman tidak ditemukan"))
	// 429: one client asking for too many status links.
	anon := e.browser()
	for i := 0; i <= limitStatusIP.Max; i++ {
		anon.get("/")
		anon.post("/status", url.Values{"email": {"orang" + strconv.Itoa(i) + "@example.id"}, "number": {"123456"}})
	}
	do("landing again", chromedp.Navigate(base+"/"))
	do("one more", chromedp.SendKeys(css("#cs-email"), "lagi@example.id"), chromedp.SendKeys(css("#cs-number"), "123456"),
		chromedp.Click(css(`form[action="/status"] button[type=submit]`)))
	waitFor("429", hasText("Terlalu banyak percobaan"))
	shot("35-galat-429")
	// 403: an agent who is not an admin, in the admin area.
	if _, err := e.store.CreateAgent(context.Background(), tickets.NewAgent{Email: "petugas@kemsos.go.id", Name: "Sergio Petugas",
		Password: "agen-rahasia-1", Departments: []string{"Support"}}); err != nil {
		t.Fatal(err)
	}
	c.signInAgent(base, "petugas@kemsos.go.id", "agen-rahasia-1")
	do("admin as agent", chromedp.Navigate(base+"/admin/agents"))
	waitFor("403", hasText("Akses ditolak"))
	shot("36-galat-403")
	do("agent out", chromedp.Click(css(`form[action="/logout"] button`)))
	waitFor("agent signed out", hasText("Anda telah keluar."))

	// The admin tables fit a phone.
	if _, err := e.store.CreateAgent(context.Background(), tickets.NewAgent{Email: "admin@kemsos.go.id", Name: "Admin Pusdatin",
		Password: "agen-rahasia-1", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.CreateAPIKey(context.Background(), "Aplikasi SIKS-NG (sinkronisasi data)"); err != nil {
		t.Fatal(err)
	}
	c.signInAgent(base, "admin@kemsos.go.id", "agen-rahasia-1")
	for _, p := range []string{"agents", "apikeys"} {
		do(p, chromedp.Navigate(base+"/admin/"+p))
		waitFor(p, hasText("Administrasi"))
		shot("37-admin-" + p)
		phone("37b-admin-" + p + "-ponsel")
	}
	// A failed admin form: the summary is there too.
	do("short password", chromedp.Navigate(base+"/admin/agents"),
		chromedp.SendKeys(css("#a-email"), "baru@kemsos.go.id"), chromedp.SendKeys(css("#a-name"), "Petugas Baru"),
		chromedp.SendKeys(css("#a-password"), "pendek"), chromedp.Click(css(`form[action="/admin/agents"] button.primary`)))
	waitFor("admin summary", `document.activeElement.id === "errsummary" && location.pathname === "/admin/agents"`)
	shot("38-admin-galat")
}

// TestWebBrowserMailIsReadableOnAPhone renders every notice, in both
// languages, and loads its HTML as a page: accessible (axe-core), and no
// wider than a phone.
func TestWebBrowserMailIsReadableOnAPhone(t *testing.T) {
	c := newChrome(t)
	dir := t.TempDir()
	link := "http://helpdesk.kemsos.go.id/t/881358?token=881358.1234." + strings.Repeat("AbCdEfGh", 6)
	d := outbound.NoticeData{RecipientName: "Izzah Annisa", TicketNumber: "881358", Subject: "Pemindahan lokasi kantor PPKH Kabupaten Klaten",
		Topic: "Internet/Jaringan", Department: "Support", Status: "open", Priority: "normal", DueAt: time.Now().Add(48 * time.Hour),
		Body: "Permintaan pemindahan sudah kami terima.\nKami teruskan ke bagian Jaringan.", AgentName: "Sergio Petugas",
		Reason: "Ditangani bagian Jaringan", Link: link, BaseURL: "http://helpdesk.kemsos.go.id", HelpdeskName: "Helpdesk Pusdatin Kemsos",
		Attachments: []string{"Surat Permintaan pindah alamat VPN IP Kabupaten Klaten.pdf"}, Lines: []string{"#status selesai: dijalankan"},
		MailSubject: "Re: [#881358] Pemindahan lokasi", Items: []outbound.DigestItem{{Number: "881358", Token: "[#881358]",
			Subject: "Pemindahan lokasi kantor", What: "Tiket baru.", Link: link}}}
	do := c.do
	do("phone", chromedp.EmulateViewport(390, 844))
	for _, lang := range []string{"id", "en"} {
		for _, kind := range outbound.NoticeKinds {
			d.Lang = lang
			_, _, html, err := outbound.Render(kind, d)
			if err != nil {
				t.Fatal(err)
			}
			name := "mail-" + lang + "-" + string(kind)
			p := filepath.Join(dir, name+".html")
			if err := os.WriteFile(p, []byte(html), 0o644); err != nil {
				t.Fatal(err)
			}
			do(name, chromedp.Navigate("file://"+p))
			c.waitFor(name, `document.body.innerText.length > 0`)
			c.axe(name)
			c.fitsWidth(name)
			if kind == outbound.ResponseNotice || kind == outbound.StatusLink {
				c.shot("40-" + name)
			}
		}
	}
}

// fitsWidth fails the test when the page is wider than the window.
func (c *chrome) fitsWidth(what string) {
	c.t.Helper()
	if ok, _ := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); !ok {
		w, _ := chromedp.Run(c.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		c.t.Errorf("%s: %d px wide, wider than the window", what, w)
	}
}

// media emulates a CSS media type ("print"; "" for the screen again).
func (c *chrome) media(m string) {
	c.t.Helper()
	c.do("media "+m, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	}))
}
