package tickets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"
)

// CanonicalMessageID trims a Message-ID of blanks and angle brackets and
// lower-cases its domain (RFC 5322 §3.6.4: the id-right is a domain, which
// compares case-insensitively; the id-left does not). It is the one
// canonical form: the intake stores, threads and deduplicates on it, and
// the outbox records its own ids in it. "" when nothing usable is left (an
// empty id, one over RFC 5322's 998-character line, or one holding blanks,
// brackets or NUL), so such an id never threads.
func CanonicalMessageID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 998 || strings.ContainsAny(id, " \t\r\n<>\x00") {
		return ""
	}
	if at := strings.LastIndexByte(id, '@'); at >= 0 {
		id = id[:at] + strings.ToLower(id[at:])
	}
	return strings.ToValidUTF8(id, "\uFFFD")
}

// MessageIDs mints and verifies the helpdesk's own Message-IDs. Each names
// its ticket and entry and carries two MACs of 120 bits:
//
//   - one over the ticket and entry, so a reply threads to its ticket even
//     when the mail client dropped References or the stored id is gone,
//     and nobody can forge an id of ours for another ticket;
//   - one over that and the recipient, so a reply naming the id from the
//     address it was sent to proves that its sender received that mail:
//     proof of possession, which authenticates a reply for that ticket
//     where the sender's domain signs nothing (DESIGN.md, "Mail threading").
//
// The form is hd.NUMBER.ENTRY.NONCE.TMAC.RMAC@domain ("0" for a mail about
// no ticket). Ids of the first version (hd.NUMBER.ENTRY.NONCE.MAC, a 48-bit
// MAC) still thread, but prove nothing about who replies.
type MessageIDs struct {
	Secret []byte
	Domain string
}

var macText = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// macBytes is 120 bits: 24 base32 characters.
const macBytes = 15

// New returns a fresh id (without angle brackets) for a mail about the
// ticket's entry (0 when it concerns no entry) to recipient. ticketNumber
// is "" for a mail about no ticket.
func (m MessageIDs) New(ticketNumber string, entryID int64, recipient string) string {
	if ticketNumber == "" {
		ticketNumber = "0"
	}
	r := make([]byte, 4)
	rand.Read(r)
	left := "hd." + ticketNumber + "." + strconv.FormatInt(entryID, 10) + "." + hex.EncodeToString(r)
	return left + "." + m.mac("t", left, "") + "." + m.mac("r", left, NormalizeEmail(recipient)) + "@" + strings.ToLower(m.Domain)
}

// Verify returns the ticket number ("" for a mail about no ticket) and
// entry an id of ours names, and false for anyone else's id or a forged one.
func (m MessageIDs) Verify(id string) (ticketNumber string, entryID int64, ok bool) {
	p, ok := m.parse(id)
	if !ok {
		return "", 0, false
	}
	return p.number, p.entry, true
}

// SentTo reports whether id is ours and was minted for a mail to
// recipient: whoever replies from that address naming it received it.
func (m MessageIDs) SentTo(id, recipient string) bool {
	p, ok := m.parse(id)
	recipient = NormalizeEmail(recipient)
	if !ok || p.rmac == "" || recipient == "" {
		return false
	}
	return hmac.Equal([]byte(p.rmac), []byte(m.mac("r", p.left, recipient)))
}

type parsedID struct {
	left, number, rmac string
	entry              int64
}

func (m MessageIDs) parse(id string) (parsedID, bool) {
	id = CanonicalMessageID(id)
	at := strings.LastIndexByte(id, '@')
	if at < 0 || !strings.HasPrefix(id, "hd.") {
		return parsedID{}, false
	}
	parts := strings.Split(id[:at], ".")
	var p parsedID
	switch len(parts) {
	case 6:
		p.left = strings.Join(parts[:4], ".")
		if !hmac.Equal([]byte(parts[4]), []byte(m.mac("t", p.left, ""))) {
			return parsedID{}, false
		}
		p.rmac = parts[5]
	case 5: // the first version's ids
		p.left = strings.Join(parts[:4], ".")
		if !hmac.Equal([]byte(parts[4]), []byte(m.legacySign(p.left))) {
			return parsedID{}, false
		}
	default:
		return parsedID{}, false
	}
	if parts[1] != "0" && !isTicketNumber(parts[1]) {
		return parsedID{}, false
	}
	e, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return parsedID{}, false
	}
	if parts[1] != "0" {
		p.number = parts[1]
	}
	p.entry = e
	return p, true
}

func (m MessageIDs) mac(kind, left, recipient string) string {
	h := hmac.New(sha256.New, m.Secret)
	h.Write([]byte("helpdesk message-id\x00" + kind + "\x00" + left + "\x00" + recipient))
	return macText.EncodeToString(h.Sum(nil)[:macBytes])
}

func (m MessageIDs) legacySign(s string) string {
	h := hmac.New(sha256.New, m.Secret)
	h.Write([]byte("message-id:" + s))
	return hex.EncodeToString(h.Sum(nil))[:12]
}
