package ingest

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// parseMediaType reads "type/subtype; a=b; c=d" leniently. mime.ParseMediaType
// rejects much real-world mail (duplicate parameters, missing semicolons,
// unquoted specials), so this scanner keeps going where it can.
//
// RFC 2231 parameters (name*=charset'lang'value, name*0*=...) are joined and
// decoded here, in any charset, since go-message leaves non-UTF-8 ones
// empty. The returned values are UTF-8.
func parseMediaType(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	end := strings.IndexAny(v, "; \t")
	if end < 0 {
		end = len(v)
	}
	mt := strings.ToLower(strings.Trim(v[:end], `"' `))
	rest := v[end:]

	type section struct {
		n     int
		ext   bool
		value string
	}
	plain := map[string]string{}
	sections := map[string][]section{}
	for {
		rest = strings.TrimLeft(rest, "; \t")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		if strings.ContainsAny(name, " \t;\"") {
			// Junk before a parameter: skip to the last word.
			name = name[strings.LastIndexAny(name, " \t;\"")+1:]
		}
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			val, rest = quotedString(rest)
		} else {
			val, rest = tokenValue(rest)
		}
		if name == "" {
			continue
		}
		base, ext, n, isSection := splitParamName(name)
		if isSection || ext {
			sections[base] = append(sections[base], section{n: n, ext: ext, value: val})
			continue
		}
		// First occurrence wins (seen in practice: doubled charset and
		// boundary parameters).
		if _, dup := plain[name]; !dup {
			plain[name] = val
		}
	}
	params := plain
	for base, secs := range sections {
		sort.SliceStable(secs, func(i, j int) bool { return secs[i].n < secs[j].n })
		var raw []byte
		cs := ""
		for i, s := range secs {
			val := s.value
			if s.ext {
				if i == 0 {
					// charset'language'value
					if p := strings.SplitN(val, "'", 3); len(p) == 3 {
						cs = p[0]
						val = p[2]
					}
				}
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		// RFC 2231 section 4: the extended form is preferred over a plain
		// parameter of the same name (which is often an RFC 2047 fallback).
		// Decode even bytes that happen to be valid UTF-8: iso-2022-jp is
		// pure 7-bit.
		if out, ok := convertCharset(raw, cs); ok {
			params[base] = out
		} else {
			params[base] = decodeBytes(raw, cs)
		}
	}
	return mt, params
}

// splitParamName splits "name*2*" into ("name", ext=true, 2, section=true).
func splitParamName(name string) (base string, ext bool, n int, isSection bool) {
	if strings.HasSuffix(name, "*") {
		ext = true
		name = name[:len(name)-1]
	}
	if i := strings.LastIndexByte(name, '*'); i >= 0 {
		if k, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i], ext, k, true
		}
	}
	return name, ext, 0, false
}

func quotedString(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	// Unterminated quote: take the rest.
	return b.String(), ""
}

// tokenValue reads an unquoted value. RFC 2045 section 5.1 forbids spaces
// and tspecials in a token, but mailers send names with spaces and
// parentheses unquoted (seen in practice: Outlook Express, the mail gem's
// fixtures); so the value runs to the next ";" — or, when a semicolon is
// missing, to whitespace followed by another "name=".
func tokenValue(s string) (string, string) {
	end := strings.IndexByte(s, ';')
	if end < 0 {
		end = len(s)
	}
	val := s[:end]
	for i := 0; i < len(val); i++ {
		if val[i] != ' ' && val[i] != '\t' {
			continue
		}
		tail := strings.TrimLeft(val[i:], " \t")
		if eq := strings.IndexByte(tail, '='); eq > 0 && isParamName(tail[:eq]) {
			return strings.TrimSpace(val[:i]), s[i:]
		}
	}
	return strings.TrimSpace(val), s[end:]
}

func isParamName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*' || c == '.') {
			return false
		}
	}
	return s != ""
}

func percentDecode(s string) []byte {
	if u, err := url.PathUnescape(s); err == nil {
		return []byte(u)
	}
	// Bad escapes: decode what we can, keep the rest literally.
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}
