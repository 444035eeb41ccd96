package tickets

import (
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Ticket statuses, as in the manual.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusClosed   = "closed"
)

// Priorities, lowest first.
var Priorities = []string{"low", "normal", "high", "emergency"}

// Entry kinds.
const (
	KindMessage  = "message"
	KindResponse = "response"
	KindNote     = "note"
	KindEvent    = "event"
)

// Sources of tickets and entries.
const (
	SourceWeb    = "web"
	SourceEmail  = "email"
	SourceAPI    = "api"
	SourceSystem = "system"
	// A ticket an agent opened for someone who phoned or came to the desk
	// (Store.OpenForCaller).
	SourcePhone  = "phone"
	SourceWalkin = "walkin"
)

// Mailable reports whether mail can go to an address: not the reserved
// .invalid top-level domain (RFC 2606 §2) given to people who have no
// address, such as a caller without email.
func Mailable(email string) bool {
	e := NormalizeEmail(email)
	return e != "" && !strings.HasSuffix(e, ".invalid")
}

// Reply markers: the first line of every repliable notice the helpdesk
// sends. The intake cuts a reply at a marker, dropping the quoted history
// below it; the outbox writes them.
const (
	ReplyMarkerID = "##- Ketik balasan di atas baris ini -##"
	ReplyMarkerEN = "##- Please type your reply above this line -##"
)

// ValidStatus reports whether s is one of the statuses.
func ValidStatus(s string) bool {
	return s == StatusOpen || s == StatusResolved || s == StatusClosed
}

// ValidPriority reports whether p is one of the priorities.
func ValidPriority(p string) bool {
	for _, q := range Priorities {
		if p == q {
			return true
		}
	}
	return false
}

// Address is a person's mail identity. ID is the user's, when it is known
// (a ticket's collaborators).
type Address struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	ID    int64  `json:"-" db:"id"`
}

// Department groups agents and tickets.
type Department struct {
	ID   int    `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

// Topic is a help topic offered on the ticket form; it routes tickets to a
// department and may carry its own SLA plan.
type Topic struct {
	ID             int           `db:"id" json:"id"`
	Name           string        `db:"name" json:"name"`
	Description    string        `db:"description" json:"description"`
	DepartmentID   int           `db:"department_id" json:"department_id"`
	DepartmentName string        `db:"department_name" json:"department"`
	SLAPlanID      sql.NullInt64 `db:"sla_plan_id" json:"-"`
	Active         bool          `db:"active" json:"active"`
}

// SLAPlan sets how long the desk has to answer.
type SLAPlan struct {
	ID         int    `db:"id"`
	Name       string `db:"name"`
	GraceHours int    `db:"grace_hours"`
}

// User is a citizen or a regional office writing in.
type User struct {
	ID           int64          `db:"id"`
	Email        string         `db:"email"`
	Username     sql.NullString `db:"username"`
	Name         string         `db:"name"`
	Address      string         `db:"address"`
	Phone        string         `db:"phone"`
	Timezone     string         `db:"timezone"`
	Lang         string         `db:"lang"`
	PasswordHash sql.NullString `db:"password_hash"`
	ConfirmedAt  sql.NullTime   `db:"confirmed_at"`
	BouncingAt   sql.NullTime   `db:"bouncing_at"`
	CreatedAt    time.Time      `db:"created_at"`
}

// BounceMemory is how long a bounce keeps an address marked: mailboxes
// come back (a full one is emptied, a disabled one restored), and a mark
// that never ends silences a person for good.
const BounceMemory = 14 * 24 * time.Hour

// Bouncing reports whether mail to the user bounced recently enough that
// no automatic mail should go to them at now.
func (u *User) Bouncing(now time.Time) bool {
	return u.BouncingAt.Valid && now.Sub(u.BouncingAt.Time) < BounceMemory
}

// Registered reports whether the user has an account they can sign in to.
func (u *User) Registered() bool { return u.PasswordHash.Valid && u.ConfirmedAt.Valid }

// Agent is a member of the helpdesk staff.
type Agent struct {
	ID           int            `db:"id"`
	Email        string         `db:"email"`
	Name         string         `db:"name"`
	PasswordHash sql.NullString `db:"password_hash"`
	IsAdmin      bool           `db:"is_admin"`
	Active       bool           `db:"active"`
	Lang         string         `db:"lang"`
	Timezone     string         `db:"timezone"`
	Departments  []int          `db:"-"`
	Leads        []int          `db:"-"` // the departments whose reports they see (a subset of Departments)
	// Signature ends the agent's responses from the panel (Post.Signature).
	Signature string `db:"signature"`
}

// CanSeeDepartment reports whether the agent may see tickets of department d.
func (a *Agent) CanSeeDepartment(d int) bool {
	if a.IsAdmin {
		return true
	}
	for _, x := range a.Departments {
		if x == d {
			return true
		}
	}
	return false
}

// Ticket is one complaint or question and its state.
type Ticket struct {
	ID             int64          `db:"id"`
	Number         string         `db:"number"`
	Subject        string         `db:"subject"`
	Status         string         `db:"status"`
	Priority       string         `db:"priority"`
	DepartmentID   int            `db:"department_id"`
	DepartmentName string         `db:"department_name"`
	TopicID        sql.NullInt64  `db:"topic_id"`
	TopicName      sql.NullString `db:"topic_name"`
	OwnerID        int64          `db:"owner_id"`
	OwnerEmail     string         `db:"owner_email"`
	OwnerName      string         `db:"owner_name"`
	OwnerPhone     string         `db:"owner_phone"`
	OwnerLang      string         `db:"owner_lang"`
	AssigneeID     sql.NullInt64  `db:"assignee_id"`
	AssigneeEmail  sql.NullString `db:"assignee_email"`
	AssigneeName   sql.NullString `db:"assignee_name"`
	SLAPlanID      sql.NullInt64  `db:"sla_plan_id"`
	SLAPlanName    sql.NullString `db:"sla_plan_name"`
	DueAt          sql.NullTime   `db:"due_at"`
	Overdue        bool           `db:"overdue"`
	Source         string         `db:"source"`
	ForwardedBy    sql.NullInt64  `db:"forwarded_by"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
	LastMessageAt  sql.NullTime   `db:"last_message_at"`
	LastResponseAt sql.NullTime   `db:"last_response_at"`
	ResolvedAt     sql.NullTime   `db:"resolved_at"`
	ClosedAt       sql.NullTime   `db:"closed_at"`
	// RefersTo is the ticket whose mail this one's first message named,
	// by someone who takes no part in it.
	RefersTo       sql.NullInt64  `db:"refers_to"`
	RefersToNumber sql.NullString `db:"refers_to_number"`
	// MergedInto is set on a ticket merged into another: a closed stub
	// whose number leads to that one. MergedNumbers are the numbers of
	// the tickets merged into this one. Both are read for one ticket
	// (TicketByNumber, TicketByID), not in listings.
	MergedInto    sql.NullInt64  `db:"merged_into"`
	MergedNumbers pq.StringArray `db:"merged_numbers"`

	Collaborators []Address `db:"-"`
}

// HasNumber reports whether number is the ticket's, or that of a ticket
// merged into it: mail and links naming the old number belong here now.
func (t *Ticket) HasNumber(number string) bool {
	return number == t.Number || slices.Contains(t.MergedNumbers, number)
}

// Entry is one item of a ticket's thread.
type Entry struct {
	ID          int64          `db:"id"`
	TicketID    int64          `db:"ticket_id"`
	Kind        string         `db:"kind"`
	UserID      sql.NullInt64  `db:"user_id"`
	AgentID     sql.NullInt64  `db:"agent_id"`
	AuthorEmail sql.NullString `db:"author_email"`
	AuthorName  sql.NullString `db:"author_name"`
	Body        string         `db:"body"`
	BodyHTML    string         `db:"body_html"`
	Event       sql.NullString `db:"event"`
	EventData   []byte         `db:"event_data"`
	Source      string         `db:"source"`
	MessageID   sql.NullString `db:"message_id"`
	Auth        sql.NullString `db:"auth"` // a mail-born entry's MailAuth.Method
	AuthDetail  sql.NullString `db:"auth_detail"`
	CreatedAt   time.Time      `db:"created_at"`

	Attachments []Attachment `db:"-"`
}

// MailAuth is what was authenticated about the sender of a mail that
// becomes an entry: the verdict of ingest's trust model.
type MailAuth struct {
	Method string // "dmarc", "dkim", "possession" or "none"
	Detail string // for agents: by what, or why not
}

// Verified reports whether the sender is who the mail says: true for an
// entry not made from mail (the web and the API authenticate their users
// themselves).
func (m *MailAuth) Verified() bool { return m == nil || (m.Method != "" && m.Method != "none") }

// Data returns an event's facts (from, to, reason…).
func (e *Entry) Data() map[string]string {
	m := map[string]string{}
	json.Unmarshal(e.EventData, &m)
	return m
}

// ByAgent reports whether an agent wrote the entry.
func (e *Entry) ByAgent() bool { return e.AgentID.Valid }

// Attachment is a file on an entry; its content is stored once per SHA-256.
type Attachment struct {
	ID          int64          `db:"id"`
	EntryID     int64          `db:"entry_id"`
	SHA256      []byte         `db:"sha256"`
	Name        string         `db:"name"`
	ContentType string         `db:"content_type"`
	Size        int64          `db:"size"`
	Inline      bool           `db:"inline"`
	ContentID   sql.NullString `db:"content_id"`
}

// NewAttachment is a file being added to the thread.
type NewAttachment struct {
	Name        string
	ContentType string
	Data        []byte
	Inline      bool
	ContentID   string
}
