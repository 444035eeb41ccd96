// Package dovecot runs a private Dovecot IMAP server for end-to-end tests:
// the behaviour of a real server (IDLE, MOVE, UIDPLUS, Maildir delivery)
// that go-imap's in-memory server only imitates. It is test infrastructure
// and must never be imported by production code.
//
// Each Start gets its own configuration, port, passwd file and Maildir in
// a temporary directory, and the server is stopped when the test ends. When
// Dovecot is not installed the test is skipped, loudly.
package dovecot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Server is a running private Dovecot.
type Server struct {
	Addr     string // 127.0.0.1:port, plain IMAP
	User     string
	Password string
	// Maildir is the user's INBOX; Deliver writes into its new/ directory
	// as an MTA would.
	Maildir string

	dir      string
	uid, gid int
	chown    bool
}

var seq atomic.Int64

// Start runs a Dovecot listening on 127.0.0.1 on a free port, with one user
// whose password travels in plain text (loopback only, ssl = no).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := findDovecot()
	if bin == "" {
		t.Skip("SKIPPED LOUDLY: dovecot not installed (apt-get install dovecot-imapd)")
	}
	dir, err := os.MkdirTemp("", "dovecot")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Dovecot's unprivileged processes must reach the passwd file and the
	// mail; MkdirTemp makes the directory 0700.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	s := &Server{User: "helpdesk", Password: "rahasia-" + randHex(4), dir: dir}
	loginUser, internalUser := "dovenull", "dovecot"
	if os.Geteuid() == 0 {
		// Its mail processes refuse root: the mail belongs to an
		// unprivileged user that exists everywhere.
		s.uid, s.gid, s.chown = 65534, 65534, true
		if u, err := user.Lookup("nobody"); err == nil {
			s.uid, _ = strconv.Atoi(u.Uid)
			s.gid, _ = strconv.Atoi(u.Gid)
		}
		for _, name := range []string{"dovenull", "dovecot"} {
			if _, err := user.Lookup(name); err != nil {
				t.Skipf("SKIPPED LOUDLY: dovecot is installed but its user %q is missing (reinstall dovecot-core)", name)
			}
		}
	} else {
		// Rootless: every process runs as us.
		me, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		s.uid, s.gid = os.Getuid(), os.Getgid()
		loginUser, internalUser = me.Username, me.Username
	}

	home := filepath.Join(dir, "home")
	s.Maildir = filepath.Join(home, "Maildir")
	for _, d := range []string{home, s.Maildir, filepath.Join(s.Maildir, "cur"), filepath.Join(s.Maildir, "new"), filepath.Join(s.Maildir, "tmp")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		s.own(t, d)
	}
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte(s.User+":{PLAIN}"+s.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conf := fmt.Sprintf(`# private test instance; see internal/dovecot
instance_name = helpdesk-test-%[1]d-%[2]s
base_dir = %[3]s/run
state_dir = %[3]s/state
log_path = %[3]s/dovecot.log
info_log_path = %[3]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = %[4]s
default_internal_user = %[5]s
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[6]s
}
userdb {
  driver = static
  args = uid=%[7]d gid=%[8]d home=%[9]s
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[10]d
  }
  inet_listener imaps {
    port = 0
  }
}
`, os.Getpid(), randHex(3), dir, loginUser, internalUser, passwd, s.uid, s.gid, home, port)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}

	// The master daemonises but keeps the inherited stdout and stderr, so
	// they go to a file: a pipe would never see EOF.
	out, err := os.Create(filepath.Join(dir, "start.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(bin, "-c", confPath)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		t.Fatalf("dovecot: start: %v\n%s", err, s.logs())
	}
	t.Cleanup(func() {
		s.stop(t)
		if t.Failed() {
			t.Logf("dovecot logs:\n%s", s.logs())
		}
	})
	if err := waitListening(s.Addr, 10*time.Second); err != nil {
		t.Fatalf("dovecot: %v\n%s", err, s.logs())
	}
	return s
}

// URL is the poller URL for the user's INBOX; plain text, allowed because
// the server is on loopback.
func (s *Server) URL() string {
	return "imap://" + s.User + ":" + s.Password + "@" + s.Addr + "/INBOX"
}

// Deliver puts raw into the INBOX the way an MTA's local delivery does:
// written under tmp/, then renamed into new/ (the Maildir protocol, so that
// Dovecot never sees half a message).
func (s *Server) Deliver(t testing.TB, raw []byte) {
	t.Helper()
	name := fmt.Sprintf("%d.M%dP%d_%s.helpdesk-test", time.Now().Unix(), seq.Add(1), os.Getpid(), randHex(4))
	tmp := filepath.Join(s.Maildir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s.own(t, tmp)
	if err := os.Rename(tmp, filepath.Join(s.Maildir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// Status reports the number of messages and of unseen messages in folder,
// asked over IMAP as any client would. A folder that does not exist reads
// as empty.
func (s *Server) Status(t testing.TB, folder string) (messages, unseen uint32) {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeNonExistent {
		return 0, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	c.Logout().Wait()
	return *st.NumMessages, *st.NumUnseen
}

func (s *Server) own(t testing.TB, path string) {
	if !s.chown {
		return
	}
	if err := os.Chown(path, s.uid, s.gid); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) logs() string {
	var b strings.Builder
	for _, f := range []string{"start.log", "dovecot.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, f))
		if err == nil && len(data) > 0 {
			fmt.Fprintf(&b, "--- %s\n%s", f, data)
		}
	}
	return b.String()
}

// stop ends the master by the pid it wrote, and waits for it to go so the
// temporary directory can be removed.
func (s *Server) stop(t testing.TB) {
	data, err := os.ReadFile(filepath.Join(s.dir, "run", "master.pid"))
	if err != nil {
		t.Logf("dovecot: no master.pid: %v", err)
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		t.Logf("dovecot: bad master.pid %q", data)
		return
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

func findDovecot() string {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	// Not on a non-root PATH on Debian.
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening on %s after %v: %w", addr, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
