package tickets

import (
	"strings"
	"unicode/utf8"
)

// MsgOneLine is the complaint about a one-line field (a subject, a name)
// with a line break or another control character in it: these end up in
// mail headers, where a CR or LF starts a header of the sender's choosing.
// What people type through the web or the API is refused, so that they
// see it; what mail brings is cleaned (cleanLine), since mail is never
// refused.
const MsgOneLine = "must be one line, without line breaks or control characters"

// oneLine reports whether s may stand as typed in a one-line field: valid
// UTF-8 without control characters (a tab is allowed: it becomes a space).
func oneLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// cleanLine makes mail-borne text one line: storable, control characters
// and runs of white space turned into single spaces.
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, sanitizeText(s))
	return strings.Join(strings.Fields(s), " ")
}

// storable reports whether PostgreSQL text can hold s: valid UTF-8
// without NUL. A look-up by a string that is not storable matches nothing
// (and PostgreSQL would refuse the query).
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}
