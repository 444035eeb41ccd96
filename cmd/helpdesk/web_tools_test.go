package main

// Ticket tools (issue 12) through the panel and the API: collaborators,
// topic, merge (and who may), collision safety, canned responses,
// signatures, callers, previews, the transfer reason and the mail problems.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

var bgt = context.Background()

// seenOf is the entry id a ticket page's forms send back as seen.
func seenOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="seen" value="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no seen field")
	}
	return m[1]
}

func TestWebCollaboratorsAreShownAddedAndRemoved(t *testing.T) {
	e := newWebEnv(t)
	tk := e.openViaAPI("Data DTKS tidak sesuai")
	ag, a := e.agent("petugas@kemsos.go.id", false, "Support")
	page := "/agent/tickets/" + tk.Number
	if r := ag.get(page); !strings.Contains(r.body, "Belum ada kolaborator.") {
		t.Fatalf("no collaborators box: %s", snippet(r.body))
	}
	r := ag.post(page+"/collaborators", url.Values{"email": {"bukan-alamat"}, "name": {"Kades"}})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Masukkan alamat email yang benar.") || !strings.Contains(r.body, `value="Kades"`) {
		t.Fatalf("bad address: %d %s", r.code, snippet(r.body))
	}
	r = ag.post(page+"/collaborators", url.Values{"email": {"fitri@yahoo.co.id"}})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Alamat ini milik pelapor") {
		t.Fatalf("the owner as collaborator: %d", r.code)
	}
	if r := ag.post(page+"/collaborators", url.Values{"email": {"kades@desa.example"}, "name": {"Kepala Desa"}}); r.code != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.code, snippet(r.body))
	}
	r = ag.get(page)
	if !strings.Contains(r.body, "Kepala Desa &lt;kades@desa.example&gt;") || !strings.Contains(r.body, a.Name+" menambahkan Kepala Desa &lt;kades@desa.example&gt; sebagai kolaborator") {
		t.Fatalf("after add: %s", snippet(r.body))
	}
	if r := ag.post(page+"/collaborators/remove", url.Values{"email": {"kades@desa.example"}}); r.code != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.code)
	}
	if nt, _ := e.store.TicketByNumber(bgt, tk.Number); len(nt.Collaborators) != 0 {
		t.Errorf("still %v", nt.Collaborators)
	}
	// An agent of another department reaches none of it.
	if _, err := e.store.CreateDepartment(bgt, "Keuangan"); err != nil {
		t.Fatal(err)
	}
	other, _ := e.agent("lain@kemsos.go.id", false, "Keuangan")
	other.get("/agent")
	if r := other.post(page+"/collaborators", url.Values{"email": {"mata@mata.example"}}); r.code != http.StatusNotFound {
		t.Errorf("another department adds a collaborator: %d", r.code)
	}
}

func TestWebTopicChangeIsAnEvent(t *testing.T) {
	e := newWebEnv(t)
	tk := e.openViaAPI("Jaringan lambat")
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	page := "/agent/tickets/" + tk.Number
	ag.get(page)
	topic, _ := e.store.TopicByName(bgt, "Email Kemsos")
	if r := ag.post(page+"/topic", url.Values{"topic": {strconv.Itoa(topic.ID)}}); r.code != http.StatusSeeOther {
		t.Fatalf("topic: %d %s", r.code, snippet(r.body))
	}
	if r := ag.get(page); !strings.Contains(r.body, "mengubah topik dari Internet/Jaringan menjadi Email Kemsos") {
		t.Errorf("no topic event: %s", snippet(r.body))
	}
	if r := ag.post(page+"/topic", url.Values{"topic": {""}}); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Pilih topik bantuan.") {
		t.Errorf("no topic: %d", r.code)
	}
}

// refersTicket opens, as mail does, a ticket of a stranger whose mail
// referred to tk.
func refersTicket(t *testing.T, e *webEnv, tk *tickets.Ticket) *tickets.Ticket {
	t.Helper()
	r, _, err := e.store.Open(bgt, tickets.OpenRequest{Owner: tickets.Address{Email: "kades@desa.example", Name: "Kepala Desa"},
		Subject: "Re: Data DTKS", Body: "Warga yang sama, mohon dibantu.", Source: tickets.SourceEmail, MessageID: "<kades@desa.example>", RefersTo: tk.ID})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWebMergeAsksThenMergesAndTheOldNumberLeadsToTheNew(t *testing.T) {
	e := newWebEnv(t)
	api := e.openViaAPI("Data DTKS tidak sesuai")
	dst, _ := e.store.TicketByNumber(bgt, api.Number)
	src := refersTicket(t, e, dst)
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	page := "/agent/tickets/" + src.Number
	r := ag.get(page)
	for _, want := range []string{"Tiket ini merujuk ke #" + dst.Number, "Gabungkan ke #" + dst.Number, "Tambahkan pengirim ke #" + dst.Number + " sebagai kolaborator"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("refers box lacks %q", want)
		}
	}
	// The first click asks; nothing is merged yet.
	r = ag.post(page+"/merge", url.Values{"into": {dst.Number}})
	if r.code != 200 || !strings.Contains(r.body, "Gabungkan #"+src.Number+" ke #"+dst.Number+"?") || !strings.Contains(r.body, "tidak dapat dibatalkan") {
		t.Fatalf("confirmation: %d %s", r.code, snippet(r.body))
	}
	if n, _ := e.store.TicketByID(bgt, src.ID); n.MergedInto.Valid {
		t.Fatal("merged before the confirmation")
	}
	r = ag.post(page+"/merge", url.Values{"into": {dst.Number}, "confirm": {"1"}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != "/agent/tickets/"+dst.Number {
		t.Fatalf("merge: %d %s", r.code, r.h.Get("Location"))
	}
	if r := ag.follow(r); !strings.Contains(r.body, "Tiket #"+src.Number+" digabungkan ke #"+dst.Number+".") ||
		!strings.Contains(r.body, "Warga yang sama, mohon dibantu.") || !strings.Contains(r.body, "kades@desa.example") {
		t.Errorf("after merge: %s", snippet(r.body))
	}
	// The old number: the panel redirects, the API answers the new ticket.
	if r := ag.get(page); r.code != http.StatusMovedPermanently || r.h.Get("Location") != "/agent/tickets/"+dst.Number {
		t.Errorf("old panel URL: %d %s", r.code, r.h.Get("Location"))
	}
	var got apiTicket
	if code := e.api("GET", "/api/v1/tickets/"+src.Number, nil, &got); code != 200 || got.Number != dst.Number {
		t.Errorf("API old number: %d %s", code, got.Number)
	}
	// The old progress link leads to the new ticket, with a link of its own.
	c := e.browser()
	link := "/t/" + src.Number + "?token=" + url.QueryEscape(tickets.GuestToken([]byte(e.cfg.Secret), src.Number, src.OwnerID))
	r = c.get(link)
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.h.Get("Location"), "/t/"+dst.Number+"?token=") {
		t.Fatalf("old progress link: %d %s", r.code, r.h.Get("Location"))
	}
	if r := c.follow(r); r.code != 200 || !strings.Contains(r.body, "Tiket #"+dst.Number) {
		t.Errorf("new progress page: %d", r.code)
	}
	// The citizen was told.
	var kinds []string
	e.db.Select(&kinds, `SELECT kind FROM outbox WHERE recipient = 'kades@desa.example' ORDER BY id`)
	if strings.Join(kinds, ",") != "ticket_autoresponse,ticket_merged" {
		t.Errorf("mail to the old ticket's sender: %v", kinds)
	}
	// A second submission of the form merges nothing twice.
	if r := ag.post(page+"/merge", url.Values{"into": {dst.Number}, "confirm": {"1"}}); r.code != http.StatusConflict {
		t.Errorf("merging the stub again: %d", r.code)
	}
}

func TestWebAddTheSenderAsCollaborator(t *testing.T) {
	e := newWebEnv(t)
	api := e.openViaAPI("Data DTKS tidak sesuai")
	dst, _ := e.store.TicketByNumber(bgt, api.Number)
	src := refersTicket(t, e, dst)
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	ag.get("/agent/tickets/" + src.Number)
	r := ag.post("/agent/tickets/"+src.Number+"/refers/add", nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("add sender: %d %s", r.code, snippet(r.body))
	}
	if r := ag.follow(r); !strings.Contains(r.body, "kades@desa.example kini kolaborator tiket #"+dst.Number) {
		t.Errorf("flash: %s", snippet(r.body))
	}
	if nt, _ := e.store.TicketByID(bgt, dst.ID); len(nt.Collaborators) != 1 || nt.Collaborators[0].Email != "kades@desa.example" {
		t.Errorf("collaborators of #%s: %v", dst.Number, nt.Collaborators)
	}
}

// TestWebMergeRespectsDepartments is the attacker: an agent of Keuangan
// who cannot see Support's tickets tries to merge out of one, into one,
// and to add a sender to one, by the panel and by the API.
func TestWebMergeRespectsDepartments(t *testing.T) {
	e := newWebEnv(t)
	keu, _ := e.store.CreateDepartment(bgt, "Keuangan")
	api := e.openViaAPI("Data DTKS tidak sesuai")
	support, _ := e.store.TicketByNumber(bgt, api.Number)
	mine := refersTicket(t, e, support)
	if err := e.store.Transfer(bgt, mine.ID, tickets.System, keu.ID, "dana"); err != nil {
		t.Fatal(err)
	}
	mal, _ := e.agent("mallory@kemsos.go.id", false, "Keuangan")
	mal.get("/agent")

	// Out of a ticket he cannot see: as if it did not exist.
	for _, form := range []url.Values{{"into": {mine.Number}}, {"into": {mine.Number}, "confirm": {"1"}}} {
		if r := mal.post("/agent/tickets/"+support.Number+"/merge", form); r.code != http.StatusNotFound {
			t.Errorf("merge out of Support: %d", r.code)
		}
	}
	// Into one: the same answer as for a number nobody has.
	var answers []string
	for _, into := range []string{support.Number, "999999"} {
		for _, form := range []url.Values{{"into": {into}}, {"into": {into}, "confirm": {"1"}}} {
			r := mal.post("/agent/tickets/"+mine.Number+"/merge", form)
			if r.code != http.StatusBadRequest || strings.Contains(r.body, "Gabungkan #") {
				t.Errorf("merge into %s: %d", into, r.code)
			}
			answers = append(answers, regexp.MustCompile(`id="into-err"[^>]*>([^<]*)<`).FindStringSubmatch(r.body)[1])
		}
	}
	for _, a := range answers {
		if a != answers[0] {
			t.Errorf("answers differ: %q", answers)
		}
	}
	// The refers box does not name the ticket he cannot see, nor add to it.
	if r := mal.get("/agent/tickets/" + mine.Number); strings.Contains(r.body, "Tiket ini merujuk ke") {
		t.Error("the refers box shows a ticket of another department")
	}
	if r := mal.post("/agent/tickets/"+mine.Number+"/refers/add", nil); r.code != http.StatusNotFound {
		t.Errorf("add the sender to another department's ticket: %d", r.code)
	}
	// The API, acting as him.
	var out apiErr
	if code := e.api("POST", "/api/v1/tickets/"+support.Number+"/merge", map[string]string{"into": mine.Number, "agent_email": "mallory@kemsos.go.id"}, &out); code != http.StatusForbidden {
		t.Errorf("API merge out of Support: %d %+v", code, out)
	}
	if code := e.api("POST", "/api/v1/tickets/"+mine.Number+"/merge", map[string]string{"into": support.Number, "agent_email": "mallory@kemsos.go.id"}, &out); code != http.StatusBadRequest || out.Fields["into"] != tickets.MsgNoSuchTicket {
		t.Errorf("API merge into Support: %d %+v", code, out)
	}
	if code := e.api("PATCH", "/api/v1/tickets/"+support.Number, map[string]any{"add_collaborators": []string{"mata@mata.example"}, "agent_email": "mallory@kemsos.go.id"}, &out); code != http.StatusForbidden {
		t.Errorf("API add a collaborator to Support: %d", code)
	}
	for _, tk := range []*tickets.Ticket{support, mine} {
		if n, _ := e.store.TicketByID(bgt, tk.ID); n.MergedInto.Valid || len(n.Collaborators) != 0 {
			t.Errorf("#%s changed: %+v", tk.Number, n)
		}
	}
}

func TestWebStaleResponseComesBackWithWhatWasNewAndTyped(t *testing.T) {
	e := newWebEnv(t)
	tk := e.openViaAPI("Data DTKS tidak sesuai")
	budi, _ := e.agent("budi@kemsos.go.id", false, "Support")
	sari, sariA := e.agent("sari@kemsos.go.id", false, "Support")
	page := "/agent/tickets/" + tk.Number
	r := budi.get(page)
	seen := seenOf(t, r.body)
	// Sari opens it too: each sees the other.
	if r := sari.get(page); !strings.Contains(r.body, "Juga sedang membuka tiket ini: Petugas budi") {
		t.Errorf("Sari is not told Budi has it open: %s", snippet(r.body))
	}
	sseen := seenOf(t, sari.get(page).body)
	if r := sari.postMultipart(page+"/respond", url.Values{"message": {"Data sudah kami perbaiki."}, "seen": {sseen}}); r.code != http.StatusSeeOther {
		t.Fatalf("Sari responds: %d %s", r.code, snippet(r.body))
	}
	// Budi's heartbeat says so.
	budi.get(page) // (a fresh CSRF token; the page's seen stays the old one)
	req, _ := http.NewRequest("POST", budi.base+page+"/presence", strings.NewReader("csrf="+url.QueryEscape(budi.csrf)+"&seen="+seen))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hb := budi.do(req)
	var pj presenceJSON
	// (Her response, and her claim that came with it.)
	if err := json.Unmarshal([]byte(hb.body), &pj); err != nil || hb.code != 200 || len(pj.New) != 2 || !strings.Contains(pj.New[0], sariA.Name+" mengirim tanggapan") ||
		!strings.Contains(pj.Viewers, sariA.Name) {
		t.Fatalf("heartbeat %d %q %v", hb.code, hb.body, err)
	}
	// Budi sends from his old page: it comes back, nothing sent.
	r = budi.postMultipart(page+"/respond", url.Values{"message": {"Mohon kirim KK."}, "status": {"resolved"}, "seen": {seen}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "Tanggapan Anda belum dikirim") || !strings.Contains(r.body, "Mohon kirim KK.") ||
		!strings.Contains(r.body, `class="entry response new"`) || !strings.Contains(r.body, `value="resolved" selected`) {
		t.Fatalf("stale response: %d %s", r.code, snippet(r.body))
	}
	es, _ := e.store.Thread(bgt, mustTicket(t, e, tk.Number).ID, true)
	for _, en := range es {
		if strings.Contains(en.Body, "Mohon kirim KK.") {
			t.Fatal("the stale response was posted")
		}
	}
	// Confirmed from the page that came back: sent.
	if r := budi.postMultipart(page+"/respond", url.Values{"message": {"Mohon kirim KK."}, "seen": {seenOf(t, r.body)}}); r.code != http.StatusSeeOther {
		t.Fatalf("confirmed response: %d", r.code)
	}
	// A status change from a stale page likewise.
	r = sari.post(page+"/status", url.Values{"status": {"closed"}, "seen": {sseen}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "Status belum diubah") || !strings.Contains(r.body, `value="closed" selected`) {
		t.Fatalf("stale status: %d %s", r.code, snippet(r.body))
	}
	if mustTicket(t, e, tk.Number).Status != tickets.StatusOpen {
		t.Fatal("the stale status change was made")
	}
	if r := sari.post(page+"/status", url.Values{"status": {"closed"}, "seen": {seenOf(t, r.body)}}); r.code != http.StatusSeeOther {
		t.Fatalf("confirmed status: %d", r.code)
	}
}

func mustTicket(t *testing.T, e *webEnv, number string) *tickets.Ticket {
	t.Helper()
	tk, err := e.store.TicketByNumber(bgt, number)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestWebCannedResponsesAndSignature(t *testing.T) {
	e := newWebEnv(t)
	tk := e.openViaAPI("Data DTKS tidak sesuai")
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	ad, _ := e.agent("admin@kemsos.go.id", true)
	if r := ag.get("/admin/canned"); r.code != http.StatusForbidden {
		t.Errorf("a plain agent on /admin/canned: %d", r.code)
	}
	ad.get("/admin/canned")
	if r := ad.post("/admin/canned", url.Values{"title": {"Salam"}, "department": {"1"}, "body": {"Yth. {nama}, tiket #{nomor} kami terima."}}); r.code != http.StatusSeeOther {
		t.Fatalf("add canned: %d %s", r.code, snippet(r.body))
	}
	if r := ad.post("/admin/canned", url.Values{"title": {""}, "body": {""}}); r.code != http.StatusSeeOther {
		t.Errorf("empty canned: %d", r.code)
	} else if r := ad.follow(r); !strings.Contains(r.body, "Judul: Beri judul jawaban ini.") || !strings.Contains(r.body, "Teks: Tulis teks jawaban ini.") {
		t.Errorf("empty canned's errors: %s", snippet(r.body))
	}
	page := "/agent/tickets/" + tk.Number
	r := ag.get(page)
	want := "Yth. Izzah Annisa, tiket #" + tk.Number + " kami terima."
	if !strings.Contains(r.body, `data-text="`+want+`"`) {
		t.Fatalf("canned option: %s", snippet(r.body))
	}
	cs, _ := e.store.CannedResponses(bgt)
	// Without JavaScript: the page again, the text after what was typed.
	r = ag.postMultipart(page+"/canned", url.Values{"message": {"Terima kasih."}, "canned": {strconv.Itoa(cs[0].ID)}, "seen": {seenOf(t, r.body)}})
	if r.code != 200 || !strings.Contains(r.body, "Terima kasih.\n\n"+want+"</textarea>") {
		t.Fatalf("insert: %d %s", r.code, snippet(r.body))
	}
	// A signature, then a response ending with it. One too long comes
	// back to the page with what was typed.
	ag.get("/agent/account")
	long := strings.Repeat("panjang ", tickets.MaxSignature/8+1)
	if r := ag.post("/agent/account/signature", url.Values{"signature": {long}}); r.code != http.StatusSeeOther {
		t.Fatalf("long signature: %d", r.code)
	} else if r := ag.follow(r); !strings.Contains(r.body, "Tanda tangan: Teks terlalu panjang.") || !strings.Contains(r.body, long[:80]) {
		t.Errorf("long signature's page: %s", snippet(r.body))
	}
	if r := ag.post("/agent/account/signature", url.Values{"signature": {"Petugas Helpdesk\nPusdatin Kemsos"}}); r.code != http.StatusSeeOther {
		t.Fatalf("signature: %d %s", r.code, snippet(r.body))
	}
	if r := ag.get("/agent/account?saved=signature"); !strings.Contains(r.body, "Tanda tangan Anda sudah disimpan.") || !strings.Contains(r.body, "Pusdatin Kemsos</textarea>") {
		t.Errorf("account page: %s", snippet(r.body))
	}
	r = ag.get(page)
	if !strings.Contains(r.body, `name="signature" value="1" checked`) {
		t.Fatalf("no signature box: %s", snippet(r.body))
	}
	if r := ag.postMultipart(page+"/respond", url.Values{"message": {"Sudah kami cek."}, "signature": {"1"}, "seen": {seenOf(t, r.body)}}); r.code != http.StatusSeeOther {
		t.Fatalf("respond: %d %s", r.code, snippet(r.body))
	}
	es, _ := e.store.Thread(bgt, mustTicket(t, e, tk.Number).ID, false)
	var body string
	for _, en := range es {
		if en.Kind == tickets.KindResponse {
			body = en.Body
		}
	}
	if body != "Sudah kami cek.\n\n-- \nPetugas Helpdesk\nPusdatin Kemsos" {
		t.Errorf("response %q", body)
	}
}

func TestWebTicketForACallerWithAndWithoutEmail(t *testing.T) {
	e := newWebEnv(t)
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	if r := ag.get("/agent/tickets/new"); r.code != 200 || !strings.Contains(r.body, "Buka tiket untuk penelepon atau tamu") {
		t.Fatalf("form: %d", r.code)
	}
	topic, _ := e.store.TopicByName(bgt, "Bantuan Umum")
	r := ag.postMultipart("/agent/tickets/new", url.Values{"via": {"phone"}, "name": {""}, "email": {"salah"}, "topic": {""}, "subject": {"Bansos"}, "message": {"Isi"}})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Nama wajib diisi.") || !strings.Contains(r.body, "Masukkan alamat email yang benar.") || !strings.Contains(r.body, "Pilih topik bantuan.") {
		t.Fatalf("bad caller form: %d %s", r.code, snippet(r.body))
	}
	r = ag.postMultipart("/agent/tickets/new", url.Values{"via": {"phone"}, "name": {"Pak Slamet"}, "phone": {"081234567890"},
		"topic": {strconv.Itoa(topic.ID)}, "subject": {"Bantuan belum diterima"}, "message": {"Menelepon: bantuan Maret belum diterima."}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("open: %d %s", r.code, snippet(r.body))
	}
	num := strings.TrimPrefix(r.h.Get("Location"), "/agent/tickets/")
	p := ag.follow(r)
	for _, want := range []string{"Tiket #" + num + " telah dibuat", "(tanpa email)", "telepon", "081234567890", "dari panggilan telepon"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("caller's ticket page lacks %q", want)
		}
	}
	var n int
	e.db.Get(&n, `SELECT count(*) FROM outbox WHERE recipient LIKE '%.invalid'`)
	if n != 0 {
		t.Errorf("%d mails to a caller without email", n)
	}
	r = ag.postMultipart("/agent/tickets/new", url.Values{"via": {"walkin"}, "name": {"Bu Wati"}, "email": {"wati@desa.example"},
		"topic": {strconv.Itoa(topic.ID)}, "subject": {"Datang ke loket"}, "message": {"Membawa surat."}}, upload{"surat.pdf", pdf})
	if r.code != http.StatusSeeOther {
		t.Fatalf("walk-in: %d %s", r.code, snippet(r.body))
	}
	var kinds []string
	e.db.Select(&kinds, `SELECT kind FROM outbox WHERE recipient = 'wati@desa.example'`)
	if strings.Join(kinds, ",") != "ticket_autoresponse" {
		t.Errorf("the walk-in with an address: %v", kinds)
	}
	var got apiTicket
	e.api("GET", "/api/v1/tickets/"+strings.TrimPrefix(r.h.Get("Location"), "/agent/tickets/"), nil, &got)
	if got.Source != "walkin" || len(got.Entries) == 0 || len(got.Entries[0].Attachments) != 1 {
		t.Errorf("API: %+v", got)
	}
}

func pngOf(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for x := range 320 {
		for y := range 240 {
			img.Set(x, y, color.RGBA{uint8(x * 3 / 4), 90, uint8(y), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestWebPreviewsOnlyRealImagesAndPDFsInline(t *testing.T) {
	e := newWebEnv(t)
	shot := pngOf(t)
	tk, _, err := e.store.Open(bgt, tickets.OpenRequest{Owner: tickets.Address{Email: "siti@desa.example", Name: "Siti"}, Subject: "Foto KK",
		Body: "Terlampir.", BodyHTML: `<p>Lihat <img src="cid:tempel@x" alt="tempel"></p>`, Source: tickets.SourceEmail, MessageID: "<foto@desa.example>",
		Attachments: []tickets.NewAttachment{
			{Name: "kk.png", ContentType: "image/png", Data: shot},
			{Name: "tempel.png", ContentType: "image/png", Data: shot, Inline: true, ContentID: "<tempel@x>"},
			{Name: "gambar.svg", ContentType: "image/svg+xml", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
			{Name: "palsu.png", ContentType: "image/png", Data: []byte(`<html><script>alert(1)</script></html>`)},
			{Name: "surat.pdf", ContentType: "application/pdf", Data: pdf},
		}})
	if err != nil {
		t.Fatal(err)
	}
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	r := ag.get("/agent/tickets/" + tk.Number)
	es, _ := e.store.Thread(bgt, tk.ID, true)
	ids := map[string]string{}
	for _, a := range es[0].Attachments {
		ids[a.Name] = strconv.FormatInt(a.ID, 10)
	}
	// A thumbnail for what claims to be a raster image (palsu.png claims
	// it; below, the server refuses to show its bytes inline), none for SVG.
	if !strings.Contains(r.body, `<img src="/attachments/`+ids["kk.png"]+`?inline=1"`) || strings.Contains(r.body, `src="/attachments/`+ids["gambar.svg"]) ||
		!strings.Contains(r.body, `<img src="/attachments/`+ids["palsu.png"]+`?inline=1"`) {
		t.Errorf("thumbnails: %s", snippet(r.body[strings.Index(r.body, `class="atts"`):]))
	}
	if strings.Contains(r.body, ">tempel.png<") || !strings.Contains(r.body, `src="/attachments/`+ids["tempel.png"]+`"`) {
		t.Error("the pasted image is listed again, or not shown in the text")
	}
	if !strings.Contains(r.body, `href="/attachments/`+ids["surat.pdf"]+`?inline=1" target="_blank" rel="noopener">Lihat PDF`) {
		t.Error("no PDF view link")
	}
	for name, want := range map[string]string{"kk.png": "inline image/png", "surat.pdf": "inline application/pdf",
		"gambar.svg": "attachment image/svg+xml", "palsu.png": "attachment image/png"} {
		r := ag.get("/attachments/" + ids[name] + "?inline=1")
		disp, _, _ := strings.Cut(r.h.Get("Content-Disposition"), ";")
		if got := disp + " " + r.h.Get("Content-Type"); r.code != 200 || got != want || r.h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s inline: %d %q, want %q", name, r.code, got, want)
		}
		if disp == "inline" && !strings.Contains(r.h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s inline under %q", name, r.h.Get("Content-Security-Policy"))
		}
	}
	// The same access check as downloads.
	if _, err := e.store.CreateDepartment(bgt, "Keuangan"); err != nil {
		t.Fatal(err)
	}
	other, _ := e.agent("lain@kemsos.go.id", false, "Keuangan")
	for _, b := range []*browser{other, e.browser()} {
		if r := b.get("/attachments/" + ids["kk.png"] + "?inline=1"); r.code != http.StatusNotFound {
			t.Errorf("a stranger's preview: %d", r.code)
		}
	}
}

func TestWebMailProblemsSayKindsAndReasonsInIndonesian(t *testing.T) {
	e := newWebEnv(t)
	tk, _, err := e.store.Open(bgt, tickets.OpenRequest{Owner: tickets.Address{Email: "cuti@desa.example"}, Subject: "Saya cuti", Body: "Cuti.",
		Source: tickets.SourceEmail, Quiet: true, QuietReason: "the mail was automatic (Auto-Submitted: auto-replied): the helpdesk does not answer it"})
	if err != nil {
		t.Fatal(err)
	}
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	r := ag.get("/agent/tickets/" + tk.Number)
	box := r.body[strings.Index(r.body, `class="card problems"`):]
	box = box[:strings.Index(box, "</section>")]
	if !strings.Contains(box, "Tanda terima tiket") || !strings.Contains(box, "Email yang masuk adalah email otomatis (Auto-Submitted: auto-replied), jadi tidak dibalas.") ||
		strings.Contains(box, "ticket_autoresponse") || strings.Contains(box, "the helpdesk does not answer") {
		t.Errorf("problems box: %s", box)
	}
}

func TestWebTransferTellsTheCitizenOnlyWhenTicked(t *testing.T) {
	e := newWebEnv(t)
	jar, _ := e.store.CreateDepartment(bgt, "Jaringan")
	owner := e.citizen("izzah@example.id", "Izzah Annisa")
	num := openViaWeb(t, owner, "VPN kantor putus")
	ad, _ := e.agent("admin@kemsos.go.id", true)
	ad.get("/agent/tickets/" + num + "/transfer")
	if r := ad.post("/agent/tickets/"+num+"/transfer", url.Values{"department": {strconv.Itoa(jar.ID)}, "reason": {"Kabel di Klaten putus"}, "tell": {"1"}}); r.code != http.StatusSeeOther {
		t.Fatalf("transfer: %d %s", r.code, snippet(r.body))
	}
	if r := owner.get("/tickets/" + num); !strings.Contains(r.body, "Kabel di Klaten putus") {
		t.Error("the citizen was to be told the reason")
	}
	var kinds []string
	e.db.Select(&kinds, `SELECT kind FROM outbox WHERE recipient = 'izzah@example.id' AND ticket_id IS NOT NULL ORDER BY id`)
	if strings.Join(kinds, ",") != "ticket_autoresponse,ticket_transferred" {
		t.Errorf("mail to the citizen: %v", kinds)
	}
}

func TestAPIPatchTopicAndCollaboratorsInOneTransaction(t *testing.T) {
	e := newTestEnv(t)
	tk := e.openViaAPI("Data DTKS tidak sesuai")
	var got apiTicket
	code := e.api("PATCH", "/api/v1/tickets/"+tk.Number, map[string]any{"topic": "Data Terpadu", "priority": "high",
		"add_collaborators": []string{"kades@desa.example", "sekdes@desa.example"}}, &got)
	if code != 200 || *got.Topic != "Data Terpadu" || len(got.Collaborators) != 2 || got.Priority != "high" {
		t.Fatalf("patch: %d %+v", code, got)
	}
	// One bad field and nothing changes.
	var out apiErr
	code = e.api("PATCH", "/api/v1/tickets/"+tk.Number, map[string]any{"topic": "Bantuan Umum",
		"remove_collaborators": []string{"kades@desa.example", "orang@lain.example"}}, &out)
	if code != http.StatusBadRequest || out.Fields["remove_collaborators[1]"] == "" {
		t.Fatalf("bad patch: %d %+v", code, out)
	}
	e.api("GET", "/api/v1/tickets/"+tk.Number, nil, &got)
	if *got.Topic != "Data Terpadu" || len(got.Collaborators) != 2 {
		t.Errorf("a refused patch changed the ticket: %+v", got)
	}
	if code := e.api("PATCH", "/api/v1/tickets/"+tk.Number, map[string]any{"remove_collaborators": []string{"kades@desa.example"}}, &got); code != 200 || len(got.Collaborators) != 1 {
		t.Errorf("remove: %d %+v", code, got.Collaborators)
	}
	// Who wrote each entry: the API names the author of every one.
	var events []string
	for _, en := range got.Entries {
		if en.Kind == "event" {
			events = append(events, *en.Event)
		}
		if en.Kind == "message" && en.Author.Email != "fitri@yahoo.co.id" {
			t.Errorf("message author %+v", en.Author)
		}
	}
	if want := "[created topic collaborator_added collaborator_added priority collaborator_removed]"; fmt.Sprint(events) != want {
		t.Errorf("events %v, want %s", events, want)
	}
}

func TestAPIMergeAnswersTheTicketItWentInto(t *testing.T) {
	e := newTestEnv(t)
	a := e.openViaAPI("Data DTKS tidak sesuai")
	b := e.openViaAPI("Data DTKS masih salah")
	var got apiTicket
	if code := e.api("POST", "/api/v1/tickets/"+b.Number+"/merge", map[string]string{"into": a.Number}, &got); code != 200 || got.Number != a.Number {
		t.Fatalf("merge: %d %s", code, got.Number)
	}
	var raw map[string]any
	if code := e.api("GET", "/api/v1/tickets/"+b.Number, nil, &raw); code != 200 || raw["number"] != a.Number ||
		len(raw["merged_from"].([]any)) != 1 || raw["merged_from"].([]any)[0] != b.Number {
		t.Errorf("GET old number: %d %v %v", code, raw["number"], raw["merged_from"])
	}
	var out apiErr
	if code := e.api("POST", "/api/v1/tickets/"+b.Number+"/merge", map[string]string{"into": a.Number}, &out); code != http.StatusConflict {
		t.Errorf("merge again: %d %+v", code, out)
	}
	if code := e.api("POST", "/api/v1/tickets/"+a.Number+"/merge", map[string]string{}, &out); code != http.StatusBadRequest || out.Fields["into"] == "" {
		t.Errorf("merge into nothing: %d %+v", code, out)
	}
	// The list shows one ticket, not the stub.
	var list struct {
		Tickets []apiTicket `json:"tickets"`
	}
	e.api("GET", "/api/v1/tickets", nil, &list)
	if len(list.Tickets) != 1 {
		t.Errorf("%d tickets listed", len(list.Tickets))
	}
}

// TestMergedTicketsMailStillReachesAndProves: end to end over SMTP, a
// stranger's letter about Siti's ticket becomes a ticket of its own; once
// merged, the stranger is told, a reply to the old ticket's mail lands on
// the merged one as proven by possession and alerts the agent, and the
// next response is one mail to Siti with the stranger in Cc.
func TestMergedTicketsMailStillReachesAndProves(t *testing.T) {
	e := newAttackEnv(t)
	tk, auto := e.citizenTicket()
	e.send(e.letter("Kami membenarkan laporan Ibu Siti.", "From: Kepala Desa <kades@desa.example>", "Subject: Re: Bantuan PKH belum cair",
		"In-Reply-To: <"+auto.messageID+">"))
	var other string
	e.db.Get(&other, `SELECT number FROM tickets WHERE refers_to = $1`, tk.ID)
	autoB := to(e.flush(), "kades@desa.example")
	if other == "" || len(autoB) != 1 {
		t.Fatalf("the stranger's letter: ticket %q, %d autoresponses", other, len(autoB))
	}
	if _, err := e.store.Merge(bgc, tickets.AgentActor(e.budi), other, tk.Number); err != nil {
		t.Fatal(err)
	}
	told := to(e.flush(), "kades@desa.example")
	if len(told) != 1 || !strings.Contains(told[0].subject, "[#"+tk.Number+"]") || !strings.Contains(told[0].text, "#"+other) {
		t.Fatalf("merge notice: %+v", told)
	}
	e.send(e.letter("Berikut surat keterangan desa.", "From: kades@desa.example", "Subject: Re: [#"+other+"] Bantuan PKH belum cair",
		"In-Reply-To: <"+autoB[0].messageID+">"))
	var reply *tickets.Entry
	es := e.entries(tk)
	for i := range es {
		if strings.Contains(es[i].Body, "surat keterangan desa") {
			reply = &es[i]
		}
	}
	if reply == nil || reply.Auth.String != "possession" || reply.AuthorEmail.String != "kades@desa.example" {
		t.Fatalf("the reply to the old ticket's mail: %+v", reply)
	}
	alert := alertTo(t, e.flush(), "budi@kemsos.go.id", tk)
	if !strings.Contains(alert.subject, "Pesan baru") || !strings.Contains(alert.text, "Kepala Desa <kades@desa.example> menulis") {
		t.Errorf("alert: %s\n%s", alert.subject, alert.text)
	}
	before := len(e.sink.Mails())
	if _, err := e.store.Respond(bgc, tk.ID, e.budi, tickets.Post{Body: "Terima kasih, Bapak/Ibu."}); err != nil {
		t.Fatal(err)
	}
	e.flush()
	ms := e.sink.Mails()[before:]
	if len(ms) != 2 {
		t.Fatalf("%d response mails, want one copy each for Siti and the Kades", len(ms))
	}
	for _, m := range ms {
		raw := string(m.Data)
		if !strings.Contains(raw, "\r\nTo: \"Siti Aminah\" <siti@desa.example>\r\n") || !strings.Contains(raw, "\r\nCc: \"Kepala Desa\" <kades@desa.example>\r\n") {
			t.Errorf("copy to %v does not read To: Siti, Cc: the Kades:\n%s", m.To, raw[:strings.Index(raw, "\r\n\r\n")])
		}
	}
}
