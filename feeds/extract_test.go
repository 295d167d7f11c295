package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newsbot"
)

func TestIsTeaser(t *testing.T) {
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("word ", n)) }
	full := words(120) + "."
	tests := []struct {
		name string
		a    newsbot.Article
		want bool
	}{
		{"no text", newsbot.Article{URL: "https://x.example/a"}, true},
		{"one-sentence description", newsbot.Article{URL: "https://x.example/a", Text: "Each side has released 1,000 people over three days in the largest swap of the war."}, true},
		{"79 words", newsbot.Article{URL: "https://x.example/a", Text: words(79)}, true},
		{"80 words", newsbot.Article{URL: "https://x.example/a", Text: words(80)}, false},
		{"full article", newsbot.Article{URL: "https://x.example/a", Text: full}, false},
		{"long text ending in an ellipsis", newsbot.Article{URL: "https://x.example/a", Text: words(150) + "…"}, true},
		{"long text ending in three dots", newsbot.Article{URL: "https://x.example/a", Text: words(150) + "..."}, true},
		{"long text ending in [...]", newsbot.Article{URL: "https://x.example/a", Text: words(150) + " [...]"}, true},
		{"long text ending in Read more", newsbot.Article{URL: "https://x.example/a", Text: words(150) + "\n\nRead more »"}, true},
		{"long text ending in Continue reading", newsbot.Article{URL: "https://x.example/a", Text: words(150) + " Continue reading →"}, true},
		{"no URL to fetch", newsbot.Article{Text: "Short."}, false},
		{"Japanese full article", newsbot.Article{URL: "https://x.example/a", Text: strings.Repeat("捕虜交換を完了した。", 20)}, false},
		{"Japanese one sentence", newsbot.Article{URL: "https://x.example/a", Text: "ロシアとウクライナは25日、捕虜交換を完了した。"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTeaser(&tt.a); got != tt.want {
				t.Errorf("IsTeaser(%.60q) = %v, want %v", tt.a.Text, got, tt.want)
			}
		})
	}
	if IsTeaser(nil) {
		t.Errorf("IsTeaser(nil) = true")
	}
}

// TestExtractArticle extracts real-shaped news pages and checks the text
// holds the article's paragraphs and none of the page around them.
func TestExtractArticle(t *testing.T) {
	tests := []struct {
		file, title, image, lang, author, site string
		published                              time.Time
		has, lacks                             []string
	}{
		{
			file:  "daily8-nhk-prisoner-exchange.html",
			title: "Ukraine, Russia complete largest prisoner exchange since start of invasion",
			image: "https://cdn.daily8.example/images/2025/05/25/nhk-prisoner-exchange-1200x630.jpg",
			lang:  "en", site: "Daily8", published: mustTime("2025-05-25T10:12:00Z"),
			has: []string{
				"Ukraine and Russia have completed their three-day exchange of prisoners.",
				"that they each released 303 service members earlier in the day.\n\nThe two countries agreed",
				"pledging to bring back \"every single one\"",
				"At least 12 people were killed, including three children.",
				"It remains unclear whether progress can be made toward realizing a ceasefire under terms sought by Ukraine.",
			},
			lacks: []string{
				"Orange background", "Try Our AI Features", "Explore what Daily8 AI", "No comments yet",
				"Related Articles", "We are not kids at the playground", "Winston Churchill", "WeChat",
				"DOWNLOAD THE APP", "Download our app", "cookies", "Privacy policy", "Entertainment", "gtag",
				"Freed Ukrainian servicemen after the exchange", "NHK25",
			},
		},
		{
			file:  "wordpress-article.html",
			title: "Lavrov says Moscow is drafting a ‘memorandum’ on peace terms",
			image: "https://easterneuropemonitor.org/wp-content/uploads/2025/05/lavrov-briefing.jpg",
			lang:  "en", site: "Eastern Europe Monitor", author: "Mark Whitfield", published: mustTime("2025-05-23T11:40:02Z"),
			has: []string{
				"Russian Foreign Minister Sergey Lavrov said on Friday that Moscow was “working hard”",
				"What comes next",
				"The European Union adopted its 17th package of measures earlier this week",
				"called for pressure on Moscow to be increased.",
			},
			lacks: []string{
				"Advertisement", "Share on X", "Nobody in Kyiv believes", "Leave a Reply", "Moldova prepares",
				"Support independent journalism", "Proudly powered", "Manage Cookie Consent", "Skip to content",
				"Istanbul talks end after two hours", "previously reported from Moscow",
			},
		},
		{
			file:  "wire-article.html",
			title: "Russia and Ukraine complete 1,000-for-1,000 prisoner swap",
			image: "https://cdn.worldwire.example/resizer/v2/ABCD1234PRISONERSWAP.jpg?auth=9f8e&width=1200&quality=80",
			lang:  "en", site: "World Wire", author: "Tom Balmforth, Anastasiia Malenko", published: mustTime("2025-05-25T14:31:07Z"),
			has: []string{
				"KYIV/MOSCOW, May 25 (World Wire) - Russia and Ukraine each released 303 soldiers on Sunday",
				"\"We are bringing our people home,\"",
				"Russia denies that and says a ceasefire must address what it calls the root causes of the conflict.",
			},
			lacks: []string{
				"Scroll to continue", "Sign up here", "Read Next", "Most Read", "Stocks rally", "842 partners",
				"Purchase Licensing Rights", "Our Standards", "All quotes delayed", "Breakingviews", "Fusion",
			},
		},
		{
			file:  "nihon-shimbun-shift_jis.html",
			title: "ロシアとウクライナ、1000人ずつの捕虜交換を完了",
			image: "https://www.nihon-shimbun.example/images/2025/05/25/prisoner-exchange.jpg",
			lang:  "ja", site: "日本新聞", published: mustTime("2025-05-25T12:30:00Z"),
			has: []string{
				"ロシアとウクライナは25日、双方の捕虜をそれぞれ303人ずつ交換し",
				"「ロシアにとらわれている一人ひとりを必ず取り戻す」",
				"停戦に向けた協議が進展するかは不透明だ。",
			},
			lacks: []string{"関連記事", "アクセスランキング", "大相撲", "クッキー", "会社案内", "ログイン", "LINEで送る"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("testdata/pages", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			x, err := ExtractArticle(page, "https://pages.example/"+tt.file)
			if err != nil {
				t.Fatalf("ExtractArticle(%s): %v", tt.file, err)
			}
			checks := []struct{ field, got, want string }{
				{"Title", x.Title, tt.title},
				{"ImageURL", x.ImageURL, tt.image},
				{"Language", x.Language, tt.lang},
				{"Author", x.Author, tt.author},
				{"SiteName", x.SiteName, tt.site},
				{"Extractor", x.Extractor, "readability"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("ExtractArticle(%s).%s = %q, want %q", tt.file, c.field, c.got, c.want)
				}
			}
			if !x.PublishedAt.Equal(tt.published) {
				t.Errorf("ExtractArticle(%s).PublishedAt = %v, want %v", tt.file, x.PublishedAt, tt.published)
			}
			for _, s := range tt.has {
				if !strings.Contains(x.Text, s) {
					t.Errorf("ExtractArticle(%s).Text lacks %q; text:\n%s", tt.file, s, x.Text)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(x.Text, s) {
					t.Errorf("ExtractArticle(%s).Text holds %q from the page around the article; text:\n%s", tt.file, s, x.Text)
				}
			}
			if strings.HasPrefix(x.Text, x.Title) {
				t.Errorf("ExtractArticle(%s).Text starts with the headline", tt.file)
			}
			if strings.Contains(x.Text, "\n\n\n") {
				t.Errorf("ExtractArticle(%s).Text has runs of blank lines", tt.file)
			}
		})
	}
}

// TestExtractArticleBareDivs extracts a short article written in bare
// <div>s, beside a menu.
func TestExtractArticleBareDivs(t *testing.T) {
	page := []byte(`<html><head><title>Short note</title></head><body>
<div class="menu"><a href="/">Home</a> <a href="/about">About</a></div>
<div class="note"><div>The ferry to the islands is cancelled today because of the storm warning.</div>
<div>Services should resume tomorrow morning if the wind drops as forecast.</div></div>
</body></html>`)
	x, err := ExtractArticle(page, "https://ferries.example/notes/1")
	if err != nil {
		t.Fatalf("ExtractArticle: %v", err)
	}
	want := "The ferry to the islands is cancelled today because of the storm warning. Services should resume tomorrow morning if the wind drops as forecast."
	if x.Text != want || x.Extractor != "readability" {
		t.Errorf("ExtractArticle(short page) = %q by %s, want %q by readability", x.Text, x.Extractor, want)
	}
}

func TestExtractArticleNothing(t *testing.T) {
	for _, page := range []string{"", "<html><body></body></html>", "<html><body><nav><a href='/'>Home</a></nav></body></html>"} {
		x, err := ExtractArticle([]byte(page), "https://x.example/")
		if !errors.Is(err, ErrNoArticle) {
			t.Errorf("ExtractArticle(%q) = %+v, %v; want ErrNoArticle", page, x, err)
		}
	}
}

// BenchmarkExtractArticle extracts each test page: the cost per page of
// full text for a teaser item.
func BenchmarkExtractArticle(b *testing.B) {
	files, err := filepath.Glob("testdata/pages/*.html")
	if err != nil || len(files) == 0 {
		b.Fatal("no pages", err)
	}
	for _, f := range files {
		page, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(f), func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ExtractArticle(page, "https://pages.example/a"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestExtractChrome checks which lines are page chrome: ad and section
// labels and calls to action go; sentences and subheadings stay, even
// when they open with a call to action's verb.
func TestExtractChrome(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"Advertisement", true},
		{"ADVERTISEMENT", true},
		{"Advertisement · Scroll to continue", true},
		{"Story continues below advertisement", true},
		{"Sponsored", true},
		{"Anzeige", true},
		{"広告", true},
		{"Related:", true},
		{"Related Articles", true},
		{"Read more »", true},
		{"Sign up here.", true},
		{"Try Our AI Features", true},
		{"Share this article", true},
		{"Share on X", true},
		{"Sign up for our newsletter", true},
		{"Sign up for our free daily newsletter:", true},
		{"Subscribe now!", true},
		{"Follow us on Telegram", true},
		{"Download our app", true},
		{"Listen to this article", true},
		{"Continue reading the main story", true},
		{"Our Standards: The World Wire Trust Principles.", true},

		{"What comes next", false},
		{"By the numbers", false},
		{"Follow the money", false},
		{"Share prices fall", false},
		{"Support for Kyiv grows", false},
		{"Read between the lines", false},
		{"Advertising revenue fell by a third last year.", false},
		{"Share this article with anyone who doubts it, he said.", false},
		{"Follow us, the protesters shouted.", false},
		{"Sign up for our newsletter to get the latest news from Kyiv every morning", false},
		{"Ukrainians sign up for the army", false},
		{"ロシアとウクライナは25日、捕虜交換を完了した。", false},
		{"", false},
		{"—", false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := extractChrome(tt.line); got != tt.want {
				t.Errorf("extractChrome(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

// TestExtractClean removes page furniture from extracted text and keeps
// every sentence and subheading of the article.
func TestExtractClean(t *testing.T) {
	tests := []struct {
		name, text, title, author, want string
	}{
		{
			name:  "headline repeated as the first paragraph",
			text:  "Ferries stop\n\nThe ferry to the islands is cancelled today.",
			title: "Ferries stop",
			want:  "The ferry to the islands is cancelled today.",
		},
		{
			name: "ad label between paragraphs",
			text: "The ferry is cancelled today.\n\nAdvertisement\n\nServices resume tomorrow.",
			want: "The ferry is cancelled today.\n\nServices resume tomorrow.",
		},
		{
			name: "subheading after an ad label",
			text: "The ferry is cancelled today.\n\nAdvertisement\n\nWhat comes next\n\nServices resume tomorrow.",
			want: "The ferry is cancelled today.\n\nWhat comes next\n\nServices resume tomorrow.",
		},
		{
			name: "chrome line inside a paragraph",
			text: "The ferry is cancelled today.\nShare this article\nServices resume tomorrow.",
			want: "The ferry is cancelled today.\nServices resume tomorrow.",
		},
		{
			name: "prompt and its feature list after the article",
			text: "The ferry is cancelled today.\n\nTry Our AI Features\n\nExplore what Daily8 AI can do for you:\n\nSummaries in one click\nTranslate any story\nAsk follow-up questions",
			want: "The ferry is cancelled today.",
		},
		{
			name: "short lines after the article without chrome",
			text: "The ferry is cancelled today.\n\nKey dates\n\nMay 24: storm warning\nMay 26: services resume",
			want: "The ferry is cancelled today.\n\nKey dates\n\nMay 24: storm warning\nMay 26: services resume",
		},
		{
			name:   "byline and dateline above the article",
			text:   "By Tom Balmforth and Anastasiia Malenko\n\nMay 25, 2025 2:31 PM UTC\n\nKYIV, May 25 - Russia and Ukraine each released 303 soldiers.",
			author: "Tom Balmforth, Anastasiia Malenko",
			want:   "KYIV, May 25 - Russia and Ukraine each released 303 soldiers.",
		},
		{
			name: "kicker above the article without a byline",
			text: "Analysis\n\nThe ferry is cancelled today.",
			want: "Analysis\n\nThe ferry is cancelled today.",
		},
		{
			name:   "subheading that opens with By",
			text:   "By the numbers\n\nThe ferry carried 300 people a day.",
			author: "Jane Doe",
			want:   "By the numbers\n\nThe ferry carried 300 people a day.",
		},
		{
			name:   "author's box after the article",
			text:   "The ferry is cancelled today.\n\nMark Whitfield\n\nMark Whitfield covers transport for the Monitor. He previously reported from Oslo.",
			author: "Mark Whitfield",
			want:   "The ferry is cancelled today.",
		},
		{
			name:   "author's biography after the article",
			text:   "The ferry is cancelled today.\n\nMark Whitfield covers transport for the Monitor. He previously reported from Oslo.",
			author: "Mark Whitfield",
			want:   "The ferry is cancelled today.",
		},
		{
			name:   "author named in the last sentence",
			text:   "The ferry is cancelled today.\n\nThe figures were gathered by Mark Whitfield.",
			author: "Mark Whitfield",
			want:   "The ferry is cancelled today.\n\nThe figures were gathered by Mark Whitfield.",
		},
		{
			name:   "last paragraph opens with a one-word byline",
			text:   "The ferry is cancelled today.\n\nReuters reported the closure first.",
			author: "Reuters",
			want:   "The ferry is cancelled today.\n\nReuters reported the closure first.",
		},
		{
			name:   "no prose at all",
			text:   "Photo gallery\n\nAdvertisement\n\nBy Jane Doe",
			author: "Jane Doe",
			want:   "Photo gallery\n\nBy Jane Doe",
		},
		{
			name: "standards line after the article",
			text: "The ferry is cancelled today.\n\nOur Standards: The World Wire Trust Principles.",
			want: "The ferry is cancelled today.",
		},
		{
			name: "Japanese article",
			text: "ロシアとウクライナは25日、捕虜交換を完了した。\n\n関連記事\n\n停戦に向けた協議が進展するかは不透明だ。",
			want: "ロシアとウクライナは25日、捕虜交換を完了した。\n\n停戦に向けた協議が進展するかは不透明だ。",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extractClean(tt.text, tt.title, tt.author); got != tt.want {
				t.Errorf("extractClean(%q, %q, %q) = %q, want %q", tt.text, tt.title, tt.author, got, tt.want)
			}
		})
	}
}

func TestExtractParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2025-05-25T10:12:00+00:00", mustTime("2025-05-25T10:12:00Z")},
		{"2025-05-25T21:30:00+09:00", mustTime("2025-05-25T12:30:00Z")},
		{"2025-05-25T14:31:07Z", mustTime("2025-05-25T14:31:07Z")},
		{"2025-05-25T14:31:07.123Z", time.Date(2025, 5, 25, 14, 31, 7, 123e6, time.UTC)},
		{"2025-05-25T21:30:00+0900", mustTime("2025-05-25T12:30:00Z")},
		{"2025-05-25 21:30:00 +0900", mustTime("2025-05-25T12:30:00Z")},
		{"2025-05-25T10:12+02:00", mustTime("2025-05-25T08:12:00Z")},
		{"2025-05-25T10:12:00", mustTime("2025-05-25T10:12:00Z")},
		{"2025-05-25 10:12:00", mustTime("2025-05-25T10:12:00Z")},
		{"2025-05-25T10:12", mustTime("2025-05-25T10:12:00Z")},
		{" 2025-05-25 ", mustTime("2025-05-25T00:00:00Z")},
		{"Sun, 25 May 2025 14:31:07 +0200", mustTime("2025-05-25T12:31:07Z")},
		{"Sun, 25 May 2025 14:31:07 GMT", mustTime("2025-05-25T14:31:07Z")},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
		{"May 25, 2025", time.Time{}},
		{"25/05/2025", time.Time{}},
		{"2025-13-01", time.Time{}},
		{"1970-01-01T00:00:00Z", time.Time{}},
		{"0001-01-01T00:00:00Z", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := extractParseDate(tt.in)
			if !got.Equal(tt.want) || ok == tt.want.IsZero() || got.Location() != time.UTC {
				t.Errorf("extractParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			}
		})
	}
}

// testArticlePage is a page whose article readability finds, with head
// and body markup around it.
func testArticlePage(lang, head, body string) []byte {
	if lang != "" {
		lang = ` lang="` + lang + `"`
	}
	return []byte(`<!DOCTYPE html><html` + lang + `><head><meta charset="utf-8"><title>Storm stops the island ferries</title>` + head +
		`</head><body>` + body + `<article><h1>Storm stops the island ferries</h1>
<p>The ferry to the islands is cancelled today because of the storm warning issued by the coastguard on Friday evening.</p>
<p>Services should resume tomorrow morning if the wind drops as forecast, the operator said in a statement on its website.</p>
<p>Islanders who need to travel for medical appointments can ask the council for a seat on the rescue boat instead.</p>
</article></body></html>`)
}

// TestExtractArticlePublished reads the publication time from JSON-LD,
// meta tags and <time>, in that order of trust.
func TestExtractArticlePublished(t *testing.T) {
	const ld = `<script type="application/ld+json">`
	tests := []struct {
		name, head, body string
		want             time.Time
	}{
		{"no date", "", "", time.Time{}},
		{"meta article:published_time", `<meta property="article:published_time" content="2025-05-25T10:12:00+02:00">`, "", mustTime("2025-05-25T08:12:00Z")},
		{"meta by name", `<meta name="article:published_time" content="2025-05-25T14:31:07Z">`, "", mustTime("2025-05-25T14:31:07Z")},
		{"meta itemprop datePublished", `<meta itemprop="datePublished" content="2025-05-25">`, "", mustTime("2025-05-25T00:00:00Z")},
		{"meta without a zone", `<meta name="date" content="2025-05-25 10:12:00">`, "", mustTime("2025-05-25T10:12:00Z")},
		{
			"article:published_time beats an earlier date meta",
			`<meta name="date" content="2025-05-01"><meta property="article:published_time" content="2025-05-25T10:12:00Z">`, "",
			mustTime("2025-05-25T10:12:00Z"),
		},
		{
			"JSON-LD article beats meta",
			ld + `{"@context":"https://schema.org","@type":"NewsArticle","datePublished":"2025-05-25T10:12:00+09:00"}</script>` +
				`<meta property="article:published_time" content="2025-05-20T00:00:00Z">`, "",
			mustTime("2025-05-25T01:12:00Z"),
		},
		{
			"JSON-LD article in a graph beats its web page",
			ld + `{"@context":"https://schema.org","@graph":[{"@type":"WebPage","datePublished":"2025-01-01T00:00:00Z"},` +
				`{"@type":["Article","NewsArticle"],"datePublished":"2025-05-23T11:40:02+00:00"}]}</script>`, "",
			mustTime("2025-05-23T11:40:02Z"),
		},
		{
			"JSON-LD array",
			ld + `[{"@type":"BreadcrumbList"},{"@type":"BlogPosting","datePublished":"2025-05-23"}]</script>`, "",
			mustTime("2025-05-23T00:00:00Z"),
		},
		{
			"meta beats a JSON-LD web page",
			ld + `{"@type":"WebPage","datePublished":"2025-01-01T00:00:00Z"}</script>` +
				`<meta property="article:published_time" content="2025-05-20T00:00:00Z">`, "",
			mustTime("2025-05-20T00:00:00Z"),
		},
		{
			"broken JSON-LD is skipped",
			ld + `{"@type":"NewsArticle","datePublished":"2025-05-25",}</script>` +
				`<meta property="article:published_time" content="2025-05-20T00:00:00Z">`, "",
			mustTime("2025-05-20T00:00:00Z"),
		},
		{
			"unparsable meta falls through to time",
			`<meta property="article:published_time" content="yesterday">`, `<p><time datetime="2025-05-25">25 May</time></p>`,
			mustTime("2025-05-25T00:00:00Z"),
		},
		{
			"marked time beats the first",
			"", `<div class="ticker"><time datetime="2025-06-01">Today</time></div><p><time class="entry-date published" datetime="2025-05-23T11:40:02+00:00">23 May</time></p>`,
			mustTime("2025-05-23T11:40:02Z"),
		},
		{
			"pubdate time",
			"", `<p><time datetime="2025-06-01">Today</time> <time pubdate datetime="2025-05-23">23 May</time></p>`,
			mustTime("2025-05-23T00:00:00Z"),
		},
		{
			"time in a sidebar is skipped",
			"", `<aside><time datetime="2025-06-01">1 June</time></aside><header><time datetime="2025-05-25T09:00:00Z">25 May</time></header>`,
			mustTime("2025-05-25T09:00:00Z"),
		},
		{"time only in the footer", "", `<footer><time datetime="2025-06-01">1 June</time></footer>`, time.Time{}},
		{"time without datetime", "", `<p><time>25 May 2025</time></p>`, time.Time{}},
		{"date before 1995", `<meta property="article:published_time" content="1970-01-01T00:00:00Z">`, "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ExtractArticle(testArticlePage("en", tt.head, tt.body), "https://ferries.example/news/1")
			if err != nil {
				t.Fatalf("ExtractArticle: %v", err)
			}
			if !x.PublishedAt.Equal(tt.want) || x.PublishedAt.Location() != time.UTC {
				t.Errorf("ExtractArticle(%s).PublishedAt = %v, want %v", tt.name, x.PublishedAt, tt.want)
			}
		})
	}
}

// TestExtractArticleAuthor takes a person named as the author and leaves
// out an organization.
func TestExtractArticleAuthor(t *testing.T) {
	const ld = `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",`
	tests := []struct {
		name, head, want string
	}{
		{"none", "", ""},
		{"meta author", `<meta name="author" content="Jane Doe">`, "Jane Doe"},
		{"JSON-LD person", ld + `"author":{"@type":"Person","name":"Jane Doe"}}</script>`, "Jane Doe"},
		{"JSON-LD people", ld + `"author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}]}</script>`, "Jane Doe, John Roe"},
		{"JSON-LD organization", ld + `"author":{"@type":"Organization","name":"NHK"}}</script>`, ""},
		{"JSON-LD news organization", ld + `"author":[{"@type":"NewsMediaOrganization","name":"NHK"}]}</script>`, ""},
		{
			"organization as publisher, person as author",
			ld + `"author":{"@type":"Person","name":"Jane Doe"},"publisher":{"@type":"Organization","name":"Ferry News"}}</script>`,
			"Jane Doe",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ExtractArticle(testArticlePage("en", tt.head, ""), "https://ferries.example/news/1")
			if err != nil {
				t.Fatalf("ExtractArticle: %v", err)
			}
			if x.Author != tt.want {
				t.Errorf("ExtractArticle(%s).Author = %q, want %q", tt.name, x.Author, tt.want)
			}
		})
	}
}

// TestExtractArticleLanguage reports the declared language, else the
// one detected in a text long enough to tell.
func TestExtractArticleLanguage(t *testing.T) {
	german := `<html><head><title>Sturm</title></head><body><article>
<p>Die Fähre zu den Inseln fällt heute wegen der Sturmwarnung aus, die die Küstenwache am Freitagabend herausgegeben hat.</p>
<p>Der Betrieb soll morgen früh wieder aufgenommen werden, wenn der Wind wie vorhergesagt nachlässt, teilte der Betreiber mit.</p>
<p>Inselbewohner, die zu einem Arzttermin reisen müssen, können bei der Gemeinde einen Platz auf dem Rettungsboot beantragen.</p>
</article></body></html>`
	short := `<html><head><title>Note</title></head><body><article><p>The ferry to the islands is cancelled today because of the storm.</p></article></body></html>`
	tests := []struct {
		name string
		page []byte
		want string
	}{
		{"declared", testArticlePage("en-GB", "", ""), "en"},
		{"declared with an underscore", testArticlePage("pt_BR", "", ""), "pt"},
		{"declared over the text's language", testArticlePage("fr", "", ""), "fr"},
		{"English detected", testArticlePage("", "", ""), "en"},
		{"German detected", []byte(german), "de"},
		{"too short to detect", []byte(short), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ExtractArticle(tt.page, "")
			if err != nil {
				t.Fatalf("ExtractArticle: %v", err)
			}
			if x.Language != tt.want {
				t.Errorf("ExtractArticle(%s).Language = %q, want %q", tt.name, x.Language, tt.want)
			}
		})
	}
}

// FuzzExtractArticle feeds arbitrary pages to the extractor: it must not
// panic, and what it returns must be clean text.
func FuzzExtractArticle(f *testing.F) {
	files, _ := filepath.Glob("testdata/pages/*.html")
	for _, file := range files {
		page, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(page)
	}
	f.Add(testArticlePage("", `<script type="application/ld+json">[{"@graph":[{"@graph":{}}]}]</script>`, "<time datetime='x'>"))
	f.Add([]byte("<p>Advertisement</p><p>By Jane Doe</p>"))
	f.Fuzz(func(t *testing.T, page []byte) {
		x, err := ExtractArticle(page, "https://x.example/a")
		if err != nil {
			if !errors.Is(err, ErrNoArticle) {
				t.Fatalf("ExtractArticle(%q) error %v, want ErrNoArticle", page, err)
			}
			return
		}
		switch {
		case extractWordCount(x.Text) < extractNoneWords:
			t.Errorf("ExtractArticle(%q).Text = %q: too short to be returned", page, x.Text)
		case strings.TrimSpace(x.Text) != x.Text || strings.Contains(x.Text, "\n\n\n"):
			t.Errorf("ExtractArticle(%q).Text = %q: stray white space", page, x.Text)
		case !x.PublishedAt.IsZero() && (x.PublishedAt.Location() != time.UTC || x.PublishedAt.Before(parseMinDate)):
			t.Errorf("ExtractArticle(%q).PublishedAt = %v", page, x.PublishedAt)
		}
	})
}

func TestHasWordsAgreesWithTheCount(t *testing.T) {
	texts := []string{
		"",
		strings.Repeat("word ", 79),
		strings.Repeat("word ", 80),
		strings.Repeat("a, ", 200),
		strings.Repeat("日本語の記事です。", 20),
		strings.Repeat("x", 1000) + " tail words here",
		strings.Repeat("—— ", 300) + strings.Repeat("late ", 80),
	}
	for _, s := range texts {
		for _, n := range []int{1, 5, 80, 81} {
			if got, want := hasWords(s, n), extractWordCount(s) >= n; got != want {
				t.Errorf("hasWords(%.30q…, %d) = %v, want %v (%d words)", s, n, got, want, extractWordCount(s))
			}
		}
	}
}
