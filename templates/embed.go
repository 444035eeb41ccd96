// Package templates holds files embedded into the binary. Mail holds the
// notice templates under mail/<lang>/, rendered by package outbound.
package templates

import "embed"

// Mail is the mail/ directory: <lang>/<kind>.txt (subject and text body,
// text/template), <lang>/<kind>.html (HTML body, html/template), and per
// language common.txt and layout.html.
//
//go:embed mail
var Mail embed.FS
