package tickets

import (
	"context"
	"strings"
	"unicode/utf8"
)

// MaxSignature bounds an agent's signature, in characters.
const MaxSignature = 1000

// SetSignature stores the signature an agent's responses from the panel
// end with ("" for none).
func (s *Store) SetSignature(ctx context.Context, agentID int, signature string) error {
	signature = strings.TrimSpace(strings.ReplaceAll(sanitizeText(signature), "\r\n", "\n"))
	if utf8.RuneCountInString(signature) > MaxSignature {
		v := &ValidationError{}
		v.add("signature", "the text is too long")
		return v
	}
	_, err := s.db.ExecContext(ctx, `UPDATE agents SET signature = $2 WHERE id = $1`, agentID, signature)
	return wrap("set signature", err)
}

// withSignature ends body with signature after the usual separator line
// ("-- ", RFC 3676 §4.3), which mail clients recognise and leave out of
// the quote when the citizen replies. The signature is added once: a body
// that already ends with it (typed, or inserted by the agent) is kept.
func withSignature(body, signature string) string {
	signature = strings.TrimSpace(signature)
	body = strings.TrimRight(body, " \t\r\n")
	if signature == "" || strings.HasSuffix(body, signature) {
		return body
	}
	return body + "\n\n-- \n" + signature
}
