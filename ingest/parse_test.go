package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"
	"github.com/kemsos/helpdesk/tickets"
)

func TestParseReadsThreadingHeaders(t *testing.T) {
	raw := "From: \"Budi, S.Kom\" <Budi@Example.COM>\r\n" +
		"Reply-To: Budi Lain <budi2@example.com>\r\n" +
		"To: helpdesk@kemsos.go.id, Agen <agen1@kemsos.go.id>\r\nCc: c@example.com\r\n" +
		"Subject: =?windows-1252?Q?Caf=E9?=   =?koi8-r?B?8NLJ18XU?=\r\n" +
		"Date: Mon, 3 Mar 2025 09:12:00 +0700\r\n" +
		"Message-ID:  <ABC.123@Mail.Example.COM> \r\n" +
		"In-Reply-To: <reply-1@Helpdesk.Kemsos.go.id>\r\n" +
		"References: <a@x.example> (comment) <b@X.Example>\r\n <c@x.example>\r\n" +
		"Return-Path: <budi@example.com>\r\n\r\nIsi\r\n"
	m := Parse([]byte(raw), Limits{})
	if m.MessageID != "ABC.123@mail.example.com" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if !reflect.DeepEqual(m.InReplyTo, []string{"reply-1@helpdesk.kemsos.go.id"}) {
		t.Errorf("InReplyTo = %v", m.InReplyTo)
	}
	if !reflect.DeepEqual(m.References, []string{"a@x.example", "b@x.example", "c@x.example"}) {
		t.Errorf("References = %v", m.References)
	}
	if m.From != (Address{Name: "Budi, S.Kom", Email: "budi@example.com"}) {
		t.Errorf("From = %+v", m.From)
	}
	if len(m.To) != 2 || m.To[1].Email != "agen1@kemsos.go.id" || len(m.Cc) != 1 || len(m.ReplyTo) != 1 {
		t.Errorf("To = %+v Cc = %+v ReplyTo = %+v", m.To, m.Cc, m.ReplyTo)
	}
	if m.Subject != "CaféПривет" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Date.IsZero() || m.Date.UTC().Hour() != 2 {
		t.Errorf("Date = %v", m.Date)
	}
	if m.ReturnPath != "<budi@example.com>" || m.EmptyReturnPath {
		t.Errorf("ReturnPath = %q empty=%v", m.ReturnPath, m.EmptyReturnPath)
	}
}

func TestParseNeverInventsMessageID(t *testing.T) {
	for _, v := range []string{"", "<>", "   ", "< >"} {
		m := Parse([]byte("From: a@example.com\r\nMessage-ID: "+v+"\r\n\r\nx"), Limits{})
		if m.MessageID != "" {
			t.Errorf("Message-ID %q gave %q", v, m.MessageID)
		}
	}
}

// readMailFixture reads one of the project's own fixtures.
func readMailFixture(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata/mail", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseFindsSenderInFromSenderReplyToReturnPath(t *testing.T) {
	tests := []struct {
		name   string
		raw    []byte
		from   Address
		header string
	}{
		{"broken From, Reply-To", readMailFixture(t, "broken-from-reply-to.eml"),
			Address{Name: "Dinas Sosial Kab. Contoh", Email: "budi.santoso@example.id"}, "Reply-To"},
		{"Sender only", readMailFixture(t, "no-from-sender.eml"),
			Address{Name: "Operator Dinsos", Email: "operator@dinsos.example.id"}, "Sender"},
		{"Reply-To only", readMailFixture(t, "no-from-reply-to.eml"),
			Address{Name: "Siti Aminah", Email: "siti.aminah@example.id"}, "Reply-To"},
		{"Return-Path only", readMailFixture(t, "no-from-return-path.eml"),
			Address{Email: "warga123@example.id"}, "Return-Path"},
		{"From wins", []byte("From: A <A@example.id>\r\nSender: s@example.id\r\nReply-To: r@example.id\r\nReturn-Path: <p@example.id>\r\n\r\nx"),
			Address{Name: "A", Email: "a@example.id"}, "From"},
		{"Sender before Reply-To", []byte("From: Budi <>\r\nSender: s@example.id\r\nReply-To: r@example.id\r\n\r\nx"),
			Address{Name: "Budi", Email: "s@example.id"}, "Sender"},
		{"Reply-To before Return-Path", []byte("Reply-To: R <r@example.id>\r\nReturn-Path: <p@example.id>\r\n\r\nx"),
			Address{Name: "R", Email: "r@example.id"}, "Reply-To"},
		{"unusable From address", []byte("From: <@>\r\nReply-To: r@example.id\r\n\r\nx"),
			Address{Email: "r@example.id"}, "Reply-To"},
		{"phrase-only From keeps its name", []byte("From: undisclosed\r\nReturn-Path: <R@example.com>\r\n\r\nx"),
			Address{Name: "undisclosed", Email: "r@example.com"}, "Return-Path"},
		{"no address anywhere", []byte("From: \"X\" <>\r\nReturn-Path: <>\r\n\r\nx"),
			Address{Name: "X"}, ""},
		{"no header", []byte("\r\nx"), Address{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(tt.raw, Limits{})
			if m.From != tt.from || m.FromHeader != tt.header {
				t.Errorf("From = %+v from %q, want %+v from %q", m.From, m.FromHeader, tt.from, tt.header)
			}
		})
	}
}

func TestParseEmptyReturnPath(t *testing.T) {
	m := Parse([]byte("Return-Path: <>\r\nFrom: x@example.com\r\n\r\nx"), Limits{})
	if !m.EmptyReturnPath || m.ReturnPath != "<>" || m.FromHeader != "From" {
		t.Errorf("ReturnPath = %q empty = %v FromHeader = %q", m.ReturnPath, m.EmptyReturnPath, m.FromHeader)
	}
}

// A quoted local part is an address (RFC 5322 section 3.4.1), whichever
// parser reads it: RFC 5322 (go-message) or the lenient fallback.
func TestParseKeepsQuotedLocalPart(t *testing.T) {
	tests := []struct {
		from, name, email string
		lenient           bool // RFC 5322 parsing fails, the fallback reads it
	}{
		{`"Budi Santoso"@example.id`, "", `"budi santoso"@example.id`, false},
		{`Undian <"Millions Lottery"@Example.com>`, "Undian", `"millions lottery"@example.com`, false},
		{`"say \"hi\""@example.id`, "", `"say \"hi\""@example.id`, false},
		{`"a@b"@example.id`, "", `"a@b"@example.id`, false},
		// RFC 5321 section 4.1.2: no more quoting than needed.
		{`"budi"@example.id`, "", "budi@example.id", false},
		{`Undian <"Millions Lottery"@example.com> [PEMENANG]`, "Undian", `"millions lottery"@example.com`, true},
		{`"Millions  Lottery"@example.com <rusak`, "", `"millions  lottery"@example.com`, true},
		// RFC 5322 section 4.4 (obsolete syntax): folding whitespace
		// between the local part and "@".
		{`Budi Santoso <"budi santoso" @ example.id> x`, "Budi Santoso", `"budi santoso"@example.id`, true},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			if _, err := gomail.ParseAddressList(tt.from); (err != nil) != tt.lenient {
				t.Fatalf("RFC 5322 parse error = %v, want lenient = %v", err, tt.lenient)
			}
			m := Parse([]byte("From: "+tt.from+"\r\nTo: helpdesk@kemsos.go.id\r\n\r\nx"), Limits{})
			if tt.email == "" {
				if m.FromHeader != "" {
					t.Errorf("From = %+v from %q, want none", m.From, m.FromHeader)
				}
				return
			}
			if m.From != (Address{Name: tt.name, Email: tt.email}) || m.FromHeader != "From" {
				t.Errorf("From = %+v from %q, want %q <%s>", m.From, m.FromHeader, tt.name, tt.email)
			}
			if got := tickets.NormalizeEmail(m.From.Email); got != tt.email {
				t.Errorf("NormalizeEmail(%q) = %q", m.From.Email, got)
			}
		})
	}
}

func TestParseQuotedLocalPartFixtures(t *testing.T) {
	m := Parse(readMailFixture(t, "quoted-local-part.eml"), Limits{})
	if m.From.Email != `"budi santoso"@example.id` || m.FromHeader != "From" {
		t.Errorf("From = %+v from %q", m.From, m.FromHeader)
	}
	var to []string
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		to = append(to, a.Email)
	}
	want := []string{"helpdesk@kemsos.go.id", `"tim data"@kemsos.go.id`, `"millions lottery"@example.com`}
	if !reflect.DeepEqual(to, want) {
		t.Errorf("To+Cc = %q, want %q", to, want)
	}
	m = Parse(readMailFixture(t, "quoted-local-part-lenient.eml"), Limits{})
	if m.From != (Address{Name: "Undian Berhadiah", Email: `"millions lottery"@example.com`}) {
		t.Errorf("lenient From = %+v", m.From)
	}
}

func TestLenientAddressesReadQuotedLocalParts(t *testing.T) {
	tests := []struct {
		in   string
		want []Address
	}{
		{`"Millions Lottery"@example.com`, []Address{{Email: `"millions lottery"@example.com`}}},
		{`Undian <"Millions Lottery"@example.com>`, []Address{{Name: "Undian", Email: `"millions lottery"@example.com`}}},
		{`X < budi @ example.id >`, []Address{{Name: "X", Email: "budi@example.id"}}},
		{`"a b"@example.id c@example.id`, []Address{{Email: `"a b"@example.id`}, {Email: "c@example.id"}}},
		{`"unterminated@example.id`, []Address{{Email: "unterminated@example.id"}}},
	}
	for _, tt := range tests {
		if got := lenientAddresses(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lenientAddresses(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// The intake's tests use these two: they must parse as two different
// letters that share one Message-ID.
func TestParseReusedMessageIDFixtures(t *testing.T) {
	a := Parse(readMailFixture(t, "reused-msgid-1.eml"), Limits{})
	b := Parse(readMailFixture(t, "reused-msgid-2.eml"), Limits{})
	if a.MessageID == "" || a.MessageID != b.MessageID {
		t.Fatalf("Message-IDs %q and %q, want one", a.MessageID, b.MessageID)
	}
	if a.From.Email == b.From.Email || a.Subject == b.Subject || a.Text == b.Text || a.Date.Equal(b.Date) {
		t.Errorf("letters too alike: %+v %q / %+v %q", a.From, a.Subject, b.From, b.Subject)
	}
	for _, m := range []*Message{a, b} {
		if m.FromHeader != "From" || m.Auto != Human || len(m.ParseErrors) > 0 || m.Text == "" {
			t.Errorf("%s: FromHeader %q Auto %v errors %q", m.Subject, m.FromHeader, m.Auto, m.ParseErrors)
		}
	}
}

func TestParseToleratesMalformedFrom(t *testing.T) {
	tests := []struct{ from, email string }{
		{"Bob Dunite <bob@extern> Alice <alice@intern>", "bob@extern"},
		{"John Q. Public <jqp@example.com>", "jqp@example.com"},
		{"user@example.com (User Name)", "user@example.com"},
		{"\"unterminated <x@example.com>", "x@example.com"},
		{"a@b@c <d@example.com>", "d@example.com"},
		{"Nama [mailto:nama@example.com]", "nama@example.com"},
	}
	for _, tt := range tests {
		m := Parse([]byte("From: "+tt.from+"\r\n\r\nx"), Limits{})
		if m.From.Email != tt.email {
			t.Errorf("From %q: Email = %q, want %q", tt.from, m.From.Email, tt.email)
		}
	}
}

func TestParseDecodesRFC2231Latin1Filename(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nCV terlampir\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename*=iso-8859-1''r%E9sum%E9.txt\r\n\r\nisi\r\n" +
		"--b\r\nContent-Type: application/pdf; name*0*=utf-8''surat%20;\r\n name*1*=keputusan.pdf\r\n\r\n%PDF\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--b--\r\n"
	m := Parse([]byte(raw), Limits{})
	var names []string
	for _, a := range m.Attachments {
		names = append(names, a.Filename)
	}
	want := []string{"résumé.txt", "surat keputusan.pdf", "attachment-3.png"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if m.Text != "CV terlampir" {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestParseHTMLOnlyMailBecomesReadableText(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><title>T</title><style>p{color:red}</style><script>alert(1)</script></head><body>" +
		"<p>Yth. Helpdesk,</p><p>Saya tidak bisa <b>login</b>.<br>Mohon bantuan.</p>" +
		"<ul><li>Nama: Siti</li><li>NIK: 3201</li></ul>" +
		"<p>Lihat <a href=\"https://siks.kemsos.go.id/faq\">FAQ</a> dan <a href=\"mailto:x@y.id\">x@y.id</a></p></body></html>"
	m := Parse([]byte(raw), Limits{})
	want := "Yth. Helpdesk,\n\nSaya tidak bisa login.\nMohon bantuan.\n\n- Nama: Siti\n- NIK: 3201\n\nLihat FAQ (https://siks.kemsos.go.id/faq) dan x@y.id"
	if m.Text != want {
		t.Errorf("Text =\n%q\nwant\n%q", m.Text, want)
	}
	if m.HTML == "" || strings.Contains(m.HTML, "script") || strings.Contains(m.HTML, "alert") {
		t.Errorf("HTML = %q", m.HTML)
	}
}

func TestParsePrefersPlainAlternative(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
		"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTeks biasa\r\n" +
		"--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Teks <b>HTML</b></p>\r\n--a--\r\n"
	m := Parse([]byte(raw), Limits{})
	if m.Text != "Teks biasa" || !strings.Contains(m.HTML, "<b>HTML</b>") {
		t.Errorf("Text = %q HTML = %q", m.Text, m.HTML)
	}
}

func TestSanitizedHTMLDropsRemoteImages(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: multipart/related; boundary=r\r\n\r\n" +
		"--r\r\nContent-Type: text/html\r\n\r\n" +
		"<p>Foto: <img src=\"cid:foto1@x\" alt=\"ktp\"> <img src=\"https://tracker.example/p.gif\" alt=\"logo toko\">" +
		"<img src=\"//tracker.example/q.gif\"><img src=\"data:image/png;base64,iVBORw0KGgo=\"></p>" +
		"<a href=\"javascript:alert(1)\" onclick=\"x()\">klik</a>\r\n" +
		"--r\r\nContent-Type: image/jpeg\r\nContent-ID: <foto1@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--r--\r\n"
	m := Parse([]byte(raw), Limits{})
	for _, bad := range []string{"tracker.example", "javascript", "onclick"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML keeps %q: %s", bad, m.HTML)
		}
	}
	for _, good := range []string{`src="cid:foto1@x"`, "logo toko", "data:image/png"} {
		if !strings.Contains(m.HTML, good) {
			t.Errorf("HTML lacks %q: %s", good, m.HTML)
		}
	}
	if len(m.Attachments) != 1 || !m.Attachments[0].Inline || m.Attachments[0].ContentID != "foto1@x" {
		t.Errorf("Attachments = %+v", m.Attachments)
	}
}

func TestParseStripsHelpdeskHeaders(t *testing.T) {
	raw := "From: a@example.com\r\nX-Helpdesk-Loop: forged\r\nx-helpdesk-ticket: 881358\r\nX-Mailer: Foo\r\nSubject: Hi\r\n\r\nx"
	m := Parse([]byte(raw), Limits{})
	if !m.ForgedHelpdeskHeaders {
		t.Error("ForgedHelpdeskHeaders = false")
	}
	for k := range m.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-helpdesk-") {
			t.Errorf("Header keeps %s", k)
		}
	}
	if m.Header["X-Mailer"] != "Foo" {
		t.Errorf("Header = %v", m.Header)
	}
	if m.contents.hdr.has("X-Helpdesk-Loop") || m.contents.hdr.has("X-Helpdesk-Ticket") {
		t.Error("parsed header keeps X-Helpdesk-*")
	}
	clean := Parse([]byte("From: a@example.com\r\n\r\nx"), Limits{})
	if clean.ForgedHelpdeskHeaders {
		t.Error("ForgedHelpdeskHeaders on a clean mail")
	}
}

func TestParseLenientBodies(t *testing.T) {
	tests := []struct {
		name, raw, text string
		errs            bool
	}{
		{"no content type", "From: a@example.com\r\n\r\nHalo saja", "Halo saja", false},
		{"utf-8 declared us-ascii", "Content-Type: text/plain; charset=us-ascii\r\n\r\nTerima kasih — Bu Siti ☺", "Terima kasih — Bu Siti ☺", false},
		{"latin-1 without charset", "Content-Type: text/plain\r\n\r\nCaf\xe9", "Café", false},
		{"multipart without boundary", "Content-Type: multipart/mixed\r\n\r\nHanya teks", "Hanya teks", true},
		{"missing final boundary", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nIsi\r\n", "Isi", true},
		{"params without semicolons", "Content-Type: text/plain charset=koi8-r format=fixed\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", false},
		{"doubled charset", "Content-Type: text/plain; charset='charset=windows-1252'\r\n\r\n\x93kutip\x94", "“kutip”", false},
		{"html meta charset", "Content-Type: text/html\r\n\r\n<meta charset=\"windows-1250\"><p>\x9eluva</p>", "žluva", false},
		{"unknown transfer encoding", "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-weird\r\n\r\nmentah", "mentah", true},
		{"bad base64", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGFsbw==!!!", "Halo", true},
		{"invalid utf-8", "Content-Type: text/plain; charset=utf-8\r\n\r\nok \xff\xfe ok", "ok ÿþ ok", true},
		{"bare CR line ends", "From: a@example.com\rSubject: Mac\r\rBaris satu\rBaris dua", "Baris satu\nBaris dua", false},
		{"header only", "From: a@example.com\r\nSubject: x", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse([]byte(tt.raw), Limits{})
			if m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if (len(m.ParseErrors) > 0) != tt.errs {
				t.Errorf("ParseErrors = %q, want errors=%v", m.ParseErrors, tt.errs)
			}
		})
	}
}

func TestParseNamesEveryAttachmentAndKeepsBadBase64(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: application/msword; name=\"laporan.doc\"\r\nContent-Transfer-Encoding: base64\r\n\r\n0M8R4K#GxGuE\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\r\n\r\nx\r\n" +
		"--b--\r\n"
	m := Parse([]byte(raw), Limits{})
	if len(m.Attachments) != 2 || m.Attachments[0].Filename != "laporan.doc" || len(m.Attachments[0].Data) == 0 {
		t.Fatalf("Attachments = %+v", m.Attachments)
	}
	if m.Attachments[1].Filename != "passwd" {
		t.Errorf("Filename = %q, want path stripped", m.Attachments[1].Filename)
	}
	if len(m.ParseErrors) != 1 || !strings.Contains(m.ParseErrors[0], "laporan.doc") {
		t.Errorf("ParseErrors = %q", m.ParseErrors)
	}
}

func TestParseLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n")
	b.WriteString(strings.Repeat("é", 100))
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "\r\n--b\r\nContent-Type: application/pdf; name=f%d.pdf\r\n\r\nx", i)
	}
	b.WriteString("\r\n--b--\r\n")
	m := Parse([]byte(b.String()), Limits{MaxAttachments: 3, MaxTextBytes: 51})
	if len(m.Attachments) != 3 || !m.Truncated {
		t.Errorf("attachments = %d truncated = %v", len(m.Attachments), m.Truncated)
	}
	if len(m.Text) > 51 || !utf8.ValidString(m.Text) {
		t.Errorf("Text = %q (%d bytes)", m.Text, len(m.Text))
	}
	if len(m.ParseErrors) != 2 {
		t.Errorf("ParseErrors = %q", m.ParseErrors)
	}
}

func TestParseKeepsHeadersWorthStoring(t *testing.T) {
	raw := "From: a@example.com\r\nPrecedence: bulk\r\nList-Id: <l.example.com>\r\nUser-Agent: Mutt\r\nX-Spam: yes\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n\r\nx"
	m := Parse([]byte(raw), Limits{})
	want := map[string]string{"Precedence": "bulk", "List-Id": "<l.example.com>", "User-Agent": "Mutt", "Content-Type": "text/plain; charset=utf-8"}
	if !reflect.DeepEqual(m.Header, want) {
		t.Errorf("Header = %v, want %v", m.Header, want)
	}
}
