package ingest

import (
	"regexp"
	"strings"
)

// ticketToken is the bracketed ticket number the helpdesk puts in every
// subject. Only the bracketed form counts: bare numbers in subjects are
// phone numbers, NIKs and letter numbers far more often than tickets.
// Numbers are 6 digits, widened to 7 when the 6-digit space fills up.
var ticketToken = regexp.MustCompile(`\[#(\d{6,7})\]`)

// TicketToken finds "[#NNNNNN]" or "[#NNNNNNN]" anywhere in a subject,
// whatever reply and forward prefixes or gateway tags surround it.
func TicketToken(subject string) (number string, ok bool) {
	m := ticketToken.FindStringSubmatch(subject)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// subjectPrefix matches one reply or forward prefix. Seen in practice:
// "Re:", "RE :", "Fwd:", "Fw:", Indonesian "Bls:" / "Balas:", French
// "TR:", German "AW:" / "WG:", Dutch "Antw:", Nordic "SV:" / "VS:", Italian
// "Rif:", and counters like "Re[2]:" or "Re(2):".
var subjectPrefix = regexp.MustCompile(`(?i)^\s*(re|fwd?|bls|balas|tr|aw|wg|antw|sv|vs|rif|tanggapan|terusan)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*`)

// forwardPrefix matches the forward prefixes only.
var forwardPrefix = regexp.MustCompile(`(?i)^\s*(fwd?|tr|wg|terusan)\s*(\[\d+\]|\(\d+\))?\s*[:：]`)

// gatewayTag matches a leading tag such as "[EXTERNAL]" or "[SPAM]" that
// mail gateways put before the subject.
var gatewayTag = regexp.MustCompile(`^\s*\[[A-Z][A-Z0-9 _-]{1,20}\]\s*`)

// CleanSubject removes reply and forward prefixes (repeated, in any order,
// also behind leading tags) and the ticket token, for display and for a
// new ticket's title. Tags stay: "[SPAM]", "[JIRA]" or "[EXTERNAL]" tell
// agents something the sender's gateway knew, so
// "[EXTERNAL] Re: Fwd: foo" becomes "[EXTERNAL] foo".
func CleanSubject(s string) string {
	s = collapseSpace(ticketToken.ReplaceAllString(s, " "))
	var tags []string
	for {
		if loc := gatewayTag.FindStringIndex(s); loc != nil {
			tags = append(tags, strings.TrimSpace(s[:loc[1]]))
			s = s[loc[1]:]
			continue
		}
		if loc := subjectPrefix.FindStringIndex(s); loc != nil && loc[1] > 0 {
			s = s[loc[1]:]
			continue
		}
		break
	}
	if s = strings.TrimSpace(s); s != "" {
		tags = append(tags, s)
	}
	return strings.Join(tags, " ")
}

// IsForwardSubject reports whether a subject starts with a forward prefix,
// possibly after reply prefixes and gateway tags ("Re: Fwd: ...").
func IsForwardSubject(s string) bool {
	for {
		s = gatewayTag.ReplaceAllString(s, "")
		if forwardPrefix.MatchString(s) {
			return true
		}
		loc := subjectPrefix.FindStringIndex(s)
		if loc == nil || loc[1] == 0 {
			return false
		}
		s = s[loc[1]:]
	}
}
