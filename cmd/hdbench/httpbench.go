package main

// The agent queue at scale, through the real handlers of a running
// `helpdesk serve`: the JSON API with a key from `helpdesk apikey create`,
// and the agent panel with a session from its sign-in form. Latency is
// timed by the client on loopback and read from the server's own
// helpdesk_http_request_duration_seconds histogram.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type httpScenario struct {
	Name      string  `json:"name"`
	Route     string  `json:"route"`
	TargetMS  float64 `json:"target_p99_ms"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	ClientP50 float64 `json:"client_p50_ms"`
	ClientP99 float64 `json:"client_p99_ms"`
	ClientMax float64 `json:"client_max_ms"`
	ServerP50 float64 `json:"server_p50_ms"`
	ServerP99 float64 `json:"server_p99_ms"`
	// ServerUnder is the share of requests the server answered within the
	// target (exact when the target is a histogram bucket bound).
	ServerUnder float64            `json:"server_share_within_target"`
	PerClass    map[string]float64 `json:"client_p99_ms_by_term_class,omitempty"`
	BytesAvg    float64            `json:"avg_response_bytes"`
	Top         []topStatement     `json:"top_statements,omitempty"`
	Plans       []slowPlan         `json:"slow_plans,omitempty"`
	url         func(i int) (string, string)
	web         bool
}

type searchTerm struct{ Class, Q string }

// searchTerms mixes how often terms occur: programs are in most tickets,
// places in a few percent, a person's full name in few, a NIK in one.
func searchTerms(ctx context.Context, b *benchDB, seed uint64) []searchTerm {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []searchTerm
	for i := 0; i < 200; i++ {
		switch x := r.IntN(100); {
		case x < 25:
			out = append(out, searchTerm{"program", strings.ToLower(programs[r.IntN(len(programs))])})
		case x < 50:
			out = append(out, searchTerm{"regency", regencies[r.IntN(len(regencies))]})
		case x < 75:
			out = append(out, searchTerm{"name", firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]})
		case x < 90:
			out = append(out, searchTerm{"nik", ""})
		default:
			out = append(out, searchTerm{"phrase", []string{"kartu keluarga", "tidak bisa login", "rekening diblokir", "kuota email", "belum menerima bantuan"}[r.IntN(5)]})
		}
	}
	var niks []string
	b.DB.SelectContext(ctx, &niks, `SELECT substring(body from '[0-9]{16}') FROM entries TABLESAMPLE SYSTEM (1)
		WHERE kind = 'message' AND body ~ '[0-9]{16}' LIMIT 100`)
	for i := range out {
		if out[i].Class == "nik" {
			if len(niks) > 0 {
				out[i].Q = niks[r.IntN(len(niks))]
			} else {
				out[i] = searchTerm{"regency", regencies[r.IntN(len(regencies))]}
			}
		}
	}
	return out
}

type httpOpts struct {
	base       string // http://host:port
	apiKey     string
	agentEmail string
	agentPass  string
	supportID  int
	webOK      bool
	requests   int
	budget     time.Duration // per scenario; at least 200 requests run
	tickets    []seededTicket
	terms      []searchTerm
}

func runHTTP(ctx context.Context, b *benchDB, o httpOpts) ([]*httpScenario, string, error) {
	api := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var web *http.Client
	note := ""
	if o.webOK {
		c, err := agentSignIn(ctx, o.base, o.agentEmail, o.agentPass)
		if err != nil {
			note = "agent pages not measured: " + err.Error()
		} else {
			web = c
		}
	} else {
		note = "agent pages not measured: the web schema (migrations/0004_web.sql) is missing"
	}
	var support []seededTicket
	for _, t := range o.tickets {
		if t.Department == o.supportID {
			support = append(support, t)
		}
	}
	if len(o.tickets) == 0 || len(support) == 0 {
		return nil, note, errors.New("http: no seeded tickets to view")
	}
	r := rand.New(rand.NewPCG(11, 12))
	pickT := func(ts []seededTicket) string { return ts[r.IntN(len(ts))].Number }
	pickQ := func() (string, string) { t := o.terms[r.IntN(len(o.terms))]; return t.Q, t.Class }
	// A person as an agent would type them: the whole address, the name,
	// the surname alone, the domain of the address.
	pickPerson := func() (string, string) {
		t := o.tickets[r.IntN(len(o.tickets))]
		if t.OwnerEmail == "" || t.OwnerName == "" { // not seeded in this run
			return t.Number, "number"
		}
		switch x := r.IntN(10); {
		case x < 4:
			return t.OwnerEmail, "address"
		case x < 7:
			return t.OwnerName, "name"
		case x < 9:
			f := strings.Fields(t.OwnerName)
			return f[len(f)-1], "surname"
		default:
			_, domain, _ := strings.Cut(t.OwnerEmail, "@")
			return domain, "domain"
		}
	}
	scs := []*httpScenario{
		{Name: "api queue (Support, open, 50 rows)", Route: "GET /api/v1/tickets", TargetMS: 25,
			url: func(int) (string, string) { return "/api/v1/tickets?department=Support&status=open", "" }},
		{Name: "api ticket view", Route: "GET /api/v1/tickets/{number}", TargetMS: 25,
			url: func(int) (string, string) { return "/api/v1/tickets/" + pickT(o.tickets), "" }},
		{Name: "api full-text search", Route: "GET /api/v1/tickets", TargetMS: 100,
			url: func(int) (string, string) { q, c := pickQ(); return "/api/v1/tickets?q=" + url.QueryEscape(q), c }},
	}
	if web != nil {
		scs = append(scs,
			&httpScenario{Name: "agent queue page (Support, open, 25 rows)", Route: "GET /agent", TargetMS: 25, web: true,
				url: func(int) (string, string) { return "/agent?tab=open&department=" + strconv.Itoa(o.supportID), "" }},
			&httpScenario{Name: "agent ticket page", Route: "GET /agent/tickets/{number}", TargetMS: 25, web: true,
				url: func(int) (string, string) { return "/agent/tickets/" + pickT(support), "" }},
			&httpScenario{Name: "agent search (open tab)", Route: "GET /agent", TargetMS: 100, web: true,
				url: func(int) (string, string) { q, c := pickQ(); return "/agent?tab=open&q=" + url.QueryEscape(q), c }},
			// Queue and search (issue 12): the other sorts, which walk
			// indexes of their own, and a search for people.
			&httpScenario{Name: "agent queue sorted by due date (Support, open)", Route: "GET /agent", TargetMS: 25, web: true,
				url: func(int) (string, string) {
					return "/agent?tab=open&sort=due&department=" + strconv.Itoa(o.supportID), ""
				}},
			&httpScenario{Name: "agent queue sorted by assignee (all, closed)", Route: "GET /agent", TargetMS: 25, web: true,
				url: func(int) (string, string) { return "/agent?tab=closed&sort=assignee", "" }},
			&httpScenario{Name: "agent people search (name, address, domain)", Route: "GET /agent", TargetMS: 100, web: true,
				url: func(int) (string, string) { q, c := pickPerson(); return "/agent?tab=open&q=" + url.QueryEscape(q), c }},
		)
	}
	for _, sc := range scs {
		client := api
		if sc.web {
			client = web
		}
		get := func(path string) (int, int, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, o.base+path, nil)
			if !sc.web {
				req.Header.Set("Authorization", "Bearer "+o.apiKey)
			}
			resp, err := client.Do(req)
			if err != nil {
				return 0, 0, err
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, int(n), nil
		}
		for i := 0; i < 50; i++ {
			p, _ := sc.url(i)
			if code, _, err := get(p); err != nil || code != http.StatusOK {
				return nil, note, fmt.Errorf("http %s %s: %d %v", sc.Name, p, code, err)
			}
		}
		before, err := scrapeHistogram(ctx, o.base, sc.Route)
		if err != nil {
			return nil, note, err
		}
		b.resetStatements(ctx)
		var lat []float64
		byClass := map[string][]float64{}
		var total int
		t0 := time.Now()
		for i := 0; i < o.requests; i++ {
			if i >= 200 && time.Since(t0) > o.budget {
				break
			}
			sc.Requests++
			p, class := sc.url(i)
			t0 := time.Now()
			code, n, err := get(p)
			d := time.Since(t0).Seconds() * 1000
			if err != nil || code != http.StatusOK {
				sc.Errors++
				continue
			}
			lat = append(lat, d)
			total += n
			if class != "" {
				byClass[class] = append(byClass[class], d)
			}
		}
		after, err := scrapeHistogram(ctx, o.base, sc.Route)
		if err != nil {
			return nil, note, err
		}
		sc.ClientP50, sc.ClientP99, sc.ClientMax = percentile(lat, 50), percentile(lat, 99), percentile(lat, 100)
		if len(lat) > 0 {
			sc.BytesAvg = float64(total) / float64(len(lat))
		}
		h := after.minus(before)
		sc.ServerP50, sc.ServerP99 = h.quantile(0.5)*1000, h.quantile(0.99)*1000
		sc.ServerUnder = h.shareWithin(sc.TargetMS / 1000)
		if len(byClass) > 0 {
			sc.PerClass = map[string]float64{}
			for c, v := range byClass {
				sc.PerClass[c] = percentile(v, 99)
			}
		}
		sc.Top = b.topStatements(ctx, 6)
		if sc.ClientP99 >= sc.TargetMS {
			// The evidence for a miss: the plans of its slow statements,
			// collected in an unmeasured replay.
			sc.Plans = b.explainSlow(ctx, sc.TargetMS/2, func() {
				for i := 0; i < 60; i++ {
					p, _ := sc.url(i)
					get(p)
				}
			})
		}
	}
	return scs, note, nil
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// agentSignIn signs in through the agent sign-in form, as a browser does:
// GET the form for its CSRF token and cookie, POST the credentials.
func agentSignIn(ctx context.Context, base, email, pass string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/agent/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("sign-in form has no csrf field")
	}
	form := url.Values{"login": {email}, "password": {pass}, "csrf": {string(m[1])}}
	resp, err = c.PostForm(base+"/agent/login", form)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in answered %d, not 303", resp.StatusCode)
	}
	return c, nil
}

// histogram is one route's cumulative bucket counts (status 200 only).
type histogram struct {
	le     []float64
	counts []float64
}

var bucketRE = regexp.MustCompile(`^helpdesk_http_request_duration_seconds_bucket\{(.*)\} (\S+)$`)
var labelRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

func scrapeHistogram(ctx context.Context, base, route string) (*histogram, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	byLE := map[float64]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := bucketRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[1], -1) {
			labels[l[1]] = l[2]
		}
		if labels["route"] != route || labels["code"] != "200" {
			continue
		}
		le := math.Inf(1)
		if labels["le"] != "+Inf" {
			le, _ = strconv.ParseFloat(labels["le"], 64)
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		byLE[le] += v
	}
	h := &histogram{}
	for le := range byLE {
		h.le = append(h.le, le)
	}
	sort.Float64s(h.le)
	for _, le := range h.le {
		h.counts = append(h.counts, byLE[le])
	}
	return h, sc.Err()
}

func (h *histogram) minus(o *histogram) *histogram {
	out := &histogram{le: h.le, counts: make([]float64, len(h.counts))}
	prev := map[float64]float64{}
	for i, le := range o.le {
		prev[le] = o.counts[i]
	}
	for i, le := range h.le {
		out.counts[i] = h.counts[i] - prev[le]
	}
	return out
}

// quantile interpolates linearly inside the bucket, as PromQL's
// histogram_quantile does.
func (h *histogram) quantile(q float64) float64 {
	if len(h.counts) == 0 || h.counts[len(h.counts)-1] == 0 {
		return 0
	}
	rank := q * h.counts[len(h.counts)-1]
	lo, below := 0.0, 0.0
	for i, c := range h.counts {
		if c >= rank {
			if math.IsInf(h.le[i], 1) {
				return lo
			}
			if c == below {
				return h.le[i]
			}
			return lo + (h.le[i]-lo)*(rank-below)/(c-below)
		}
		lo, below = h.le[i], c
	}
	return lo
}

func (h *histogram) shareWithin(sec float64) float64 {
	if len(h.counts) == 0 || h.counts[len(h.counts)-1] == 0 {
		return 0
	}
	for i, le := range h.le {
		if le >= sec-1e-9 {
			return h.counts[i] / h.counts[len(h.counts)-1]
		}
	}
	return 1
}
