package ingest

import (
	"bytes"
	"io"
	"mime"
	"net/textproto"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// field is one header field, unfolded, value still raw (not RFC 2047
// decoded).
type field struct {
	Key   string // canonical, e.g. "Content-Type"
	Value string
}

// header is an ordered list of fields. Duplicates are kept: some mail has
// two Content-Type or From fields and the first one wins (seen in practice:
// spam, thunderbird's evil.eml test).
type header []field

func (h header) get(key string) string {
	for _, f := range h {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

func (h header) has(key string) bool {
	for _, f := range h {
		if f.Key == key {
			return true
		}
	}
	return false
}

func (h header) values(key string) []string {
	var vs []string
	for _, f := range h {
		if f.Key == key {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// splitHeader separates the header block from the body. The header ends at
// the first empty line; LF, CRLF and bare CR line ends are all accepted
// (seen in practice: classic Mac mail with bare CR, mixed CRLF/LF).
func splitHeader(raw []byte) (hdr, body []byte) {
	i := 0
	for i < len(raw) {
		j := bytes.IndexByte(raw[i:], '\n')
		var line []byte
		next := len(raw)
		if j >= 0 {
			line = raw[i : i+j]
			next = i + j + 1
		} else {
			line = raw[i:]
		}
		if len(bytes.TrimRight(line, "\r")) == 0 {
			return raw[:i], raw[next:]
		}
		i = next
	}
	return raw, nil
}

// headerLines splits a header block on LF, CRLF or bare CR.
func headerLines(b []byte) []string {
	s := string(b)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// parseHeader reads a header block leniently. It never fails; lines it
// cannot make sense of are joined to the previous field.
func parseHeader(b []byte) header {
	var h header
	lines := headerLines(b)
	for i, line := range lines {
		if line == "" {
			continue
		}
		// An mbox "From " separator line may precede the header (seen in
		// practice: messages saved from mbox files).
		if i == 0 && isMboxFromLine(line) {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) > 0 {
				h[len(h)-1].Value += " " + strings.TrimSpace(line)
				continue
			}
			// Seen in practice: a first header line that starts with
			// whitespace. Read it as a field of its own.
			line = strings.TrimLeft(line, " \t")
		}
		colon := strings.IndexByte(line, ':')
		key := ""
		if colon > 0 {
			// RFC 5322 section 4.5 (obsolete syntax) allows whitespace
			// between the field name and the colon.
			key = strings.TrimRight(line[:colon], " \t")
		}
		if !validKey(key) {
			// Seen in practice: a continuation line that lost its leading
			// whitespace (long Content-Type parameters wrapped by a broken
			// mailer), or junk before the name. Keep it with the previous
			// field instead of ending the header.
			if len(h) > 0 {
				h[len(h)-1].Value += " " + strings.TrimSpace(line)
			}
			continue
		}
		h = append(h, field{
			Key:   textproto.CanonicalMIMEHeaderKey(key),
			Value: strings.TrimSpace(line[colon+1:]),
		})
	}
	return h
}

// isMboxFromLine tells "From sender date" apart from a "From  :" field
// written with the obsolete space before the colon (RFC 5322 section 4.5).
func isMboxFromLine(l string) bool {
	return strings.HasPrefix(l, "From ") && !strings.HasPrefix(strings.TrimLeft(l[4:], " \t"), ":")
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		// RFC 5322 section 2.2: printable US-ASCII except colon and space.
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// charsetAliases maps labels that mailers use but the IANA and WHATWG
// tables lack to the encoding meant (seen in practice: Windows code page
// names from Outlook and Thunderbird's cp932 fixture).
var charsetAliases = map[string]string{
	"cp932": "shift_jis", "ms932": "shift_jis", "windows-31j": "shift_jis",
	"x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis",
	"cp936": "gbk", "ms936": "gbk", "cp949": "euc-kr", "ks_c_5601": "euc-kr",
	"ks_c_5601-1987": "euc-kr", "ksc5601": "euc-kr", "cp950": "big5",
}

// charsetReader wraps go-message's charset table with charsetAliases.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	cs := normalizeCharset(label)
	if a, ok := charsetAliases[cs]; ok {
		cs = a
	}
	return charset.Reader(cs, r)
}

var encodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

// decodeWords decodes RFC 2047 encoded-words. Raw 8-bit bytes (RFC 6532
// allows UTF-8; older mailers send their local charset) are read as UTF-8
// when valid, else in fallback (the message's body charset), else
// windows-1252. The result is valid UTF-8.
func decodeWords(s, fallback string) string {
	if !utf8.ValidString(s) {
		s = decodeBytes([]byte(s), fallback)
	}
	if !strings.Contains(s, "=?") {
		return s
	}
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		if !encodedWord.MatchString(d) {
			return validUTF8(d)
		}
		// DecodeHeader leaves malformed words as they are; try those
		// below.
		s = d
	}
	// One bad word (unknown charset, broken base64) makes DecodeHeader give
	// up on the whole field; decode the words one at a time instead.
	out := encodedWord.ReplaceAllStringFunc(s, func(w string) string {
		d, err := wordDecoder.Decode(w)
		if err != nil {
			return decodeWordLoosely(w)
		}
		return d
	})
	// RFC 2047 section 6.2: whitespace between adjacent encoded-words is
	// not displayed. DecodeHeader does this; redo it for the fallback path.
	return validUTF8(out)
}

// decodeWordLoosely decodes an encoded-word whose charset is unknown or
// whose payload is slightly broken (seen in practice: charset "NONE" with
// base64 missing a padding character), keeping the bytes when they are
// valid UTF-8 and the word as written otherwise.
func decodeWordLoosely(w string) string {
	parts := strings.SplitN(strings.TrimSuffix(strings.TrimPrefix(w, "=?"), "?="), "?", 3)
	if len(parts) != 3 {
		return w
	}
	var b []byte
	switch strings.ToLower(parts[1]) {
	case "b":
		b, _ = decodeBase64([]byte(parts[2]))
	case "q":
		b = decodeQP([]byte(strings.ReplaceAll(parts[2], "_", " ")))
	}
	if out, ok := convertCharset(b, parts[0]); ok {
		return out
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return w
}

// decodeBytes converts b from the named charset to UTF-8, leniently.
func decodeBytes(b []byte, cs string) string {
	if utf8.Valid(b) {
		return string(b)
	}
	cs = normalizeCharset(cs)
	if cs != "" && cs != "utf-8" && cs != "us-ascii" && !westernSingleByte[cs] {
		if out, ok := convertCharset(b, cs); ok {
			return out
		}
	}
	return mixedUTF8(b)
}

// mixedUTF8 keeps the valid UTF-8 sequences of b and reads each stray byte
// as windows-1252, the usual charset of unlabelled 8-bit Western mail. Seen
// in practice: UTF-8 names cut in the middle of a character (Yahoo), UTF-8
// headers with a few bytes of junk.
func mixedUTF8(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			r = charmap.Windows1252.DecodeByte(b[0])
			n = 1
		}
		if r != 0 {
			sb.WriteRune(r)
		}
		b = b[n:]
	}
	return sb.String()
}

// validUTF8 replaces invalid sequences and drops NUL bytes, which
// PostgreSQL text columns refuse (seen in practice: bounces with NULs).
func validUTF8(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// normalizeCharset cleans a charset label.
func normalizeCharset(cs string) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	cs = strings.Trim(cs, `"' `)
	// Seen in practice: charset='charset=us-ascii' (enmime test corpus).
	if i := strings.LastIndexByte(cs, '='); i >= 0 {
		cs = strings.Trim(cs[i+1:], `"' `)
	}
	// Seen in practice: a corrupted header gluing text onto the label.
	if i := strings.IndexAny(cs, " \t;"); i >= 0 {
		cs = cs[:i]
	}
	switch cs {
	case "utf8", "uft-8", "utf-8;", "x-utf8":
		// Seen in practice: misspelled UTF-8 labels.
		return "utf-8"
	case "ascii", "us_ascii", "ansi_x3.4-1968":
		return "us-ascii"
	}
	return cs
}

// collapseSpace folds runs of whitespace (including CR/LF left by folding)
// into one space and trims.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// decodeText decodes an unstructured header field (Subject) for display.
func decodeText(s, fallback string) string {
	return collapseSpace(stripControls(decodeWords(s, fallback)))
}

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return -1
		}
		return r
	}, s)
}
