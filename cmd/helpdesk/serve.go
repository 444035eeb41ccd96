package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

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

func serve(ctx context.Context, env *cmdEnv) error {
	log := env.log
	d, err := openDatabase(ctx, &env.cfg, true, log)
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
	srv := newServer(&env.cfg, store, log)

	ln, err := net.Listen("tcp", env.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("web listener: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads over slow links
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          nil,
	}
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("web: %w", err)
		}
	}()
	log.Info("helpdesk serving", "http", "http://"+ln.Addr().String(), "base_url", env.cfg.BaseURL, "data_dir", env.cfg.DataDir)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
		log.Error("stopping", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	wg.Wait()
	return err
}
