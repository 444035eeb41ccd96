// Package pgcluster runs a private PostgreSQL cluster in a directory: the
// helpdesk's embedded default database and the test suites' throwaway
// servers. It listens only on a Unix socket inside the directory, so two
// clusters never fight over a TCP port.
//
// PostgreSQL refuses to run as root. When the process is root, the server
// runs as an unprivileged system user (postgres, or helpdesk created on
// demand) that owns the cluster directory.
//
// This package knows nothing about the helpdesk's schema.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SuperUser is the cluster's superuser role; the socket is private to the
// cluster directory, so trust authentication over it is safe.
const SuperUser = "helpdesk"

const socketPort = 5432

// ErrNoBinaries means initdb/pg_ctl could not be found.
var ErrNoBinaries = errors.New("pgcluster: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; install them (Debian/Ubuntu: apt-get install postgresql) or set HELPDESK_DATABASE_URL to an existing server")

// Options tune a cluster.
type Options struct {
	// Fast trades durability for speed (fsync off); only for tests.
	Fast bool
	// Log receives progress at info level; nil discards.
	Log *slog.Logger
}

// Cluster is a PostgreSQL cluster living in Dir.
type Cluster struct {
	Dir       string // the data directory
	SocketDir string
	bin       string
	cred      *syscall.Credential
	log       *slog.Logger
	fast      bool
	owned     bool // we started the server, so we stop it
}

// FindBinaries returns the directory that holds initdb, pg_ctl and postgres.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	// Debian keeps the server binaries off PATH.
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	best, bestVer := "", -1
	for _, m := range matches {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if err == nil && v > bestVer {
			best, bestVer = filepath.Dir(m), v
		}
	}
	if best == "" {
		return "", ErrNoBinaries
	}
	return best, nil
}

// Start initialises the cluster in dir when it is new, and starts it unless a
// server is already running there (for example one left behind by a process
// killed with SIGKILL, or the one a running `helpdesk serve` owns). Stop only
// stops a server that Start started or adopted with adopt=true.
func Start(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	c := &Cluster{Dir: dir, bin: bin, log: opts.Log, fast: opts.Fast}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.SocketDir = filepath.Join(dir, "sock")
	if os.Geteuid() == 0 {
		if c.cred, err = serverUser(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	}
	// The socket lives in the cluster directory, made after initdb, which
	// wants an empty one.
	if err := os.MkdirAll(c.SocketDir, 0o700); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(c.SocketDir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgcluster: %w", err)
		}
	}
	if c.running(ctx) {
		c.log.Info("using the PostgreSQL server already running", "dir", dir)
		return c, nil
	}
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	c.owned = true
	return c, nil
}

// Adopt makes Stop stop the server even though Start found it running.
func (c *Cluster) Adopt() { c.owned = true }

// DSN is a lib/pq connection string for database db.
func (c *Cluster) DSN(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.SocketDir, socketPort, SuperUser, db)
}

// Stop shuts the server down (fast mode: rolls back open transactions,
// then a clean checkpoint) if this process owns it.
func (c *Cluster) Stop() error {
	if !c.owned {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := c.command(ctx, "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgcluster: pg_ctl stop: %w: %s", err, strings.TrimSpace(string(out)))
	}
	c.log.Info("PostgreSQL stopped", "dir", c.Dir)
	c.owned = false
	return nil
}

// Kill stops the server abruptly, as a crash or an outage would.
func (c *Cluster) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := c.command(ctx, "pg_ctl", "stop", "-D", c.Dir, "-m", "immediate", "-w").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgcluster: pg_ctl stop immediate: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Restart starts a server that Kill or Stop stopped.
func (c *Cluster) Restart(ctx context.Context) error {
	if err := c.start(ctx); err != nil {
		return err
	}
	c.owned = true
	return nil
}

func (c *Cluster) prepareDirs() error {
	for _, d := range []string{c.Dir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if c.cred != nil {
			if err := os.Chown(d, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return fmt.Errorf("pgcluster: %w", err)
			}
		}
	}
	if c.cred != nil {
		if err := reachable(filepath.Dir(c.Dir), c.cred); err != nil {
			return err
		}
	}
	// The socket path must fit in sun_path (108 bytes).
	if len(c.SocketDir)+len("/.s.PGSQL.5432") >= 104 {
		return fmt.Errorf("pgcluster: the cluster directory %s is too deep for a Unix socket path (108 bytes at most); use a shorter HELPDESK_DATA_DIR", c.Dir)
	}
	return nil
}

// reachable checks that the unprivileged server user can enter every
// directory above the cluster: a checkout under /root (mode 0700) is the
// usual trap.
func reachable(dir string, cred *syscall.Credential) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		ok := perm&0o001 != 0 ||
			(st.Uid == cred.Uid && perm&0o100 != 0) ||
			(st.Gid == cred.Gid && perm&0o010 != 0)
		if !ok {
			return fmt.Errorf("pgcluster: PostgreSQL runs as uid %d because this process is root, and that user cannot enter %s (mode %o); set HELPDESK_DATA_DIR to a directory it can reach (e.g. /var/lib/helpdesk), or allow it with: chmod o+x %s", cred.Uid, d, perm, d)
		}
		if d == "/" || d == filepath.Dir(d) {
			return nil
		}
	}
}

func (c *Cluster) initdb(ctx context.Context) error {
	c.log.Info("initialising a PostgreSQL cluster", "dir", c.Dir)
	args := []string{"-D", c.Dir, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions"}
	if c.fast {
		args = append(args, "--no-sync")
	}
	out, err := c.command(ctx, "initdb", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgcluster: initdb: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (c *Cluster) running(ctx context.Context) bool {
	// pg_ctl status exits 0 only when a live server owns postmaster.pid.
	return c.command(ctx, "pg_ctl", "status", "-D", c.Dir).Run() == nil
}

func (c *Cluster) start(ctx context.Context) error {
	opts := []string{
		"-c listen_addresses=''",
		"-c unix_socket_directories='" + c.SocketDir + "'",
		"-c port=" + strconv.Itoa(socketPort),
		"-c max_connections=200",
	}
	if c.fast {
		opts = append(opts, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
	} else if ram := memTotal(); ram > 0 {
		// PostgreSQL's defaults suit a small shared machine (128 MB of
		// buffers). A helpdesk's working set is its recent tickets and
		// their indexes: an eighth of the memory, as much as 4 GB, keeps a
		// year of them in buffers (hdbench: a search visits thousands of
		// ticket rows, 13 µs each from the OS cache).
		buffers := min(max(ram/8, 128<<20), 4<<30)
		opts = append(opts, fmt.Sprintf("-c shared_buffers=%dMB", buffers>>20), fmt.Sprintf("-c effective_cache_size=%dMB", ram/2>>20))
	}
	logFile := filepath.Join(c.Dir, "server.log")
	c.log.Info("starting PostgreSQL", "dir", c.Dir)
	cmd := c.command(ctx, "pg_ctl", "start", "-D", c.Dir, "-w", "-t", "60", "-l", logFile, "-o", strings.Join(opts, " "))
	out, err := cmd.CombinedOutput()
	if err != nil {
		tail, _ := os.ReadFile(logFile)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return fmt.Errorf("pgcluster: pg_ctl start: %w: %s\n%s", err, strings.TrimSpace(string(out)), tail)
	}
	return nil
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = "/"
	env := []string{"PATH=" + os.Getenv("PATH"), "LANG=C", "LC_ALL=C"}
	cmd.Env = env
	// Its own process group: a Ctrl-C in the terminal must not reach the
	// server before we stop it cleanly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.cred != nil {
		cmd.SysProcAttr.Credential = c.cred
	}
	return cmd
}

// serverUser picks the unprivileged account that runs PostgreSQL for a root
// process: postgres (the Debian package creates it), else helpdesk, created
// as a system user.
func serverUser() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "helpdesk"} {
		if u, err := user.Lookup(name); err == nil {
			return credential(u)
		}
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "helpdesk").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root, PostgreSQL needs an unprivileged user and creating 'helpdesk' failed: %w: %s", err, out)
	}
	u, err := user.Lookup("helpdesk")
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	return credential(u)
}

func credential(u *user.User) (*syscall.Credential, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: gid %q: %w", u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// TuneDSN returns dsn (a postgres:// URL or key=value pairs) with lib/pq's
// binary_parameters on, unless the DSN sets it: a query with arguments then
// costs one round trip instead of two (Parse/Describe, then Bind/Execute),
// which halves the latency of the intake's many small statements. Callers
// must pass JSON as string, not []byte, which this mode sends as binary.
func TuneDSN(dsn string) string {
	if strings.Contains(dsn, "binary_parameters") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if strings.Contains(dsn, "?") {
			return dsn + "&binary_parameters=yes"
		}
		return dsn + "?binary_parameters=yes"
	}
	return dsn + " binary_parameters=yes"
}

// memTotal is the machine's memory in bytes, 0 if unknown.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
