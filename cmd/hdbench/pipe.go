package main

// The MTA pipe, one process per mail as Postfix or Exim runs it
// (`helpdesk ingest` with the mail on standard input): new complaints one
// after the other and two at a time, and replies one after the other;
// first handed to a running serve over its socket, then, serve stopped,
// written directly. And import-mbox, an archive in one run.
//
// CPU per mail is the machine's work for it, not only the pipe's: the
// pipe processes' own (their rusage), serve's and PostgreSQL's (from
// /proc: the postmaster's reaped children and its live ones).

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type pipeMode struct {
	Name     string  `json:"mode"`
	Mails    int     `json:"mails"`
	Parallel int     `json:"parallel"`
	Rate     float64 `json:"mails_per_second"`
	// Wall time of one process, start to exit.
	ProcP50MS  float64 `json:"process_wall_p50_ms"`
	PipeCPUMS  float64 `json:"pipe_cpu_ms_per_mail"`
	ServeCPUMS float64 `json:"serve_cpu_ms_per_mail"`
	DBCPUMS    float64 `json:"postgres_cpu_ms_per_mail"`
	TotalCPUMS float64 `json:"total_cpu_ms_per_mail"`
	Stored     int     `json:"stored"`
	Failed     int     `json:"failed"`
	FirstError string  `json:"first_error,omitempty"`
}

type importResult struct {
	Messages int     `json:"messages"`
	MB       float64 `json:"mbox_mb"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"messages_per_second"`
	CPUMS    float64 `json:"process_cpu_ms_per_message"`
	DBCPUMS  float64 `json:"postgres_cpu_ms_per_message"`
	MaxRSSMB float64 `json:"process_max_rss_mb"`
	Stored   int     `json:"stored"`
	// Notices queued for the imported tickets: an import sends nothing.
	Notices int `json:"notices_queued"`
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on
// every Linux this runs on.
const clockTicks = 100

// procCPU is a process's CPU time from /proc/PID/stat; with children, that
// of its reaped children too.
func procCPU(pid int, children bool) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// f[0] is field 3 (state): utime is field 14, stime 15, cutime 16,
	// cstime 17.
	if len(f) < 15 {
		return 0
	}
	var ticks int64
	last := 13
	if children {
		last = 15
	}
	for i := 11; i < last; i++ {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// postgresCPU is the CPU time of the private cluster: the postmaster, its
// exited backends (reaped, so in its children's times) and the live ones.
func (b *benchDB) postgresCPU() time.Duration {
	if b.cluster == nil {
		return 0
	}
	pidFile, err := os.ReadFile(filepath.Join(b.cluster.Dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(pidFile), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0
	}
	total := procCPU(pm, true)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pm {
			continue
		}
		if ppid(pid) == pm {
			total += procCPU(pid, false)
		}
	}
	return total
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

func rusageCPU(ps *os.ProcessState) time.Duration {
	if ps == nil {
		return 0
	}
	return ps.UserTime() + ps.SystemTime()
}

// runPipe feeds mails to `helpdesk ingest`, one process per mail, parallel
// at a time, and checks that each was stored exactly once.
func runPipe(ctx context.Context, b *benchDB, hd *helpdesk, name string, mails []*corpusMail, parallel int, servePID int) (*pipeMode, error) {
	res := &pipeMode{Name: name, Mails: len(mails), Parallel: parallel}
	mailbox := "pipe-" + name
	var mu sync.Mutex
	var walls []float64
	var pipeCPU time.Duration
	serve0, db0 := time.Duration(0), b.postgresCPU()
	if servePID != 0 {
		serve0 = procCPU(servePID, false)
	}
	next := 0
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(mails) || ctx.Err() != nil {
					return
				}
				cmd := exec.CommandContext(ctx, hd.bin, "ingest", "--mailbox", mailbox)
				cmd.Env = hd.env
				cmd.Stdin = bytes.NewReader(mails[i].Raw)
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				start := time.Now()
				err := cmd.Run()
				d := time.Since(start)
				mu.Lock()
				walls = append(walls, d.Seconds()*1000)
				pipeCPU += rusageCPU(cmd.ProcessState)
				if err != nil {
					res.Failed++
					if res.FirstError == "" {
						res.FirstError = fmt.Sprintf("%v: %s", err, strings.TrimSpace(errb.String()))
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0).Seconds()
	res.Rate = float64(len(mails)) / el
	sort.Float64s(walls)
	res.ProcP50MS = percentile(walls, 50)
	n := float64(len(mails))
	msPer := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	res.PipeCPUMS = msPer(pipeCPU)
	if servePID != 0 {
		res.ServeCPUMS = msPer(procCPU(servePID, false) - serve0)
	}
	res.DBCPUMS = msPer(b.postgresCPU() - db0)
	res.TotalCPUMS = res.PipeCPUMS + res.ServeCPUMS + res.DBCPUMS
	if err := b.DB.GetContext(ctx, &res.Stored, `SELECT count(*) FROM inbound_messages WHERE mailbox = $1`, mailbox); err != nil {
		return nil, err
	}
	if res.Stored != len(mails) || res.Failed > 0 {
		return res, fmt.Errorf("pipe %s: %d mails, %d stored, %d failed (%s)", name, len(mails), res.Stored, res.Failed, res.FirstError)
	}
	return res, nil
}

// pipeCorpus splits a fresh corpus into new complaints and replies to
// seeded tickets (which exist whatever ran before).
func pipeCorpus(o corpusOpts, news, replies int) ([]*corpusMail, []*corpusMail) {
	var ns, rs []*corpusMail
	for n := 4 * (news + replies); len(ns) < news || len(rs) < replies; n *= 2 {
		o.N = n
		ns, rs = nil, nil
		for _, m := range makeCorpus(o) {
			switch m.Kind {
			case mailNew:
				ns = append(ns, m)
			case mailReplyToken:
				rs = append(rs, m)
			}
		}
		if len(o.Tickets) == 0 {
			// No seeded tickets: replies thread by In-Reply-To to the
			// corpus's own complaints, which the pipe may not have
			// stored; measure new mail only.
			return ns[:min(news, len(ns))], nil
		}
	}
	return ns[:news], rs[:replies]
}

// writeMbox writes the mails as an mbox archive (mboxrd quoting).
func writeMbox(path string, mails []*corpusMail) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, m := range mails {
		fmt.Fprintf(w, "From hdbench@kemsos.go.id Tue Dec  1 00:00:00 2026\n")
		for _, line := range bytes.SplitAfter(m.Raw, []byte("\n")) {
			if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
				w.WriteByte('>')
			}
			w.Write(line)
		}
		if !bytes.HasSuffix(m.Raw, []byte("\n")) {
			w.WriteByte('\n')
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, err
	}
	return fi.Size(), f.Close()
}

// runImport runs `helpdesk import-mbox` on an archive of the mails.
func runImport(ctx context.Context, b *benchDB, hd *helpdesk, dir string, mails []*corpusMail) (*importResult, error) {
	path := filepath.Join(dir, "archive.mbox")
	size, err := writeMbox(path, mails)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	res := &importResult{Messages: len(mails), MB: mb(size)}
	// Notices are counted from here on: the archive's replies thread to
	// seeded tickets, whose own mail history is no notice of the import.
	var outbox0 int64
	if err := b.DB.GetContext(ctx, &outbox0, `SELECT coalesce(max(id), 0) FROM outbox`); err != nil {
		return nil, err
	}
	db0 := b.postgresCPU()
	cmd := exec.CommandContext(ctx, hd.bin, "import-mbox", path)
	cmd.Env = hd.env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("import-mbox: %w", err)
	}
	// The peak RSS is read from the process itself while it runs: the
	// rusage of a child started by vfork reports the parent's (hdbench's
	// corpus, gigabytes) when that is larger.
	var hwm atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if _, h := procStatus(cmd.Process.Pid); h > hwm.Load() {
				hwm.Store(h)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	err = cmd.Wait()
	close(stop)
	<-sampled
	if err != nil {
		return nil, fmt.Errorf("import-mbox: %w: %s", err, short(errb.String(), 2000))
	}
	res.Seconds = time.Since(t0).Seconds()
	res.Rate = float64(len(mails)) / res.Seconds
	n := float64(len(mails))
	res.CPUMS = float64(rusageCPU(cmd.ProcessState).Microseconds()) / 1000 / n
	res.DBCPUMS = float64((b.postgresCPU() - db0).Microseconds()) / 1000 / n
	res.MaxRSSMB = mb(hwm.Load())
	if err := b.DB.GetContext(ctx, &res.Stored, `SELECT count(*) FROM inbound_messages WHERE mailbox = $1`, "mbox:archive.mbox"); err != nil {
		return nil, err
	}
	if err := b.DB.GetContext(ctx, &res.Notices, `SELECT count(*) FROM outbox o JOIN inbound_messages m ON m.ticket_id = o.ticket_id
		WHERE m.mailbox = 'mbox:archive.mbox' AND o.id > $1 AND o.status <> 'suppressed'`, outbox0); err != nil {
		return nil, err
	}
	if res.Stored != len(mails) {
		return res, fmt.Errorf("import-mbox: %d messages, %d stored", len(mails), res.Stored)
	}
	return res, nil
}
