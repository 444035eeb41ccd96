package outbound

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	_ "github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"
)

func sampleMail() *Mail {
	return &Mail{
		From:          Address{"Helpdesk Kemsos", "helpdesk@kemsos.go.id"},
		To:            []Address{{"Budi Santoso", "budi@example.com"}},
		Cc:            []Address{{"Siti Rahayu", "siti@example.org"}},
		ReplyTo:       Address{"Helpdesk Kemsos", "helpdesk@kemsos.go.id"},
		Subject:       "[#881358] Pemindahan lokasi kantor — mohon bantuan",
		MessageID:     "20240501.abc@kemsos.go.id",
		InReplyTo:     "orig@mail.example.com",
		References:    []string{"first@mail.example.com", "orig@mail.example.com"},
		Date:          time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("WIB", 7*3600)),
		AutoSubmitted: "auto-replied",
		Headers:       map[string]string{"X-Helpdesk-Ticket": "881358"},
		Text:          "Yth. Bapak Budi,\n\nTerima kasih — permohonan diterima.\n",
		HTML:          "<p>Yth. Bapak Budi,</p><p>Terima kasih — permohonan diterima.</p>",
		Attachments: []Attachment{
			{Filename: "surat.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 fake")},
			{Filename: "Pemindahan kantor – ringkasan ñ.txt", ContentType: "text/plain", Data: []byte("ringkasan")},
		},
	}
}

type parsedMail struct {
	header      gomail.Header
	texts       map[string]string // content type -> body
	attachments map[string]string // filename -> body
}

func parseBack(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	checkWireFormat(t, raw)
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p := parsedMail{header: r.Header, texts: map[string]string{}, attachments: map[string]string{}}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			ct, _, _ := h.ContentType()
			p.texts[ct] = string(body)
		case *gomail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Fatalf("filename: %v", err)
			}
			p.attachments[name] = string(body)
		}
	}
	return p
}

// checkWireFormat enforces RFC 5322 §2.1.1 and §2.3 on the bytes we send.
func checkWireFormat(t *testing.T, raw []byte) {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d is %d octets long", i+1, len(line))
		}
	}
}

func TestComposeRoundTripsThroughParser(t *testing.T) {
	m := sampleMail()
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := parseBack(t, raw)
	h := p.header

	if got, _ := h.Subject(); got != m.Subject {
		t.Errorf("Subject = %q, want %q", got, m.Subject)
	}
	if id, _ := h.MessageID(); id != m.MessageID {
		t.Errorf("Message-ID = %q", id)
	}
	if ids, _ := h.MsgIDList("In-Reply-To"); len(ids) != 1 || ids[0] != m.InReplyTo {
		t.Errorf("In-Reply-To = %q", ids)
	}
	if ids, _ := h.MsgIDList("References"); strings.Join(ids, " ") != strings.Join(m.References, " ") {
		t.Errorf("References = %q", ids)
	}
	from, _ := h.AddressList("From")
	if len(from) != 1 || from[0].Name != "Helpdesk Kemsos" || from[0].Address != "helpdesk@kemsos.go.id" {
		t.Errorf("From = %v", from)
	}
	to, _ := h.AddressList("To")
	if len(to) != 1 || to[0].Address != "budi@example.com" {
		t.Errorf("To = %v", to)
	}
	cc, _ := h.AddressList("Cc")
	if len(cc) != 1 || cc[0].Address != "siti@example.org" {
		t.Errorf("Cc = %v", cc)
	}
	if d, _ := h.Date(); !d.Equal(m.Date) {
		t.Errorf("Date = %v", d)
	}
	for k, want := range map[string]string{
		"Auto-Submitted":           "auto-replied",
		"X-Auto-Response-Suppress": "All",
		"X-Helpdesk-Ticket":        "881358",
		"Mime-Version":             "1.0",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if mt, _, _ := h.ContentType(); mt != "multipart/mixed" {
		t.Errorf("Content-Type = %q", mt)
	}
	if got := p.texts["text/plain"]; got != strings.ReplaceAll(m.Text, "\n", "\r\n") {
		t.Errorf("text part = %q", got)
	}
	if got := p.texts["text/html"]; got != m.HTML {
		t.Errorf("html part = %q", got)
	}
	for _, a := range m.Attachments {
		if got, ok := p.attachments[a.Filename]; !ok || got != string(a.Data) {
			t.Errorf("attachment %q = %q (present %v); have %v", a.Filename, got, ok, p.attachments)
		}
	}
	// The ticket token must stay readable in the raw header for filters.
	if !bytes.Contains(raw, []byte("Subject: [#881358] Pemindahan lokasi kantor =?utf-8?q?")) {
		t.Errorf("raw Subject does not keep the token in clear:\n%s", raw)
	}
	if !bytes.Contains(raw, []byte("filename*=utf-8''Pemindahan%20kantor%20%E2%80%93")) &&
		!bytes.Contains(raw, []byte("filename*0*=utf-8''Pemindahan%20kantor%20%E2%80%93")) {
		t.Errorf("non-ASCII filename is not RFC 2231 encoded:\n%s", raw)
	}
}

func TestComposeStructureFollowsContent(t *testing.T) {
	tests := []struct {
		name     string
		html     bool
		attach   bool
		wantType string
	}{
		{"text only", false, false, "text/plain"},
		{"text and html", true, false, "multipart/alternative"},
		{"text and attachment", false, true, "multipart/mixed"},
		{"everything", true, true, "multipart/mixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMail()
			if !tt.html {
				m.HTML = ""
			}
			if !tt.attach {
				m.Attachments = nil
			}
			raw, err := m.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			p := parseBack(t, raw)
			if mt, params, _ := p.header.ContentType(); mt != tt.wantType {
				t.Errorf("Content-Type = %q", mt)
			} else if mt == "text/plain" && params["charset"] != "utf-8" {
				t.Errorf("charset = %q", params["charset"])
			}
			if _, ok := p.texts["text/plain"]; !ok {
				t.Error("no text/plain part")
			}
			if _, ok := p.texts["text/html"]; ok != tt.html {
				t.Errorf("html part present = %v", ok)
			}
			if len(p.attachments) > 0 != tt.attach {
				t.Errorf("attachments = %v", p.attachments)
			}
		})
	}
}

func TestComposeRefusesHeaderInjection(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Mail)
	}{
		{"subject", func(m *Mail) { m.Subject = "Halo\r\nBcc: victim@example.com" }},
		{"subject LF", func(m *Mail) { m.Subject = "Halo\nBcc: victim@example.com" }},
		{"from name", func(m *Mail) { m.From.Name = "Helpdesk\r\nX-Evil: 1" }},
		{"to address", func(m *Mail) { m.To[0].Email = "budi@example.com\r\nBcc: x@y" }},
		{"cc name", func(m *Mail) { m.Cc[0].Name = "Siti\nX-Evil: 1" }},
		{"reply-to", func(m *Mail) { m.ReplyTo.Email = "a@b\n" }},
		{"message-id", func(m *Mail) { m.MessageID = "a@b>\r\nX-Evil: <c@d" }},
		{"in-reply-to", func(m *Mail) { m.InReplyTo = "a@b\r\n" }},
		{"references", func(m *Mail) { m.References = []string{"ok@x", "bad@x\nX: y"} }},
		{"extra header value", func(m *Mail) { m.Headers["X-Helpdesk-Ticket"] = "1\r\nBcc: x@y" }},
		{"extra header name", func(m *Mail) { m.Headers["X-Evil:\r\nBcc"] = "x" }},
		{"extra header overrides From", func(m *Mail) { m.Headers["from"] = "evil@example.com" }},
		{"attachment name", func(m *Mail) { m.Attachments[0].Filename = "a.pdf\r\nX: y" }},
		{"missing message-id", func(m *Mail) { m.MessageID = "" }},
		{"message-id with brackets", func(m *Mail) { m.MessageID = "<a@b>" }},
		{"no recipients", func(m *Mail) { m.To, m.Cc = nil, nil }},
		{"bad auto-submitted", func(m *Mail) { m.AutoSubmitted = "no" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMail()
			tt.mutate(m)
			raw, err := m.Bytes()
			if !errors.Is(err, ErrInvalidMail) {
				t.Fatalf("err = %v, want ErrInvalidMail; message:\n%s", err, raw)
			}
		})
	}
}

func TestComposeHandWrittenMailHasNoAutoHeaders(t *testing.T) {
	m := sampleMail()
	m.AutoSubmitted = ""
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	h := parseBack(t, raw).header
	if h.Has("Auto-Submitted") || h.Has("X-Auto-Response-Suppress") {
		t.Errorf("hand-written mail carries automatic headers:\n%s", raw)
	}
}

func TestComposeAutoGenerated(t *testing.T) {
	m := sampleMail()
	m.AutoSubmitted = "auto-generated"
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	h := parseBack(t, raw).header
	if h.Get("Auto-Submitted") != "auto-generated" || h.Get("X-Auto-Response-Suppress") != "All" {
		t.Errorf("headers:\n%s", raw)
	}
}

func TestComposeLongNamesAndLinesStayWithinLimits(t *testing.T) {
	m := sampleMail()
	long := strings.Repeat("Laporan penyaluran bantuan sosial triwulan ", 8) + "— ringkasan.pdf"
	m.Attachments = []Attachment{{Filename: long, Data: bytes.Repeat([]byte{0xff, 0x00}, 5000)}}
	m.Text = strings.Repeat("x", 5000) + "\r\n" + strings.Repeat("é", 3000)
	m.Subject = strings.Repeat("Pengaduan sangat panjang ", 40) + "ñ"
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := parseBack(t, raw)
	if _, ok := p.attachments[long]; !ok {
		t.Errorf("long filename lost; have %v", p.attachments)
	}
	if got, _ := p.header.Subject(); got != m.Subject {
		t.Errorf("Subject = %q", got)
	}
	if got := p.texts["text/plain"]; got != strings.ReplaceAll(m.Text, "\n", "\r\n") && got != m.Text {
		t.Errorf("text changed, %d bytes", len(got))
	}
}

func TestComposeDefaultsDateToNow(t *testing.T) {
	m := sampleMail()
	m.Date = time.Time{}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	h := parseBack(t, raw).header
	d, err := h.Date()
	if err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date = %v, %v", d, err)
	}
}

func FuzzComposeRoundTrip(f *testing.F) {
	f.Add("[#881358] Pemindahan kantor", "Budi Ñ", "halo\nbaris", "résumé.pdf")
	f.Add("=?utf-8?q?x?=", "\"quoted\" name", "\r\n.\r\n", "a\"b\\c.txt")
	f.Fuzz(func(t *testing.T, subject, name, text, filename string) {
		m := sampleMail()
		m.Subject, m.To[0].Name, m.Text = subject, name, text
		m.Attachments[0].Filename = filename
		raw, err := m.Bytes()
		if err != nil {
			if !errors.Is(err, ErrInvalidMail) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		checkWireFormat(t, raw)
		if _, err := gomail.CreateReader(bytes.NewReader(raw)); err != nil {
			t.Fatalf("cannot parse our own output: %v", err)
		}
	})
}

func BenchmarkCompose(b *testing.B) {
	m := sampleMail()
	m.Text = strings.Repeat("Terima kasih atas laporan Anda. ", 60)
	m.HTML = "<p>" + m.Text + "</p>"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
