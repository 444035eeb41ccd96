package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

type apiTicket struct {
	Number     string  `json:"number"`
	Subject    string  `json:"subject"`
	Status     string  `json:"status"`
	Priority   string  `json:"priority"`
	Department string  `json:"department"`
	Topic      *string `json:"topic"`
	Source     string  `json:"source"`
	Owner      struct {
		Email, Name string
	} `json:"owner"`
	Assignee *struct {
		Email, Name string
	} `json:"assignee"`
	Collaborators []struct{ Email, Name string } `json:"collaborators"`
	CreatedAt     time.Time                      `json:"created_at"`
	DueAt         time.Time                      `json:"due_at"`
	Overdue       bool                           `json:"overdue"`
	Entries       []struct {
		Kind   string  `json:"kind"`
		Event  *string `json:"event"`
		Author struct {
			Email, Name string
			Agent       bool
		} `json:"author"`
		Body        string  `json:"body"`
		MessageID   *string `json:"message_id"`
		Attachments []struct {
			Name        string `json:"name"`
			ContentType string `json:"content_type"`
			Size        int64  `json:"size"`
			SHA256      string `json:"sha256"`
		} `json:"attachments"`
	} `json:"entries"`
}

type apiErr struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

func (e *testEnv) openViaAPI(subject string) apiTicket {
	e.t.Helper()
	var tk apiTicket
	code := e.api("POST", "/api/v1/tickets", map[string]any{
		"email": "fitri@yahoo.co.id", "name": "Izzah Annisa", "topic": "Internet/Jaringan", "subject": subject,
		"message":     "Bersama ini kami sampaikan permintaan pemindahan jaringan VPN IP.",
		"attachments": []map[string]string{{"name": "Surat Permintaan.docx", "data": base64.StdEncoding.EncodeToString([]byte("surat dinas"))}},
	}, &tk)
	if code != http.StatusCreated {
		e.t.Fatalf("open: %d", code)
	}
	return tk
}

func TestAPIOpenAndReadBackWithThread(t *testing.T) {
	e := newTestEnv(t)
	tk := e.openViaAPI("Pemindahan lokasi kantor PPKH Kabupaten Klaten")
	if len(tk.Number) != 6 || tk.Status != "open" || tk.Department != "Support" || *tk.Topic != "Internet/Jaringan" || tk.Source != "api" {
		t.Fatalf("ticket %+v", tk)
	}
	if d := tk.DueAt.Sub(tk.CreatedAt); d != 48*time.Hour {
		t.Errorf("due %v after creation, want 48h", d)
	}
	var got apiTicket
	if code := e.api("GET", "/api/v1/tickets/"+tk.Number, nil, &got); code != 200 {
		t.Fatalf("get: %d", code)
	}
	if len(got.Entries) != 2 || got.Entries[0].Kind != "message" || got.Entries[1].Kind != "event" {
		t.Fatalf("entries %+v", got.Entries)
	}
	m := got.Entries[0]
	if m.Author.Email != "fitri@yahoo.co.id" || m.Author.Agent || len(m.Attachments) != 1 {
		t.Errorf("message %+v", m)
	}
	a := m.Attachments[0]
	if a.Name != "Surat Permintaan.docx" || a.Size != 11 || len(a.SHA256) != 64 {
		t.Errorf("attachment %+v", a)
	}
}

func TestAPITransferAndStatusChangeShowAsEvents(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.store.CreateDepartment(ctx, "Data Terpadu")
	e.store.CreateAgent(ctx, tickets.NewAgent{Email: "budi@kemsos.go.id", Name: "Budi", Departments: []string{"Support", "Data Terpadu"}})
	tk := e.openViaAPI("Data DTKS tidak sesuai")

	var got apiTicket
	code := e.api("PATCH", "/api/v1/tickets/"+tk.Number, map[string]any{
		"department": "Data Terpadu", "reason": "Terkait data terpadu", "assignee": "budi@kemsos.go.id", "priority": "high",
	}, &got)
	if code != 200 || got.Department != "Data Terpadu" || got.Assignee == nil || got.Assignee.Email != "budi@kemsos.go.id" || got.Priority != "high" {
		t.Fatalf("patch: %d %+v", code, got)
	}
	code = e.api("POST", "/api/v1/tickets/"+tk.Number+"/entries", map[string]any{
		"agent_email": "budi@kemsos.go.id", "kind": "response", "body": "Data sudah diperbaiki.", "status": "resolved",
	}, &got)
	if code != 201 || got.Status != "resolved" {
		t.Fatalf("respond: %d %s", code, got.Status)
	}
	e.api("POST", "/api/v1/tickets/"+tk.Number+"/entries", map[string]any{"agent_email": "budi@kemsos.go.id", "kind": "note", "body": "cek ulang minggu depan"}, &got)
	var seq []string
	for _, en := range got.Entries {
		s := en.Kind
		if en.Event != nil {
			s += ":" + *en.Event
		}
		seq = append(seq, s)
	}
	// The transfer's reason is an internal note unless the citizen is told.
	want := "[message event:created event:transferred note event:assigned event:priority response event:status note]"
	if fmt.Sprint(seq) != want {
		t.Errorf("thread %v\nwant   %s", seq, want)
	} else if got.Entries[3].Body != "Terkait data terpadu" {
		t.Errorf("transfer reason note %q", got.Entries[3].Body)
	}
	for _, en := range got.Entries {
		if en.Event != nil && *en.Event == "transferred" && strings.Contains(en.Body, "Terkait data terpadu") {
			t.Errorf("the internal reason is in the event the citizen sees: %q", en.Body)
		}
		if en.Kind == "response" && (!en.Author.Agent || en.Author.Email != "budi@kemsos.go.id") {
			t.Errorf("response author %+v", en.Author)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	e := newTestEnv(t)
	tk := e.openViaAPI("Email kemsos penuh")
	cases := []struct {
		name   string
		key    string
		method string
		path   string
		body   any
		code   int
		field  string
	}{
		{"no key", "-", "GET", "/api/v1/tickets/" + tk.Number, nil, 401, ""},
		{"wrong key", "hd_wrong", "GET", "/api/v1/tickets", nil, 401, ""},
		{"unknown ticket", "", "GET", "/api/v1/tickets/999999", nil, 404, ""},
		{"bad json", "", "POST", "/api/v1/tickets", `{"email":`, 400, "body"},
		{"unknown field", "", "POST", "/api/v1/tickets", `{"emial":"a@b.id"}`, 400, "body"},
		{"missing fields", "", "POST", "/api/v1/tickets", map[string]any{"email": "a@b.id"}, 400, "subject"},
		{"bad email", "", "POST", "/api/v1/tickets", map[string]any{"email": "nope", "subject": "s", "message": "m"}, 400, "email"},
		{"unknown topic", "", "POST", "/api/v1/tickets", map[string]any{"email": "a@b.id", "subject": "s", "message": "m", "topic": "Sembako"}, 400, "topic"},
		{"bad base64", "", "POST", "/api/v1/tickets", map[string]any{"email": "a@b.id", "subject": "s", "message": "m", "attachments": []map[string]string{{"name": "a", "data": "%%"}}}, 400, "attachments[0].data"},
		{"bad status filter", "", "GET", "/api/v1/tickets?status=pending", nil, 400, "status"},
		{"unknown department filter", "", "GET", "/api/v1/tickets?department=Nope", nil, 400, "department"},
		{"bad page", "", "GET", "/api/v1/tickets?page=0", nil, 400, "page"},
		{"unknown agent", "", "POST", "/api/v1/tickets/" + tk.Number + "/entries", map[string]any{"agent_email": "x@y.id", "kind": "note", "body": "b"}, 400, "agent_email"},
		{"transfer without reason", "", "PATCH", "/api/v1/tickets/" + tk.Number, map[string]any{"department": "Support"}, 400, "reason"},
		{"bad status", "", "PATCH", "/api/v1/tickets/" + tk.Number, map[string]any{"status": "pending"}, 400, "status"},
		{"patch unknown ticket", "", "PATCH", "/api/v1/tickets/123456", map[string]any{"status": "closed"}, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := e.key
			if c.key == "-" {
				key = ""
			} else if c.key != "" {
				key = c.key
			}
			var out apiErr
			code := e.apiWithKey(key, c.method, c.path, c.body, &out)
			if code != c.code || out.Error == "" {
				t.Errorf("status %d error %q, want %d with a message", code, out.Error, c.code)
			}
			if c.field != "" && out.Fields[c.field] == "" {
				t.Errorf("no message for field %q: %+v", c.field, out)
			}
		})
	}
	// A rejected PATCH changes nothing.
	var got apiTicket
	e.api("GET", "/api/v1/tickets/"+tk.Number, nil, &got)
	if got.Status != "open" || len(got.Entries) != 2 {
		t.Errorf("a failed patch left changes: %s, %d entries", got.Status, len(got.Entries))
	}
}

func TestAPIAgentOfAnotherDepartmentIsForbidden(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.store.CreateDepartment(ctx, "Keuangan")
	e.store.CreateAgent(ctx, tickets.NewAgent{Email: "keu@kemsos.go.id", Name: "Keu", Departments: []string{"Keuangan"}})
	tk := e.openViaAPI("x")
	var out apiErr
	if code := e.api("POST", "/api/v1/tickets/"+tk.Number+"/entries", map[string]any{"agent_email": "keu@kemsos.go.id", "kind": "response", "body": "b"}, &out); code != 403 {
		t.Errorf("status %d, want 403", code)
	}
}

func TestAPIListSearchAndPaging(t *testing.T) {
	e := newTestEnv(t)
	for i := 0; i < 53; i++ {
		e.openViaAPI(fmt.Sprintf("Keluhan nomor %d", i))
	}
	e.openViaAPI("Kuota email Kemsos penuh")
	var page struct {
		Tickets  []apiTicket `json:"tickets"`
		NextPage *int        `json:"next_page"`
	}
	e.api("GET", "/api/v1/tickets?status=open&department=support", nil, &page)
	if len(page.Tickets) != 50 || page.NextPage == nil || *page.NextPage != 2 || page.Tickets[0].Entries != nil {
		t.Fatalf("page 1: %d tickets, next %v", len(page.Tickets), page.NextPage)
	}
	e.api("GET", "/api/v1/tickets?status=open&page=2", nil, &page)
	if len(page.Tickets) != 4 || page.NextPage != nil {
		t.Errorf("page 2: %d tickets, next %v", len(page.Tickets), page.NextPage)
	}
	e.api("GET", "/api/v1/tickets?q=kuota", nil, &page)
	if len(page.Tickets) != 1 || page.Tickets[0].Subject != "Kuota email Kemsos penuh" {
		t.Errorf("search: %+v", page.Tickets)
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	e := newTestEnv(t)
	e.openViaAPI("x")
	resp, err := http.Get(e.http.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp, err = http.Get(e.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	for _, want := range []string{`helpdesk_tickets_opened_total{source="api"} 1`, `helpdesk_http_request_duration_seconds_count{code="201",route="POST /api/v1/tickets"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	e.db.Close()
	resp, _ = http.Get(e.http.URL + "/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database closed: %d", resp.StatusCode)
	}
}
