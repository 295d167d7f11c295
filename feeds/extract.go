package feeds

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"newsbot"
)

// ErrNoArticle means a web page holds no article text that could be
// found.
var ErrNoArticle = errors.New("no article text found")

// Extracted is the article found in a web page.
type Extracted struct {
	// Title is the article's headline, as clean text.
	Title string
	// Text is the article as clean text, paragraphs separated by blank
	// lines, without the page's navigation, related links, comments and
	// footer.
	Text string
	// Author is the byline, if the page names one.
	Author string
	// ImageURL is the article's main image, absolute; empty if none.
	ImageURL string
	// SiteName is the publisher's name, if the page gives it.
	SiteName string
	// PublishedAt is the publication date the page states, often only to
	// the day; zero if none.
	PublishedAt time.Time
	// Language is the ISO 639-1 code of the text's language: the page's
	// declared <html lang>, else detected from a text of 50 words or
	// more; empty if unknown.
	Language string
	// Extractor names what found Text: "trafilatura" or "readability".
	Extractor string
}

// Limits of teaser detection and extraction.
const (
	// teaserWords: an item with fewer words of text is a teaser. News
	// articles run from about 150 words up; a feed description of one or
	// two sentences is 20 to 60.
	teaserWords = 80
	// extractMinWords: trafilatura's result is "too little" below this,
	// and readability is tried on the page as well.
	extractMinWords = 60
	// extractNoneWords: with fewer words than this the page has no
	// article, only leftovers of its navigation ("Home").
	extractNoneWords = 10
	// extractDetectWords: language detection on fewer words than this
	// guesses; only a declared language is reported then.
	extractDetectWords = 50
)

// teaserEndings mark text the publisher cut short, compared in lower
// case after trailing arrows and white space are trimmed.
var teaserEndings = []string{
	"…", "...", "[…]", "[...]", "(more…)", "(more...)", "read more", "continue reading",
	"read the full story", "read full story", "read the full article", "read full article",
	"keep reading", "weiterlesen", "lire la suite", "leer más", "続きを読む",
}

// IsTeaser reports whether an article's text is only a teaser of the
// page it links to, so the page is worth fetching for its full text: the
// text has fewer than 80 words (characters of scripts written without
// spaces count two to a word), or ends the way cut text ends ("…",
// "[…]", "Read more", "Continue reading" …). An article without a URL
// has no page to fetch and is never a teaser.
func IsTeaser(a *newsbot.Article) bool {
	if a == nil || a.URL == "" {
		return false
	}
	text := strings.TrimSpace(a.Text)
	if text == "" {
		return true
	}
	end := strings.ToLower(strings.TrimRightFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || r == '→' || r == '»' || r == '›' || r == '>'
	}))
	for _, e := range teaserEndings {
		if strings.HasSuffix(end, e) {
			return true
		}
	}
	return extractWordCount(text) < teaserWords
}

// extractWordCount counts the words of s: runs of letters and digits,
// and pairs of characters of the scripts written without spaces.
func extractWordCount(s string) int {
	words, pairs := 0, 0
	in := false
	for _, r := range s {
		switch {
		case groupSpaceless(r):
			pairs++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !in {
				words++
				in = true
			}
		default:
			in = false
		}
	}
	return words + pairs/2
}

// ExtractArticle finds the article in a web page: its main text without
// navigation, related links, comments, cookie banners and footer, and
// its title, byline, image, date and language. pageURL is the page's
// address, for resolving its image; it may be empty.
//
// go-trafilatura does the work. When it fails, or finds fewer than 60
// words, go-readability is run on the same parsed page, and its text is
// taken when it has at least 10 words or more than trafilatura's. A page
// that is not UTF-8 is decoded by its BOM or meta charset, else as
// Windows-1252.
//
// Cost: 0.6 to 1.9 ms per test page on one core (BenchmarkExtractArticle).
// Trafilatura's date search runs in its fast mode, without the
// multilingual date parser; dates in meta tags and JSON-LD are still
// read, to the day. Importing go-trafilatura has a fixed cost too: its
// date library builds locale tables at program start, about 0.8 s of CPU
// and 29 MB of heap that stay (GODEBUG=inittrace=1); go-re2 and wazero
// are compiled in only with the re2_wasm or re2_cgo build tags, which
// this package does not use.
func ExtractArticle(page []byte, pageURL string) (*Extracted, error) {
	page = extractToUTF8(page)
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("parse page: %w", err)
	}
	base := normalizeBase(pageURL)

	x := &Extracted{}
	tr, trErr := trafilatura.ExtractDocument(doc, trafilatura.Options{
		OriginalURL:     base,
		ExcludeComments: true,
		Focus:           trafilatura.Balanced,
		HtmlDateMode:    trafilatura.Fast,
	})
	if trErr == nil && tr != nil {
		x.Text = textNode(tr.ContentNode)
		x.Extractor = "trafilatura"
		m := tr.Metadata
		x.Title = parseOneLine(m.Title)
		x.Author = parseOneLine(strings.ReplaceAll(m.Author, "; ", ", "))
		x.SiteName = parseOneLine(m.Sitename)
		x.ImageURL = normalizeResolve(base, m.Image)
		if extractWordCount(x.Text) >= extractDetectWords {
			x.Language = m.Language
		}
		if !m.Date.IsZero() {
			x.PublishedAt = m.Date.UTC()
		}
	}

	if trErr != nil || extractWordCount(x.Text) < extractMinWords {
		p := readability.NewParser()
		art, err := p.ParseDocument(doc, base)
		if err == nil && art.Node != nil {
			// Trafilatura's result is short here, often its whole-page
			// rescue with menus in it: readability's wins when it found
			// an article at all, or is simply longer.
			text := textNode(art.Node)
			if n := extractWordCount(text); n >= extractNoneWords || n > extractWordCount(x.Text) {
				x.Text, x.Extractor = text, "readability"
			}
			x.Title = cmp.Or(x.Title, parseOneLine(art.Title()))
			x.Author = cmp.Or(x.Author, parseOneLine(art.Byline()))
			x.SiteName = cmp.Or(x.SiteName, parseOneLine(art.SiteName()))
			x.ImageURL = cmp.Or(x.ImageURL, normalizeResolve(base, art.ImageURL()))
			if t, err := art.PublishedTime(); err == nil && x.PublishedAt.IsZero() {
				x.PublishedAt = t.UTC()
			}
		}
	}
	x.Text = extractDropChrome(extractDropHeadline(x.Text, x.Title))
	if lang := extractDeclaredLang(doc); lang != "" {
		x.Language = lang
	}
	if extractWordCount(x.Text) < extractNoneWords {
		if trErr != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoArticle, trErr)
		}
		return nil, ErrNoArticle
	}
	return x, nil
}

// extractDropHeadline removes the headline when the text repeats it as
// its first paragraph: the title is shown apart, and a summarizer would
// pick it as a key sentence.
func extractDropHeadline(text, title string) string {
	if title == "" {
		return text
	}
	first, rest, found := strings.Cut(text, "\n\n")
	if found && strings.EqualFold(strings.TrimSpace(first), title) {
		return rest
	}
	return text
}

// extractChrome holds, in lower case, the one-line paragraphs news
// pages put inside the article body that are not part of it: ad labels,
// newsletter prompts, the agency's standards line.
var extractChrome = map[string]bool{
	"advertisement": true, "advertisement · scroll to continue": true, "skip advertisement": true,
	"story continues below advertisement": true, "continue reading below": true,
	"sign up here.": true, "sign up here": true, "related:": true, "read more:": true,
}

// extractDropChrome removes the paragraphs listed in extractChrome and
// an agency's closing "Our Standards: ..." line.
func extractDropChrome(text string) string {
	paras := strings.Split(text, "\n\n")
	kept := paras[:0]
	for _, p := range paras {
		low := strings.ToLower(strings.TrimSpace(p))
		if extractChrome[low] || strings.HasPrefix(low, "our standards: ") && len(low) < 100 {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "\n\n")
}

// extractDeclaredLang returns the primary language subtag of the page's
// <html lang>, lower case ("en-GB" → "en"), or "".
func extractDeclaredLang(doc *html.Node) string {
	for n := doc.FirstChild; n != nil; n = n.NextSibling {
		if n.Type != html.ElementNode || n.DataAtom != atom.Html {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == "lang" || a.Key == "xml:lang" {
				primary, _, _ := strings.Cut(strings.TrimSpace(a.Val), "-")
				primary, _, _ = strings.Cut(primary, "_")
				if l := len(primary); l == 2 || l == 3 {
					return strings.ToLower(primary)
				}
			}
		}
	}
	return ""
}

// extractToUTF8 returns page as UTF-8: valid UTF-8 as it is (less a
// BOM), otherwise decoded by its BOM or <meta> charset, else as
// Windows-1252.
func extractToUTF8(page []byte) []byte {
	page = bytes.TrimPrefix(page, []byte{0xEF, 0xBB, 0xBF})
	if utf8.Valid(page) {
		return page
	}
	enc, _, _ := charset.DetermineEncoding(page, "")
	out, err := enc.NewDecoder().Bytes(page)
	if err != nil {
		return bytes.ToValidUTF8(page, []byte("\uFFFD"))
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD"))
}

// textNode is HTMLText for a parsed tree: the clean text of n and its
// descendants.
func textNode(n *html.Node) string {
	if n == nil {
		return ""
	}
	w := textWriter{}
	textWalk(&w, n)
	return w.String()
}

func textWalk(w *textWriter, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if w.pre > 0 {
			w.writePre([]byte(n.Data))
		} else {
			w.write([]byte(n.Data))
		}
		return
	case html.ElementNode:
		if textDropped[n.DataAtom] {
			return
		}
		w.start(n.DataAtom, false)
	case html.DocumentNode:
	default:
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		textWalk(w, c)
	}
	if n.Type == html.ElementNode {
		w.end(n.DataAtom)
	}
}
