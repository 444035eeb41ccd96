package ingest

// This file decides what is authenticated about the From address of an
// inbound message: a DKIM signature aligned with the From domain, or DMARC
// pass, either verified here or read from the Authentication-Results of
// the receiving MTA. It must never give an authenticated verdict for a
// header an outsider can write, and never returns an error: every failure
// is a verdict that says why.
//
// What it authenticates is the From domain, not the mailbox: DKIM and DMARC
// say that the domain's mail system sent the message, and the local part is
// only as good as that system's check of its own users.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"

	"github.com/kemsos/helpdesk/tickets"
)

// AuthMethod says how a message's sender was authenticated.
type AuthMethod string

const (
	AuthNone       AuthMethod = "none"
	AuthDMARC      AuthMethod = "dmarc"      // DMARC pass for the From domain
	AuthDKIM       AuthMethod = "dkim"       // a valid DKIM signature aligned with the From domain
	AuthPossession AuthMethod = "possession" // set by the intake (a reply to a mail we sent); never by Authenticator
)

// Verdict is what is authenticated about a message's From.
type Verdict struct {
	Method AuthMethod
	Domain string // the authenticated domain (DKIM d= / DMARC header.from), "" for none
	Detail string // one English line for agents and logs, e.g. "DKIM signature of kemsos.go.id verified" or why not: "no DKIM signature", "DKIM signature of other.example does not match the From domain kemsos.go.id", "mx.kemsos.go.id reports dmarc=fail", "no Authentication-Results from mx.kemsos.go.id"
}

// Authenticated reports whether the From address may be believed.
func (v Verdict) Authenticated() bool {
	switch v.Method {
	case AuthDMARC, AuthDKIM, AuthPossession:
		return true
	}
	return false
}

// AuthOpts configures an Authenticator.
type AuthOpts struct {
	// TrustedAuthServID is the authserv-id of the receiving MTA whose
	// Authentication-Results are believed (HELPDESK_TRUSTED_AUTHSERV_ID). Empty:
	// the Authenticator verifies DKIM itself and evaluates DMARC alignment.
	TrustedAuthServID string
	// LookupTXT answers DNS TXT queries; nil uses net.DefaultResolver behind a small TTL cache.
	LookupTXT func(ctx context.Context, name string) ([]string, error)
	// Timeout bounds the DNS work for one message (default 5 s).
	Timeout time.Duration
}

// Authenticator checks inbound messages. It is safe for concurrent use.
type Authenticator struct {
	servID  string
	lookup  func(ctx context.Context, name string) ([]string, error)
	timeout time.Duration
}

const (
	defaultAuthTimeout = 5 * time.Second
	// maxSignatures bounds the DKIM signatures verified per message: each
	// costs a DNS query and an RSA operation, and a sender can add many.
	maxSignatures = 5
)

// NewAuthenticator returns an Authenticator for o.
func NewAuthenticator(o AuthOpts) *Authenticator {
	a := &Authenticator{servID: strings.TrimSpace(o.TrustedAuthServID), lookup: o.LookupTXT, timeout: o.Timeout}
	if a.lookup == nil {
		a.lookup = newTXTCache(net.DefaultResolver.LookupTXT, txtCacheSize).lookup
	}
	if a.timeout <= 0 {
		a.timeout = defaultAuthTimeout
	}
	return a
}

func noAuth(format string, args ...any) Verdict {
	return Verdict{Method: AuthNone, Detail: fmt.Sprintf(format, args...)}
}

// Check decides what is authenticated about from (the address of the message's
// From header field, lower-case; "" when From had no usable address) given the
// raw message bytes. It never returns an error: failures are verdicts with a Detail.
func (a *Authenticator) Check(ctx context.Context, raw []byte, from string) (v Verdict) {
	defer func() {
		if r := recover(); r != nil {
			v = noAuth("internal error while authenticating the sender: %v", r)
		}
	}()
	from = tickets.NormalizeEmail(from)
	if from == "" {
		return noAuth("no sender address")
	}
	domain := normDomain(from[strings.LastIndexByte(from, '@')+1:])
	fields, why := singleAuthor(raw, from)
	if why != "" {
		return noAuth("%s", why)
	}
	if a.servID != "" {
		return a.checkAuthResults(fields, domain)
	}
	return a.checkDKIM(ctx, raw, domain)
}

// rawField is one header field as a DKIM verifier reads it.
type rawField struct {
	name  string // as written, surrounding whitespace trimmed
	value string // unfolded, trimmed
}

// readRawHeader reads the header block the way go-msgauth's dkim package
// does: lines end at LF (a CR before it is dropped), a line starting with SP
// or HTAB continues the field before it (RFC 5322 section 2.2.3), a line
// without a colon is a field of its own, and the block ends at the first
// empty line. Leniently, a block may also end at EOF. end is the offset of
// the empty line, or len(raw).
func readRawHeader(raw []byte) (fields []rawField, end int) {
	var value []byte
	flush := func() {
		if len(fields) > 0 {
			fields[len(fields)-1].value = strings.TrimSpace(string(value))
		}
		value = value[:0]
	}
	for i := 0; i < len(raw); {
		line, next := raw[i:], len(raw)
		if j := bytes.IndexByte(raw[i:], '\n'); j >= 0 {
			line, next = raw[i:i+j], i+j+1
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		switch {
		case len(line) == 0:
			flush()
			return fields, i
		case len(fields) > 0 && (line[0] == ' ' || line[0] == '\t'):
			value = append(value, line...)
		default:
			flush()
			name, rest, _ := bytes.Cut(line, []byte(":"))
			fields = append(fields, rawField{name: strings.TrimSpace(string(name))})
			value = append(value, rest...)
		}
		i = next
	}
	flush()
	return fields, len(raw)
}

// singleAuthor checks that raw has exactly one From field holding exactly
// the mailbox from, both as Parse reads the header and as the DKIM verifier
// does, and returns the header fields; or says why not. DMARC (RFC 7489
// section 6.6.1) requires a single author. Reading the header twice closes
// parser gaps: a verifier picks the bottom-most From while Parse keeps the
// first, so a From prepended to a genuinely signed message, or one hidden
// from one reader by a bare CR or a colon-less line, would otherwise pass
// the signature of one address off as another's.
func singleAuthor(raw []byte, from string) ([]rawField, string) {
	fields, end := readRawHeader(raw)
	hb, _ := splitHeader(raw)
	// RFC 5322 section 2.2 forbids CR outside CRLF; readers disagree on
	// what it ends (Parse splits lines on it, the verifier does not).
	if bytes.Count(hb, []byte("\r")) != bytes.Count(hb, []byte("\r\n")) {
		return nil, "the header contains a bare CR"
	}
	if len(hb) != end {
		return nil, "the end of the header is ambiguous"
	}
	h := parseHeader(hb)
	_, ct := parseMediaType(h.get("Content-Type"))
	var verifierFroms []string
	for _, f := range fields {
		if strings.EqualFold(f.name, "From") {
			verifierFroms = append(verifierFroms, f.value)
		}
	}
	for _, froms := range [][]string{h.values("From"), verifierFroms} {
		switch {
		case len(froms) == 0:
			return nil, "no From field"
		case len(froms) > 1:
			return nil, fmt.Sprintf("%d From fields; DMARC needs exactly one", len(froms))
		}
		list := parseAddresses(froms[0], ct["charset"])
		switch {
		case len(list) == 0:
			return nil, "no usable address in the From field"
		case len(list) > 1:
			return nil, fmt.Sprintf("the From field holds %d mailboxes; DMARC needs exactly one", len(list))
		case tickets.NormalizeEmail(list[0].Email) != from:
			return nil, fmt.Sprintf("the From field (%s) does not match the sender address %s", list[0].Email, from)
		}
	}
	return fields, ""
}

// checkAuthResults believes the Authentication-Results field of the
// trusted MTA. RFC 8601 section 5: the receiving server prepends its own
// field and must delete any that already bear its authserv-id, so only the
// topmost field with the id is genuine; any copy further down came with the
// message and is forged. No DNS is done here.
func (a *Authenticator) checkAuthResults(fields []rawField, domain string) Verdict {
	var genuine string
	found, forged := false, 0
	for _, f := range fields {
		if !strings.EqualFold(f.name, "Authentication-Results") || !strings.EqualFold(authServID(f.value), a.servID) {
			continue
		}
		if found {
			forged++
			continue
		}
		genuine, found = f.value, true
	}
	if !found {
		return noAuth("no Authentication-Results from %s", a.servID)
	}
	v := a.judgeAuthResults(genuine, domain)
	if forged > 0 {
		v.Detail += fmt.Sprintf(" (ignored %d forged Authentication-Results below it claiming to be from %s)", forged, a.servID)
	}
	return v
}

// judgeAuthResults reads the verdict of one genuine field. A DMARC result
// is the MTA's word on the From domain and wins: a pass authenticates, a
// fail or a result for another header.from (the MTA read another From than
// we did) does not, whatever DKIM says. Without a DMARC verdict an aligned
// dkim=pass counts, with relaxed alignment only when the MTA found no DMARC
// policy (dmarc=none or no result), since a policy may ask for strict.
func (a *Authenticator) judgeAuthResults(value, domain string) Verdict {
	id := a.servID
	clean, ok := cleanAuthResults(value)
	if !ok {
		return noAuth("could not read the Authentication-Results of %s", id)
	}
	_, results, err := authres.Parse(clean)
	if err != nil {
		return noAuth("could not read the Authentication-Results of %s: %v", id, err)
	}
	var dmarcPass, dmarcOther bool
	var dmarcValue authres.ResultValue
	var dkims []*authres.DKIMResult
	for _, r := range results {
		switch r := r.(type) {
		case *authres.DMARCResult:
			hf := normDomain(r.From)
			if hf != "" && hf != domain {
				return noAuth("%s reports dmarc=%s for %s, not the From domain %s", id, r.Value, hf, domain)
			}
			switch {
			case r.Value == authres.ResultPass && hf == domain:
				dmarcPass = true
			case r.Value == authres.ResultFail:
				return noAuth("%s reports dmarc=fail", id)
			case r.Value != authres.ResultNone:
				dmarcOther, dmarcValue = true, r.Value
			}
		case *authres.DKIMResult:
			dkims = append(dkims, r)
		}
	}
	if dmarcPass {
		return Verdict{Method: AuthDMARC, Domain: domain, Detail: fmt.Sprintf("%s reports dmarc=pass for %s", id, domain)}
	}
	var unaligned, value0 string
	for _, r := range dkims {
		if value0 == "" {
			value0 = string(r.Value)
		}
		if r.Value != authres.ResultPass {
			continue
		}
		d := normDomain(r.Domain)
		if d == "" {
			d = normDomain(r.Identifier[strings.LastIndexByte(r.Identifier, '@')+1:])
		}
		if d == domain || (!dmarcOther && relaxedAligned(d, domain)) {
			return Verdict{Method: AuthDKIM, Domain: d, Detail: fmt.Sprintf("%s reports a valid DKIM signature of %s", id, d)}
		}
		if unaligned == "" {
			unaligned = d
		}
	}
	switch {
	case unaligned != "" && dmarcOther:
		return noAuth("DKIM signature of %s does not match the From domain %s exactly and %s reports dmarc=%s", unaligned, domain, id, dmarcValue)
	case unaligned != "":
		return noAuth("DKIM signature of %s does not match the From domain %s (reported by %s)", unaligned, domain, id)
	case value0 != "":
		return noAuth("%s reports dkim=%s", id, value0)
	case dmarcOther:
		return noAuth("%s reports dmarc=%s and no DKIM pass", id, dmarcValue)
	}
	return noAuth("%s reports neither a DKIM nor a DMARC pass", id)
}

// authServID reads the authserv-id of an Authentication-Results value: the
// first token after any comment (RFC 8601 section 2.2 allows CFWS before
// it).
func authServID(v string) string {
	v = strings.TrimSpace(stripComments(v))
	if i := strings.IndexAny(v, " \t;"); i >= 0 {
		v = v[:i]
	}
	return v
}

// cleanAuthResults prepares a value for authres.Parse, which splits on ";"
// and spaces without knowing RFC 5322 comments or quoted strings. Comments
// go (seen in practice: OpenDKIM writes "dkim=pass (2048-bit key;
// unprotected) header.d=..."). A quoted string stays only when it is a plain
// token; any other is emptied, so no text inside one (a reason an outsider
// may have influenced) can be read as a result or a property. Unbalanced
// quotes or parentheses make the value unreadable.
func cleanAuthResults(v string) (string, bool) {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					b.WriteByte(' ')
				}
			}
		case c == '(':
			depth++
		case c == ')':
			return "", false
		case c == '"':
			j := i + 1
			for j < len(v) && v[j] != '"' {
				if v[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(v) {
				return "", false
			}
			if s := v[i+1 : j]; plainToken(s) {
				b.WriteString(s)
			}
			i = j
		case c < ' ' || c == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), depth == 0
}

func plainToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_@+", c) >= 0) {
			return false
		}
	}
	return true
}

// checkDKIM verifies the DKIM signatures of raw itself and applies DMARC's
// alignment rule (RFC 7489 section 3.1.1) against the From domain.
func (a *Authenticator) checkDKIM(ctx context.Context, raw []byte, domain string) Verdict {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	txt := a.txtFunc(ctx)

	// The verifier reads the raw bytes: a re-serialised header would change
	// what was signed.
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: txt, MaxVerifications: maxSignatures})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return noAuth("could not read the message for DKIM: %v", err)
	}
	if len(verifs) == 0 {
		return noAuth("no DKIM signature")
	}
	var exact, relaxed, unaligned string
	var tempErr, firstErr error
	var failed *dkim.Verification
	for _, v := range verifs {
		d := normDomain(v.Domain)
		aligned := relaxedAligned(d, domain)
		if firstErr == nil {
			firstErr = v.Err
		}
		switch {
		case v.Err == nil && !signsFrom(v.HeaderKeys):
			// go-msgauth refuses these itself; a signature that leaves From
			// out says nothing about the author.
			if aligned && failed == nil {
				failed = &dkim.Verification{Domain: d, Err: errors.New("the signature does not cover From")}
			}
		case v.Err == nil && d == domain:
			exact = d
		case v.Err == nil && aligned:
			if relaxed == "" {
				relaxed = d
			}
		case v.Err == nil:
			if unaligned == "" {
				unaligned = d
			}
		case aligned && dkim.IsTempFail(v.Err):
			if tempErr == nil {
				tempErr = v.Err
			}
		case aligned && failed == nil:
			failed = v
		}
	}
	if exact == "" && relaxed == "" {
		switch {
		case tempErr != nil:
			return noAuth("could not verify: %v", tempErr)
		case failed != nil:
			return noAuth("DKIM signature of %s did not verify: %v", normDomain(failed.Domain), failed.Err)
		case unaligned != "":
			return noAuth("DKIM signature of %s does not match the From domain %s", unaligned, domain)
		}
		if firstErr == nil {
			firstErr = errors.New("no usable signing domain")
		}
		return noAuth("DKIM signature did not verify: %v", firstErr)
	}

	// The DMARC record says whether alignment is strict and whether the
	// pass is a DMARC pass; it is only needed now that a signature passed.
	rec, err := lookupDMARC(domain, txt)
	switch {
	case err == nil:
		if exact != "" {
			return Verdict{Method: AuthDMARC, Domain: domain, Detail: fmt.Sprintf("DMARC pass for %s: DKIM signature of %s verified", domain, exact)}
		}
		if rec.DKIMAlignment == dmarc.AlignmentStrict {
			return noAuth("DKIM signature of %s does not match the From domain %s (DMARC adkim=s)", relaxed, domain)
		}
		return Verdict{Method: AuthDMARC, Domain: domain, Detail: fmt.Sprintf("DMARC pass for %s: DKIM signature of %s verified", domain, relaxed)}
	case errors.Is(err, dmarc.ErrNoPolicy):
		d := exact
		if d == "" {
			d = relaxed
		}
		return Verdict{Method: AuthDKIM, Domain: d, Detail: fmt.Sprintf("DKIM signature of %s verified", d)}
	case exact != "":
		// The signer is the From domain itself: aligned under any policy.
		return Verdict{Method: AuthDKIM, Domain: exact, Detail: fmt.Sprintf("DKIM signature of %s verified (DMARC record not usable: %v)", exact, err)}
	case dmarc.IsTempFail(err):
		return noAuth("could not verify: %v", err)
	}
	// An unreadable record may have meant adkim=s: only an exact match
	// would be safe, and there is none.
	return noAuth("DKIM signature of %s does not match the From domain %s exactly and its DMARC record is unreadable: %v", relaxed, domain, err)
}

// lookupDMARC finds the DMARC record of domain, falling back to its
// organizational domain (RFC 7489 section 6.6.3).
func lookupDMARC(domain string, txt func(string) ([]string, error)) (*dmarc.Record, error) {
	opts := &dmarc.LookupOptions{LookupTXT: txt}
	rec, err := dmarc.LookupWithOptions(domain, opts)
	if errors.Is(err, dmarc.ErrNoPolicy) {
		if org := orgDomain(domain); org != "" && org != domain {
			return dmarc.LookupWithOptions(org, opts)
		}
	}
	return rec, err
}

// txtFunc adapts the lookup to go-msgauth, which takes no context and
// tells DNS failures apart only by type: "not found" must be a
// *net.DNSError with IsNotFound (no key, no policy), anything else is made
// a temporary net.Error so that it reads as "try later", never as a
// verdict on the message.
func (a *Authenticator) txtFunc(ctx context.Context) func(string) ([]string, error) {
	return func(name string) ([]string, error) {
		txts, err := a.lookup(ctx, name)
		if err == nil {
			return txts, nil
		}
		if isNotFound(err) {
			return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
		return nil, tempDNSError{err}
	}
}

type tempDNSError struct{ err error }

func (e tempDNSError) Error() string   { return e.err.Error() }
func (e tempDNSError) Unwrap() error   { return e.err }
func (e tempDNSError) Timeout() bool   { return errors.Is(e.err, context.DeadlineExceeded) }
func (e tempDNSError) Temporary() bool { return true }

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

func signsFrom(keys []string) bool {
	for _, k := range keys {
		if strings.EqualFold(strings.TrimSpace(k), "From") {
			return true
		}
	}
	return false
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// orgDomain is the organizational domain of RFC 7489 section 3.2, from the
// public suffix list; "" when d is itself a public suffix or malformed.
func orgDomain(d string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return ""
	}
	return org
}

// relaxedAligned reports whether a and b share an organizational domain
// (RFC 7489 section 3.1.1, relaxed mode).
func relaxedAligned(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	oa := orgDomain(a)
	return oa != "" && oa == orgDomain(b)
}

const (
	txtCacheSize   = 10000
	txtCacheTTL    = 10 * time.Minute // answers and NXDOMAIN
	txtCacheErrTTL = time.Minute      // other failures: retry soon
)

// txtCache keeps TXT answers in memory: DKIM keys and DMARC records of the
// few domains that write to the helpdesk are asked for on every message.
// It holds at most max names; when full it drops the expired ones, and
// then any, down to nine tenths.
type txtCache struct {
	resolve func(ctx context.Context, name string) ([]string, error)
	now     func() time.Time
	max     int

	mu      sync.Mutex
	entries map[string]txtEntry
}

type txtEntry struct {
	txts    []string
	err     error
	expires time.Time
}

func newTXTCache(resolve func(ctx context.Context, name string) ([]string, error), max int) *txtCache {
	return &txtCache{resolve: resolve, now: time.Now, max: max, entries: make(map[string]txtEntry)}
}

func (c *txtCache) lookup(ctx context.Context, name string) ([]string, error) {
	key := normDomain(name)
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return slices.Clone(e.txts), e.err
	}
	txts, err := c.resolve(ctx, name)
	if err != nil && ctx.Err() != nil {
		// This caller gave up; that says nothing about the name.
		return txts, err
	}
	ttl := txtCacheTTL
	if err != nil && !isNotFound(err) {
		ttl = txtCacheErrTTL
	}
	now := c.now()
	c.mu.Lock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evictLocked(now)
	}
	c.entries[key] = txtEntry{txts: slices.Clone(txts), err: err, expires: now.Add(ttl)}
	c.mu.Unlock()
	return txts, err
}

func (c *txtCache) evictLocked(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max*9/10 {
			break
		}
		delete(c.entries, k)
	}
}
