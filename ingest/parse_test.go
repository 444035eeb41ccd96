package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
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

func TestParseFromFallsBackToSenderAndReturnPath(t *testing.T) {
	m := Parse([]byte("Sender: s@example.com\r\nReturn-Path: <r@example.com>\r\n\r\nx"), Limits{})
	if m.From.Email != "s@example.com" {
		t.Errorf("From = %+v, want Sender", m.From)
	}
	m = Parse([]byte("From: undisclosed\r\nReturn-Path: <R@example.com>\r\n\r\nx"), Limits{})
	if m.From.Email != "r@example.com" {
		t.Errorf("From = %+v, want Return-Path", m.From)
	}
	m = Parse([]byte("Return-Path: <>\r\nFrom: x@example.com\r\n\r\nx"), Limits{})
	if !m.EmptyReturnPath || m.ReturnPath != "<>" {
		t.Errorf("ReturnPath = %q empty = %v", m.ReturnPath, m.EmptyReturnPath)
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
