package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kemsos/helpdesk/outbound"
	"github.com/kemsos/helpdesk/tickets"
)

func TestWebAgentWorksATicketFromQueueToTransfer(t *testing.T) {
	e := newWebEnv(t)
	ctx := context.Background()
	jar, err := e.store.CreateDepartment(ctx, "Jaringan")
	if err != nil {
		t.Fatal(err)
	}
	owner := e.citizen("izzah@example.id", "Izzah Annisa")
	num := openViaWeb(t, owner, "Pemindahan lokasi kantor PPKH")
	ag, a := e.agent("petugas@kemsos.go.id", false, "Support")

	q := ag.get("/agent")
	for _, want := range []string{num, "Pemindahan lokasi kantor PPKH", "Izzah Annisa", "Normal", "Support", "Belum Ditugaskan", "Terlambat"} {
		if !strings.Contains(q.body, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	if r := ag.get("/agent?tab=mine"); strings.Contains(r.body, ">"+num+"<") {
		t.Error("unclaimed ticket in My tickets")
	}
	if r := ag.get("/agent?q=" + num); !strings.Contains(r.body, ">"+num+"<") {
		t.Error("search by number misses it")
	}
	page := ag.get("/agent/tickets/" + num)
	for _, want := range []string{"Klaim", "Default SLA", "Belum ditugaskan", "081234567890", "izzah@example.id", "Data Terpadu", "Batas waktu"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	if r := ag.post("/agent/tickets/"+num+"/claim", nil); r.code != http.StatusSeeOther {
		t.Fatalf("claim: %d", r.code)
	} else if r := ag.follow(r); !strings.Contains(r.body, "Tiket diklaim.") || !strings.Contains(r.body, a.Name+" mengklaim tiket ini") {
		t.Errorf("after claim: %s", snippet(r.body))
	}
	if r := ag.get("/agent?tab=mine"); !strings.Contains(r.body, ">"+num+"<") {
		t.Error("claimed ticket not in My tickets")
	}
	// A failed response keeps what was typed.
	ag.get("/agent/tickets/" + num)
	r := ag.postMultipart("/agent/tickets/"+num+"/respond", url.Values{"message": {"Jawaban panjang"}, "status": {"resolved"}}, upload{"x.exe", []byte("MZ")})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Jawaban panjang") || !strings.Contains(r.body, `value="resolved" selected`) {
		t.Fatalf("failed respond: %d", r.code)
	}
	r = ag.postMultipart("/agent/tickets/"+num+"/respond", url.Values{"message": {"Sudah kami proses"}, "status": {"resolved"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("respond: %d %s", r.code, snippet(r.body))
	}
	tk, _ := e.store.TicketByNumber(ctx, num)
	if tk.Status != tickets.StatusResolved || !tk.LastResponseAt.Valid {
		t.Fatalf("after respond: %+v", tk)
	}
	ag.get("/agent/tickets/" + num)
	if r := ag.post("/agent/tickets/"+num+"/priority", url.Values{"priority": {"high"}}); r.code != http.StatusSeeOther {
		t.Fatalf("priority: %d", r.code)
	}
	if r := ag.post("/agent/tickets/"+num+"/status", url.Values{"status": {"open"}}); r.code != http.StatusSeeOther {
		t.Fatalf("status: %d", r.code)
	}
	// Transfer needs a reason; the page says so and keeps the choice.
	tf := ag.get("/agent/tickets/" + num + "/transfer")
	if !strings.Contains(tf.body, "Jaringan") || strings.Contains(tf.body, `>Support<`) {
		t.Errorf("transfer form: %s", snippet(tf.body))
	}
	r = ag.post("/agent/tickets/"+num+"/transfer", url.Values{"department": {strconv.Itoa(jar.ID)}, "reason": {" "}})
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Alasan transfer wajib diisi.") || !strings.Contains(r.body, `selected>Jaringan`) {
		t.Fatalf("transfer without reason: %d %s", r.code, snippet(r.body))
	}
	r = ag.post("/agent/tickets/"+num+"/transfer", url.Values{"department": {strconv.Itoa(jar.ID)}, "reason": {"Masalah jaringan VPN"}})
	if r.code != http.StatusSeeOther || r.h.Get("Location") != "/agent" {
		t.Fatalf("transfer: %d %s", r.code, r.h.Get("Location"))
	}
	// Out of the agent's departments: the queue says where it went.
	if r := ag.follow(r); !strings.Contains(r.body, "Tiket #"+num+" dialihkan ke Jaringan.") || strings.Contains(r.body, ">"+num+"<") {
		t.Errorf("after transfer: %s", snippet(r.body))
	}
	// Now another department's ticket: invisible to this agent.
	if r := ag.get("/agent/tickets/" + num); r.code != http.StatusNotFound {
		t.Fatalf("other department's ticket: %d", r.code)
	}
	if r := ag.post("/agent/tickets/"+num+"/claim", nil); r.code != http.StatusNotFound {
		t.Fatalf("claim in other department: %d", r.code)
	}
	if r := ag.post("/agent/tickets/"+num+"/note", url.Values{"message": {"x"}}); r.code != http.StatusNotFound {
		t.Fatalf("note in other department: %d", r.code)
	}
	admin, _ := e.agent("admin@kemsos.go.id", true)
	// The reason is for agents: an internal note next to the event.
	if r := admin.get("/agent/tickets/" + num); r.code != 200 || !strings.Contains(r.body, "mentransfer tiket dari Support ke Jaringan (alasan di catatan internal berikut)") ||
		!strings.Contains(r.body, "Masalah jaringan VPN") {
		t.Fatalf("admin view after transfer: %d", r.code)
	}
	// The citizen sees the transfer, translated, and the response, but
	// not the reason.
	cp := owner.get("/tickets/" + num)
	for _, want := range []string{"Sudah kami proses", "Jaringan", "mentransfer tiket"} {
		if !strings.Contains(cp.body, want) {
			t.Errorf("citizen view lacks %q", want)
		}
	}
	if strings.Contains(cp.body, "Masalah jaringan VPN") {
		t.Error("the citizen sees the internal transfer reason")
	}
	// Citizens and anonymous visitors are sent to the agent sign-in.
	if r := owner.get("/agent"); r.code != http.StatusSeeOther || !strings.HasPrefix(r.h.Get("Location"), "/agent/login") {
		t.Errorf("citizen on /agent: %d", r.code)
	}
}

func TestWebAdminAreaIsForAdminsOnly(t *testing.T) {
	e := newWebEnv(t)
	ag, _ := e.agent("biasa@kemsos.go.id", false, "Support")
	for _, p := range []string{"/admin/agents", "/admin/departments", "/admin/topics", "/admin/apikeys"} {
		if r := ag.get(p); r.code != http.StatusForbidden {
			t.Errorf("%s for a plain agent: %d", p, r.code)
		}
	}
	ag.get("/agent")
	if r := ag.post("/admin/apikeys", url.Values{"name": {"curi"}}); r.code != http.StatusForbidden {
		t.Errorf("create key as plain agent: %d", r.code)
	}
	ad, _ := e.agent("admin@kemsos.go.id", true)
	ad.get("/admin/departments")
	if r := ad.post("/admin/departments", url.Values{"name": {"Jaringan"}}); r.code != http.StatusSeeOther {
		t.Fatalf("add department: %d %s", r.code, snippet(r.body))
	}
	if r := ad.formFailed(ad.post("/admin/departments", url.Values{"name": {"jaringan"}}), "/admin/departments"); !strings.Contains(r.body, "sudah dipakai") ||
		!strings.Contains(r.body, `value="jaringan"`) || !strings.Contains(r.body, `href="#d-name"`) {
		t.Fatalf("duplicate department: %d %s", r.code, snippet(r.body))
	}
	r := ad.post("/admin/apikeys", url.Values{"name": {"SIKS-NG"}})
	key := regexp.MustCompile(`<code class="key">(hd_[a-z0-9]+)</code>`).FindStringSubmatch(r.body)
	if r.code != 200 || key == nil {
		t.Fatalf("create key: %d %s", r.code, snippet(r.body))
	}
	if r := ad.get("/admin/apikeys"); strings.Contains(r.body, key[1]) {
		t.Fatal("the key is shown again")
	}
	var out map[string]any
	if code := e.apiWithKey(key[1], "GET", "/api/v1/tickets", nil, &out); code != 200 {
		t.Fatalf("new key: %d", code)
	}
	ks, _ := e.store.APIKeys(context.Background())
	id := ks[len(ks)-1].ID
	ad.get("/admin/apikeys")
	if r := ad.post("/admin/apikeys/"+strconv.Itoa(id)+"/revoke", nil); r.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.code)
	}
	if code := e.apiWithKey(key[1], "GET", "/api/v1/tickets", nil, &out); code != 401 {
		t.Fatalf("revoked key: %d", code)
	}
	// Deactivating an agent signs them out.
	var agentID int
	e.db.Get(&agentID, `SELECT id FROM agents WHERE email = 'biasa@kemsos.go.id'`)
	ad.get("/admin/agents")
	if r := ad.post("/admin/agents/"+strconv.Itoa(agentID), url.Values{"departments": {"1"}}); r.code != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", r.code, snippet(r.body))
	}
	if r := ag.get("/agent"); r.code != http.StatusSeeOther {
		t.Fatalf("deactivated agent still served: %d", r.code)
	}
	// Back, with a new password set by the admin (agents have no mailed reset).
	if r := ad.post("/admin/agents/"+strconv.Itoa(agentID), url.Values{"departments": {"1"}, "active": {"1"}, "password": {"pendek"}}); !strings.Contains(ad.formFailed(r, "/admin/agents").body, "Kata sandi baru (kosongkan jika tetap): Kata sandi minimal 8 karakter.") {
		t.Fatalf("short password: %d %s", r.code, snippet(r.body))
	}
	if r := ad.post("/admin/agents/"+strconv.Itoa(agentID), url.Values{"departments": {"1"}, "active": {"1"}, "password": {"sandi-baru-2026"}}); r.code != http.StatusSeeOther {
		t.Fatalf("new password: %d %s", r.code, snippet(r.body))
	}
	if _, err := e.store.AuthenticateAgent(context.Background(), "biasa@kemsos.go.id", "sandi-baru-2026"); err != nil {
		t.Errorf("the admin's new password does not sign in: %v", err)
	}
	ad.get("/admin/topics")
	if r := ad.post("/admin/topics", url.Values{"name": {"Bansos PKH"}, "department": {"1"}}); r.code != http.StatusSeeOther {
		t.Fatalf("add topic: %d %s", r.code, snippet(r.body))
	}
}

func TestWebPagesCarrySecurityHeaders(t *testing.T) {
	e := newWebEnv(t)
	r := e.browser().get("/login")
	for k, v := range map[string]string{
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := r.h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") || strings.Contains(r.body, " onclick=") {
		t.Error("inline script or style in a page")
	}
	if r := e.browser().get("/static/style.css"); r.code != 200 || !strings.HasPrefix(r.h.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", r.code, r.h.Get("Content-Type"))
	}
}

func TestWebLanguageSwitchIsRemembered(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("bahasa@example.id", "Bahasa")
	b.get("/tickets")
	if r := b.post("/lang", url.Values{"lang": {"en"}, "next": {"/tickets"}}); r.code != http.StatusSeeOther || r.h.Get("Location") != "/tickets" {
		t.Fatalf("switch: %d %s", r.code, r.h.Get("Location"))
	}
	if r := b.get("/tickets"); !strings.Contains(r.body, "You have no tickets yet.") || !strings.Contains(r.body, `lang="en"`) {
		t.Fatal("not in English")
	}
	u, _ := e.store.UserByEmail(context.Background(), "bahasa@example.id")
	if u.Lang != "en" {
		t.Fatalf("users.lang = %q", u.Lang)
	}
	if r := b.post("/lang", url.Values{"lang": {"en"}, "next": {"//evil.example/"}}); r.h.Get("Location") != "/" {
		t.Fatalf("open redirect: %q", r.h.Get("Location"))
	}
}

// TestWebTranslationsCoverEveryKey checks that every key the templates and
// handlers name exists in both languages.
func TestWebTranslationsCoverEveryKey(t *testing.T) {
	keyRe := regexp.MustCompile(`"((?:site|nav|form|pager|thread|landing|login|agent_login|register|register_done|confirm|forgot|reset|mytickets|newticket|files|upload|ticket|col|ev|queue|tab|aticket|transfer|admin|flash|err|val|presence|caller|source|placeholder|att|mailkind|mailreason|mailstatus|account|status)\.[a-z0-9_]+)"`)
	var files []string
	for _, glob := range []string{"web_*.go", "../../templates/web/*.html", "../../templates/web/*/*.html"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "web_i18n.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			tr, ok := messages[m[1]]
			if !ok || tr[0] == "" || tr[1] == "" {
				t.Errorf("%s: %q missing from the translation table", f, m[1])
			}
		}
	}
	for _, prefix := range []string{"status.", "priority.", "tab.", "admin."} {
		var list []string
		switch prefix {
		case "status.":
			list = []string{"open", "resolved", "closed"}
		case "priority.":
			list = tickets.Priorities
		case "tab.":
			list = queueTabs
		case "admin.":
			list = []string{"agents", "departments", "topics", "apikeys", "canned"}
		}
		for _, k := range list {
			if _, ok := messages[prefix+k]; !ok {
				t.Errorf("%s%s missing", prefix, k)
			}
		}
	}
	// Ticket tools (issue 12): every kind of mail and reason the
	// undelivered-mail box can name, and every placeholder.
	for _, k := range outbound.NoticeKinds {
		if _, ok := messages["mailkind."+string(k)]; !ok {
			t.Errorf("mailkind.%s missing", k)
		}
	}
	for _, c := range []string{outbound.ReasonAlertBurst, outbound.ReasonAlertsWaiting, outbound.ReasonAutoresponses, outbound.ReasonTicketBurst, outbound.ReasonHourly,
		outbound.ReasonBouncing, outbound.ReasonAutomatic, outbound.ReasonEmptyPath, outbound.ReasonNoAutoreply, outbound.ReasonNoSender,
		outbound.ReasonRepeatedText, outbound.ReasonUnfiled, outbound.ReasonLoop, outbound.ReasonServer, outbound.ReasonUnknown} {
		if _, ok := messages["mailreason."+c]; !ok {
			t.Errorf("mailreason.%s missing", c)
		}
	}
	for _, p := range tickets.CannedPlaceholders {
		if _, ok := messages["placeholder."+p.ID]; !ok {
			t.Errorf("placeholder.%s missing", p.ID)
		}
	}
	for k := range validationMessages {
		if _, ok := messages[validationMessages[k]]; !ok {
			t.Errorf("validation key %s missing", validationMessages[k])
		}
	}
}
