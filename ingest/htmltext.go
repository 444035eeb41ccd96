package ingest

import (
	"bytes"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders HTML as readable plain text for agents and for quote
// stripping: block elements become line breaks, list items "- ", links
// "text (url)", images their alt text; script, style and head are dropped.
func htmlToText(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	var w textWriter
	w.walk(doc, 0)
	return tidyText(string(w.buf))
}

type textWriter struct {
	buf []byte
	pre int
}

// maxHTMLDepth bounds recursion on pathological nesting (seen in practice:
// a 570 KB body of nested tags in mailparser's fixtures).
const maxHTMLDepth = 512

func (w *textWriter) newline() {
	if len(w.buf) == 0 || w.buf[len(w.buf)-1] == '\n' {
		return
	}
	w.buf = append(w.buf, '\n')
}

func (w *textWriter) blankLine() {
	w.newline()
	if len(w.buf) > 0 && !bytes.HasSuffix(w.buf, []byte("\n\n")) {
		w.buf = append(w.buf, '\n')
	}
}

func (w *textWriter) text(s string) {
	if w.pre > 0 {
		w.write(s)
		return
	}
	collapsed := strings.Join(strings.Fields(s), " ")
	if collapsed == "" {
		if s != "" && !w.atLineStart() && !w.endsWithSpace() {
			w.write(" ")
		}
		return
	}
	if isSpace(s[0]) && !w.atLineStart() && !w.endsWithSpace() {
		w.write(" ")
	}
	w.write(collapsed)
	if isSpace(s[len(s)-1]) {
		w.write(" ")
	}
}

func (w *textWriter) write(s string) { w.buf = append(w.buf, s...) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func (w *textWriter) atLineStart() bool {
	return len(w.buf) == 0 || w.buf[len(w.buf)-1] == '\n'
}

func (w *textWriter) endsWithSpace() bool {
	return len(w.buf) > 0 && w.buf[len(w.buf)-1] == ' '
}

func (w *textWriter) walk(n *html.Node, depth int) {
	if depth > maxHTMLDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, depth+1)
		}
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template:
		return
	case atom.Br:
		w.trimSpace()
		w.write("\n")
		return
	case atom.Hr:
		w.newline()
		w.write("----\n")
		return
	case atom.Img:
		if alt := strings.TrimSpace(attr(n, "alt")); alt != "" {
			w.text(alt)
		}
		return
	case atom.A:
		start := len(w.buf)
		w.children(n, depth)
		label := strings.TrimSpace(string(w.buf[start:]))
		href := strings.TrimSpace(attr(n, "href"))
		if strings.HasPrefix(strings.ToLower(href), "mailto:") {
			href = href[len("mailto:"):]
		}
		if href != "" && !strings.HasPrefix(href, "#") && !strings.HasPrefix(strings.ToLower(href), "javascript:") && href != label {
			if label == "" {
				w.text(href)
			} else {
				w.write(" (" + href + ")")
			}
		}
		return
	case atom.Li:
		w.newline()
		w.write("- ")
		w.children(n, depth)
		w.newline()
		return
	case atom.Pre:
		w.blankLine()
		w.pre++
		w.children(n, depth)
		w.pre--
		w.blankLine()
		return
	case atom.Td, atom.Th:
		w.children(n, depth)
		if !w.atLineStart() && !w.endsWithSpace() {
			w.write(" ")
		}
		return
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Blockquote, atom.Table, atom.Ul, atom.Ol, atom.Dl:
		w.blankLine()
		w.children(n, depth)
		w.blankLine()
		return
	case atom.Div, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Dt, atom.Dd, atom.Center, atom.Form, atom.Address:
		w.newline()
		w.children(n, depth)
		w.newline()
		return
	}
	w.children(n, depth)
}

func (w *textWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, depth+1)
	}
}

func (w *textWriter) trimSpace() {
	w.buf = bytes.TrimRight(w.buf, " ")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// tidyText trims trailing spaces on each line and folds runs of blank
// lines into one.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u00a0")
		l = strings.TrimLeft(l, " ")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

var sanitizer = newSanitizer()

func newSanitizer() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// cid: images refer to inline parts of the same mail and data: images
	// carry their own bytes; neither calls home. Remote images are removed
	// before sanitizing (see dropRemoteImages): they are tracking pixels.
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	p.AllowDataURIImages()
	return p
}

// sanitizeHTML returns mail HTML safe to show to agents: bluemonday's UGC
// policy, with remote images replaced by their alt text.
func sanitizeHTML(src string) string {
	return strings.TrimSpace(sanitizer.Sanitize(dropRemoteImages(src)))
}

// dropRemoteImages replaces every <img> whose src is not cid: or data: by
// its alt text; bluemonday's UGC policy would keep them (it allows http
// images), and a remote image in a citizen's mail tells the sender when an
// agent read it.
func dropRemoteImages(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > maxHTMLDepth {
			// Too deep to inspect: drop rather than pass unchecked.
			for c := n.FirstChild; c != nil; {
				next := c.NextSibling
				n.RemoveChild(c)
				c = next
			}
			return
		}
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && c.DataAtom == atom.Img {
				s := strings.ToLower(strings.TrimSpace(attr(c, "src")))
				if !strings.HasPrefix(s, "cid:") && !strings.HasPrefix(s, "data:") {
					if alt := attr(c, "alt"); alt != "" {
						n.InsertBefore(&html.Node{Type: html.TextNode, Data: alt}, c)
					}
					n.RemoveChild(c)
					c = next
					continue
				}
				removeAttr(c, "srcset")
			}
			walk(c, depth+1)
			c = next
		}
	}
	walk(doc, 0)
	var buf bytes.Buffer
	if err := html.Render(&buf, doc); err != nil {
		return ""
	}
	return buf.String()
}

func removeAttr(n *html.Node, key string) {
	out := n.Attr[:0]
	for _, a := range n.Attr {
		if a.Key != key {
			out = append(out, a)
		}
	}
	n.Attr = out
}
