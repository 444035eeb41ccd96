package main

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Which address a request comes from, for rate limits and logs. The
// peer's address counts, unless the peer is one of HELPDESK_TRUSTED_PROXIES:
// then the forwarding header it wrote names the client. A header is never
// believed from anyone else, since anyone can send one.

// parseProxies reads HELPDESK_TRUSTED_PROXIES: comma-separated CIDRs, or
// single addresses (a /32 or /128).
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("HELPDESK_TRUSTED_PROXIES: %q is neither a CIDR (10.0.0.0/8) nor an address", f)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func trusted(proxies []netip.Prefix, a netip.Addr) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address r comes from. When the peer is a trusted
// proxy, the forwarding chain (Forwarded, RFC 7239, or X-Forwarded-For)
// is read from the right, as each proxy appends the address it received
// from: the first address that is not a trusted proxy is the client;
// whatever stands left of it was written by the client and proves
// nothing. Seen in practice: a proxy that speaks one header passes the
// other through untouched, so a client can fill the header the proxy does
// not write. When both are present and name different clients, there is no
// telling which one the proxy wrote, and the peer counts: such requests
// share the proxy's bucket rather than choosing their own.
func clientAddr(proxies []netip.Prefix, r *http.Request) netip.Addr {
	peer := parseNode(r.RemoteAddr)
	if !peer.IsValid() || !trusted(proxies, peer) {
		return peer
	}
	fwd := forwardedFor(r.Header.Values("Forwarded"))
	xff := xForwardedFor(r.Header.Values("X-Forwarded-For"))
	switch {
	case len(fwd) > 0 && len(xff) > 0:
		a, b := walkChain(proxies, fwd, peer), walkChain(proxies, xff, peer)
		if a != b {
			return peer
		}
		return a
	case len(fwd) > 0:
		return walkChain(proxies, fwd, peer)
	case len(xff) > 0:
		return walkChain(proxies, xff, peer)
	}
	return peer
}

// walkChain returns the right-most address of chain that is not a trusted
// proxy. An entry that is not an address ("unknown", an obfuscated
// "_hidden" node, garbage) ends the walk: the trusted hop right of it is the
// last address known.
func walkChain(proxies []netip.Prefix, chain []string, peer netip.Addr) netip.Addr {
	last := peer
	for i := len(chain) - 1; i >= 0; i-- {
		a := parseNode(chain[i])
		if !a.IsValid() {
			return last
		}
		if !trusted(proxies, a) {
			return a
		}
		last = a
	}
	return last
}

// xForwardedFor splits X-Forwarded-For fields (several fields are one
// list, in order).
func xForwardedFor(fields []string) []string {
	var out []string
	for _, f := range fields {
		for _, e := range strings.Split(f, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// forwardedFor returns the for= node of each element of Forwarded fields
// (RFC 7239 §4), "" for an element without one. Commas and semicolons
// inside quoted strings do not split.
func forwardedFor(fields []string) []string {
	var out []string
	for _, f := range fields {
		for _, elem := range splitQuoted(f, ',') {
			if strings.TrimSpace(elem) == "" {
				continue
			}
			node := ""
			for _, pair := range splitQuoted(elem, ';') {
				k, v, ok := strings.Cut(pair, "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					node = unquote(strings.TrimSpace(v))
				}
			}
			out = append(out, node)
		}
	}
	return out
}

// splitQuoted splits s at sep outside quoted strings.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unquote undoes a quoted-string (RFC 7230 §3.2.6); a token is returned
// as it is.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		if v[i] == '\\' && i+1 < len(v)-1 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// parseNode reads an address as proxies write it: "192.0.2.1",
// "192.0.2.1:4711", "[2001:db8::1]:4711", "[2001:db8::1]", or a bare IPv6
// address (not RFC 7239, seen in practice). The zero Addr when it is none
// of these.
func parseNode(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

// addrBucket is the rate-limit key of an address: an IPv4 address alone,
// an IPv6 address by its /64, since one subscriber (a home, a phone) is
// given a whole /64 and picks addresses in it at will.
func addrBucket(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// clientIP is the client's address as logs show it.
func (s *server) clientIP(r *http.Request) string {
	if a := clientAddr(s.cfg.TrustedProxies, r); a.IsValid() {
		return a.String()
	}
	return r.RemoteAddr
}

// ipBucket is the client's rate-limit key.
func (s *server) ipBucket(r *http.Request) string {
	return addrBucket(clientAddr(s.cfg.TrustedProxies, r))
}
