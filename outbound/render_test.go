package outbound

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kemsos/helpdesk/templates"
)

func noticeData(lang string) NoticeData {
	return NoticeData{
		Lang:          lang,
		RecipientName: "Budi Santoso",
		TicketNumber:  "881358",
		Subject:       "Pemindahan lokasi kantor",
		Topic:         "Bantuan Umum",
		Department:    "Support",
		Status:        "Open",
		Priority:      "Normal",
		DueAt:         time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC),
		Body:          "Mohon dicek <script>alert(1)</script> & dibalas",
		AgentName:     "Sari",
		Reason:        "Bukan <b>wewenang</b> kami",
		Link:          "https://helpdesk.kemsos.go.id/tickets/881358?token=abc",
		BaseURL:       "https://helpdesk.kemsos.go.id",
		HelpdeskName:  "Helpdesk Kemsos",
		Attachments:   []string{"surat <1>.pdf"},
		Lines:         []string{"Ditolak <karena> alasan"},
		MailSubject:   "Re: [#881358] Pemindahan",
		Items: []DigestItem{{Number: "881358", Token: "[#881358]", Subject: "Pemindahan <lokasi>", What: "Tiket diterima",
			Link: "https://helpdesk.kemsos.go.id/tickets/881358?token=abc"}},
	}
}

// showsDue lists the kinds whose templates show the due date.
var showsDue = map[NoticeKind]bool{
	TicketAutoresponse: true, TicketReopened: true,
	AlertNewTicket: true, AlertTransfer: true, AlertAssigned: true, AlertOverdue: true,
}

// showsBody lists the kinds whose templates show the Body text.
var showsBody = map[NoticeKind]bool{
	ResponseNotice: true, StatusResolved: true, StatusClosed: true,
	AlertNewTicket: true, AlertAssigned: true,
}

func TestRenderEveryKindInBothLanguages(t *testing.T) {
	for _, lang := range []string{"id", "en"} {
		marker := map[string]string{"id": ReplyMarkerID, "en": ReplyMarkerEN}[lang]
		for _, kind := range NoticeKinds {
			t.Run(lang+"/"+string(kind), func(t *testing.T) {
				subject, text, html, err := Render(kind, noticeData(lang))
				if err != nil {
					t.Fatal(err)
				}
				if subject == "" || strings.ContainsAny(subject, "\r\n") {
					t.Errorf("subject = %q", subject)
				}
				if kind.AboutTicket() && !strings.HasPrefix(subject, "[#881358] ") {
					t.Errorf("subject %q lacks the ticket token", subject)
				}
				if kind.Repliable() {
					if !strings.HasPrefix(text, marker+"\n") {
						t.Errorf("text does not start with the reply marker:\n%s", text)
					}
				} else if strings.Contains(text, "##-") {
					t.Errorf("non-repliable notice carries a reply marker:\n%s", text)
				}
				if strings.Contains(text, "<no value>") || strings.Contains(html, "<no value>") {
					t.Error("a template used a missing field")
				}
				if strings.Contains(html, "<script>") || strings.Contains(html, "<b>wewenang") {
					t.Errorf("HTML does not escape user text:\n%s", html)
				}
				if showsBody[kind] {
					if !strings.Contains(html, "&lt;script&gt;") {
						t.Errorf("HTML lacks the escaped body:\n%s", html)
					}
					if !strings.Contains(text, "<script>alert(1)</script> & dibalas") {
						t.Errorf("text body altered:\n%s", text)
					}
				}
				if showsDue[kind] {
					if !strings.Contains(text, "01/05/2024 10:00 WIB") || !strings.Contains(html, "01/05/2024 10:00 WIB") {
						t.Errorf("due date not shown in Asia/Jakarta:\n%s", text)
					}
				}
				if !strings.Contains(text, "https://helpdesk.kemsos.go.id/tickets/881358?token=abc") ||
					!strings.Contains(html, `href="https://helpdesk.kemsos.go.id/tickets/881358?token=abc"`) {
					t.Errorf("link missing:\n%s\n%s", text, html)
				}
				if !strings.Contains(html, `<html lang="`+lang+`">`) {
					t.Errorf("HTML not in %s", lang)
				}
			})
		}
	}
}

func TestRenderIndonesianIsFormal(t *testing.T) {
	_, text, _, err := Render(TicketAutoresponse, noticeData("id"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Yth. Bapak/Ibu Budi Santoso,", "Terima kasih", "#881358", "Bantuan Umum", "Hormat kami"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

func TestRenderTransferAlertShowsReason(t *testing.T) {
	_, text, html, err := Render(AlertTransfer, noticeData("id"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Bukan <b>wewenang</b> kami") || !strings.Contains(html, "Bukan &lt;b&gt;wewenang&lt;/b&gt; kami") {
		t.Errorf("reason missing or unescaped:\n%s\n%s", text, html)
	}
	if !strings.Contains(text, "Balas email ini") {
		t.Errorf("alert does not say agents can reply:\n%s", text)
	}
}

func TestRenderResponseListsAttachments(t *testing.T) {
	_, text, html, err := Render(ResponseNotice, noticeData("en"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "- surat <1>.pdf") || !strings.Contains(html, "<li>surat &lt;1&gt;.pdf</li>") {
		t.Errorf("attachments:\n%s\n%s", text, html)
	}
}

func TestRenderUsesRecipientTimeZone(t *testing.T) {
	d := noticeData("id")
	makassar, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	d.Location = makassar
	_, text, _, err := Render(AlertOverdue, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "01/05/2024 11:00 WITA") {
		t.Errorf("due date not in Asia/Makassar:\n%s", text)
	}
}

func TestRenderFlattensSubject(t *testing.T) {
	d := noticeData("id")
	d.Subject = "Baris satu\r\nBcc: x@y\tdua"
	subject, _, _, err := Render(ResponseNotice, d)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "[#881358] Baris satu Bcc: x@y dua" {
		t.Errorf("subject = %q", subject)
	}
}

func TestRenderUnknownKind(t *testing.T) {
	if _, _, _, err := Render("no_such_notice", noticeData("id")); !errors.Is(err, ErrUnknownNotice) {
		t.Errorf("err = %v", err)
	}
}

func TestRenderFallsBackToIndonesian(t *testing.T) {
	fsys := fstest.MapFS{}
	err := fs.WalkDir(templates.Mail, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path, "mail/en/response_notice.") {
			return err
		}
		b, err := fs.ReadFile(templates.Mail, path)
		fsys[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "fr", ""} {
		_, text, _, err := r.Render(ResponseNotice, noticeData(lang))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(text, ReplyMarkerID) || !strings.Contains(text, "Yth. Bapak/Ibu") {
			t.Errorf("lang %q: not Indonesian:\n%s", lang, text)
		}
	}
	// A language that exists is still used.
	_, text, _, _ := r.Render(TicketAutoresponse, noticeData("en"))
	if !strings.HasPrefix(text, ReplyMarkerEN) {
		t.Errorf("English autoresponse lost:\n%s", text)
	}
}

func TestNewRendererNeedsEveryIndonesianTemplate(t *testing.T) {
	fsys := fstest.MapFS{"mail/id/common.txt": &fstest.MapFile{Data: []byte("")}}
	if _, err := NewRenderer(fsys); err == nil {
		t.Error("no error for missing templates")
	}
}

// TestLazyTemplatesRenderAsTheParsedOnes: the default renderer parses a
// kind's templates on first use (a pipe needs one or two of them); what
// it renders, from goroutines at once as serve's workers do, is what the
// renderer that parsed everything up front renders, and an unknown kind
// is still refused.
func TestLazyTemplatesRenderAsTheParsedOnes(t *testing.T) {
	strict, err := NewRenderer(templates.Mail)
	if err != nil {
		t.Fatal(err)
	}
	lazy := defaultRenderer
	var wg sync.WaitGroup
	for _, lang := range []string{"id", "en", "fr"} {
		for _, kind := range NoticeKinds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s1, t1, h1, err1 := strict.Render(kind, noticeData(lang))
				s2, t2, h2, err2 := lazy.Render(kind, noticeData(lang))
				if err1 != nil || err2 != nil || s1 != s2 || t1 != t2 || h1 != h2 {
					t.Errorf("%s/%s: the lazy renderer gave %q (%v), the parsed one %q (%v)", lang, kind, s2, err2, s1, err1)
				}
			}()
		}
	}
	wg.Wait()
	if _, _, _, err := lazy.Render("no_such_kind", noticeData("id")); !errors.Is(err, ErrUnknownNotice) {
		t.Errorf("unknown kind: %v", err)
	}
}
