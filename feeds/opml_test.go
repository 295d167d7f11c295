package feeds

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func openTestdata(t *testing.T, name string) io.Reader {
	t.Helper()
	return bytes.NewReader(readTestdata(t, name))
}

func TestParseOPML(t *testing.T) {
	tests := []struct {
		file string
		want []OPMLFeed
	}{
		{"opml/feedly.opml", []OPMLFeed{
			{FeedURL: "https://feeds.arstechnica.com/arstechnica/index", SiteURL: "https://arstechnica.com", Title: "Ars Technica - All content", Category: []string{"Tech"}},
			{FeedURL: "https://go.dev/blog/feed.atom", SiteURL: "https://go.dev/blog/", Title: "The Go Blog", Category: []string{"Tech"}},
			{FeedURL: "https://hnrss.org/frontpage", SiteURL: "https://news.ycombinator.com/", Title: "Hacker News: Front Page", Category: []string{"Tech"}},
			{FeedURL: "https://feeds.bbci.co.uk/news/world/rss.xml", SiteURL: "https://www.bbc.co.uk/news/world", Title: "BBC News - World", Category: []string{"World"}},
			{FeedURL: "https://example.com/reuters?format=rss&edition=world", SiteURL: "https://example.com/reuters", Title: "Reuters & Friends", Category: []string{"World"}},
			{FeedURL: "https://xkcd.com/atom.xml", SiteURL: "https://xkcd.com/", Title: "xkcd.com", Category: []string{"Uncategorized"}},
		}},
		{"opml/inoreader.opml", []OPMLFeed{
			{FeedURL: "https://www.theguardian.com/world/rss", SiteURL: "https://www.theguardian.com/world", Title: "The Guardian - World news", Category: []string{"News"}},
			{FeedURL: "https://feeds.npr.org/1001/rss.xml", SiteURL: "https://www.npr.org/templates/story/story.php?storyId=1001", Title: "NPR Topics: News", Category: []string{"News"}},
			{FeedURL: "https://www.aljazeera.com/xml/rss/all.xml", SiteURL: "https://www.aljazeera.com", Title: "Al Jazeera – Breaking News", Category: []string{"News"}},
			{FeedURL: "https://www.quantamagazine.org/feed/", SiteURL: "https://www.quantamagazine.org", Title: "Quanta Magazine", Category: []string{"Science"}},
			// The second NPR outline (under Science) is a duplicate.
			{FeedURL: "https://www.nasa.gov/news-release/feed/", SiteURL: "https://www.nasa.gov", Title: "NASA Breaking News", Category: []string{"Science", "Space"}},
			{FeedURL: "https://www.esa.int/rssfeed/TopNews", SiteURL: "https://www.esa.int", Title: "ESA Top News", Category: []string{"Science", "Space"}},
			{FeedURL: "https://daringfireball.net/feeds/main", SiteURL: "https://daringfireball.net/", Title: "Daring Fireball"},
		}},
		{"opml/minimal.opml", []OPMLFeed{
			{FeedURL: "https://jvns.ca/atom.xml", Title: "Julia Evans"},
			{FeedURL: "https://lwn.net/headlines/rss", Title: "LWN.net", Category: []string{"Linux", "Kernel"}},
		}},
		{"opml/latin1.opml", []OPMLFeed{
			{FeedURL: "https://www.lemonde.fr/rss/une.xml", SiteURL: "https://www.lemonde.fr", Title: "Le Monde à la une", Category: []string{"Actualités"}},
			{FeedURL: "https://www.francetvinfo.fr/titres.rss", Title: "franceinfo - Les Titres", Category: []string{"Actualités"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseOPML(openTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("ParseOPML(%s): %v", tt.file, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseOPML(%s) =\n%+v\nwant\n%+v", tt.file, got, tt.want)
			}
		})
	}
}

func TestParseOPMLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   io.Reader
		want string
	}{
		{"an RSS feed", openTestdata(t, "opml/not-opml.xml"), "parse opml: root element is <rss>, not <opml>"},
		{"an HTML page", strings.NewReader("<html><body><outline xmlUrl='x'/></body></html>"), "parse opml: root element is <html>, not <opml>"},
		{"truncated file", openTestdata(t, "opml/truncated.opml"), "parse opml: XML syntax error on line 7: unexpected EOF"},
		{"entity bomb", openTestdata(t, "opml/entity-bomb.opml"), "parse opml: XML syntax error on line 15: invalid character entity &lol9;"},
		{"external entity", openTestdata(t, "opml/external-entity.opml"), "parse opml: XML syntax error on line 5: invalid character entity &xxe;"},
		{"empty input", strings.NewReader(""), "parse opml: empty document"},
		{"only a prolog", strings.NewReader(`<?xml version="1.0"?>`), "parse opml: empty document"},
		{"no body", strings.NewReader(`<opml version="2.0"><head><title>x</title></head></opml>`), "parse opml: no <body> element"},
		{"mismatched tags", strings.NewReader(`<opml><body><outline></body></opml>`), "parse opml: XML syntax error on line 1: element <outline> closed by </body>"},
		{"unknown encoding", strings.NewReader(`<?xml version="1.0" encoding="x-martian"?><opml/>`), `parse opml: xml: opening charset "x-martian": unsupported charset: "x-martian"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOPML(tt.in)
			if err == nil {
				t.Fatalf("ParseOPML = %+v, nil; want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseOPML error = %q, want %q", err, tt.want)
			}
		})
	}
}

func TestParseOPMLTooLarge(t *testing.T) {
	// A valid OPML file padded past the cap with a long comment; reading
	// stops at the cap.
	head := `<opml version="2.0"><body><!--`
	r := &countingReader{r: io.MultiReader(strings.NewReader(head), neverEnding('x'))}
	_, err := ParseOPML(r)
	if err == nil || err.Error() != "parse opml: larger than 10 MiB" {
		t.Fatalf("ParseOPML(endless input) error = %v, want \"parse opml: larger than 10 MiB\"", err)
	}
	if r.n > MaxOPMLBytes+64<<10 {
		t.Errorf("ParseOPML read %d bytes, want about %d", r.n, MaxOPMLBytes)
	}
}

func TestParseOPMLTooDeep(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<opml version="2.0"><body>`)
	for range opmlMaxDepth + 1 {
		b.WriteString(`<outline text="folder">`)
	}
	_, err := ParseOPML(strings.NewReader(b.String()))
	if want := "parse opml: outlines nested deeper than 64"; err == nil || err.Error() != want {
		t.Fatalf("ParseOPML(deep nesting) error = %v, want %q", err, want)
	}
}

func TestParseOPMLEmptyBody(t *testing.T) {
	got, err := ParseOPML(strings.NewReader(`<opml version="2.0"><head/><body/></opml>`))
	if err != nil || len(got) != 0 {
		t.Fatalf("ParseOPML(empty body) = %+v, %v; want no feeds and no error", got, err)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestOPMLRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/opml/*.opml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		want, err := ParseOPML(openTestdata(t, strings.TrimPrefix(file, "testdata/")))
		if err != nil {
			continue // the broken samples
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteOPML(&buf, "newsbot feeds", want); err != nil {
				t.Fatalf("WriteOPML: %v", err)
			}
			got, err := ParseOPML(&buf)
			if err != nil {
				t.Fatalf("ParseOPML(WriteOPML(%s)): %v\n%s", file, err, buf.String())
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseOPML(WriteOPML(%s)) =\n%+v\nwant\n%+v", file, got, want)
			}
		})
	}
	t.Run("interleaved categories, awkward characters", func(t *testing.T) {
		want := []OPMLFeed{
			{FeedURL: "https://a.example/feed?x=1&y=<2>", Title: `"Quotes" & <tags>`, Category: []string{"Tech", "Go"}},
			{FeedURL: "https://b.example/rss", SiteURL: "https://b.example/", Title: "Line\nbreak\ttab"},
			{FeedURL: "https://c.example/atom", Title: "Ünïcödé ✓", Category: []string{"Tech"}},
			{FeedURL: "https://d.example/feed", Category: []string{"Tech", "Go"}},
			{FeedURL: "https://e.example/feed", Title: "Slash/in/name", Category: []string{"A/B", ""}},
		}
		var buf bytes.Buffer
		if err := WriteOPML(&buf, "Mine & yours", want); err != nil {
			t.Fatalf("WriteOPML: %v", err)
		}
		got, err := ParseOPML(&buf)
		if err != nil {
			t.Fatalf("ParseOPML(WriteOPML): %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParseOPML(WriteOPML) =\n%+v\nwant\n%+v\ndocument:\n%s", got, want, buf.String())
		}
	})
}

func TestWriteOPML(t *testing.T) {
	feeds := []OPMLFeed{
		{FeedURL: "https://go.dev/blog/feed.atom", SiteURL: "https://go.dev/blog/", Title: "The Go Blog", Category: []string{"Tech", "Go"}},
		{FeedURL: "https://hnrss.org/frontpage", Title: "HN & friends", Category: []string{"Tech"}},
		{FeedURL: "https://xkcd.com/atom.xml", Title: "xkcd"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "newsbot feeds", feeds); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>newsbot feeds</title>
  </head>
  <body>
    <outline text="Tech" title="Tech">
      <outline text="Go" title="Go">
        <outline type="rss" text="The Go Blog" title="The Go Blog" xmlUrl="https://go.dev/blog/feed.atom" htmlUrl="https://go.dev/blog/"></outline>
      </outline>
      <outline type="rss" text="HN &amp; friends" title="HN &amp; friends" xmlUrl="https://hnrss.org/frontpage"></outline>
    </outline>
    <outline type="rss" text="xkcd" title="xkcd" xmlUrl="https://xkcd.com/atom.xml"></outline>
  </body>
</opml>
`
	if got := buf.String(); got != want {
		t.Errorf("WriteOPML =\n%s\nwant\n%s", got, want)
	}
}

func TestWriteOPMLErrors(t *testing.T) {
	err := WriteOPML(io.Discard, "x", []OPMLFeed{{FeedURL: "https://a.example/"}, {Title: "No URL"}})
	if want := `write opml: feed 2 ("No URL") has no url`; err == nil || err.Error() != want {
		t.Errorf("WriteOPML(feed without URL) error = %v, want %q", err, want)
	}
	err = WriteOPML(failingWriter{}, "x", []OPMLFeed{{FeedURL: "https://a.example/"}})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("WriteOPML(failing writer) error = %v, want it to wrap %v", err, errDiskFull)
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func FuzzParseOPML(f *testing.F) {
	files, _ := filepath.Glob("testdata/opml/*")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feeds, err := ParseOPML(bytes.NewReader(data))
		if err != nil {
			return
		}
		seen := make(map[string]bool)
		for _, fd := range feeds {
			if fd.FeedURL == "" || seen[fd.FeedURL] {
				t.Fatalf("ParseOPML gave an empty or repeated feed URL %q", fd.FeedURL)
			}
			seen[fd.FeedURL] = true
		}
		// What was read can be written, and reads back the same, as long
		// as the text survives XML (encoding/xml replaces invalid
		// characters).
		var buf bytes.Buffer
		if err := WriteOPML(&buf, "fuzz", feeds); err != nil {
			t.Fatalf("WriteOPML(ParseOPML(data)): %v", err)
		}
		again, err := ParseOPML(&buf)
		if err != nil {
			t.Fatalf("ParseOPML(WriteOPML(ParseOPML(data))): %v\n%s", err, buf.String())
		}
		if len(again) != len(feeds) {
			t.Fatalf("round trip kept %d of %d feeds", len(again), len(feeds))
		}
	})
}

func BenchmarkParseOPML(b *testing.B) {
	data := readTestdata(b, "opml/inoreader.opml")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOPML(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
