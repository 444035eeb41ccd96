package outbound

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
)

// An outbox row holds its mail composed, except for the files it carries:
// those are stored once, in the blobs table, and the row holds a
// placeholder for each. A response with a 4 MB file to fifty collaborators
// then writes fifty small rows inside the change's transaction, not fifty
// copies of the file; the file is read back when each mail is sent. The
// placeholder names the blob by its SHA-256, so the bytes sent are the
// same at every retry.

// placeholderMagic starts a placeholder: NUL bytes never occur in a file
// part's base64, so a part body that decodes to this is ours.
var placeholderMagic = []byte("\x00helpdesk-blob\x00")

// placeholderSize makes the base64 of a placeholder exactly one 76-character
// line, as the MIME writer wraps base64.
const placeholderSize = 57

func blobPlaceholder(sum []byte) []byte {
	p := make([]byte, placeholderSize)
	copy(p, placeholderMagic)
	copy(p[len(placeholderMagic):], sum)
	return p
}

// placeholderStart is how every placeholder's line begins: the base64 of
// the first 15 bytes of placeholderMagic (a multiple of 3 encodes alone).
var placeholderStart = []byte(base64.StdEncoding.EncodeToString(placeholderMagic[:15]))

// placeholderLines finds the placeholders in a composed mail: the lines
// that decode to one, with the blob each names.
func placeholderLines(data []byte) (lines [][]byte, sums [][]byte) {
	if !bytes.Contains(data, placeholderStart) {
		return nil, nil // most mails carry no file: no need to look line by line
	}
	for rest := data; len(rest) > 0; {
		line := rest
		if i := bytes.Index(rest, []byte("\r\n")); i >= 0 {
			line, rest = rest[:i], rest[i+2:]
		} else {
			rest = nil
		}
		if len(line) != 76 {
			continue
		}
		dec := make([]byte, base64.StdEncoding.DecodedLen(76))
		n, err := base64.StdEncoding.Decode(dec, line)
		if err != nil || n != placeholderSize || !bytes.HasPrefix(dec, placeholderMagic) {
			continue
		}
		lines = append(lines, line)
		sums = append(sums, dec[len(placeholderMagic):len(placeholderMagic)+32])
	}
	return lines, sums
}

// ExpandBlobs returns data with every placeholder replaced by its blob,
// base64 in 76-character lines; fetch reads a blob by its SHA-256.
func ExpandBlobs(ctx context.Context, data []byte, fetch func(ctx context.Context, sha256 []byte) ([]byte, error)) ([]byte, error) {
	lines, sums := placeholderLines(data)
	if len(lines) == 0 {
		return data, nil
	}
	out := data
	for i, line := range lines {
		blob, err := fetch(ctx, sums[i])
		if err != nil {
			return nil, fmt.Errorf("outbound: attachment %x: %w", sums[i], err)
		}
		out = bytes.Replace(out, line, base64Lines(blob), 1)
	}
	return out, nil
}

// base64Lines is blob in base64, wrapped at 76 characters (RFC 2045 §6.8),
// without the last line's CRLF (the placeholder's is kept).
func base64Lines(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.Grow(len(enc) + len(enc)/76*2)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	return b.Bytes()
}
