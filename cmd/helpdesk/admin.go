package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// withStore opens the database, brings the schema up to date and runs fn on
// a store; for the admin commands.
func withStore(ctx context.Context, env *cmdEnv, fn func(s *tickets.Store) error) error {
	d, err := openDatabaseWait(ctx, &env.cfg, false, env.log, env.dbWait)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.migrate(ctx, env.log); err != nil {
		return err
	}
	return fn(tickets.New(d.DB, tickets.Opts{Log: env.log}))
}

func migrateCommand() *command {
	return &command{
		name:    "migrate",
		summary: "apply the database migrations and exit",
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, _ []string) error {
			return withStore(ctx, env, func(*tickets.Store) error { return nil })
		},
	}
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func agentAddCommand() *command {
	var email, name string
	var depts stringList
	var admin, pwStdin bool
	return &command{
		name:    "agent add",
		args:    "--email E --name N --department D [--department D2] [--admin] [--password-stdin]",
		summary: "add an agent (the password is read from standard input)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the agent's address")
			fs.StringVar(&name, "name", "", "the agent's full name")
			fs.Var(&depts, "department", "a department the agent works (repeatable, or comma-separated)")
			fs.BoolVar(&admin, "admin", false, "the agent sees every department and manages the helpdesk")
			fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
		},
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, _ []string) error {
			var pw string
			if pwStdin {
				line, err := bufio.NewReader(env.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("--password-stdin: nothing on standard input")
				}
				pw = strings.TrimRight(line, "\r\n")
				if pw == "" {
					return fmt.Errorf("--password-stdin: the password is empty")
				}
			}
			return withStore(ctx, env, func(s *tickets.Store) error {
				a, err := s.CreateAgent(ctx, tickets.NewAgent{Email: email, Name: name, Password: pw, Departments: depts, Admin: admin})
				if errors.Is(err, tickets.ErrConflict) {
					return fmt.Errorf("an agent with address %s already exists", email)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(env.stdout, "agent %d added: %s <%s>\n", a.ID, a.Name, a.Email)
				return nil
			})
		},
	}
}

func departmentAddCommand() *command {
	return &command{
		name:    "department add",
		args:    "NAME",
		summary: "add a department",
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give the department's name as one argument (quote it if it has spaces)")
			}
			return withStore(ctx, env, func(s *tickets.Store) error {
				d, err := s.CreateDepartment(ctx, args[0])
				if errors.Is(err, tickets.ErrConflict) {
					return fmt.Errorf("a department named %q already exists", args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(env.stdout, "department %d added: %s\n", d.ID, d.Name)
				return nil
			})
		},
	}
}

func topicAddCommand() *command {
	var dept string
	return &command{
		name:    "topic add",
		args:    "NAME --department D",
		summary: "add a help topic routed to a department",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&dept, "department", "Support", "the department that handles the topic")
		},
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give the topic's name as one argument (quote it if it has spaces)")
			}
			return withStore(ctx, env, func(s *tickets.Store) error {
				t, err := s.CreateTopic(ctx, args[0], dept)
				if errors.Is(err, tickets.ErrConflict) {
					return fmt.Errorf("a topic named %q already exists", args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(env.stdout, "topic %d added: %s (%s)\n", t.ID, t.Name, t.DepartmentName)
				return nil
			})
		},
	}
}

func apikeyCreateCommand() *command {
	var name string
	return &command{
		name:    "apikey create",
		args:    "--name N",
		summary: "create an API key and print it (alone, on standard output)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "what the key is for")
		},
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, _ []string) error {
			return withStore(ctx, env, func(s *tickets.Store) error {
				key, _, err := s.CreateAPIKey(ctx, name)
				if err != nil {
					return err
				}
				fmt.Fprintln(env.stdout, key)
				return nil
			})
		},
	}
}
