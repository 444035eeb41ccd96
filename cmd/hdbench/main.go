// Command hdbench measures the helpdesk against its performance targets:
// mail ingest over real IMAP and its ceilings, the agent queue, ticket
// view and search at a million tickets, outbound mail, and memory. It
// sets up its own PostgreSQL, drives the real code (the ingest poller, the
// outbox, the HTTP handlers of `helpdesk serve`), prints a table and
// writes the figures as JSON.
//
// It changes nothing outside its temporary directory and the databases it
// creates.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

type config struct {
	quick       bool
	out         string
	messages    int
	paced       int
	pacedRate   float64
	tickets     int
	requests    int
	outbound    int
	bigMB       int
	helpdeskBin string
	pipeMails   int
	importN     int
	phases      map[string]bool
	inProcess   bool
	cpuprofile  string
	memprofile  string
	dsnOptions  string
	pprofAddr   string
	keep        bool
	seed        uint64
}

var allPhases = []string{"seed", "ceiling", "ingest", "http", "pipe", "import", "outbound", "memory"}

func main() {
	var c config
	var phases string
	flag.BoolVar(&c.quick, "quick", false, "small sizes (1 000 messages, 100 000 tickets): under five minutes")
	flag.StringVar(&c.out, "out", "hdbench-results.json", "write the figures here as JSON")
	flag.IntVar(&c.messages, "messages", 0, "messages ingested in the burst (default 10 000; quick 1 000)")
	flag.IntVar(&c.tickets, "tickets", 0, "tickets seeded for the queue (default 1 000 000; quick 100 000)")
	flag.IntVar(&c.requests, "requests", 0, "HTTP requests per scenario (default 3 000; quick 1 000)")
	flag.IntVar(&c.outbound, "notices", 0, "response notices queued and sent for the outbound figure (default 5 000; quick 1 000)")
	flag.IntVar(&c.bigMB, "big-mb", 25, "size of the single large message, MB")
	flag.IntVar(&c.pipeMails, "pipe-mails", 0, "mails per pipe measurement, one `helpdesk ingest` each (default 200; quick 60)")
	flag.IntVar(&c.importN, "import", 0, "messages in the import-mbox archive (default 10 000; quick 1 000)")
	flag.StringVar(&c.helpdeskBin, "helpdesk-bin", "", "helpdesk binary to drive (default: go build ./cmd/helpdesk)")
	flag.StringVar(&phases, "phases", strings.Join(allPhases, ","), "phases to run")
	flag.BoolVar(&c.inProcess, "ingest-in-process", false, "run the IMAP poller inside hdbench (for --cpuprofile/--pprof) instead of in helpdesk serve")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of hdbench to this file")
	flag.StringVar(&c.memprofile, "memprofile", "", "write an allocation profile of the large message's Deliver to this file")
	flag.StringVar(&c.dsnOptions, "dsn-options", "", "extra lib/pq settings for the benchmark database, e.g. binary_parameters=yes (an experiment: the product's default is none)")
	flag.StringVar(&c.pprofAddr, "pprof", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory (and databases on HELPDESK_DATABASE_URL)")
	flag.Uint64Var(&c.seed, "seed", 20240501, "seed of the generated data")
	flag.Parse()

	def := func(v *int, full, quick int) {
		if *v <= 0 {
			*v = full
			if c.quick {
				*v = quick
			}
		}
	}
	def(&c.messages, 10000, 1000)
	def(&c.tickets, 1000000, 100000)
	def(&c.requests, 3000, 1000)
	def(&c.outbound, 5000, 1000)
	def(&c.paced, 1000, 200)
	def(&c.pipeMails, 200, 60)
	def(&c.importN, 10000, 1000)
	c.pacedRate = 50
	c.phases = map[string]bool{}
	for _, p := range strings.Split(phases, ",") {
		c.phases[strings.TrimSpace(p)] = true
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.pprofAddr != "" {
		go http.ListenAndServe(c.pprofAddr, nil)
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	res, err := run(ctx, c, log)
	if res != nil {
		res.print(os.Stdout)
		if b, jerr := json.MarshalIndent(res, "", "  "); jerr == nil {
			if werr := os.WriteFile(c.out, b, 0o644); werr != nil {
				log.Error("writing results", "err", werr)
			} else {
				fmt.Printf("\nfigures written to %s\n", c.out)
			}
		}
	}
	if err != nil {
		log.Error("hdbench failed", "err", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, log *slog.Logger) (*results, error) {
	start := time.Now()
	res := &results{Mode: "full", Started: start.UTC().Format(time.RFC3339), CPUs: runtime.NumCPU(), Go: runtime.Version(),
		Tickets: c.tickets, Messages: c.messages, LoadAvgStart: loadAvg()}
	if c.quick {
		res.Mode = "quick"
	}
	defer func() { res.WallSeconds, res.LoadAvgEnd = time.Since(start).Seconds(), loadAvg() }()

	dir, err := os.MkdirTemp("", "hdbench-")
	if err != nil {
		return res, err
	}
	// PostgreSQL runs as an unprivileged user when we are root: it must be
	// able to enter the directory.
	os.Chmod(dir, 0o755)
	if c.keep {
		log.Info("keeping the work directory", "dir", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	root, rootErr := moduleRoot()
	bin := c.helpdeskBin
	if bin == "" {
		if rootErr != nil {
			return res, rootErr
		}
		log.Info("building the helpdesk binary")
		if bin, err = buildHelpdesk(ctx, root, dir); err != nil {
			return res, err
		}
	}

	log.Info("starting PostgreSQL", "dir", dir)
	b, err := openBenchDB(ctx, dir, c.dsnOptions, log)
	if err != nil {
		return res, err
	}
	defer b.close(c.keep)
	b.DB.GetContext(ctx, &res.Postgres, `SELECT current_setting('server_version')`)
	if rootErr == nil {
		res.Helpdesk = helpdeskVersion(ctx, root)
	}
	webOK := false
	if rootErr == nil {
		if webOK, err = webSchema(ctx, b.DB, root); err != nil {
			return res, err
		}
	}

	// Setup through the real admin commands, as an operator would.
	hdDir := filepath.Join(dir, "helpdesk-data")
	os.MkdirAll(hdDir, 0o755)
	hd := newHelpdesk(bin, b.dsn, hdDir)
	defer hd.stop()
	for _, d := range []string{"Pusdatin", "Linjamsos", "Rehsos", "Dayasos"} {
		if _, err := hd.run(ctx, "", "department", "add", d); err != nil {
			return res, err
		}
	}
	const agentEmail, agentPass = "agen.bench@kemsos.go.id", "bench-password-123"
	if _, err := hd.run(ctx, agentPass+"\n", "agent", "add", "--email", agentEmail, "--name", "Agen Benchmark",
		"--department", "Support", "--password-stdin"); err != nil {
		return res, err
	}
	apiKey, err := hd.run(ctx, "", "apikey", "create", "--name", "hdbench")
	if err != nil {
		return res, err
	}
	var supportID int
	b.DB.GetContext(ctx, &supportID, `SELECT id FROM departments WHERE lower(name) = 'support'`)
	secret := []byte("hdbench-secret-0123456789abcdef0123456789abcdef")

	var sample []seededTicket
	if c.phases["seed"] {
		log.Info("phase: seed", "tickets", c.tickets)
		res.Seed, sample, err = seedTickets(ctx, b.DB, c.tickets, c.seed, log)
		if err != nil {
			return res, fmt.Errorf("seed: %w", err)
		}
		log.Info("seed done", "seconds", int(res.Seed.TotalSec))
	}

	var corpus []*corpusMail
	if c.phases["ceiling"] || c.phases["ingest"] {
		log.Info("generating the mail corpus", "messages", c.messages+c.paced)
		corpus = makeCorpus(corpusOpts{N: c.messages + c.paced, Seed: c.seed, Senders: 300, Tickets: sample, Start: time.Now()})
	}
	// The database ceiling writes the ingest's own rows again into a copy
	// of the database as the ingest found it: the copy is taken now.
	var base *ceilingBase
	var counters0 map[string][2]int64
	if c.phases["ceiling"] && c.phases["ingest"] {
		log.Info("copying the database for the ceiling")
		if base, err = b.snapshotForCeiling(ctx); err != nil {
			return res, fmt.Errorf("ceiling: %w", err)
		}
	}
	if c.phases["ingest"] {
		if counters0, err = tableCounters(ctx, b.DB); err != nil {
			return res, err
		}
	}
	var cr *ceilingResult
	if c.phases["ceiling"] {
		log.Info("phase: parse ceiling")
		cr = &ceilingResult{DBBatch: 200, DBWorkers: 2}
		cr.ParseRate, cr.ParseMBps, cr.Workers, cr.ParseSeconds = parseCeiling(corpus[:c.messages])
		res.Ceiling = cr
	}

	sink, err := startSink()
	if err != nil {
		return res, err
	}
	defer sink.close()

	if c.phases["ingest"] {
		log.Info("phase: ingest over IMAP", "messages", c.messages, "mode", map[bool]string{true: "in-process", false: "helpdesk serve"}[c.inProcess])
		srv, err := startMemIMAP()
		if err != nil {
			return res, err
		}
		o := ingestOpts{burst: c.messages, paced: c.paced, pacedRate: c.pacedRate,
			inProcess: c.inProcess, dir: dir, dsn: b.dsn, secret: secret, log: log}
		if !c.inProcess {
			if err := hd.serve(ctx, "HELPDESK_IMAP_URL="+srv.url(), "HELPDESK_SMTP_URL=smtp://"+sink.addr); err != nil {
				return res, err
			}
			o.pid = hd.pid()
		}
		res.Ingest, err = runIngest(ctx, b, sink, srv, corpus, o)
		if err != nil {
			return res, fmt.Errorf("ingest: %w\n%s", err, hd.diagnose())
		}
		// The HTTP figures are for a quiet server: a backlog the poller is
		// still working through must not weigh on them.
		if err := hd.stop(); err != nil {
			log.Warn("stopping helpdesk serve", "err", err)
		}
		b.waitForSessionsToEnd(ctx)
		counters1, err := tableCounters(ctx, b.DB)
		if err != nil {
			return res, err
		}
		writes := diffCounters(counters1, counters0)
		if cr != nil {
			log.Info("phase: IMAP server and database ceilings")
			if cr.IMAPRate, cr.IMAPMBps, err = imapFetchRate(srv, corpus[:c.messages]); err != nil {
				return res, fmt.Errorf("ceiling: %w", err)
			}
			if base != nil {
				if err := dbCeiling(ctx, b, base, cr, writes); err != nil {
					return res, fmt.Errorf("ceiling: %w", err)
				}
				b.drop(context.WithoutCancel(ctx), base.name)
			}
			cr.finish(res.Ingest.Rate)
		}
		srv.srv.Close()
	}
	if cr != nil && cr.Lower == 0 {
		cr.finish(0)
	}
	corpus = nil

	if c.phases["http"] {
		log.Info("phase: queue, ticket view and search over HTTP", "requests", c.requests)
		if hd.pid() == 0 {
			if err := hd.serve(ctx, "HELPDESK_SMTP_URL=smtp://"+sink.addr); err != nil {
				return res, err
			}
		}
		if len(sample) == 0 {
			b.DB.SelectContext(ctx, &sample, `SELECT t.number AS number, t.department_id AS department FROM tickets t ORDER BY random() LIMIT 5000`)
		}
		terms := searchTerms(ctx, b, c.seed)
		// A slow scenario stops early (after at least 200 requests) so that
		// --quick stays under five minutes.
		budget := 3 * time.Minute
		if c.quick {
			budget = 20 * time.Second
		}
		res.HTTP, res.HTTPNote, err = runHTTP(ctx, b, httpOpts{base: "http://" + hd.addr, apiKey: apiKey, agentEmail: agentEmail,
			agentPass: agentPass, supportID: supportID, webOK: webOK, requests: c.requests, budget: budget, tickets: sample, terms: terms})
		if err != nil {
			return res, fmt.Errorf("http: %w\n%s", err, hd.diagnose())
		}
		_, hwm := procStatus(hd.pid())
		res.ServeRSSAfterHTTPMB = mb(hwm)
	}
	if err := hd.stop(); err != nil {
		log.Warn("stopping helpdesk serve", "err", err)
	}

	if c.phases["pipe"] {
		log.Info("phase: the MTA pipe, one process per mail", "mails", c.pipeMails)
		news, replies := pipeCorpus(corpusOpts{Seed: c.seed + 7, Senders: 300, Tickets: sample, Start: time.Now()}, 4*c.pipeMails, 2*c.pipeMails)
		if err := hd.serve(ctx, "HELPDESK_SMTP_URL=smtp://"+sink.addr); err != nil {
			return res, err
		}
		type run struct {
			name     string
			mails    []*corpusMail
			parallel int
			serve    bool
		}
		k := c.pipeMails
		runs := []run{
			{"handoff-new-sequential", news[0:k], 1, true},
			{"handoff-new-2-parallel", news[k : 2*k], 2, true},
			{"direct-new-sequential", news[2*k : 3*k], 1, false},
			{"direct-new-2-parallel", news[3*k : 4*k], 2, false},
		}
		if len(replies) > 0 {
			runs = append(runs[:2], append([]run{{"handoff-replies-sequential", replies[0:k], 1, true}}, runs[2:]...)...)
			runs = append(runs, run{"direct-replies-sequential", replies[k : 2*k], 1, false})
		}
		for _, r := range runs {
			if !r.serve && hd.pid() != 0 {
				if err := hd.stop(); err != nil {
					log.Warn("stopping helpdesk serve", "err", err)
				}
				b.waitForSessionsToEnd(ctx)
			}
			pm, err := runPipe(ctx, b, hd, r.name, r.mails, r.parallel, hd.pid())
			if pm != nil {
				res.Pipe = append(res.Pipe, pm)
			}
			if err != nil {
				return res, err
			}
			log.Info("pipe", "mode", r.name, "mails_per_s", int(pm.Rate), "cpu_ms_per_mail", int(pm.TotalCPUMS))
		}
		hd.stop()
	}
	if c.phases["import"] {
		log.Info("phase: import-mbox", "messages", c.importN)
		mails := makeCorpus(corpusOpts{N: c.importN, Seed: c.seed + 9, Senders: 300, Tickets: sample, Start: time.Now().Add(-30 * 24 * time.Hour)})
		res.Import, err = runImport(ctx, b, hd, dir, mails)
		if err != nil {
			return res, err
		}
	}
	if c.phases["outbound"] {
		log.Info("phase: outbound", "tickets", c.outbound)
		res.Outbound, err = runOutbound(ctx, b, sink, c.outbound, secret, dir, log)
		if err != nil {
			return res, err
		}
	}
	if c.phases["memory"] {
		log.Info("phase: one large message through Deliver", "mb", c.bigMB)
		res.Memory, err = runBigMessage(ctx, b, c.bigMB<<20-64<<10, secret, dir, c.memprofile)
		if err != nil {
			return res, fmt.Errorf("memory: %w", err)
		}
	}
	return res, nil
}
