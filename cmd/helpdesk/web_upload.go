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
	atts, _, problem, err := formUploads(r, field)
	if err != nil || problem == nil {
		return atts, "", err
	}
	return nil, problem.text(lang, field), nil
}

// formUploads returns the files a form sent under field and their names,
// checked against the upload policy: problem says what is wrong with
// them, nil when nothing is.
func formUploads(r *http.Request, field string) (atts []tickets.NewAttachment, names []string, problem *formErr, err error) {
	f := webFrom(r).form
	if f == nil {
		return nil, nil, nil, nil
	}
	for _, ff := range f.files[field] {
		a := tickets.NewAttachment{Name: ff.name}
		if !ff.dropped {
			data, err := ff.bytes()
			if err != nil {
				return nil, nil, nil, fmt.Errorf("upload: %w", err)
			}
			a.Data = data
		}
		atts = append(atts, a)
		names = append(names, ff.name)
	}
	if err := tickets.CheckUploads(atts); err != nil {
		e := uploadProblem(err, atts)
		return nil, names, &e, nil
	}
	return atts, names, nil, nil
}

// uploadProblem says what CheckUploads found wrong: the set's problem
// first, else the first file's, by name.
func uploadProblem(err error, atts []tickets.NewAttachment) formErr {
	var v *tickets.ValidationError
	if !errors.As(err, &v) {
		return formErr{Key: "val.field"}
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
		return formErr{Key: "upload.too_many"}
	case tickets.MsgUploadsTooLarge:
		return formErr{Key: "upload.total"}
	case tickets.MsgUploadTooLarge:
		return formErr{Key: "upload.size", Name: name}
	case tickets.MsgUploadType:
		return formErr{Key: "upload.type", Name: name}
	default:
		return formErr{Msg: msg}
	}
}
