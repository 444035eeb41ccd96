package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/kemsos/helpdesk/tickets"
)

// Reading a POST body. The CSRF token is the first field of every form
// (the templates put {{template "csrf"}} first, and browsers send fields
// in document order, urlencoded or multipart alike), so it is read and
// checked before anything else: a request without it is answered having
// read a few hundred bytes, and nothing of it is parsed or stored. A
// header carrying the token would need script on every form, and a
// cookie alone proves nothing about which page posted.
//
// Files are accepted only by the forms that take them (webUploadPage);
// elsewhere multipart is refused unread. Files are kept within the upload
// policy while they stream in (tickets.MaxUploads, MaxUploadSize: bytes
// past a limit are read and dropped, so the form can still say which file
// was at fault), small ones in memory and the rest in temporary files that
// webPage removes whatever the handler does.
const (
	// maxFormBody bounds a form without files: a message of
	// tickets.MaxBody, percent-encoded, and the other fields.
	maxFormBody = 4 << 20
	// maxUploadBody bounds a form with files: the policy's total and room
	// for the text fields and multipart framing.
	maxUploadBody = tickets.MaxUploadTotal + 1<<20
	// uploadMemory is how much of a request's files is kept in memory;
	// the rest goes to temporary files.
	uploadMemory = 1 << 20
	// maxFormParts bounds the parts of a multipart form (each costs a
	// header parse and a map entry).
	maxFormParts = 200
	maxTokenLen  = 256
)

// postForm is what was read of a form besides its text fields: the files,
// and the temporary files holding them.
type postForm struct {
	files   map[string][]*formFile
	kept    int   // files kept so far
	memLeft int64 // of uploadMemory
	tmp     []string
}

// formFile is one uploaded file: its bytes in memory or in a temporary
// file, at most tickets.MaxUploadSize+1 of them (one over says "too
// large"). A file past tickets.MaxUploads is counted but not kept.
type formFile struct {
	name    string
	data    []byte
	path    string
	dropped bool
}

func newPostForm() *postForm {
	return &postForm{files: map[string][]*formFile{}, memLeft: uploadMemory}
}

// removeAll deletes the form's temporary files.
func (f *postForm) removeAll() {
	for _, p := range f.tmp {
		os.Remove(p)
	}
	f.tmp = nil
}

// hasFiles reports whether the form carried files under field.
func (f *postForm) hasFiles(field string) bool {
	return f != nil && len(f.files[field]) > 0
}

func (ff *formFile) bytes() ([]byte, error) {
	if ff.path == "" {
		return ff.data, nil
	}
	return os.ReadFile(ff.path)
}

// addFile keeps one file part within the limits.
func (f *postForm) addFile(field, name string, part io.Reader) error {
	ff := &formFile{name: name}
	f.files[field] = append(f.files[field], ff)
	if f.kept == tickets.MaxUploads {
		ff.dropped = true
		_, err := io.Copy(io.Discard, part)
		return err
	}
	f.kept++
	lr := io.LimitReader(part, tickets.MaxUploadSize+1)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, lr, f.memLeft+1)
	if err != nil && err != io.EOF {
		return err
	}
	if n <= f.memLeft {
		ff.data, f.memLeft = buf.Bytes(), f.memLeft-n
	} else {
		tmp, err := os.CreateTemp("", "helpdesk-upload-")
		if err != nil {
			return err
		}
		f.tmp = append(f.tmp, tmp.Name())
		ff.path = tmp.Name()
		_, err = tmp.Write(buf.Bytes())
		if err == nil {
			_, err = io.Copy(tmp, lr)
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	_, err = io.Copy(io.Discard, part) // past the limit: read, not kept
	return err
}

// errFormToken is a form whose first field is not this visitor's token.
var errFormToken = errors.New("csrf token missing or not first")

// errBadText names a field holding what no browser sends and PostgreSQL
// cannot store: NUL bytes or invalid UTF-8.
type errBadText struct{ field string }

func (e errBadText) Error() string { return "form field " + e.field + ": NUL or invalid UTF-8" }

// readForm reads r's body into r.PostForm (and r.Form), the files into f,
// checking the token first. It answers the request itself and returns
// false when the form is not to be handled.
func (s *server) readForm(w http.ResponseWriter, r *http.Request, wc *webCtx, f *postForm, files bool) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch {
	case mt == "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		err = s.readURLEncoded(r, wc)
	case mt == "multipart/form-data" && files:
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
		err = s.readMultipart(r, wc, f)
	default:
		// Multipart where no files are taken, or no form at all: refused
		// unread (the server drains at most 256 KB of a body left unread,
		// then closes the connection).
		s.renderStatus(w, r, http.StatusUnsupportedMediaType, "err.bad_request")
		return false
	}
	if err == nil {
		err = checkFormText(r.PostForm)
	}
	var mbe *http.MaxBytesError
	var bad errBadText
	switch {
	case err == nil:
		return true
	case errors.Is(err, errFormToken):
		s.log.Warn("csrf token mismatch", "path", r.URL.Path, "ip", s.clientIP(r))
		s.renderStatus(w, r, http.StatusForbidden, "err.csrf")
	case errors.As(err, &mbe):
		s.renderStatus(w, r, http.StatusRequestEntityTooLarge, "err.too_large")
	case errors.As(err, &bad):
		p := s.newPage(nil, r, errorTitle(http.StatusBadRequest))
		p.Data = map[string]any{"Code": http.StatusBadRequest, "Message": "err.bad_text", "Field": bad.field}
		s.render(w, r, http.StatusBadRequest, "error", p)
	default:
		s.renderStatus(w, r, http.StatusBadRequest, "err.bad_request")
	}
	return false
}

// checkToken compares a form's token with the visitor's.
func (s *server) checkToken(wc *webCtx, name, token string) error {
	want := s.web.csrfToken(wc)
	if name != "csrf" || want == "" || !hmac.Equal([]byte(want), []byte(token)) {
		return errFormToken
	}
	return nil
}

func (s *server) readURLEncoded(r *http.Request, wc *webCtx) error {
	br := bufio.NewReader(r.Body)
	first, err := br.ReadSlice('&')
	if err == bufio.ErrBufferFull || len(first) > maxTokenLen+len("csrf=&") {
		return errFormToken
	}
	if err != nil && err != io.EOF {
		return err
	}
	name, token, _ := strings.Cut(strings.TrimSuffix(string(first), "&"), "=")
	if token, err = url.QueryUnescape(token); err != nil {
		return errFormToken
	}
	if err := s.checkToken(wc, name, token); err != nil {
		return err
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	if err := r.ParseForm(); err != nil {
		return err
	}
	r.PostForm.Set("csrf", token)
	r.Form.Set("csrf", token)
	return nil
}

func (s *server) readMultipart(r *http.Request, wc *webCtx, f *postForm) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return err
	}
	p, err := mr.NextPart()
	if err != nil {
		return err
	}
	if p.FormName() != "csrf" || p.FileName() != "" {
		return errFormToken
	}
	token, err := io.ReadAll(io.LimitReader(p, maxTokenLen+1))
	if err != nil {
		return err
	}
	if len(token) > maxTokenLen {
		return errFormToken
	}
	if err := s.checkToken(wc, "csrf", string(token)); err != nil {
		return err
	}
	values := url.Values{"csrf": {string(token)}}
	textLeft := int64(maxFormBody)
	for parts := 1; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if parts == maxFormParts {
			return errors.New("too many parts in the form")
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if p.FileName() != "" {
			if err := f.addFile(name, p.FileName(), p); err != nil {
				return err
			}
			continue
		}
		var b strings.Builder
		n, err := io.CopyN(&b, p, textLeft+1)
		if err != nil && err != io.EOF {
			return err
		}
		if textLeft -= n; textLeft < 0 {
			return &http.MaxBytesError{Limit: maxFormBody}
		}
		values.Add(name, b.String())
	}
	r.PostForm = values
	r.Form = r.URL.Query()
	for k, vs := range values {
		r.Form[k] = append(vs, r.Form[k]...)
	}
	return nil
}

// checkFormText refuses fields no browser sends, which PostgreSQL could
// not store either.
func checkFormText(v url.Values) error {
	for k, vs := range v {
		if !utf8.ValidString(k) || strings.IndexByte(k, 0) >= 0 {
			return errBadText{field: strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "")}
		}
		for _, s := range vs {
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				return errBadText{field: k}
			}
		}
	}
	return nil
}
