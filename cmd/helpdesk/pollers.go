package main

import (
	"fmt"
	"log/slog"

	"github.com/kemsos/helpdesk/ingest"
)

// newPollers makes one IMAP poller per mailbox in HELPDESK_IMAP_URL.
func newPollers(cfg *Config, intake *ingest.Intake, d *database, log *slog.Logger) ([]*ingest.Poller, error) {
	if cfg.IMAPURL == "" {
		return nil, nil
	}
	urls, err := ingest.ParseMailboxURLs(cfg.IMAPURL)
	if err != nil {
		return nil, fmt.Errorf("HELPDESK_IMAP_URL: %w", err)
	}
	var ps []*ingest.Poller
	for _, u := range urls {
		p, err := ingest.NewPoller(ingest.PollerOpts{URL: u, Intake: intake, DB: d.DB, Log: log, PollInterval: cfg.IMAPPoll})
		if err != nil {
			return nil, fmt.Errorf("HELPDESK_IMAP_URL: %w", err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}
