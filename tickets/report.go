package tickets

import "context"

// Report kinds: what the helpdesk tells an agent about a mail from their
// address.
const (
	// ReportUnverified: the mail could not be verified as theirs, so it
	// acted as nobody (an internal note, or kept unfiled).
	ReportUnverified = "unverified"
	// ReportRefused: they may no longer work on the ticket it replies to.
	ReportRefused = "refused"
	// ReportCommands: what the command lines of their mail did.
	ReportCommands = "commands"
)

// Report is a mail owed to an agent about their own mail. Lines say, one
// each, what happened (in English; the agent's template frames them).
type Report struct {
	Kind      string
	Agent     *Agent
	Ticket    *Ticket // nil when the mail belongs to no ticket
	Subject   string  // the agent's mail's subject
	Lines     []string
	InboundID int64 // the stored mail, for the link to it
}

// Report queues r for the agent, in the transaction of the mail it is
// about: it goes out if and only if that mail is stored.
func (s *Store) Report(ctx context.Context, tx *Tx, r Report) error {
	return wrap("report", s.fire(ctx, tx, &Change{Kind: ChangeReport, Ticket: r.Ticket, Actor: System, Report: &r}))
}
