package tickets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// CanonicalMessageID trims a Message-ID of blanks and angle brackets and
// lower-cases its domain (RFC 5322 §3.6.4: the id-right is a domain, which
// compares case-insensitively; the id-left does not). "" when nothing is
// left, so an empty id never threads.
func CanonicalMessageID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	id = strings.TrimSpace(id)
	if id == "" || strings.ContainsAny(id, " \t\r\n<>") {
		return ""
	}
	if at := strings.LastIndexByte(id, '@'); at >= 0 {
		id = id[:at] + strings.ToLower(id[at:])
	}
	return id
}

// MessageIDs mints and verifies the helpdesk's own Message-IDs. Each carries
// the ticket number and entry with a short HMAC (as osTicket does), so a
// reply threads to its ticket even when the mail client dropped References
// or the stored id is gone, and nobody can forge one for another ticket.
type MessageIDs struct {
	Secret []byte
	Domain string
}

// New returns a fresh id (without angle brackets) for a mail about the
// ticket's entry (0 when it concerns no entry).
func (m MessageIDs) New(ticketNumber string, entryID int64) string {
	r := make([]byte, 5)
	rand.Read(r)
	left := "hd." + ticketNumber + "." + strconv.FormatInt(entryID, 10) + "." + hex.EncodeToString(r)
	return left + "." + m.sign(left) + "@" + strings.ToLower(m.Domain)
}

// Verify returns the ticket number and entry an id of ours names, and false
// for anyone else's id or a forged one.
func (m MessageIDs) Verify(id string) (ticketNumber string, entryID int64, ok bool) {
	id = CanonicalMessageID(id)
	at := strings.LastIndexByte(id, '@')
	if at < 0 {
		return "", 0, false
	}
	left := id[:at]
	dot := strings.LastIndexByte(left, '.')
	if dot < 0 || !hmac.Equal([]byte(left[dot+1:]), []byte(m.sign(left[:dot]))) {
		return "", 0, false
	}
	parts := strings.Split(left[:dot], ".")
	if len(parts) != 4 || parts[0] != "hd" || !isTicketNumber(parts[1]) {
		return "", 0, false
	}
	e, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return parts[1], e, true
}

func (m MessageIDs) sign(s string) string {
	h := hmac.New(sha256.New, m.Secret)
	h.Write([]byte("message-id:" + s))
	return hex.EncodeToString(h.Sum(nil))[:12]
}
