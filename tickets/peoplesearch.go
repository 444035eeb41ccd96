package tickets

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"github.com/lib/pq"
)

// A search also finds people: the owners and collaborators whose name or
// address has the words typed ("Izzah Annisa", "izzah.annisa@yahoo.co.id",
// the domain "yahoo.co.id", a word's beginning: "annis"), or whose phone
// number it is (in any spelling: +62 812-3456-7890). Their tickets match
// as if the words were in them.
//
// People are users rows, a quarter as many as tickets, with their own
// indexes (0011): the users are looked up first, and their tickets then
// match by owner or collaborator id, through indexes too. Only when the
// words name more people than Opts.PeopleCap (a common first name,
// gmail.com) does each ticket's people get checked instead, row by row:
// then the matches are so many that the walks of Store.search end within
// a page.

// personQuery turns typed words into a tsquery for users.search
// (person_search_vector in 0011): every word must be there, a word of
// three letters or more as the beginning of one. Only letters, digits and the
// characters of addresses are kept, so the text is always a valid
// tsquery; "" when nothing is left.
func personQuery(q string) string {
	var terms []string
	for _, w := range strings.Fields(strings.ToLower(q)) {
		w = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(".@_+-", r) {
				return r
			}
			return -1
		}, w)
		w = strings.Trim(w, ".@_+-")
		if w == "" {
			continue
		}
		t := "'" + w + "'"
		if len([]rune(w)) >= 3 {
			t += ":*"
		}
		terms = append(terms, t)
	}
	return strings.Join(terms, " & ")
}

// phoneQuery is the typed text as a phone number in national form
// (phone_key in 0011), or "" when it is not one.
func phoneQuery(q string) string {
	var digits strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case strings.ContainsRune(" +-().", r):
		default:
			return ""
		}
	}
	d := digits.String()
	if strings.HasPrefix(d, "62") {
		d = "0" + d[2:]
	}
	if len(d) < 8 || len(d) > 15 || d[0] != '0' {
		return ""
	}
	return d
}

// peopleMatch returns the condition on tickets t that the people text
// names take part in them, or "" when it names nobody, and whether it is
// checked ticket by ticket (then no index finds the tickets). arg adds a
// parameter to the caller's query.
func (s *Store) peopleMatch(ctx context.Context, q queryer, text string, arg func(any) string) (cond string, each bool, err error) {
	words, phone := personQuery(text), phoneQuery(text)
	if words == "" && phone == "" {
		return "", false, nil
	}
	who := func(arg func(any) string) string {
		var conds []string
		if words != "" {
			conds = append(conds, "u.search @@ to_tsquery('simple', "+arg(words)+")")
		}
		if phone != "" {
			conds = append(conds, "(u.phone <> '' AND phone_key(u.phone) = "+arg(phone)+")")
		}
		return "(" + strings.Join(conds, " OR ") + ")"
	}
	var args []any
	local := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// Through the indexes: the planner would rather read users in order
	// until it has peopleCap of them, which for a rare name is all.
	var ids []int64
	if _, err := q.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		return "", false, err
	}
	if err := q.SelectContext(ctx, &ids, "SELECT u.id FROM users u WHERE "+who(local)+" LIMIT "+strconv.Itoa(s.peopleCap+1), args...); err != nil {
		return "", false, err
	}
	if _, err := q.ExecContext(ctx, `SET LOCAL enable_seqscan = on`); err != nil {
		return "", false, err
	}
	if len(ids) == 0 {
		return "", false, nil
	}
	if len(ids) > s.peopleCap {
		// Too many to name: each ticket's people are checked instead, one
		// ticket at a time (a scalar subquery, which PostgreSQL cannot
		// turn into a hash of every collaborator of every ticket).
		w := who(arg)
		return "((SELECT true FROM users u WHERE u.id = t.owner_id AND " + w + ")" +
			" OR (SELECT true FROM ticket_collaborators c JOIN users u ON u.id = c.user_id WHERE c.ticket_id = t.id AND " + w + " LIMIT 1))", true, nil
	}
	m := "t.owner_id = ANY(" + arg(pq.Array(ids)) + "::bigint[])"
	var collab []int64
	if err := q.SelectContext(ctx, &collab, `SELECT ticket_id FROM ticket_collaborators WHERE user_id = ANY($1) LIMIT `+strconv.Itoa(s.peopleCap+1), pq.Array(ids)); err != nil {
		return "", false, err
	}
	switch {
	case len(collab) > s.peopleCap:
		m += " OR EXISTS (SELECT 1 FROM ticket_collaborators c WHERE c.ticket_id = t.id AND c.user_id = ANY(" + arg(pq.Array(ids)) + "::bigint[]))"
	case len(collab) > 0:
		m += " OR t.id = ANY(" + arg(pq.Array(collab)) + "::bigint[])"
	}
	return "(" + m + ")", false, nil
}
