package tickets

import "strings"

// IsTicketNumber reports whether s has the shape of a ticket number: 6 or
// 7 digits, not starting with 0 (a leading "#" and spaces are not).
func IsTicketNumber(s string) bool { return isTicketNumber(s) }

// CleanTicketNumber is a ticket number as people type it ("#881358",
// " 881358 ") reduced to its digits; "" when it is not one.
func CleanTicketNumber(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if !isTicketNumber(s) {
		return ""
	}
	return s
}
