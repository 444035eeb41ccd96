package ingest

import (
	"regexp"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

var (
	// "On <date>, <name> wrote:" (Gmail, Apple Mail, Thunderbird) and the
	// Indonesian "Pada <date> <name> menulis:" / "Pada tanggal ...".
	attributionLine = regexp.MustCompile(`(?i)^\s*(on\s.+\swrote|pada\s.+\smenulis|le\s.+\sa écrit|am\s.+\sschrieb)\s*:\s*$`)
	attributionHead = regexp.MustCompile(`(?i)^\s*(on|pada|le|am)\s`)
	attributionTail = regexp.MustCompile(`(?i)(wrote|menulis|a écrit|schrieb)\s*:\s*$`)
	// Outlook's separators, English and Indonesian ("-----Pesan Asli-----",
	// seen with three to five dashes).
	originalSeparator = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|pesan asli|forwarded message|pesan terusan)\s*-{2,}\s*$`)
	underscoreLine    = regexp.MustCompile(`^\s*_{10,}\s*$`)
	outlookFrom       = regexp.MustCompile(`(?i)^\s*\*?(from|dari)\s*:\*?\s*\S`)
	outlookSent       = regexp.MustCompile(`(?i)^\s*\*?(sent|dikirim|date|tanggal|to|kepada|subject|subjek|perihal)\s*:`)
)

// StripQuoted returns the new part of a reply: the text above the
// helpdesk's reply marker or above the first quoted-history block a mail
// client added. Signatures are kept: citizens sign with the phone numbers
// agents need. If everything looks quoted, the whole text comes back
// trimmed, so an answer is never lost.
func StripQuoted(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		if isQuoteStart(lines, i) {
			cut = i
			break
		}
	}
	kept := lines[:cut]
	// Trailing ">" lines (and the blanks among them) are quoted history
	// even without an attribution line.
	end := len(kept)
	for end > 0 {
		l := strings.TrimSpace(kept[end-1])
		if l == "" || strings.HasPrefix(l, ">") {
			end--
			continue
		}
		break
	}
	out := strings.TrimSpace(strings.Join(kept[:end], "\n"))
	if out == "" {
		return strings.TrimSpace(text)
	}
	return out
}

func isQuoteStart(lines []string, i int) bool {
	l := lines[i]
	// Everything below the marker the helpdesk puts atop its mails is our
	// own text coming back.
	if strings.Contains(l, tickets.ReplyMarkerID) || strings.Contains(l, tickets.ReplyMarkerEN) {
		return true
	}
	if attributionLine.MatchString(l) || originalSeparator.MatchString(l) {
		return true
	}
	// Gmail wraps long attributions over two lines.
	if i+1 < len(lines) && attributionHead.MatchString(l) && !attributionTail.MatchString(l) &&
		attributionTail.MatchString(lines[i+1]) && len(l)+len(lines[i+1]) < 300 {
		return true
	}
	if underscoreLine.MatchString(l) && nextNonEmptyMatches(lines, i+1, outlookFrom) {
		return true
	}
	// Outlook's header block: "From: ..." followed closely by "Sent:" and
	// friends ("Dari:" / "Dikirim:" in Indonesian Outlook).
	if outlookFrom.MatchString(l) {
		hits := 0
		for k := i + 1; k < len(lines) && k <= i+4; k++ {
			if outlookSent.MatchString(lines[k]) {
				hits++
			}
		}
		return hits >= 2
	}
	return false
}

func nextNonEmptyMatches(lines []string, i int, re *regexp.Regexp) bool {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		return re.MatchString(lines[i])
	}
	return false
}
