package tickets

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
)

// The upload policy: what a person may attach through the web forms and
// the API, sized for scanned letters. Mail is exempt: a citizen's letter
// is stored with whatever it carries (ingest has its own counts, for
// parsing, not for refusing).
const (
	MaxUploads     = 10
	MaxUploadSize  = 10 << 20
	MaxUploadTotal = 25 << 20
)

// uploadTypes are the document and image types accepted, by extension,
// in the order a form lists them. The stored content type comes from here,
// never from the client, and downloads are served as attachments with
// nosniff.
var uploadTypes = []struct{ ext, contentType string }{
	{".pdf", "application/pdf"},
	{".doc", "application/msword"},
	{".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{".xls", "application/vnd.ms-excel"},
	{".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{".ppt", "application/vnd.ms-powerpoint"},
	{".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	{".odt", "application/vnd.oasis.opendocument.text"},
	{".ods", "application/vnd.oasis.opendocument.spreadsheet"},
	{".rtf", "application/rtf"},
	{".txt", "text/plain"},
	{".csv", "text/csv"},
	{".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},
	{".png", "image/png"},
	{".gif", "image/gif"},
	{".webp", "image/webp"},
	{".zip", "application/zip"},
}

// Messages of CheckUploads: stable, so that a UI can translate them.
var (
	MsgTooManyUploads  = fmt.Sprintf("at most %d files", MaxUploads)
	MsgUploadTooLarge  = fmt.Sprintf("the file is larger than %d MB", MaxUploadSize>>20)
	MsgUploadsTooLarge = fmt.Sprintf("the files together are larger than %d MB", MaxUploadTotal>>20)
	MsgUploadType      = "this type of file is not accepted: send a document or an image"
)

// UploadType is the content type stored for a file of that name, by its
// extension (a Windows path's too); false when the type is not accepted.
func UploadType(name string) (string, bool) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	for _, t := range uploadTypes {
		if t.ext == ext {
			return t.contentType, true
		}
	}
	return "", false
}

// UploadExtensions lists the accepted extensions, for a file input's
// accept attribute and the form's hint.
func UploadExtensions() []string {
	out := make([]string, len(uploadTypes))
	for i, t := range uploadTypes {
		out[i] = t.ext
	}
	return out
}

// CheckUploads applies the upload policy to the files a person sends
// through the web or the API: how many, which types, how large each and
// all together. The ValidationError's fields say which file:
// "attachments" for the set, "attachments[i]" for the i-th file.
// Open, AddMessage, Respond and Note apply it to web and API sources
// themselves; callers use it to complain before doing anything else.
func CheckUploads(atts []NewAttachment) error {
	v := &ValidationError{}
	checkUploads(v, atts)
	return v.err()
}

func checkUploads(v *ValidationError, atts []NewAttachment) {
	if len(atts) > MaxUploads {
		v.add("attachments", MsgTooManyUploads)
		return
	}
	var total int
	for i, a := range atts {
		field := fmt.Sprintf("attachments[%d]", i)
		ct, ok := UploadType(a.Name)
		switch {
		case !ok:
			v.add(field, MsgUploadType)
		case len(a.Data) > MaxUploadSize:
			v.add(field, MsgUploadTooLarge)
		case strings.HasPrefix(ct, "image/") && !looksLikeImage(a.Data):
			// A "photo" that is not an image is someone testing us.
			v.add(field, MsgUploadType)
		}
		total += len(a.Data)
	}
	if total > MaxUploadTotal {
		v.add("attachments", MsgUploadsTooLarge)
	}
}

// looksLikeImage reports whether data starts as one of the accepted image
// formats does.
func looksLikeImage(data []byte) bool {
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")),
		bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return true
	}
	return false
}

// policyUploads checks a web or API request's files and returns them with
// the table's content types, as a copy: the caller's slice is left alone.
func policyUploads(v *ValidationError, atts []NewAttachment) []NewAttachment {
	checkUploads(v, atts)
	if len(v.Fields) > 0 || len(atts) == 0 {
		return atts
	}
	out := slices.Clone(atts)
	for i := range out {
		out[i].ContentType, _ = UploadType(out[i].Name)
	}
	return out
}
