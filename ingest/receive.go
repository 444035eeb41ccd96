package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// Memory at the edges. A message is read whole only up to the size limit;
// past it, the intake keeps its header block and counts the rest as it
// goes by. Storing a message costs about three and a half times its size
// (the bytes, its decoded attachments, and lib/pq's copy of both for the
// wire), so a message over bigMessage waits for the one big-message slot
// before it is read further: eight 25 MB messages arriving at once are
// stored one after the other (about a second each), in about 100 MB,
// rather than all at once in 700.
const (
	headerKeep = 1 << 20
	bigMessage = 1 << 20
	bigSlots   = 1
)

func (in *Intake) takeBig(ctx context.Context) error {
	select {
	case in.big <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (in *Intake) giveBig() { <-in.big }

// Receive reads a message from r (an SMTP DATA stream, the pipe's stdin)
// and delivers it, within the intake's memory bounds: at most the size
// limit is held, and a longer message is delivered with its headers only
// and a note of its size. Messages received at the same time are
// committed together (group commit, see join.go). A nil error means it is
// committed.
func (in *Intake) Receive(ctx context.Context, r io.Reader, src Source) (Result, error) {
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, bigMessage+1)
	if err != nil && err != io.EOF {
		return Result{}, fmt.Errorf("ingest: read: %w", err)
	}
	if n <= bigMessage {
		return in.joined(ctx, buf.Bytes(), src)
	}
	if err := in.takeBig(ctx); err != nil {
		return Result{}, fmt.Errorf("ingest: read: %w", err)
	}
	defer in.giveBig()
	raw, size, err := readCapped(&buf, r, in.max)
	if err != nil {
		return Result{}, err
	}
	if size > int64(len(raw)) {
		src.Size = size
	}
	return in.joined(ctx, raw, src)
}

// joined prepares a message and commits it with the others arriving now.
func (in *Intake) joined(ctx context.Context, raw []byte, src Source) (Result, error) {
	d := in.prepare(ctx, raw, src)
	if err := in.join(ctx, d); err != nil {
		return Result{}, err
	}
	return d.res, nil
}

// readCapped goes on reading r after what buf holds: the whole message when
// it fits in limit bytes, else only its header block, with its full size.
func readCapped(buf *bytes.Buffer, r io.Reader, limit int64) ([]byte, int64, error) {
	if _, err := io.CopyN(buf, r, limit+1-int64(buf.Len())); err != nil && err != io.EOF {
		return nil, 0, fmt.Errorf("ingest: read: %w", err)
	}
	if int64(buf.Len()) <= limit {
		return buf.Bytes(), int64(buf.Len()), nil
	}
	head := bytes.Clone(headerBlock(buf.Bytes(), headerKeep))
	size := int64(buf.Len())
	*buf = bytes.Buffer{} // let the limit's worth of bytes go now
	rest, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, 0, fmt.Errorf("ingest: read: %w", err)
	}
	return head, size + rest, nil
}

// ReadMessage reads a whole message from r, keeping at most limit bytes:
// a longer one comes back as its header block, with size its full length.
// For a process that delivers elsewhere (the pipe handing mail to serve).
func ReadMessage(r io.Reader, limit int64) (raw []byte, size int64, err error) {
	var buf bytes.Buffer
	return readCapped(&buf, r, limit)
}
