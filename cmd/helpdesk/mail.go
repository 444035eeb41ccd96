package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kemsos/helpdesk/ingest"
	"github.com/kemsos/helpdesk/migrations"
	"github.com/kemsos/helpdesk/tickets"
)

// exTempFail tells an MTA to keep the message and try again (sysexits.h).
const exTempFail = 75

// newIntake wires the mail intake to the store. The store must have the
// outbox hooked in (newOutbox) for notices to be queued; a running serve
// sends them.
func newIntake(cfg *Config, store *tickets.Store, env *cmdEnv, extra ...ingest.IntakeOpts) (*ingest.Intake, error) {
	secret, err := cfg.secretKey()
	if err != nil {
		return nil, err
	}
	o := ingest.IntakeOpts{}
	if len(extra) > 0 {
		o = extra[0]
	}
	o.Log, o.Secret, o.OwnAddresses, o.MaxSize = env.log, secret, []string{cfg.From}, cfg.MaxMessageSize
	if o.Auth == nil {
		o.Auth = ingest.NewAuthenticator(ingest.AuthOpts{TrustedAuthServID: strings.TrimSpace(cfg.TrustedAuthServID)})
	}
	return ingest.NewIntake(store, o), nil
}

func ingestCommand() *command {
	var mailbox string
	var rcpts stringList
	return &command{
		name:    "ingest",
		args:    "[--mailbox NAME] [--recipient ADDR] < message.eml",
		summary: "store one raw message from standard input (an MTA pipe transport); exit 75 to retry",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&mailbox, "mailbox", "pipe", "the name this mail source is recorded under")
			fs.Var(&rcpts, "recipient", "the envelope recipient (Postfix: ${recipient}), to route to a help topic")
		},
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, _ []string) error {
			// Read within the intake's bounds: a message over the limit is
			// kept with its headers and a note, never held whole.
			raw, size, err := ingest.ReadMessage(env.stdin, env.cfg.MaxMessageSize)
			if err != nil {
				return &exitError{code: exTempFail, err: fmt.Errorf("reading the message: %w", err)}
			}
			if len(raw) == 0 {
				// A mistake in the MTA's configuration, not a message: say so
				// rather than store nothing.
				return fmt.Errorf("no message on standard input")
			}
			src := ingest.Source{Mailbox: mailbox, Recipients: rcpts}
			if size > int64(len(raw)) {
				src.Size = size
			}
			// A running serve takes it over its socket, into its group
			// commit: no database session of our own, no start-up work.
			res, handled, err := ingest.HandOff(handOffSocket(&env.cfg), raw, src)
			if !handled {
				res, err = ingestDirect(ctx, env, raw, src)
			}
			if err != nil {
				// Whatever went wrong, nothing was committed: the MTA keeps
				// the message and retries, so a passing outage loses nothing.
				return &exitError{code: exTempFail, err: err}
			}
			fmt.Fprintf(env.stdout, "%s %s\n", res.Outcome, res.Ticket)
			return nil
		},
	}
}

// ingestDirect stores a message from the pipe when no serve takes it: one
// database connection, no statements prepared for later, no migration
// work unless the schema is behind this binary.
func ingestDirect(ctx context.Context, env *cmdEnv, raw []byte, src ingest.Source) (ingest.Result, error) {
	// The MTA retries on 75; better that than hold its delivery agent
	// while the database is down.
	d, err := openDatabaseWait(ctx, &env.cfg, false, env.log, 5*time.Second)
	if err != nil {
		return ingest.Result{}, err
	}
	defer d.Close()
	d.DB.SetMaxOpenConns(1)
	if ok, err := migrations.UpToDate(ctx, d.DB.DB); err != nil {
		return ingest.Result{}, err
	} else if !ok {
		if err := d.migrate(ctx, env.log); err != nil {
			return ingest.Result{}, err
		}
	}
	s := tickets.New(d.DB, tickets.Opts{Log: env.log, OneShot: true})
	if _, err := newOutbox(&env.cfg, s, env.log); err != nil {
		return ingest.Result{}, err
	}
	in, err := newIntake(&env.cfg, s, env)
	if err != nil {
		return ingest.Result{}, err
	}
	return in.Deliver(ctx, raw, src)
}

func importMboxCommand() *command {
	return &command{
		name:    "import-mbox",
		args:    "FILE",
		summary: "import an mbox archive (resumable: re-running does not duplicate)",
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give the mbox file as the one argument")
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			// No outbox here: an archive of old letters must not send
			// autoresponses to everyone in it.
			return withStore(ctx, env, func(s *tickets.Store) error {
				in, err := newIntake(&env.cfg, s, env, ingest.IntakeOpts{Backdate: true})
				if err != nil {
					return err
				}
				return importMbox(ctx, in, f, fi.Size(), "mbox:"+fi.Name(), env.stderr)
			})
		},
	}
}

// importMbox delivers every message of an archive, showing progress: in
// groups of several messages per transaction, a few at once, threads in
// order, as the IMAP poller does. A message that cannot be stored for a
// passing reason holds back the mails that follow it in its thread; the
// run reports them at the end, and a re-run resumes (the stored ones are
// duplicates).
func importMbox(ctx context.Context, in *ingest.Intake, r io.Reader, size int64, name string, progress io.Writer) error {
	mr := ingest.NewMboxReader(r)
	start := time.Now()
	var mu sync.Mutex
	done, read := 0, 0
	last := time.Time{}
	show := func(final bool) {
		mu.Lock()
		defer mu.Unlock()
		if !final && time.Since(last) < 200*time.Millisecond {
			return
		}
		last = time.Now()
		el := time.Since(start).Seconds()
		rate := float64(done) / max(el, 0.001)
		frac := 1.0
		if size > 0 {
			frac = float64(mr.BytesRead()) / float64(size)
		}
		eta := "-"
		if frac > 0 && frac < 1 {
			eta = (time.Duration(el/frac*(1-frac)) * time.Second).Round(time.Second).String()
		}
		bar := strings.Repeat("#", int(frac*30)) + strings.Repeat(".", 30-int(frac*30))
		fmt.Fprintf(progress, "\r[%s] %5.1f%% %d of %d messages stored %.0f/s ETA %s ", bar, frac*100, done, read, rate, eta)
		if final {
			fmt.Fprintln(progress)
		}
	}
	p := in.NewPipeline(ctx, name)
	p.Stored = func(n int) {
		mu.Lock()
		done += n
		mu.Unlock()
		show(false)
	}
	var readErr error
	for {
		raw, err := mr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("reading %s: %w", name, err)
			break
		}
		mu.Lock()
		read++
		mu.Unlock()
		p.Add(raw)
	}
	stored, dup, failure := p.Wait()
	show(true)
	fmt.Fprintf(progress, "%d messages stored (%d already stored before) in %v\n", stored, dup, time.Since(start).Round(time.Millisecond))
	if readErr != nil {
		return readErr
	}
	if failure != nil {
		return fmt.Errorf("%d of %d messages not stored: %w (re-run to resume; stored messages are skipped)", read-stored, read, failure)
	}
	return nil
}

func routeAddCommand() *command {
	var topic string
	return oneArgCommand("route add", "ADDRESS --topic T", "route new mail sent to ADDRESS to a help topic (and its department)", "address",
		func(fs *flag.FlagSet) {
			fs.StringVar(&topic, "topic", "", "the help topic")
		},
		func(ctx context.Context, s *tickets.Store, addr string) (string, error) {
			if err := s.AddRoute(ctx, addr, topic); err != nil {
				return "", err
			}
			return fmt.Sprintf("mail to %s opens tickets in %s", addr, topic), nil
		})
}
