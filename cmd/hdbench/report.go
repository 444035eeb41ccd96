package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

type results struct {
	Mode                string          `json:"mode"`
	Started             string          `json:"started"`
	WallSeconds         float64         `json:"wall_seconds"`
	CPUs                int             `json:"cpus"`
	Go                  string          `json:"go"`
	Postgres            string          `json:"postgres"`
	Helpdesk            string          `json:"helpdesk_version"`
	LoadAvgStart        string          `json:"loadavg_start"`
	LoadAvgEnd          string          `json:"loadavg_end"`
	Tickets             int             `json:"tickets"`
	Messages            int             `json:"messages"`
	Seed                *seedResult     `json:"seed,omitempty"`
	Ceiling             *ceilingResult  `json:"ceiling,omitempty"`
	Ingest              *ingestResult   `json:"ingest,omitempty"`
	HTTP                []*httpScenario `json:"http,omitempty"`
	HTTPNote            string          `json:"http_note,omitempty"`
	ServeRSSAfterHTTPMB float64         `json:"serve_peak_rss_after_http_mb,omitempty"`
	Pipe                []*pipeMode     `json:"pipe,omitempty"`
	Import              *importResult   `json:"import_mbox,omitempty"`
	Outbound            *outboundResult `json:"outbound,omitempty"`
	Memory              *memoryResult   `json:"memory,omitempty"`
	Checks              []check         `json:"checks"`
}

type check struct {
	Figure string `json:"figure"`
	Value  string `json:"value"`
	Target string `json:"target"`
	Pass   *bool  `json:"pass,omitempty"`
}

func verdict(ok bool) *bool { return &ok }

// checks compares the figures with the targets the team set.
func (r *results) checks() []check {
	var cs []check
	add := func(fig, val, target string, pass *bool) { cs = append(cs, check{fig, val, target, pass}) }
	if s := r.Seed; s != nil {
		add(fmt.Sprintf("seed: %d tickets, %d entries (COPY)", s.Tickets, s.Entries),
			fmt.Sprintf("%.0f s (copy %.0f, vectors %.0f, indexes %.0f); %.0f MB", s.TotalSec, s.CopySec, s.VectorSec, s.IndexSec, s.DBSizeMB), "minutes", nil)
	}
	if in := r.Ingest; in != nil {
		v := fmt.Sprintf("%.0f msg/s (%d in %.1f s)", in.Rate, in.Committed, in.Seconds)
		if in.TimedOut {
			v += " TIMED OUT"
		}
		add("ingest over IMAP, first append to last commit", v, "≥ 500 msg/s", verdict(in.Rate >= 500 && !in.TimedOut))
	}
	if c := r.Ceiling; c != nil {
		add(fmt.Sprintf("  ceiling: parse only (%d workers)", c.Workers), fmt.Sprintf("%.0f msg/s (%.0f MB/s)", c.ParseRate, c.ParseMBps), "", nil)
		if c.IMAPRate > 0 {
			add("  ceiling: the IMAP server, whole mailbox in one FETCH", fmt.Sprintf("%.0f msg/s (%.0f MB/s)", c.IMAPRate, c.IMAPMBps), "", nil)
		}
		if c.DBRate > 0 {
			add(fmt.Sprintf("  ceiling: the ingest's rows written again (COPY, %d msgs/tx, %d conns)", c.DBBatch, c.DBWorkers),
				fmt.Sprintf("%.0f msg/s (%.1f rows, %.1f statements/msg)", c.DBRate, c.RowsPerMsg, c.StmtsPerMsg), "", nil)
			add("  ceiling: parse, then write, on the same cores", fmt.Sprintf("%.0f msg/s", c.Serial), "", nil)
		}
		if r.Ingest != nil {
			add("ingest as a share of the lower ceiling ("+c.LowerIs+")", fmt.Sprintf("%.1f%%", 100*c.IngestShare), "≥ 50%", verdict(c.IngestShare >= 0.5))
		}
	}
	if in := r.Ingest; in != nil {
		add("  append→visible under the burst (queueing)", fmt.Sprintf("p50 %s / p99 %s", ms(in.BurstP50MS), ms(in.BurstP99MS)), "", nil)
		if in.PacedMessages > 0 {
			v := fmt.Sprintf("p50 %s / p99 %s (%d msgs at %.0f/s)", ms(in.PacedP50MS), ms(in.PacedP99MS), in.PacedMessages, in.PacedRate)
			if in.PacedMissing > 0 {
				v += fmt.Sprintf(", %d never seen", in.PacedMissing)
			}
			add("append→ticket visible, IDLE, steady stream", v, "p99 < 1 s", verdict(in.PacedP99MS < 1000 && in.PacedMissing == 0))
		}
		add("  replies threaded to their tickets (In-Reply-To, [#token])", fmt.Sprintf("%d of %d", in.Threaded, in.RepliesSent), "", nil)
		add("peak RSS while ingesting ("+in.Mode+")", fmt.Sprintf("%.0f MB (max sampled %.0f MB)", in.PeakRSSMB, in.MaxRSSMB), "< 200 MB", verdict(in.PeakRSSMB < 200))
	}
	at := fmt.Sprintf(" at %s tickets", humanInt(r.Tickets))
	for _, h := range r.HTTP {
		add(h.Name+at, fmt.Sprintf("p50 %s / p99 %s (server p99 %s, %.1f%% ≤ target)", ms(h.ClientP50), ms(h.ClientP99), ms(h.ServerP99), 100*h.ServerUnder),
			fmt.Sprintf("p99 < %.0f ms", h.TargetMS), verdict(h.ClientP99 < h.TargetMS && h.Errors == 0))
	}
	if r.HTTPNote != "" {
		add("agent pages", r.HTTPNote, "", nil)
	}
	// osTicket 1.18.1's api/pipe.php on this machine, as measured in issue
	// 13 (mails/s; CPU ms per mail, all processes): not side by side here.
	osTicket := map[string][2]float64{"new-sequential": {3.30, 259}, "new-2-parallel": {5.44, 259}, "replies-sequential": {4.70, 194}}
	for _, p := range r.Pipe {
		v := fmt.Sprintf("%.1f mails/s, CPU %.0f ms/mail (pipe %.0f, serve %.0f, PostgreSQL %.0f), one process %s",
			p.Rate, p.TotalCPUMS, p.PipeCPUMS, p.ServeCPUMS, p.DBCPUMS, ms(p.ProcP50MS))
		mode, _ := strings.CutPrefix(strings.TrimPrefix(p.Name, "handoff-"), "direct-")
		if o, ok := osTicket[mode]; ok {
			add("pipe, "+p.Name, v, fmt.Sprintf("≥ %.1f/s, < %.0f ms", 5*o[0], o[1]/2), verdict(p.Rate >= 5*o[0] && p.TotalCPUMS < o[1]/2))
		} else {
			add("pipe, "+p.Name, v, "", nil)
		}
	}
	if im := r.Import; im != nil {
		add(fmt.Sprintf("import-mbox, %d messages (%.0f MB)", im.Messages, im.MB),
			fmt.Sprintf("%.0f msg/s (%.1f s; CPU %.1f ms/msg + PostgreSQL %.1f; RSS %.0f MB; %d notices)", im.Rate, im.Seconds, im.CPUMS, im.DBCPUMS, im.MaxRSSMB, im.Notices),
			"≥ 1000 msg/s", verdict(im.Rate >= 1000 && im.Notices == 0))
	}
	if o := r.Outbound; o != nil {
		add("outbound: outbox → SMTP relay", fmt.Sprintf("%.0f mails/s (%d in %.1f s)", o.DeliverRate, o.Delivered, o.DeliverSec), "≥ 500 mails/s", verdict(o.DeliverRate >= 500))
		add("  queueing notices (Outbox.Hook on responses)", fmt.Sprintf("%.0f notices/s (%d queued, %d suppressed by caps)", o.EnqueueRate, o.Queued, o.Suppressed), "", nil)
	}
	if m := r.Memory; m != nil {
		add(fmt.Sprintf("%.0f MB message through Deliver", m.MessageMB), fmt.Sprintf("peak RSS +%.0f MB (%.1f× size), heap +%.0f MB, %.0f MB allocated, %.1f s",
			m.RSSDeltaMB, m.Ratio, m.HeapDeltaMB, m.AllocMB, m.Seconds), "≤ 4× its size", verdict(m.Ratio <= 4))
	}
	wall := fmt.Sprintf("%.0f s", r.WallSeconds)
	if r.Mode == "quick" {
		add("--quick wall time", wall, "< 5 min", verdict(r.WallSeconds < 300))
	} else {
		add("wall time", wall, "", nil)
	}
	return cs
}

func (r *results) print(w io.Writer) {
	r.Checks = r.checks()
	fmt.Fprintf(w, "\nhdbench %s — helpdesk %s — %d CPUs, %s, PostgreSQL %s — %s tickets, %s messages — load average %s at start, %s at end\n\n",
		r.Mode, r.Helpdesk, r.CPUs, r.Go, r.Postgres, humanInt(r.Tickets), humanInt(r.Messages), r.LoadAvgStart, r.LoadAvgEnd)
	fw, vw := 0, 0
	for _, c := range r.Checks {
		fw = max(fw, len([]rune(c.Figure)))
		vw = max(vw, len([]rune(c.Value)))
	}
	for _, c := range r.Checks {
		res := ""
		if c.Pass != nil {
			res = "MISS"
			if *c.Pass {
				res = "PASS"
			}
		}
		fmt.Fprintf(w, "%s  %s  %-14s %s\n", pad(c.Figure, fw), pad(c.Value, vw), c.Target, res)
	}
	if c := r.Ceiling; c != nil && len(c.Tables) > 0 {
		fmt.Fprintf(w, "\nrows written per message, inserted + updated: the ingest (PostgreSQL's counters, %d messages) and the ceiling:\n", c.Replayed)
		for _, t := range c.Tables {
			fmt.Fprintf(w, "  %-20s ingest %5.2f + %5.2f   ceiling %5.2f + %5.2f\n", t.Table, t.IngestIns, t.IngestUpd, t.CeilingIns, t.CeilingUpd)
		}
	}
	if r.Ingest != nil && len(r.Ingest.Top) > 0 {
		fmt.Fprintf(w, "\ningest: %.1f SQL statements per message, %.2f ms executing and %.2f ms planning them; top statements by server time (exec + plan):\n",
			r.Ingest.StmtsPerMsg, r.Ingest.ExecMSPerMsg, r.Ingest.PlanMSPerMsg)
		for _, t := range r.Ingest.Top[:min(10, len(r.Ingest.Top))] {
			fmt.Fprintf(w, "  %7.0f + %5.0f ms %6d calls %6.3f ms/call  %s\n", t.TotalMS, t.PlanMS, t.Calls, t.MeanMS, short(t.Query, 100))
		}
	}
	if r.Ingest != nil && len(r.Ingest.Sessions) > 0 {
		fmt.Fprintf(w, "\ningest burst (%.1f s): the helpdesk's database sessions, by state (session-seconds):\n", r.Ingest.Seconds)
		for _, s := range r.Ingest.Sessions[:min(8, len(r.Ingest.Sessions))] {
			fmt.Fprintf(w, "  %7.1f s  %s\n", s.Seconds, s.State)
		}
	}
	if o := r.Outbound; o != nil && len(o.Sessions) > 0 {
		fmt.Fprintf(w, "\noutbound delivery (%.1f s): the outbox's database sessions, by state (session-seconds):\n", o.DeliverSec)
		for _, s := range o.Sessions[:min(5, len(o.Sessions))] {
			fmt.Fprintf(w, "  %7.2f s  %s\n", s.Seconds, s.State)
		}
	}
	for _, h := range r.HTTP {
		if h.ClientP99 >= h.TargetMS && len(h.Top) > 0 {
			fmt.Fprintf(w, "\n%s (missed): top statements by server time:\n", h.Name)
			for _, t := range h.Top[:min(4, len(h.Top))] {
				fmt.Fprintf(w, "  %7.0f + %5.0f ms %6d calls %6.3f ms/call  %s\n", t.TotalMS, t.PlanMS, t.Calls, t.MeanMS, short(t.Query, 100))
			}
			if len(h.Plans) > 0 {
				// The plan without its query text (in the JSON).
				var lines []string
				inText := false
				for _, l := range strings.Split(h.Plans[0].Plan, "\n") {
					switch {
					case strings.HasPrefix(l, "Query Text:"):
						inText = true
						continue
					case inText && strings.HasPrefix(l, "\t"):
						continue
					}
					inText = false
					lines = append(lines, l)
				}
				fmt.Fprintf(w, "  slowest plan in an auto_explain replay (%.0f ms):\n", h.Plans[0].MS)
				for _, l := range lines[:min(24, len(lines))] {
					fmt.Fprintf(w, "    %s\n", short(l, 150))
				}
			}
			if len(h.PerClass) > 0 {
				var parts []string
				for c, v := range h.PerClass {
					parts = append(parts, fmt.Sprintf("%s %s", c, ms(v)))
				}
				fmt.Fprintf(w, "  client p99 by term class: %s\n", strings.Join(parts, ", "))
			}
		}
	}
}

func pad(s string, n int) string {
	if k := len([]rune(s)); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

func short(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	if v >= 10 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func humanInt(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// loadAvg is the 1-minute load average: the machine may be shared, and a
// figure taken under load says so.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
