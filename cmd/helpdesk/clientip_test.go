package main

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestClientAddrBelievesOnlyTrustedProxies(t *testing.T) {
	proxies, err := parseProxies("10.0.0.0/8, 192.0.2.10, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer, fwd, xff, want string
	}{
		{"no proxy, no header", "203.0.113.5:4711", "", "", "203.0.113.5"},
		{"untrusted peer's X-Forwarded-For is ignored", "203.0.113.5:4711", "", "198.51.100.1", "203.0.113.5"},
		{"untrusted peer's Forwarded is ignored", "203.0.113.5:4711", "for=198.51.100.1", "", "203.0.113.5"},
		{"trusted proxy, client appended", "10.1.2.3:80", "", "198.51.100.1", "198.51.100.1"},
		{"client's own entries left of the proxy's are not believed", "10.1.2.3:80", "", "1.1.1.1, 2.2.2.2, 198.51.100.1", "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:80", "", "198.51.100.1, 10.9.9.9, 192.0.2.10", "198.51.100.1"},
		{"several fields are one list", "10.1.2.3:80", "", "1.1.1.1, 198.51.100.1\n10.9.9.9", "198.51.100.1"},
		{"address with a port", "10.1.2.3:80", "", "198.51.100.1:5555", "198.51.100.1"},
		{"Forwarded, RFC 7239", "10.1.2.3:80", `for=1.1.1.1;proto=http, for=198.51.100.1;by=10.1.2.3`, "", "198.51.100.1"},
		{"Forwarded, quoted IPv6 with port", "10.1.2.3:80", `for="[2001:db8:1::7]:4711"`, "", "2001:db8:1::7"},
		{"Forwarded, quoted comma does not split", "10.1.2.3:80", `for=198.51.100.1;ext="a,b"`, "", "198.51.100.1"},
		{"Forwarded unknown: the last trusted hop", "10.1.2.3:80", `for=unknown, for=10.9.9.9`, "", "10.9.9.9"},
		{"garbage entry: the last trusted hop", "10.1.2.3:80", "", "not-an-address", "10.1.2.3"},
		{"both headers agree", "10.1.2.3:80", "for=198.51.100.1", "198.51.100.1", "198.51.100.1"},
		{"both headers disagree: the peer", "10.1.2.3:80", "for=6.6.6.6", "198.51.100.1", "10.1.2.3"},
		{"every hop trusted: the left-most", "10.1.2.3:80", "", "10.7.7.7, 10.8.8.8", "10.7.7.7"},
		{"IPv6 peer trusted", "[2001:db8:ffff::1]:80", "", "2001:db8:2::9", "2001:db8:2::9"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:80", "", "198.51.100.1", "198.51.100.1"},
		{"empty header", "10.1.2.3:80", "", " , ", "10.1.2.3"},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.fwd != "" {
			r.Header.Set("Forwarded", c.fwd)
		}
		for _, v := range strings.Split(c.xff, "\n") {
			if c.xff != "" {
				r.Header.Add("X-Forwarded-For", v)
			}
		}
		if got := clientAddr(proxies, r); got.String() != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if _, err := parseProxies("10.0.0.0/8, proxy.local"); err == nil {
		t.Error("a host name was accepted as a proxy")
	}
}

func TestIPv6AddressesShareTheirSlash64(t *testing.T) {
	for a, want := range map[string]string{
		"203.0.113.5":          "203.0.113.5",
		"2001:db8:1:2::a":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::a":      "2001:db8:1:3::/64",
	} {
		if got := addrBucket(netip.MustParseAddr(a)); got != want {
			t.Errorf("%s: bucket %s, want %s", a, got, want)
		}
	}
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.1.2.3:80", `for="[2001:db8::1]:80";proto=https, for=unknown`, "1.2.3.4, [::1]:5")
	f.Add("10.1.2.3:80", `for="\"`, `,,,`)
	proxies, _ := parseProxies("10.0.0.0/8, ::1/128")
	f.Fuzz(func(t *testing.T, peer, fwd, xff string) {
		r := &http.Request{RemoteAddr: peer, Header: http.Header{"Forwarded": {fwd}, "X-Forwarded-For": {xff}}}
		a := clientAddr(proxies, r)
		p := parseNode(peer)
		// Whatever the headers say, an untrusted peer is the client.
		if p.IsValid() && !trusted(proxies, p) && a != p {
			t.Fatalf("untrusted peer %s became %s", p, a)
		}
		if a.IsValid() && a.Zone() != "" {
			t.Fatalf("zone kept: %s", a)
		}
	})
}

// signInFrom posts the sign-in form with extra headers and reports the
// status and whether it signed in.
func signInFrom(b *browser, login, password string, hdr map[string]string) (int, bool) {
	b.t.Helper()
	b.get("/login")
	body := "csrf=" + url.QueryEscape(b.csrf) + "&" + url.Values{"login": {login}, "password": {password}}.Encode()
	req, _ := http.NewRequest("POST", b.base+"/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r := b.do(req)
	return r.code, r.code == http.StatusSeeOther && r.h.Get("Location") == "/tickets"
}

// As the attacker: an X-Forwarded-For sent straight to the helpdesk (no
// trusted proxy configured) does not give each guess a fresh bucket.
func TestAttackSpoofedForwardedForDoesNotChangeTheSignInBucket(t *testing.T) {
	e := newWebEnv(t)
	b := e.browser()
	for i := 0; i < limitLoginIP.Max; i++ {
		// Other accounts each time, so that only the address limit counts.
		spoof := map[string]string{"X-Forwarded-For": "198.51.100." + strconv.Itoa(i), "Forwarded": "for=203.0.113." + strconv.Itoa(i)}
		if code, _ := signInFrom(b, "korban"+strconv.Itoa(i)+"@example.id", "tebakan-salah", spoof); code == http.StatusTooManyRequests {
			t.Fatalf("guess %d refused already", i)
		}
	}
	code, _ := signInFrom(b, "korban-lain@example.id", "tebakan-salah", map[string]string{"X-Forwarded-For": "192.0.2.99"})
	if code != http.StatusTooManyRequests {
		t.Fatalf("guess past the limit with a new X-Forwarded-For: %d, want 429", code)
	}
}

// Behind a trusted proxy each client has its own bucket, whatever it puts
// left of the proxy's entry; a failure lock holds; an IPv6 client cannot
// escape it by moving within its /64.
func TestSignInLimitsBehindATrustedProxyCountEachClient(t *testing.T) {
	e := newWebEnvWith(t, testEnvOpts{proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	e.citizen("warga@example.id", "Warga")
	b := e.browser()
	for i := 0; i < limitLoginIP.Max; i++ {
		xff := map[string]string{"X-Forwarded-For": "10.0.0." + strconv.Itoa(i) + ", 2001:db8:1:2::" + strconv.Itoa(i+1)}
		if code, _ := signInFrom(b, "korban"+strconv.Itoa(i)+"@example.id", "tebakan-salah", xff); code == http.StatusTooManyRequests {
			t.Fatalf("guess %d refused already", i)
		}
	}
	if code, _ := signInFrom(b, "warga@example.id", "rahasia-123", map[string]string{"X-Forwarded-For": "2001:db8:1:2:ffff::1"}); code != http.StatusTooManyRequests {
		t.Fatalf("same /64 past the limit: %d, want 429", code)
	}
	if _, ok := signInFrom(e.browser(), "warga@example.id", "rahasia-123", map[string]string{"X-Forwarded-For": "2001:db8:1:3::1"}); !ok {
		t.Fatal("a client in another /64 behind the same proxy was refused")
	}
	if _, ok := signInFrom(e.browser(), "warga@example.id", "rahasia-123", map[string]string{"X-Forwarded-For": "2001:db8:1:2::1, 198.51.100.7"}); !ok {
		t.Fatal("a client naming a locked address left of the proxy's entry was refused")
	}
}

// A regional office behind one NAT: forty people signing in within
// minutes are all admitted, since only failures count.
func TestFortySuccessfulSignInsFromOneAddressAreAllAdmitted(t *testing.T) {
	e := newWebEnv(t)
	e.citizen("kantor@example.id", "Dinas Sosial Klaten")
	for i := 0; i < 40; i++ {
		if code, ok := signInFrom(e.browser(), "kantor@example.id", "rahasia-123", nil); !ok {
			t.Fatalf("sign-in %d: %d", i, code)
		}
	}
	// Failures still lock the address.
	b := e.browser()
	for i := 0; i < limitLoginIP.Max; i++ {
		signInFrom(b, "orang"+strconv.Itoa(i)+"@example.id", "tebakan-salah", nil)
	}
	if code, _ := signInFrom(e.browser(), "kantor@example.id", "rahasia-123", nil); code != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d, want 429", limitLoginIP.Max, code)
	}
}
