package feeds

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// DiscoveredFeed is a feed a web page announces with
// <link rel="alternate" type="application/rss+xml" href="...">.
type DiscoveredFeed struct {
	// URL is absolute, http or https.
	URL string
	// Title is the link's title attribute, often "Site » Feed".
	Title string
	// Type is the announced media type, lower case, without parameters:
	// application/rss+xml, application/atom+xml, application/feed+json,
	// application/json or application/rdf+xml.
	Type string
}

// discoverFeedTypes are the media types of <link> elements that announce
// a feed.
var discoverFeedTypes = map[string]bool{
	"application/rss+xml":    true,
	"application/atom+xml":   true,
	"application/feed+json":  true,
	"application/json":       true,
	"application/rdf+xml":    true, // RSS 1.0
	"application/x-rss+xml":  true,
	"application/x-atom+xml": true,
}

// DiscoverFeeds returns the feeds an HTML page announces in <link
// rel="alternate"> (or rel="feed") elements with a feed media type, in
// document order, each once. Relative hrefs are resolved against the
// page's <base href>, else pageURL, which must be an absolute http or
// https URL. Links to other schemes are left out, and so are WordPress
// REST API links (type application/json under /wp-json/), which are not
// feeds. A page with no feed links gives an empty list and no error.
func DiscoverFeeds(body []byte, pageURL string) ([]DiscoveredFeed, error) {
	page, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("discover feeds of %q: %w", pageURL, err)
	}
	if (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return nil, fmt.Errorf("discover feeds of %q: not an absolute http or https URL", pageURL)
	}

	type link struct{ href, title, typ string }
	var links []link
	base := page
	baseSeen := false
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return nil, fmt.Errorf("discover feeds of %s: %w", page.Redacted(), err)
			}
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		switch string(name) {
		case "base":
			// The document's base URL is that of its first <base href>,
			// wherever it stands.
			attrs := discoverAttrs(z)
			if href, ok := attrs["href"]; ok && !baseSeen {
				baseSeen = true
				if b, err := page.Parse(strings.TrimSpace(href)); err == nil {
					base = b
				}
			}
		case "link":
			attrs := discoverAttrs(z)
			if !discoverIsFeedRel(attrs["rel"]) {
				continue
			}
			typ, _, err := mime.ParseMediaType(attrs["type"])
			if err != nil || !discoverFeedTypes[typ] {
				continue
			}
			href := strings.TrimSpace(attrs["href"])
			if href == "" {
				continue
			}
			links = append(links, link{href: href, title: strings.TrimSpace(attrs["title"]), typ: typ})
		}
	}

	var feeds []DiscoveredFeed
	seen := make(map[string]bool, len(links))
	for _, l := range links {
		u, err := base.Parse(l.href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		if l.typ == "application/json" && strings.Contains(u.Path, "/wp-json/") {
			continue
		}
		u.Fragment = ""
		u.RawFragment = ""
		s := u.String()
		if seen[s] {
			continue
		}
		seen[s] = true
		feeds = append(feeds, DiscoveredFeed{URL: s, Title: l.title, Type: l.typ})
	}
	return feeds, nil
}

// discoverAttrs reads the current tag's attributes, keys lower case; the
// first of a repeated attribute wins, as in browsers.
func discoverAttrs(z *html.Tokenizer) map[string]string {
	attrs := make(map[string]string, 4)
	for {
		key, val, more := z.TagAttr()
		k := strings.ToLower(string(key))
		if _, dup := attrs[k]; !dup {
			attrs[k] = string(val)
		}
		if !more {
			return attrs
		}
	}
}

// discoverIsFeedRel reports whether a rel attribute (a set of
// space-separated, case-insensitive tokens) marks a feed link.
func discoverIsFeedRel(rel string) bool {
	for _, tok := range strings.Fields(rel) {
		if strings.EqualFold(tok, "alternate") || strings.EqualFold(tok, "feed") {
			return true
		}
	}
	return false
}

// discoverFallbackPaths are where feeds usually live when a page does not
// announce one: WordPress, Hugo, Jekyll, Ghost and most static generators.
var discoverFallbackPaths = []string{"/feed", "/rss", "/atom.xml", "/feed.xml", "/index.xml", "/rss.xml"}

// FallbackFeedURLs returns the usual feed addresses on pageURL's site
// (/feed, /rss, /atom.xml, /feed.xml, /index.xml, /rss.xml), absolute, in
// the order worth trying, for a page that announces no feed.
func FallbackFeedURLs(pageURL string) ([]string, error) {
	page, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("fallback feed urls of %q: %w", pageURL, err)
	}
	if (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return nil, fmt.Errorf("fallback feed urls of %q: not an absolute http or https URL", pageURL)
	}
	urls := make([]string, len(discoverFallbackPaths))
	for i, p := range discoverFallbackPaths {
		u := url.URL{Scheme: page.Scheme, Host: page.Host, Path: p}
		urls[i] = u.String()
	}
	return urls, nil
}

// ContentKind is what a fetched body is, as far as SniffContent can tell.
type ContentKind int

// Kinds of content.
const (
	// ContentUnknown is neither recognizably a feed nor a web page.
	ContentUnknown ContentKind = iota
	// ContentFeed is an RSS, Atom, RDF or JSON feed.
	ContentFeed
	// ContentHTML is a web page: look for its feeds with DiscoverFeeds.
	ContentHTML
)

// String returns "unknown", "feed" or "html".
func (k ContentKind) String() string {
	switch k {
	case ContentFeed:
		return "feed"
	case ContentHTML:
		return "html"
	}
	return "unknown"
}

// discoverSniffLen is how much of a body SniffContent looks at: enough to
// get past an XML declaration, stylesheet instructions, comments and a
// doctype.
const discoverSniffLen = 8 << 10

// SniffContent tells whether a fetched body is a feed or an HTML page. The
// body decides when it can (servers often label feeds text/html and pages
// text/xml): the first element after the XML prolog (rss, feed, rdf:RDF
// versus html, head, body...) or, for JSON, a jsonfeed.org version. When
// the body says nothing clear, contentType decides.
func SniffContent(contentType string, body []byte) ContentKind {
	if k := discoverSniffBody(body); k != ContentUnknown {
		return k
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ContentUnknown
	}
	switch mt {
	case "application/rss+xml", "application/atom+xml", "application/feed+json",
		"application/rdf+xml", "application/x-rss+xml", "application/x-atom+xml":
		return ContentFeed
	case "text/html", "application/xhtml+xml":
		return ContentHTML
	}
	return ContentUnknown
}

func discoverSniffBody(body []byte) ContentKind {
	b := body[:min(len(body), discoverSniffLen)]
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n\f")
	if len(b) == 0 {
		return ContentUnknown
	}
	if b[0] == '{' {
		if bytes.Contains(b, []byte("jsonfeed.org/version")) {
			return ContentFeed
		}
		return ContentUnknown
	}
	for len(b) > 0 && b[0] == '<' {
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end := bytes.Index(b, []byte("?>"))
			if end < 0 {
				return ContentUnknown
			}
			b = b[end+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			end := bytes.Index(b[4:], []byte("-->"))
			if end < 0 {
				return ContentUnknown
			}
			b = b[4+end+3:]
		case bytes.HasPrefix(b, []byte("<!")):
			// A doctype: <!DOCTYPE html> names the page; an RSS 0.91
			// doctype names rss.
			end := bytes.IndexByte(b, '>')
			if end < 0 {
				return ContentUnknown
			}
			fields := strings.Fields(strings.ToLower(string(b[2:end])))
			if len(fields) >= 2 && fields[0] == "doctype" {
				switch fields[1] {
				case "html":
					return ContentHTML
				case "rss":
					return ContentFeed
				}
			}
			b = b[end+1:]
		default:
			return discoverSniffElement(b[1:])
		}
		b = bytes.TrimLeft(b, " \t\r\n\f")
	}
	return ContentUnknown
}

// discoverSniffElement classifies a document by the name of its first
// element (b starts just after the '<').
func discoverSniffElement(b []byte) ContentKind {
	end := bytes.IndexAny(b, " \t\r\n\f/>")
	if end < 0 {
		end = len(b)
	}
	name := strings.ToLower(string(b[:end]))
	if _, local, ok := strings.Cut(name, ":"); ok {
		name = local
	}
	switch name {
	case "rss", "feed", "rdf":
		return ContentFeed
	case "html", "head", "body", "meta", "title", "link", "script", "style", "div", "p", "a":
		return ContentHTML
	}
	return ContentUnknown
}
