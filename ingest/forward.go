package ingest

import (
	"regexp"
	"strings"
)

// Forward is the letter inside a forward: when an agent forwards a
// citizen's mail to the helpdesk, the ticket belongs to the citizen.
type Forward struct {
	From          Address // original sender; empty when it could not be found
	Subject       string
	Date          string // as written in the forwarded header block
	Text          string // the forwarded letter's body
	ViaAttachment bool   // taken from an attached message/rfc822
}

// forwardMarker matches the line clients put above a forwarded header
// block. Seen in practice: Gmail "---------- Forwarded message ---------",
// Thunderbird "-------- Original Message --------" and "-------- Forwarded
// Message --------", Apple Mail "Begin forwarded message:", Outlook
// "-----Original Message-----", and the Indonesian localisations.
var forwardMarker = regexp.MustCompile(`(?i)^[\s>]*(-{2,}\s*(forwarded message|original message|pesan terusan|pesan asli|pesan yang diteruskan)\s*-{2,}|begin forwarded message\s*:|pesan yang diteruskan\s*:|mulai pesan yang diteruskan\s*:)\s*$`)

// fwdHeader matches one line of a forwarded header block. Gmail's plain
// text bolds names ("From: *Name* <a@b>"), Outlook's bolds the labels.
var fwdHeader = regexp.MustCompile(`(?i)^[\s>]*\*?(from|dari|date|tanggal|sent|dikirim|subject|subjek|perihal|to|kepada|cc|tembusan|reply-to|balas ke)\*?\s*:\*?\s*(.*)$`)

var outlookMailto = regexp.MustCompile(`(?i)\[mailto:([^\]\s]+)\]`)

// DetectForward reports the forwarded letter in m, or nil when m is not a
// forward. A forward is a forwarded-header block in the body (after one of
// the clients' marker lines, or anywhere when the subject says Fwd), or an
// attached message. A Fwd subject with neither still gives a Forward, with
// From empty, so the caller can fall back to the forwarding sender.
func DetectForward(m *Message) *Forward {
	fwdSubject := IsForwardSubject(m.Subject)
	body := forwardFromBody(m.Text, fwdSubject)
	if body != nil && body.From.Email != "" {
		return body
	}
	for _, n := range m.nested {
		if n.From.Email == "" {
			continue
		}
		date := ""
		if !n.Date.IsZero() {
			date = n.Date.Format("Mon, 2 Jan 2006 15:04:05 -0700")
		}
		return &Forward{From: n.From, Subject: n.Subject, Date: date, Text: n.Text, ViaAttachment: true}
	}
	if body != nil {
		return body
	}
	if fwdSubject {
		return &Forward{Subject: CleanSubject(m.Subject), Text: m.Text}
	}
	return nil
}

// forwardFromBody finds the first forwarded header block in text. Without
// a forward subject a marker line is required, so a pasted "From:" in an
// ordinary letter is not taken for a forward.
func forwardFromBody(text string, fwdSubject bool) *Forward {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		start := -1
		switch {
		case forwardMarker.MatchString(lines[i]):
			start = i + 1
		case fwdSubject && (underscoreLine.MatchString(lines[i]) || isFromLine(lines[i])):
			start = i
			if underscoreLine.MatchString(lines[i]) {
				start = i + 1
			}
		}
		if start < 0 {
			continue
		}
		if f, ok := readForwardBlock(lines, start); ok {
			return f
		}
	}
	return nil
}

func isFromLine(l string) bool {
	m := fwdHeader.FindStringSubmatch(l)
	return m != nil && (strings.EqualFold(m[1], "from") || strings.EqualFold(m[1], "dari"))
}

// readForwardBlock parses header lines from lines[start:]. Blank lines
// before the block are skipped (Apple Mail leaves one after its marker);
// the block ends at the first blank line after it. Long values wrapped onto
// a following line (Outlook wraps To:) are joined.
func readForwardBlock(lines []string, start int) (*Forward, bool) {
	i := start
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	f := &Forward{}
	seen := 0
	last := ""
	for ; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(strings.TrimLeft(l, "> ")) == "" {
			break
		}
		m := fwdHeader.FindStringSubmatch(l)
		if m == nil {
			if seen == 0 {
				return nil, false
			}
			if last == "from" && f.From.Email == "" {
				f.From = parseForwardedFrom(strings.TrimSpace(l))
			}
			continue
		}
		seen++
		val := strings.TrimSpace(m[2])
		switch strings.ToLower(m[1]) {
		case "from", "dari":
			last = "from"
			if f.From.Email == "" {
				f.From = parseForwardedFrom(val)
			}
		case "date", "tanggal", "sent", "dikirim":
			last = "date"
			if f.Date == "" {
				f.Date = val
			}
		case "subject", "subjek", "perihal":
			last = "subject"
			if f.Subject == "" {
				f.Subject = val
			}
		default:
			last = ""
		}
	}
	if seen == 0 {
		return nil, false
	}
	f.Text = strings.TrimSpace(strings.Join(lines[min(i, len(lines)):], "\n"))
	return f, true
}

// parseForwardedFrom reads the sender of a forwarded header block: "Name
// <a@b>", "a@b", "\"Name\" <a@b>", Outlook's "Name [mailto:a@b]" and
// Gmail's "*Name* <a@b>".
func parseForwardedFrom(v string) Address {
	v = strings.ReplaceAll(v, "*", "")
	if m := outlookMailto.FindStringSubmatchIndex(v); m != nil {
		return Address{Name: cleanName(v[:m[0]]), Email: cleanEmail(v[m[2]:m[3]])}
	}
	list := parseAddresses(v, "")
	for _, a := range list {
		if strings.Contains(a.Email, "@") {
			return a
		}
	}
	return Address{Name: cleanName(v)}
}
