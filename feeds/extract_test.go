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
		file, title, image, lang, author string
		published                        time.Time
		has, lacks                       []string
	}{
		{
			file:  "daily8-nhk-prisoner-exchange.html",
			title: "Ukraine, Russia complete largest prisoner exchange since start of invasion",
			image: "https://cdn.daily8.example/images/2025/05/25/nhk-prisoner-exchange-1200x630.jpg",
			lang:  "en", published: mustTime("2025-05-25T00:00:00Z"),
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
			title: "Lavrov says Moscow is drafting a 'memorandum' on peace terms",
			image: "https://easterneuropemonitor.org/wp-content/uploads/2025/05/lavrov-briefing.jpg",
			lang:  "en", author: "Mark Whitfield", published: mustTime("2025-05-23T00:00:00Z"),
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
			lang:  "en", author: "Tom Balmforth, Anastasiia Malenko", published: mustTime("2025-05-25T00:00:00Z"),
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
			lang:  "ja", published: mustTime("2025-05-25T00:00:00Z"),
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

// TestExtractArticleFallback gives trafilatura a page it finds too
// little in (a short article in bare <div>s) so readability is tried.
func TestExtractArticleFallback(t *testing.T) {
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
