package feeds

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain text keeps its paragraphs", "First line.\nSecond line.\n\n\nNew paragraph.", "First line.\nSecond line.\n\nNew paragraph."},
		{"plain text collapses spaces", "  lots   of\t space  ", "lots of space"},
		{"paragraphs separated by one blank line", "<p>One.</p><p>Two.</p>\n\n<p>Three.</p>", "One.\n\nTwo.\n\nThree."},
		{"white space inside a paragraph collapses", "<p>A   line\n   that   wraps\tin the source.</p>", "A line that wraps in the source."},
		{"br starts a new line", "Line one<br>line two<br/>line three", "Line one\nline two\nline three"},
		{"two br start a paragraph", "First part.<br><br>Second part.", "First part.\n\nSecond part."},
		{"headings are paragraphs", "<h2>What next</h2><p>Talks resume.</p>", "What next\n\nTalks resume."},
		{"list items are lines", "<p>Days:</p><ul><li>Friday: 390</li><li>Saturday: 307</li></ul><p>After.</p>", "Days:\n\nFriday: 390\nSaturday: 307\n\nAfter."},
		{"table rows are lines", "<table><tr><td>Kyiv</td><td>12</td></tr><tr><td>Zhytomyr</td><td>3</td></tr></table>", "Kyiv 12\nZhytomyr 3"},
		{"entities decoded", "<p>Caf&eacute; &mdash; &ldquo;open&rdquo;&nbsp;now &amp; later &#8230; &#x263A;</p>", "Café — “open” now & later … ☺"},
		{"non-breaking spaces are spaces", "<p>12\u00a0km&nbsp;&nbsp;away</p>", "12 km away"},
		{"scripts and styles dropped", "<p>Before</p><script>var x = '<p>no</p>';</script><style>p{color:red}</style><p>After</p>", "Before\n\nAfter"},
		{"iframes dropped", `<p>Listen:</p><iframe src="https://player.example/1">Your browser</iframe><p>End.</p>`, "Listen:\n\nEnd."},
		{"nav and aside dropped", "<nav><a href='/'>Home</a></nav><p>Story.</p><aside><p>Related: other story</p></aside>", "Story."},
		{"figure caption dropped, figure kept apart", `<p>Intro.</p><figure><img src="a.jpg"><figcaption>Photo: Reuters</figcaption></figure><p>Body.</p>`, "Intro.\n\nBody."},
		{"nested dropped elements end at their own end tag", "<aside><aside>inner</aside>still aside</aside><p>Kept.</p>", "Kept."},
		{"forms and buttons dropped", "<p>Read on.</p><form><label>Email</label><input name=e><button>Sign up</button></form>", "Read on."},
		{"inline elements keep words together", "<p>The <em>largest</em> swap of<strong> the war</strong>.</p>", "The largest swap of the war."},
		{"image separates words", `<p>left<img src="x.png">right</p>`, "left right"},
		{"pre keeps line breaks", "<pre>line 1\n  line 2\nline 3</pre><p>after</p>", "line 1\nline 2\nline 3\n\nafter"},
		{"zero-width characters and soft hyphens removed", "<p>Zelen\u00adskyy\u200b said</p>", "Zelenskyy said"},
		{"control characters removed", "<p>a\x01b\x7fc</p>", "abc"},
		{"invalid UTF-8 replaced", "<p>caf\xe9</p>", "caf\uFFFD"},
		{"unclosed tags", "<p>One<p>Two<div>Three", "One\n\nTwo\n\nThree"},
		{"stray less-than sign is text", "<p>3 < 5 and 7 > 2</p>", "3 < 5 and 7 > 2"},
		{"comments dropped", "<p>a<!-- hidden -->b</p>", "ab"},
		{"leading and trailing breaks trimmed", "<br><br><p>x</p><br><br>", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLText(tt.in); got != tt.want {
				t.Errorf("HTMLText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLTextImage(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"first image", `<p><img src="/a.jpg"><img src="/b.jpg"></p>`, "/a.jpg"},
		{"tracking pixel skipped", `<img src="https://feeds.example/~r/pixel.gif" width="1" height="1"><img src="photo.jpg">`, "photo.jpg"},
		{"image in a dropped element skipped", `<noscript><img src="no.jpg"></noscript><img src="yes.jpg">`, "yes.jpg"},
		{"no image", `<p>text</p>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := textHTMLWithImage(tt.in); got != tt.want {
				t.Errorf("textHTMLWithImage(%q) image = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestHTMLTextOfPage checks the text of a whole article page holds every
// paragraph once, each apart, and valid UTF-8.
func TestHTMLTextOfPage(t *testing.T) {
	b, err := os.ReadFile("testdata/pages/wordpress-article.html")
	if err != nil {
		t.Fatal(err)
	}
	got := HTMLText(string(b))
	if !utf8.ValidString(got) {
		t.Fatal("HTMLText(page) is not valid UTF-8")
	}
	for _, want := range []string{
		"\n\nRussian Foreign Minister Sergey Lavrov said on Friday that Moscow was “working hard” to prepare",
		"\n\nWhat comes next\n\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("HTMLText(page) lacks %q", want)
		}
	}
	for _, unwanted := range []string{"jQuery", "speculationrules", "Search for:", "Proudly powered"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("HTMLText(page) holds %q from a script, form or the footer", unwanted)
		}
	}
	if strings.Contains(got, "\n\n\n") || strings.Contains(got, "  ") {
		t.Errorf("HTMLText(page) has runs of blank lines or spaces")
	}
}

func BenchmarkHTMLText(b *testing.B) {
	page, err := os.ReadFile("testdata/pages/wordpress-article.html")
	if err != nil {
		b.Fatal(err)
	}
	s := string(page)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		HTMLText(s)
	}
}
