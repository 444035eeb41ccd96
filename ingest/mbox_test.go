package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMboxReaderSplitsAndUnquotes(t *testing.T) {
	mbox := "From siti@example.id Thu Nov 26 09:00:00 2026\n" +
		"From: siti@example.id\nSubject: satu\nMessage-ID: <m1@x>\n\nBaris pertama\n>From the desk of Siti\n\n" +
		"From budi@example.id Thu Nov 26 10:00:00 2026\n" +
		"From: budi@example.id\nSubject: dua\n\nisi dua\nFrom here on, not a separator (no blank line before)\n"
	r := NewMboxReader(strings.NewReader(mbox))
	var got []string
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(m))
	}
	if len(got) != 2 {
		t.Fatalf("%d messages: %q", len(got), got)
	}
	if !strings.Contains(got[0], "\nFrom the desk of Siti\n") || strings.HasSuffix(got[0], "\n\n") {
		t.Errorf("first message %q", got[0])
	}
	if !strings.Contains(got[1], "From here on") {
		t.Errorf("second message %q", got[1])
	}
	if r.BytesRead() != int64(len(mbox)) {
		t.Errorf("read %d of %d bytes", r.BytesRead(), len(mbox))
	}
}
