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
	}{
		{AlertNewTicket, sentCounts{Recent: 10}, ReasonAlertBurst},
		{TicketAutoresponse, sentCounts{Auto: 5}, ReasonAutoresponses},
		{StatusClosed, sentCounts{Ticket10m: 10}, ReasonTicketBurst},
		{StatusClosed, sentCounts{Hour: 25}, ReasonHourly},
	} {
		why := ob.guard(c.kind, c.sent)
		code, args := ReasonCode("held", why)
		if code != c.want || len(args) != 1 || args[0] == "" {
			t.Errorf("%q: %s %v, want %s", why, code, args, c.want)
		}
	}
}
