package outbound

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/kemsos/helpdesk/templates"
	"github.com/kemsos/helpdesk/tickets"
)

// NoticeKind names a mail template.
type NoticeKind string

// Notices to citizens, then alerts to agents.
const (
	ConfirmAccount     NoticeKind = "confirm_account"
	PasswordReset      NoticeKind = "password_reset"
	AccountExists      NoticeKind = "account_exists" // someone registered an address that has an account
	TicketAutoresponse NoticeKind = "ticket_autoresponse"
	ResponseNotice     NoticeKind = "response_notice"
	StatusResolved     NoticeKind = "status_resolved"
	StatusClosed       NoticeKind = "status_closed"
	TicketReopened     NoticeKind = "ticket_reopened"
	// StatusLink answers the "check a ticket's status" form: the ticket's
	// progress link, mailed to the participant who asked.
	StatusLink NoticeKind = "status_link"

	AlertNewTicket NoticeKind = "alert_new_ticket"
	AlertTransfer  NoticeKind = "alert_transfer"
	AlertAssigned  NoticeKind = "alert_assigned"
	AlertOverdue   NoticeKind = "alert_overdue"
	// Reports to an agent about a mail from their address (tickets.Report).
	AlertUnverified NoticeKind = "alert_unverified"
	AlertRefused    NoticeKind = "alert_refused"
	AlertCommands   NoticeKind = "alert_commands"

	// Ticket tools (issue 12): agents hear when a citizen writes; citizens
	// hear of a merge, and of a transfer when the agent tells them.
	AlertMessage      NoticeKind = "alert_message"
	TicketMerged      NoticeKind = "ticket_merged"
	TicketTransferred NoticeKind = "ticket_transferred"

	// Digest folds the notices the loop guards held back into one mail.
	Digest NoticeKind = "digest"
)

// NoticeKinds lists every kind, for tests and the admin preview.
var NoticeKinds = []NoticeKind{
	ConfirmAccount, PasswordReset, AccountExists, TicketAutoresponse, ResponseNotice,
	StatusResolved, StatusClosed, TicketReopened, StatusLink,
	AlertNewTicket, AlertTransfer, AlertAssigned, AlertOverdue,
	AlertUnverified, AlertRefused, AlertCommands, Digest,
	AlertMessage, TicketMerged, TicketTransferred,
}

// Repliable reports whether a reply to this notice reaches the ticket, and
// so whether its text starts with the reply marker.
func (k NoticeKind) Repliable() bool {
	switch k {
	case ConfirmAccount, PasswordReset, AccountExists, AlertRefused, Digest:
		return false
	}
	return true
}

// AboutTicket reports whether the kind is about one ticket (its subject
// carries the ticket token).
func (k NoticeKind) AboutTicket() bool {
	return k != ConfirmAccount && k != PasswordReset && k != AccountExists && k != Digest
}

// The reply markers notices start with (tickets keeps them, for intake).
const (
	ReplyMarkerID = tickets.ReplyMarkerID
	ReplyMarkerEN = tickets.ReplyMarkerEN
)

// NoticeData is what every template may use; each kind uses a subset.
type NoticeData struct {
	Lang          string // "id" (default) or "en"
	RecipientName string
	TicketNumber  string // digits only, e.g. "881358"
	Subject       string // the ticket's subject
	Topic         string
	Department    string
	Status        string
	Priority      string
	DueAt         time.Time
	Location      *time.Location // the recipient's; default Asia/Jakarta
	Body          string         // the response or message text
	AgentName     string
	Reason        string // transfer reason
	Link          string // progress, confirmation or reset link
	BaseURL       string
	HelpdeskName  string
	Attachments   []string // file names
	// Lines and MailSubject are a report's: what happened to the agent's
	// mail of that subject, a line each.
	Lines       []string
	MailSubject string
	// Items are a digest's notices; ForAgent says whose.
	Items    []DigestItem
	ForAgent bool
	// AuthorName and AuthorEmail are who wrote the message an alert is
	// about; Reopened says their message reopened the ticket.
	AuthorName, AuthorEmail string
	Reopened                bool
	// FromNumber is the ticket merged into this one (TicketMerged).
	FromNumber string
}

// DigestItem is one held notice in a digest.
type DigestItem struct {
	Number  string // ticket number, digits
	Token   string // "[#881358]"
	Subject string // the ticket's
	What    string // what the notice said, in the digest's language
	Link    string
}

// view is NoticeData plus what the templates should not compute themselves.
type view struct {
	NoticeData
	Token  string // "[#881358]"
	Due    string // DueAt as "02/01/2006 15:04 WIB", "" when unset
	Marker string // reply marker, "" when the kind is not repliable
}

// labels translate the status and priority codes the domain uses.
var labels = map[string]map[string]string{
	"id": {"open": "Terbuka", "resolved": "Selesai", "closed": "Ditutup",
		"low": "Rendah", "normal": "Normal", "high": "Tinggi", "emergency": "Darurat"},
	"en": {"open": "Open", "resolved": "Resolved", "closed": "Closed",
		"low": "Low", "normal": "Normal", "high": "High", "emergency": "Emergency"},
}

func label(lang, code string) string {
	if l, ok := labels[lang][code]; ok {
		return l
	}
	return code
}

// DateLayout is how notices show times: Indonesian day-first order, with
// the zone abbreviation (WIB, WITA, WIT) people there expect.
const DateLayout = "02/01/2006 15:04 MST"

var jakarta = loadJakarta()

func loadJakarta() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	// A host without tzdata: Jakarta has had no DST since 1964.
	return time.FixedZone("WIB", 7*3600)
}

var languages = []string{"id", "en"}

// Renderer renders notices from templates parsed once. A lazy one
// (the embedded templates' default) parses a kind's templates when it is
// first rendered: a pipe that files one mail renders one or two kinds of
// the fifty, and parsing all of them was a third of its CPU.
type Renderer struct {
	lazy fs.FS // set: parse on first use
	mu   sync.Mutex
	text map[string]*texttemplate.Template // key: lang + "/" + kind
	html map[string]*htmltemplate.Template
}

// NewRenderer parses mail/<lang>/* from fsys. Every kind must exist in
// Indonesian; a missing English one falls back to Indonesian.
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, lang := range languages {
		for _, kind := range NoticeKinds {
			if err := r.parse(fsys, lang, kind); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

// parse reads one kind's templates in one language into r; a missing
// English one is no error (it falls back to Indonesian).
func (r *Renderer) parse(fsys fs.FS, lang string, kind NoticeKind) error {
	key := lang + "/" + string(kind)
	txtPath := "mail/" + key + ".txt"
	if _, err := fs.Stat(fsys, txtPath); err != nil {
		if lang == "id" {
			return fmt.Errorf("outbound: template %s: %w", txtPath, err)
		}
		return nil
	}
	tt, err := texttemplate.New(key).
		ParseFS(fsys, "mail/"+lang+"/common.txt", txtPath)
	if err != nil {
		return fmt.Errorf("outbound: template %s: %w", txtPath, err)
	}
	ht, err := htmltemplate.New(key).
		ParseFS(fsys, "mail/"+lang+"/layout.html", "mail/"+key+".html")
	if err != nil {
		return fmt.Errorf("outbound: template %s.html: %w", key, err)
	}
	for _, name := range []string{"subject", "text"} {
		if tt.Lookup(name) == nil {
			return fmt.Errorf("outbound: template %s defines no %q", txtPath, name)
		}
	}
	r.text[key], r.html[key] = tt, ht
	return nil
}

// templates returns the templates for kind in lang, falling back to
// Indonesian, parsing them first when r is lazy.
func (r *Renderer) templates(lang string, kind NoticeKind) (string, *texttemplate.Template, *htmltemplate.Template, error) {
	if r.lazy != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
	}
	for _, l := range []string{lang, "id"} {
		key := l + "/" + string(kind)
		if r.lazy != nil && r.text[key] == nil && slices.Contains(NoticeKinds, kind) {
			if err := r.parse(r.lazy, l, kind); err != nil {
				return "", nil, nil, err
			}
		}
		if r.text[key] != nil {
			return key, r.text[key], r.html[key], nil
		}
	}
	return "", nil, nil, fmt.Errorf("%w: %q", ErrUnknownNotice, kind)
}

// defaultRenderer is the embedded templates, each parsed on first use: a
// pipe that only hands its mail to a running serve never needs them, and
// one that files its mail itself needs one or two. serve parses them all
// at start-up (CheckTemplates), so that a broken template stops it there
// rather than a notice at run time.
var defaultRenderer = &Renderer{lazy: templates.Mail, text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}

// CheckTemplates parses the embedded templates, reporting the first error.
func CheckTemplates() error {
	_, err := NewRenderer(templates.Mail)
	return err
}

// ErrUnknownNotice is returned for a kind without templates.
var ErrUnknownNotice = errors.New("outbound: unknown notice kind")

// Render renders a notice with the embedded templates.
func Render(kind NoticeKind, d NoticeData) (subject, text, html string, err error) {
	return defaultRenderer.Render(kind, d)
}

// Render returns the subject (one line), the text body starting with the
// reply marker when the kind is repliable, and the HTML body.
func (r *Renderer) Render(kind NoticeKind, d NoticeData) (subject, text, html string, err error) {
	lang := d.Lang
	if lang != "en" {
		lang = "id"
	}
	key, tt, ht, err := r.templates(lang, kind)
	if err != nil {
		return "", "", "", err
	}

	v := view{NoticeData: d}
	if v.HelpdeskName == "" {
		v.HelpdeskName = "Helpdesk"
	}
	if v.TicketNumber != "" {
		v.Token = "[#" + v.TicketNumber + "]"
	}
	if !d.DueAt.IsZero() {
		loc := d.Location
		if loc == nil {
			loc = jakarta
		}
		v.Due = d.DueAt.In(loc).Format(DateLayout)
	}
	v.Status = label(lang, v.Status)
	v.Priority = label(lang, v.Priority)
	if kind.Repliable() {
		v.Marker = ReplyMarkerID
		if strings.HasPrefix(key, "en/") {
			v.Marker = ReplyMarkerEN
		}
	}

	var buf bytes.Buffer
	if err := tt.ExecuteTemplate(&buf, "subject", v); err != nil {
		return "", "", "", fmt.Errorf("outbound: render %s subject: %w", key, err)
	}
	// A ticket subject typed by a citizen may hold line breaks or tabs;
	// a header cannot.
	subject = strings.Join(strings.Fields(buf.String()), " ")

	buf.Reset()
	if v.Marker != "" {
		buf.WriteString(v.Marker + "\n\n")
	}
	if err := tt.ExecuteTemplate(&buf, "text", v); err != nil {
		return "", "", "", fmt.Errorf("outbound: render %s text: %w", key, err)
	}
	text = tidyText(buf.String())

	buf.Reset()
	if err := ht.ExecuteTemplate(&buf, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("outbound: render %s html: %w", key, err)
	}
	return subject, text, buf.String(), nil
}

var blankRuns = regexp.MustCompile(`\n{3,}`)

// tidyText removes trailing spaces and the runs of blank lines that optional
// template sections leave behind.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(s) + "\n"
}
