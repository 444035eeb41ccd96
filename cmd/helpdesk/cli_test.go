package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/internal/pgcluster"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runCLI runs the helpdesk command line in-process, as the binary would.
func runCLI(ctx context.Context, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became healthy", addr)
}

// TestServeOnEmbeddedDefaultsWithAdminCommands walks the README's first
// steps: serve on a fresh data dir (its own PostgreSQL), add an agent and an
// API key while it runs, open a ticket, refuse a second serve, stop cleanly,
// and find the data again on the next start.
func TestServeOnEmbeddedDefaultsWithAdminCommands(t *testing.T) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skipf("SKIPPED LOUDLY: %v", err)
	}
	dir := t.TempDir()
	chmodTree(t, dir)
	dataDir := filepath.Join(dir, "data")
	addr := freeAddr(t)
	common := []string{"--data-dir", dataDir, "--http-addr", addr}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serveErr bytes.Buffer
	go func() { done <- run(ctx, append([]string{"serve"}, common...), nil, &bytes.Buffer{}, &serveErr) }()
	waitHealthy(t, addr)

	code, out, errOut := runCLI(context.Background(), "rahasia-123\n", append([]string{"agent", "add", "--email", "budi@kemsos.go.id", "--name", "Budi Santoso", "--department", "Support", "--password-stdin"}, common...)...)
	if code != 0 || !strings.Contains(out, "Budi Santoso") {
		t.Fatalf("agent add: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCLI(context.Background(), "", append([]string{"agent", "add", "--email", "budi@kemsos.go.id", "--name", "B", "--department", "Support"}, common...)...)
	if code == 0 {
		t.Errorf("a duplicate agent was accepted: %s", out)
	}
	// Budi forgot his password: the operator gives him a generated one.
	code, out, errOut = runCLI(context.Background(), "", append([]string{"agent", "password", "--email", "budi@kemsos.go.id"}, common...)...)
	_, pw, _ := strings.Cut(out, "\npassword: ")
	if code != 0 || len(strings.TrimSpace(pw)) < 12 {
		t.Fatalf("agent password: %d %q %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(context.Background(), "", append([]string{"agent", "password", "--email", "nobody@kemsos.go.id"}, common...)...); code == 0 || !strings.Contains(errOut, "no agent") {
		t.Errorf("agent password for nobody: %d %s", code, errOut)
	}
	code, key, errOut := runCLI(context.Background(), "", append([]string{"apikey", "create", "--name", "portal"}, common...)...)
	key = strings.TrimSpace(key)
	if code != 0 || !strings.HasPrefix(key, "hd_") || strings.Contains(key, "\n") {
		t.Fatalf("apikey create: %d %q %s", code, key, errOut)
	}
	if code, out, errOut := runCLI(context.Background(), "", append([]string{"department", "add", "Data Terpadu"}, common...)...); code != 0 {
		t.Fatalf("department add: %s %s", out, errOut)
	}
	if code, out, errOut := runCLI(context.Background(), "", append([]string{"topic", "add", "Bansos PKH", "--department", "Data Terpadu"}, common...)...); code != 0 {
		t.Fatalf("topic add: %s %s", out, errOut)
	}

	base := "http://" + addr
	var tk apiTicket
	status := apiCall(t, base, key, "POST", "/api/v1/tickets", map[string]any{"email": "warga@example.id", "name": "Warga", "topic": "Bansos PKH", "subject": "PKH belum cair", "message": "Mohon info"}, &tk)
	if status != 201 || tk.Department != "Data Terpadu" {
		t.Fatalf("open via API: %d %+v", status, tk)
	}

	code, _, errOut = runCLI(context.Background(), "", append([]string{"serve"}, "--data-dir", dataDir, "--http-addr", freeAddr(t))...)
	if code == 0 || !strings.Contains(errOut, "already using the data directory") {
		t.Errorf("second serve: %d %s", code, errOut)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, serveErr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	bin, _ := pgcluster.FindBinaries()
	if err := exec.Command(filepath.Join(bin, "pg_ctl"), "status", "-D", filepath.Join(dataDir, "pg")).Run(); err == nil {
		t.Error("PostgreSQL still running after serve stopped")
	}

	// Start again: the data is still there.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan int, 1)
	go func() {
		done2 <- run(ctx2, append([]string{"serve"}, common...), nil, &bytes.Buffer{}, &bytes.Buffer{})
	}()
	waitHealthy(t, addr)
	var again apiTicket
	if status := apiCall(t, base, key, "GET", "/api/v1/tickets/"+tk.Number, nil, &again); status != 200 || again.Subject != "PKH belum cair" {
		t.Errorf("after restart: %d %+v", status, again)
	}
	cancel2()
	if code := <-done2; code != 0 {
		t.Errorf("second run exited %d", code)
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		args := append(strings.Fields(c.name), "--help")
		code, _, errOut := runCLI(context.Background(), "", args...)
		if code != 0 || !strings.Contains(errOut, "usage: helpdesk "+c.name) {
			t.Errorf("%s --help: %d %s", c.name, code, errOut)
		}
	}
	if code, _, _ := runCLI(context.Background(), "", "frobnicate"); code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
	// A word that starts commands lists them.
	code, out, _ := runCLI(context.Background(), "", "agent", "--help")
	if code != 0 || !strings.Contains(out, "agent add") || !strings.Contains(out, "agent password") || strings.Contains(out, "unknown command") {
		t.Errorf("agent --help: %d %s", code, out)
	}
	if code, _, errOut := runCLI(context.Background(), "", "agent"); code != 2 || !strings.Contains(errOut, "agent add") {
		t.Errorf("agent: %d %s", code, errOut)
	}
	// A command's help lists its own flags, not the server's twenty.
	_, _, errOut := runCLI(context.Background(), "", "agent", "add", "--help")
	for _, want := range []string{"-email", "-department", "-password-stdin", "helpdesk serve --help"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("agent add --help lacks %q:\n%s", want, errOut)
		}
	}
	for _, server := range []string{"-smtp-url", "-imap-url", "-http-addr", "-database-url string"} {
		if strings.Contains(errOut, server) {
			t.Errorf("agent add --help lists the server flag %s:\n%s", server, errOut)
		}
	}
	if _, _, errOut := runCLI(context.Background(), "", "serve", "--help"); !strings.Contains(errOut, "-smtp-url") || !strings.Contains(errOut, "HELPDESK_TRUSTED_PROXIES") {
		t.Errorf("serve --help does not list the configuration:\n%s", errOut)
	}
}

func apiCall(t *testing.T, base, key, method, path string, body, out any) int {
	t.Helper()
	e := &testEnv{t: t, http: nil}
	e.key = key
	return e.apiAt(base, method, path, body, out)
}

// chmodTree opens t.TempDir's 0700 directories to traversal: as root, the
// unprivileged PostgreSQL user must enter them.
func chmodTree(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
