package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/RadhiFadlillah/whatlanggo"
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
	// footer, and without the headline when the body repeats it.
	Text string
	// Author is the byline, if the page gives one; several names are
	// joined by ", ". An organization the page's JSON-LD names as the
	// author (a news agency credited by an aggregator) is left out.
	Author string
	// ImageURL is the article's main image, absolute; empty if none.
	ImageURL string
	// SiteName is the publisher's name, if the page gives it.
	SiteName string
	// PublishedAt is the publication time the page states, in UTC and
	// as precise as the page gives it (a date alone is midnight UTC);
	// zero if none.
	PublishedAt time.Time
	// Language is the ISO 639-1 code of the text's language: the page's
	// declared <html lang>, else detected from a text of 50 words or
	// more when the detection is reliable; empty if unknown.
	Language string
	// Extractor names what found Text: "readability".
	Extractor string
}

// Limits of teaser detection and extraction.
const (
	// teaserWords: an item with fewer words of text is a teaser. News
	// articles run from about 150 words up; a feed description of one or
	// two sentences is 20 to 60.
	teaserWords = 80
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
	end := strings.TrimRightFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || r == '→' || r == '»' || r == '›' || r == '>'
	})
	// Only the end is compared: lower-casing a whole article for it
	// costs more than the rest of this check.
	end = strings.ToLower(end[max(0, len(end)-teaserTail):])
	for _, e := range teaserEndings {
		if strings.HasSuffix(end, e) {
			return true
		}
	}
	return !hasWords(text, teaserWords)
}

// teaserTail is how many bytes of a text's end are compared with
// teaserEndings: more than the longest, with room for a cut rune.
const teaserTail = 64

// hasWords reports whether s has at least n words, as extractWordCount
// counts them, reading no further than it needs.
func hasWords(s string, n int) bool {
	// A word takes at least two bytes with the space after it, a pair of
	// spaceless characters six: a prefix long enough for n words of
	// either is enough to look at first.
	if k := 6 * n; len(s) > k && extractWordCount(s[:k]) >= n {
		return true
	}
	return extractWordCount(s) >= n
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
// its title, byline, image, site name, publication time and language.
// pageURL is the page's address, for resolving its image; it may be
// empty.
//
// go-readability finds the text, title, byline, image and site name.
// The publication time and the declared language are read here from the
// page (extractReadFacts), the language of an undeclared page is guessed
// from its text (extractDetectLang), and the page furniture readability
// keeps around the article is removed from the text (extractClean). A
// page that is not UTF-8 is decoded by its BOM or meta charset, else as
// Windows-1252. A page with fewer than 10 words of text has no article:
// ErrNoArticle.
//
// Cost: 0.6 to 1.0 ms per test page on one core (BenchmarkExtractArticle),
// and under a millisecond at program start for the packages it imports
// (GODEBUG=inittrace=1): none of them builds large tables when loaded.
func ExtractArticle(page []byte, pageURL string) (*Extracted, error) {
	page = extractToUTF8(page)
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("parse page: %w", err)
	}
	base := normalizeBase(pageURL)
	// Read first: readability rewrites the tree in place and drops the
	// scripts that hold JSON-LD.
	facts := extractReadFacts(doc)
	p := readability.NewParser()
	art, err := p.ParseAndMutate(doc, base)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoArticle, err)
	}
	x := &Extracted{
		Title:       parseOneLine(art.Title()),
		Author:      parseOneLine(art.Byline()),
		SiteName:    parseOneLine(art.SiteName()),
		ImageURL:    normalizeResolve(base, art.ImageURL()),
		PublishedAt: facts.published,
		Language:    facts.lang,
		Extractor:   "readability",
	}
	for _, org := range facts.organizations {
		if strings.EqualFold(x.Author, org) {
			x.Author = ""
		}
	}
	x.Text = extractClean(textNode(art.Node), x.Title, x.Author)
	words := extractWordCount(x.Text)
	if words < extractNoneWords {
		return nil, ErrNoArticle
	}
	if x.Language == "" && words >= extractDetectWords {
		x.Language = extractDetectLang(x.Text)
	}
	return x, nil
}

// extractFacts is what ExtractArticle reads from the page itself rather
// than takes from readability.
type extractFacts struct {
	// lang is the primary subtag of <html lang>, lower case.
	lang string
	// published is the publication time the page states, UTC.
	published time.Time
	// organizations are the names of the JSON-LD article's authors that
	// are organizations, not people.
	organizations []string
}

// extractDateMetas ranks the <meta> names, properties and itemprops that
// carry a publication date, lower case; a lower rank wins.
var extractDateMetas = map[string]int{
	"article:published_time": 1, "og:article:published_time": 2, "datepublished": 3,
	"parsely-pub-date": 4, "dc.date.issued": 5, "dcterms.issued": 6, "dcterms.created": 7,
	"dc.date": 8, "date": 9, "pubdate": 10, "publishdate": 11, "publish-date": 12,
	"sailthru.date": 13,
}

// extractFactsReader collects the candidates for extractFacts in one walk
// of the page.
type extractFactsReader struct {
	meta       string // the best-ranked date <meta>'s content
	metaRank   int
	ldArticle  string // datePublished of a JSON-LD article
	ldOther    string // datePublished of another JSON-LD object
	timeMarked string // datetime of a <time> marked as the publication date
	timeFirst  string // datetime of the first <time> outside aside, nav and footer
	orgs       []string
}

// extractReadFacts reads the page's declared language and publication
// time, and the organizations its JSON-LD names as authors. The
// publication time is the first that parses of, in this order: the
// datePublished of a JSON-LD article (schema.org *Article, *Posting,
// Report), a date <meta> (article:published_time first), the
// datePublished of any other JSON-LD object, a <time datetime> marked as
// the publication date (pubdate, itemprop="datePublished", class
// "published"), and the first <time datetime> outside <aside>, <nav> and
// <footer>, where sidebars and comments keep theirs.
func extractReadFacts(doc *html.Node) extractFacts {
	r := extractFactsReader{metaRank: len(extractDateMetas) + 1}
	r.walk(doc, false)
	f := extractFacts{lang: extractDeclaredLang(doc), organizations: r.orgs}
	for _, s := range []string{r.ldArticle, r.meta, r.ldOther, r.timeMarked, r.timeFirst} {
		if t, ok := extractParseDate(s); ok {
			f.published = t
			break
		}
	}
	return f
}

func (r *extractFactsReader) walk(n *html.Node, furniture bool) {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.Meta:
			r.readMeta(n)
			return
		case atom.Script:
			if n.FirstChild != nil && strings.EqualFold(strings.TrimSpace(extractAttr(n, "type")), "application/ld+json") {
				r.readJSONLD(n.FirstChild.Data)
			}
			return
		case atom.Style, atom.Template, atom.Noscript:
			return
		case atom.Time:
			r.readTime(n, furniture)
		case atom.Aside, atom.Nav, atom.Footer:
			furniture = true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c, furniture)
	}
}

func (r *extractFactsReader) readMeta(n *html.Node) {
	content := strings.TrimSpace(extractAttr(n, "content"))
	if content == "" {
		return
	}
	for _, key := range [...]string{"property", "name", "itemprop"} {
		rank, ok := extractDateMetas[strings.ToLower(strings.TrimSpace(extractAttr(n, key)))]
		if ok && rank < r.metaRank {
			r.meta, r.metaRank = content, rank
		}
	}
}

func (r *extractFactsReader) readTime(n *html.Node, furniture bool) {
	dt := strings.TrimSpace(extractAttr(n, "datetime"))
	if dt == "" {
		return
	}
	_, pubdate := extractHasAttr(n, "pubdate")
	marked := pubdate || strings.EqualFold(extractAttr(n, "itemprop"), "datePublished") ||
		extractHasWord(extractAttr(n, "class"), "published")
	if marked && r.timeMarked == "" {
		r.timeMarked = dt
	}
	if !furniture && r.timeFirst == "" {
		r.timeFirst = dt
	}
}

// readJSONLD reads one JSON-LD script: a top-level object or array of
// objects, or an object with an @graph array. Scripts that are not valid
// JSON are skipped, as browsers and search engines skip them.
func (r *extractFactsReader) readJSONLD(s string) {
	if !strings.Contains(s, "datePublished") && !strings.Contains(s, "Organization") {
		return
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<![CDATA["), "]]>")
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return
	}
	r.readLD(v, 0)
}

func (r *extractFactsReader) readLD(v any, depth int) {
	if depth > 3 {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			r.readLD(e, depth+1)
		}
	case map[string]any:
		article := extractLDIs(v["@type"], extractLDArticle)
		if d, ok := v["datePublished"].(string); ok {
			switch {
			case article && r.ldArticle == "":
				r.ldArticle = d
			case !article && r.ldOther == "":
				r.ldOther = d
			}
		}
		if article {
			authors, ok := v["author"].([]any)
			if !ok {
				authors = []any{v["author"]}
			}
			for _, a := range authors {
				a, _ := a.(map[string]any)
				if name, ok := a["name"].(string); ok && extractLDIs(a["@type"], extractLDOrganization) {
					r.orgs = append(r.orgs, strings.TrimSpace(name))
				}
			}
		}
		r.readLD(v["@graph"], depth+1)
	}
}

// extractLDIs reports whether a JSON-LD @type (a string or an array of
// strings) has a type that is matches.
func extractLDIs(typ any, is func(string) bool) bool {
	switch t := typ.(type) {
	case string:
		return is(t)
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && is(s) {
				return true
			}
		}
	}
	return false
}

// extractLDArticle reports whether a schema.org type is an article:
// Article and its kinds (NewsArticle, ReportageNewsArticle …), the
// postings (BlogPosting, LiveBlogPosting …) and Report.
func extractLDArticle(t string) bool {
	return strings.HasSuffix(t, "Article") || strings.HasSuffix(t, "Posting") || t == "Report"
}

// extractLDOrganization reports whether a schema.org type is an
// organization (Organization, NewsMediaOrganization …).
func extractLDOrganization(t string) bool { return strings.HasSuffix(t, "Organization") }

// extractDateLayouts are the forms of dates in meta tags, JSON-LD and
// <time datetime>: ISO 8601 with a zone, without one, or a date alone,
// and RFC 1123. A fraction of a second is accepted after the seconds.
var extractDateLayouts = [...]string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05 -0700",
	"2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02",
	time.RFC1123Z, time.RFC1123,
}

// extractParseDate parses a publication date as pages write it (see
// extractDateLayouts; a space may stand for the "T"). A time without a
// zone is taken as UTC and a date alone as midnight UTC, so the result
// does not depend on the machine's zone and a date keeps its day. Dates
// before parseMinDate are refused as broken.
func extractParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[4] == '-' && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range extractDateLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Before(parseMinDate) {
			return time.Time{}, false
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// extractDetectLang guesses the ISO 639-1 code of text's language from
// its script and letter trigrams (whatlanggo), or returns "" when the
// guess is not reliable.
func extractDetectLang(text string) string {
	info := whatlanggo.Detect(text)
	if !info.IsReliable() {
		return ""
	}
	return info.Lang.Iso6391()
}

// Limits of the page-furniture filter.
const (
	// extractShortWords: a line of at most this many words that does
	// not end like a sentence is not prose: a subheading, a label, a
	// kicker, a dateline, a list item.
	extractShortWords = 10
	// extractActionWords: a call to action is at most this long.
	extractActionWords = 8
)

// extractClean removes from the text readability found what belongs to
// the page rather than the article:
//
//   - the headline, when the text repeats it as its first paragraph: the
//     title is shown apart, and a summarizer would pick it;
//   - before the first prose paragraph (extractProse), the paragraphs
//     there when they hold a chrome line (extractChrome) or the byline:
//     a kicker, the byline, a dateline;
//   - after the last prose paragraph, the paragraphs there together with
//     an author's box (the author's name alone, and paragraphs that begin
//     with it: "Mark Whitfield covers …"), when they hold a chrome line,
//     the byline or such a box: a prompt and its list of features, share
//     rows, the author's biography;
//   - chrome lines anywhere.
//
// A sentence or a subheading inside the article stays: a chrome line is a
// label or a call to action, never a sentence, and the runs at the edges
// hold no prose but an author's biography and go only beside a chrome
// line, a byline or an author's box. The edges are left alone when the
// text has no prose at all.
func extractClean(text, title, author string) string {
	text = extractDropHeadline(text, title)
	names := extractAuthorNames(author)
	paras := strings.Split(text, "\n\n")
	start, end := 0, len(paras)
	if slices.ContainsFunc(paras, extractProse) {
		held := false
		for ; !extractProse(paras[start]); start++ {
			held = held || extractFurniture(paras[start], names)
		}
		if !held {
			start = 0
		}
		held = false
		for ; end > start; end-- {
			p := paras[end-1]
			bio := extractBio(p, names)
			if !bio && extractProse(p) {
				break
			}
			held = held || bio || extractFurniture(p, names)
		}
		if !held {
			end = len(paras)
		}
	}
	kept := make([]string, 0, end-start)
	for _, p := range paras[start:end] {
		lines := strings.Split(p, "\n")
		k := lines[:0]
		for _, l := range lines {
			if !extractChrome(l) {
				k = append(k, l)
			}
		}
		if len(k) > 0 {
			kept = append(kept, strings.Join(k, "\n"))
		}
	}
	return strings.Join(kept, "\n\n")
}

// extractDropHeadline removes the headline when the text repeats it as
// its first paragraph.
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

// extractProse reports whether a paragraph is prose: one of its lines
// ends like a sentence or is longer than extractShortWords words.
func extractProse(p string) bool {
	for l := range strings.SplitSeq(p, "\n") {
		if extractSentenceEnd(l) || extractWordCount(l) > extractShortWords {
			return true
		}
	}
	return false
}

// extractSentenceEnd reports whether line ends with a full stop, a
// question or exclamation mark or an ellipsis, before any closing quotes
// and brackets.
func extractSentenceEnd(line string) bool {
	line = strings.TrimRightFunc(line, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"'”’»)]）」』`, r)
	})
	r, _ := utf8.DecodeLastRuneInString(line)
	return strings.ContainsRune(".!?…。！？．", r)
}

// extractFurniture reports whether a paragraph holds a chrome line or
// the byline.
func extractFurniture(p string, names []string) bool {
	for l := range strings.SplitSeq(p, "\n") {
		if extractChrome(l) || extractByline(l, names) {
			return true
		}
	}
	return false
}

// extractAuthorNames splits a byline into its names, lower case: "Tom
// Balmforth, Anastasiia Malenko" or "Tom Balmforth and Anastasiia
// Malenko".
func extractAuthorNames(author string) []string {
	author = strings.ToLower(author)
	author = strings.TrimPrefix(author, "by ")
	var names []string
	for _, part := range strings.FieldsFunc(author, func(r rune) bool { return r == ',' || r == ';' || r == '&' }) {
		for name := range strings.SplitSeq(part, " and ") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, name)
			}
		}
	}
	return names
}

// extractByline reports whether a line is a byline: an author's name,
// or "By" and text naming an author.
func extractByline(line string, names []string) bool {
	low := strings.ToLower(strings.TrimSpace(line))
	for _, name := range names {
		if low == name || strings.HasPrefix(low, "by ") && strings.Contains(low, name) {
			return true
		}
	}
	return false
}

// extractBio reports whether a paragraph is an author's name alone or
// begins with the name of an author named by first and last name, as
// the biography in an author's box does.
func extractBio(p string, names []string) bool {
	low := strings.ToLower(p)
	for _, name := range names {
		if low == name || strings.Contains(name, " ") && strings.HasPrefix(low, name+" ") {
			return true
		}
	}
	return false
}

// extractChromeLabels holds the lines, normalized by extractNormalize,
// that label page furniture wherever they stand: ad labels, section
// labels of related links, share and sign-up buttons.
var extractChromeLabels = map[string]bool{
	"ad": true, "ads": true, "advertisement": true, "advertisements": true, "advertising": true,
	"sponsored": true, "sponsored content": true, "paid content": true, "paid post": true,
	"promoted": true, "promoted content": true, "partner content": true,
	"anzeige": true, "werbung": true, "publicité": true, "publicidad": true, "pubblicità": true,
	"реклама": true, "広告": true, "pr": true, "スポンサーリンク": true, "广告": true, "광고": true,
	"skip advertisement": true, "advertisement scroll to continue": true, "scroll to continue": true,
	"story continues below advertisement": true, "article continues below advertisement": true,
	"continue reading below": true, "continue reading": true, "continue reading the main story": true,
	"related": true, "related articles": true, "related stories": true, "related content": true,
	"related coverage": true, "related posts": true, "related topics": true, "関連記事": true,
	"read more": true, "read next": true, "more stories": true, "most read": true, "most popular": true,
	"recommended": true, "recommended for you": true, "you may also like": true, "you might also like": true,
	"see also": true, "trending": true, "trending now": true, "about the author": true,
	"share": true, "share this": true, "print": true, "email": true, "tweet": true, "copy link": true,
	"subscribe": true, "sign up": true, "sign up here": true, "sign in": true, "log in": true,
	"listen": true, "skip to content": true, "skip to main content": true, "back to top": true,
	"comments": true, "show comments": true, "view comments": true, "leave a comment": true, "leave a reply": true,
}

// extractActions are the verbs that open a call to action, and
// extractActionObjects the words that make it one addressed to the
// reader about the page, its publisher or its channels: "Share this
// article", "Sign up for our newsletter", "Follow us on X", "Try our AI
// features", "Download the app". A line opening with such a verb but
// naming none of these ("Follow the money", "Share prices fall") is not
// one.
var (
	extractActions = map[string]bool{
		"share": true, "sign": true, "log": true, "subscribe": true, "follow": true, "download": true,
		"get": true, "install": true, "try": true, "join": true, "register": true, "listen": true,
		"watch": true, "read": true, "click": true, "tap": true, "continue": true, "support": true,
		"donate": true, "upgrade": true, "unlock": true, "save": true, "print": true, "email": true,
		"tweet": true, "explore": true, "discover": true, "visit": true, "like": true, "copy": true,
		"contact": true, "tell": true,
	}
	extractActionObjects = map[string]bool{
		"our": true, "us": true, "newsletter": true, "newsletters": true, "app": true, "article": true,
		"story": true, "page": true, "link": true, "here": true, "now": true, "free": true, "today": true,
		"facebook": true, "twitter": true, "x": true, "whatsapp": true, "telegram": true, "linkedin": true,
		"reddit": true, "instagram": true, "bluesky": true, "threads": true, "youtube": true,
		"tiktok": true, "pinterest": true, "flipboard": true, "mastodon": true, "email": true,
	}
)

// extractChrome reports whether a line is page chrome: a label of
// extractChromeLabels (whatever its punctuation and case), an agency's
// "Our Standards:" line, or a call to action: at most
// extractActionWords words without sentence punctuation (a final "!"
// aside), opening with a verb of extractActions and naming one of
// extractActionObjects.
func extractChrome(line string) bool {
	words := extractNormalize(line)
	if len(words) == 0 {
		return false
	}
	if extractChromeLabels[strings.Join(words, " ")] {
		return true
	}
	low := strings.ToLower(strings.TrimSpace(line))
	if strings.HasPrefix(low, "our standards:") && len(low) < 100 {
		return true
	}
	if len(words) > extractActionWords || !extractActions[words[0]] ||
		strings.ContainsAny(strings.TrimRight(low, "! "), ".!?。！？") {
		return false
	}
	return slices.ContainsFunc(words[1:], func(w string) bool { return extractActionObjects[w] })
}

// extractNormalize returns the words of line, lower case, without
// punctuation and symbols.
func extractNormalize(line string) []string {
	return strings.FieldsFunc(strings.ToLower(line), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// extractAttr returns the value of n's attribute key, or "".
func extractAttr(n *html.Node, key string) string {
	v, _ := extractHasAttr(n, key)
	return v
}

// extractHasAttr returns the value of n's attribute key and whether n
// has it.
func extractHasAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// extractHasWord reports whether the space-separated list s (a class
// attribute) holds word.
func extractHasWord(s, word string) bool {
	return slices.Contains(strings.Fields(s), word)
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
