package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

// TestWebBrowserWalksTheManual drives Chromium through the manual, in
// Indonesian: register (Gambar 3–6), sign in, open a ticket with two
// attachments and remove one before sending (Gambar 9–13), then an agent
// claims, responds and transfers it (Gambar 14–21), and the citizen follows
// the progress link from the mail (Gambar 17–18), switching to English.
func TestWebBrowserWalksTheManual(t *testing.T) {
	c := newChrome(t)
	e := newWebEnv(t)
	bg := context.Background()
	jar, err := e.store.CreateDepartment(bg, "Jaringan")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateAgent(bg, tickets.NewAgent{Email: "petugas@kemsos.go.id", Name: "Sergio Petugas", Password: "agen-rahasia-1", Departments: []string{"Support"}}); err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	surat := filepath.Join(files, "Surat Permintaan pindah alamat VPN IP Kabupaten Klaten.pdf")
	salah := filepath.Join(files, "salah-unggah.pdf")
	os.WriteFile(surat, append(pdf, make([]byte, 9700)...), 0o644)
	os.WriteFile(salah, pdf, 0o644)

	base := e.http.URL
	do, waitFor, hasText, css := c.do, c.waitFor, hasText, css
	// Each page the walk-through shows is also checked for accessibility.
	shot := func(name string) { c.t.Helper(); c.shot(name); c.axe(name) }
	ctx := c.ctx

	// Gambar 1–3: the start page, then registration with a mistake.
	do("landing", chromedp.Navigate(base+"/"))
	waitFor("landing", hasText("Buka Tiket Baru"))
	shot("01-beranda")
	do("to registration", chromedp.Click(css(`nav a[href="/register"]`)))
	waitFor("registration", hasText("Pendaftaran Akun"))
	do("fill registration",
		chromedp.SendKeys(css("#email"), "izzah.annisa@example.id"),
		chromedp.SendKeys(css("#name"), "Izzah Annisa"),
		chromedp.SendKeys(css("#address"), "Jalan Dulu Kijang No. 1, Klaten"),
		chromedp.SendKeys(css("#phone"), "081234567890"),
		chromedp.SendKeys(css("#password"), "rahasia-123"),
		chromedp.SendKeys(css("#confirm"), "rahasia-124"),
		chromedp.Click(css(`form[action="/register"] button[type=submit]`)))
	waitFor("field error", hasText("Kedua kata sandi tidak sama."))
	shot("02-pendaftaran-galat")
	if v, _ := chromedp.Run(ctx, chromedp.Value(css("#name"))); v != "Izzah Annisa" {
		t.Fatalf("typed name lost: %q", v)
	}
	do("fix passwords",
		chromedp.SendKeys(css("#password"), "rahasia-123"),
		chromedp.SendKeys(css("#confirm"), "rahasia-123"),
		chromedp.Click(css(`form[action="/register"] button[type=submit]`)))
	waitFor("registered", hasText("periksa email Anda"))
	shot("03-periksa-email")

	// Gambar 5–6: the link from the confirmation mail, as the outbox
	// delivered it into the dev outbox. Opening it changes nothing: its
	// form asks again for the password chosen at registration.
	do("confirmation link", chromedp.Navigate(base+mailedLink(t, e, "/account/confirm?token=")))
	waitFor("confirmation form", `!!document.querySelector("form[action='/account/confirm'] #password")`)
	if v, _ := chromedp.Run(ctx, chromedp.Value(css("#email"))); v != "izzah.annisa@example.id" {
		t.Fatalf("confirmation form shows %q", v)
	}
	do("wrong password",
		chromedp.SendKeys(css("#password"), "rahasia-999"),
		chromedp.Click(css(`form[action="/account/confirm"] button[type=submit]`)))
	waitFor("confirmation error", hasText("Kata sandi ini tidak sama dengan yang dibuat saat pendaftaran."))
	shot("03b-konfirmasi-kata-sandi")
	do("confirm",
		chromedp.SendKeys(css("#password"), "rahasia-123"),
		chromedp.Click(css(`form[action="/account/confirm"] button[type=submit]`)))
	waitFor("confirmed", hasText("Akun Anda sudah aktif"))
	shot("04-akun-aktif")

	// Gambar 7: sign in, where the confirmation leads.
	waitFor("sign-in page", `!!document.querySelector("#login")`)
	do("sign in",
		chromedp.SendKeys(css("#login"), "izzah.annisa@example.id"),
		chromedp.SendKeys(css("#password"), "rahasia-123"),
		chromedp.Click(css(`form[action="/login"] button[type=submit]`)))
	waitFor("signed in", hasText("Anda belum memiliki tiket."))

	// Gambar 9–12: the form, two files, one removed again.
	do("new ticket", chromedp.Navigate(base+"/tickets/new"))
	waitFor("form", `!!document.querySelector("#topic")`)
	do("fill ticket",
		chromedp.SetValue(css("#topic"), "5"),
		chromedp.SendKeys(css("#subject"), "Pemindahan lokasi kantor PPKH Kabupaten Klaten"),
		chromedp.SendKeys(css("#message"), "Dengan Hormat,\nBersama ini kami sampaikan permintaan pemindahan jaringan VPN IP lokasi kantor PPKH Kabupaten Klaten dari jalan Jawa 01 ke jalan Sunda 01.\nBersama ini terlampir surat dari kepala dinas sosial kabupaten Klaten"),
		chromedp.SetUploadFiles(css("#attachments"), []string{surat, salah}))
	waitFor("two files listed", `document.querySelectorAll(".filelist li").length === 2`)
	shot("05-tiket-baru-dua-berkas")
	do("remove one", chromedp.Click(css(`.filelist li:nth-child(2) button`)))
	waitFor("one file left", `document.querySelectorAll(".filelist li").length === 1 && document.querySelector("#attachments").files.length === 1`)
	do("mobile view", chromedp.EmulateViewport(390, 844))
	shot("06-tiket-baru-ponsel")
	do("desktop view", chromedp.EmulateViewport(1280, 900))
	do("send", chromedp.Click(css(`form[action="/tickets"] button[type=submit]`)))
	waitFor("ticket page", hasText("Tiket Anda telah dibuat"))
	shot("07-tiket-dibuat")
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	num := loc[strings.LastIndex(loc, "/")+1:]
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(body, "Tiket #"+num) || !strings.Contains(body, "Batas waktu") ||
		!strings.Contains(body, "Surat Permintaan pindah alamat VPN IP Kabupaten Klaten.pdf") || strings.Contains(body, "salah-unggah.pdf") {
		t.Fatalf("ticket page:\n%s", body)
	}
	// The profile behind the name in the menu: the registration's fields.
	do("to account", chromedp.Click(css(`nav a.who`)))
	waitFor("account page", hasText("Ganti kata sandi"))
	if v, _ := chromedp.Run(ctx, chromedp.Value(css("#phone"))); v != "081234567890" {
		t.Fatalf("account page phone: %q", v)
	}
	shot("07b-akun-saya")
	do("sign out", chromedp.Click(css(`form[action="/logout"] button`)))
	waitFor("signed out", hasText("Anda telah keluar."))

	// Gambar 14–15: the agent's queue and ticket; claim and respond.
	do("agent sign-in", chromedp.Navigate(base+"/login"), chromedp.Click(css(`a[href="/agent/login"]`)))
	waitFor("agent form", hasText("Masuk sebagai petugas helpdesk"))
	do("agent credentials",
		chromedp.SendKeys(css("#login"), "petugas@kemsos.go.id"),
		chromedp.SendKeys(css("#password"), "agen-rahasia-1"),
		chromedp.Click(css(`form[action="/agent/login"] button[type=submit]`)))
	waitFor("queue", hasText("Antrean Tiket")+" && "+hasText(num))
	shot("08-antrean")
	do("open ticket", chromedp.Click(css(`table.queue a[href="/agent/tickets/`+num+`"]`)))
	waitFor("agent ticket", hasText("Klaim"))
	do("claim", chromedp.Click(css(`form[action$="/claim"] button`)))
	waitFor("claimed", hasText("Tiket diklaim."))
	shot("09-tiket-petugas")
	do("respond",
		chromedp.SendKeys(css("#message"), "Permintaan pemindahan sudah kami terima dan kami teruskan ke bagian Jaringan."),
		chromedp.Click(css(`form[action$="/respond"] button[type=submit]`)))
	waitFor("responded", hasText("Tanggapan terkirim."))

	// Gambar 19–21: transfer with a reason.
	do("transfer form", chromedp.Click(css(`a[href$="/transfer"]`)))
	waitFor("transfer page", hasText("Transfer Tiket #"+num))
	do("transfer",
		chromedp.SetValue(css("#department"), strconv.Itoa(jar.ID)),
		chromedp.SendKeys(css("#reason"), "Pemindahan VPN ditangani bagian Jaringan"))
	shot("10-transfer")
	do("send transfer", chromedp.Click(css(`form[action$="/transfer"] button[type=submit]`)))
	waitFor("transferred", hasText("Tiket #"+num+" dialihkan ke Jaringan."))
	shot("11-transfer-berhasil")
	do("agent out", chromedp.Click(css(`form[action="/logout"] button`)))
	waitFor("agent signed out", hasText("Anda telah keluar."))

	// Gambar 17–18: the progress link from the response notice.
	do("guest link", chromedp.Navigate(base+mailedLink(t, e, "/t/"+num+"?token=")))
	waitFor("guest view", hasText("Permintaan pemindahan sudah kami terima")+" && "+hasText("Jaringan"))
	shot("12-tautan-progres")
	do("english", chromedp.Click(css(`form.lang button[value="en"]`)))
	waitFor("english", hasText("Post Reply")+" && "+hasText("Ticket #"+num))
	shot("13-progress-english")
}

// chrome is a headless Chromium for one test, with the helpers the
// walkthroughs use. Screenshots go to $HELPDESK_SCREENSHOTS when set.
type chrome struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func newChrome(t *testing.T) *chrome {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("SKIPPED LOUDLY: chromium not installed (apt-get install chromium)")
	}
	c := &chrome{t: t, shots: t.TempDir()}
	if d := os.Getenv("HELPDESK_SCREENSHOTS"); d != "" {
		c.shots = d
		os.MkdirAll(d, 0o755)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	c.ctx = ctx
	return c
}

func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, steps...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls a predicate across navigations (chromedp's Poll does not
// survive one).
func (c *chrome) waitFor(what, js string) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(c.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && (`+js+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			body, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			c.t.Fatalf("%s: timed out waiting for %s; page:\n%s", what, js, body)
		}
		time.Sleep(80 * time.Millisecond)
	}
}

func (c *chrome) shot(name string) {
	c.t.Helper()
	buf, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	os.WriteFile(filepath.Join(c.shots, name+".png"), buf, 0o644)
}

// text is the page's visible text.
func (c *chrome) text() string {
	body, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	return body
}

// signInAgent signs in through the agent form.
func (c *chrome) signInAgent(base, email, password string) {
	c.t.Helper()
	c.do("agent sign-in page", chromedp.Navigate(base+"/agent/login"))
	c.waitFor("agent form", `!!document.querySelector("#login")`)
	c.do("agent credentials",
		chromedp.SendKeys(css("#login"), email),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css(`form[action="/agent/login"] button[type=submit]`)))
	c.waitFor("queue", hasText("Antrean Tiket"))
}

func hasText(s string) string { return `document.body.innerText.includes(` + strconv.Quote(s) + `)` }

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

var mailLinkRe = regexp.MustCompile(`https?://[^/\s"<>]+(/[^\s"<>]+)`)

// mailedLink delivers the queued mail into the dev outbox and returns the
// path and query of the newest link there starting with prefix.
func mailedLink(t *testing.T, e *webEnv, prefix string) string {
	t.Helper()
	if _, err := e.ob.DeliverBatch(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	mails, err := outbound.ListDir(e.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		raw, err := outbound.ReadDir(e.cfg.DataDir, m.Name)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		text := string(raw)
		if body, err := io.ReadAll(msg.Body); err == nil {
			// Undo quoted-printable soft breaks and escapes, enough for a URL.
			text = strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(string(body))
		}
		for _, l := range mailLinkRe.FindAllStringSubmatch(text, -1) {
			if strings.HasPrefix(l[1], prefix) {
				return html.UnescapeString(l[1])
			}
		}
	}
	t.Fatalf("no mail in the outbox links to %s (%d mails)", prefix, len(mails))
	return ""
}
