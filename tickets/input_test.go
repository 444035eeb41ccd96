package tickets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

// Subject, name and address end up in mail headers and one-line fields:
// what people type through the web or the API must be one line, and the
// domain says so instead of quietly changing it.
func TestOpenRefusesControlCharactersInOneLineFields(t *testing.T) {
	s, db := newStore(t)
	cases := []struct {
		name  string
		req   tickets.OpenRequest
		field string
	}{
		{"CRLF in subject", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "Halo\r\nBcc: all@kemsos.go.id"}, "subject"},
		{"LF in subject", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "Halo\nX"}, "subject"},
		{"NUL in subject", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "Halo\x00"}, "subject"},
		{"CRLF in name", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id", Name: "Izzah\r\nBcc: x@evil.example"}, Subject: "S"}, "name"},
		{"NUL in name", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id", Name: "Izzah\x00"}, Subject: "S"}, "name"},
		{"CRLF in email", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id\r\nBcc: x@evil.example"}, Subject: "S"}, "email"},
		{"control byte in email", tickets.OpenRequest{Owner: tickets.Address{Email: "w\x01@example.id"}, Subject: "S"}, "email"},
		{"invalid UTF-8 in email", tickets.OpenRequest{Owner: tickets.Address{Email: "w\xff@example.id"}, Subject: "S"}, "email"},
		{"CRLF in cc", tickets.OpenRequest{Owner: tickets.Address{Email: "w@example.id"}, Subject: "S", Collaborators: []tickets.Address{{Email: "a@b.id\r\nBcc: c@d.id"}}}, "cc[0]"},
	}
	for _, c := range cases {
		for _, src := range []string{tickets.SourceWeb, tickets.SourceAPI} {
			c.req.Source, c.req.Body = src, "isi"
			_, _, err := s.Open(ctx, c.req)
			if fieldOf(t, err, c.field) == "" {
				t.Errorf("%s via %s: %v", c.name, src, err)
			}
		}
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM tickets`)
	if n != 0 {
		t.Fatalf("%d tickets opened by refused requests", n)
	}
}

func TestListRefusesSearchesItCannotRun(t *testing.T) {
	s, _ := newStore(t)
	openTicket(t, s, "w@example.id", "")
	cases := map[string]string{
		"NUL":            "vpn\x00",
		"invalid UTF-8":  "vpn \xff\xfe",
		"20 000 terms":   strings.Repeat("kata ", 20000),
		"too many terms": strings.Repeat("a ", tickets.MaxSearchTerms+1),
		"too long":       strings.Repeat("x", tickets.MaxSearchLength+1),
	}
	for name, q := range cases {
		if _, _, err := s.List(ctx, tickets.Filter{Query: q}); fieldOf(t, err, "q") == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := s.List(ctx, tickets.Filter{Query: strings.Repeat("x", 30000)}); fieldOf(t, err, "q") != tickets.MsgSearchTooLong {
		t.Errorf("long search: %v", err)
	}
	ts, _, err := s.List(ctx, tickets.Filter{Query: strings.Repeat("vpn ", tickets.MaxSearchTerms)})
	if err != nil || len(ts) != 1 {
		t.Errorf("search at the limit: %d tickets, %v", len(ts), err)
	}
}

// Look-ups by a name no row can hold (PostgreSQL text refuses NUL and
// invalid UTF-8) find nothing rather than fail.
func TestLookupsOfUnstorableNamesFindNothing(t *testing.T) {
	s, _ := newStore(t)
	for _, name := range []string{"Support\x00", "Sup\xffport"} {
		if _, err := s.DepartmentByName(ctx, name); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("department %q: %v", name, err)
		}
		if _, err := s.TopicByName(ctx, name); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("topic %q: %v", name, err)
		}
		if _, err := s.UserByLogin(ctx, name); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("login %q: %v", name, err)
		}
		if _, err := s.AgentByEmail(ctx, name+"@kemsos.go.id"); !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("agent %q: %v", name, err)
		}
	}
}

// A reason with a NUL in it (an agent's #transfer line by mail) is stored
// without it: event data is jsonb, which refuses \u0000.
func TestTransferReasonWithNULIsStoredWithoutIt(t *testing.T) {
	s, db := newStore(t)
	data, err := s.CreateDepartment(ctx, "Data")
	if err != nil {
		t.Fatal(err)
	}
	tk := openTicket(t, s, "w@example.id", "")
	if err := s.Transfer(ctx, tk.ID, tickets.System, data.ID, "salah\x00 bagian"); err != nil {
		t.Fatal(err)
	}
	// (The reason is an internal note unless the citizen is told.)
	var reason string
	db.Get(&reason, `SELECT body FROM entries WHERE kind = 'note'`)
	if reason != "salah bagian" {
		t.Errorf("reason stored as %q", reason)
	}
}
