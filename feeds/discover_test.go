package feeds

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDiscoverFeeds(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		pageURL string
		want    []DiscoveredFeed
	}{
		{
			name:    "WordPress head: feeds kept, REST API and duplicates left out",
			file:    "http/wordpress.html",
			pageURL: "https://news.example.com/",
			want: []DiscoveredFeed{
				{URL: "https://news.example.com/feed/", Title: "Example Times » Feed", Type: "application/rss+xml"},
				{URL: "https://news.example.com/comments/feed/", Title: "Example Times » Comments Feed", Type: "application/rss+xml"},
			},
		},
		{
			name:    "base href, mixed case, parameters, fragments, other schemes",
			file:    "http/base-href.html",
			pageURL: "https://notes.example.org/2025/03/index.html",
			want: []DiscoveredFeed{
				{URL: "https://notes.example.org/blog/atom.xml", Title: "Notes (Atom)", Type: "application/atom+xml"},
				{URL: "https://notes.example.org/blog/feed.json", Title: "Notes (JSON Feed)", Type: "application/feed+json"},
				{URL: "https://feeds.example.org/notes/rss", Type: "application/rss+xml"},
				{URL: "https://notes.example.org/blog/index.rdf", Title: "Notes (RSS 1.0)", Type: "application/rdf+xml"},
			},
		},
		{
			name:    "page without feeds",
			file:    "http/no-feeds.html",
			pageURL: "http://plain.example.net/about",
			want:    nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := readTestdata(t, tt.file)
			got, err := DiscoverFeeds(body, tt.pageURL)
			if err != nil {
				t.Fatalf("DiscoverFeeds(%s, %q): %v", tt.file, tt.pageURL, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DiscoverFeeds(%s, %q) =\n%+v\nwant\n%+v", tt.file, tt.pageURL, got, tt.want)
			}
		})
	}
}

func TestDiscoverFeedsInline(t *testing.T) {
	tests := []struct {
		name, html string
		want       []string
	}{
		{"relative to the page's directory", `<link rel=alternate type=application/rss+xml href=feed.xml>`, []string{"https://example.com/blog/feed.xml"}},
		{"root-relative", `<link rel="alternate" type="application/atom+xml" href="/atom.xml">`, []string{"https://example.com/atom.xml"}},
		{"plain JSON feed type", `<link rel="alternate" type="application/json" href="/feed.json">`, []string{"https://example.com/feed.json"}},
		{"self-closing in XHTML", `<link rel="alternate" type="application/rss+xml" href="rss"/>`, []string{"https://example.com/blog/rss"}},
		{"relative base", `<base href="../news/"><link rel="alternate" type="application/rss+xml" href="rss.xml">`, []string{"https://example.com/news/rss.xml"}},
		{"base of another site", `<base href="https://cdn.example.net/"><link rel="alternate" type="application/rss+xml" href="rss.xml">`, []string{"https://cdn.example.net/rss.xml"}},
		{"unusable base is ignored", `<base href="http://[::1"><link rel="alternate" type="application/rss+xml" href="rss.xml">`, []string{"https://example.com/blog/rss.xml"}},
		{"rel without alternate", `<link rel="stylesheet" type="application/rss+xml" href="x.xml">`, nil},
		{"no type", `<link rel="alternate" href="/feed">`, nil},
		{"html alternate", `<link rel="alternate" type="text/html" hreflang="de" href="/de/">`, nil},
		{"link inside a comment", `<!-- <link rel="alternate" type="application/rss+xml" href="/old.xml"> -->`, nil},
		{"link inside a textarea", `<textarea><link rel="alternate" type="application/rss+xml" href="/t.xml"></textarea>`, nil},
		{"data URL", `<link rel="alternate" type="application/rss+xml" href="data:application/rss+xml,<rss/>">`, nil},
		{"unparsable href", `<link rel="alternate" type="application/rss+xml" href="http://[::1">`, nil},
		{"first repeated attribute wins", `<link rel="alternate" type="application/rss+xml" href="/one.xml" href="/two.xml">`, []string{"https://example.com/one.xml"}},
		{"not HTML at all", "\x00\x01\x02 binary", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feeds, err := DiscoverFeeds([]byte(tt.html), "https://example.com/blog/post.html")
			if err != nil {
				t.Fatalf("DiscoverFeeds(%q): %v", tt.html, err)
			}
			var got []string
			for _, f := range feeds {
				got = append(got, f.URL)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DiscoverFeeds(%q) = %q, want %q", tt.html, got, tt.want)
			}
		})
	}
}

func TestDiscoverFeedsBadPageURL(t *testing.T) {
	for _, pageURL := range []string{"", "/relative/page", "ftp://example.com/", "http://", "http://[::1"} {
		got, err := DiscoverFeeds([]byte(`<link rel="alternate" type="application/rss+xml" href="https://example.com/feed">`), pageURL)
		if err == nil {
			t.Errorf("DiscoverFeeds(page %q) = %v, nil; want an error", pageURL, got)
		}
	}
}

func TestFallbackFeedURLs(t *testing.T) {
	got, err := FallbackFeedURLs("https://blog.example.com/2025/03/post?x=1#top")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://blog.example.com/feed",
		"https://blog.example.com/rss",
		"https://blog.example.com/atom.xml",
		"https://blog.example.com/feed.xml",
		"https://blog.example.com/index.xml",
		"https://blog.example.com/rss.xml",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FallbackFeedURLs = %q, want %q", got, want)
	}
	if _, err := FallbackFeedURLs("mailto:news@example.com"); err == nil {
		t.Errorf("FallbackFeedURLs(mailto:) gave no error")
	}
}

func TestSniffContent(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    ContentKind
	}{
		{"RSS", "application/rss+xml", string(readTestdata(t, "http/feed.xml")), ContentFeed},
		{"RSS served as text/html", "text/html; charset=utf-8", `<?xml version="1.0"?><rss version="2.0"><channel/></rss>`, ContentFeed},
		{"Atom with BOM and blank lines", "text/xml", "\xef\xbb\xbf\n\n  <feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x</title></feed>", ContentFeed},
		{"RSS 1.0", "application/xml", `<?xml version="1.0"?><!-- generator --><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>`, ContentFeed},
		{"RSS 0.91 doctype", "", `<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"></rss>`, ContentFeed},
		{"prefixed Atom", "", `<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"/>`, ContentFeed},
		{"JSON Feed served as text/plain", "text/plain", `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": []}`, ContentFeed},
		{"WordPress page", "text/html; charset=UTF-8", string(readTestdata(t, "http/wordpress.html")), ContentHTML},
		{"HTML served as text/xml", "text/xml", "<!doctype html>\n<html><head></head></html>", ContentHTML},
		{"XHTML with prolog", "application/xhtml+xml", `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml"></html>`, ContentHTML},
		{"HTML fragment without html element", "", `<head><title>x</title></head>`, ContentHTML},
		{"unknown XML, feed content type", "application/atom+xml", `<?xml version="1.0"?><something/>`, ContentFeed},
		{"sitemap", "application/xml", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>`, ContentUnknown},
		{"other JSON", "application/json", `{"posts": []}`, ContentUnknown},
		{"empty body, HTML content type", "text/html", "", ContentHTML},
		{"plain text", "text/plain", "hello", ContentUnknown},
		{"unterminated comment", "", "<!-- forever", ContentUnknown},
		{"unterminated processing instruction", "", "<?xml version=", ContentUnknown},
		{"bad content type", "text/html; =;", "", ContentUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SniffContent(tt.contentType, []byte(tt.body)); got != tt.want {
				t.Errorf("SniffContent(%q, %.60q) = %v, want %v", tt.contentType, tt.body, got, tt.want)
			}
		})
	}
}

func FuzzDiscoverFeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/http/*.html")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "https://example.com/blog/")
	}
	f.Add([]byte(`<base href="//evil.example/"><link rel=alternate type=application/rss+xml href=x>`), "http://example.com")
	f.Add([]byte(`<link rel=alternate type=application/rss+xml href="HTTP://EXAMPLE.COM:80/../feed?#">`), "http://example.com/a/b")
	f.Add([]byte(`<link rel=feed type=application/json href=" /x ">`), "https://user:pw@example.com:8443/")
	f.Fuzz(func(t *testing.T, body []byte, pageURL string) {
		feeds, err := DiscoverFeeds(body, pageURL)
		if err != nil {
			if feeds != nil {
				t.Errorf("DiscoverFeeds returned feeds with error %v", err)
			}
			return
		}
		seen := make(map[string]bool)
		for _, fd := range feeds {
			u, err := url.Parse(fd.URL)
			if err != nil {
				t.Fatalf("DiscoverFeeds URL %q does not parse: %v", fd.URL, err)
			}
			if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !u.IsAbs() {
				t.Errorf("DiscoverFeeds URL %q is not an absolute http(s) URL", fd.URL)
			}
			if seen[fd.URL] {
				t.Errorf("DiscoverFeeds URL %q appears twice", fd.URL)
			}
			seen[fd.URL] = true
			if !discoverFeedTypes[fd.Type] {
				t.Errorf("DiscoverFeeds type %q is not a feed type", fd.Type)
			}
			if strings.Contains(fd.URL, "#") {
				t.Errorf("DiscoverFeeds URL %q keeps a fragment", fd.URL)
			}
		}
	})
}

func BenchmarkDiscoverFeeds(b *testing.B) {
	body := readTestdata(b, "http/wordpress.html")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DiscoverFeeds(body, "https://news.example.com/"); err != nil {
			b.Fatal(err)
		}
	}
}
