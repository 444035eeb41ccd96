package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// allowedExtensions lists the accepted types for the form's hint and the
// accept attribute; the policy is tickets.CheckUploads'.
func allowedExtensions() string {
	return strings.Join(tickets.UploadExtensions(), ",")
}

// readUploads returns the files a form sent under field, checked against
// the upload policy; the message is translated and names the file at
// fault.
func readUploads(r *http.Request, field, lang string) ([]tickets.NewAttachment, string, error) {
	f := webFrom(r).form
	if f == nil {
		return nil, "", nil
	}
	var out []tickets.NewAttachment
	for _, ff := range f.files[field] {
		a := tickets.NewAttachment{Name: ff.name}
		if !ff.dropped {
			data, err := ff.bytes()
			if err != nil {
				return nil, "", fmt.Errorf("upload: %w", err)
			}
			a.Data = data
		}
		out = append(out, a)
	}
	if err := tickets.CheckUploads(out); err != nil {
		return nil, uploadMessage(lang, err, out), nil
	}
	return out, "", nil
}

// uploadMessage says what CheckUploads found wrong, in the page's
// language: the set's problem first, else the first file's, by name.
func uploadMessage(lang string, err error, atts []tickets.NewAttachment) string {
	var v *tickets.ValidationError
	if !errors.As(err, &v) {
		return translate(lang, "val.field")
	}
	field, first := "", len(atts)
	for f := range v.Fields {
		if f == "attachments" {
			field = f
			break
		}
		if i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f, "attachments["), "]")); err == nil && i < first {
			field, first = f, i
		}
	}
	name := ""
	if first < len(atts) {
		name = atts[first].Name
	}
	switch msg := v.Fields[field]; msg {
	case tickets.MsgTooManyUploads:
		return translate(lang, "upload.too_many", tickets.MaxUploads)
	case tickets.MsgUploadsTooLarge:
		return translate(lang, "upload.total", tickets.MaxUploadTotal>>20)
	case tickets.MsgUploadTooLarge:
		return translate(lang, "upload.size", name, tickets.MaxUploadSize>>20)
	case tickets.MsgUploadType:
		return translate(lang, "upload.type", name)
	default:
		return translateValidation(lang, field, msg)
	}
}
