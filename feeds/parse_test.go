package feeds

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/encoding/charmap"
)

// parseNow is when the test feeds are read: the day after most of them
// were published.
var parseNow = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

func parseFile(t testing.TB, name, contentType string) *Parsed {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b, contentType, "https://feeds.example/"+name, parseNow)
	if err != nil {
		t.Fatalf("Parse(%s) error: %v", name, err)
	}
	return p
}

func mustTime(s string) time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return tm.UTC()
}

// TestParseFormats reads a real-shaped sample of every format and checks
// the feed and its first item field by field.
func TestParseFormats(t *testing.T) {
	type want struct {
		format, title, site, image string
		ttl                        time.Duration
		items                      int
		// first item
		itemTitle, url, guid, key, author, itemImage string
		published                                    time.Time
		textHas, textLacks                           []string
	}
	tests := []struct {
		file, contentType string
		want              want
	}{
		{"wordpress-rss2.xml", "application/rss+xml; charset=UTF-8", want{
			format: "rss 2.0", title: "Eastern Europe Monitor", site: "https://easterneuropemonitor.org/",
			image: "https://easterneuropemonitor.org/wp-content/uploads/2023/02/cropped-eem-icon-32x32.png", items: 3,
			itemTitle: "Ukraine and Russia complete 1,000-for-1,000 prisoner exchange",
			url:       "https://easterneuropemonitor.org/2025/05/25/ukraine-russia-complete-prisoner-exchange/",
			guid:      "https://easterneuropemonitor.org/?p=48213", key: "url:easterneuropemonitor.org/?p=48213",
			author: "Olena Kovalenko", itemImage: "https://easterneuropemonitor.org/wp-content/uploads/2025/05/prisoner-exchange-chernihiv-1024x683.jpg",
			published: mustTime("2025-05-25T15:02:17Z"),
			textHas: []string{
				"Ukraine and Russia have completed their three-day exchange of prisoners",
				"on May 16 – the first face-to-face meeting",
				"“Every single one”\n\nPresident Volodymyr Zelenskyy",
				"Friday: 390 released by each side\nSaturday: 307",
			},
			textLacks: []string{"appeared first on", "Photo: Presidential Office", "widgets.js", "<p>"},
		}},
		{"bbc-rss2.xml", "text/xml", want{
			format: "rss 2.0", title: "BBC News", site: "https://www.bbc.co.uk/news",
			image: "https://news.bbcimg.co.uk/nol/shared/img/bbc_news_120x60.gif", ttl: 15 * time.Minute, items: 20,
			itemTitle: "Ukraine and Russia free hundreds more on final day of major prisoner exchange",
			url:       "https://www.bbc.com/news/articles/c0k7x1y2z3ao",
			guid:      "https://www.bbc.com/news/articles/c0k7x1y2z3ao#0", key: "url:www.bbc.com/news/articles/c0k7x1y2z3ao",
			itemImage: "https://ichef.bbci.co.uk/ace/standard/240/cpsprodpb/0k7x/live/c0k7x1y2z3ao-0.jpg",
			published: mustTime("2025-05-25T16:59:00Z"),
			textHas:   []string{"Each side has released 1,000 people over three days"},
		}},
		{"rss1-rdf.xml", "application/rdf+xml", want{
			format: "rss 1.0", title: "Open Source Weekly: Headlines", site: "https://www.lwn-style.net/", items: 3,
			itemTitle: "Kernel release 6.15 is out", url: "https://www.lwn-style.net/Articles/1021634/",
			key: "url:www.lwn-style.net/Articles/1021634/", author: "corbet",
			published: mustTime("2025-05-25T22:10:03Z"),
			textHas:   []string{"nine-week development cycle"},
		}},
		{"rss091.xml", "text/xml", want{
			format: "rss 0.91", title: "Harbour Town Council News", site: "http://www.harbourtown-council.gov.example/news/",
			image: "http://www.harbourtown-council.gov.example/images/crest-88x31.gif", items: 3,
			itemTitle: "Road closure: Quay Street resurfacing",
			url:       "http://www.harbourtown-council.gov.example/news/2025/quay-street-resurfacing.html",
			key:       "url:www.harbourtown-council.gov.example/news/2025/quay-street-resurfacing.html",
			textHas:   []string{"A signed diversion will be in place."},
		}},
		{"atom-xmlbase.xml", "application/atom+xml", want{
			format: "atom 1.0", title: "Marina Petrova — notes on data and maps", site: "https://blog.marina-petrova.dev/",
			image: "https://blog.marina-petrova.dev/favicon-192.png", items: 3,
			itemTitle: "Mapping every air-raid alert in Ukraine since 2022 — what the data shows",
			url:       "https://blog.marina-petrova.dev/posts/2025/air-raid-alert-map/",
			guid:      "tag:blog.marina-petrova.dev,2025-05-27:/posts/2025/air-raid-alert-map/",
			key:       "guid:tag:blog.marina-petrova.dev,2025-05-27:/posts/2025/air-raid-alert-map/",
			author:    "Marina Petrova", itemImage: "https://blog.marina-petrova.dev/posts/2025/air-raid-alert-map/alerts-2025-05.png",
			published: mustTime("2025-05-27T16:30:00Z"),
			textHas:   []string{"one map per month.\n\nThe pattern is clear"},
		}},
		{"reddit-atom.xml", "application/atom+xml; charset=UTF-8", want{
			format: "atom 1.0", title: "World News", site: "https://www.reddit.com/r/worldnews/", image: "https://www.redditstatic.com/icon.png/", items: 2,
			itemTitle: "Ukraine and Russia complete largest prisoner exchange of the war",
			url:       "https://www.reddit.com/r/worldnews/comments/1kv0q2x/ukraine_and_russia_complete_largest_prisoner/",
			guid:      "t3_1kv0q2x", key: "guid:t3_1kv0q2x", author: "/u/Naurgul",
			itemImage: "https://external-preview.redd.it/Uq3n1Yb1f0kq2mJv6Qe1c4r0V9o8nX2L7tA5pW3hZkE.jpg?width=640&crop=smart&auto=webp&s=5f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
			published: mustTime("2025-05-25T15:12:40Z"),
			textLacks: []string{"submitted by", "[comments]"},
		}},
		{"youtube-atom.xml", "text/xml; charset=UTF-8", want{
			format: "atom 1.0", title: "DW News", site: "https://www.youtube.com/channel/UCknLrEdhRCp1aegoMqRaCZg", items: 2,
			itemTitle: "Ukraine and Russia complete biggest prisoner swap of the war | DW News",
			url:       "https://www.youtube.com/watch?v=Xk3pQ9r2LmA", guid: "yt:video:Xk3pQ9r2LmA", key: "guid:yt:video:Xk3pQ9r2LmA",
			author: "DW News", itemImage: "https://i2.ytimg.com/vi/Xk3pQ9r2LmA/hqdefault.jpg",
			published: mustTime("2025-05-25T17:00:21Z"),
			textHas:   []string{"completing a three-day exchange of 1,000 prisoners per side"},
		}},
		{"jsonfeed-1.0.json", "application/json", want{
			format: "json 1.0", title: "Daring Notebook", site: "https://daringnotebook.example/",
			image: "https://daringnotebook.example/graphics/apple-touch-icon.png", items: 2,
			itemTitle: "What to Expect at WWDC", url: "https://daringnotebook.example/2025/05/26/wwdc-expectations",
			guid: "https://daringnotebook.example/2025/05/26/wwdc-expectations", key: "url:daringnotebook.example/2025/05/26/wwdc-expectations",
			author: "Jon Gale", published: mustTime("2025-05-26T18:22:00Z"),
			textHas: []string{"much less said about AI than last year.\n\nMy guess"},
		}},
		{"jsonfeed-1.1.json", "application/feed+json", want{
			format: "json 1.1", title: "micro.notes", site: "https://micro.notes.example/", items: 2,
			itemTitle: "Trains to the coast were packed again this morning.",
			url:       "https://micro.notes.example/2025/05/25/173041.html",
			guid:      "https://micro.notes.example/2025/05/25/173041.html", key: "url:micro.notes.example/2025/05/25/173041.html",
			author: "Priya Raman", published: mustTime("2025-05-25T16:30:41Z"),
			textHas: []string{"still full by nine.\n\nA thread on what"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := parseFile(t, tt.file, tt.contentType)
			w := tt.want
			checks := []struct{ field, got, want string }{
				{"Format", p.Format, w.format},
				{"Title", p.Title, w.title},
				{"SiteURL", p.SiteURL, w.site},
				{"ImageURL", p.ImageURL, w.image},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("Parse(%s).%s = %q, want %q", tt.file, c.field, c.got, c.want)
				}
			}
			if p.TTL != w.ttl {
				t.Errorf("Parse(%s).TTL = %v, want %v", tt.file, p.TTL, w.ttl)
			}
			if len(p.Items) != w.items {
				t.Fatalf("Parse(%s) has %d items, want %d", tt.file, len(p.Items), w.items)
			}
			it := p.Items[0]
			checks = []struct{ field, got, want string }{
				{"Title", it.Title, w.itemTitle},
				{"URL", it.URL, w.url},
				{"GUID", it.GUID, w.guid},
				{"DedupeKey", it.DedupeKey, w.key},
				{"Author", it.Author, w.author},
				{"ImageURL", it.ImageURL, w.itemImage},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("Parse(%s).Items[0].%s = %q, want %q", tt.file, c.field, c.got, c.want)
				}
			}
			if !it.PublishedAt.Equal(w.published) {
				t.Errorf("Parse(%s).Items[0].PublishedAt = %v, want %v", tt.file, it.PublishedAt, w.published)
			}
			for _, s := range w.textHas {
				if !strings.Contains(it.Text, s) {
					t.Errorf("Parse(%s).Items[0].Text = %q, want it to contain %q", tt.file, it.Text, s)
				}
			}
			for _, s := range w.textLacks {
				if strings.Contains(it.Text, s) {
					t.Errorf("Parse(%s).Items[0].Text = %q, want it without %q", tt.file, it.Text, s)
				}
			}
		})
	}
}

// TestParseEncodings reads the same kind of text in every encoding feeds
// are served in.
func TestParseEncodings(t *testing.T) {
	tests := []struct {
		file, contentType, title, itemTitle, textHas string
	}{
		{"windows-1252-undeclared.xml", "text/xml", "Le Petit Quotidien – édition web",
			"Échange de prisonniers : « le plus important depuis 2022 »", "Coût estimé : 0 €. “Nous ramenons les nôtres”"},
		{"iso-8859-1-declared.xml", "text/xml", "Nachrichten aus Köln",
			"Brückensperrung: Mülheimer Brücke bleibt bis Juli gesperrt", "für Radfahrer"},
		{"koi8-r-declared.xml", "application/rss+xml", "Новости Сибири",
			"В Новосибирске открыли новый мост через Обь", "Строительство заняло пять лет."},
		{"shift_jis-declared.xml", "application/xml", "日本新聞 国際ニュース",
			"ロシアとウクライナ、1000人ずつの捕虜交換を完了", "大規模な捕虜交換を完了した。"},
		{"utf8-bom.xml", "text/xml", "Café Society — Notes", "The best café in Zürich? A naïve survey", "Zürich’s coffee"},
		{"utf16-bom.xml", "text/xml", "Café Society — Notes", "The best café in Zürich? A naïve survey", "Zürich’s coffee"},
		// A charset in Content-Type that the server sets by default does
		// not override valid UTF-8.
		{"utf8-bom.xml", "text/xml; charset=ISO-8859-1", "Café Society — Notes", "The best café in Zürich? A naïve survey", "Zürich’s coffee"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.contentType, func(t *testing.T) {
			p := parseFile(t, tt.file, tt.contentType)
			if p.Title != tt.title {
				t.Errorf("Parse(%s).Title = %q, want %q", tt.file, p.Title, tt.title)
			}
			if len(p.Items) == 0 {
				t.Fatalf("Parse(%s) has no items", tt.file)
			}
			if got := p.Items[0].Title; got != tt.itemTitle {
				t.Errorf("Parse(%s).Items[0].Title = %q, want %q", tt.file, got, tt.itemTitle)
			}
			if got := p.Items[0].Text; !strings.Contains(got, tt.textHas) {
				t.Errorf("Parse(%s).Items[0].Text = %q, want it to contain %q", tt.file, got, tt.textHas)
			}
		})
	}
}

func TestParseCharsetEvidence(t *testing.T) {
	const rss = `<rss version="2.0"><channel><title>T</title><item><title>%s</title><link>https://x.example/a</link></item></channel></rss>`
	latin1 := func(s string) []byte {
		b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return b
	}
	tests := []struct {
		name, contentType string
		body              []byte
		want              string
	}{
		{"charset only in Content-Type", "text/xml; charset=iso-8859-1",
			latin1(strings.Replace(rss, "%s", "Größe", 1)), "Größe"},
		{"Content-Type charset beats a wrong declaration", "text/xml; charset=windows-1251",
			append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), []byte(strings.Replace(rss, "%s", "\xcf\xf0\xe8\xe2\xe5\xf2", 1))...), "Привет"},
		{"UTF-8 declared ISO-8859-1 stays UTF-8", "",
			[]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.Replace(rss, "%s", "Größe", 1)), "Größe"},
		{"stray invalid byte in UTF-8 replaced", "",
			[]byte(strings.Replace(rss, "%s", "Größe und Maß \xff", 1)), "Größe und Maß \uFFFD"},
		{"undeclared Latin-1 read as Windows-1252", "",
			latin1(strings.Replace(rss, "%s", "Größe", 1)), "Größe"},
		{"UTF-16 without a BOM", "",
			utf16LE(`<?xml version="1.0" encoding="UTF-16"?>` + strings.Replace(rss, "%s", "Größe", 1)), "Größe"},
		{"UTF-32 with a BOM", "",
			utf32LEBOM(strings.Replace(rss, "%s", "Größe", 1)), "Größe"},
		{"HTML entity XML does not define", "",
			[]byte(strings.Replace(rss, "%s", "A&nbsp;&mdash;&nbsp;B &hellip;", 1)), "A — B …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.body, tt.contentType, "https://x.example/feed", parseNow)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(p.Items) != 1 || p.Items[0].Title != tt.want {
				t.Errorf("Parse(%q).Items = %+v, want one titled %q", tt.body, p.Items, tt.want)
			}
		})
	}
}

func utf32LEBOM(s string) []byte {
	b := []byte{0xFF, 0xFE, 0, 0}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return b
}

func utf16LE(s string) []byte {
	var b []byte
	for _, r := range s {
		if r > 0xFFFF {
			panic("BMP only")
		}
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// TestParseErrors feeds Parse what is not a readable feed.
func TestParseErrors(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata/feeds", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nested := func(depth int) []byte {
		return []byte(`<rss version="2.0"><channel><title>n</title><item><title>x</title>` +
			strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth) + `</item></channel></rss>`)
	}
	tests := []struct {
		name    string
		body    []byte
		want    error
		message string
	}{
		{"empty body", nil, ErrNotFeed, "not a feed: empty body"},
		{"white space", []byte(" \n\t "), ErrNotFeed, "not a feed: empty body"},
		{"HTML page", read("html-page.html"), ErrHTMLPage, "not a feed: looks like an HTML page"},
		{"HTML page without doctype", []byte("<html><head><title>x</title></head><body>hi</body></html>"), ErrHTMLPage, "not a feed: looks like an HTML page"},
		{"XHTML page", []byte(`<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`), ErrHTMLPage, "not a feed: looks like an HTML page"},
		{"truncated feed", read("truncated.xml"), ErrMalformed, "malformed feed: "},
		{"truncated inside a tag", []byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title><li`), ErrMalformed, "malformed feed: "},
		{"truncated between items", []byte(`<rss version="2.0"><channel><title>t</title><item><title>x</title></item>`), ErrMalformed, "malformed feed: "},
		{"entity bomb", read("entity-bomb.xml"), ErrMalformed, "malformed feed: DOCTYPE declares entities"},
		{"external entity", []byte(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&xxe;</title></channel></rss>`), ErrMalformed, "malformed feed: DOCTYPE declares entities"},
		{"deeply nested elements", read("deeply-nested.xml"), ErrMalformed, "malformed feed: elements nested deeper than 256"},
		{"just over the depth cap", nested(parseMaxDepth), ErrMalformed, "malformed feed: elements nested deeper than 256"},
		{"other XML", []byte(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/</loc></url></urlset>`), ErrNotFeed, "not a feed: root element <urlset> is not rss, rdf:RDF or feed"},
		{"plain text", []byte("Service temporarily unavailable"), ErrNotFeed, "not a feed: no XML or JSON found"},
		{"JSON that is not a feed", []byte(`{"status":"ok","data":[1,2,3]}`), ErrNotFeed, "not a feed: JSON without a JSON Feed version or items"},
		{"JSON array", []byte(`[{"title":"x"}]`), ErrNotFeed, "not a feed: a JSON array, not a JSON Feed object"},
		{"broken JSON", []byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1",`), ErrMalformed, "malformed feed: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.body, "", "https://x.example/feed", parseNow)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want error %v", p, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.message) {
				t.Errorf("Parse error = %q, want it to start %q", err, tt.message)
			}
		})
	}
	if !errors.Is(ErrHTMLPage, ErrNotFeed) {
		t.Errorf("ErrHTMLPage does not wrap ErrNotFeed")
	}
}

func TestParseDepthBelowCap(t *testing.T) {
	depth := parseMaxDepth - 5 // rss, channel, item and the elements below
	body := `<rss version="2.0"><channel><title>n</title><item><title>x</title><link>https://x.example/a</link>` +
		strings.Repeat(`<x:a xmlns:x="https://ns.example/">`, depth) + strings.Repeat("</x:a>", depth) + `</item></channel></rss>`
	p, err := Parse([]byte(body), "", "", parseNow)
	if err != nil {
		t.Fatalf("Parse(depth %d) error: %v", depth, err)
	}
	if len(p.Items) != 1 {
		t.Errorf("Parse(depth %d) has %d items, want 1", depth, len(p.Items))
	}
}

func TestParseCheckDepth(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		ok   bool
	}{
		{"at the cap", strings.Repeat("<a>", parseMaxDepth) + strings.Repeat("</a>", parseMaxDepth), true},
		{"over the cap", strings.Repeat("<a>", parseMaxDepth+1), false},
		{"siblings do not nest", strings.Repeat("<a></a>", 10*parseMaxDepth), true},
		{"self-closing elements do not nest", strings.Repeat("<a/>", 10*parseMaxDepth), true},
		{"unclosed HTML void elements do not nest", "<p>" + strings.Repeat("<br>", 10*parseMaxDepth) + "</p>", true},
		{"tags in CDATA and comments do not count", "<![CDATA[" + strings.Repeat("<a>", 1000) + "]]><!--" + strings.Repeat("<a>", 1000) + "-->", true},
		{"quoted > in an attribute", strings.Repeat(`<a title="x>y">`, parseMaxDepth+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parseCheckDepth([]byte(tt.xml))
			if tt.ok != (err == nil) {
				t.Errorf("parseCheckDepth(%s) = %v, want ok %v", tt.name, err, tt.ok)
			}
		})
	}
}

// TestParseQuirks covers the damage real feeds carry.
func TestParseQuirks(t *testing.T) {
	t.Run("control characters", func(t *testing.T) {
		p := parseFile(t, "control-chars.xml", "text/xml")
		if p.Title != "Pacific Wire" {
			t.Errorf("Title = %q, want %q", p.Title, "Pacific Wire")
		}
		it := p.Items[0]
		if it.Title != "Storm warning for northern islands" {
			t.Errorf("item Title = %q, want %q", it.Title, "Storm warning for northern islands")
		}
		if want := "Forecasters issued a storm warning for the northern islands on Monday, with winds of up to 120 km/h expected overnight. Ferries are cancelled."; it.Text != want {
			t.Errorf("item Text = %q, want %q", it.Text, want)
		}
	})
	t.Run("HTML entities", func(t *testing.T) {
		p := parseFile(t, "html-entities.xml", "text/xml")
		if p.Title != "The Ledger — Business & Markets" {
			t.Errorf("Title = %q", p.Title)
		}
		if want := "Café chain’s shares fall 12% — “a tough quarter”"; p.Items[0].Title != want {
			t.Errorf("item Title = %q, want %q", p.Items[0].Title, want)
		}
		if want := "fell 12% on Monday after it reported a tough quarter … The company blamed higher bean prices—up 40% in a year—and weak demand in Europe. AT&T and Procter & Gamble"; !strings.Contains(p.Items[0].Text, want) {
			t.Errorf("item Text = %q, want it to contain %q", p.Items[0].Text, want)
		}
		if want := "Markets wrap: Stocks rise & bonds steady as trade fears ease"; p.Items[1].Title != want {
			t.Errorf("markup in a CDATA title: Title = %q, want %q", p.Items[1].Title, want)
		}
		if want := "https://theledger-news.example/business/2025/05/26/cafe-chain-shares-fall?ref=rss"; p.Items[0].URL != want {
			t.Errorf("URL = %q, want %q (tracking removed, other parameters kept)", p.Items[0].URL, want)
		}
	})
	t.Run("feed served as text/html", func(t *testing.T) {
		p := parseFile(t, "bbc-rss2.xml", "text/html; charset=utf-8")
		if len(p.Items) != 20 {
			t.Errorf("Parse(feed as text/html) has %d items, want 20", len(p.Items))
		}
	})
	t.Run("garbage before the root element", func(t *testing.T) {
		p := parseFile(t, "garbage-before-root.xml", "application/rss+xml")
		if p.Title != "Valley Gardening Club" || len(p.Items) != 1 || p.Items[0].Title != "Plant sale this Saturday" {
			t.Errorf("Parse = %q with %d items, want Valley Gardening Club with its plant sale", p.Title, len(p.Items))
		}
	})
	t.Run("items without title", func(t *testing.T) {
		p := parseFile(t, "mastodon-untitled.xml", "application/rss+xml")
		want := []string{
			"Metro stations in central Kyiv were used as shelters again overnight.",
			"Air raid alert in Kyiv.",
			"The new trolleybus route 93 between Troieshchyna and the left-bank metro starts on Monday.",
		}
		for i, w := range want {
			if got := p.Items[i].Title; got != w {
				t.Errorf("Items[%d].Title = %q, want %q", i, got, w)
			}
		}
		if got := p.Items[0].ImageURL; !strings.HasSuffix(got, "/original/9a8b7c6d5e4f3a2b.jpg") {
			t.Errorf("Items[0].ImageURL = %q, want the media:content image", got)
		}
	})
	t.Run("items without date", func(t *testing.T) {
		p := parseFile(t, "rss091.xml", "text/xml")
		for _, it := range p.Items {
			if !it.PublishedAt.IsZero() || it.DateIgnored {
				t.Errorf("%q: PublishedAt = %v, DateIgnored = %v; want zero, false", it.Title, it.PublishedAt, it.DateIgnored)
			}
		}
	})
	t.Run("relative link resolved against the site", func(t *testing.T) {
		p := parseFile(t, "rss091.xml", "text/xml")
		if want := "http://www.harbourtown-council.gov.example/news/2025/library-summer-hours.html"; p.Items[2].URL != want {
			t.Errorf("URL = %q, want %q", p.Items[2].URL, want)
		}
	})
	t.Run("relative links resolved against xml:base", func(t *testing.T) {
		p := parseFile(t, "atom-xmlbase.xml", "application/atom+xml")
		want := []string{
			"https://blog.marina-petrova.dev/posts/2025/air-raid-alert-map/",
			"https://blog.marina-petrova.dev/posts/2025/shapefiles/",
			"https://blog.marina-petrova.dev/notes/2025-03-14/",
		}
		for i, w := range want {
			if got := p.Items[i].URL; got != w {
				t.Errorf("Items[%d].URL = %q, want %q", i, got, w)
			}
		}
		if !strings.Contains(p.Items[1].Text, "One file instead of five.\nReal text encoding.\nNo 2 GB limit.") {
			t.Errorf("XHTML content Text = %q, want its list as lines", p.Items[1].Text)
		}
	})
	t.Run("relative link resolved against the feed URL", func(t *testing.T) {
		body := `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>../story/1</link></item></channel></rss>`
		p, err := Parse([]byte(body), "", "https://news.example/feeds/all.xml", parseNow)
		if err != nil {
			t.Fatal(err)
		}
		if want := "https://news.example/story/1"; p.Items[0].URL != want {
			t.Errorf("URL = %q, want %q", p.Items[0].URL, want)
		}
	})
	t.Run("link that is not http is dropped", func(t *testing.T) {
		body := `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>javascript:alert(1)</link><description>y</description></item></channel></rss>`
		p, err := Parse([]byte(body), "", "https://news.example/feed", parseNow)
		if err != nil {
			t.Fatal(err)
		}
		if p.Items[0].URL != "" || !strings.HasPrefix(p.Items[0].DedupeKey, "hash:") {
			t.Errorf("URL = %q, key %q; want no URL and a hash key", p.Items[0].URL, p.Items[0].DedupeKey)
		}
	})
	t.Run("items without guid and link", func(t *testing.T) {
		p := parseFile(t, "no-guid-no-link.xml", "text/xml")
		a, b := p.Items[0], p.Items[1]
		if !strings.HasPrefix(a.DedupeKey, "hash:") || !strings.HasPrefix(b.DedupeKey, "hash:") || a.DedupeKey == b.DedupeKey {
			t.Errorf("keys %q and %q, want two different hash keys", a.DedupeKey, b.DedupeKey)
		}
		again := parseFile(t, "no-guid-no-link.xml", "text/xml")
		if again.Items[0].DedupeKey != a.DedupeKey {
			t.Errorf("key changed between two reads: %q, %q", a.DedupeKey, again.Items[0].DedupeKey)
		}
	})
	t.Run("dates", func(t *testing.T) {
		p := parseFile(t, "bad-dates-rss2.xml", "text/xml")
		tests := []struct {
			title   string
			want    time.Time
			ignored bool
		}{
			{"Ferry timetable changes for the summer season", time.Time{}, true},
			{"Boathouse restoration wins heritage award", time.Time{}, true},
			{"Lifeboat crew rescue two kayakers", time.Time{}, false},
			{"Market square to go car-free on Sundays", mustTime("2025-05-25T13:20:00Z"), false},
		}
		for i, tt := range tests {
			it := p.Items[i]
			if it.Title != tt.title || !it.PublishedAt.Equal(tt.want) || it.DateIgnored != tt.ignored {
				t.Errorf("Items[%d] = %q %v ignored=%v, want %q %v ignored=%v", i, it.Title, it.PublishedAt, it.DateIgnored, tt.title, tt.want, tt.ignored)
			}
		}
	})
	t.Run("date within a day ahead is kept", func(t *testing.T) {
		body := `<rss version="2.0"><channel><title>t</title><item><title>x</title><link>https://x.example/a</link><pubDate>Tue, 03 Jun 2025 06:00:00 +0000</pubDate></item></channel></rss>`
		p, err := Parse([]byte(body), "", "", parseNow)
		if err != nil {
			t.Fatal(err)
		}
		if want := mustTime("2025-06-03T06:00:00Z"); !p.Items[0].PublishedAt.Equal(want) {
			t.Errorf("PublishedAt = %v, want %v", p.Items[0].PublishedAt, want)
		}
	})
	t.Run("longest text wins", func(t *testing.T) {
		p := parseFile(t, "wordpress-rss2.xml", "")
		if n := len(p.Items[0].Text); n < 600 {
			t.Errorf("Text is %d bytes: the description was taken over content:encoded", n)
		}
	})
	t.Run("200 items in feed order", func(t *testing.T) {
		p := parseFile(t, "rss2-200-items.xml", "")
		if len(p.Items) != 200 {
			t.Fatalf("%d items, want 200", len(p.Items))
		}
		for i, it := range p.Items {
			if want := "Notice " + itoa(200-i) + ":"; !strings.HasPrefix(it.Title, want) {
				t.Fatalf("Items[%d].Title = %q, want it to start %q", i, it.Title, want)
			}
		}
	})
	t.Run("item with nothing is skipped", func(t *testing.T) {
		body := `<rss version="2.0"><channel><title>t</title><item><title>  </title><description></description></item><item><title>kept</title></item></channel></rss>`
		p, err := Parse([]byte(body), "", "", parseNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Skipped != 1 || p.Items[0].Title != "kept" {
			t.Errorf("Items = %d, Skipped = %d; want 1 kept and 1 skipped", len(p.Items), p.Skipped)
		}
	})
	t.Run("item with only a link", func(t *testing.T) {
		body := `<rss version="2.0"><channel><title>t</title><item><link>https://x.example/only-link</link></item></channel></rss>`
		p, err := Parse([]byte(body), "", "", parseNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].Title != "https://x.example/only-link" {
			t.Errorf("Items = %+v, want one titled by its link", p.Items)
		}
	})
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func TestParseDeriveTitle(t *testing.T) {
	long := "The new trolleybus route between the northern districts and the left-bank metro station starts running on Monday morning at six"
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", ""},
		{"first sentence", "Air raid alert in Kyiv. Trains are held at stations.", "Air raid alert in Kyiv."},
		{"abbreviation does not end the sentence", "U.S. Defense Secretary Pete Hegseth spoke in Singapore. He urged allies to act.", "U.S. Defense Secretary Pete Hegseth spoke in Singapore."},
		{"question", "Is this the end of the shapefile? I think so.", "Is this the end of the shapefile?"},
		{"first line only", "Short headline-like line\n\nBody text follows here.", "Short headline-like line"},
		{"long sentence cut at a word", long + ".", "The new trolleybus route between the northern districts and the left-bank metro station starts…"},
		{"Japanese sentence", "ロシアとウクライナは25日、捕虜交換を完了した。詳しくは後ほど。", "ロシアとウクライナは25日、捕虜交換を完了した。"},
		{"Japanese without an end cut at the limit", strings.Repeat("交換", 60), strings.Repeat("交換", 50) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseDeriveTitle(tt.text)
			if got != tt.want {
				t.Errorf("parseDeriveTitle(%q) = %q, want %q", tt.text, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > parseMaxTitle+1 {
				t.Errorf("parseDeriveTitle(%q) is %d runes, want at most %d", tt.text, n, parseMaxTitle+1)
			}
		})
	}
}

// FuzzParse feeds Parse arbitrary bodies: it must never panic, and what
// it returns must keep its promises.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/feeds/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, "")
		}
	}
	f.Add([]byte(`<rss><channel><item><title>&amp;lt;b&gt;x</title><link>//x</link></item></channel></rss>`), "text/xml; charset=koi8-r")
	f.Add([]byte("\xfe\xff\x00<\x00r"), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":1,"content_text":"\u0000"}]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		p, err := Parse(body, contentType, "https://fuzz.example/feed/", parseNow)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned %v with error %v", p, err)
			}
			return
		}
		for _, s := range []string{p.Title, p.SiteURL, p.ImageURL} {
			if !utf8.ValidString(s) {
				t.Errorf("feed field %q is not valid UTF-8", s)
			}
		}
		for _, u := range []string{p.SiteURL, p.ImageURL} {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Errorf("feed URL %q is not absolute http(s)", u)
			}
		}
		for i, it := range p.Items {
			if it.DedupeKey == "" {
				t.Errorf("Items[%d] has no DedupeKey", i)
			}
			if it.Title == "" && it.Text == "" {
				t.Errorf("Items[%d] has no title and no text", i)
			}
			for _, u := range []string{it.URL, it.ImageURL} {
				if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					t.Errorf("Items[%d] URL %q is not absolute http(s)", i, u)
				}
			}
			for _, s := range []string{it.Title, it.Text, it.Author} {
				if !utf8.ValidString(s) {
					t.Errorf("Items[%d] field %q is not valid UTF-8", i, s)
				}
			}
			if strings.ContainsAny(it.Title, "\n\r\t") {
				t.Errorf("Items[%d].Title %q has line breaks or tabs", i, it.Title)
			}
		}
	})
}

// BenchmarkParse reads a typical news feed: 20 items, 14 KB, with media
// thumbnails. feeds/s = 1e9 / ns/op.
func BenchmarkParse(b *testing.B) {
	body, err := os.ReadFile("testdata/feeds/bbc-rss2.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, "application/rss+xml", "https://feeds.bbci.co.uk/news/rss.xml", parseNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseFullContent reads a WordPress feed whose items carry the
// whole article in content:encoded.
func BenchmarkParseFullContent(b *testing.B) {
	body, err := os.ReadFile("testdata/feeds/wordpress-rss2.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, "application/rss+xml", "https://easterneuropemonitor.org/feed/", parseNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGofeed is gofeed alone on the same 20-item feed, to show what
// Parse adds to it.
func BenchmarkGofeed(b *testing.B) {
	body, err := os.ReadFile("testdata/feeds/bbc-rss2.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
