package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// A configured secret too short to sign with stops every command at
// start, before any database, with a message naming the setting.
func TestShortSecretIsRefusedAtStart(t *testing.T) {
	for _, args := range [][]string{
		{"serve"},
		{"ingest"},
		{"import-mbox", "x.mbox"},
	} {
		var out, errOut bytes.Buffer
		args = append(args, "--data-dir", t.TempDir(), "--database-url", "postgres://nobody@127.0.0.1:1/none", "--secret", "pendek")
		code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), "HELPDESK_SECRET is 6 bytes") {
			t.Errorf("%s: exit %d, %q; want 2 and a message naming HELPDESK_SECRET", args[0], code, errOut.String())
		}
	}
	c := &Config{DataDir: t.TempDir(), Secret: strings.Repeat("k", 31)}
	if _, err := c.secretKey(); err == nil || !strings.Contains(err.Error(), "HELPDESK_SECRET") {
		t.Errorf("secretKey with 31 bytes: %v", err)
	}
	c.Secret = strings.Repeat("k", 32)
	if k, err := c.secretKey(); err != nil || string(k) != c.Secret {
		t.Errorf("secretKey with 32 bytes: %q %v", k, err)
	}
}

// Processes starting at once on a fresh data dir all get the one key that
// ends up in the file, never an empty or partial one.
func TestSecretGeneratedOnceUnderConcurrentStarts(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "data")
		keys := make([]string, 8)
		errs := make([]error, 8)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				k, err := (&Config{DataDir: dir}).secretKey()
				keys[i], errs[i] = string(k), err
			}()
		}
		close(start)
		wg.Wait()
		file, _ := os.ReadFile(filepath.Join(dir, "secret"))
		for i := range keys {
			if errs[i] != nil || !hex64.MatchString(keys[i]) || keys[i] != strings.TrimSpace(string(file)) {
				t.Fatalf("round %d, start %d: key %q (%v), file %q: want the file's 64 hex digits", round, i, keys[i], errs[i], file)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".secret-*")); len(left) != 0 {
			t.Errorf("temporary files left: %v", left)
		}
		if fi, err := os.Stat(filepath.Join(dir, "secret")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("secret file: %v %v, want mode 0600", fi.Mode(), err)
		}
	}
}

// A key file that is there but empty or short is an error that says what
// to do; it is not replaced.
func TestShortSecretFileIsAnErrorNotOverwritten(t *testing.T) {
	for _, content := range []string{"", "\n", "abc123\n"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "secret")
		os.WriteFile(path, []byte(content), 0o600)
		_, err := (&Config{DataDir: dir}).secretKey()
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "fewer than 32") {
			t.Errorf("file %q: %v, want an error naming %s", content, err, path)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("file %q was rewritten to %q", content, b)
		}
	}
}
