package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/internal/pgtest"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// tzChildEnv makes TestRegistrationTimeZonesOnAHostWithoutTZData, run again
// as a child process, check the zones instead of starting the child.
const tzChildEnv = "HELPDESK_TZ_CHILD"

// The zones citizens register with are valid on a host without a
// time-zone database: the binary carries its own (time/tzdata). The time
// package reads $ZONEINFO once per process, so the check runs in a child
// with ZONEINFO and GOROOT (whose lib/time/zoneinfo.zip a test binary
// would find) pointed at an empty dir; where unshare(1) may, the child
// also runs with the system's zoneinfo directories hidden, as on a
// scratch image.
func TestRegistrationTimeZonesOnAHostWithoutTZData(t *testing.T) {
	zones := []string{"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
	if os.Getenv(tzChildEnv) == "1" {
		for _, tz := range zones {
			if !tickets.ValidTimezone(tz) {
				_, err := time.LoadLocation(tz)
				t.Errorf("%s refused: %v", tz, err)
			}
		}
		return
	}
	empty := t.TempDir()
	args := []string{os.Args[0], "-test.run=^TestRegistrationTimeZonesOnAHostWithoutTZData$", "-test.count=1", "-test.v"}
	var hide []string
	for _, d := range []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			hide = append(hide, "mount -t tmpfs notz "+d+" && ")
		}
	}
	env := append(os.Environ(), tzChildEnv+"=1", "ZONEINFO="+empty, "GOROOT="+empty)
	cmd := exec.Command(args[0], args[1:]...)
	if len(hide) > 0 {
		probe := exec.Command("unshare", "--mount", "--propagation", "private", "true")
		if err := probe.Run(); err == nil {
			cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c",
				strings.Join(hide, "") + `exec "$0" "$@"`}, args...)...)
		} else {
			// With the system's zoneinfo visible the child would pass
			// without the embedded tzdata: that proves nothing.
			t.Skipf("SKIPPED LOUDLY: unshare --mount: %v: cannot hide the system's zoneinfo (run as root, or with user namespaces)", err)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestRegistrationTimeZonesOnAHostWithoutTZData") {
		t.Fatalf("the child ran no check:\n%s", out)
	}
}

// noDNS answers every TXT look-up as missing: tests run offline, and a
// test that needs keys brings its own resolver.
func noDNS(_ context.Context, name string) ([]string, error) {
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// testEnv is a helpdesk's web layer on its own database.
type testEnv struct {
	t     *testing.T
	dsn   string
	db    *sqlx.DB
	store *tickets.Store
	srv   *server
	ob    *outbound.Outbox // delivers into cfg.DataDir/outbox (the dev outbox)
	in    *ingest.Intake   // mail intake on the same store, no DNS
	http  *httptest.Server
	key   string
	cfg   *Config
}

func newTestEnv(t *testing.T) *testEnv { return newTestEnvWith(t, testEnvOpts{}) }

// testEnvOpts vary a testEnv: a relay for outbound mail instead of the dev
// outbox, DNS answers for the intake's DKIM checks, and the store's clock.
type testEnvOpts struct {
	smtpURL   string
	lookupTXT func(ctx context.Context, name string) ([]string, error)
	now       func() time.Time
	// proxies are HELPDESK_TRUSTED_PROXIES.
	proxies []netip.Prefix
}

func newTestEnvWith(t *testing.T, o testEnvOpts) *testEnv {
	t.Helper()
	dsn := pgtest.MigratedDB(t)
	db := sqlx.MustOpen("postgres", dsn)
	t.Cleanup(func() { db.Close() })
	cfg := &Config{DatabaseURL: dsn, DataDir: t.TempDir(), BaseURL: "http://localhost:8080", From: "helpdesk@kemsos.go.id",
		Secret: "test-secret-0123456789abcdef0123456789", SMTPURL: o.smtpURL, TrustedProxies: o.proxies}
	if o.lookupTXT == nil {
		o.lookupTXT = noDNS
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := tickets.New(db, tickets.Opts{Log: log, Now: o.now})
	ob, err := newOutbox(cfg, store, log)
	if err != nil {
		t.Fatal(err)
	}
	in, err := newIntake(cfg, store, &cmdEnv{log: log}, ingest.IntakeOpts{Auth: ingest.NewAuthenticator(ingest.AuthOpts{LookupTXT: o.lookupTXT})})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(cfg, store, ob, in, log)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	key, _, err := store.CreateAPIKey(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, dsn: dsn, db: db, store: store, srv: srv, ob: ob, in: in, http: hs, key: key, cfg: cfg}
}

// api sends a JSON request with the env's key and decodes the answer.
func (e *testEnv) api(method, path string, body any, out any) int {
	e.t.Helper()
	return e.apiWithKey(e.key, method, path, body, out)
}

func (e *testEnv) apiWithKey(key, method, path string, body any, out any) int {
	e.t.Helper()
	k := e.key
	e.key = key
	defer func() { e.key = k }()
	return e.apiAt(e.http.URL, method, path, body, out)
}

// apiAt sends the request to the helpdesk at base.
func (e *testEnv) apiAt(base, method, path string, body any, out any) int {
	e.t.Helper()
	key := e.key
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}
