package main

// The ceilings the ingest rate is compared with: parsing alone, on every
// core; writing the ingest's own rows as directly as PostgreSQL allows
// (replay.go); and the IMAP server's own rate, the whole mailbox fetched.

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/kemsos/helpdesk/ingest"
)

type ceilingResult struct {
	Workers      int     `json:"parse_workers"`
	ParseRate    float64 `json:"parse_messages_per_second"`
	ParseMBps    float64 `json:"parse_mb_per_second"`
	ParseSeconds float64 `json:"parse_seconds"`
	// The database ceiling: the ingest's rows written again (replay.go).
	DBRate      float64      `json:"db_messages_per_second"`
	DBSeconds   float64      `json:"db_seconds"`
	DBBatch     int          `json:"db_batch"`
	DBWorkers   int          `json:"db_workers"`
	Replayed    int          `json:"db_messages_replayed"`
	RowsPerMsg  float64      `json:"rows_per_message"`
	StmtsPerMsg float64      `json:"statements_per_message"`
	Tables      []tableWrite `json:"rows_per_message_by_table"`
	// Parse and write one after the other on the same cores: the two
	// ceilings' times added.
	Serial float64 `json:"parse_then_write_per_second"`
	// The in-memory IMAP server, the whole mailbox in one UID FETCH.
	IMAPRate    float64 `json:"imap_fetch_messages_per_second"`
	IMAPMBps    float64 `json:"imap_fetch_mb_per_second"`
	Lower       float64 `json:"lower_ceiling_per_second"`
	LowerIs     string  `json:"lower_is"`
	IngestShare float64 `json:"ingest_fraction_of_lower"`
}

// finish picks the lower ceiling and the ingest's share of it.
func (cr *ceilingResult) finish(ingestRate float64) {
	cr.Lower, cr.LowerIs = cr.ParseRate, "parse"
	if cr.DBRate > 0 && cr.DBRate < cr.Lower {
		cr.Lower, cr.LowerIs = cr.DBRate, "database"
	}
	if cr.IMAPRate > 0 && cr.IMAPRate < cr.Lower {
		cr.Lower, cr.LowerIs = cr.IMAPRate, "IMAP server"
	}
	if cr.DBRate > 0 && cr.ParseRate > 0 {
		cr.Serial = 1 / (1/cr.DBRate + 1/cr.ParseRate)
	}
	if cr.Lower > 0 {
		cr.IngestShare = ingestRate / cr.Lower
	}
}

// imapFetchRate is the IMAP server's own rate: the corpus, appended to a
// mailbox of its own (the poller has moved the inbox's away), fetched in
// one UID FETCH of BODY.PEEK[] as the poller asks for it; best of two.
func imapFetchRate(srv *memIMAP, corpus []*corpusMail) (float64, float64, error) {
	const box = "Ceiling"
	if err := srv.user.Create(box, nil); err != nil {
		return 0, 0, err
	}
	defer srv.user.Delete(box)
	for _, m := range corpus {
		if _, err := srv.user.Append(box, literal{bytes.NewReader(m.Raw)}, &imap.AppendOptions{}); err != nil {
			return 0, 0, err
		}
	}
	best, bestMB := 0.0, 0.0
	for try := 0; try < 2; try++ {
		rate, mbps, err := imapFetchOnce(srv.addr, box)
		if err != nil {
			return 0, 0, err
		}
		if rate > best {
			best, bestMB = rate, mbps
		}
	}
	return best, bestMB, nil
}

func imapFetchOnce(addr, box string) (float64, float64, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if err := c.Login(imapUser, imapPass).Wait(); err != nil {
		return 0, 0, err
	}
	if _, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, err
	}
	var set imap.UIDSet
	set.AddRange(1, 0)
	t0 := time.Now()
	cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n, size := 0, int64(0)
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			if b, ok := item.(imapclient.FetchItemDataBodySection); ok && b.Literal != nil {
				k, err := io.Copy(io.Discard, b.Literal)
				if err != nil {
					return 0, 0, err
				}
				size += k
			}
		}
		n++
	}
	if err := cmd.Close(); err != nil {
		return 0, 0, err
	}
	d := time.Since(t0).Seconds()
	if n == 0 {
		return 0, 0, fmt.Errorf("imap fetch: the mailbox is empty")
	}
	return float64(n) / d, mb(size) / d, nil
}

// parseCeiling parses the corpus on GOMAXPROCS workers: once to warm up,
// then three times, keeping the best (a ceiling, and the machine is shared).
func parseCeiling(corpus []*corpusMail) (float64, float64, int, float64) {
	workers := runtime.GOMAXPROCS(0)
	parseAll(corpus[:min(len(corpus), 200)], workers)
	best := 0.0
	var size int64
	for _, c := range corpus {
		size += int64(len(c.Raw))
	}
	for i := 0; i < 3; i++ {
		d := parseAll(corpus, workers)
		if best == 0 || d < best {
			best = d
		}
	}
	return float64(len(corpus)) / best, float64(size) / (1 << 20) / best, workers, best
}

func parseAll(corpus []*corpusMail, workers int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(corpus) {
					return
				}
				ingest.Parse(corpus[i].Raw, ingest.Limits{})
			}
		}()
	}
	wg.Wait()
	return time.Since(t0).Seconds()
}
