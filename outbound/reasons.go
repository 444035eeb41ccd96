package outbound

import (
	"regexp"
	"strings"
)

// Why a notice did not simply go is written in English where it is
// decided (the guards and the bounce mark here, the intake's reasons for
// staying quiet on automatic mail), for logs and for the outbox row. The
// agents' page says it in their language from a code: ReasonCode reads
// the code back from the text, in this one place next to the guards that
// write most of it, so a page never shows "loop guard: …" or a notice's
// internal kind.

// Reason codes, each with the arguments its sentence takes.
const (
	ReasonAlertBurst    = "alert_burst"    // n alerts to the agent in 10 minutes
	ReasonAlertsWaiting = "alerts_waiting" // the agent's alerts wait for a digest
	ReasonAutoresponses = "autoresponses"  // n autoresponses in the hour
	ReasonTicketBurst   = "ticket_burst"   // n mails about the ticket in 10 minutes
	ReasonHourly        = "hourly"         // n mails to the address in the hour
	ReasonBouncing      = "bouncing"       // date of the bounce
	ReasonAutomatic     = "automatic"      // what made the mail automatic
	ReasonEmptyPath     = "empty_path"     // a delivery notice
	ReasonNoAutoreply   = "no_autoreply"   // X-Auto-Response-Suppress
	ReasonNoSender      = "no_sender"      // the sender's address unreadable
	ReasonRepeatedText  = "repeated_text"  // n times the same text
	ReasonUnfiled       = "unfiled"        // filed by the fallback
	ReasonLoop          = "loop"           // another loop guard: its words
	ReasonServer        = "server"         // the mail server's answer
	ReasonUnknown       = "unknown"        // anything else: the text itself
)

var reasonPatterns = []struct {
	code string
	re   *regexp.Regexp
}{
	{ReasonAlertBurst, regexp.MustCompile(`^(\d+) alerts to this agent in 10 minutes`)},
	{ReasonAlertsWaiting, regexp.MustCompile(`^alerts to this agent are waiting for their digest`)},
	{ReasonAutoresponses, regexp.MustCompile(`^(\d+) autoresponses to this address in the last hour`)},
	{ReasonTicketBurst, regexp.MustCompile(`^(\d+) mails about this ticket to this address in 10 minutes`)},
	{ReasonHourly, regexp.MustCompile(`^(\d+) mails to this address in the last hour`)},
	{ReasonBouncing, regexp.MustCompile(`^mail to this address bounced on (\d{4}-\d\d-\d\d)`)},
	{ReasonAutomatic, regexp.MustCompile(`^the mail was automatic \((.*)\)`)},
	{ReasonEmptyPath, regexp.MustCompile(`^the mail had an empty Return-Path`)},
	{ReasonNoAutoreply, regexp.MustCompile(`X-Auto-Response-Suppress`)},
	{ReasonNoSender, regexp.MustCompile(`^the sender's address could not be read`)},
	{ReasonRepeatedText, regexp.MustCompile(`^the same text came from this address (\d+) times`)},
	{ReasonUnfiled, regexp.MustCompile(`^the helpdesk could not file the mail normally`)},
	{ReasonLoop, regexp.MustCompile(`(?i)^loop guard: (.*)`)},
}

// ReasonCode classifies a Problem's text: a code and the values its
// sentence needs. A failed or retried mail's text is what the receiving
// server or the network said, passed on as it is.
func ReasonCode(status, text string) (code string, args []string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", nil
	}
	for _, p := range reasonPatterns {
		if m := p.re.FindStringSubmatch(text); m != nil {
			return p.code, m[1:]
		}
	}
	if status == "failed" || status == "queued" {
		return ReasonServer, []string{text}
	}
	return ReasonUnknown, []string{text}
}
