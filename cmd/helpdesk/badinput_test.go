package main

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/tickets"
)

// writes counts what a refused request must not have added to.
func (e *testEnv) writes() string {
	e.t.Helper()
	var n struct {
		Tickets int `db:"tickets"`
		Entries int `db:"entries"`
		Users   int `db:"users"`
		Blobs   int `db:"blobs"`
	}
	if err := e.db.Get(&n, `SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM entries) AS entries,
		(SELECT count(*) FROM users) AS users, (SELECT count(*) FROM blobs) AS blobs`); err != nil {
		e.t.Fatal(err)
	}
	return strconv.Itoa(n.Tickets) + " tickets, " + strconv.Itoa(n.Entries) + " entries, " + strconv.Itoa(n.Users) + " users, " + strconv.Itoa(n.Blobs) + " blobs"
}

func b64files(n int, name string, data []byte) []map[string]string {
	out := make([]map[string]string, n)
	for i := range out {
		out[i] = map[string]string{"name": name, "data": base64.StdEncoding.EncodeToString(data)}
	}
	return out
}

// Every bad input the API receives is a 4xx naming the field, and writes
// nothing: a line break where a header goes, a NUL PostgreSQL would refuse,
// a search of 20 000 words, files outside the upload policy.
func TestAPIBadInputIs4xxWithAFieldAndWritesNothing(t *testing.T) {
	e := newTestEnv(t)
	releaseMemory(t)
	tk := e.openViaAPI("Email kemsos penuh")
	e.store.CreateAgent(t.Context(), tickets.NewAgent{Email: "petugas@kemsos.go.id", Name: "Petugas", Departments: []string{"Support"}})
	open := func(kv ...any) map[string]any {
		m := map[string]any{"email": "warga@example.id", "name": "Warga", "subject": "Ringkasan", "message": "Isi pengaduan"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	entry := func(kv ...any) map[string]any {
		m := map[string]any{"agent_email": "petugas@kemsos.go.id", "kind": "response", "body": "Jawaban"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	entries := "/api/v1/tickets/" + tk.Number + "/entries"
	cases := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"CRLF in subject", "POST", "/api/v1/tickets", open("subject", "Halo\r\nBcc: semua@kemsos.go.id"), "subject"},
		{"LF in subject", "POST", "/api/v1/tickets", open("subject", "Halo\nBcc: semua@kemsos.go.id"), "subject"},
		{"NUL in subject", "POST", "/api/v1/tickets", open("subject", "Halo\x00"), "subject"},
		{"CRLF in name", "POST", "/api/v1/tickets", open("name", "Warga\r\nBcc: semua@kemsos.go.id"), "name"},
		{"NUL in name", "POST", "/api/v1/tickets", open("name", "War\x00ga"), "name"},
		{"CRLF in email", "POST", "/api/v1/tickets", open("email", "warga@example.id\r\nBcc: semua@kemsos.go.id"), "email"},
		{"NUL in email", "POST", "/api/v1/tickets", open("email", "warga\x00@example.id"), "email"},
		{"CRLF in cc", "POST", "/api/v1/tickets", open("cc", []string{"a@example.id\r\nBcc: b@example.id"}), "cc[0]"},
		{"NUL in topic", "POST", "/api/v1/tickets", open("topic", "Data Terpadu\x00"), "topic"},
		{"NUL in priority", "POST", "/api/v1/tickets", open("priority", "high\x00"), "priority"},
		{"20 000 attachments", "POST", "/api/v1/tickets", open("attachments", b64files(20000, "a.pdf", pdf)), "attachments"},
		{"eleven attachments", "POST", "/api/v1/tickets", open("attachments", b64files(tickets.MaxUploads+1, "a.pdf", pdf)), "attachments"},
		{"file over the limit", "POST", "/api/v1/tickets", open("attachments", b64files(1, "besar.pdf", make([]byte, tickets.MaxUploadSize+1))), "attachments[0]"},
		{"type not allowed", "POST", "/api/v1/tickets", open("attachments", b64files(1, "setup.exe", []byte("MZ"))), "attachments[0]"},
		{"a page posing as a photo", "POST", "/api/v1/tickets", open("attachments", b64files(1, "foto.png", []byte("<html><script>"))), "attachments[0]"},
		{"bad base64", "POST", "/api/v1/tickets", open("attachments", []map[string]string{{"name": "a.pdf", "data": "%%"}}), "attachments[0].data"},
		{"response with 20 000 attachments", "POST", entries, entry("attachments", b64files(20000, "a.pdf", pdf)), "attachments"},
		{"note with a program", "POST", entries, entry("kind", "note", "attachments", b64files(1, "x.bat", []byte("@echo"))), "attachments[0]"},
		{"NUL in agent_email", "POST", entries, entry("agent_email", "petugas\x00@kemsos.go.id"), "agent_email"},
		{"NUL in status", "POST", entries, entry("status", "resolved\x00"), "status"},
		{"NUL in search", "GET", "/api/v1/tickets?q=vpn%00", nil, "q"},
		{"invalid UTF-8 in search", "GET", "/api/v1/tickets?q=vpn%FF%FE", nil, "q"},
		{"20 000 words", "GET", "/api/v1/tickets?q=" + url.QueryEscape(strings.Repeat("kata ", 20000)), nil, "q"},
		{"NUL in department filter", "GET", "/api/v1/tickets?department=Support%00", nil, "department"},
		{"invalid UTF-8 in department filter", "GET", "/api/v1/tickets?department=Sup%FFport", nil, "department"},
		{"NUL in status filter", "GET", "/api/v1/tickets?status=open%00", nil, "status"},
		{"NUL in transfer department", "PATCH", "/api/v1/tickets/" + tk.Number, map[string]any{"department": "Data\x00", "reason": "x"}, "department"},
	}
	before := e.writes()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out apiErr
			code := e.api(c.method, c.path, c.body, &out)
			if code < 400 || code > 499 || out.Error == "" {
				t.Errorf("status %d error %q, want a 4xx with a message", code, out.Error)
			}
			if out.Fields[c.field] == "" {
				t.Errorf("no message for %q: %+v", c.field, out.Fields)
			}
			if now := e.writes(); now != before {
				t.Errorf("wrote: %s, was %s", now, before)
			}
		})
	}
}

// The same for the web: the form comes back with the field's message
// (after a redirect to its page), or for bytes no browser sends, an error
// page naming the field.
func TestWebBadInputIs4xxWithAMessageAndWritesNothing(t *testing.T) {
	e := newWebEnv(t)
	citizen := e.citizen("izzah@example.id", "Izzah Annisa")
	num := openViaWeb(t, citizen, "Surat pindah alamat")
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	admin, _ := e.agent("admin@kemsos.go.id", true)
	anon := e.browser()
	ticketForm := func(kv ...string) url.Values {
		v := url.Values{"topic": {"2"}, "subject": {"Ringkasan"}, "message": {"Isi pengaduan"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	const badText = "berisi karakter yang tidak dapat disimpan"
	cases := []struct {
		name      string
		b         *browser
		page      string // fetched first, for the form's token
		method    string
		path      string
		form      url.Values
		multipart bool
		files     []upload
		want      string
	}{
		{"CRLF in subject", citizen, "/tickets/new", "POST", "/tickets", ticketForm("subject", "Halo\r\nBcc: semua@kemsos.go.id"), true, nil, "harus satu baris"},
		{"NUL in subject", citizen, "/tickets/new", "POST", "/tickets", ticketForm("subject", "Halo\x00"), true, nil, badText},
		{"invalid UTF-8 in message", citizen, "/tickets/new", "POST", "/tickets", ticketForm("message", "Isi \xff\xfe"), true, nil, badText},
		{"program attached", citizen, "/tickets/new", "POST", "/tickets", ticketForm(), true, []upload{{"setup.exe", []byte("MZ")}}, "tidak diterima"},
		{"NUL in reply", citizen, "/tickets/" + num, "POST", "/tickets/" + num + "/reply", url.Values{"message": {"balas\x00"}}, true, nil, badText},
		{"NUL in login", anon, "/login", "POST", "/login", url.Values{"login": {"izzah\x00"}, "password": {"rahasia-123"}}, false, nil, badText},
		{"invalid UTF-8 in login", anon, "/login", "POST", "/login", url.Values{"login": {"izzah\xff"}, "password": {"rahasia-123"}}, false, nil, badText},
		{"NUL in registration", anon, "/register", "POST", "/register", url.Values{"email": {"baru@example.id"}, "name": {"Baru\x00"}, "address": {"Jalan 1"},
			"phone": {"081234567890"}, "timezone": {"Asia/Jakarta"}, "password": {"rahasia-123"}, "confirm": {"rahasia-123"}}, false, nil, badText},
		{"NUL in forgotten password", anon, "/account/forgot", "POST", "/account/forgot", url.Values{"email": {"izzah@example.id\x00"}}, false, nil, badText},
		{"NUL in response", ag, "/agent/tickets/" + num, "POST", "/agent/tickets/" + num + "/respond", url.Values{"message": {"jawab\x00"}}, true, nil, badText},
		{"NUL in note", ag, "/agent/tickets/" + num, "POST", "/agent/tickets/" + num + "/note", url.Values{"message": {"catat\x00"}}, false, nil, badText},
		{"NUL in transfer reason", ag, "/agent/tickets/" + num + "/transfer", "POST", "/agent/tickets/" + num + "/transfer", url.Values{"department": {"1"}, "reason": {"salah\x00"}}, false, nil, badText},
		{"NUL in admin's new department", admin, "/admin/departments", "POST", "/admin/departments", url.Values{"name": {"Data\x00"}}, false, nil, badText},
		{"NUL in queue search", ag, "", "GET", "/agent?q=vpn%00", nil, false, nil, "tidak dapat dicari"},
		{"invalid UTF-8 in queue search", ag, "", "GET", "/agent?q=vpn%FF", nil, false, nil, "tidak dapat dicari"},
		{"20 000 words in queue search", ag, "", "GET", "/agent?tab=closed&q=" + url.QueryEscape(strings.Repeat("kata ", 20000)), nil, false, nil, "terlalu panjang"},
	}
	before := e.writes()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.page != "" {
				c.b.get(c.page)
			}
			var r resp
			switch {
			case c.method == "GET":
				r = c.b.get(c.path)
			case c.multipart:
				r = c.b.postMultipart(c.path, c.form, c.files...)
			default:
				r = c.b.post(c.path, c.form)
			}
			if sentBack(r) {
				// A form with a field's error goes back to its page
				// (Post/Redirect/Get), which says what is wrong.
				r = c.b.follow(r)
			} else if r.code < 400 || r.code > 499 {
				t.Errorf("status %d, want a 4xx or back to the form: %s", r.code, snippet(r.body))
			}
			if !strings.Contains(r.body, c.want) {
				t.Errorf("page lacks %q: %s", c.want, snippet(r.body))
			}
			if now := e.writes(); now != before {
				t.Errorf("wrote: %s, was %s", now, before)
			}
		})
	}
}

// A NUL in a body the API takes (a message is free text) is dropped, not
// an error: the same text the web would have stored.
func TestAPIMessageWithNULIsStoredWithoutIt(t *testing.T) {
	e := newTestEnv(t)
	var tk apiTicket
	if code := e.api("POST", "/api/v1/tickets", map[string]any{"email": "warga@example.id", "subject": "S", "message": "Isi\x00 pengaduan"}, &tk); code != http.StatusCreated {
		t.Fatalf("open: %d", code)
	}
	if tk.Entries[0].Body != "Isi pengaduan" {
		t.Errorf("body %q", tk.Entries[0].Body)
	}
}
