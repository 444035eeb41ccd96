package ingest

import (
	"regexp"
	"strings"
)

// Command is one command line at the top of an authenticated agent's
// mail ("#status resolved"), in its canonical English form.
type Command struct {
	Line string // as written, for the agent's report
	Name string // status, assign, priority, transfer, note; "" when unknown
	Arg  string // canonical value: "resolved", "me" or an address, a priority, the department
	// Reason is a transfer's reason (after the colon).
	Reason string
	// Err says why the line is not a command that can run.
	Err string
}

// commandLine is "#word" at the start of a line, with what follows.
var commandLine = regexp.MustCompile(`^#([\p{L}]+)\b[ \t]*(.*)$`)

// commandNames maps each command word, English and Indonesian, to its
// canonical name.
var commandNames = map[string]string{
	"status": "status",
	"assign": "assign", "tugaskan": "assign", "tugas": "assign",
	"priority": "priority", "prioritas": "priority",
	"transfer": "transfer", "alihkan": "transfer", "pindahkan": "transfer",
	"note": "note", "catatan": "note", "internal": "note",
}

// statusWords and priorityWords accept the Indonesian the panel shows.
var (
	statusWords = map[string]string{
		"open": "open", "buka": "open", "terbuka": "open", "dibuka": "open", "reopen": "open",
		"resolved": "resolved", "resolve": "resolved", "selesai": "resolved", "solved": "resolved",
		"closed": "closed", "close": "closed", "tutup": "closed", "ditutup": "closed",
	}
	priorityWords = map[string]string{
		"low": "low", "rendah": "low",
		"normal": "normal", "biasa": "normal", "sedang": "normal",
		"high": "high", "tinggi": "high",
		"emergency": "emergency", "darurat": "emergency", "urgent": "emergency", "mendesak": "emergency",
	}
)

// ParseCommands reads the command lines at the top of an agent's reply
// (blank lines before and between them are allowed) and returns them with
// the rest of the text. Only the top counts: a "#" line after the first
// line of prose is prose. A "#word" line whose word is not a command is
// returned with Err set rather than left in the text, so a typo such as
// "#stauts resolved" is reported to the agent instead of mailed to the
// citizen.
func ParseCommands(text string) ([]Command, string) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var cmds []Command
	i := 0
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		m := commandLine.FindStringSubmatch(l)
		if m == nil {
			break
		}
		cmds = append(cmds, parseCommand(l, strings.ToLower(m[1]), strings.TrimSpace(m[2])))
	}
	if len(cmds) == 0 {
		return nil, text
	}
	return cmds, strings.TrimSpace(strings.Join(lines[i:], "\n"))
}

func parseCommand(line, word, rest string) Command {
	c := Command{Line: line, Name: commandNames[word]}
	switch c.Name {
	case "":
		c.Err = "unknown command"
	case "status":
		if c.Arg = statusWords[strings.ToLower(rest)]; c.Arg == "" {
			c.Err = "status must be open, resolved or closed (buka, selesai, tutup)"
		}
	case "priority":
		if c.Arg = priorityWords[strings.ToLower(rest)]; c.Arg == "" {
			c.Err = "priority must be low, normal, high or emergency (rendah, normal, tinggi, darurat)"
		}
	case "assign":
		switch a := strings.ToLower(strings.Trim(rest, "<> ")); a {
		case "me", "saya", "aku":
			c.Arg = "me"
		case "":
			c.Err = "assign needs an agent's address, or me"
		default:
			c.Arg = a
		}
	case "transfer":
		dept, reason, ok := strings.Cut(rest, ":")
		c.Arg, c.Reason = strings.TrimSpace(dept), strings.TrimSpace(reason)
		if !ok || c.Arg == "" || c.Reason == "" {
			c.Err = "transfer needs a department and a reason: #transfer Department: reason"
		}
	case "note":
		if rest != "" {
			c.Err = "#note takes nothing after it: the whole mail becomes the note"
		}
	}
	return c
}
