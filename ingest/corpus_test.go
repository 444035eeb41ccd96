package ingest

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current parser output")

// corpusFiles lists every .eml under testdata/corpus, relative to it.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir("testdata/corpus", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".eml") {
			rel, _ := filepath.Rel("testdata/corpus", p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatal("no corpus files")
	}
	return files
}

// summary is the compact, reviewable view of a parsed message that the
// golden files hold.
func summary(m *Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "from: %s <%s>\n", m.From.Name, m.From.Email)
	if m.FromHeader != "From" && m.FromHeader != "" {
		fmt.Fprintf(&b, "from-header: %s\n", m.FromHeader)
	}
	fmt.Fprintf(&b, "subject: %s\n", m.Subject)
	fmt.Fprintf(&b, "message-id: %s\n", m.MessageID)
	if len(m.InReplyTo) > 0 || len(m.References) > 0 {
		fmt.Fprintf(&b, "in-reply-to: %v references: %d\n", m.InReplyTo, len(m.References))
	}
	if !m.Date.IsZero() {
		fmt.Fprintf(&b, "date: %s\n", m.Date.UTC().Format("2006-01-02T15:04:05Z"))
	}
	var to []string
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		to = append(to, a.Email)
	}
	if len(to) > 5 {
		to = append(to[:5], fmt.Sprintf("... (%d)", len(to)))
	}
	fmt.Fprintf(&b, "to+cc: %s\n", strings.Join(to, ", "))
	if m.ReturnPath != "" {
		fmt.Fprintf(&b, "return-path: %s empty=%v\n", m.ReturnPath, m.EmptyReturnPath)
	}
	fmt.Fprintf(&b, "auto: %s\n", m.Auto)
	if m.SuppressAutoReply && !m.Auto.Automated() {
		b.WriteString("suppress-auto-reply: true (asked, not automated)\n")
	}
	if m.Bounce != nil {
		fmt.Fprintf(&b, "bounce: original=%q recipients=%v status=%q permanent=%v\n",
			m.Bounce.OriginalMessageID, m.Bounce.Recipients, m.Bounce.Status, m.Bounce.Permanent)
		fmt.Fprintf(&b, "bounce-diagnostic: %s\n", clip(m.Bounce.Diagnostic, 120))
	}
	if m.Forward != nil {
		fmt.Fprintf(&b, "forward: from=%s <%s> subject=%q via-attachment=%v text=%q\n",
			m.Forward.From.Name, m.Forward.From.Email, m.Forward.Subject, m.Forward.ViaAttachment, clip(m.Forward.Text, 80))
	}
	if m.ForgedHelpdeskHeaders {
		b.WriteString("forged-helpdesk-headers: true\n")
	}
	fmt.Fprintf(&b, "html: %d bytes\n", len(m.HTML))
	fmt.Fprintf(&b, "attachments: %d\n", len(m.Attachments))
	for i, a := range m.Attachments {
		if i == 20 {
			fmt.Fprintf(&b, "  ... %d more\n", len(m.Attachments)-20)
			break
		}
		extra := ""
		if a.Inline {
			extra = " inline"
		}
		if a.ContentID != "" {
			extra += " cid=" + a.ContentID
		}
		fmt.Fprintf(&b, "  - %q %s %d%s\n", a.Filename, a.ContentType, len(a.Data), extra)
	}
	for _, e := range m.ParseErrors {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	if m.Truncated {
		b.WriteString("truncated: true\n")
	}
	b.WriteString("text:\n")
	for _, l := range strings.Split(clip(m.Text, 300), "\n") {
		fmt.Fprintf(&b, "| %s\n", l)
	}
	return b.String()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func TestCorpusGolden(t *testing.T) {
	for _, rel := range corpusFiles(t) {
		t.Run(rel, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata/corpus", rel))
			if err != nil {
				t.Fatal(err)
			}
			m := Parse(raw, DefaultLimits())
			if m == nil {
				t.Fatal("Parse returned nil")
			}
			if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.HTML) {
				t.Error("Text, Subject or HTML is not valid UTF-8")
			}
			for _, a := range m.Attachments {
				if a.Filename == "" {
					t.Errorf("attachment without a name: %s", a.ContentType)
				}
			}
			got := summary(m)
			golden := filepath.Join("testdata/golden", strings.ReplaceAll(rel, string(filepath.Separator), "__")+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("summary differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	files := corpusFiles(b)
	raws := make([][]byte, 0, len(files))
	total := 0
	for _, rel := range files {
		raw, err := os.ReadFile(filepath.Join("testdata/corpus", rel))
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
		total += len(raw)
	}
	b.SetBytes(int64(total))
	b.ResetTimer()
	for b.Loop() {
		for _, raw := range raws {
			Parse(raw, DefaultLimits())
		}
	}
}
