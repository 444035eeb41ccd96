package outbound

import "testing"

// TestReasonCodesOfTheGuards: every reason the guards write reads back as
// its code, with the count.
func TestReasonCodesOfTheGuards(t *testing.T) {
	ob := New(Opts{})
	for _, c := range []struct {
		kind NoticeKind
		sent sentCounts
		want string
		args int
	}{
		{AlertNewTicket, sentCounts{Recent: 10}, ReasonAlertBurst, 1},
		{AlertMessage, sentCounts{Held: true}, ReasonAlertsWaiting, 0},
		{TicketAutoresponse, sentCounts{Auto: 5}, ReasonAutoresponses, 1},
		{StatusClosed, sentCounts{Ticket10m: 10}, ReasonTicketBurst, 1},
		{StatusClosed, sentCounts{Hour: 25}, ReasonHourly, 1},
	} {
		why := ob.guard(c.kind, c.sent)
		code, args := ReasonCode("held", why)
		if code != c.want || len(args) != c.args || c.args > 0 && args[0] == "" {
			t.Errorf("%q: %s %v, want %s", why, code, args, c.want)
		}
	}
}
