// Command helpdesk is an email-first helpdesk: citizens and regional offices
// write in by mail or through the web portal, agents answer from the web
// panel or their mail client, and every complaint gets a ticket number, a
// deadline and a traceable history.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	// The time-zone database, for hosts without one (a scratch or
	// distroless image, a Windows server): citizens register with
	// Asia/Jakarta, Asia/Makassar or Asia/Jayapura, and ValidTimezone
	// refuses a zone time.LoadLocation cannot find. The host's files are
	// still preferred, so an updated system database wins. About 410 KB.
	_ "time/tzdata"

	"github.com/kemsos/helpdesk/tickets"
)

// command is one subcommand.
type command struct {
	name    string // "agent add"
	args    string
	summary string
	run     func(ctx context.Context, env *cmdEnv, fs *flag.FlagSet, args []string) error
	flags   func(fs *flag.FlagSet)
}

// cmdEnv is what every command gets: configuration, log and I/O.
type cmdEnv struct {
	cfg    Config
	dbWait time.Duration // how long admin commands wait for the database
	log    *slog.Logger
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// jobs tune how serve schedules its jobs; tests make them fast.
	jobs []jobOption
}

// exitError carries a specific exit status (75 for the MTA to retry).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func commands() []*command {
	return []*command{
		serveCommand(),
		migrateCommand(),
		ingestCommand(),
		importMboxCommand(),
		routeAddCommand(),
		agentAddCommand(),
		agentPasswordCommand(),
		departmentAddCommand(),
		topicAddCommand(),
		apikeyCreateCommand(),
	}
}

func main() { os.Exit(runMain()) }

// runMain runs the command line until it is done or a signal stops it.
// The fault tests' child process, which is the test binary, calls it with
// a faster job schedule.
func runMain(jobs ...jobOption) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, jobs...)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, jobs ...jobOption) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		return 0
	}
	var cmd *command
	var rest []string
	for _, c := range cmds {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			cmd, rest = c, args[len(words):]
			break
		}
	}
	if cmd == nil {
		// "helpdesk agent --help": the commands of that word.
		if group := commandGroup(cmds, args[0]); group != nil && (len(args) == 1 || isHelp(args[1])) {
			if len(args) == 1 {
				groupUsage(stderr, args[0], group)
				return 2
			}
			groupUsage(stdout, args[0], group)
			return 0
		}
		fmt.Fprintf(stderr, "helpdesk: unknown command %q\n\n", strings.Join(args, " "))
		usage(stderr, cmds)
		return 2
	}
	env := &cmdEnv{stdin: stdin, stdout: stdout, stderr: stderr, dbWait: 30 * time.Second, jobs: jobs}
	fs := flag.NewFlagSet("helpdesk "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The command's own flags are listed in its help; the configuration
	// flags every command takes are listed once, under serve's.
	own := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	own.SetOutput(stderr)
	if cmd.flags != nil {
		cmd.flags(own)
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: helpdesk %s %s\n\n%s\n", cmd.name, cmd.args, cmd.summary)
		if cmd.name == "serve" {
			fmt.Fprintf(stderr, "\nflags (each also read from the environment variable named after it):\n")
			fs.PrintDefaults()
			return
		}
		if hasFlags(own) {
			fmt.Fprintf(stderr, "\nflags:\n")
			own.PrintDefaults()
		}
		fmt.Fprintf(stderr, "\nConfiguration (--database-url, --data-dir and the rest) comes from HELPDESK_* environment\nvariables or flags of the same names: see 'helpdesk serve --help'.\n")
	}
	env.cfg.register(fs)
	own.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	positional, err := parseInterspersed(fs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	env.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := env.cfg.finish(); err != nil {
		fmt.Fprintf(stderr, "helpdesk: configuration: %v\n", err)
		return 2
	}
	if err := cmd.run(ctx, env, fs, positional); err != nil {
		fmt.Fprintf(stderr, "helpdesk %s: %v\n", cmd.name, err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		var v *tickets.ValidationError
		if errors.As(err, &v) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds []*command) {
	fmt.Fprintln(w, "helpdesk: an email-first helpdesk\n\nusage: helpdesk COMMAND [flags]\n\ncommands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'helpdesk COMMAND --help' for a command's flags. Configuration comes from HELPDESK_* environment variables; flags override them.")
}

// commandGroup lists the commands whose name starts with word ("agent"
// for "agent add" and "agent password"); nil when word is no such group.
func commandGroup(cmds []*command, word string) []*command {
	var out []*command
	for _, c := range cmds {
		if first, _, more := strings.Cut(c.name, " "); more && first == word {
			out = append(out, c)
		}
	}
	return out
}

func groupUsage(w io.Writer, word string, cmds []*command) {
	fmt.Fprintf(w, "usage: helpdesk %s COMMAND [flags]\n\ncommands:\n", word)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'helpdesk %s COMMAND --help' for a command's flags.\n", word)
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseInterspersed parses flags wherever they stand, so that both
// `topic add NAME --department D` (the documented form) and
// `topic add --department D NAME` work.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
