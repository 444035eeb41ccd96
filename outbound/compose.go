package outbound

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"net/mail"
)

// Address is a display name and a mailbox.
type Address struct{ Name, Email string }

// Attachment is a file carried by an outgoing message: its bytes, or a
// reference to a stored blob (BlobSHA256), written as a placeholder that
// ExpandBlobs replaces with the blob at send time.
type Attachment struct {
	Filename    string
	ContentType string // "" means application/octet-stream
	Data        []byte
	BlobSHA256  []byte // with Data nil: the stored file this part carries
}

// Mail is an outgoing message before it is turned into bytes.
type Mail struct {
	From    Address // helpdesk name + address
	To      []Address
	Cc      []Address
	ReplyTo Address // zero: no Reply-To header
	Subject string  // non-ASCII is encoded per RFC 2047
	// MessageID, InReplyTo and References are ids without angle brackets.
	MessageID  string // required
	InReplyTo  string
	References []string
	Date       time.Time // zero: the time Bytes is called
	// AutoSubmitted is "auto-replied" or "auto-generated" (RFC 3834); ""
	// only for mail an agent wrote by hand. The caller decides which.
	AutoSubmitted string
	Headers       map[string]string // extra fields, e.g. X-Helpdesk-Ticket
	Text, HTML    string            // HTML is optional
	Attachments   []Attachment
}

// ErrInvalidMail is wrapped by every validation error from Mail.Bytes.
var ErrInvalidMail = errors.New("outbound: invalid mail")

// reservedHeaders are written by Bytes itself; letting Headers set them
// would allow a second From or a Content-Type that lies about the body.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true,
	"sender": true, "subject": true, "date": true, "message-id": true,
	"in-reply-to": true, "references": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true,
	"content-disposition": true, "auto-submitted": true,
	"x-auto-response-suppress": true, "return-path": true,
}

// Bytes renders the message as RFC 5322 text with CRLF line endings and no
// line longer than 998 octets: headers are folded, text parts are UTF-8
// quoted-printable and attachments base64. Any CR or LF in a value that ends
// up in a header is refused rather than stripped, since it can only come from
// a bug or from an attempt at header injection.
func (m *Mail) Bytes() ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}

	var f fields
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	f.add("Date", date.Format(dateLayout))
	f.add("From", formatAddresses([]Address{m.From}))
	if len(m.To) > 0 {
		f.add("To", formatAddresses(m.To))
	}
	if len(m.Cc) > 0 {
		f.add("Cc", formatAddresses(m.Cc))
	}
	if m.ReplyTo.Email != "" {
		f.add("Reply-To", formatAddresses([]Address{m.ReplyTo}))
	}
	f.add("Subject", encodeText(m.Subject))
	// Written raw for the conventional spelling; go-message would
	// canonicalise the name to "Message-Id".
	f.raw("Message-ID: <" + m.MessageID + ">\r\n")
	if m.InReplyTo != "" {
		f.add("In-Reply-To", "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		f.add("References", "<"+strings.Join(m.References, "> <")+">")
	}
	if m.AutoSubmitted != "" {
		f.add("Auto-Submitted", m.AutoSubmitted)
		// Exchange and Outlook ignore Auto-Submitted; this stops their
		// out-of-office replies and read receipts answering our notices.
		f.add("X-Auto-Response-Suppress", "All")
	}
	names := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic output
	for _, k := range names {
		f.add(k, encodeText(m.Headers[k]))
	}
	f.raw("MIME-Version: 1.0\r\n")

	var buf bytes.Buffer
	buf.Grow(len(m.Text) + len(m.HTML) + 4*attachmentsSize(m.Attachments)/3 + 2048)
	if err := m.writeBody(&buf, f); err != nil {
		return nil, fmt.Errorf("outbound: compose: %w", err)
	}
	return buf.Bytes(), nil
}

// dateLayout is RFC 5322 §3.3 date-time with a numeric zone.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

func (m *Mail) writeBody(buf *bytes.Buffer, top fields) error {
	switch {
	case len(m.Attachments) == 0 && m.HTML == "":
		return writeSingle(buf, append(top, textPartFields("text/plain")...), m.Text)
	case len(m.Attachments) == 0:
		top.add("Content-Type", multipartType("multipart/alternative"))
		w, err := message.CreateWriter(buf, top.header())
		if err != nil {
			return err
		}
		if err := m.writeAlternatives(w); err != nil {
			return err
		}
		return w.Close()
	}

	top.add("Content-Type", multipartType("multipart/mixed"))
	w, err := message.CreateWriter(buf, top.header())
	if err != nil {
		return err
	}
	if m.HTML == "" {
		if err := writeTextPart(w, "text/plain", m.Text); err != nil {
			return err
		}
	} else {
		var af fields
		af.add("Content-Type", multipartType("multipart/alternative"))
		aw, err := w.CreatePart(af.header())
		if err != nil {
			return err
		}
		if err := m.writeAlternatives(aw); err != nil {
			return err
		}
		if err := aw.Close(); err != nil {
			return err
		}
	}
	for _, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		mt, params, _ := mime.ParseMediaType(ct)
		delete(params, "name")
		var pf fields
		// Thunderbird's convention: RFC 2231 in filename for readers that
		// follow the standard, and an RFC 2047 word in the obsolete name
		// parameter, which is all Outlook reads.
		pf.add("Content-Type", mime.FormatMediaType(mt, params)+"; name="+quoteParam(mime.QEncoding.Encode("utf-8", a.Filename)))
		pf.add("Content-Disposition", "attachment; "+rfc2231Param("filename", a.Filename))
		pf.add("Content-Transfer-Encoding", "base64")
		pw, err := w.CreatePart(pf.header())
		if err != nil {
			return err
		}
		data := a.Data
		if data == nil && a.BlobSHA256 != nil {
			data = blobPlaceholder(a.BlobSHA256)
		}
		if _, err := pw.Write(data); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return w.Close()
}

func (m *Mail) writeAlternatives(w *message.Writer) error {
	// RFC 2046 §5.1.4: alternatives go from plainest to richest.
	if err := writeTextPart(w, "text/plain", m.Text); err != nil {
		return err
	}
	return writeTextPart(w, "text/html", m.HTML)
}

func textPartFields(mediaType string) fields {
	var f fields
	f.add("Content-Type", mediaType+"; charset=utf-8")
	f.add("Content-Transfer-Encoding", "quoted-printable")
	return f
}

func writeTextPart(w *message.Writer, mediaType, body string) error {
	pw, err := w.CreatePart(textPartFields(mediaType).header())
	if err != nil {
		return err
	}
	if _, err := pw.Write([]byte(normalizeNewlines(body))); err != nil {
		return err
	}
	return pw.Close()
}

func writeSingle(buf *bytes.Buffer, f fields, body string) error {
	w, err := message.CreateWriter(buf, f.header())
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(normalizeNewlines(body))); err != nil {
		return err
	}
	return w.Close()
}

// normalizeNewlines turns CRLF and lone CR into LF; the quoted-printable
// writer then emits every line break as CRLF, so templates and agents'
// text may use either convention.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func attachmentsSize(as []Attachment) int {
	n := 0
	for _, a := range as {
		n += len(a.Data)
	}
	return n
}

func formatAddresses(as []Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		// net/mail quotes and RFC 2047-encodes the display name as needed.
		// It would quote a quoted local part ("budi santoso"@example.id,
		// RFC 5322 §3.4.1) a second time, so the address is put in after.
		s := (&mail.Address{Name: a.Name, Address: "x@x"}).String()
		parts[i] = strings.TrimSuffix(s, "<x@x>") + "<" + a.Email + ">"
	}
	return strings.Join(parts, ", ")
}

// fields is a header in the order it will be written. go-message writes the
// most recently added field first, so header reverses the list for it.
type fields []field

type field struct {
	k, v string
	raw  bool
}

func (f *fields) add(k, v string) { *f = append(*f, field{k: k, v: v}) }

// raw adds a complete, already folded field ending in CRLF.
func (f *fields) raw(line string) { *f = append(*f, field{v: line, raw: true}) }

func (f fields) header() message.Header {
	var h message.Header
	for i := len(f) - 1; i >= 0; i-- {
		if f[i].raw {
			h.AddRaw([]byte(f[i].v))
		} else {
			h.Add(f[i].k, f[i].v)
		}
	}
	return h
}

// multipartType returns a Content-Type with a fresh boundary. The boundary
// starts with "=_", which can occur neither in quoted-printable nor in
// base64 output, so no part body can ever contain it.
func multipartType(mediaType string) string {
	var b [12]byte
	rand.Read(b[:])
	return mime.FormatMediaType(mediaType, map[string]string{"boundary": "=_" + hex.EncodeToString(b[:])})
}

// encodeText RFC 2047-encodes only the runs of words that need it, so that
// "[#881358] Pemindahan kantor — mohon" keeps its ticket token readable in
// the raw header for people and simple filters. A run includes the spaces
// inside it: whitespace between two encoded words is dropped when decoding.
func encodeText(s string) string {
	words := strings.Split(s, " ")
	needs := func(w string) bool {
		for i := 0; i < len(w); i++ {
			if w[i] >= 0x7f || w[i] < ' ' && w[i] != '\t' {
				return true
			}
		}
		return false
	}
	var out []string
	for i := 0; i < len(words); {
		if !needs(words[i]) {
			out = append(out, words[i])
			i++
			continue
		}
		j := i + 1
		for j < len(words) && needs(words[j]) {
			j++
		}
		out = append(out, mime.QEncoding.Encode("utf-8", strings.Join(words[i:j], " ")))
		i = j
	}
	return strings.Join(out, " ")
}

func quoteParam(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// rfc2231Param formats a parameter whose value may be non-ASCII or long.
// Non-ASCII and long values are percent-encoded UTF-8 (RFC 2231 §4) split
// into numbered continuations (§3) of at most 60 characters, because a
// folded header may only break at whitespace and an encoded value has none.
func rfc2231Param(name, value string) string {
	plain := len(value) <= 60
	for i := 0; i < len(value) && plain; i++ {
		plain = value[i] >= ' ' && value[i] < 0x7f
	}
	if plain {
		return name + "=" + quoteParam(value)
	}
	const maxChunk = 60
	var chunks []string
	var cur strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		enc := string(c)
		if !isAttrChar(c) {
			enc = fmt.Sprintf("%%%02X", c)
		}
		if cur.Len()+len(enc) > maxChunk {
			chunks = append(chunks, cur.String())
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	chunks = append(chunks, cur.String())
	if len(chunks) == 1 {
		return name + "*=utf-8''" + chunks[0]
	}
	parts := make([]string, len(chunks))
	for i, c := range chunks {
		if i == 0 {
			c = "utf-8''" + c
		}
		parts[i] = fmt.Sprintf("%s*%d*=%s", name, i, c)
	}
	return strings.Join(parts, "; ")
}

// isAttrChar is RFC 2231 attribute-char: a token character other than
// '*', '\” and '%'.
func isAttrChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

func (m *Mail) validate() error {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	checkAddr := func(field string, a Address) {
		if hasNewline(a.Name) {
			bad("%s name contains CR or LF", field)
		}
		if !validEmail(a.Email) {
			bad("%s address %q is not a mailbox", field, a.Email)
		}
	}
	checkAddr("From", m.From)
	if len(m.To)+len(m.Cc) == 0 {
		bad("no recipient")
	}
	for _, a := range m.To {
		checkAddr("To", a)
	}
	for _, a := range m.Cc {
		checkAddr("Cc", a)
	}
	if m.ReplyTo != (Address{}) {
		checkAddr("Reply-To", m.ReplyTo)
	}
	if hasNewline(m.Subject) {
		bad("Subject contains CR or LF")
	}
	if m.MessageID == "" {
		bad("Message-ID is required")
	} else if !validMsgID(m.MessageID) {
		bad("Message-ID %q is malformed", m.MessageID)
	}
	if m.InReplyTo != "" && !validMsgID(m.InReplyTo) {
		bad("In-Reply-To %q is malformed", m.InReplyTo)
	}
	for _, id := range m.References {
		if !validMsgID(id) {
			bad("References id %q is malformed", id)
		}
	}
	switch m.AutoSubmitted {
	case "", "auto-replied", "auto-generated":
	default:
		bad("Auto-Submitted %q is not auto-replied or auto-generated", m.AutoSubmitted)
	}
	for k, v := range m.Headers {
		if !validFieldName(k) {
			bad("header name %q is invalid", k)
		} else if reservedHeaders[strings.ToLower(k)] {
			bad("header %s is set by the composer", k)
		}
		if hasNewline(v) {
			bad("header %s contains CR or LF", k)
		}
	}
	for _, a := range m.Attachments {
		if a.Filename == "" || hasNewline(a.Filename) {
			bad("attachment name %q is invalid", a.Filename)
		}
		if a.ContentType != "" {
			if mt, _, err := mime.ParseMediaType(a.ContentType); err != nil || strings.HasPrefix(mt, "multipart/") {
				bad("attachment %q content type %q is invalid", a.Filename, a.ContentType)
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidMail, strings.Join(problems, "; "))
	}
	return nil
}

func hasNewline(s string) bool { return strings.ContainsAny(s, "\r\n") }

// validEmail is deliberately simple: the relay is the judge of deliverability,
// this only keeps values that would break the header or the envelope out.
// validEmail accepts local@domain, the local part a dot-atom or one
// quoted string (RFC 5322 §3.4.1: "budi santoso"@example.id).
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, "\r\n\x00") || strings.ContainsAny(s[at+1:], " \t<>,;\"\\") {
		return false
	}
	local := s[:at]
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		inner := local[1 : len(local)-1]
		return !strings.ContainsAny(inner, "\"\\")
	}
	return !strings.ContainsAny(local, " \t<>,;\"\\")
}

// validMsgID accepts RFC 5322 id-left "@" id-right without the brackets.
func validMsgID(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}
