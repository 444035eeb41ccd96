package outbound

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// DirSender is the Sender used when HELPDESK_SMTP_URL is unset: each message
// becomes a file in dataDir/outbox, listed on a development page, so that a
// helpdesk without a relay still shows what it would have sent.
//
// It is idempotent on the Message-ID: sending the same id again rewrites the
// same file, so a queue that retries after a crash leaves one copy.
type DirSender struct {
	dir string
	mu  sync.Mutex // makes "find the file for this id, else name one" atomic
	now func() time.Time
}

// NewDirSender creates dataDir/outbox if needed.
func NewDirSender(dataDir string) (*DirSender, error) {
	if dataDir == "" {
		return nil, errors.New("outbound: no data directory for the outbox")
	}
	dir := filepath.Join(dataDir, "outbox")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbound: outbox: %w", err)
	}
	return &DirSender{dir: dir, now: time.Now}, nil
}

// Send writes data to outbox/<time>-<message-id>.eml via a temporary file
// and a rename, so the dev page never shows half a message. The envelope is
// not recorded: the headers say enough for development.
func (d *DirSender) Send(ctx context.Context, from string, to []string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return &SendError{Temporary: true, Err: err}
	}
	key := fileKey(data)
	d.mu.Lock()
	defer d.mu.Unlock()
	matches, err := filepath.Glob(filepath.Join(d.dir, "*-"+key+".eml"))
	if err != nil {
		return &SendError{Err: err}
	}
	name := d.now().UTC().Format("20060102T150405.000000000Z") + "-" + key + ".eml"
	if len(matches) > 0 {
		name = filepath.Base(matches[0])
	}
	if err := writeAtomic(filepath.Join(d.dir, name), data); err != nil {
		return &SendError{Temporary: true, Err: fmt.Errorf("outbound: outbox: %w", err)}
	}
	return nil
}

// Close does nothing; DirSender holds no resources.
func (d *DirSender) Close() error { return nil }

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o640)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// fileKey names a message by its Message-ID: the id made safe for a file
// name, plus a hash of the exact id so that ids differing only in unsafe
// characters stay apart. A message without an id is named by its content.
func fileKey(data []byte) string {
	id := ""
	if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(data))); err == nil {
		id = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if id == "" {
		sum := sha256.Sum256(data)
		return "noid_" + hex.EncodeToString(sum[:8])
	}
	safe := []byte(id)
	for i, c := range safe {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			safe[i] = '_'
		}
	}
	if len(safe) > 64 {
		safe = safe[:64]
	}
	sum := sha256.Sum256([]byte(id))
	return string(safe) + "_" + hex.EncodeToString(sum[:4])
}

// DevMail describes one file in the outbox for the development page.
type DevMail struct {
	Name    string // file name, for ReadDir
	Subject string
	To      string
	Date    time.Time // the Date header; zero if missing
	Size    int64
	ModTime time.Time
}

// maxDevMails bounds ListDir; the page is for a glance at recent mail.
const maxDevMails = 500

// ListDir returns the newest messages in dataDir/outbox, newest first. A
// missing outbox is an empty list.
func ListDir(dataDir string) ([]DevMail, error) {
	dir := filepath.Join(dataDir, "outbox")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbound: outbox: %w", err)
	}
	var mails []DevMail
	for _, e := range entries {
		if !validOutboxName(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed since ReadDir
		}
		mails = append(mails, DevMail{Name: e.Name(), Size: info.Size(), ModTime: info.ModTime()})
	}
	sort.Slice(mails, func(i, j int) bool {
		if !mails[i].ModTime.Equal(mails[j].ModTime) {
			return mails[i].ModTime.After(mails[j].ModTime)
		}
		return mails[i].Name > mails[j].Name
	})
	if len(mails) > maxDevMails {
		mails = mails[:maxDevMails]
	}
	for i := range mails {
		readSummary(filepath.Join(dir, mails[i].Name), &mails[i])
	}
	return mails, nil
}

// readSummary fills the header fields it can; a file it cannot parse is
// still listed, by name.
func readSummary(path string, m *DevMail) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	th, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(f, 256<<10)))
	if err != nil {
		return
	}
	h := gomail.Header{Header: message.Header{Header: th}}
	m.Subject, _ = h.Subject()
	if addrs, err := h.AddressList("To"); err == nil {
		parts := make([]string, len(addrs))
		for i, a := range addrs {
			parts[i] = a.Address
		}
		m.To = strings.Join(parts, ", ")
	} else {
		m.To = h.Get("To")
	}
	m.Date, _ = h.Date()
}

// ErrInvalidName is returned by ReadDir for names that are not outbox files.
var ErrInvalidName = errors.New("outbound: invalid outbox file name")

// ReadDir returns the raw bytes of one outbox file named as in DevMail.Name.
// The name comes from a URL, so anything that is not a plain .eml name is
// refused, and the file is opened through an os.Root so that even a symlink
// cannot lead outside the outbox.
func ReadDir(dataDir, name string) ([]byte, error) {
	if !validOutboxName(name) {
		return nil, ErrInvalidName
	}
	root, err := os.OpenRoot(filepath.Join(dataDir, "outbox"))
	if err != nil {
		return nil, fmt.Errorf("outbound: outbox: %w", err)
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("outbound: outbox: %w", err)
	}
	defer f.Close()
	return io.ReadAll(f)
}

func validOutboxName(name string) bool {
	return strings.HasSuffix(name, ".eml") && !strings.HasPrefix(name, ".") &&
		filepath.IsLocal(name) && !strings.ContainsAny(name, `/\:`) && filepath.Base(name) == name
}
