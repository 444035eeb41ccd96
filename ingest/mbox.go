package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MboxReader splits an mbox archive into messages. It reads the mboxrd and
// mboxo variants (RFC 4155): a message starts at a "From " line at the
// start of the file or after a blank line, and ">From " lines in bodies
// lose one '>' (mboxrd's quoting; for mboxo it restores the common case).
type MboxReader struct {
	r       *bufio.Reader
	read    int64
	started bool
}

// NewMboxReader reads messages from r.
func NewMboxReader(r io.Reader) *MboxReader {
	return &MboxReader{r: bufio.NewReaderSize(r, 1<<16)}
}

// BytesRead is how far into the archive the reader is, for progress.
func (m *MboxReader) BytesRead() int64 { return m.read }

// Next returns the next message's raw bytes, or io.EOF.
func (m *MboxReader) Next() ([]byte, error) {
	var msg bytes.Buffer
	prevBlank := true
	for {
		line, err := m.r.ReadBytes('\n')
		m.read += int64(len(line))
		if len(line) > 0 {
			if isMboxSeparator(line) && prevBlank {
				if m.started && msg.Len() > 0 {
					return trimTrailingBlank(msg.Bytes()), nil
				}
				m.started = true
				prevBlank = false
				if err == nil {
					continue
				}
			} else {
				if !m.started {
					// Not an mbox separator at the top: treat the file as
					// starting with a message anyway (Seen in practice:
					// archives cut by hand).
					m.started = true
				}
				if unq, ok := unquoteFrom(line); ok {
					line = unq
				}
				msg.Write(line)
				prevBlank = len(bytes.TrimRight(line, "\r\n")) == 0
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if msg.Len() > 0 {
					return trimTrailingBlank(msg.Bytes()), nil
				}
				return nil, io.EOF
			}
			return nil, err
		}
	}
}

func isMboxSeparator(line []byte) bool { return bytes.HasPrefix(line, []byte("From ")) }

// unquoteFrom turns ">From " (and ">>From "…) back by one level.
func unquoteFrom(line []byte) ([]byte, bool) {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	if i == 0 || !bytes.HasPrefix(line[i:], []byte("From ")) {
		return nil, false
	}
	return line[1:], true
}

// trimTrailingBlank drops the blank line mbox puts before the next
// separator, which is not part of the message.
func trimTrailingBlank(b []byte) []byte {
	out := append([]byte(nil), b...)
	for _, nl := range []string{"\r\n", "\n"} {
		if bytes.HasSuffix(out, []byte(nl+nl)) {
			return out[:len(out)-len(nl)]
		}
	}
	return out
}
