package feeds

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/net/html/charset"
)

// MaxOPMLBytes caps the OPML file ParseOPML reads: a subscription list of
// tens of thousands of feeds fits many times over.
const MaxOPMLBytes = 10 << 20

// opmlMaxDepth caps the nesting of outlines; real readers use one or two
// levels of folders.
const opmlMaxDepth = 64

// OPMLFeed is one subscription of an OPML file.
type OPMLFeed struct {
	// FeedURL is the outline's xmlUrl.
	FeedURL string
	// SiteURL is the outline's htmlUrl.
	SiteURL string
	// Title is the outline's title, or its text when it has no title.
	Title string
	// Category is the folder path, outermost first (["Tech", "Go"]);
	// nil for a feed at the top level.
	Category []string
}

// ParseOPML reads the subscriptions of an OPML 1.0 or 2.0 file, as
// exported by Feedly, Inoreader, Miniflux and most readers. Nested outlines
// are flattened in document order, each feed keeping the path of the
// folders around it (or, at the top level, the first path of its category
// attribute); an outline without xmlUrl is a folder. A feed URL seen twice
// is kept once, at its first place. Input over MaxOPMLBytes, a document
// that is not OPML, and broken XML give an error; external entities are
// never expanded.
func ParseOPML(r io.Reader) ([]OPMLFeed, error) {
	lr := &io.LimitedReader{R: r, N: MaxOPMLBytes + 1}
	d := xml.NewDecoder(lr)
	d.CharsetReader = charset.NewReaderLabel
	d.Strict = true
	// HTML's named entities turn up in hand-edited files; the map is
	// fixed, so nothing is expanded beyond one character each.
	d.Entity = xml.HTMLEntity

	var (
		feeds   []OPMLFeed
		seen    = make(map[string]bool)
		path    []string // folder names of the open folder outlines
		stack   []bool   // per open outline: is it a folder (pushed onto path)?
		rootOK  bool
		inBody  bool
		depth   int
		sawBody bool
	)
	for {
		tok, err := d.Token()
		if lr.N <= 0 {
			return nil, fmt.Errorf("parse opml: larger than %s", fetchSize(MaxOPMLBytes))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse opml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			if !rootOK {
				if name != "opml" {
					return nil, fmt.Errorf("parse opml: root element is <%s>, not <opml>", t.Name.Local)
				}
				rootOK = true
				continue
			}
			if depth == 2 && name == "body" {
				inBody, sawBody = true, true
				continue
			}
			if !inBody || name != "outline" {
				if inBody {
					// Foreign markup inside body: skip it whole.
					if err := d.Skip(); err != nil {
						return nil, fmt.Errorf("parse opml: %w", err)
					}
					depth--
				}
				continue
			}
			if len(stack) >= opmlMaxDepth {
				return nil, fmt.Errorf("parse opml: outlines nested deeper than %d", opmlMaxDepth)
			}
			attrs := opmlAttrs(t.Attr)
			feedURL := strings.TrimSpace(attrs["xmlurl"])
			if feedURL == "" {
				name := attrs["title"]
				if name == "" {
					name = attrs["text"]
				}
				path = append(path, strings.TrimSpace(name))
				stack = append(stack, true)
				continue
			}
			stack = append(stack, false)
			if seen[feedURL] {
				continue
			}
			seen[feedURL] = true
			f := OPMLFeed{
				FeedURL: feedURL,
				SiteURL: strings.TrimSpace(attrs["htmlurl"]),
				Title:   strings.TrimSpace(attrs["title"]),
			}
			if f.Title == "" {
				f.Title = strings.TrimSpace(attrs["text"])
			}
			if len(path) > 0 {
				f.Category = slices.Clone(path)
			} else {
				f.Category = opmlCategoryAttr(attrs["category"])
			}
			feeds = append(feeds, f)
		case xml.EndElement:
			depth--
			name := strings.ToLower(t.Name.Local)
			switch {
			case inBody && name == "outline" && len(stack) > 0:
				if stack[len(stack)-1] {
					path = path[:len(path)-1]
				}
				stack = stack[:len(stack)-1]
			case inBody && name == "body" && depth == 1:
				inBody = false
			}
		}
	}
	if !rootOK {
		return nil, errors.New("parse opml: empty document")
	}
	if !sawBody {
		return nil, errors.New("parse opml: no <body> element")
	}
	return feeds, nil
}

// opmlAttrs maps attribute names, lower case, to values: exporters write
// xmlUrl, xmlurl and xmlURL alike.
func opmlAttrs(attrs []xml.Attr) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		k := strings.ToLower(a.Name.Local)
		if _, dup := m[k]; !dup {
			m[k] = a.Value
		}
	}
	return m
}

// opmlCategoryAttr reads the first path of OPML 2.0's category attribute
// ("/Tech/Go,/Other" gives ["Tech", "Go"]).
func opmlCategoryAttr(v string) []string {
	first, _, _ := strings.Cut(v, ",")
	var path []string
	for p := range strings.SplitSeq(first, "/") {
		if p = strings.TrimSpace(p); p != "" {
			path = append(path, p)
		}
	}
	return path
}

// WriteOPML writes feeds as an OPML 2.0 document titled title. Feeds keep
// their order; consecutive feeds of one category share its folder
// outlines. ParseOPML reads the result back as feeds (with titles, URLs
// and category names trimmed of surrounding space). A feed without a URL
// is an error.
func WriteOPML(w io.Writer, title string, feeds []OPMLFeed) error {
	for i, f := range feeds {
		if strings.TrimSpace(f.FeedURL) == "" {
			return fmt.Errorf("write opml: feed %d (%q) has no url", i+1, f.Title)
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	start := func(name string, attrs ...string) error {
		el := xml.StartElement{Name: xml.Name{Local: name}}
		for i := 0; i+1 < len(attrs); i += 2 {
			el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
		}
		return e.EncodeToken(el)
	}
	end := func(name string) error {
		return e.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}})
	}
	err := errors.Join(
		start("opml", "version", "2.0"),
		start("head"),
		start("title"),
		e.EncodeToken(xml.CharData(title)),
		end("title"),
		end("head"),
		start("body"),
	)
	var open []string
	for _, f := range feeds {
		if err != nil {
			break
		}
		// Close the folders this feed is not in, open the ones it is.
		common := 0
		for common < len(open) && common < len(f.Category) && open[common] == f.Category[common] {
			common++
		}
		for len(open) > common && err == nil {
			err = end("outline")
			open = open[:len(open)-1]
		}
		for _, c := range f.Category[common:] {
			if err != nil {
				break
			}
			err = start("outline", "text", c, "title", c)
			open = append(open, c)
		}
		if err != nil {
			break
		}
		attrs := []string{"type", "rss", "text", f.Title}
		if f.Title != "" {
			attrs = append(attrs, "title", f.Title)
		}
		attrs = append(attrs, "xmlUrl", f.FeedURL)
		if f.SiteURL != "" {
			attrs = append(attrs, "htmlUrl", f.SiteURL)
		}
		err = errors.Join(start("outline", attrs...), end("outline"))
	}
	for len(open) > 0 && err == nil {
		err = end("outline")
		open = open[:len(open)-1]
	}
	if err == nil {
		err = errors.Join(end("body"), end("opml"), e.Flush())
	}
	if err == nil {
		_, err = io.WriteString(w, "\n")
	}
	if err != nil {
		return fmt.Errorf("write opml: %w", err)
	}
	return nil
}
