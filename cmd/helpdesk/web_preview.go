package main

import (
	"net/http"
	"strings"
)

// Previews of a thread's files (issue 12): raster images as thumbnails that
// open full size, PDFs in the browser's own viewer. Only these: an SVG or
// an HTML file runs script as our origin, so it is never shown, only
// downloaded. What a file claims to be is the sender's word; it is shown
// only when its bytes say the same (http.DetectContentType, the WHATWG
// sniffing rules), and then served as the sniffed type with nosniff.

// previewTypes are the types shown inline, by the kind of preview.
var previewTypes = map[string]string{
	"image/png":       "image",
	"image/jpeg":      "image",
	"image/gif":       "image",
	"image/webp":      "image",
	"application/pdf": "pdf",
}

// previewKind is how a file of the claimed type would be previewed: "image",
// "pdf" or "" (download only).
func previewKind(contentType string) string {
	ct, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
	return previewTypes[strings.TrimSpace(ct)]
}

// previewable reports whether a file may be shown inline, and as what
// type: its claimed type is previewable and its bytes are of that kind.
func previewable(claimed string, data []byte) (string, bool) {
	kind := previewKind(claimed)
	if kind == "" {
		return "", false
	}
	sniffed, _, _ := strings.Cut(http.DetectContentType(data), ";")
	if previewTypes[sniffed] != kind {
		return "", false
	}
	return sniffed, true
}

// previewCSP is the policy a previewed file is served under: it may load
// nothing and run nothing, nor be framed. The browsers' own PDF viewers
// are not bound by a document's policy (Chromium's shows the file under
// this one, tried in the walk-through), so a PDF gets it without the
// sandbox, which some viewers refuse to run in.
func previewCSP(contentType string) string {
	if contentType == "application/pdf" {
		return "default-src 'none'; frame-ancestors 'none'"
	}
	return "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
}
