package main

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// Post/Redirect/Get for forms that fail. A failed form is answered with a
// redirect to the page it came from, which shows it again with what was
// typed and what is wrong; so the address bar never holds a form's POST
// address, and a reload or the language switch shows the same page.
//
// What was typed travels in a cookie (cookieForm), not in the database:
// it is needed once, by the next request of the same browser, for a few
// minutes. It is sealed (AES-GCM, under a key derived from the server
// secret) and bound to the visitor's session or anonymous id, so that
// nobody else can read it or put words into someone's form, and it works
// the same in every process behind one address and without JavaScript.
// The errors travel as codes and are translated when the page is shown,
// so the language switch translates them too. Passwords never travel.
//
// A cookie holds about 4 KB. A form whose text does not fit even
// compressed (a letter of several pages pasted into a ticket) is shown
// again at once instead, at the POST address, which app.js replaces in the
// address bar with the page's own (history.replaceState): nothing typed is
// lost either way, and only then does a browser without JavaScript keep
// the POST address.

const (
	cookieForm = "hd_form"
	// formDraftAge is how long a failed form waits for its page.
	formDraftAge = 10 * 60
	// maxFormCookie bounds the sealed draft: browsers keep cookies of 4096
	// bytes with their name and attributes.
	maxFormCookie = 3800
)

// formDraft is a failed form on its way back to its page.
type formDraft struct {
	Form   string             `json:"f"` // which form ("register", "reply", …)
	Back   string             `json:"b"` // the page it returns to: path and query
	Nonce  string             `json:"n"` // names this failure in the page's address
	Values map[string]string  `json:"v,omitempty"`
	Errors map[string]formErr `json:"e,omitempty"`
	// Files are the names of the files the form carried: none is kept, so
	// the page asks for them again by name.
	Files []string `json:"a,omitempty"`

	inPlace bool // shown at the POST address: it did not fit a cookie
}

// formErr is one field's error, untranslated.
type formErr struct {
	Key   string `json:"k,omitempty"` // a translation key, or
	Msg   string `json:"m,omitempty"` // the domain's validation message
	Name  string `json:"n,omitempty"` // the file an upload message names
	Label string `json:"l,omitempty"` // a key whose text goes first ("New password: …")
}

// text translates e for field in lang.
func (e formErr) text(lang, field string) string {
	var s string
	switch e.Key {
	case "":
		s = translateValidation(lang, field, e.Msg)
	case "upload.type":
		s = translate(lang, e.Key, e.Name)
	case "upload.size":
		s = translate(lang, e.Key, e.Name, tickets.MaxUploadSize>>20)
	case "upload.total":
		s = translate(lang, e.Key, tickets.MaxUploadTotal>>20)
	case "upload.too_many":
		s = translate(lang, e.Key, tickets.MaxUploads)
	default:
		s = translate(lang, e.Key)
	}
	if e.Label != "" {
		s = translate(lang, e.Label) + ": " + s
	}
	return s
}

// draftErrors keeps a ValidationError's fields for a draft, or reports
// that err is not one.
func draftErrors(err error) (map[string]formErr, bool) {
	var v *tickets.ValidationError
	if !errors.As(err, &v) {
		return nil, false
	}
	out := make(map[string]formErr, len(v.Fields))
	for f, msg := range v.Fields {
		out[f] = formErr{Msg: msg}
	}
	return out, true
}

// errKey is a draft error map of one field with a translated message.
func errKey(field, key string) map[string]formErr {
	return map[string]formErr{field: {Key: key}}
}

// formFailed answers a failed form: its draft goes to the page in a
// cookie and the browser is sent there, or, when it does not fit, the page
// is shown at once with status 400 (see above). show renders the form's
// page from a draft.
func (s *server) formFailed(w http.ResponseWriter, r *http.Request, d *formDraft, show func(http.ResponseWriter, *http.Request, int, *formDraft)) {
	d.Nonce = randomToken()[:12]
	if sealed, err := s.sealDraft(webFrom(r), d); err == nil && len(sealed) <= maxFormCookie {
		http.SetCookie(w, s.web.cookie(cookieForm, sealed, formDraftAge))
		redirect(w, r, d.address())
		return
	}
	d.inPlace = true
	show(w, r, http.StatusBadRequest, d)
}

// address is the page's address naming this draft, scrolled to the
// error summary.
func (d *formDraft) address() string {
	sep := "?"
	if strings.Contains(d.Back, "?") {
		sep = "&"
	}
	return d.Back + sep + "f=" + d.Nonce + "#errsummary"
}

// draftFor returns the draft of one of forms that this request's page
// shows: the cookie's, when the address names it (?f=) and it came back to
// this page; nil otherwise. It is not used up: a reload shows it again.
func (s *server) draftFor(r *http.Request, forms ...string) *formDraft {
	nonce := r.URL.Query().Get("f")
	c, err := r.Cookie(cookieForm)
	if nonce == "" || err != nil {
		return nil
	}
	d, err := s.openDraft(webFrom(r), c.Value)
	if err != nil || !hmac.Equal([]byte(d.Nonce), []byte(nonce)) {
		return nil
	}
	if back, err := url.Parse(d.Back); err != nil || back.Path != r.URL.Path {
		return nil
	}
	for _, f := range forms {
		if d.Form == f {
			return d
		}
	}
	return nil
}

// clearDraft drops the draft once its form went through.
func (s *server) clearDraft(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(cookieForm); err == nil {
		http.SetCookie(w, s.web.cookie(cookieForm, "", -1))
	}
}

// value is a typed value, "" without a draft.
func (d *formDraft) value(k string) string {
	if d == nil {
		return ""
	}
	return d.Values[k]
}

// apply puts the draft's errors, in p's language, and the files to choose
// again on p.
func (d *formDraft) apply(p *page) {
	if d == nil {
		return
	}
	p.Errors = make(map[string]string, len(d.Errors))
	for f, e := range d.Errors {
		p.Errors[f] = e.text(p.Lang, f)
	}
	p.Refile = d.Files
	if d.inPlace {
		p.ReplaceURL, p.Path = d.Back, d.Back
	}
}

// draftBinding is what a draft is sealed to: the visitor it belongs to.
func draftBinding(wc *webCtx) []byte {
	if wc.sessionID != "" {
		return []byte("form-draft\x00session\x00" + wc.sessionID)
	}
	return []byte("form-draft\x00anon\x00" + wc.anon)
}

func (u *webUI) draftCipher() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, u.secret)
	m.Write([]byte("form-draft key"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *server) sealDraft(wc *webCtx, d *formDraft) (string, error) {
	js, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestCompression)
	zw.Write(js)
	zw.Close()
	aead, err := s.web.draftCipher()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, z.Bytes(), draftBinding(wc))), nil
}

func (s *server) openDraft(wc *webCtx, v string) (*formDraft, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, err
	}
	aead, err := s.web.draftCipher()
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize() {
		return nil, errors.New("form draft: short")
	}
	z, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], draftBinding(wc))
	if err != nil {
		return nil, err
	}
	js, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), 1<<20))
	if err != nil {
		return nil, err
	}
	d := &formDraft{}
	if err := json.Unmarshal(js, d); err != nil {
		return nil, err
	}
	return d, nil
}
