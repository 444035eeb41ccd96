package ingest

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	// Registers the charsets go-message and our own decoding look up
	// (windows-1252, koi8-r, iso-2022-jp, gb2312, ...).
	_ "github.com/emersion/go-message/charset"

	"github.com/kemsos/helpdesk/tickets"
)

// Limits bound the work Parse does on one message. A zero field takes its
// default.
type Limits struct {
	MaxAttachments int // attachments kept; the rest are dropped (Truncated)
	MaxHeaderBytes int // size of the top-level header block read
	MaxTextBytes   int // size of Text and of HTML each
}

// DefaultLimits are generous: real mail with 300+ attachments exists.
func DefaultLimits() Limits {
	return Limits{MaxAttachments: 1000, MaxHeaderBytes: 1 << 20, MaxTextBytes: 1 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = d.MaxAttachments
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	return l
}

// Attachment is one non-body part.
type Attachment struct {
	Filename    string // decoded, path-free, never empty
	ContentType string // lower-case media type, e.g. "application/pdf"
	ContentID   string // without <>
	Inline      bool   // shown inside the HTML (cid: image), not a download
	Data        []byte // transfer-decoded
}

// Message is the parsed view of one inbound mail.
type Message struct {
	MessageID       string   // canonical (see tickets.CanonicalMessageID); "" when absent or unusable, never invented here
	InReplyTo       []string // canonical ids
	References      []string // canonical ids, in header order
	From            Address  // first mailbox of From, else Sender, else Reply-To, else Return-Path; see FromHeader
	FromHeader      string   // which field From came from: "From", "Sender", "Reply-To", "Return-Path"; "" when none
	ReplyTo         []Address
	To, Cc          []Address
	ReturnPath      string // "" when the header is absent
	EmptyReturnPath bool   // Return-Path: <> (RFC 5321 null reverse-path)
	Subject         string // decoded, whitespace collapsed
	Date            time.Time
	Text            string // body as plain text, valid UTF-8
	HTML            string // sanitized HTML; "" when the mail has no HTML part
	Attachments     []Attachment
	Header          map[string]string // the headers worth storing, canonical keys
	Auto            AutoKind          // decided by headers only; see classify
	Bounce          *Bounce           // delivery report details, when Auto is Bounce
	Forward         *Forward          // the forwarded letter, when this mail is a forward
	ParseErrors     []string          // what could not be read, human readable
	Truncated       bool              // a limit cut something; ParseErrors says what

	// SuppressAutoReply is true when the helpdesk must send no automatic
	// answer: the message is automated (Auto is not Human), or its sender
	// asked for none with X-Auto-Response-Suppress All, AutoReply or OOF.
	// The request alone does not make a message automated: any sender may
	// make it, for mail a person wrote as much as for a program's.
	SuppressAutoReply bool

	// ForgedHelpdeskHeaders is true when the mail carried X-Helpdesk-*
	// fields. They are stripped from this view: only the helpdesk may set
	// them, and a loop check must look at the raw mail with its secret.
	ForgedHelpdeskHeaders bool

	nested   []*Message // attached messages (message/rfc822), for forwards
	contents contentFacts
}

// contentFacts are what the body walk learned for the classifiers.
type contentFacts struct {
	topType         string
	reportType      string
	dsn             []string // message/delivery-status bodies
	returnedHeaders []header // headers of the returned original in a report
	mdn             bool     // message/disposition-notification seen
	hdr             header   // top-level header (after X-Helpdesk- removal)
	maxText         int
}

// keptHeaders are stored with the message: they explain after the fact why
// it was classified as automated and what sent it.
var keptHeaders = []string{
	"Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond",
	"X-Auto-Response-Suppress", "List-Id", "List-Unsubscribe", "X-Mailer",
	"User-Agent", "Content-Type",
}

const (
	maxNested       = 4
	maxSubjectBytes = 998
)

// cutUTF8 shortens s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Parse reads one raw message. It never returns nil and never panics: what
// it cannot read is described in ParseErrors, and a failure in the body
// still leaves the header fields filled.
func Parse(raw []byte, lim Limits) *Message {
	return parse(raw, lim.withDefaults(), 0)
}

func parse(raw []byte, lim Limits, depth int) (m *Message) {
	m = &Message{}
	defer func() {
		if r := recover(); r != nil {
			m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("internal error while parsing: %v", r))
			m.Text = validUTF8(m.Text)
		}
	}()

	// Seen in practice: whole messages with bare CR line ends (classic
	// Mac OS). Everything below splits on LF.
	if bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') >= 0 {
		raw = bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
	}
	hb, body := splitHeader(raw)
	if len(hb) > lim.MaxHeaderBytes {
		cut := bytes.LastIndexByte(hb[:lim.MaxHeaderBytes], '\n')
		if cut < 0 {
			cut = lim.MaxHeaderBytes
		}
		hb = hb[:cut]
		m.Truncated = true
		m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("header block larger than %d bytes, the rest ignored", lim.MaxHeaderBytes))
	}
	h := parseHeader(hb)
	h = m.stripHelpdeskHeaders(h)
	m.readHeader(h)

	func() {
		defer func() {
			if r := recover(); r != nil {
				m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("internal error while reading the body: %v", r))
				m.Text = ""
				m.HTML = ""
			}
		}()
		m.readBody(h, body, lim, depth)
	}()

	m.Auto, m.Bounce = classify(m)
	m.SuppressAutoReply = m.Auto.Automated() || suppressesAutoReply(m.contents.hdr.get("X-Auto-Response-Suppress"))
	if m.Bounce == nil && depth == 0 {
		m.Forward = DetectForward(m)
	}
	return m
}

// stripHelpdeskHeaders removes X-Helpdesk-* fields: outsiders must not be
// able to forge the helpdesk's own markers.
func (m *Message) stripHelpdeskHeaders(h header) header {
	out := h[:0:0]
	for _, f := range h {
		if strings.HasPrefix(strings.ToLower(f.Key), "x-helpdesk-") {
			m.ForgedHelpdeskHeaders = true
			continue
		}
		out = append(out, f)
	}
	return out
}

func (m *Message) readHeader(h header) {
	m.contents.hdr = h
	_, topParams := parseMediaType(h.get("Content-Type"))
	cs := topParams["charset"]

	m.MessageID = firstID(parseMsgIDs(h.get("Message-Id")))
	m.InReplyTo = parseMsgIDs(strings.Join(h.values("In-Reply-To"), " "))
	m.References = parseMsgIDs(strings.Join(h.values("References"), " "))
	m.Subject = decodeText(h.get("Subject"), cs)
	if len(m.Subject) > maxSubjectBytes {
		// Seen in practice: subjects of thousands of encoded-words. RFC
		// 5322 section 2.1.1 caps a line at 998 characters; more is abuse.
		m.Subject = cutUTF8(m.Subject, maxSubjectBytes)
		m.Truncated = true
		m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("subject longer than %d bytes, cut", maxSubjectBytes))
	}
	m.Date = parseDate(h.get("Date"))
	if y := m.Date.Year(); !m.Date.IsZero() && (y < 1970 || y > 2100) {
		// Seen in practice: Date in the year 3609. A date that far off
		// would only mislead sorting and SLA clocks.
		m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("implausible Date %q ignored", h.get("Date")))
		m.Date = time.Time{}
	}

	m.ReplyTo = parseAddresses(h.get("Reply-To"), cs)
	m.readSender(h, cs)
	// Seen in practice: To repeated in several fields (Thunderbird's
	// mailformed_recipients fixture); all of them count.
	m.To = parseAddresses(strings.Join(h.values("To"), ", "), cs)
	m.Cc = parseAddresses(strings.Join(h.values("Cc"), ", "), cs)

	if h.has("Return-Path") {
		rp := strings.TrimSpace(h.get("Return-Path"))
		m.ReturnPath = validUTF8(rp)
		inner := strings.TrimSpace(strings.Trim(rp, "<> "))
		if inner == "" {
			m.EmptyReturnPath = true
		}
	}

	for _, k := range keptHeaders {
		if v := h.get(k); v != "" {
			if m.Header == nil {
				m.Header = map[string]string{}
			}
			m.Header[k] = collapseSpace(validUTF8(v))
		}
	}
}

// senderFields are where the sender is looked for, in order. Seen in
// practice: From missing (Thunderbird's mail-without-from), or broken
// (`From: "X" <>`) with the real address only in Reply-To; Return-Path is
// the envelope sender the last MTA recorded. FromHeader keeps which one
// it was, because only an address from From itself can be authenticated.
var senderFields = []string{"From", "Sender", "Reply-To", "Return-Path"}

// readSender fills From and FromHeader. When the address is not From's,
// the display name still is, if From has one: it is what the person
// chose to be called.
func (m *Message) readSender(h header, cs string) {
	fromList := parseAddresses(h.get("From"), cs)
	for _, key := range senderFields {
		list := fromList
		switch key {
		case "From":
		case "Reply-To":
			list = m.ReplyTo
		default:
			list = parseAddresses(h.get(key), cs)
		}
		if len(list) > 0 && usableEmail(list[0].Email) {
			m.From, m.FromHeader = list[0], key
			break
		}
	}
	if m.FromHeader == "From" {
		return
	}
	name := ""
	if len(fromList) > 0 {
		name = fromList[0].Name
	} else {
		name = displayName(decodeWords(h.get("From"), cs))
	}
	if name != "" {
		m.From.Name = name
	}
}

// usableEmail reports whether e has something on both sides of its last
// "@": "<@>" and "user@" are not a sender to fall back from.
func usableEmail(e string) bool {
	at := strings.LastIndexByte(e, '@')
	return at > 0 && at < len(e)-1
}

// displayName is the name in a From field whose address cannot be read:
// the phrase before any "<...>" ("X" in `"X" <>`), comments removed.
func displayName(v string) string {
	v = stripComments(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		v = v[:i]
	}
	return cleanName(v)
}

func firstID(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// segment is one piece of body: a plain part, an HTML part, or both when
// they are alternatives of each other.
type segment struct {
	plain, html string
	hasPlain    bool
	hasHTML     bool
}

type collector struct {
	m     *Message
	lim   Limits
	depth int
	errs  *[]string
	segs  []segment
	att   *[]Attachment
	n     *int // attachments numbered, for invented names
}

func (m *Message) readBody(h header, body []byte, lim Limits, depth int) {
	m.contents.maxText = lim.MaxTextBytes
	t := &treeBuilder{errs: &m.ParseErrors, maxParts: lim.MaxAttachments*2 + 100}
	root := t.build(h, body, "text/plain", "", 0, "")
	m.contents.topType = root.mediaType
	if root.mediaType == "multipart/report" {
		m.contents.reportType = strings.ToLower(root.params["report-type"])
	}
	var atts []Attachment
	n := 0
	c := &collector{m: m, lim: lim, depth: depth, errs: &m.ParseErrors, att: &atts, n: &n}
	c.visit(root, false)

	var texts, htmls []string
	for _, s := range c.segs {
		switch {
		case s.hasPlain && strings.TrimSpace(s.plain) != "":
			texts = append(texts, s.plain)
		case s.hasHTML:
			texts = append(texts, htmlToText(s.html))
		case s.hasPlain:
			texts = append(texts, s.plain)
		}
		if s.hasHTML {
			htmls = append(htmls, s.html)
		}
	}
	if len(texts) == 0 && len(m.contents.dsn) > 0 {
		// A report with no readable notice: the delivery-status fields are
		// the best text agents will get.
		texts = append(texts, m.contents.dsn[0])
	}
	m.Text = m.limitText(strings.TrimSpace(joinNonEmpty(texts, "\n\n")), "text")
	if len(htmls) > 0 {
		m.HTML = m.limitText(sanitizeHTML(strings.Join(htmls, "\n<hr>\n")), "HTML")
	}

	if len(atts) > lim.MaxAttachments {
		m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("%d attachments, only the first %d kept", n, lim.MaxAttachments))
		m.Truncated = true
		atts = atts[:lim.MaxAttachments]
	}
	m.Attachments = atts
}

func joinNonEmpty(ss []string, sep string) string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

func (m *Message) limitText(s, what string) string {
	s = validUTF8(s)
	if len(s) <= m.limTextBytes() {
		return s
	}
	cut := m.limTextBytes()
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	m.Truncated = true
	m.ParseErrors = append(m.ParseErrors, fmt.Sprintf("%s longer than %d bytes, cut", what, m.limTextBytes()))
	return s[:cut]
}

// limTextBytes is the MaxTextBytes readBody was given.
func (m *Message) limTextBytes() int {
	if m.contents.maxText > 0 {
		return m.contents.maxText
	}
	return DefaultLimits().MaxTextBytes
}

func (c *collector) errorf(format string, args ...any) {
	if len(*c.errs) < 100 {
		*c.errs = append(*c.errs, fmt.Sprintf(format, args...))
	}
}

// sub returns a collector that shares attachments and errors but gathers
// its own body segments.
func (c *collector) sub() *collector {
	return &collector{m: c.m, lim: c.lim, depth: c.depth, errs: c.errs, att: c.att, n: c.n}
}

func (c *collector) visit(p *part, inReport bool) {
	mt := p.mediaType
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		switch mt {
		case "multipart/alternative":
			c.alternative(p)
		case "multipart/related":
			c.related(p)
		case "multipart/report":
			c.report(p)
		default:
			// mixed, signed, digest, parallel and unknown subtypes: RFC
			// 2046 section 5.1.7 says to treat unknown ones as mixed.
			for _, ch := range p.children {
				c.visit(ch, inReport)
			}
		}
	case isMessageType(mt):
		c.nestedMessage(p, inReport)
	case isBodyPart(p):
		c.bodyPart(p)
	case c.reportPart(p):
	default:
		c.attach(p, false)
	}
}

func isTextOrMultipart(p *part) bool {
	return strings.HasPrefix(p.mediaType, "text/") || strings.HasPrefix(p.mediaType, "multipart/")
}

func isMessageType(mt string) bool {
	return mt == "message/rfc822" || mt == "message/global" || mt == "message/news"
}

// isBodyPart says whether a part is body text rather than a file: plain or
// HTML, not marked as attachment, not named.
func isBodyPart(p *part) bool {
	if p.mediaType != "text/plain" && p.mediaType != "text/html" {
		return false
	}
	disp, dparams := parseMediaType(p.hdr.get("Content-Disposition"))
	if disp == "attachment" {
		return false
	}
	return dparams["filename"] == "" && p.params["name"] == ""
}

func (c *collector) bodyPart(p *part) {
	data, problem := transferDecode(p.hdr.get("Content-Transfer-Encoding"), p.raw)
	if problem != "" {
		c.errorf("%s in part %s", problem, pathName(p.path))
	}
	isHTML := p.mediaType == "text/html"
	s, problem := decodeTextBody(data, p.charset, isHTML)
	if problem != "" {
		c.errorf("%s in part %s", problem, pathName(p.path))
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimPrefix(s, "\ufeff")
	if isHTML {
		c.segs = append(c.segs, segment{html: s, hasHTML: true})
		return
	}
	if isFlowed(p) {
		s = unflow(s, strings.EqualFold(p.params["delsp"], "yes"))
	}
	c.segs = append(c.segs, segment{plain: s, hasPlain: true})
}

// alternative keeps the first plain rendering and the last HTML one
// (RFC 2046 section 5.1.4 orders them by increasing faithfulness). Parts
// that are neither (calendar invites, images smuggled in as a "rogue"
// alternative) become attachments so nothing is hidden from agents.
func (c *collector) alternative(p *part) {
	var seg segment
	for _, ch := range p.children {
		s := c.sub()
		s.visit(ch, false)
		for _, cs := range s.segs {
			if cs.hasPlain && !seg.hasPlain {
				seg.plain, seg.hasPlain = cs.plain, true
			}
		}
		var html []string
		for _, cs := range s.segs {
			if cs.hasHTML {
				html = append(html, cs.html)
			}
		}
		if len(html) > 0 {
			seg.html, seg.hasHTML = strings.Join(html, "\n"), true
		}
	}
	if seg.hasPlain || seg.hasHTML {
		c.segs = append(c.segs, seg)
	}
}

// related shows its root part (the "start" parameter, else the first, RFC
// 2387 section 3.2) and keeps the other parts as inline attachments.
func (c *collector) related(p *part) {
	if len(p.children) == 0 {
		return
	}
	root := 0
	if start := tickets.CanonicalMessageID(p.params["start"]); start != "" {
		for i, ch := range p.children {
			if tickets.CanonicalMessageID(ch.hdr.get("Content-Id")) == start {
				root = i
			}
		}
	} else if !isTextOrMultipart(p.children[0]) {
		// Seen in practice: MHTML with the image before the HTML and no
		// start parameter. Showing the HTML is what the sender meant.
		for i, ch := range p.children {
			if ch.mediaType == "text/html" {
				root = i
				break
			}
		}
	}
	for i, ch := range p.children {
		if i == root {
			c.visit(ch, false)
			continue
		}
		if strings.HasPrefix(ch.mediaType, "multipart/") || isMessageType(ch.mediaType) {
			c.visit(ch, false)
			continue
		}
		c.attach(ch, true)
	}
}

// report handles multipart/report (RFC 6522): the first part is the
// human-readable notice, the others are machine-readable (see reportPart)
// and are kept as attachments too.
func (c *collector) report(p *part) {
	for _, ch := range p.children {
		c.visit(ch, true)
	}
}

// reportPart records the machine-readable parts of delivery and read
// reports wherever they are: seen in practice, a bare message/delivery-status
// without the multipart/report around it (flanker's bounce-delayed-broken).
func (c *collector) reportPart(p *part) bool {
	switch p.mediaType {
	case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
		data, _ := transferDecode(p.hdr.get("Content-Transfer-Encoding"), p.raw)
		c.m.contents.dsn = append(c.m.contents.dsn, validUTF8(string(data)))
	case "text/rfc822-headers", "message/rfc822-headers", "message/global-headers":
		data, _ := transferDecode(p.hdr.get("Content-Transfer-Encoding"), p.raw)
		hb, _ := splitHeader(data)
		c.m.contents.returnedHeaders = append(c.m.contents.returnedHeaders, parseHeader(hb))
	case "message/disposition-notification", "message/global-disposition-notification":
		c.m.contents.mdn = true
	default:
		return false
	}
	c.attach(p, false)
	return true
}

// nestedMessage keeps an attached message as a .eml attachment and parses
// it for forward detection, or, inside a report, for the bounced original's
// Message-ID.
func (c *collector) nestedMessage(p *part, inReport bool) {
	data, problem := transferDecode(p.hdr.get("Content-Transfer-Encoding"), p.raw)
	if problem != "" {
		c.errorf("%s in part %s", problem, pathName(p.path))
	}
	hb, _ := splitHeader(data)
	nh := parseHeader(hb)
	if inReport || c.m.contents.topType == "multipart/report" {
		c.m.contents.returnedHeaders = append(c.m.contents.returnedHeaders, nh)
	} else if c.depth < maxNested && len(c.m.nested) < 20 {
		c.m.nested = append(c.m.nested, parse(data, c.lim, c.depth+1))
	}
	name := c.filename(p)
	if name == "" {
		subj := decodeText(nh.get("Subject"), "")
		if subj == "" {
			subj = "message"
		}
		name = safeFilename(subj) + ".eml"
	}
	c.addAttachment(Attachment{
		Filename:    name,
		ContentType: "message/rfc822",
		ContentID:   tickets.CanonicalMessageID(p.hdr.get("Content-Id")),
		Data:        data,
	})
}

func (c *collector) attach(p *part, inRelated bool) {
	data, problem := transferDecode(p.hdr.get("Content-Transfer-Encoding"), p.raw)
	name := c.filename(p)
	disp, _ := parseMediaType(p.hdr.get("Content-Disposition"))
	cid := tickets.CanonicalMessageID(p.hdr.get("Content-Id"))
	inline := cid != "" && (disp == "inline" || inRelated && disp != "attachment")
	a := Attachment{
		Filename:    name,
		ContentType: p.mediaType,
		ContentID:   cid,
		Inline:      inline,
		Data:        data,
	}
	if strings.HasSuffix(strings.ToLower(name), ".eml") && c.m.contents.topType != "multipart/report" &&
		c.depth < maxNested && len(c.m.nested) < 20 {
		// Seen in practice: a forwarded .eml sent as
		// application/octet-stream (Thunderbird's eml_wrong_mime_type).
		c.m.nested = append(c.m.nested, parse(data, c.lim, c.depth+1))
	}
	idx := c.addAttachment(a)
	if problem != "" {
		c.errorf("%s in part %s (%s)", problem, pathName(p.path), idx)
	}
}

// addAttachment appends a, inventing a name when it has none, and returns
// the name used.
func (c *collector) addAttachment(a Attachment) string {
	*c.n++
	if a.Filename == "" {
		a.Filename = fmt.Sprintf("attachment-%d%s", *c.n, extensionFor(a.ContentType))
	}
	if len(*c.att) <= c.lim.MaxAttachments {
		*c.att = append(*c.att, a)
	}
	return a.Filename
}

// filename finds a part's name: Content-Disposition filename, then
// Content-Type name (RFC 2183 section 2.3 and the older RFC 1341 usage),
// then the last segment of Content-Location (RFC 2557). Encoded-words in
// these parameters violate RFC 2047 section 5 but are what Outlook and
// Thunderbird send, so they are decoded too.
func (c *collector) filename(p *part) string {
	_, dparams := parseMediaType(p.hdr.get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = p.params["name"]
	}
	if name == "" {
		if loc := strings.TrimSpace(p.hdr.get("Content-Location")); loc != "" {
			name = path.Base(strings.SplitN(loc, "?", 2)[0])
			if name == "." || name == "/" {
				name = ""
			}
		}
	}
	if name == "" {
		return ""
	}
	return safeFilename(decodeWords(name, p.charset))
}

// safeFilename strips directories and control characters: a name is shown
// to agents and may become a download name (seen in practice: "../" path
// traversal names, encoded-words that decode to a newline).
func safeFilename(s string) string {
	s = stripControls(s)
	s = strings.ReplaceAll(s, "\\", "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = collapseSpace(s)
	s = strings.Trim(s, ". ")
	if len(s) > 255 {
		cut := 255
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return validUTF8(s)
}

var extensions = map[string]string{
	"application/pdf":                  ".pdf",
	"application/zip":                  ".zip",
	"application/msword":               ".doc",
	"application/json":                 ".json",
	"application/pkcs7-signature":      ".p7s",
	"application/x-pkcs7-signature":    ".p7s",
	"application/pgp-signature":        ".asc",
	"application/pgp-encrypted":        ".pgp",
	"application/postscript":           ".ps",
	"application/ms-tnef":              ".dat",
	"image/png":                        ".png",
	"image/jpeg":                       ".jpg",
	"image/jpg":                        ".jpg",
	"image/gif":                        ".gif",
	"image/webp":                       ".webp",
	"image/bmp":                        ".bmp",
	"audio/basic":                      ".au",
	"audio/mpeg":                       ".mp3",
	"text/plain":                       ".txt",
	"text/html":                        ".html",
	"text/calendar":                    ".ics",
	"text/enriched":                    ".txt",
	"text/richtext":                    ".txt",
	"text/csv":                         ".csv",
	"text/rfc822-headers":              ".txt",
	"message/rfc822":                   ".eml",
	"message/delivery-status":          ".txt",
	"message/disposition-notification": ".txt",
	"message/feedback-report":          ".txt",
}

// extensionFor is a fixed table rather than mime.ExtensionsByType, which
// depends on the machine's mime.types and would make names vary by host.
func extensionFor(mt string) string {
	if e, ok := extensions[mt]; ok {
		return e
	}
	if strings.HasPrefix(mt, "text/") {
		return ".txt"
	}
	return ".bin"
}

// isFlowed reports format=flowed (RFC 3676).
func isFlowed(p *part) bool {
	return strings.EqualFold(p.params["format"], "flowed")
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676
// section 4): a line ending in a space continues on the next line, unless
// it is the signature separator "-- ".
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		soft := strings.HasSuffix(l, " ") && l != "-- " && i < len(lines)-1
		if soft && delsp {
			l = l[:len(l)-1]
		}
		b.WriteString(l)
		if !soft && i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
