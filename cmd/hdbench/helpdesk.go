package main

// The real helpdesk binary: built from this module (or given with
// --helpdesk-bin), its admin commands run for setup, and `helpdesk serve`
// measured as operators run it.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// moduleRoot finds the helpdesk module above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/kemsos/helpdesk\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run hdbench inside the helpdesk module (go run ./cmd/hdbench), or pass --helpdesk-bin")
		}
		dir = parent
	}
}

// buildHelpdesk compiles ./cmd/helpdesk into dir.
func buildHelpdesk(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "helpdesk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/helpdesk")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/helpdesk: %w\n%s", err, b)
	}
	return out, nil
}

// helpdesk runs the binary against the benchmark database.
type helpdesk struct {
	bin  string
	env  []string
	addr string // HTTP listener of serve
	logf string
	cmd  *exec.Cmd
	done chan error
}

func newHelpdesk(bin, dsn, dataDir string) *helpdesk {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"HELPDESK_DATABASE_URL=" + dsn,
		"HELPDESK_DATA_DIR=" + dataDir,
		"HELPDESK_FROM=" + helpdeskAddress,
		"HELPDESK_SECRET=hdbench-secret-0123456789abcdef0123456789abcdef",
	}
	return &helpdesk{bin: bin, env: env, logf: filepath.Join(dataDir, "helpdesk.log")}
}

// run runs an admin command and returns its standard output.
func (h *helpdesk) run(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, h.bin, args...)
	cmd.Env = h.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("helpdesk %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// serve starts `helpdesk serve` with extra environment and waits until it
// answers /healthz.
func (h *helpdesk) serve(ctx context.Context, extra ...string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	h.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logf, err := os.OpenFile(h.logf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(h.bin, "serve")
	cmd.Env = append(append([]string{}, h.env...), "HELPDESK_HTTP_ADDR="+h.addr, "HELPDESK_BASE_URL=http://"+h.addr)
	cmd.Env = append(cmd.Env, extra...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	h.cmd = cmd
	h.done = make(chan error, 1)
	go func() {
		h.done <- cmd.Wait()
		logf.Close()
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-h.done:
			h.done <- err
			return fmt.Errorf("helpdesk serve exited: %v (see %s)", err, h.logf)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get("http://" + h.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("helpdesk serve did not answer /healthz within a minute (see %s)", h.logf)
}

// stop ends serve with SIGTERM, as an init system would, and waits.
func (h *helpdesk) stop() error {
	if h.cmd == nil {
		return nil
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-h.done:
		h.cmd = nil
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil
		}
		return err
	case <-time.After(30 * time.Second):
		h.cmd.Process.Kill()
		<-h.done
		h.cmd = nil
		return errors.New("helpdesk serve did not stop within 30 s; killed")
	}
}

// diagnose says whether serve has exited, and with the end of its log: the
// temporary directory with the full log is gone once hdbench returns.
func (h *helpdesk) diagnose() string {
	var b strings.Builder
	if h.done != nil {
		select {
		case err := <-h.done:
			h.done <- err
			fmt.Fprintf(&b, "helpdesk serve exited (%v); ", err)
		default:
		}
	}
	if log, err := os.ReadFile(h.logf); err == nil {
		if len(log) > 3000 {
			log = log[len(log)-3000:]
		}
		fmt.Fprintf(&b, "end of its log:\n%s", log)
	}
	return b.String()
}

func (h *helpdesk) pid() int {
	if h.cmd == nil {
		return 0
	}
	return h.cmd.Process.Pid
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// procStatus reads VmRSS and VmHWM (bytes) of a process; pid 0 is self.
func procStatus(pid int) (rss, hwm int64) {
	p := "/proc/self/status"
	if pid != 0 {
		p = fmt.Sprintf("/proc/%d/status", pid)
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			hwm = n << 10
		}
	}
	return rss, hwm
}

// resetPeakRSS restarts VmHWM from the current RSS (Linux clear_refs 5).
func resetPeakRSS(pid int) error {
	p := "/proc/self/clear_refs"
	if pid != 0 {
		p = fmt.Sprintf("/proc/%d/clear_refs", pid)
	}
	return os.WriteFile(p, []byte("5"), 0)
}

// helpdeskVersion names the code measured: the commit, and how many files
// differ from it (the figures are for the working tree as built).
func helpdeskVersion(ctx context.Context, root string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	v := strings.TrimSpace(string(out))
	cmd = exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = root
	if st, err := cmd.Output(); err == nil {
		if n := len(strings.Fields(string(st))) / 2; n > 0 {
			v += fmt.Sprintf("+%d modified files", n)
		}
	}
	return v
}
