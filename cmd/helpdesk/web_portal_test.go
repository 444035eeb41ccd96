package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/tickets"
)

var pdf = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

// openViaWeb opens a ticket through the form and returns its number.
func openViaWeb(t *testing.T, b *browser, subject string, files ...upload) string {
	t.Helper()
	b.get("/tickets/new")
	r := b.postMultipart("/tickets", url.Values{"topic": {"3"}, "subject": {subject}, "message": {"Dengan hormat,\nmohon bantuan."}}, files...)
	if r.code != http.StatusSeeOther {
		t.Fatalf("open: %d %s", r.code, snippet(r.body))
	}
	return strings.TrimPrefix(r.h.Get("Location"), "/tickets/")
}

func TestWebOpenTicketShowsNumberAndDueDate(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("izzah@example.id", "Izzah Annisa")
	r := b.get("/tickets/new")
	for _, want := range []string{"izzah@example.id", "Izzah Annisa", "Data Terpadu", "Internet/Jaringan", `name="attachments"`, "Maksimal 10 MB per berkas"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	num := openViaWeb(t, b, "Pemindahan lokasi kantor PPKH Kabupaten Klaten",
		upload{"Surat Permintaan pindah alamat VPN IP Kabupaten Klaten.pdf", pdf}, upload{"foto.png", pngBytes()})
	r = b.get("/tickets/" + num)
	for _, want := range []string{"Tiket #" + num, "Tiket Anda telah dibuat", "Batas waktu", "Terbuka", "Support",
		"Surat Permintaan pindah alamat VPN IP Kabupaten Klaten.pdf", "foto.png", "Tiket dibuat oleh Izzah Annisa"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	if r := b.get("/tickets"); !strings.Contains(r.body, num) || !strings.Contains(r.body, "Pemindahan lokasi") {
		t.Error("my tickets does not list it")
	}
}

func pngBytes() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)
}

func TestWebTicketFormErrorKeepsTypedValuesAndAsksForFilesAgain(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("izzah@example.id", "Izzah Annisa")
	cases := []struct {
		name  string
		form  url.Values
		files []upload
		want  []string
	}{
		{"missing summary", url.Values{"topic": {"2"}, "subject": {""}, "message": {"Uraian yang panjang"}}, []upload{{"a.pdf", pdf}},
			[]string{"Uraian yang panjang", `value="2" selected`, "Ringkasan masalah wajib diisi.", "Pilih lagi sebelum mengirim", "<li>a.pdf</li>",
				`<a href="#subject">Ringkasan masalah: Ringkasan masalah wajib diisi.</a>`}},
		{"type not allowed", url.Values{"topic": {"2"}, "subject": {"Ringkasan"}, "message": {"isi"}}, []upload{{"virus.exe", []byte("MZ")}},
			[]string{`value="Ringkasan"`, `Jenis berkas &#34;virus.exe&#34; tidak diterima`}},
		{"image that is not one", url.Values{"topic": {"2"}, "subject": {"Ringkasan"}, "message": {"isi"}}, []upload{{"foto.jpg", []byte("<html>")}},
			[]string{`foto.jpg&#34; tidak diterima`}},
		{"file too big", url.Values{"topic": {"2"}, "subject": {"Ringkasan"}, "message": {"isi"}}, []upload{{"besar.pdf", make([]byte, tickets.MaxUploadSize+1)}},
			[]string{`besar.pdf&#34; melebihi 10 MB`}},
		{"too many files", url.Values{"topic": {"2"}, "subject": {"Ringkasan"}, "message": {"isi"}}, manyFiles(tickets.MaxUploads + 1),
			[]string{"Paling banyak 10 berkas."}},
		{"no topic", url.Values{"subject": {"Ringkasan"}, "message": {"isi"}}, nil, []string{"Pilih topik bantuan."}},
	}
	for _, c := range cases {
		b.get("/tickets/new")
		r := b.formFailed(b.postMultipart("/tickets", c.form, c.files...), "/tickets/new")
		for _, w := range c.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s: page lacks %q", c.name, w)
			}
		}
	}
	// Over the total: three files of 9 MB are refused whole (and the
	// request itself stays within the body limit).
	b.get("/tickets/new")
	big := make([]byte, 9<<20)
	r := b.postMultipart("/tickets", url.Values{"topic": {"2"}, "subject": {"S"}, "message": {"m"}}, upload{"1.pdf", big}, upload{"2.pdf", big}, upload{"3.pdf", big})
	if r.code == http.StatusSeeOther {
		r = b.follow(r)
	}
	if r.code != http.StatusRequestEntityTooLarge && !strings.Contains(r.body, "melebihi 25 MB") {
		t.Errorf("total over limit: %d %s", r.code, snippet(r.body))
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM tickets`)
	if n != 0 {
		t.Fatalf("%d tickets opened by failed forms", n)
	}
}

func manyFiles(n int) []upload {
	var out []upload
	for i := 0; i < n; i++ {
		out = append(out, upload{name: string(rune('a'+i)) + ".txt", data: []byte("x")})
	}
	return out
}

func TestWebCitizenCannotSeeAnotherCitizensTicket(t *testing.T) {
	e := newWebEnv(t)
	a := e.citizen("a@example.id", "Warga A")
	num := openViaWeb(t, a, "Milik A")
	bb := e.citizen("b@example.id", "Warga B")
	if r := bb.get("/tickets/" + num); r.code != http.StatusNotFound {
		t.Fatalf("other citizen's ticket: %d", r.code)
	}
	bb.get("/tickets")
	if r := bb.post("/tickets/"+num+"/reply", url.Values{"message": {"menyusup"}}); r.code != http.StatusNotFound {
		t.Fatalf("reply to other citizen's ticket: %d", r.code)
	}
	if r := bb.get("/tickets"); strings.Contains(r.body, num) {
		t.Fatal("listed in another citizen's tickets")
	}
}

func TestWebGuestLinkOpensOnlyItsTicketAndExpires(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	open := func(email, subject string) *tickets.Ticket {
		tk, _, err := e.store.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: email, Name: "Tamu"}, Subject: subject, Body: "isi", Source: tickets.SourceEmail})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	ta, tb := open("tamu@example.id", "Tiket A"), open("orang@example.id", "Tiket B")
	tokA := tickets.GuestToken(e.srv.web.secret, ta.Number, ta.OwnerID)
	g := e.browser()
	r := g.get("/t/" + ta.Number + "?token=" + url.QueryEscape(tokA))
	if r.code != 200 || !strings.Contains(r.body, "Tiket A") || r.h.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("guest view: %d %s", r.code, snippet(r.body))
	}
	if r := g.get("/t/" + tb.Number + "?token=" + url.QueryEscape(tokA)); r.code != http.StatusNotFound {
		t.Fatalf("A's token on B: %d", r.code)
	}
	if r := g.get("/t/" + ta.Number + "?token=" + url.QueryEscape(tokA[:len(tokA)-2]+"xx")); r.code != http.StatusNotFound {
		t.Fatalf("forged token: %d", r.code)
	}
	if r := g.get("/t/" + ta.Number); r.code != http.StatusNotFound {
		t.Fatalf("no token: %d", r.code)
	}
	// The guest replies as the owner.
	g.get("/t/" + ta.Number + "?token=" + url.QueryEscape(tokA))
	r = g.postMultipart("/t/"+ta.Number+"/reply", url.Values{"token": {tokA}, "message": {"Balasan dari tamu"}}, upload{"bukti.pdf", pdf})
	if r.code != http.StatusSeeOther {
		t.Fatalf("guest reply: %d %s", r.code, snippet(r.body))
	}
	if r := g.follow(r); !strings.Contains(r.body, "Balasan dari tamu") || !strings.Contains(r.body, "bukti.pdf") {
		t.Fatal("guest reply not shown")
	}
	// Posting B's reply with A's token fails.
	if r := g.post("/t/"+tb.Number+"/reply", url.Values{"token": {tokA}, "message": {"x"}}); r.code != http.StatusNotFound {
		t.Fatalf("reply on B with A's token: %d", r.code)
	}
	// Closed seven weeks ago: the link has run out.
	e.db.MustExec(`UPDATE tickets SET status = 'closed', closed_at = $2 WHERE id = $1`, ta.ID, time.Now().Add(-7*7*24*time.Hour))
	if r := g.get("/t/" + ta.Number + "?token=" + url.QueryEscape(tokA)); r.code != http.StatusNotFound {
		t.Fatalf("six weeks after closing: %d", r.code)
	}
	e.db.MustExec(`UPDATE tickets SET closed_at = $2 WHERE id = $1`, ta.ID, time.Now().Add(-24*time.Hour))
	if r := g.get("/t/" + ta.Number + "?token=" + url.QueryEscape(tokA)); r.code != 200 {
		t.Fatalf("closed yesterday: %d", r.code)
	}
}

var attLinkRe = regexp.MustCompile(`href="(/attachments/\d+[^"]*)"[^>]*>([^<]+)<`)

func attachmentLinks(body string) map[string]string {
	out := map[string]string{}
	for _, m := range attLinkRe.FindAllStringSubmatch(body, -1) {
		out[m[2]] = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return out
}

func TestWebNotesAndAttachmentsFollowTheAccessRules(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	owner := e.citizen("pemilik@example.id", "Pemilik")
	num := openViaWeb(t, owner, "Dengan lampiran", upload{"Surat résumé 2019.pdf", pdf})
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	ag.get("/agent/tickets/" + num)
	r := ag.postMultipart("/agent/tickets/"+num+"/note", url.Values{"message": {"RAHASIA-INTERNAL catatan"}}, upload{"internal.pdf", pdf})
	if r.code != http.StatusSeeOther {
		t.Fatalf("note: %d %s", r.code, snippet(r.body))
	}
	ag.get("/agent/tickets/" + num)
	if r := ag.postMultipart("/agent/tickets/"+num+"/respond", url.Values{"message": {"Tanggapan resmi"}, "status": {""}}, upload{"jawaban.pdf", pdf}); r.code != http.StatusSeeOther {
		t.Fatalf("respond: %d %s", r.code, snippet(r.body))
	}
	agentPage := ag.get("/agent/tickets/" + num)
	links := attachmentLinks(agentPage.body)
	if links["internal.pdf"] == "" || links["jawaban.pdf"] == "" || links["Surat résumé 2019.pdf"] == "" {
		t.Fatalf("agent page links: %v", links)
	}
	citizenPage := owner.get("/tickets/" + num)
	if strings.Contains(citizenPage.body, "RAHASIA-INTERNAL") || strings.Contains(citizenPage.body, "internal.pdf") {
		t.Fatal("the citizen sees the internal note")
	}
	if !strings.Contains(citizenPage.body, "Tanggapan resmi") {
		t.Fatal("the citizen does not see the response")
	}
	tk, _ := e.store.TicketByNumber(ctx, num)
	guest := e.browser()
	tok := url.QueryEscape(tickets.GuestToken(e.srv.web.secret, tk.Number, tk.OwnerID))
	stranger := e.citizen("orang@example.id", "Orang Lain")
	e.store.CreateDepartment(ctx, "Jaringan")
	otherAgent2, _ := e.agent("jaringan@kemsos.go.id", false, "Jaringan")
	cases := []struct {
		who  string
		b    *browser
		link string
		want int
	}{
		{"owner, message file", owner, links["Surat résumé 2019.pdf"], 200},
		{"owner, response file", owner, links["jawaban.pdf"], 200},
		{"owner, note file", owner, links["internal.pdf"], 404},
		{"agent, note file", ag, links["internal.pdf"], 200},
		{"stranger", stranger, links["jawaban.pdf"], 404},
		{"anonymous", e.browser(), links["jawaban.pdf"], 404},
		{"guest with token", guest, links["jawaban.pdf"] + "?token=" + tok, 200},
		{"guest with token, note file", guest, links["internal.pdf"] + "?token=" + tok, 404},
		{"agent of another department", otherAgent2, links["jawaban.pdf"], 404},
	}
	for _, c := range cases {
		r := c.b.get(c.link)
		if r.code != c.want {
			t.Errorf("%s: %d, want %d", c.who, r.code, c.want)
			continue
		}
		if r.code == 200 {
			if r.h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(r.h.Get("Content-Disposition"), "attachment;") {
				t.Errorf("%s: headers %v", c.who, r.h)
			}
		}
	}
	r = owner.get(links["Surat résumé 2019.pdf"])
	if cd := r.h.Get("Content-Disposition"); cd != `attachment; filename="Surat r_sum_ 2019.pdf"; filename*=UTF-8''Surat%20r%C3%A9sum%C3%A9%202019.pdf` {
		t.Errorf("content-disposition %q", cd)
	}
	if r.h.Get("Content-Type") != "application/pdf" || r.body != string(pdf) {
		t.Errorf("served %q, %d bytes", r.h.Get("Content-Type"), len(r.body))
	}
}

// A screenshot pasted into a mail (multipart/related, <img src="cid:...">)
// shows inside the message on the agent's page, served by the same
// access check as any attachment.
func TestInlineMailImagesShowInTheThread(t *testing.T) {
	e := newWebEnv(t)
	png := []byte("\x89PNG\r\n\x1a\n-tangkapan-layar-")
	raw := "From: Izzah <izzah@example.id>\r\nTo: helpdesk@kemsos.go.id\r\nSubject: Galat aplikasi SIKS-NG\r\n" +
		"Message-ID: <galat-1@example.id>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<p>Muncul galat ini:</p><img src=\"cid:image001.png@01DB3C2A\" alt=\"galat\">\r\n" +
		"--b1\r\nContent-Type: image/png; name=\"image001.png\"\r\nContent-ID: <image001.png@01DB3C2A>\r\n" +
		"Content-Disposition: inline; filename=\"image001.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(png) + "\r\n--b1--\r\n"
	in := ingest.NewIntake(e.store, ingest.IntakeOpts{Secret: []byte(e.cfg.Secret), OwnAddresses: []string{"helpdesk@kemsos.go.id"}})
	res, err := in.Deliver(t.Context(), []byte(raw), ingest.Source{Mailbox: "test"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e.agent("agen@kemsos.go.id", true)
	page := b.get("/agent/tickets/" + res.Ticket)
	m := regexp.MustCompile(`<img src="(/attachments/[0-9]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no inline image in the thread: %s", snippet(page.body))
	}
	if img := b.get(m[1]); img.code != 200 || img.body != string(png) || img.h.Get("Content-Type") != "image/png" {
		t.Errorf("inline image: %d %q %s", img.code, img.h.Get("Content-Type"), img.body)
	}
	if r := e.browser().get(m[1]); r.code == 200 {
		t.Error("a stranger fetched the inline image")
	}
}
