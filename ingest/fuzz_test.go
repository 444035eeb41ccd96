package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kemsos/helpdesk/tickets"
)

func FuzzParse(f *testing.F) {
	for _, rel := range corpusFiles(f) {
		raw, err := os.ReadFile(filepath.Join("testdata/corpus", rel))
		if err != nil {
			f.Fatal(err)
		}
		if len(raw) < 16<<10 {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// A slow input is a bug too (quadratic scans are a denial of
		// service on the ingest worker); fail it so the fuzzer keeps it.
		done := make(chan *Message, 1)
		go func() { done <- Parse(raw, Limits{MaxAttachments: 50, MaxTextBytes: 64 << 10}) }()
		var m *Message
		select {
		case m = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Parse took more than 5s on %d bytes", len(raw))
		}
		if m == nil {
			t.Fatal("nil message")
		}
		for _, s := range []string{m.Text, m.HTML, m.Subject, m.From.Name, m.From.Email} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
		}
		for _, a := range m.Attachments {
			if a.Filename == "" {
				t.Fatal("attachment without name")
			}
		}
		if (m.FromHeader == "") != (m.From.Email == "") {
			t.Fatalf("From %+v from header %q", m.From, m.FromHeader)
		}
		if m.Auto.Automated() && !m.SuppressAutoReply {
			t.Fatalf("automated %v without SuppressAutoReply", m.Auto)
		}
		for _, e := range m.ParseErrors {
			if strings.HasPrefix(e, "internal error") {
				t.Fatalf("panic recovered: %s", e)
			}
		}
	})
}

func FuzzTicketToken(f *testing.F) {
	for _, s := range []string{"Re: [#881358] x", "[#1234567]", "[#12345678]", "081234567890", "[#881358", "Re: Fwd: [EXTERNAL] [#000001] y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := TicketToken(s)
		if ok != (n != "") {
			t.Fatalf("ok=%v number=%q", ok, n)
		}
		if ok && (len(n) < 6 || len(n) > 7 || !strings.Contains(s, "[#"+n+"]")) {
			t.Fatalf("bad number %q from %q", n, s)
		}
		c := CleanSubject(s)
		if _, ok := TicketToken(c); ok && strings.Count(s, "[#") == 1 {
			t.Fatalf("CleanSubject kept the token: %q", c)
		}
		IsForwardSubject(s)
	})
}

func FuzzStripQuoted(f *testing.F) {
	for _, s := range []string{"hi\n\nOn Mon wrote:\n> x", "> a\n> b", tickets.ReplyMarkerID, "Pada Sen\nmenulis:\nx", "From: a\nSent: b\nTo: c\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := StripQuoted(s)
		if strings.TrimSpace(s) != "" && out == "" {
			t.Fatalf("empty result for %q", s)
		}
		if len(out) > len(s) {
			t.Fatalf("result longer than input")
		}
	})
}
