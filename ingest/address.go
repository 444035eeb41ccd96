package ingest

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/kemsos/helpdesk/tickets"
)

// Address is one mailbox. Email is lower-cased in full: mailboxes are
// case-insensitive in practice, and participants are matched on it. A
// local part that is not a dot-atom keeps its quotes
// ("millions lottery"@example.com), since without them it is not an
// address (RFC 5322 section 3.4.1).
type Address struct {
	Name  string
	Email string
}

// quotedLocal is an RFC 5322 quoted-string used as a local part; the
// lenient patterns accept it so that "Budi Santoso"@example.id is an
// address there too.
const quotedLocal = `"(?:[^"\\\r\n]|\\.)*"`

var (
	angleAddr = regexp.MustCompile(`<\s*(?:mailto:)?((?:` + quotedLocal + `\s*|[^<>"]*)@[^<>"]*)>`)
	bareAddr  = regexp.MustCompile(quotedLocal + `@[^\s<>()\[\]",;:@]+|[^\s<>()\[\]",;:@]+@[^\s<>()\[\]",;:@]+`)
)

// parseAddresses reads an address-list field. It tries RFC 5322 first and
// falls back to picking out anything that looks like an address, since
// real From fields break the grammar in many ways (seen in practice: two
// mailboxes without a comma, unquoted "." and "@" in display names, raw
// 8-bit names).
func parseAddresses(v, fallbackCharset string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	v = decodeBytesString(v, fallbackCharset)
	if list, err := gomail.ParseAddressList(v); err == nil && len(list) > 0 {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			name := a.Name
			if strings.Contains(name, "=?") {
				// RFC 2047 section 5 forbids encoded-words inside quoted
				// strings, but Outlook and bulk mailers quote them anyway.
				name = decodeWords(name, fallbackCharset)
			}
			// net/mail returns a quoted local part unquoted ("Millions
			// Lottery"@example.com as Millions Lottery@example.com).
			out = append(out, Address{Name: cleanName(name), Email: cleanEmail(quoteLocalPart(a.Address))})
		}
		return out
	}
	return lenientAddresses(stripComments(v))
}

// stripComments removes RFC 5322 comments "(...)" (nested, with quoted
// pairs) outside quoted strings.
func stripComments(v string) string {
	var b strings.Builder
	depth := 0
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (depth > 0 || quoted) && i+1 < len(v):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(v[i+1])
			}
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
			b.WriteByte(c)
		case c == '(' && !quoted:
			depth++
		case c == ')' && !quoted && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func lenientAddresses(v string) []Address {
	var out []Address
	if ms := angleAddr.FindAllStringSubmatchIndex(v, -1); ms != nil {
		prev := 0
		for _, m := range ms {
			name := strings.TrimSpace(v[prev:m[0]])
			if i := strings.LastIndexAny(name, ",;"); i >= 0 && !inQuotes(name, i) {
				name = name[i+1:]
			}
			// Obsolete syntax (RFC 5322 section 4.4) allows folding
			// whitespace inside an address.
			email := removeSpaceOutsideQuotes(v[m[2]:m[3]])
			prev = m[1]
			if !strings.Contains(email, "@") {
				continue
			}
			out = append(out, Address{Name: cleanName(decodeWords(name, "")), Email: cleanEmail(email)})
		}
		return out
	}
	for _, e := range bareAddr.FindAllString(v, -1) {
		out = append(out, Address{Email: cleanEmail(e)})
	}
	return out
}

func inQuotes(s string, i int) bool {
	return strings.Count(s[:i], `"`)%2 == 1
}

func cleanName(n string) string {
	n = collapseSpace(stripControls(n))
	n = strings.Trim(n, ` "'`)
	return n
}

func cleanEmail(e string) string {
	e = strings.TrimSpace(e)
	e = strings.TrimPrefix(strings.TrimPrefix(e, "mailto:"), "MAILTO:")
	e = strings.Trim(e, "<>' ")
	if at := strings.LastIndexByte(e, '@'); at > 0 {
		if local, ok := unquoteLocal(e[:at]); ok {
			return strings.ToLower(validUTF8(quoteLocalPart(local + e[at:])))
		}
	}
	e = strings.Trim(e, "<>'\" ")
	return strings.ToLower(validUTF8(e))
}

// quoteLocalPart quotes the local part of addr when it is not a dot-atom,
// and only then: RFC 5321 section 4.1.2 asks for the minimum quoting, so
// "budi"@example.id and budi@example.id come out the same.
func quoteLocalPart(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local := addr[:at]
	if isDotAtom(local) {
		return addr
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(local); i++ {
		if local[i] == '"' || local[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	b.WriteString(addr[at:])
	return b.String()
}

// unquoteLocal reads a local part written as one quoted-string (RFC 5322
// section 3.2.4), undoing quoted pairs.
func unquoteLocal(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s)-1 {
				return "", false
			}
			i++
			b.WriteByte(s[i])
		case '"', '\r', '\n', 0:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// isDotAtom reports RFC 5322 section 3.2.3 dot-atom-text, with any
// non-ASCII byte allowed as RFC 6532 does.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80, 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// removeSpaceOutsideQuotes drops whitespace from an address except inside
// a quoted local part, where it is part of the mailbox name.
func removeSpaceOutsideQuotes(s string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && quoted && i+1 < len(s):
			b.WriteByte(c)
			i++
			b.WriteByte(s[i])
			continue
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// decodeBytesString makes a raw header value valid UTF-8 without touching
// encoded-words (the address parser decodes those itself).
func decodeBytesString(v, fallback string) string {
	return decodeBytes([]byte(v), fallback)
}

var msgIDToken = regexp.MustCompile(`<([^<>]*)>`)

// parseMsgIDs returns the canonical ids of a Message-ID, In-Reply-To or
// References field, in order. RFC 5322 section 3.6.4 wants "<id>" tokens;
// seen in practice: ids without brackets (MMS gateways), phrases and
// comments around them (obsolete In-Reply-To), and empty "<>".
func parseMsgIDs(v string) []string {
	var out []string
	ms := msgIDToken.FindAllStringSubmatch(v, -1)
	if ms == nil {
		for _, f := range strings.Fields(v) {
			if strings.Contains(f, "@") {
				if id := tickets.CanonicalMessageID(f); id != "" {
					out = append(out, id)
				}
			}
		}
		return out
	}
	for _, m := range ms {
		// RFC 5322 section 4.5.4 (obsolete syntax) allows comments and
		// folding whitespace inside a message id.
		raw := strings.Join(strings.Fields(stripComments(m[1])), "")
		if id := tickets.CanonicalMessageID(raw); id != "" {
			out = append(out, id)
		}
	}
	return out
}

var (
	dateComment = regexp.MustCompile(`\([^()]*\)`)
	dateColon   = regexp.MustCompile(`\s*:\s*`)
	dateLayouts = []string{
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04 -0700",
		"2 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 06 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05",
		"Mon Jan 2 15:04:05 2006",
		"Mon Jan 2 15:04:05 MST 2006",
		"Mon, Jan 2 2006 15:04:05 -0700",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02T15:04:05Z07:00",
	}
)

// parseDate reads a Date field; zero when absent or unreadable.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	// Seen in practice: comments, 8-bit junk and doubled spaces in Date.
	v = collapseSpace(dateComment.ReplaceAllString(validUTF8(v), " "))
	v = dateColon.ReplaceAllString(strings.TrimSuffix(v, ","), ":")
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}
