package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

func serveCommand() *command {
	return &command{
		name:    "serve",
		summary: "run the helpdesk: web, mail intake, outbound mail and scheduled jobs",
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, _ []string) error {
			return serve(ctx, env)
		},
	}
}

// newOutbox wires outbound mail to the store: notices are queued in the
// transactions of the changes, and sent through the relay or, without one,
// written to the dev outbox.
func newOutbox(cfg *Config, store *tickets.Store, log *slog.Logger) (*outbound.Outbox, error) {
	secret, err := cfg.secretKey()
	if err != nil {
		return nil, err
	}
	sender, err := outbound.NewSender(cfg.SMTPURL, cfg.DataDir, outbound.SenderOptions{HeloName: cfg.FromDomain(), Timeout: 30 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("outbound mail: %w", err)
	}
	ob := outbound.New(outbound.Opts{Store: store, Sender: sender, Log: log, From: cfg.From, BaseURL: cfg.BaseURL, Secret: secret,
		AutoresponsesPerHour: cfg.AutoresponsesPerHour})
	store.AddHook(ob.Hook)
	store.AddAccountHook(ob.AccountHook)
	store.AddStatusLinkHook(ob.StatusLinkHook)
	return ob, nil
}

// group runs the long-lived parts of serve and waits for them.
type group struct {
	wg   sync.WaitGroup
	errc chan error
}

func (g *group) go_(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			select {
			case g.errc <- err:
			default:
			}
		}
	}()
}

// defaultMemoryLimit is the heap serve aims to stay under (GOMEMLIMIT
// overrides it): without a limit the Go runtime lets the heap grow to twice
// what is live before collecting, and a burst of large mail would double
// the process's size for nothing.
const defaultMemoryLimit = 160 << 20

func serve(ctx context.Context, env *cmdEnv) error {
	log := env.log
	cfg := &env.cfg
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	d, err := openDatabase(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := d.Close(); err != nil {
			log.Error("shutdown", "err", err)
		}
	}()
	if err := d.migrate(ctx, log); err != nil {
		return err
	}
	store := tickets.New(d.DB, tickets.Opts{Log: log})
	// A broken template stops serve here, not a notice later. (The pipe
	// parses only the templates of the mail it queues.)
	if err := outbound.CheckTemplates(); err != nil {
		return err
	}
	ob, err := newOutbox(cfg, store, log)
	if err != nil {
		return err
	}
	intake, err := newIntake(cfg, store, env)
	if err != nil {
		return err
	}
	srv := newServer(cfg, store, ob, intake, log)

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("web listener: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads over slow links
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	var smtpd *ingest.SMTPServer
	if cfg.SMTPListen != "" {
		smtpd = ingest.NewSMTPServer(ingest.SMTPOpts{Addr: cfg.SMTPListen, Domain: cfg.FromDomain(), Intake: intake, Log: log,
			Accept: ingest.AcceptAddresses(store, []string{cfg.From}), MaxSize: cfg.MaxMessageSize})
		if err := smtpd.Listen(); err != nil {
			ln.Close()
			return err
		}
	}
	pollers, err := newPollers(cfg, intake, d, log)
	if err != nil {
		ln.Close()
		return err
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	g := &group{errc: make(chan error, 1)}
	g.go_(func() error {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("web: %w", err)
		}
		return nil
	})
	g.go_(func() error { ob.Run(runCtx); return nil })
	// The MTA's pipe hands its mail to this process when it can: it joins
	// the group commit, and the pipe needs no database session of its own.
	sock, err := ingest.ListenSocket(handOffSocket(cfg), intake, log)
	if err != nil {
		log.Warn("no hand-off socket: `helpdesk ingest` will write to the database itself", "err", err)
	} else {
		g.go_(sock.Serve)
	}
	if smtpd != nil {
		g.go_(smtpd.Serve)
		log.Info("SMTP intake listening", "addr", smtpd.Addr())
	}
	for _, p := range pollers {
		g.go_(func() error { return p.Run(runCtx) })
	}
	stopJobs := startJobs(runCtx, d.DB, log, scheduledJobs(store, ob, jobSettings{AutoCloseAfter: cfg.AutoCloseAfter, EscalateAfter: cfg.EscalateAfter}), env.jobs...)

	outMode := "dev outbox " + cfg.DataDir + "/outbox (see /dev/outbox)"
	if cfg.SMTPURL != "" {
		outMode = "relay " + redactURL(cfg.SMTPURL)
	}
	log.Info("helpdesk serving", "http", "http://"+ln.Addr().String(), "base_url", cfg.BaseURL,
		"data_dir", cfg.DataDir, "mailboxes", len(pollers), "outbound", outMode)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-g.errc:
		log.Error("stopping", "err", err)
	}
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	if smtpd != nil {
		smtpd.Close()
	}
	if sock != nil {
		sock.Close()
	}
	stopJobs()
	g.wg.Wait()
	return err
}

// handOffSocket is where serve listens for `helpdesk ingest`.
func handOffSocket(cfg *Config) string { return filepath.Join(cfg.DataDir, "ingest.sock") }

// redactURL hides a password in a URL for logs.
func redactURL(s string) string {
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			if c := strings.IndexByte(s[i+3:at], ':'); c >= 0 {
				return s[:i+3+c+1] + "***" + s[at:]
			}
		}
	}
	return s
}
