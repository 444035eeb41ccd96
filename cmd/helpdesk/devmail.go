package main

import (
	"bytes"
	"html/template"
	"io"
	"net"
	"net/http"
	"regexp"

	"github.com/emersion/go-message/mail"
	"github.com/kemsos/helpdesk/outbound"
)

// The dev outbox: with no SMTP relay configured, mail is written to
// DATA_DIR/outbox and listed here, so a newcomer can click the
// confirmation link. Only for requests from this machine: the mails carry
// other people's links.

var devOutboxPage = template.Must(template.New("outbox").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dev outbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Dev outbox</h1>
<p>No SMTP relay is configured (HELPDESK_SMTP_URL), so mail is kept in {{.Dir}}. Newest first.</p>
<table><thead><tr><th>Date</th><th>To</th><th>Subject</th><th>Size</th></tr></thead><tbody>
{{range .Mails}}<tr><td>{{.ModTime.Format "2006-01-02 15:04:05"}}</td><td>{{.To}}</td><td><a href="/dev/outbox/{{.Name}}">{{.Subject}}</a></td><td>{{.Size}}</td></tr>
{{else}}<tr><td colspan="4">No mail yet.</td></tr>{{end}}
</tbody></table></body></html>`))

func (s *server) devRoutes() {
	if s.cfg.SMTPURL != "" {
		return
	}
	s.handle("GET /dev/outbox", s.localOnly(s.devOutbox))
	s.handle("GET /dev/outbox/{name}", s.localOnly(s.devOutboxMail))
}

func (s *server) localOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() || r.Header.Get("X-Forwarded-For") != "" {
			http.Error(w, "the dev outbox is only shown to this machine", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

func (s *server) devOutbox(w http.ResponseWriter, r *http.Request) {
	mails, err := outbound.ListDir(s.cfg.DataDir)
	if err != nil {
		s.log.Error("dev outbox", "err", err)
		http.Error(w, "cannot list the outbox", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	devOutboxPage.Execute(w, map[string]any{"Dir": s.cfg.DataDir + "/outbox", "Mails": mails})
}

var devMailPage = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Subject}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><p><a href="/dev/outbox">← Dev outbox</a> · <a href="?raw=1">raw message</a></p>
<dl>{{range .Headers}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
<pre style="white-space:pre-wrap">{{.Body}}</pre></body></html>`))

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

func (s *server) devOutboxMail(w http.ResponseWriter, r *http.Request) {
	data, err := outbound.ReadDir(s.cfg.DataDir, r.PathValue("name"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	mr, err := mail.CreateReader(bytes.NewReader(data))
	if r.URL.Query().Get("raw") != "" || err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(data)
		return
	}
	var headers [][2]string
	for _, k := range []string{"Date", "From", "To", "Subject", "Message-ID", "In-Reply-To", "Auto-Submitted"} {
		if v := mr.Header.Get(k); v != "" {
			if k == "Subject" {
				v, _ = mr.Header.Subject()
			}
			headers = append(headers, [2]string{k, v})
		}
	}
	var text string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" && text == "" {
				b, _ := io.ReadAll(p.Body)
				text = string(b)
			}
		}
	}
	// The text part with its links made clickable: escape everything, then
	// wrap what looks like a URL.
	esc := template.HTMLEscapeString(text)
	body := linkRE.ReplaceAllStringFunc(esc, func(u string) string {
		return `<a href="` + u + `">` + u + `</a>`
	})
	subject, _ := mr.Header.Subject()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	devMailPage.Execute(w, map[string]any{"Subject": subject, "Headers": headers, "Body": template.HTML(body)})
}
