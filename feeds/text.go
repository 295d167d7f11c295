package feeds

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLText turns an HTML fragment (a feed item's content, an extracted
// article) into clean text: what the summarizer and search read.
//
// Paragraphs are kept: block elements end a paragraph and paragraphs are
// separated by one blank line; <br> starts a new line (two in a row start a
// new paragraph); list items and table rows become lines of their own.
// Inside a paragraph runs of white space, non-breaking spaces included,
// collapse to one space. Entities are decoded. Text that is not prose is
// dropped with its element: scripts, styles, iframes, forms and their
// controls, navigation, asides, footers and figure captions. Invalid
// UTF-8 becomes U+FFFD and control characters are removed, so the result
// is always valid UTF-8 without leading or trailing white space.
//
// A string with no tags at all is read as plain text, whose line breaks are
// meaningful: see textPlain.
func HTMLText(s string) string {
	text, _ := textHTMLWithImage(s)
	return text
}

// textHTMLWithImage is HTMLText that also returns the src of the first
// <img> that is not a tracking pixel, so parsing an item's content once
// gives both its text and its image.
func textHTMLWithImage(s string) (text, img string) {
	if !textLooksHTML(s) {
		return textPlain(s), ""
	}
	w := textWriter{}
	w.b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String(), w.img
		case html.TextToken:
			if w.skip == 0 {
				if w.pre > 0 {
					w.writePre(z.Text())
				} else {
					w.write(z.Text())
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if w.skip > 0 {
				// Count nested elements of the kind being skipped so the
				// matching end tag, not the first one, ends the skip.
				if a == w.skipAtom && tt == html.StartTagToken {
					w.skip++
				}
				continue
			}
			if textDropped[a] {
				if tt == html.StartTagToken && !textVoid[a] {
					w.skip, w.skipAtom = 1, a
				}
				continue
			}
			w.start(a, tt == html.SelfClosingTagToken)
			if a == atom.Img && hasAttr && w.img == "" {
				w.img = textImgSrc(z)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if w.skip > 0 {
				if a == w.skipAtom {
					w.skip--
				}
				continue
			}
			w.end(a)
		}
	}
}

// textImgSrc reads the src of the <img> the tokenizer is on, or "" when it
// has none or is a 1×1 tracking pixel.
func textImgSrc(z *html.Tokenizer) string {
	var src string
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "src":
			src = string(v)
		case "width", "height":
			if n := strings.TrimSpace(string(v)); n == "0" || n == "1" || n == "1px" {
				return ""
			}
		}
		if !more {
			return strings.TrimSpace(src)
		}
	}
}

// textLooksHTML reports whether s holds anything the tokenizer would read
// as markup: a tag, a comment or an entity. Plain text keeps its own line
// breaks; HTML's are only white space.
func textLooksHTML(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			if i+1 < len(s) {
				c := s[i+1]
				if c == '/' || c == '!' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
					return true
				}
			}
		case '&':
			if end := strings.IndexByte(s[i:min(len(s), i+40)], ';'); end > 1 {
				return true
			}
		}
	}
	return false
}

// textPlain cleans text that carries no markup: line breaks are kept
// (a blank line separates paragraphs), runs of other white space become one
// space, control characters go, invalid UTF-8 becomes U+FFFD.
func textPlain(s string) string {
	w := textWriter{}
	w.b.Grow(len(s))
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '\n' {
			continue
		}
		line := s[start:i]
		start = i + 1
		if strings.TrimSpace(line) == "" {
			w.brk(2)
			continue
		}
		w.brk(1)
		w.write([]byte(line))
	}
	return w.String()
}

// textDropped holds the elements whose content is not part of the text.
// Figure captions go because they credit photographers rather than tell
// the story, footers because they hold credits and "appeared first on"
// lines; headers stay because they can hold the headline.
var textDropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Applet: true,
	atom.Audio: true, atom.Video: true, atom.Canvas: true, atom.Svg: true, atom.Math: true,
	atom.Nav: true, atom.Aside: true, atom.Footer: true, atom.Figcaption: true, atom.Head: true, atom.Title: true,
	atom.Form: true, atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Input: true,
	atom.Label: true, atom.Dialog: true, atom.Map: true,
}

// textVoid holds the dropped elements that never have an end tag.
var textVoid = map[atom.Atom]bool{atom.Input: true, atom.Embed: true}

// textBlock holds the elements that start and end a paragraph.
var textBlock = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Address: true, atom.Blockquote: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Menu: true, atom.Pre: true,
	atom.Table: true, atom.Figure: true, atom.Hr: true, atom.Details: true, atom.Summary: true,
	atom.Center: true, atom.Fieldset: true, atom.Hgroup: true, atom.Caption: true,
	atom.Body: true, atom.Html: true,
}

// textLine holds the elements that start a line of their own inside a
// paragraph.
var textLine = map[atom.Atom]bool{
	atom.Li: true, atom.Dt: true, atom.Dd: true, atom.Tr: true,
}

// textWriter accumulates clean text. Breaks and spaces are held pending
// and written only before the next visible character, so no output starts
// or ends with white space and breaks never pile up.
type textWriter struct {
	b        bytes.Buffer
	pendBrk  int // 0 none, 1 new line, 2 new paragraph
	pendSp   bool
	skip     int // > 0 while inside a dropped element
	skipAtom atom.Atom
	pre      int // > 0 inside <pre>
	img      string
}

func (w *textWriter) start(a atom.Atom, selfClosing bool) {
	switch {
	case a == atom.Br:
		// A second <br> in a row makes a paragraph break.
		w.pendBrk = min(w.pendBrk+1, 2)
		w.pendSp = false
	case textBlock[a]:
		w.brk(2)
		if a == atom.Pre && !selfClosing {
			w.pre++
		}
	case textLine[a]:
		w.brk(1)
	case a == atom.Td || a == atom.Th:
		w.pendSp = true
	case a == atom.Img:
		// An image between two words separates them.
		w.pendSp = true
	}
}

func (w *textWriter) end(a atom.Atom) {
	switch {
	case textBlock[a]:
		w.brk(2)
		if a == atom.Pre && w.pre > 0 {
			w.pre--
		}
	case textLine[a]:
		w.brk(1)
	case a == atom.Td || a == atom.Th:
		w.pendSp = true
	}
}

// brk asks for a line (1) or paragraph (2) break before the next text.
func (w *textWriter) brk(n int) {
	if n > w.pendBrk {
		w.pendBrk = n
	}
	w.pendSp = false
}

// write appends text, collapsing white space and dropping control and
// invisible formatting characters.
func (w *textWriter) write(p []byte) {
	for len(p) > 0 {
		c := p[0]
		if c < utf8.RuneSelf {
			p = p[1:]
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
				w.pendSp = true
			case c < 0x20 || c == 0x7f:
			default:
				w.flush()
				w.b.WriteByte(c)
			}
			continue
		}
		r, n := utf8.DecodeRune(p)
		p = p[n:]
		w.writeRune(r)
	}
}

// writePre appends preformatted text: spaces and line breaks are kept.
func (w *textWriter) writePre(p []byte) {
	for len(p) > 0 {
		r, n := utf8.DecodeRune(p)
		p = p[n:]
		switch {
		case r == '\n':
			if w.b.Len() > 0 {
				w.pendBrk = max(w.pendBrk, 1)
			}
			w.pendSp = false
		case r == ' ' || r == '\t':
			if w.pendBrk == 0 && w.b.Len() > 0 {
				w.b.WriteByte(' ')
			}
		default:
			w.writeRune(r)
		}
	}
}

func (w *textWriter) writeRune(r rune) {
	switch {
	case r == utf8.RuneError:
		w.flush()
		w.b.WriteRune(r)
	case r == '\u00ad' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff':
		// Soft hyphens and zero-width characters are invisible in a
		// browser; kept, they split words for search and the summarizer.
	case unicode.IsSpace(r):
		w.pendSp = true
	case unicode.IsControl(r), r == '\ufffe', r == '\uffff':
	default:
		w.flush()
		w.b.WriteRune(r)
	}
}

// flush writes the pending break or space before a visible character.
func (w *textWriter) flush() {
	if w.b.Len() == 0 {
		w.pendBrk, w.pendSp = 0, false
		return
	}
	switch w.pendBrk {
	case 1:
		w.b.WriteByte('\n')
	case 2:
		w.b.WriteString("\n\n")
	default:
		if w.pendSp {
			w.b.WriteByte(' ')
		}
	}
	w.pendBrk, w.pendSp = 0, false
}

func (w *textWriter) String() string { return w.b.String() }
