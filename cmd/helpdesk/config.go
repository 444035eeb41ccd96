package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration, read once in main from environment
// variables, which flags of the same name override.
type Config struct {
	DatabaseURL string
	DataDir     string
	HTTPAddr    string
	BaseURL     string
	IMAPURL     string
	SMTPURL     string
	SMTPListen  string
	From        string
	Secret      string
	// TrustedAuthServID is the receiving MTA whose Authentication-Results
	// are believed; "" makes the helpdesk check DKIM and DMARC itself.
	TrustedAuthServID string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// Forwarded headers are believed; none when unset.
	TrustedProxies []netip.Prefix
	trustedProxies string

	// Tunables, as text in the environment and parsed by finish.
	maxMessageMB, autoresponsesPerHour, autoCloseDays, escalateHours, imapPollSeconds string
	MaxMessageSize                                                                    int64 // bytes
	AutoresponsesPerHour                                                              int
	AutoCloseAfter                                                                    time.Duration
	EscalateAfter                                                                     time.Duration // 0: never
	IMAPPoll                                                                          time.Duration
}

type setting struct {
	env, flag, def, help string
	dst                  *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"HELPDESK_DATABASE_URL", "database-url", "", "PostgreSQL URL; unset: a private cluster under DATA_DIR/pg", &c.DatabaseURL},
		{"HELPDESK_DATA_DIR", "data-dir", "./helpdesk-data", "local state", &c.DataDir},
		{"HELPDESK_HTTP_ADDR", "http-addr", "127.0.0.1:8080", "web listener", &c.HTTPAddr},
		{"HELPDESK_BASE_URL", "base-url", "http://localhost:8080", "public URL used in mailed links", &c.BaseURL},
		{"HELPDESK_IMAP_URL", "imap-url", "", "mailboxes to poll, comma-separated imaps://user:pass@host/INBOX", &c.IMAPURL},
		{"HELPDESK_IMAP_POLL_SECONDS", "imap-poll-seconds", "30", "safety-net poll of each mailbox, kept while IDLE works", &c.imapPollSeconds},
		{"HELPDESK_SMTP_URL", "smtp-url", "", "relay for outbound mail; unset: DATA_DIR/outbox/*.eml", &c.SMTPURL},
		{"HELPDESK_SMTP_LISTEN", "smtp-listen", "", "address of the built-in SMTP intake; unset: off", &c.SMTPListen},
		{"HELPDESK_FROM", "from", "helpdesk@localhost", "the helpdesk's address", &c.From},
		{"HELPDESK_SECRET", "secret", "", "key for signed tokens and sessions; unset: generated once in DATA_DIR/secret", &c.Secret},
		{"HELPDESK_TRUSTED_AUTHSERV_ID", "trusted-authserv-id", "", "authserv-id of the receiving MTA whose Authentication-Results are believed; unset: check DKIM/DMARC here", &c.TrustedAuthServID},
		{"HELPDESK_TRUSTED_PROXIES", "trusted-proxies", "", "CIDRs of reverse proxies whose X-Forwarded-For/Forwarded are believed, comma-separated; unset: none, the peer address counts", &c.trustedProxies},
		{"HELPDESK_MAX_MESSAGE_MB", "max-message-mb", "25", "largest inbound message kept whole; larger ones keep their headers and a note", &c.maxMessageMB},
		{"HELPDESK_AUTORESPONSES_PER_HOUR", "autoresponses-per-hour", "5", "autoresponses to one address per hour at most", &c.autoresponsesPerHour},
		{"HELPDESK_AUTOCLOSE_DAYS", "autoclose-days", "7", "close tickets Resolved for this many days", &c.autoCloseDays},
		{"HELPDESK_ESCALATE_HOURS", "escalate-hours", "0", "raise the priority of tickets overdue this many hours; 0: never", &c.escalateHours},
	}
}

// register adds the configuration flags to fs, with the environment (or
// the default) as each flag's default.
func (c *Config) register(fs *flag.FlagSet) {
	for _, s := range c.settings() {
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok {
			def = v
		}
		fs.StringVar(s.dst, s.flag, def, s.help+" ($"+s.env+")")
	}
}

// finish validates the configuration and fills in derived values.
func (c *Config) finish() error {
	var errs []error
	if c.DataDir == "" {
		c.DataDir = "./helpdesk-data"
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		errs = append(errs, err)
	}
	c.DataDir = abs
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("HELPDESK_BASE_URL %q must be an http(s) URL", c.BaseURL))
	}
	num := func(name, v string, min int) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < min {
			errs = append(errs, fmt.Errorf("%s %q must be a whole number, at least %d", name, v, min))
		}
		return n
	}
	c.MaxMessageSize = int64(num("HELPDESK_MAX_MESSAGE_MB", c.maxMessageMB, 1)) << 20
	c.AutoresponsesPerHour = num("HELPDESK_AUTORESPONSES_PER_HOUR", c.autoresponsesPerHour, 1)
	c.AutoCloseAfter = time.Duration(num("HELPDESK_AUTOCLOSE_DAYS", c.autoCloseDays, 1)) * 24 * time.Hour
	c.EscalateAfter = time.Duration(num("HELPDESK_ESCALATE_HOURS", c.escalateHours, 0)) * time.Hour
	c.IMAPPoll = time.Duration(num("HELPDESK_IMAP_POLL_SECONDS", c.imapPollSeconds, 1)) * time.Second
	if ps, err := parseProxies(c.trustedProxies); err != nil {
		errs = append(errs, err)
	} else {
		c.TrustedProxies = ps
	}
	if c.Secret != "" {
		if err := checkSecret(c.Secret); err != nil {
			errs = append(errs, err)
		}
	}
	if a, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("HELPDESK_FROM %q is not an address: %v", c.From, err))
	} else {
		c.From = a.Address
	}
	return errors.Join(errs...)
}

// FromDomain is the domain of the helpdesk's address, used in Message-IDs.
func (c *Config) FromDomain() string {
	if at := strings.LastIndexByte(c.From, '@'); at >= 0 {
		return c.From[at+1:]
	}
	return "localhost"
}

// minSecret is the shortest key accepted: 32 bytes, as HMAC-SHA256 wants.
const minSecret = 32

// secretKey returns HELPDESK_SECRET, or the key kept in DATA_DIR/secret,
// generating it on first use. Of several processes starting at once on a
// fresh data dir, one key wins and all use it: each writes a key of its own
// to a temporary file, syncs it, and links it into place, which fails if
// the file exists; the losers read the winner's, whole. A file that is
// there but too short is an operator's to fix, not to overwrite.
func (c *Config) secretKey() ([]byte, error) {
	if c.Secret != "" {
		if err := checkSecret(c.Secret); err != nil {
			return nil, err
		}
		return []byte(c.Secret), nil
	}
	path := filepath.Join(c.DataDir, "secret")
	key, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	tmp, err := os.CreateTemp(c.DataDir, ".secret-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(raw) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if err == nil {
		// The link must survive a crash too, or the next start makes
		// another key and every signed link mailed so far dies.
		if d, err := os.Open(c.DataDir); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return readSecret(path)
}

// checkSecret refuses a configured key too short to sign with.
func checkSecret(s string) error {
	if len(s) < minSecret {
		return fmt.Errorf("HELPDESK_SECRET is %d bytes, it must have at least %d (for example `openssl rand -hex 32`); "+
			"leave it unset to keep a generated key in DATA_DIR/secret", len(s), minSecret)
	}
	return nil
}

// readSecret reads the key file; fs.ErrNotExist when there is none.
func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < minSecret {
		return nil, fmt.Errorf("secret: %s holds %d bytes, fewer than %d: put a longer key there (for example `openssl rand -hex 32`), "+
			"remove it to have one generated, or set HELPDESK_SECRET", path, len(key), minSecret)
	}
	return []byte(key), nil
}
