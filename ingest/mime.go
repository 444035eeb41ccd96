package ingest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// part is one node of the MIME tree, before any content decoding.
type part struct {
	hdr       header
	mediaType string
	params    map[string]string
	raw       []byte // body before transfer decoding
	children  []*part
	path      string // "1.2", for error messages
	// charset is the part's own charset parameter or, failing that, the
	// nearest ancestor's. RFC 2046 has no such inheritance, but seen in
	// practice: charset put on a multipart/signed instead of its text part
	// (the "letters" Korean fixture).
	charset string
}

const maxDepth = 32

// treeBuilder splits a message into parts. It is lenient about every
// structural fault it has met in real mail and records each as a parse
// error.
type treeBuilder struct {
	errs     *[]string
	parts    int
	maxParts int
}

func (t *treeBuilder) errorf(format string, args ...any) {
	if len(*t.errs) < 100 {
		*t.errs = append(*t.errs, fmt.Sprintf(format, args...))
	}
}

func (t *treeBuilder) build(h header, body []byte, defaultType, path string, depth int, inherited string) *part {
	t.parts++
	p := &part{hdr: h, raw: body, path: path}
	ct := h.get("Content-Type")
	p.mediaType, p.params = parseMediaType(ct)
	p.charset = p.params["charset"]
	if p.charset == "" {
		p.charset = inherited
	}
	switch {
	case ct == "" || p.mediaType == "":
		// RFC 2045 section 5.2: no Content-Type means text/plain;
		// charset=us-ascii (or message/rfc822 inside multipart/digest).
		p.mediaType = defaultType
	case p.mediaType == "text":
		// Seen in practice: "Content-Type: text" without a subtype.
		p.mediaType = "text/plain"
	case !strings.Contains(p.mediaType, "/"):
		t.errorf("invalid media type %q in part %s, treated as application/octet-stream", p.mediaType, pathName(path))
		p.mediaType = "application/octet-stream"
	}
	if !strings.HasPrefix(p.mediaType, "multipart/") {
		return p
	}
	if depth >= maxDepth {
		t.errorf("multipart nesting deeper than %d at part %s, kept as one part", maxDepth, pathName(path))
		p.mediaType = "application/octet-stream"
		return p
	}
	boundary := p.params["boundary"]
	if boundary == "" {
		t.errorf("%s without boundary in part %s, body read as text", p.mediaType, pathName(path))
		p.mediaType = "text/plain"
		return p
	}
	bodies, closed, found := splitMultipart(body, boundary)
	if !found {
		t.errorf("no boundary line for %q in part %s, body read as text", boundary, pathName(path))
		p.mediaType = "text/plain"
		return p
	}
	if !closed {
		// Seen in practice: Gmail and hand-cut mail without the final
		// "--boundary--"; the parts before it are still good.
		t.errorf("missing final boundary in part %s", pathName(path))
	}
	childDefault := "text/plain"
	if p.mediaType == "multipart/digest" {
		// RFC 2046 section 5.1.5.
		childDefault = "message/rfc822"
	}
	for i, b := range bodies {
		if t.parts >= t.maxParts {
			t.errorf("more than %d MIME parts, the rest ignored", t.maxParts)
			break
		}
		ch, cb := splitHeader(b)
		if len(ch) > 0 && len(cb) == 0 && !bytes.Contains(ch, []byte(":")) {
			// Seen in practice: a part with no header lines and no blank
			// line before its content; all of it is body.
			ch, cb = nil, b
		}
		cp := fmt.Sprintf("%d", i+1)
		if path != "" {
			cp = path + "." + cp
		}
		p.children = append(p.children, t.build(parseHeader(ch), cb, childDefault, cp, depth+1, p.charset))
	}
	return p
}

func pathName(path string) string {
	if path == "" {
		return "0 (top level)"
	}
	return path
}

// splitMultipart cuts body at the delimiter lines of boundary (RFC 2046
// section 5.1.1). The CRLF before a delimiter belongs to it. Trailing
// whitespace after a delimiter is allowed (RFC 2046 section 5.1.1 "transport
// padding"). The preamble and epilogue are dropped.
func splitMultipart(body []byte, boundary string) (parts [][]byte, closed, found bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part's content
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '\n')
		next := len(body)
		lineEnd := len(body)
		if j >= 0 {
			lineEnd = i + j
			next = lineEnd + 1
		}
		line := body[i:lineEnd]
		if bytes.HasPrefix(line, delim) {
			rest := bytes.TrimRight(line[len(delim):], " \t\r")
			// Seen in practice: junk after the closing "--" (enmime's
			// epilogue fixture has "--boundary-->").
			isClose := bytes.HasPrefix(rest, []byte("--"))
			if len(rest) == 0 || isClose {
				found = true
				if start >= 0 {
					parts = append(parts, trimDelimiterNewline(body[start:i]))
				}
				if isClose {
					return dropEmptyTail(parts), true, true
				}
				start = next
			}
		}
		i = next
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return dropEmptyTail(parts), false, found
}

func trimDelimiterNewline(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// dropEmptyTail removes a last part that is only whitespace: what is left
// when the closing delimiter lacks its trailing "--" (seen in practice:
// enmime's bad-final-boundary fixture).
func dropEmptyTail(parts [][]byte) [][]byte {
	if n := len(parts); n > 0 && len(bytes.TrimSpace(parts[n-1])) == 0 {
		return parts[:n-1]
	}
	return parts
}

// transferDecode undoes the Content-Transfer-Encoding. It never fails: on
// an unknown encoding it returns the raw bytes, on bad data what decoded;
// the second result describes the problem, "" when there was none.
func transferDecode(cte string, raw []byte) ([]byte, string) {
	enc := strings.ToLower(strings.TrimSpace(cte))
	// Seen in practice: "quoted-printable;" with a trailing semicolon and
	// quoted values.
	enc = strings.Trim(enc, `"'; `)
	if i := strings.IndexByte(enc, ';'); i >= 0 {
		enc = enc[:i]
	}
	// Seen in practice: "8 bit" with a space (stalwart's thirdparty-004).
	enc = strings.Join(strings.Fields(enc), "")
	switch enc {
	case "", "7bit", "8bit", "binary",
		// Seen in practice: misspelled identity encodings.
		"7-bit", "8-bit", "7bits", "8bits", "6bit", "none":
		return raw, ""
	case "base64":
		return decodeBase64(raw)
	case "quoted-printable", "quotedprintable", "qp":
		return decodeQP(raw), ""
	case "x-uuencode", "uuencode", "x-uue", "uue":
		return decodeUU(raw)
	}
	return raw, fmt.Sprintf("unknown transfer encoding %q, raw bytes kept", cte)
}

// decodeBase64 decodes leniently: whitespace and stray characters are
// skipped, padding followed by a new line (concatenated encoded blocks)
// restarts a block, and a dangling last character is dropped. Text after
// padding on the same line is junk, not data (seen in practice: stalwart's
// thirdparty-002, "...Cg== ignored").
func decodeBase64(raw []byte) ([]byte, string) {
	out := make([]byte, 0, len(raw)*3/4)
	var quad []byte
	bad := 0
	padded := false // saw "=" and no line break since
	flush := func() {
		if len(quad) == 0 {
			return
		}
		if len(quad) == 1 {
			bad++
			quad = quad[:0]
			return
		}
		var dst [3]byte
		n, err := base64.RawStdEncoding.Decode(dst[:], quad)
		if err != nil {
			bad++
		}
		out = append(out, dst[:n]...)
		quad = quad[:0]
	}
	for i, c := range raw {
		if padded && c != '=' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			flush()
			return out, fmt.Sprintf("bad base64 (%d bytes of junk after the padding ignored)", len(bytes.TrimSpace(raw[i:])))
		}
		if c == '\n' {
			padded = false
		}
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			quad = append(quad, c)
			if len(quad) == 4 {
				flush()
			}
		case c == '-':
			quad = append(quad, '+')
			if len(quad) == 4 {
				flush()
			}
		case c == '_':
			quad = append(quad, '/')
			if len(quad) == 4 {
				flush()
			}
		case c == '=':
			flush()
			padded = true
		case c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			bad++
		}
	}
	flush()
	if bad > 0 {
		return out, fmt.Sprintf("bad base64 (%d invalid characters or groups skipped)", bad)
	}
	return out, ""
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7) leniently: an
// "=" not followed by two hex digits or a line end is kept literally, as
// the RFC's note 1 recommends.
func decodeQP(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		rest := raw[i+1:]
		// Soft line break, possibly with trailing whitespace before it.
		k := 0
		for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t') {
			k++
		}
		if k < len(rest) && (rest[k] == '\n' || rest[k] == '\r') {
			if rest[k] == '\r' && k+1 < len(rest) && rest[k+1] == '\n' {
				k++
			}
			i += k + 1
			continue
		}
		if k == len(rest) {
			break
		}
		if len(rest) >= 2 && isHex(rest[0]) && isHex(rest[1]) {
			out = append(out, unhex(rest[0])<<4|unhex(rest[1]))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// decodeUU decodes a uuencoded body ("begin 644 name" ... "end").
func decodeUU(raw []byte) ([]byte, string) {
	lines := strings.Split(strings.ReplaceAll(string(raw), "\r", ""), "\n")
	var out []byte
	inside := false
	for _, l := range lines {
		if !inside {
			if strings.HasPrefix(l, "begin ") {
				inside = true
			}
			continue
		}
		if l == "end" {
			break
		}
		if l == "" {
			continue
		}
		n := int((l[0] - ' ') & 0x3f)
		if n == 0 {
			continue
		}
		var b []byte
		for i := 1; i < len(l) && len(b) < n; i += 4 {
			var q [4]byte
			for k := 0; k < 4; k++ {
				if i+k < len(l) {
					q[k] = (l[i+k] - ' ') & 0x3f
				}
			}
			b = append(b, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
		}
		if len(b) > n {
			b = b[:n]
		}
		out = append(out, b...)
	}
	if !inside {
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil, ""
		}
		return raw, "uuencoded part without a begin line, raw bytes kept"
	}
	return out, ""
}

var metaCharset = regexp.MustCompile(`(?i)<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)`)

// westernSingleByte are labels that mailers put on text they did not look
// at. Valid multi-byte UTF-8 under such a label is almost certainly UTF-8
// (seen in practice: Thunderbird's wronglyDeclaredUTF8 and enmime's
// incorrect-charset fixtures).
var westernSingleByte = map[string]bool{
	"": true, "us-ascii": true, "iso-8859-1": true, "latin1": true,
	"windows-1252": true, "cp1252": true, "iso-8859-15": true,
}

// decodeTextBody converts decoded body bytes to UTF-8 text. The second
// result describes a charset problem, "" when there was none.
func decodeTextBody(b []byte, declared string, isHTML bool) (string, string) {
	cs := normalizeCharset(declared)
	if cs == "" && isHTML {
		// Seen in practice: HTML whose charset is only in a meta tag.
		head := b
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := metaCharset.FindSubmatch(head); m != nil {
			cs = normalizeCharset(string(m[1]))
		}
	}
	if cs == "" || strings.HasPrefix(cs, "utf-16") {
		// RFC 2046 section 4.1.2 says us-ascii, but a byte-order mark
		// says more (seen in practice: UTF-16 bodies without a label).
		if bytes.HasPrefix(b, []byte{0xff, 0xfe}) {
			cs = "utf-16le"
		} else if bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
			cs = "utf-16be"
		}
	}
	if westernSingleByte[cs] && utf8.Valid(b) {
		return string(b), ""
	}
	switch cs {
	case "", "us-ascii":
		return mixedUTF8(b), ""
	case "utf-8":
		if !utf8.Valid(b) {
			// Seen in practice: Latin-1 text labelled UTF-8.
			return mixedUTF8(b), "invalid UTF-8, stray bytes read as windows-1252"
		}
		return string(b), ""
	}
	if s, ok := convertCharset(b, cs); ok {
		return s, ""
	}
	problem := fmt.Sprintf("unknown charset %q", declared)
	if utf8.Valid(b) {
		return string(b), problem
	}
	return mixedUTF8(b), problem + ", read as windows-1252"
}

// convertCharset decodes b from charset cs; ok is false when the charset is
// unknown.
func convertCharset(b []byte, cs string) (string, bool) {
	cs = normalizeCharset(cs)
	switch cs {
	case "":
		return "", false
	case "utf-8", "us-ascii":
		return validUTF8(string(b)), true
	case "utf-16":
		// Without a BOM, RFC 2781 section 4.3 says big-endian.
		if !bytes.HasPrefix(b, []byte{0xff, 0xfe}) {
			cs = "utf-16be"
		}
	}
	r, err := charsetReader(cs, bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil && len(out) == 0 {
		return "", false
	}
	return validUTF8(string(out)), true
}
