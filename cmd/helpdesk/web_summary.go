package main

import "sort"

// The error summary at the top of a failed form (partial "errsummary"):
// each field's message, linked to its input, in the order forms show
// their fields.

// summaryFields names the fields forms share, by the label key of their
// input, in the order forms show them.
var summaryFields = []struct{ name, label string }{
	{"login", "login.login"},
	{"email", "register.email"},
	{"number", "status.number"},
	{"name", "register.name"},
	{"address", "register.address"},
	{"phone", "register.phone"},
	{"timezone", "register.timezone"},
	{"current", "account.current"},
	{"password", "login.password"},
	{"confirm", "register.confirm"},
	{"department", "col.department"},
	{"topic", "newticket.topic"},
	{"subject", "newticket.summary"},
	{"message", "newticket.message"},
	{"reason", "transfer.reason"},
	{"attachments", "files.label"},
}

// errItem is one line of the summary: the field's label and message, and
// the id of its input ("" when it has none to go to).
type errItem struct {
	ID, Label, Text string
}

// ErrorList is the page's errors for the summary.
func (p *page) ErrorList() []errItem {
	if len(p.Errors) == 0 {
		return nil
	}
	order := map[string]int{}
	for i, f := range summaryFields {
		order[f.name] = i + 1
	}
	names := make([]string, 0, len(p.Errors))
	for f := range p.Errors {
		names = append(names, f)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, oj := order[names[i]], order[names[j]]
		if oi == 0 {
			oi = len(order) + 1
		}
		if oj == 0 {
			oj = len(order) + 1
		}
		if oi != oj {
			return oi < oj
		}
		return names[i] < names[j]
	})
	out := make([]errItem, 0, len(names))
	for _, f := range names {
		it := errItem{Text: p.Errors[f]}
		label, set := p.FieldLabels[f]
		if !set && order[f] > 0 {
			label = summaryFields[order[f]-1].label
		}
		if label != "" {
			// A field without a label has no input to go to (a row's
			// form in a table): its line is not a link.
			it.Label, it.ID = p.T(label), p.FieldPrefix+f
			if f == "attachments" {
				it.ID = "attachments"
			}
		}
		out = append(out, it)
	}
	return out
}
