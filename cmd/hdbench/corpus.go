package main

// The inbound mail corpus: what a Kemensos helpdesk mailbox receives,
// generated from a seed so that two runs ingest the same bytes.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
)

// Kinds of corpus messages.
const (
	mailNew        = "new"         // a new complaint
	mailReplyToken = "reply-token" // a reply to an existing ticket, threaded by [#NNNNNN]
	mailReplyIRT   = "reply-irt"   // a reply to an earlier complaint, threaded by In-Reply-To
)

type corpusMail struct {
	Kind      string
	MessageID string // without <>
	From      string
	Raw       []byte
	// Target is the complaint a reply-irt answers (an index in the corpus);
	// TargetNumber the ticket a reply-token answers.
	Target       int
	TargetNumber string
	HasAttach    bool
	Charset      string
}

// seededTicket is a ticket the seed wrote, known to the generator so that
// replies and page views can name it.
type seededTicket struct {
	Number     string
	Department int
	OwnerEmail string
	OwnerName  string
	Subject    string
	Regency    string
}

type sender struct {
	Name, Email, Regency string
	Office               bool
}

const helpdeskAddress = "helpdesk@kemsos.go.id"

// corpusOpts says what to generate.
type corpusOpts struct {
	N       int
	Seed    uint64
	Senders int
	Tickets []seededTicket // reply-token targets; none: all replies thread by In-Reply-To
	Start   time.Time
}

func makeSenders(seed uint64, n int) []sender {
	g := newTextGen(seed, 1)
	out := make([]sender, n)
	for i := range out {
		k := g.pick(regencies)
		if i%10 == 9 {
			slug := strings.ToLower(strings.ReplaceAll(k, " ", ""))
			out[i] = sender{Name: "Dinas Sosial Kabupaten " + k, Email: fmt.Sprintf("dinsos.%s%d@gmail.com", slug, i), Regency: k, Office: true}
			continue
		}
		name := g.name()
		out[i] = sender{Name: name, Email: emailOf(name, 7000+i), Regency: k}
	}
	return out
}

// makeCorpus generates the messages in delivery order: 70% new complaints
// from a few hundred senders, 30% replies; a quarter carry 10–200 KB of
// attachments; a fifth are not UTF-8.
func makeCorpus(o corpusOpts) []*corpusMail {
	senders := makeSenders(o.Seed, o.Senders)
	out := make([]*corpusMail, 0, o.N)
	var complaints []int
	for i := 0; i < o.N; i++ {
		r := rand.New(rand.NewPCG(o.Seed, uint64(1000+i)))
		g := textGen{r: r}
		at := o.Start.Add(time.Duration(i) * 3 * time.Second)
		kind := mailNew
		if len(out) > 0 && r.IntN(100) < 30 {
			kind = mailReplyIRT
			if len(o.Tickets) > 0 && r.IntN(3) > 0 {
				kind = mailReplyToken
			}
		}
		m := &corpusMail{Kind: kind, Target: -1}
		b := &mailBuilder{r: r, g: g}
		b.charset = "utf-8"
		switch x := r.IntN(100); {
		case x < 10:
			b.charset = "iso-8859-1"
		case x < 20:
			b.charset = "windows-1252"
		}
		b.attach = r.IntN(100) < 25
		b.html = r.IntN(100) < 40
		m.Charset, m.HasAttach = b.charset, b.attach
		m.MessageID = fmt.Sprintf("CA%016x.%d@mail.gmail.com", r.Uint64(), i)
		switch kind {
		case mailNew:
			s := senders[r.IntN(len(senders))]
			m.From = s.Email
			subj := g.subject(s.Regency)
			var extra []string
			switch b.charset {
			case "iso-8859-1":
				extra = append(extra, g.pick(latinSentences))
				subj += " (± 3 bulan)"
			case "windows-1252":
				extra = append(extra, g.pick(cp1252Sentences))
				subj += " – mohon bantuan"
			}
			body := g.complaint(s.Name, s.Regency, 3, 8, extra)
			m.Raw = b.build(s.Name, s.Email, subj, body, m.MessageID, nil, at)
			complaints = append(complaints, len(out))
		case mailReplyIRT:
			ti := complaints[r.IntN(len(complaints))]
			t := out[ti]
			m.Target = ti
			m.From = t.From
			subj := "Re: " + headerValue(t.Raw, "Subject")
			name := displayName(t.Raw)
			body := g.reply(name, g.pick(regencies)) + "\n" + quoteOf(t.Raw, at)
			m.Raw = b.build(name, t.From, subj, body, m.MessageID, []string{t.MessageID}, at)
		case mailReplyToken:
			t := o.Tickets[r.IntN(len(o.Tickets))]
			m.TargetNumber = t.Number
			m.From = t.OwnerEmail
			subj := "Re: " + t.Subject + " [#" + t.Number + "]"
			// The reply answers a notice whose Message-ID the helpdesk
			// signed; a client that drops In-Reply-To is common, so only
			// the subject token threads it.
			body := g.reply(t.OwnerName, t.Regency)
			m.Raw = b.build(t.OwnerName, t.OwnerEmail, subj, body, m.MessageID, nil, at)
		}
		out = append(out, m)
	}
	return out
}

type mailBuilder struct {
	r       *rand.Rand
	g       textGen
	charset string
	attach  bool
	html    bool
}

func (b *mailBuilder) build(name, email, subject, body, mid string, inReplyTo []string, at time.Time) []byte {
	var h bytes.Buffer
	fmt.Fprintf(&h, "Return-Path: <%s>\r\n", email)
	fmt.Fprintf(&h, "Received: from mail-sor-f%02d.google.com (mail-sor-f%02d.google.com [209.85.220.%d])\r\n\tby mx.kemsos.go.id (Postfix) with ESMTPS id %X\r\n\tfor <%s>; %s\r\n",
		b.r.IntN(80), b.r.IntN(80), b.r.IntN(250), b.r.Uint32(), helpdeskAddress, at.Format(time.RFC1123Z))
	fmt.Fprintf(&h, "From: %s <%s>\r\n", mime.QEncoding.Encode("utf-8", name), email)
	fmt.Fprintf(&h, "To: Helpdesk Kemensos <%s>\r\n", helpdeskAddress)
	fmt.Fprintf(&h, "Subject: %s\r\n", b.encodeSubject(subject))
	fmt.Fprintf(&h, "Date: %s\r\n", at.Format(time.RFC1123Z))
	fmt.Fprintf(&h, "Message-ID: <%s>\r\n", mid)
	if len(inReplyTo) > 0 {
		fmt.Fprintf(&h, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo[0], strings.Join(inReplyTo, "> <"))
	}
	if b.r.IntN(2) == 0 {
		h.WriteString("X-Mailer: Microsoft Outlook 16.0\r\n")
	}
	h.WriteString("MIME-Version: 1.0\r\n")

	// The readable part: plain text, or plain and HTML alternatives. It
	// starts with its own header lines, so a single-part message simply
	// continues the top-level header with them.
	part := b.textPart(body)
	if b.html {
		bd := fmt.Sprintf("000000000000%012x", b.r.Uint64()&0xffffffffffff)
		part = fmt.Sprintf("Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n--%s\r\n%s\r\n--%s\r\n%s\r\n--%s--\r\n",
			bd, bd, part, bd, b.htmlPart(body), bd)
	}
	if !b.attach {
		h.WriteString(part)
		return h.Bytes()
	}
	bd := fmt.Sprintf("000000000000%012x", b.r.Uint64()&0xffffffffffff)
	fmt.Fprintf(&h, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", bd, bd)
	h.WriteString(part)
	n := 1 + b.r.IntN(2)
	total := 10<<10 + b.r.IntN(190<<10)
	for i := 0; i < n; i++ {
		size := total / n
		fname, ct := b.attachmentName(i)
		fmt.Fprintf(&h, "\r\n--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			bd, ct, fname, fname)
		writeBase64(&h, randomBytes(b.r, size))
	}
	fmt.Fprintf(&h, "\r\n--%s--\r\n", bd)
	return h.Bytes()
}

func (b *mailBuilder) attachmentName(i int) (string, string) {
	switch b.r.IntN(4) {
	case 0:
		return fmt.Sprintf("KTP_%d.jpg", b.r.IntN(1000)), "image/jpeg"
	case 1:
		return fmt.Sprintf("KK_%d.pdf", b.r.IntN(1000)), "application/pdf"
	case 2:
		return fmt.Sprintf("IMG-2024%04d-WA%04d.jpg", b.r.IntN(1300), i), "image/jpeg"
	}
	return "surat_pengantar_desa.pdf", "application/pdf"
}

// encodeSubject writes the subject as the sender's client would: RFC 2047
// in the message's charset when it is not ASCII, sometimes even when it is.
func (b *mailBuilder) encodeSubject(s string) string {
	switch b.charset {
	case "iso-8859-1", "windows-1252":
		return mime.QEncoding.Encode(b.charset, string(toSingleByte(s, b.charset)))
	}
	if !isASCII(s) || b.r.IntN(10) == 0 {
		return mime.BEncoding.Encode("UTF-8", s)
	}
	return s
}

// textPart is the plain-text part with its header: quoted-printable, in
// the message's charset.
func (b *mailBuilder) textPart(body string) string {
	var enc bytes.Buffer
	w := quotedprintable.NewWriter(&enc)
	if b.charset == "utf-8" {
		w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	} else {
		w.Write(toSingleByte(strings.ReplaceAll(body, "\n", "\r\n"), b.charset))
	}
	w.Close()
	return fmt.Sprintf("Content-Type: text/plain; charset=\"%s\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", b.charset, enc.String())
}

func (b *mailBuilder) htmlPart(body string) string {
	var hb strings.Builder
	hb.WriteString(`<div dir="ltr">`)
	for _, para := range strings.Split(strings.TrimSpace(body), "\n\n") {
		hb.WriteString("<div>")
		hb.WriteString(strings.ReplaceAll(htmlEscape(para), "\n", "<br>"))
		hb.WriteString("</div><div><br></div>")
	}
	hb.WriteString("</div>\n")
	var enc bytes.Buffer
	w := quotedprintable.NewWriter(&enc)
	if b.charset == "utf-8" {
		w.Write([]byte(hb.String()))
	} else {
		w.Write(toSingleByte(hb.String(), b.charset))
	}
	w.Close()
	return fmt.Sprintf("Content-Type: text/html; charset=\"%s\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", b.charset, enc.String())
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// cp1252 holds the windows-1252 code points above 0x7f that differ from
// Latin-1, the ones the corpus uses.
var cp1252 = map[rune]byte{'–': 0x96, '—': 0x97, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '…': 0x85, '€': 0x80}

// toSingleByte encodes s in iso-8859-1 or windows-1252; characters the
// charset lacks become '?', as a sending client would make them.
func toSingleByte(s, charset string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			out = append(out, byte(r))
		case charset == "windows-1252" && cp1252[r] != 0:
			out = append(out, cp1252[r])
		case r >= 0xa0 && r <= 0xff:
			out = append(out, byte(r))
		default:
			out = append(out, '?')
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// writeBase64 writes data in 76-character lines (RFC 2045 section 6.8).
func writeBase64(w *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		w.WriteString(enc[:76])
		w.WriteString("\r\n")
		enc = enc[76:]
	}
	w.WriteString(enc)
	w.WriteString("\r\n")
}

// headerValue returns a header of a generated message, decoded.
func headerValue(raw []byte, name string) string {
	hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(hdr), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			v = strings.TrimSpace(v)
			dec := &mime.WordDecoder{CharsetReader: charset.Reader}
			if d, err := dec.DecodeHeader(v); err == nil {
				return d
			}
			return v
		}
	}
	return ""
}

func displayName(raw []byte) string {
	from := headerValue(raw, "From")
	if i := strings.Index(from, " <"); i > 0 {
		return from[:i]
	}
	return from
}

// quoteOf is the quoted original under a reply, as Gmail writes it.
func quoteOf(raw []byte, at time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pada %s, Helpdesk Kemensos <%s> menulis:\n", at.Add(-time.Hour).Format("Mon, 2 Jan 2006 15.04"), helpdeskAddress)
	b.WriteString("> Yth. Bapak/Ibu,\n>\n> Pengaduan Anda sudah kami terima dan akan segera ditindaklanjuti.\n> Nomor tiket Anda tercantum pada subjek surel ini.\n>\n> Salam,\n> Helpdesk Kemensos\n")
	return b.String()
}

// bigMessage is one message of about size bytes, nearly all of it one
// base64 attachment: the largest mail the intake takes whole.
func bigMessage(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 99))
	b := &mailBuilder{r: r, g: textGen{r: r}, charset: "utf-8"}
	var h bytes.Buffer
	bd := "000000000000bigbigbigbig"
	fmt.Fprintf(&h, "From: Dinas Sosial Kabupaten Garut <dinsos.garut@gmail.com>\r\nTo: %s\r\nSubject: Berkas usulan DTKS (scan)\r\nDate: %s\r\nMessage-ID: <big.%d@mail.gmail.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n",
		helpdeskAddress, time.Now().Format(time.RFC1123Z), seed, bd, bd)
	h.WriteString(b.textPart(b.g.complaint("Dinas Sosial Kabupaten Garut", "Garut", 3, 5, nil)))
	fmt.Fprintf(&h, "\r\n--%s\r\nContent-Type: application/pdf; name=\"scan_berkas_usulan.pdf\"\r\nContent-Disposition: attachment; filename=\"scan_berkas_usulan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", bd)
	// base64 grows data by 4/3 and the line ends add 2 bytes per 76.
	data := (size - h.Len() - 100) * 57 / 78
	writeBase64(&h, randomBytes(r, data))
	fmt.Fprintf(&h, "\r\n--%s--\r\n", bd)
	return h.Bytes()
}
