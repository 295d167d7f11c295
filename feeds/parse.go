package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	gofeedjson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"newsbot"
)

// Errors of Parse. Each is wrapped with the detail; test with errors.Is.
var (
	// ErrNotFeed means the body is not RSS, Atom or JSON Feed at all.
	ErrNotFeed = errors.New("not a feed")
	// ErrHTMLPage means the body is an HTML page, not a feed: the caller
	// can look for the feed the page links to. It wraps ErrNotFeed.
	ErrHTMLPage = fmt.Errorf("%w: looks like an HTML page", ErrNotFeed)
	// ErrMalformed means the body is a feed that cannot be read: broken or
	// truncated XML or JSON, or XML refused as unsafe (entity
	// declarations, nesting deeper than parseMaxDepth).
	ErrMalformed = errors.New("malformed feed")
)

// Parsed is a feed read by Parse.
type Parsed struct {
	// Title is the feed's title as clean text.
	Title string
	// SiteURL is the publisher's home page, absolute; empty if not given.
	SiteURL string
	// ImageURL is the feed's logo or icon, absolute; empty if none.
	ImageURL string
	// Language is the feed's declared language tag, as given.
	Language string
	// Format names the format and version, e.g. "rss 2.0", "atom 1.0",
	// "json 1.1", for diagnostics.
	Format string
	// TTL is RSS <ttl>: how long the publisher asks readers to cache the
	// feed; 0 when not given.
	TTL time.Duration
	// Items are the feed's items in feed order.
	Items []Item
	// Skipped counts items dropped because they had no title, no text
	// and no link.
	Skipped int
}

// Item is one feed item: the article to store, and what the publisher
// said about it that the article does not keep.
type Item struct {
	newsbot.Article
	// GUID is the publisher's id for the item (RSS guid, Atom id, JSON
	// Feed id), trimmed; empty when it has none.
	GUID string
	// DateIgnored is set when the item had a date that Parse refused (see
	// Parse) and PublishedAt was left zero.
	DateIgnored bool
}

// Limits and policies of Parse.
const (
	// parseMaxDepth caps element nesting. Real feeds nest under 10 deep
	// and XHTML content a few dozen more; the XML readers below recurse
	// per level, so a hostile feed must not choose the depth.
	parseMaxDepth = 256
	// parseFutureSlack is how far ahead of now a date may be before it is
	// taken for a publisher's clock or time-zone error.
	parseFutureSlack = 24 * time.Hour
	// parseMaxTitle is the length, in runes, of a title derived from text.
	parseMaxTitle = 100
	// parseSniff is how far into the body Parse looks for the root
	// element past leading garbage.
	parseSniff = 64 << 10
)

// parseMinDate is the earliest date believed: a date before it is a
// zero or epoch value from a broken generator.
var parseMinDate = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)

// Parse reads an RSS (0.9x, 1.0, 2.0), Atom or JSON Feed (1.0, 1.1) body.
// contentType is the response's Content-Type header (its charset is
// used), feedURL the address the body came from: relative links resolve
// against the item's xml:base, else the feed's site link, else feedURL.
// now is the time the body was fetched.
//
// Real-world damage does not lose a feed: byte-order marks, UTF-16 and
// UTF-32, a declared non-UTF-8 charset, undeclared Windows-1252 or
// ISO-8859-1 text, stray invalid UTF-8 (replaced by U+FFFD), control
// characters, HTML entities that XML does not define, and garbage before
// the root element are all read. Items without a title get one from their
// text; items without a date get a zero PublishedAt, which the poller
// replaces by the first-seen time.
//
// A date more than a day after now, or before 1995, is a publisher's
// error: it would pin the item to the top of every listing or bury it, so
// it is dropped (PublishedAt zero, DateIgnored set) and the first-seen
// time stands in, as for an undated item.
//
// Errors wrap ErrHTMLPage when the body is a web page (run feed discovery
// on it), ErrNotFeed when it is something else, and ErrMalformed when it
// is a feed that cannot be read: broken or truncated XML or JSON, a
// DOCTYPE declaring entities (the "billion laughs" bomb; encoding/xml would
// not expand them, but the feed is refused rather than read with literal
// &name; references), or nesting deeper than 256 elements.
func Parse(body []byte, contentType, feedURL string, now time.Time) (*Parsed, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	data := parseStripControl(parseToUTF8(body, contentType))

	var (
		isJSON bool
		root   int
	)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		isJSON = true
		data = trimmed
	case len(trimmed) > 0 && trimmed[0] == '[':
		return nil, fmt.Errorf("%w: a JSON array, not a JSON Feed object", ErrNotFeed)
	default:
		var err error
		if root, err = parseFindRoot(data); err != nil {
			return nil, err
		}
		data = data[root:]
		if err := parseCheckDepth(data); err != nil {
			return nil, err
		}
	}

	p := gofeed.NewParser()
	// Images in content are found while the content is turned into text,
	// so gofeed's own scan (a full HTML parse per item) is not needed.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	// The original feed holds what the universal one drops: RSS <ttl>,
	// guid isPermaLink, JSON content_text.
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("%w: format not recognized", ErrNotFeed)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if isJSON {
		if jf, ok := f.OriginalFeed().(*gofeedjson.Feed); ok &&
			!strings.Contains(jf.Version, "jsonfeed.org") && len(jf.Items) == 0 {
			return nil, fmt.Errorf("%w: JSON without a JSON Feed version or items", ErrNotFeed)
		}
	}
	return parseBuild(f, feedURL, now), nil
}

// parseBuild turns gofeed's universal feed into a Parsed.
func parseBuild(f *gofeed.Feed, feedURL string, now time.Time) *Parsed {
	feedBase := normalizeBase(feedURL)
	out := &Parsed{
		Title:    parseOneLine(f.Title),
		SiteURL:  normalizeResolve(feedBase, f.Link),
		Language: strings.TrimSpace(f.Language),
		Format:   parseFormat(f),
	}
	if f.Image != nil {
		out.ImageURL = normalizeResolve(feedBase, f.Image.URL)
	}
	// Relative item links are relative to the site more often than to the
	// feed (a feed hosted elsewhere, a feed under /feed/): prefer the
	// site's address when the feed names one.
	base := feedBase
	if b := normalizeBase(out.SiteURL); b != nil {
		base = b
	}

	var rssItems []*rss.Item
	var jsonItems []*gofeedjson.Item
	switch of := f.OriginalFeed().(type) {
	case *rss.Feed:
		if n, err := strconv.Atoi(strings.TrimSpace(of.TTL)); err == nil && n > 0 && n < 60*24*365 {
			out.TTL = time.Duration(n) * time.Minute
		}
		rssItems = of.Items
	case *gofeedjson.Feed:
		jsonItems = of.Items
	}

	// Atom and JSON Feed give a feed-level author to the entries that
	// name none; RSS's managingEditor is a contact, not a byline.
	var feedAuthor string
	if f.FeedType == "atom" || f.FeedType == "json" {
		feedAuthor = parseAuthors(f.Authors, f.Author)
	}

	out.Items = make([]Item, 0, len(f.Items))
	for i, gi := range f.Items {
		var ri *rss.Item
		if len(rssItems) == len(f.Items) {
			ri = rssItems[i]
		}
		var ji *gofeedjson.Item
		if len(jsonItems) == len(f.Items) {
			ji = jsonItems[i]
		}
		it, ok := parseItem(gi, ri, ji, base, now)
		if it.Author == "" {
			it.Author = feedAuthor
		}
		if !ok {
			out.Skipped++
			continue
		}
		out.Items = append(out.Items, it)
	}
	return out
}

// parseItem builds one item; ok is false when the item has nothing to
// show: no title, no text and no link.
func parseItem(gi *gofeed.Item, ri *rss.Item, ji *gofeedjson.Item, base *url.URL, now time.Time) (Item, bool) {
	var it Item
	it.GUID = strings.TrimSpace(gi.GUID)

	// Link: the item's link, else an RSS guid that is a permalink (the
	// default unless isPermaLink="false"), else the first other link.
	link := normalizeResolve(base, gi.Link)
	if link == "" && ri != nil && ri.GUID != nil && !strings.EqualFold(strings.TrimSpace(ri.GUID.IsPermalink), "false") {
		link = normalizeResolve(nil, ri.GUID.Value)
	}
	for _, l := range gi.Links {
		if link != "" {
			break
		}
		link = normalizeResolve(base, l)
	}
	if c, err := CanonicalURL(link); err == nil {
		it.URL = c
	}

	text, img := parseText(gi, ji)
	it.Text = text
	it.Title = parseOneLine(gi.Title)
	if it.Title == "" {
		it.Title = parseDeriveTitle(text)
	}
	if it.Title == "" && it.Text == "" {
		if it.URL == "" {
			return it, false
		}
		it.Title = it.URL
	}
	it.Author = parseAuthors(gi.Authors, gi.Author)
	it.ImageURL = parseImage(gi, base, img)

	switch {
	case gi.PublishedParsed != nil:
		it.PublishedAt = gi.PublishedParsed.UTC()
	case gi.UpdatedParsed != nil:
		it.PublishedAt = gi.UpdatedParsed.UTC()
	}
	if !it.PublishedAt.IsZero() && (it.PublishedAt.After(now.Add(parseFutureSlack)) || it.PublishedAt.Before(parseMinDate)) {
		it.PublishedAt = time.Time{}
		it.DateIgnored = true
	}

	it.DedupeKey = DedupeKey(it.GUID, link, it.Title, it.Text)
	// No fingerprint here: most items of a poll are known already, and
	// the poller signs the new ones (after full text) when it saves them.
	return it, true
}

// parseText returns the item's text, the longest of its content,
// description and media description once turned into clean text, and the
// first image found in them.
func parseText(gi *gofeed.Item, ji *gofeedjson.Item) (text, img string) {
	consider := func(t, i string) {
		if img == "" {
			img = i
		}
		if utf8.RuneCountInString(t) > utf8.RuneCountInString(text) {
			text = t
		}
	}
	if ji != nil && ji.ContentHTML == "" && ji.ContentText != "" {
		// JSON Feed content_text is plain text even when it holds '<'.
		consider(textPlain(ji.ContentText), "")
	} else if gi.Content != "" {
		consider(textHTMLWithImage(gi.Content))
	}
	if gi.Description != "" {
		consider(textHTMLWithImage(gi.Description))
	}
	if d := parseMediaValue(gi.Extensions, "description"); d != "" {
		consider(textHTMLWithImage(d))
	}
	return parseDropBoilerplate(text), img
}

// parseDropBoilerplate removes a last paragraph that a publishing system
// appends to every item, which would otherwise be summarized and searched
// as if it were the article: WordPress's "The post X appeared first on
// Y." and Reddit's "submitted by /u/X [link] [comments]".
func parseDropBoilerplate(text string) string {
	head, last := "", text
	if i := strings.LastIndex(text, "\n\n"); i >= 0 {
		head, last = text[:i], text[i+2:]
	}
	switch {
	case strings.HasPrefix(last, "The post ") && strings.Contains(last, " appeared first on "),
		strings.HasPrefix(last, "submitted by /u/") && strings.HasSuffix(last, "[link] [comments]"):
		return strings.TrimSpace(head)
	}
	return text
}

// parseOneLine cleans a title or name: markup stripped, entities decoded,
// all white space one space.
func parseOneLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if textLooksHTML(s) {
		s = HTMLText(s)
	}
	return strings.Join(strings.Fields(parseValid(s)), " ")
}

// parseValid replaces invalid UTF-8 by U+FFFD.
func parseValid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// parseDeriveTitle makes a title for an untitled item: the text's first
// sentence when it is short enough, else its first words, cut at a word
// boundary near parseMaxTitle runes and marked with an ellipsis.
func parseDeriveTitle(text string) string {
	if text == "" {
		return ""
	}
	first, _, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	if end := parseSentenceEnd(first); end > 0 {
		first = first[:end]
	}
	if utf8.RuneCountInString(first) <= parseMaxTitle {
		return first
	}
	// Cut at the last space before the limit; scripts written without
	// spaces are cut at the limit.
	cut, n, lastSpace := 0, 0, -1
	for i, r := range first {
		if n == parseMaxTitle {
			cut = i
			break
		}
		if unicode.IsSpace(r) {
			lastSpace = i
		}
		n++
	}
	if lastSpace > cut/2 {
		cut = lastSpace
	}
	return strings.TrimRight(first[:cut], " ,;:–—-") + "…"
}

// parseSentenceEnd returns the byte offset just past the first sentence of
// s, or 0 when none ends early. A full stop must be followed by a space
// and a capital (so "U.S. Defense" does not end one) and the sentence must
// be at least a few words long.
func parseSentenceEnd(s string) int {
	const minLen = 20
	for i, r := range s {
		switch r {
		case '。', '！', '？':
			return i + utf8.RuneLen(r)
		case '.', '!', '?':
			if i < minLen {
				continue
			}
			rest := s[i+1:]
			if rest == "" {
				return i + 1
			}
			if rest[0] != ' ' {
				continue
			}
			next, _ := utf8.DecodeRuneInString(strings.TrimLeft(rest, " \"'“‘"))
			if r != '.' || unicode.IsUpper(next) || unicode.IsDigit(next) {
				return i + 1
			}
		}
	}
	return 0
}

// parseAuthors returns the names of people joined by commas (author is
// gofeed's deprecated single author, used when people is empty). E-mail
// addresses are left out: RSS requires one in <author>, and they are
// often a no-reply address rather than a byline.
func parseAuthors(people []*gofeed.Person, author *gofeed.Person) string {
	if len(people) == 0 && author != nil {
		people = []*gofeed.Person{author}
	}
	var names []string
	for _, p := range people {
		if p == nil {
			continue
		}
		if n := parseOneLine(p.Name); n != "" && !strings.Contains(n, "@") {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// parseFormat names a feed's format and version: "rss 2.0", "atom 1.0",
// "json 1.1".
func parseFormat(f *gofeed.Feed) string {
	v := strings.TrimSpace(f.FeedVersion)
	if f.FeedType == "json" {
		v = strings.TrimSuffix(v[strings.LastIndexByte(v, '/')+1:], "/")
		if !strings.Contains(v, ".") && v != "" {
			v += ".0"
		}
	}
	return strings.TrimSpace(f.FeedType + " " + v)
}

// parseImage picks the item's image, resolved to an absolute http(s) URL:
// an image media:content, else the widest media:thumbnail, else an image
// enclosure, else gofeed's item image (iTunes image, JSON Feed image or
// banner), else the first <img> of the content.
func parseImage(gi *gofeed.Item, base *url.URL, contentImg string) string {
	candidates := []string{
		parseMediaImage(gi.Extensions),
	}
	for _, e := range gi.Enclosures {
		if e != nil && (strings.HasPrefix(strings.ToLower(e.Type), "image/") || e.Type == "" && parseImagePath(e.URL)) {
			candidates = append(candidates, e.URL)
		}
	}
	if gi.Image != nil {
		candidates = append(candidates, gi.Image.URL)
	}
	if gi.ITunesExt != nil {
		candidates = append(candidates, gi.ITunesExt.Image)
	}
	candidates = append(candidates, contentImg)
	for _, c := range candidates {
		if u := normalizeResolve(base, c); u != "" {
			return u
		}
	}
	return ""
}

// parseImagePath reports whether a URL's path ends like an image file.
func parseImagePath(u string) bool {
	p, _, _ := strings.Cut(strings.ToLower(u), "?")
	for _, ext := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// parseMediaElems returns the Media RSS elements called name on the item
// and in its media:group elements.
func parseMediaElems(exts ext.Extensions, name string) []ext.Extension {
	media := exts["media"]
	if media == nil {
		return nil
	}
	out := append([]ext.Extension(nil), media[name]...)
	for _, g := range media["group"] {
		out = append(out, g.Children[name]...)
	}
	return out
}

// parseMediaValue returns the text of the first Media RSS element called
// name (on the item or in a media:group).
func parseMediaValue(exts ext.Extensions, name string) string {
	for _, e := range parseMediaElems(exts, name) {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// parseMediaImage returns the url of the first media:content that is an
// image, else of the widest media:thumbnail.
func parseMediaImage(exts ext.Extensions) string {
	for _, c := range parseMediaElems(exts, "content") {
		if strings.HasPrefix(c.Attrs["type"], "image/") || c.Attrs["medium"] == "image" ||
			c.Attrs["type"] == "" && c.Attrs["medium"] == "" && parseImagePath(c.Attrs["url"]) {
			if u := c.Attrs["url"]; u != "" {
				return u
			}
		}
	}
	best, bestW := "", -1
	for _, t := range parseMediaElems(exts, "thumbnail") {
		u := t.Attrs["url"]
		if u == "" {
			continue
		}
		w, err := strconv.Atoi(t.Attrs["width"])
		if err != nil {
			w = 0
		}
		if w > bestW {
			best, bestW = u, w
		}
	}
	return best
}

// parseToUTF8 returns body as UTF-8.
//
// Order of evidence: a byte-order mark; UTF-16 without one (every other
// byte zero); then valid UTF-8 is taken as UTF-8 whatever is declared,
// since a feed labelled ISO-8859-1 that holds valid multi-byte UTF-8 was
// mislabelled (a legacy encoding almost never forms valid UTF-8). Only
// invalid UTF-8 is decoded with the declared charset: Content-Type's
// charset, else the XML declaration's encoding. Undeclared, it is UTF-8
// with a few broken bytes (replaced by U+FFFD) when valid multi-byte
// sequences outnumber the invalid bytes, and Windows-1252 (a superset of
// ISO-8859-1's printable range) otherwise.
func parseToUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return parseRepairUTF8(body[3:])
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE, 0, 0}):
		return parseDecode(utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM), body)
	case bytes.HasPrefix(body, []byte{0, 0, 0xFE, 0xFF}):
		return parseDecode(utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM), body)
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return parseDecode(xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), body)
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return parseDecode(xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), body)
	case len(body) >= 4 && body[0] != 0 && body[1] == 0 && body[2] != 0 && body[3] == 0:
		return parseDecode(xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), body)
	case len(body) >= 4 && body[0] == 0 && body[1] != 0 && body[2] == 0 && body[3] != 0:
		return parseDecode(xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), body)
	}

	enc := parseDeclared(contentType, body)
	if utf8.Valid(body) {
		// ISO-2022-JP and its kin are 7-bit: valid UTF-8 bytes that still
		// need decoding. Their escape sequences start with ESC.
		if enc != nil && bytes.IndexByte(body, 0x1B) >= 0 {
			return parseDecode(enc, body)
		}
		return body
	}
	if enc != nil {
		return parseDecode(enc, body)
	}
	if parseMostlyUTF8(body) {
		return parseRepairUTF8(body)
	}
	return parseDecode(charmap.Windows1252, body)
}

// parseDeclared returns the non-UTF-8, byte-oriented encoding that
// Content-Type or the XML declaration names, or nil. UTF-16 labels are
// ignored here: a UTF-16 body was recognized from its bytes, so a body
// that reaches this point and says UTF-16 is mislabelled.
func parseDeclared(contentType string, body []byte) encoding.Encoding {
	labels := make([]string, 0, 2)
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
			labels = append(labels, params["charset"])
		}
	}
	if l := parseXMLEncoding(body); l != "" {
		labels = append(labels, l)
	}
	for _, l := range labels {
		enc, name := charset.Lookup(l)
		if enc == nil || name == "utf-8" || strings.HasPrefix(name, "utf-16") {
			continue
		}
		return enc
	}
	return nil
}

// parseXMLEncoding returns the encoding named in the XML declaration
// near the start of body, or "".
func parseXMLEncoding(body []byte) string {
	head := body[:min(len(body), 1024)]
	i := bytes.Index(head, []byte("<?xml"))
	if i < 0 {
		return ""
	}
	decl := head[i:]
	if end := bytes.Index(decl, []byte("?>")); end >= 0 {
		decl = decl[:end]
	}
	j := bytes.Index(decl, []byte("encoding"))
	if j < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[j+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	end := bytes.IndexByte(rest[1:], q)
	if end < 0 {
		return ""
	}
	return string(rest[1 : 1+end])
}

// parseMostlyUTF8 reports whether valid multi-byte UTF-8 sequences
// outnumber invalid bytes in b.
func parseMostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			invalid++
		} else {
			valid++
		}
		b = b[n:]
	}
	return valid > invalid
}

// parseRepairUTF8 replaces invalid UTF-8 in b by U+FFFD.
func parseRepairUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// parseDecode decodes b with enc; what cannot be decoded becomes U+FFFD.
func parseDecode(enc encoding.Encoding, b []byte) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return parseRepairUTF8(b)
	}
	return parseRepairUTF8(out)
}

// parseStripControl removes what XML 1.0 forbids in a document (C0
// control characters other than tab, line feed and carriage return, and
// U+FFFE and U+FFFF) from UTF-8 b; vertical tabs and form feeds become
// spaces. JSON forbids raw control characters too. b is returned as it
// is when it has none.
func parseStripControl(b []byte) []byte {
	bad := func(i int) int {
		c := b[i]
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return 1
		}
		if c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF) {
			return 3
		}
		return 0
	}
	first := -1
	for i := range b {
		if bad(i) > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return b
	}
	out := make([]byte, first, len(b))
	copy(out, b[:first])
	for i := first; i < len(b); {
		if n := bad(i); n > 0 {
			if b[i] == '\v' || b[i] == '\f' {
				// Word processors' line and page breaks: keep the words
				// they separate apart.
				out = append(out, ' ')
			}
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// parseFindRoot returns the offset of the feed's root element (<rss>,
// <rdf:RDF> or <feed>) in XML data, skipping the XML declaration,
// comments, a DOCTYPE and any garbage in front (a PHP warning, blank
// lines, a stray byte). The DOCTYPE is checked on the way: one that
// declares entities is refused.
func parseFindRoot(data []byte) (int, error) {
	i := 0
	first := "" // name of the first element, for the error
	for i < len(data) {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return 0, fmt.Errorf("%w: unterminated XML declaration", ErrMalformed)
			}
			i += end + 2
			continue
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest, []byte("-->"))
			if end < 0 {
				return 0, fmt.Errorf("%w: unterminated comment before the root element", ErrMalformed)
			}
			i += end + 3
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			n, err := parseDoctype(rest)
			if err != nil {
				return 0, err
			}
			if parseHasPrefixFold(rest, "<!doctype html") {
				return 0, ErrHTMLPage
			}
			i += n
			continue
		}
		name := parseTagName(rest[1:])
		if name == "" {
			i++
			continue
		}
		if parseIsFeedRoot(name) {
			return i, nil
		}
		first = name
		break
	}
	// The first element is not a feed root: an HTML page, or garbage
	// before the feed. Look for a feed root further in.
	sniff := data[:min(len(data), parseSniff)]
	for _, pat := range []string{"<rss", "<feed", "<rdf:RDF", "<RDF", "<rdf:rdf"} {
		for off := 0; ; {
			k := bytes.Index(sniff[off:], []byte(pat))
			if k < 0 {
				break
			}
			at := off + k
			if name := parseTagName(data[at+1:]); parseIsFeedRoot(name) {
				if strings.EqualFold(first, "html") {
					// A feed quoted inside a page is still a page.
					break
				}
				return at, nil
			}
			off = at + 1
		}
	}
	if strings.EqualFold(first, "html") || parseLooksHTML(sniff) {
		return 0, ErrHTMLPage
	}
	if first != "" {
		return 0, fmt.Errorf("%w: root element <%s> is not rss, rdf:RDF or feed", ErrNotFeed, first)
	}
	return 0, fmt.Errorf("%w: no XML or JSON found", ErrNotFeed)
}

// parseLooksHTML reports whether b reads like a web page.
func parseLooksHTML(b []byte) bool {
	low := bytes.ToLower(b)
	for _, m := range []string{"<!doctype html", "<html", "<head>", "<body", "<meta "} {
		if bytes.Contains(low, []byte(m)) {
			return true
		}
	}
	return false
}

// parseIsFeedRoot reports whether an element name is a feed root.
func parseIsFeedRoot(name string) bool {
	local := name
	if k := strings.IndexByte(name, ':'); k >= 0 {
		local = name[k+1:]
	}
	return strings.EqualFold(local, "rss") || strings.EqualFold(local, "rdf") || local == "feed"
}

// parseTagName returns the element name at the start of b (just past
// '<'), or "" if b does not start with one.
func parseTagName(b []byte) string {
	n := 0
	for n < len(b) {
		c := b[n]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80 ||
			n > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':') {
			n++
			continue
		}
		break
	}
	if n == 0 || n < len(b) && !(b[n] == ' ' || b[n] == '>' || b[n] == '/' || b[n] == '\t' || b[n] == '\n' || b[n] == '\r') {
		return ""
	}
	return string(b[:n])
}

func parseHasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// parseDoctype measures the markup declaration at the start of b
// ("<!DOCTYPE ...>", with an internal subset in brackets) and refuses
// entity declarations in it.
func parseDoctype(b []byte) (int, error) {
	depth := 0
	var quote byte
	for i := 2; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case c == '<' && depth > 0 && bytes.HasPrefix(b[i:], []byte("<!ENTITY")):
			return 0, fmt.Errorf("%w: DOCTYPE declares entities (refused: possible entity expansion bomb)", ErrMalformed)
		case c == '>' && depth <= 0:
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("%w: unterminated DOCTYPE", ErrMalformed)
}

// parseVoid holds HTML elements that need no end tag; XHTML content
// that forgets to close them must not count as nesting.
var parseVoid = map[string]bool{
	"br": true, "img": true, "hr": true, "input": true, "meta": true, "link": true,
	"wbr": true, "area": true, "base": true, "col": true, "embed": true, "source": true,
	"track": true, "param": true,
}

// parseCheckDepth refuses XML nested deeper than parseMaxDepth. It reads
// tags only, skipping comments, CDATA sections and processing
// instructions; the parser after it finds everything else wrong.
func parseCheckDepth(data []byte) error {
	depth := 0
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		rest := data[i:]
		if len(rest) < 2 {
			return nil
		}
		switch rest[1] {
		case '/':
			if depth > 0 {
				depth--
			}
			i += 2
			continue
		case '?':
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				return nil
			}
			i += end + 2
			continue
		case '!':
			end := -1
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				if end = bytes.Index(rest[4:], []byte("-->")); end >= 0 {
					end += 4 + 3
				}
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				if end = bytes.Index(rest[9:], []byte("]]>")); end >= 0 {
					end += 9 + 3
				}
			default:
				if end = bytes.IndexByte(rest, '>'); end >= 0 {
					end++
				}
			}
			if end < 0 {
				return nil
			}
			i += end
			continue
		}
		name := parseTagName(rest[1:])
		if name == "" {
			i++
			continue
		}
		// Find the end of the tag, minding quoted attribute values.
		end, selfClosing := -1, false
		var quote byte
		for k := 1 + len(name); k < len(rest); k++ {
			c := rest[k]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				end, selfClosing = k, rest[k-1] == '/'
				break
			}
		}
		if end < 0 {
			return nil
		}
		i += end + 1
		if selfClosing || parseVoid[strings.ToLower(name)] {
			continue
		}
		if depth++; depth > parseMaxDepth {
			return fmt.Errorf("%w: elements nested deeper than %d", ErrMalformed, parseMaxDepth)
		}
	}
	return nil
}
