package templates

import "embed"

// Web is the web/ directory: the page layout and partials, one file per
// page under pages/, and static/ (the stylesheet and the small script).
//
//go:embed web
var Web embed.FS
