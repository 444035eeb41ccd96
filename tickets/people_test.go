package tickets_test

import (
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

func TestNormalizeEmailAcceptsQuotedLocalPartOnly(t *testing.T) {
	long := `"` + strings.Repeat("a", 240) + `"@example.com`
	tests := []struct{ in, want string }{
		{" Budi@Example.ID ", "budi@example.id"},
		{"<siti@example.id>", "siti@example.id"},
		{`"Millions Lottery"@Example.com`, `"millions lottery"@example.com`},
		{`"budi santoso"@example.id`, `"budi santoso"@example.id`},
		{`"a,b;c"@example.id`, `"a,b;c"@example.id`},
		{`"say \"hi\""@example.id`, `"say \"hi\""@example.id`},
		{`"a@b"@example.id`, `"a@b"@example.id`},
		{long, long},
		{`"` + strings.Repeat("a", 241) + `"@example.com`, ""},
		{`"a"b"@example.id`, ""},
		{`"unterminated@example.id`, ""},
		{`"ends in escape\"@example.id`, ""},
		{"\"line\nbreak\"@example.id", ""},
		{"\"nul\x00\"@example.id", ""},
		{`"ok"@exa mple.id`, ""},
		{"budi santoso@example.id", ""},
		{"a@example.id, b@example.id", ""},
		{"a@example.id;b@example.id", ""},
		{"x@", ""},
		{"@example.id", ""},
		{"no-at-sign", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tickets.NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
