package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
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
				var err error
				if pw, err = readPassword(env); err != nil {
					return err
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

// readPassword takes the first line of standard input (--password-stdin).
func readPassword(env *cmdEnv) (string, error) {
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("--password-stdin: nothing on standard input")
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--password-stdin: the password is empty")
	}
	return pw, nil
}

func agentPasswordCommand() *command {
	var email string
	var pwStdin bool
	return &command{
		name:    "agent password",
		args:    "--email E [--password-stdin]",
		summary: "give an agent a new password (read from standard input, or generated and printed)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the agent's address")
			fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
		},
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, _ []string) error {
			pw, generated := "", false
			if pwStdin {
				var err error
				if pw, err = readPassword(env); err != nil {
					return err
				}
			} else {
				raw := make([]byte, 12)
				rand.Read(raw)
				pw, generated = base64.RawURLEncoding.EncodeToString(raw), true
			}
			return withStore(ctx, env, func(s *tickets.Store) error {
				a, err := s.AgentByEmail(ctx, email)
				if errors.Is(err, tickets.ErrNotFound) {
					return fmt.Errorf("no agent has the address %q", email)
				}
				if err != nil {
					return err
				}
				if err := s.SetAgentPassword(ctx, a.ID, pw); err != nil {
					return err
				}
				fmt.Fprintf(env.stdout, "new password set for %s <%s>; their sessions were ended\n", a.Name, a.Email)
				if generated {
					fmt.Fprintf(env.stdout, "password: %s\n", pw)
				}
				return nil
			})
		},
	}
}

// oneArgCommand builds an admin command that takes one argument (a name,
// an address) and prints one line about what it did.
func oneArgCommand(name, args, summary, argName string, flags func(fs *flag.FlagSet),
	do func(ctx context.Context, s *tickets.Store, arg string) (string, error)) *command {
	return &command{
		name: name, args: args, summary: summary, flags: flags,
		run: func(ctx context.Context, env *cmdEnv, _ *flag.FlagSet, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("give the %s as one argument (quote it if it has spaces)", argName)
			}
			return withStore(ctx, env, func(s *tickets.Store) error {
				line, err := do(ctx, s, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintln(env.stdout, line)
				return nil
			})
		},
	}
}

func departmentAddCommand() *command {
	return oneArgCommand("department add", "NAME", "add a department", "department's name", nil,
		func(ctx context.Context, s *tickets.Store, name string) (string, error) {
			d, err := s.CreateDepartment(ctx, name)
			if errors.Is(err, tickets.ErrConflict) {
				return "", fmt.Errorf("a department named %q already exists", name)
			}
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("department %d added: %s", d.ID, d.Name), nil
		})
}

func topicAddCommand() *command {
	var dept string
	return oneArgCommand("topic add", "NAME --department D", "add a help topic routed to a department", "topic's name",
		func(fs *flag.FlagSet) {
			fs.StringVar(&dept, "department", "Support", "the department that handles the topic")
		},
		func(ctx context.Context, s *tickets.Store, name string) (string, error) {
			t, err := s.CreateTopic(ctx, name, dept)
			if errors.Is(err, tickets.ErrConflict) {
				return "", fmt.Errorf("a topic named %q already exists", name)
			}
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("topic %d added: %s (%s)", t.ID, t.Name, t.DepartmentName), nil
		})
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
