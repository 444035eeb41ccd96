package main

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/kemsos/helpdesk/tickets"
)

// Upload limits for the web forms. Mail intake has its own: these are what
// a citizen's browser may send in one form, sized for scanned letters.
const (
	maxFileSize  = 10 << 20
	maxTotalSize = 25 << 20
	maxFiles     = 10
	// maxRequestBody leaves room for the text fields and multipart framing.
	maxRequestBody = maxTotalSize + 1<<20
)

// allowedTypes are the document and image types accepted, by extension.
// The stored content type comes from this table, never from the browser,
// and downloads are served as attachments with nosniff.
var allowedTypes = map[string]string{
	".pdf":  "application/pdf",
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls":  "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt":  "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".rtf":  "application/rtf",
	".txt":  "text/plain",
	".csv":  "text/csv",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
	".zip":  "application/zip",
}

// allowedExtensions lists them for the form's hint and the accept attribute.
func allowedExtensions() string {
	return ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.rtf,.txt,.csv,.jpg,.jpeg,.png,.gif,.webp,.zip"
}

// readUploads reads the files of a form field within the limits; the
// message is translated and names the file at fault.
func readUploads(r *http.Request, field, lang string) ([]tickets.NewAttachment, string, error) {
	if r.MultipartForm == nil {
		return nil, "", nil
	}
	var fhs = r.MultipartForm.File[field]
	var out []tickets.NewAttachment
	var total int64
	for _, fh := range fhs {
		if fh.Filename == "" && fh.Size == 0 {
			continue // an empty file input
		}
		if len(out) == maxFiles {
			return nil, translate(lang, "upload.too_many", maxFiles), nil
		}
		ext := strings.ToLower(path.Ext(fh.Filename))
		ct, ok := allowedTypes[ext]
		if !ok {
			return nil, translate(lang, "upload.type", fh.Filename), nil
		}
		if fh.Size > maxFileSize {
			return nil, translate(lang, "upload.size", fh.Filename, maxFileSize>>20), nil
		}
		total += fh.Size
		if total > maxTotalSize {
			return nil, translate(lang, "upload.total", maxTotalSize>>20), nil
		}
		f, err := fh.Open()
		if err != nil {
			return nil, "", fmt.Errorf("upload: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("upload: %w", err)
		}
		if len(data) > maxFileSize {
			return nil, translate(lang, "upload.size", fh.Filename, maxFileSize>>20), nil
		}
		if mt, _, _ := mime.ParseMediaType(ct); strings.HasPrefix(mt, "image/") && !strings.HasPrefix(http.DetectContentType(data), "image/") {
			// A "photo" that is not an image is someone testing us.
			return nil, translate(lang, "upload.type", fh.Filename), nil
		}
		out = append(out, tickets.NewAttachment{Name: fh.Filename, ContentType: ct, Data: data})
	}
	return out, "", nil
}
