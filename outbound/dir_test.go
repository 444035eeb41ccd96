package outbound

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDirSenderIsIdempotentOnMessageID(t *testing.T) {
	dataDir := t.TempDir()
	d, err := NewDirSender(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2024, 5, 1, 3, 0, 0, 0, time.UTC)
	d.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	ctx := context.Background()

	first := sampleMail()
	first.MessageID = "same/id@kemsos.go.id"
	raw1, _ := first.Bytes()
	second := sampleMail()
	second.MessageID = first.MessageID
	second.Subject = "[#881358] versi kedua"
	raw2, _ := second.Bytes()
	other := sampleMail()
	other.MessageID = "same_id@kemsos.go.id" // same once sanitised
	other.Subject = "[#881359] lain"
	raw3, _ := other.Bytes()

	for _, raw := range [][]byte{raw1, raw2, raw3} {
		if err := d.Send(ctx, "bounces@kemsos.go.id", []string{"budi@example.com"}, raw); err != nil {
			t.Fatal(err)
		}
	}

	entries, _ := os.ReadDir(filepath.Join(dataDir, "outbox"))
	if len(entries) != 2 {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("outbox holds %v, want 2 files", names)
	}

	// Make the order by modification time unambiguous.
	mails, err := ListDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for _, m := range mails {
		if strings.Contains(m.Subject, "versi kedua") {
			os.Chtimes(filepath.Join(dataDir, "outbox", m.Name), old, old)
		}
	}
	mails, err = ListDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 2 {
		t.Fatalf("ListDir = %+v", mails)
	}
	if mails[0].Subject != "[#881359] lain" || mails[1].Subject != "[#881358] versi kedua" {
		t.Errorf("order or subjects wrong: %q, %q", mails[0].Subject, mails[1].Subject)
	}
	m := mails[1]
	if m.To != "budi@example.com" || !m.Date.Equal(first.Date) || m.Size != int64(len(raw2)) {
		t.Errorf("summary = %+v", m)
	}
	got, err := ReadDir(dataDir, m.Name)
	if err != nil || string(got) != string(raw2) {
		t.Errorf("ReadDir = %d bytes, %v; want the second version", len(got), err)
	}
}

func TestDirSenderNamesMessagesWithoutID(t *testing.T) {
	dataDir := t.TempDir()
	d, err := NewDirSender(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: a@b\r\nSubject: tanpa id\r\n\r\nisi\r\n")
	for range 2 {
		if err := d.Send(context.Background(), "a@b", []string{"c@d"}, raw); err != nil {
			t.Fatal(err)
		}
	}
	mails, _ := ListDir(dataDir)
	if len(mails) != 1 || mails[0].Subject != "tanpa id" {
		t.Errorf("ListDir = %+v", mails)
	}
}

func TestListDirWithoutOutboxIsEmpty(t *testing.T) {
	mails, err := ListDir(t.TempDir())
	if err != nil || len(mails) != 0 {
		t.Errorf("ListDir = %v, %v", mails, err)
	}
}

func TestReadDirRefusesPathTraversal(t *testing.T) {
	dataDir := t.TempDir()
	outbox := filepath.Join(dataDir, "outbox")
	os.MkdirAll(outbox, 0o750)
	secret := filepath.Join(dataDir, "secret.eml")
	os.WriteFile(secret, []byte("secret"), 0o600)
	os.WriteFile(filepath.Join(outbox, "ok.eml"), []byte("ok"), 0o600)
	if err := os.Symlink(secret, filepath.Join(outbox, "link.eml")); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{
		"../secret.eml", "..", "/etc/passwd", "a/../../secret.eml", `..\secret.eml`,
		"", ".tmp-123", "ok.txt", "outbox/ok.eml", "%2e%2e/secret.eml",
	} {
		if _, err := ReadDir(dataDir, name); !errors.Is(err, ErrInvalidName) && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("ReadDir(%q) err = %v", name, err)
		}
		if b, _ := ReadDir(dataDir, name); string(b) == "secret" {
			t.Errorf("ReadDir(%q) escaped the outbox", name)
		}
	}
	if b, err := ReadDir(dataDir, "link.eml"); err == nil || string(b) == "secret" {
		t.Errorf("symlink out of the outbox was followed: %q, %v", b, err)
	}
	if b, err := ReadDir(dataDir, "ok.eml"); err != nil || string(b) != "ok" {
		t.Errorf("ReadDir(ok.eml) = %q, %v", b, err)
	}
}
