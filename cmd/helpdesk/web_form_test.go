package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/kemsos/helpdesk/tickets"
)

// releaseMemory hands the test's big buffers back to the system when it
// ends: the fault tests measure their children's peak RSS, which on Linux
// starts at this process's own.
func releaseMemory(t *testing.T) {
	t.Cleanup(debug.FreeOSMemory)
}

// uploadTempDir points os.TempDir, where Go's multipart parsing and the
// upload spool put their files, at a directory of the test's own for the
// rest of the test. (Call it after anything that wants t.TempDir.)
func uploadTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return dir
}

// leftIn waits briefly for dir to be empty and returns what stayed.
func leftIn(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		names = names[:0]
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if len(names) == 0 || time.Now().After(deadline) {
			return names
		}
	}
}

func bigPDF(n int) []byte { return append(append([]byte{}, pdf...), make([]byte, n-len(pdf))...) }

// An anonymous visitor sends 9 MB files to every kind of form: to one that
// takes no files, to one that takes files without being signed in, to a
// guest reply with a made-up token, and with a forged form token. Each is
// refused, and the temporary directory is as empty afterwards as before.
func TestWebAnonymousUploadsLeaveNoTempFiles(t *testing.T) {
	e := newWebEnv(t)
	releaseMemory(t)
	anon := e.browser()
	anon.get("/login")
	dir := uploadTempDir(t)
	nine := upload{"surat.pdf", bigPDF(9 << 20)}
	for i := 0; i < 3; i++ {
		cases := []struct {
			path string
			form url.Values
			code int
		}{
			{"/login", url.Values{"login": {"a@b.id"}, "password": {"x"}}, http.StatusUnsupportedMediaType},
			{"/register", url.Values{"email": {"a@b.id"}}, http.StatusUnsupportedMediaType},
			{"/tickets", url.Values{"subject": {"x"}, "message": {"y"}, "topic": {"1"}}, http.StatusUnauthorized},
			{"/t/123456/reply", url.Values{"token": {"made-up"}, "message": {"y"}}, http.StatusNotFound},
			{"/tickets", url.Values{"csrf": {"forged"}, "subject": {"x"}}, http.StatusForbidden},
		}
		for _, c := range cases {
			if r := anon.postMultipart(c.path, c.form, nine); r.code != c.code {
				t.Errorf("%s: %d, want %d", c.path, r.code, c.code)
			}
		}
	}
	if left := leftIn(t, dir); len(left) > 0 {
		t.Errorf("anonymous uploads left %d temporary files: %v", len(left), left)
	}
}

// A legitimate 9 MB upload is spooled to disk while the form is handled,
// and the spool goes with the request, whatever the answer was.
func TestWebUploadTempFilesGoWithTheRequest(t *testing.T) {
	e := newWebEnv(t)
	releaseMemory(t)
	citizen := e.citizen("izzah@example.id", "Izzah Annisa")
	num := openViaWeb(t, citizen, "Surat pindah alamat")
	ag, _ := e.agent("petugas@kemsos.go.id", false, "Support")
	ag.get("/agent/tickets/" + num)
	citizen.get("/tickets/new")
	dir := uploadTempDir(t)

	r := ag.postMultipart("/agent/tickets/"+num+"/respond", url.Values{"message": {"Surat balasan terlampir"}}, upload{"balasan.pdf", bigPDF(9 << 20)})
	if r.code != http.StatusSeeOther {
		t.Fatalf("agent's 9 MB response: %d %s", r.code, snippet(r.body))
	}
	var size int64
	e.db.Get(&size, `SELECT max(size) FROM attachments`)
	if size != 9<<20 {
		t.Errorf("stored %d bytes of 9 MB", size)
	}
	if left := leftIn(t, dir); len(left) > 0 {
		t.Errorf("after a 9 MB response: %v", left)
	}
	// Refused ones: one file over the limit (the form says which), and a
	// request over the body limit (cut off while it streams in).
	r = citizen.postMultipart("/tickets", url.Values{"topic": {"2"}, "subject": {"S"}, "message": {"m"}}, upload{"kecil.pdf", pdf}, upload{"besar.pdf", bigPDF(tickets.MaxUploadSize + 1)})
	if r := citizen.formFailed(r, "/tickets/new"); !strings.Contains(r.body, `besar.pdf&#34; melebihi 10 MB`) || !strings.Contains(r.body, "<li>kecil.pdf</li>") {
		t.Errorf("file over the limit: %d %s", r.code, snippet(r.body))
	}
	big := bigPDF(9 << 20)
	r = citizen.postMultipart("/tickets", url.Values{"topic": {"2"}, "subject": {"S"}, "message": {"m"}}, upload{"1.pdf", big}, upload{"2.pdf", big}, upload{"3.pdf", big})
	if r.code != http.StatusRequestEntityTooLarge {
		t.Errorf("27 MB: %d", r.code)
	}
	if left := leftIn(t, dir); len(left) > 0 {
		t.Errorf("after refused uploads: %v", left)
	}
}

// The form token is checked before the body is read: a form whose first
// field is not the token is refused without waiting for the rest of it.
func TestWebFormTokenComesFirstAndIsCheckedBeforeTheRest(t *testing.T) {
	e := newWebEnv(t)
	b := e.citizen("izzah@example.id", "Izzah Annisa")
	b.get("/tickets/new")
	var tickets0 int
	// The right token, but last: browsers put it first, a forger's script
	// may not.
	body := "subject=x&message=y&topic=1&csrf=" + url.QueryEscape(b.csrf)
	req, _ := http.NewRequest("POST", b.base+"/account", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := b.do(req); r.code != http.StatusForbidden {
		t.Errorf("urlencoded token last: %d", r.code)
	}
	b.get("/tickets/new")
	cases := []struct {
		name, path, contentType, head string
		code                          int
	}{
		{"multipart with a file first", "/tickets", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.pdf\"\r\n\r\n", http.StatusForbidden},
		{"multipart with the token second", "/tickets", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nx\r\n--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + b.csrf + "\r\n--B\r\n", http.StatusForbidden},
		{"urlencoded without the token first", "/account", "application/x-www-form-urlencoded", "message=", http.StatusForbidden},
		{"multipart where no file is taken", "/login", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + b.csrf + "\r\n--B\r\n", http.StatusUnsupportedMediaType},
		{"not a form", "/login", "application/json", "{", http.StatusUnsupportedMediaType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The body never ends: the answer must come from its head.
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() {
				pw.Write([]byte(c.head))
				pw.Write(bytes.Repeat([]byte("A"), 64<<10))
			}()
			req, _ := http.NewRequest("POST", b.base+c.path, pr)
			req.Header.Set("Content-Type", c.contentType)
			req.ContentLength = 10 << 20 // as a browser says, and more than will come
			done := make(chan int, 1)
			go func() {
				resp, err := b.c.Do(req)
				if err != nil {
					done <- -1
					return
				}
				resp.Body.Close()
				done <- resp.StatusCode
			}()
			select {
			case code := <-done:
				if code != c.code {
					t.Errorf("%d, want %d", code, c.code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the server waited for the rest of the body")
			}
		})
	}
	e.db.Get(&tickets0, `SELECT count(*) FROM tickets`)
	if tickets0 != 0 {
		t.Errorf("%d tickets opened", tickets0)
	}
}

// A handler that panics after the files were spooled still leaves no
// temporary file behind.
func TestWebTempFilesGoEvenWhenTheHandlerPanics(t *testing.T) {
	e := newWebEnv(t)
	releaseMemory(t)
	b := e.browser()
	b.get("/login")
	spooled := make(chan int, 1)
	ts := httptest.NewServer(e.srv.webUploadPage(func(w http.ResponseWriter, r *http.Request) {
		n := 0
		for _, p := range webFrom(r).form.tmp {
			if _, err := os.Stat(p); err == nil {
				n++
			}
		}
		spooled <- n
		panic(http.ErrAbortHandler)
	}))
	defer ts.Close()
	dir := uploadTempDir(t)
	pb := *b
	pb.base = ts.URL
	body, ct := multipartBody(t, b.csrf, upload{"a.pdf", bigPDF(3 << 20)}, upload{"b.pdf", bigPDF(3 << 20)})
	req, _ := http.NewRequest("POST", ts.URL+"/", body)
	req.Header.Set("Content-Type", ct)
	if resp, err := pb.c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the handler answered %d", resp.StatusCode)
	}
	if n := <-spooled; n != 2 {
		t.Fatalf("%d files spooled, want 2: the test does not test the spool", n)
	}
	if left := leftIn(t, dir); len(left) > 0 {
		t.Errorf("a panicking handler left %v", left)
	}
}

// multipartBody is a form with the token first and files under
// "attachments".
func multipartBody(t *testing.T, token string, files ...upload) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n", token)
	for _, f := range files {
		fmt.Fprintf(&buf, "--B\r\nContent-Disposition: form-data; name=\"attachments\"; filename=%q\r\nContent-Type: application/pdf\r\n\r\n", f.name)
		buf.Write(f.data)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--B--\r\n")
	return &buf, "multipart/form-data; boundary=B"
}
