package tickets_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

var (
	testPDF = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	testPNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
)

func files(n int, name string, data []byte) []tickets.NewAttachment {
	out := make([]tickets.NewAttachment, n)
	for i := range out {
		out[i] = tickets.NewAttachment{Name: name, Data: data}
	}
	return out
}

// fieldOf returns the ValidationError's message for field, "" when none.
func fieldOf(t *testing.T, err error, field string) string {
	t.Helper()
	var v *tickets.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	return v.Fields[field]
}

func TestCheckUploadsNamesTheFileAtFault(t *testing.T) {
	big := make([]byte, tickets.MaxUploadSize+1)
	nine := make([]byte, 9<<20)
	cases := []struct {
		name  string
		atts  []tickets.NewAttachment
		field string
		msg   string
	}{
		{"too many", files(tickets.MaxUploads+1, "a.pdf", testPDF), "attachments", tickets.MsgTooManyUploads},
		{"twenty thousand", files(20000, "a.pdf", nil), "attachments", tickets.MsgTooManyUploads},
		{"program", []tickets.NewAttachment{{Name: "a.pdf", Data: testPDF}, {Name: "virus.exe", Data: []byte("MZ")}}, "attachments[1]", tickets.MsgUploadType},
		{"no extension", []tickets.NewAttachment{{Name: "surat", Data: testPDF}}, "attachments[0]", tickets.MsgUploadType},
		{"html posing as a photo", []tickets.NewAttachment{{Name: "foto.JPG", Data: []byte("<html><script>")}}, "attachments[0]", tickets.MsgUploadType},
		{"over the file limit", []tickets.NewAttachment{{Name: "a.pdf", Data: testPDF}, {Name: "besar.pdf", Data: big}}, "attachments[1]", tickets.MsgUploadTooLarge},
		{"over the total", files(3, "a.pdf", nine), "attachments", tickets.MsgUploadsTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tickets.CheckUploads(c.atts)
			if got := fieldOf(t, err, c.field); got != c.msg {
				t.Errorf("%s: %q, want %q (%v)", c.field, got, c.msg, err)
			}
		})
	}
	ok := []tickets.NewAttachment{{Name: `C:\Users\izzah\Surat Permintaan.DOCX`, Data: []byte("PK\x03\x04")}, {Name: "foto.png", Data: testPNG},
		{Name: "kosong.txt"}, {Name: "scan.pdf", Data: make([]byte, tickets.MaxUploadSize)}}
	if err := tickets.CheckUploads(append(ok, files(tickets.MaxUploads-len(ok), "b.csv", []byte("a,b"))...)); err != nil {
		t.Errorf("refused a good set: %v", err)
	}
	if err := tickets.CheckUploads(nil); err != nil {
		t.Errorf("refused no files: %v", err)
	}
}

func TestUploadTypeComesFromTheTable(t *testing.T) {
	for name, want := range map[string]string{"a.PDF": "application/pdf", "b.jpeg": "image/jpeg", "c.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
		if got, ok := tickets.UploadType(name); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"a.exe", "b.html", "c.svg", "d", ".pdf.exe"} {
		if _, ok := tickets.UploadType(name); ok {
			t.Errorf("%s accepted", name)
		}
	}
	if exts := strings.Join(tickets.UploadExtensions(), ","); !strings.HasPrefix(exts, ".pdf,") || !strings.Contains(exts, ".webp") {
		t.Errorf("extensions %s", exts)
	}
}

// The API and the web store the table's type, never the one the client
// claims: text/html for a .pdf would be served as a page.
func TestOpenFromWebAndAPIAppliesTheUploadPolicy(t *testing.T) {
	s, db := newStore(t)
	for _, src := range []string{tickets.SourceWeb, tickets.SourceAPI} {
		_, _, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "S", Body: "b", Source: src,
			Attachments: files(tickets.MaxUploads+1, "a.pdf", testPDF)})
		if fieldOf(t, err, "attachments") != tickets.MsgTooManyUploads {
			t.Errorf("%s: %v", src, err)
		}
		_, _, err = s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "S", Body: "b", Source: src,
			Attachments: []tickets.NewAttachment{{Name: "run.sh", Data: []byte("#!/bin/sh")}}})
		if fieldOf(t, err, "attachments[0]") != tickets.MsgUploadType {
			t.Errorf("%s: %v", src, err)
		}
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM tickets`)
	if n != 0 {
		t.Fatalf("%d tickets opened by refused requests", n)
	}
	in := []tickets.NewAttachment{{Name: "surat.pdf", ContentType: "text/html", Data: testPDF}}
	_, e, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "S", Body: "b", Source: tickets.SourceAPI, Attachments: in})
	if err != nil {
		t.Fatal(err)
	}
	if e.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("stored as %q", e.Attachments[0].ContentType)
	}
	if in[0].ContentType != "text/html" {
		t.Error("Open changed the caller's attachments")
	}
	agent := mustAgent(t, s, "petugas@kemsos.go.id", false, "Support")
	tk := openTicket(t, s, "x@example.id", "")
	if _, err := s.Respond(ctx, tk.ID, agent, tickets.Post{Body: "b", Source: tickets.SourceAPI, Attachments: files(20000, "a.pdf", nil)}); fieldOf(t, err, "attachments") != tickets.MsgTooManyUploads {
		t.Errorf("respond with 20000 files: %v", err)
	}
	if _, err := s.Note(ctx, tk.ID, agent, tickets.Post{Body: "b", Attachments: []tickets.NewAttachment{{Name: "x.exe"}}}); fieldOf(t, err, "attachments[0]") != tickets.MsgUploadType {
		t.Errorf("note with a program (source defaults to web): %v", err)
	}
}

// A citizen's mail is never refused for what it carries.
func TestOpenFromMailKeepsEveryAttachment(t *testing.T) {
	s, _ := newStore(t)
	atts := append(files(tickets.MaxUploads+5, "gambar.exe", []byte("MZ")), tickets.NewAttachment{Name: "foto.jpg", Data: []byte("<html>")},
		tickets.NewAttachment{Name: "winmail.dat", ContentType: "application/ms-tnef", Data: bytes.Repeat([]byte{1}, tickets.MaxUploadSize+1)})
	_, e, err := s.Open(ctx, tickets.OpenRequest{Owner: tickets.Address{Email: "warga@example.id", Name: "Warga\r\nBcc: x@evil.example"},
		Subject: "Lampiran\r\n banyak", Source: tickets.SourceEmail, Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Attachments) != len(atts) || e.Attachments[len(atts)-1].ContentType != "application/ms-tnef" {
		t.Errorf("stored %d of %d attachments, last %+v", len(e.Attachments), len(atts), e.Attachments[len(e.Attachments)-1])
	}
	u, err := s.UserByEmail(ctx, "warga@example.id")
	if err != nil || strings.ContainsAny(u.Name, "\r\n") {
		t.Errorf("name from mail kept as %q (%v)", u.Name, err)
	}
}
