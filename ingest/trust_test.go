package ingest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/kemsos/helpdesk/tickets"
)

var (
	testDKIMKeyOnce sync.Once
	testDKIMKey     *rsa.PrivateKey
)

// dkimKey is the one signing key of these tests; whoever controls a
// domain's DNS can publish it there (the ministry for kemsos.go.id, the
// attacker for attacker.example).
func dkimKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testDKIMKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testDKIMKey = k
	})
	return testDKIMKey
}

func dkimRecord(t testing.TB) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&dkimKey(t).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

// fakeDNS answers TXT queries from a map and counts them.
type fakeDNS struct {
	records map[string]string
	fail    map[string]bool // names whose lookup fails like a SERVFAIL

	mu    sync.Mutex
	asked int
}

func (d *fakeDNS) lookup(ctx context.Context, name string) ([]string, error) {
	d.mu.Lock()
	d.asked++
	d.mu.Unlock()
	if d.fail[name] {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	if r, ok := d.records[name]; ok {
		return []string{r}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (d *fakeDNS) queries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asked
}

func message(from string) string {
	return "From: Agen Satu <" + from + ">\r\n" +
		"To: helpdesk@kemsos.go.id\r\n" +
		"Subject: Re: [#123456] Bantuan sosial\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0700\r\n" +
		"Message-ID: <m1@kemsos.go.id>\r\n" +
		"\r\n" +
		"Sudah kami proses.\r\n"
}

// sign signs msg with go-msgauth as the MTA of domain d would.
func sign(t testing.TB, msg, d string) string {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{
		Domain: d, Selector: "sel", Signer: dkimKey(t),
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// handSign makes a c=simple/simple signature over the fields named in h,
// which dkim.Sign refuses to do without From. msg must have unfolded,
// unique fields.
func handSign(t testing.TB, msg, d string, h []string) string {
	t.Helper()
	hdr, body, _ := strings.Cut(msg, "\r\n\r\n")
	body = strings.TrimRight(body, "\r\n") + "\r\n"
	bh := sha256.Sum256([]byte(body))
	sig := fmt.Sprintf("DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=%s; s=sel;\r\n h=%s; bh=%s; b=",
		d, strings.Join(h, ":"), base64.StdEncoding.EncodeToString(bh[:]))
	var signed strings.Builder
	for _, k := range h {
		for _, l := range strings.Split(hdr, "\r\n") {
			if name, _, _ := strings.Cut(l, ":"); strings.EqualFold(name, k) {
				signed.WriteString(l + "\r\n")
			}
		}
	}
	signed.WriteString(sig)
	sum := sha256.Sum256([]byte(signed.String()))
	b, err := rsa.SignPKCS1v15(nil, dkimKey(t), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig + base64.StdEncoding.EncodeToString(b) + "\r\n" + hdr + "\r\n\r\n" + body
}

type authCase struct {
	name    string
	raw     string
	from    string
	records map[string]string // added to the keys of kemsos.go.id and attacker.example
	fail    []string          // names whose lookup fails
	want    AuthMethod
	domain  string
	detail  string // a substring of Detail
}

func runAuthCases(t *testing.T, servID string, cases []authCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dns := &fakeDNS{records: map[string]string{
				"sel._domainkey.kemsos.go.id":     dkimRecord(t),
				"sel._domainkey.attacker.example": dkimRecord(t),
			}, fail: map[string]bool{}}
			for k, v := range c.records {
				dns.records[k] = v
			}
			for _, n := range c.fail {
				dns.fail[n] = true
			}
			a := NewAuthenticator(AuthOpts{TrustedAuthServID: servID, LookupTXT: dns.lookup})
			v := a.Check(context.Background(), []byte(c.raw), c.from)
			if v.Method != c.want || v.Domain != c.domain || !strings.Contains(v.Detail, c.detail) {
				t.Errorf("got %+v, want method %s domain %q detail containing %q", v, c.want, c.domain, c.detail)
			}
			if v.Authenticated() != (c.want != AuthNone) {
				t.Errorf("Authenticated() = %v for %s", v.Authenticated(), v.Method)
			}
			if v.Detail == "" {
				t.Error("empty Detail")
			}
			if servID != "" && dns.queries() != 0 {
				t.Errorf("%d DNS queries with a trusted authserv-id", dns.queries())
			}
		})
	}
}

func TestAuthDKIMVerifiedHere(t *testing.T) {
	agent := message("agent@kemsos.go.id")
	sub := message("agent@mail.kemsos.go.id")
	noreply := sign(t, message("noreply@kemsos.go.id"), "kemsos.go.id")
	strict := map[string]string{"_dmarc.kemsos.go.id": "v=DMARC1; p=reject; adkim=s"}
	relaxed := map[string]string{"_dmarc.kemsos.go.id": "v=DMARC1; p=reject"}

	runAuthCases(t, "", []authCase{
		{name: "aligned signature without DMARC record is dkim", raw: sign(t, agent, "kemsos.go.id"), from: "agent@kemsos.go.id",
			want: AuthDKIM, domain: "kemsos.go.id", detail: "DKIM signature of kemsos.go.id verified"},
		{name: "aligned signature with DMARC record is dmarc", raw: sign(t, agent, "kemsos.go.id"), from: "agent@kemsos.go.id",
			records: strict, want: AuthDMARC, domain: "kemsos.go.id", detail: "DMARC pass for kemsos.go.id"},
		{name: "upper-case signing domain still aligns", raw: sign(t, agent, "KEMSOS.go.id"), from: "agent@kemsos.go.id",
			records: map[string]string{"sel._domainkey.KEMSOS.go.id": dkimRecord(t)}, want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "parent domain signature passes relaxed DMARC alignment", raw: sign(t, sub, "kemsos.go.id"), from: "agent@mail.kemsos.go.id",
			records: relaxed, want: AuthDMARC, domain: "mail.kemsos.go.id"},
		{name: "parent domain signature without DMARC record passes relaxed alignment", raw: sign(t, sub, "kemsos.go.id"), from: "agent@mail.kemsos.go.id",
			want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "parent domain signature fails adkim=s of the organizational domain", raw: sign(t, sub, "kemsos.go.id"), from: "agent@mail.kemsos.go.id",
			records: strict, want: AuthNone, detail: "adkim=s"},
		{name: "parent domain signature fails adkim=s of the From domain", raw: sign(t, sub, "kemsos.go.id"), from: "agent@mail.kemsos.go.id",
			want: AuthNone, detail: "adkim=s", records: map[string]string{"_dmarc.mail.kemsos.go.id": "v=DMARC1; p=none; adkim=s", "_dmarc.kemsos.go.id": "v=DMARC1; p=none"}},
		{name: "parent domain signature fails on an unreadable DMARC record", raw: sign(t, sub, "kemsos.go.id"), from: "agent@mail.kemsos.go.id",
			records: map[string]string{"_dmarc.kemsos.go.id": "v=DMARC1; p=reject; adkim=x"}, want: AuthNone, detail: "unreadable"},
		{name: "body altered after signing fails", raw: strings.Replace(sign(t, agent, "kemsos.go.id"), "Sudah kami proses.", "Tiket ditutup, dana dicairkan.", 1),
			from: "agent@kemsos.go.id", want: AuthNone, detail: "did not verify"},
		{name: "From changed after signing fails", raw: strings.Replace(sign(t, message("noreply@kemsos.go.id"), "kemsos.go.id"), "noreply@", "kepala@", 1),
			from: "kepala@kemsos.go.id", want: AuthNone, detail: "did not verify"},
		{name: "attacker signature on a ministry From fails", raw: sign(t, agent, "attacker.example"), from: "agent@kemsos.go.id",
			want: AuthNone, detail: "DKIM signature of attacker.example does not match the From domain kemsos.go.id"},
		{name: "attacker signature with a look-alike domain fails", raw: sign(t, agent, "kemsos.go.id.attacker.example"), from: "agent@kemsos.go.id",
			records: map[string]string{"sel._domainkey.kemsos.go.id.attacker.example": dkimRecord(t)}, want: AuthNone, detail: "does not match"},
		{name: "hand-made signature covering From passes", raw: handSign(t, agent, "kemsos.go.id", []string{"from", "to", "subject"}), from: "agent@kemsos.go.id",
			want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "signature not covering From fails", raw: handSign(t, agent, "kemsos.go.id", []string{"to", "subject"}), from: "agent@kemsos.go.id",
			want: AuthNone, detail: "From"},
		{name: "no signature fails", raw: agent, from: "agent@kemsos.go.id", want: AuthNone, detail: "no DKIM signature"},
		{name: "revoked key fails", raw: sign(t, agent, "kemsos.go.id"), from: "agent@kemsos.go.id",
			records: map[string]string{"sel._domainkey.kemsos.go.id": "v=DKIM1; k=rsa; p="}, want: AuthNone, detail: "revoked"},
		{name: "DNS failure for the key is not a pass", raw: sign(t, agent, "kemsos.go.id"), from: "agent@kemsos.go.id",
			fail: []string{"sel._domainkey.kemsos.go.id"}, want: AuthNone, detail: "could not verify"},
		{name: "DNS failure for the DMARC record of a parent domain signature is not a pass", raw: sign(t, sub, "kemsos.go.id"), from: "agent@mail.kemsos.go.id",
			fail: []string{"_dmarc.mail.kemsos.go.id"}, want: AuthNone, detail: "could not verify"},
		{name: "DNS failure for the DMARC record keeps an exact signature", raw: sign(t, agent, "kemsos.go.id"), from: "agent@kemsos.go.id",
			fail: []string{"_dmarc.kemsos.go.id"}, want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "From prepended to a signed message fails", raw: "From: agent@kemsos.go.id\r\n" + noreply, from: "agent@kemsos.go.id",
			want: AuthNone, detail: "2 From fields"},
		{name: "From prepended to a signed message fails for the signed address too", raw: "From: agent@kemsos.go.id\r\n" + noreply, from: "noreply@kemsos.go.id",
			want: AuthNone, detail: "2 From fields"},
		{name: "From above a CR-only line fails", raw: "From: agent@kemsos.go.id\r\n\r\r\n" + noreply, from: "agent@kemsos.go.id",
			want: AuthNone},
		{name: "From behind a bare CR fails", raw: "X-Note: a\rFrom: agent@kemsos.go.id\r\n" + noreply, from: "agent@kemsos.go.id",
			want: AuthNone, detail: "bare CR"},
		{name: "From extended by a colon-less line fails", raw: strings.Replace(noreply, "<noreply@kemsos.go.id>\r\n", "<noreply@kemsos.go.id>\r\n<agent@kemsos.go.id>\r\n", 1),
			from: "agent@kemsos.go.id", want: AuthNone, detail: "mailboxes"},
		{name: "two From mailboxes fail", raw: sign(t, strings.Replace(agent, "<agent@kemsos.go.id>", "<agent@kemsos.go.id>, kepala@kemsos.go.id", 1), "kemsos.go.id"),
			from: "agent@kemsos.go.id", want: AuthNone, detail: "2 mailboxes"},
		{name: "empty sender address fails", raw: sign(t, agent, "kemsos.go.id"), from: "", want: AuthNone},
		{name: "sender address other than the From field fails", raw: sign(t, agent, "kemsos.go.id"), from: "kepala@kemsos.go.id",
			want: AuthNone, detail: "does not match the sender address"},
	})
}

func TestAuthTrustedAuthenticationResults(t *testing.T) {
	const id = "mx.kemsos.go.id"
	msg := func(from string, fields ...string) string {
		return strings.Join(fields, "") + "Received: from mail.attacker.example by mx.kemsos.go.id\r\n" + message(from)
	}
	agent := "agent@kemsos.go.id"
	pass := "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=kemsos.go.id; dmarc=pass header.from=kemsos.go.id\r\n"
	lf := strings.ReplaceAll(msg(agent, pass), "\r\n", "\n")

	runAuthCases(t, id, []authCase{
		{name: "genuine dmarc=pass authenticates", raw: msg(agent,
			"Authentication-Results: mx.kemsos.go.id; spf=pass smtp.mailfrom=kemsos.go.id;\r\n dkim=pass header.d=kemsos.go.id; dmarc=pass (p=reject dis=none) header.from=kemsos.go.id\r\n"),
			from: agent, want: AuthDMARC, domain: "kemsos.go.id", detail: "reports dmarc=pass for kemsos.go.id"},
		{name: "genuine aligned dkim=pass authenticates", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=kemsos.go.id header.s=sel\r\n"),
			from: agent, want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "genuine dkim=pass by header.i authenticates", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=pass header.i=@kemsos.go.id\r\n"),
			from: agent, want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "genuine parent domain dkim=pass authenticates with relaxed alignment", raw: msg("agent@mail.kemsos.go.id", "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=kemsos.go.id; dmarc=none\r\n"),
			from: "agent@mail.kemsos.go.id", want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "forged pass below a genuine dkim=none is ignored", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=none\r\n", "X-Spam: no\r\n", pass),
			from: agent, want: AuthNone, detail: "reports dkim=none (ignored 1 forged Authentication-Results"},
		{name: "forged passes below a genuine dmarc=fail are ignored", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=fail header.d=kemsos.go.id; dmarc=fail header.from=kemsos.go.id\r\n", pass, pass),
			from: agent, want: AuthNone, detail: "mx.kemsos.go.id reports dmarc=fail (ignored 2 forged"},
		{name: "forged pass below a genuine none result is ignored", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; none\r\n", pass),
			from: agent, want: AuthNone, detail: "ignored 1 forged"},
		{name: "genuine pass notes a forged copy", raw: msg(agent, pass, "Authentication-Results: mx.kemsos.go.id; dkim=fail\r\n"),
			from: agent, want: AuthDMARC, domain: "kemsos.go.id", detail: "ignored 1 forged"},
		{name: "pass from another authserv-id is ignored", raw: msg(agent, strings.Replace(pass, id, "mx.attacker.example", 1)),
			from: agent, want: AuthNone, detail: "no Authentication-Results from mx.kemsos.go.id"},
		{name: "pass from another authserv-id above a genuine fail is ignored", raw: msg(agent, strings.Replace(pass, id, "mx.kemsos.go.id.attacker.example", 1), "Authentication-Results: mx.kemsos.go.id; dkim=none; dmarc=fail header.from=kemsos.go.id\r\n"),
			from: agent, want: AuthNone, detail: "reports dmarc=fail"},
		{name: "no Authentication-Results fails", raw: message(agent), from: agent, want: AuthNone, detail: "no Authentication-Results from mx.kemsos.go.id"},
		{name: "dkim=pass for another domain fails", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=other.example\r\n"),
			from: agent, want: AuthNone, detail: "DKIM signature of other.example does not match the From domain kemsos.go.id"},
		{name: "dmarc=pass for another domain fails", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=kemsos.go.id; dmarc=pass header.from=attacker.example\r\n"),
			from: agent, want: AuthNone, detail: "for attacker.example, not the From domain kemsos.go.id"},
		{name: "dmarc=fail overrides a parent domain dkim=pass", raw: msg("agent@mail.kemsos.go.id", "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=kemsos.go.id; dmarc=fail header.from=mail.kemsos.go.id\r\n"),
			from: "agent@mail.kemsos.go.id", want: AuthNone, detail: "dmarc=fail"},
		{name: "dmarc=temperror leaves only exact alignment", raw: msg("agent@mail.kemsos.go.id", "Authentication-Results: mx.kemsos.go.id; dkim=pass header.d=kemsos.go.id; dmarc=temperror header.from=mail.kemsos.go.id\r\n"),
			from: "agent@mail.kemsos.go.id", want: AuthNone, detail: "dmarc=temperror"},
		{name: "authserv-id and field name match case-insensitively", raw: msg(agent, "authentication-results: MX.Kemsos.GO.id; dmarc=PASS header.from=kemsos.go.id\r\n"),
			from: agent, want: AuthDMARC, domain: "kemsos.go.id"},
		{name: "folded field is read whole", raw: msg(agent, "Authentication-Results:\r\n mx.kemsos.go.id;\r\n\tdkim=pass\r\n\t header.d=kemsos.go.id;\r\n\tdmarc=pass header.from=kemsos.go.id\r\n"),
			from: agent, want: AuthDMARC, domain: "kemsos.go.id"},
		{name: "version after the authserv-id is read", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id 1; dmarc=pass header.from=kemsos.go.id\r\n"),
			from: agent, want: AuthDMARC, domain: "kemsos.go.id"},
		{name: "OpenDKIM comment with a semicolon is read", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=kemsos.go.id header.i=@kemsos.go.id header.b=\"AbC+1/x\"\r\n"),
			from: agent, want: AuthDKIM, domain: "kemsos.go.id"},
		{name: "LF line ends are read", raw: lf, from: agent, want: AuthDMARC, domain: "kemsos.go.id"},
		{name: "header ending at EOF is read", raw: strings.TrimSuffix(msg(agent, pass), "\r\n\r\nSudah kami proses.\r\n"), from: agent, want: AuthDMARC, domain: "kemsos.go.id"},
		{name: "unreadable genuine field still shields a forged copy", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=pass (unclosed header.d=kemsos.go.id\r\n", pass),
			from: agent, want: AuthNone, detail: "could not read the Authentication-Results of mx.kemsos.go.id (ignored 1 forged"},
		{name: "unsupported version gives no pass", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id 2; dmarc=pass header.from=kemsos.go.id\r\n", pass),
			from: agent, want: AuthNone, detail: "ignored 1 forged"},
		{name: "quoted reason cannot smuggle a pass", raw: msg(agent, "Authentication-Results: mx.kemsos.go.id; dkim=fail reason=\"bad; dkim=pass header.d=kemsos.go.id\"\r\n"),
			from: agent, want: AuthNone, detail: "reports dkim=fail"},
		{name: "second From next to a genuine pass fails", raw: "From: kepala@kemsos.go.id\r\n" + msg(agent, pass),
			from: "kepala@kemsos.go.id", want: AuthNone, detail: "2 From fields"},
		{name: "two From mailboxes fail", raw: msg("agent@kemsos.go.id>, <kepala@kemsos.go.id", pass), from: agent, want: AuthNone, detail: "2 mailboxes"},
		{name: "empty sender address fails", raw: msg(agent, pass), from: "", want: AuthNone},
	})
}

func TestAuthCacheAnswersRepeatedDomainsFromMemory(t *testing.T) {
	dns := &fakeDNS{records: map[string]string{
		"sel._domainkey.kemsos.go.id": dkimRecord(t),
		"_dmarc.kemsos.go.id":         "v=DMARC1; p=reject",
	}}
	cache := newTXTCache(dns.lookup, 100)
	a := NewAuthenticator(AuthOpts{LookupTXT: cache.lookup})
	// A parent domain signature asks for the key, the From domain's DMARC
	// record (NXDOMAIN) and the organizational domain's.
	raw := []byte(sign(t, message("agent@mail.kemsos.go.id"), "kemsos.go.id"))
	first := a.Check(context.Background(), raw, "agent@mail.kemsos.go.id")
	n := dns.queries()
	if first.Method != AuthDMARC || n != 3 {
		t.Fatalf("first check: %+v after %d queries, want dmarc after 3", first, n)
	}
	second := a.Check(context.Background(), raw, "agent@mail.kemsos.go.id")
	if second != first || dns.queries() != n {
		t.Fatalf("second check: %+v after %d more queries, want %+v from the cache", second, dns.queries()-n, first)
	}
}

func TestAuthSlowDNSIsNotAPassAfterTheTimeout(t *testing.T) {
	hang := func(ctx context.Context, name string) ([]string, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	a := NewAuthenticator(AuthOpts{LookupTXT: hang, Timeout: 50 * time.Millisecond})
	start := time.Now()
	v := a.Check(context.Background(), []byte(sign(t, message("agent@kemsos.go.id"), "kemsos.go.id")), "agent@kemsos.go.id")
	if v.Authenticated() || !strings.Contains(v.Detail, "could not verify") {
		t.Errorf("got %+v, want none: could not verify", v)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Check took %v with a 50ms timeout", d)
	}
}

func TestTXTCacheExpiresAndStaysBounded(t *testing.T) {
	var calls int
	resolve := func(ctx context.Context, name string) ([]string, error) {
		calls++
		switch name {
		case "gone.example":
			return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		case "broken.example":
			return nil, errors.New("SERVFAIL")
		}
		return []string{"v=DMARC1; p=none"}, nil
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	c := newTXTCache(resolve, 10)
	c.now = func() time.Time { return now }
	ctx := context.Background()

	for _, step := range []struct {
		name      string
		after     time.Duration
		wantCalls int
	}{
		{"ok.example", 0, 1}, {"OK.example.", 0, 1}, {"ok.example", 9 * time.Minute, 1}, {"ok.example", 2 * time.Minute, 2},
		{"gone.example", 0, 3}, {"gone.example", 9 * time.Minute, 3}, {"gone.example", 2 * time.Minute, 4},
		{"broken.example", 0, 5}, {"broken.example", 30 * time.Second, 5}, {"broken.example", 31 * time.Second, 6},
	} {
		now = now.Add(step.after)
		txts, err := c.lookup(ctx, step.name)
		if calls != step.wantCalls {
			t.Fatalf("%s after %v: %d resolver calls, want %d", step.name, step.after, calls, step.wantCalls)
		}
		if step.name == "gone.example" && !isNotFound(err) || step.name == "ok.example" && (err != nil || len(txts) != 1) {
			t.Fatalf("%s: %q, %v", step.name, txts, err)
		}
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	c.resolve = func(ctx context.Context, name string) ([]string, error) { calls++; return nil, ctx.Err() }
	c.lookup(canceled, "slow.example")
	if _, ok := c.entries["slow.example"]; ok {
		t.Error("a lookup the caller gave up on was cached")
	}

	c.resolve = resolve
	for i := range 100 {
		c.lookup(ctx, fmt.Sprintf("n%d.example", i))
		if len(c.entries) > 10 {
			t.Fatalf("%d entries, bound is 10", len(c.entries))
		}
	}
}

func TestAuthVerdictAuthenticatedOnlyForAuthMethods(t *testing.T) {
	for m, want := range map[AuthMethod]bool{AuthNone: false, "": false, "spf": false, AuthDMARC: true, AuthDKIM: true, AuthPossession: true} {
		if got := (Verdict{Method: m}).Authenticated(); got != want {
			t.Errorf("%q: Authenticated() = %v", m, got)
		}
	}
}

func FuzzAuthenticatorCheck(f *testing.F) {
	agent := message("agent@kemsos.go.id")
	f.Add([]byte(sign(f, agent, "kemsos.go.id")), "agent@kemsos.go.id", false)
	f.Add([]byte(sign(f, message("agent@mail.kemsos.go.id"), "kemsos.go.id")), "agent@mail.kemsos.go.id", false)
	f.Add([]byte("Authentication-Results: mx.kemsos.go.id 1; dkim=pass (a; b) header.d=kemsos.go.id; dmarc=pass header.from=kemsos.go.id\r\n"+agent), "agent@kemsos.go.id", true)
	f.Add([]byte("Authentication-Results: (x) mx.kemsos.go.id; dkim=pass reason=\"a\\\"b\"\n\tdmarc=fail\nFrom: a@b\n"), "a@b", true)
	f.Add([]byte("From: agent@kemsos.go.id\r\n\r\r\n"+sign(f, agent, "kemsos.go.id")), "agent@kemsos.go.id", false)
	f.Add([]byte("DKIM-Signature: v=1; d=kemsos.go.id; s=sel; h=from; a=rsa-sha256; bh=; b=\r\nFrom: agent@kemsos.go.id"), "agent@kemsos.go.id", false)
	dns := &fakeDNS{records: map[string]string{
		"sel._domainkey.kemsos.go.id": dkimRecord(f),
		"_dmarc.kemsos.go.id":         "v=DMARC1; p=reject",
	}}
	plain := NewAuthenticator(AuthOpts{LookupTXT: dns.lookup, Timeout: time.Second})
	trusted := NewAuthenticator(AuthOpts{TrustedAuthServID: "mx.kemsos.go.id", LookupTXT: dns.lookup})
	f.Fuzz(func(t *testing.T, raw []byte, from string, useAR bool) {
		a := plain
		if useAR {
			a = trusted
		}
		v := a.Check(context.Background(), raw, from)
		if v.Detail == "" || strings.HasPrefix(v.Detail, "internal error") {
			t.Fatalf("verdict %+v", v)
		}
		switch v.Method {
		case AuthNone:
			if v.Domain != "" {
				t.Fatalf("none with a domain: %+v", v)
			}
		case AuthDKIM, AuthDMARC:
			addr := tickets.NormalizeEmail(from)
			if !relaxedAligned(v.Domain, normDomain(addr[strings.LastIndexByte(addr, '@')+1:])) {
				t.Fatalf("%+v for %q", v, from)
			}
		default:
			t.Fatalf("method %q", v.Method)
		}
	})
}
