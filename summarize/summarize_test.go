package summarize

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testArticle is a record of testdata/articles.jsonl or of the dev set.
type testArticle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func readArticles(tb testing.TB, path string) []testArticle {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []testArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var a testArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// fixtures returns the test articles: the seed page and testdata/articles.jsonl.
func fixtures(tb testing.TB) []testArticle {
	tb.Helper()
	page, err := os.ReadFile("testdata/news-page.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return append([]testArticle{{ID: "news-page", Text: string(page)}}, readArticles(tb, "testdata/articles.jsonl")...)
}

// TestGolden compares the summaries of the fixtures with the golden
// files; run with -update to rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	for _, a := range fixtures(t) {
		t.Run(a.ID, func(t *testing.T) {
			got := strings.Join(Options{Title: a.Title}.Text(a.Text), "\n") + "\n"
			path := filepath.Join("testdata", "golden", a.ID+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("summary of %s:\n%s\nwant:\n%s", a.ID, got, want)
			}
		})
	}
}

// TestSeedPage checks the scraped page: three sentences of the
// prisoner-exchange story, none of the page around it.
func TestSeedPage(t *testing.T) {
	page, err := os.ReadFile("testdata/news-page.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := Text(string(page), 3)
	if len(got) != 3 {
		t.Fatalf("Text(news-page.txt, 3) = %q, want 3 sentences", got)
	}
	story := string(page[:strings.Index(string(page), "Orange background")])
	for _, s := range got {
		if !strings.Contains(story, s) {
			t.Errorf("sentence %q is not from the lead story", s)
		}
		if strings.Contains(s, "Ukraine, Russia complete largest prisoner exchange") {
			t.Errorf("sentence %q repeats the headline", s)
		}
	}
	if words := len(strings.Fields(strings.Join(got, " "))); words < 30 || words > DefaultMaxWords {
		t.Errorf("summary has %d words, want between 30 and %d", words, DefaultMaxWords)
	}
}

// TestSummaryShape checks what every summary of every fixture keeps to:
// at most n sentences, in document order, each a span of the input, within
// the word budget, never opening with a dangling reference.
func TestSummaryShape(t *testing.T) {
	for _, a := range fixtures(t) {
		for _, n := range []int{1, 2, 3, 5} {
			t.Run(fmt.Sprintf("%s/n=%d", a.ID, n), func(t *testing.T) {
				got := Options{Sentences: n, Title: a.Title}.Text(a.Text)
				if len(got) == 0 || len(got) > n {
					t.Fatalf("Text(%s, %d) gave %d sentences", a.ID, n, len(got))
				}
				checkSpans(t, a.Text, got)
				folded := strings.Join(strings.Fields(a.Text), " ")
				last := -1
				for _, s := range got {
					i := strings.Index(folded, s)
					if i <= last {
						t.Errorf("sentence %q is out of document order", s)
					}
					last = i
				}
				words := 0
				for _, s := range got {
					words += len(strings.Fields(s))
				}
				if len(got) > 1 && words > DefaultMaxWords {
					t.Errorf("summary has %d words, over the budget of %d", words, DefaultMaxWords)
				}
				if first, _ := firstWord(got[0]); slices.Contains([]string{"But", "However", "He", "She", "They", "It", "This"}, first) && !strings.HasPrefix(folded, got[0]) {
					t.Errorf("summary opens with a dangling %q: %q", first, got[0])
				}
			})
		}
	}
}

func TestOptions(t *testing.T) {
	text := "The council approved a new budget for the city on Tuesday after months of debate. " +
		"The budget raises spending on schools and roads by ten percent. " +
		"Critics said the plan would force higher taxes within two years. " +
		"The mayor said the city could afford it without new taxes. " +
		"A final vote on the tax rate is expected next month."
	t.Run("one sentence", func(t *testing.T) {
		got := Text(text, 1)
		want := []string{"The council approved a new budget for the city on Tuesday after months of debate."}
		if !slices.Equal(got, want) {
			t.Errorf("Text(text, 1) = %q, want %q", got, want)
		}
	})
	t.Run("zero means the default", func(t *testing.T) {
		if got := Text(text, 0); len(got) != DefaultSentences {
			t.Errorf("Text(text, 0) gave %d sentences, want %d", len(got), DefaultSentences)
		}
	})
	t.Run("word budget", func(t *testing.T) {
		got := Options{Sentences: 5, MaxWords: 30}.Text(text)
		words := len(strings.Fields(strings.Join(got, " ")))
		if words > 30 || len(got) < 2 {
			t.Errorf("Options{MaxWords: 30}.Text = %q (%d words), want two or more sentences within 30 words", got, words)
		}
	})
	t.Run("budget smaller than any sentence", func(t *testing.T) {
		got := Options{MaxWords: 3}.Text(text)
		if len(got) != 1 {
			t.Errorf("Options{MaxWords: 3}.Text = %q, want the single best sentence", got)
		}
	})
	t.Run("more sentences than the text has", func(t *testing.T) {
		got := Options{Sentences: 20, MaxWords: 1000}.Text(text)
		if len(got) != 5 {
			t.Errorf("Options{Sentences: 20}.Text gave %d sentences, want all 5", len(got))
		}
	})
	t.Run("empty text", func(t *testing.T) {
		if got := Text("", 3); len(got) != 0 {
			t.Errorf("Text(\"\", 3) = %q, want none", got)
		}
	})
	t.Run("headline only", func(t *testing.T) {
		got := Text("Apple unveils a new phone", 3)
		if !slices.Equal(got, []string{"Apple unveils a new phone"}) {
			t.Errorf("Text(headline) = %q, want the headline", got)
		}
	})
}

// TestDanglingOpener checks that a sentence leaning on the one before is
// not chosen without it.
func TestDanglingOpener(t *testing.T) {
	text := "Scientists have found a new species of frog in the rainforest of Peru. " +
		"The frog is smaller than a fingernail and lives in leaf litter. " +
		"Researchers spent three years searching the forest floor for it. " +
		"But the frog, the smallest ever found in Peru, may already be endangered by logging in the forest. " +
		"Logging has cleared a fifth of the forest in a decade."
	for n := 1; n <= 3; n++ {
		got := Options{Sentences: n, MaxWords: 200}.Text(text)
		for i, s := range got {
			if strings.HasPrefix(s, "But ") && (i == 0 || !strings.HasPrefix(got[i-1], "Researchers")) {
				t.Errorf("Text(text, %d) = %q: %q without the sentence before it", n, got, s)
			}
		}
	}
}

func TestLanguageGuess(t *testing.T) {
	tests := []struct {
		id   string
		want lang
	}{
		{"bbc-business-001", langEN}, {"de-news", langDE}, {"fr-news", langFR}, {"es-news", langES},
		{"ru-news", langRU}, {"uk-news", langUK}, {"ja-news", langJA}, {"zh-news", langZH},
	}
	byID := map[string]testArticle{}
	for _, a := range fixtures(t) {
		byID[a.ID] = a
	}
	s := New()
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			a, ok := byID[tt.id]
			if !ok {
				t.Fatalf("no fixture %s", tt.id)
			}
			s.Text(a.Text, Options{})
			if got := s.guessLang(); got != tt.want {
				t.Errorf("guessLang(%s) = %q, want %q", tt.id, langCodes[got], langCodes[tt.want])
			}
		})
	}
}

func TestOtherLanguagesFallBack(t *testing.T) {
	tests := []struct{ name, text string }{
		{"greek", "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία την Τρίτη. Τα μέτρα περιλαμβάνουν μειώσεις φόρων για τις μικρές επιχειρήσεις. Η αντιπολίτευση επέκρινε το σχέδιο ως ανεπαρκές. Οι αγορές αντέδρασαν θετικά στις ανακοινώσεις."},
		{"turkish", "Hükümet salı günü ekonomi için yeni önlemler açıkladı. Önlemler küçük işletmeler için vergi indirimlerini içeriyor. Muhalefet planı yetersiz bularak eleştirdi. Piyasalar açıklamalara olumlu tepki verdi."},
		{"korean", "정부는 화요일 경제를 위한 새로운 대책을 발표했다. 대책에는 중소기업을 위한 세금 감면이 포함된다. 야당은 계획이 불충분하다고 비판했다. 시장은 발표에 긍정적으로 반응했다."},
		{"arabic", "أعلنت الحكومة يوم الثلاثاء عن إجراءات جديدة للاقتصاد. وتشمل الإجراءات تخفيضات ضريبية للشركات الصغيرة. وانتقدت المعارضة الخطة ووصفتها بأنها غير كافية. وتفاعلت الأسواق بشكل إيجابي مع الإعلانات."},
		{"mixed scripts and symbols", "Price: $100 (≈ ¥15,000) — 100% ✓. Ещё 5 шт. 東京へ。 Done!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.text, 2)
			if len(got) == 0 || len(got) > 2 {
				t.Fatalf("Text(%s, 2) = %q, want one or two sentences", tt.name, got)
			}
			checkSpans(t, tt.text, got)
		})
	}
}

func TestLanguageOption(t *testing.T) {
	text := "Die Regierung hat am Dienstag neue Maßnahmen beschlossen. Die Maßnahmen sollen kleinen Unternehmen helfen. Die Opposition kritisierte den Plan."
	for _, code := range []string{"de", "de-AT", "en", "xx", ""} {
		got := Options{Language: code}.Text(text)
		if len(got) == 0 {
			t.Errorf("Options{Language: %q}.Text = %q, want sentences", code, got)
		}
		checkSpans(t, text, got)
	}
}

// TestReuseIsDeterministic checks that a reused Summarizer, a fresh one
// and the pooled Text give the same summaries, in any order of articles.
func TestReuseIsDeterministic(t *testing.T) {
	articles := fixtures(t)
	reused := New()
	first := make([][]string, len(articles))
	for i, a := range articles {
		first[i] = reused.Text(a.Text, Options{Title: a.Title})
	}
	for i := len(articles) - 1; i >= 0; i-- {
		a := articles[i]
		again := reused.Text(a.Text, Options{Title: a.Title})
		fresh := New().Text(a.Text, Options{Title: a.Title})
		pooled := Options{Title: a.Title}.Text(a.Text)
		if !slices.Equal(again, first[i]) || !slices.Equal(fresh, first[i]) || !slices.Equal(pooled, first[i]) {
			t.Errorf("%s: summaries differ: first %q, again %q, fresh %q, pooled %q", a.ID, first[i], again, fresh, pooled)
		}
	}
}

// TestCacheReset fills the word cache past its bound and checks that the
// summaries do not change when it starts afresh.
func TestCacheReset(t *testing.T) {
	a := fixtures(t)[1]
	s := New()
	want := s.Text(a.Text, Options{Title: a.Title})
	var b strings.Builder
	for i := range maxCachedWords + 1000 {
		fmt.Fprintf(&b, "w%x ", i)
	}
	s.Text(b.String(), Options{})
	if len(s.words) <= maxCachedWords {
		t.Fatalf("cache holds %d words, want more than %d before the reset", len(s.words), maxCachedWords)
	}
	got := s.Text(a.Text, Options{Title: a.Title})
	if len(s.words) > maxCachedWords {
		t.Errorf("cache holds %d words after the reset, want fewer than %d", len(s.words), maxCachedWords)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after the reset Text = %q, want %q", got, want)
	}
}

func TestAllocations(t *testing.T) {
	a := fixtures(t)[1]
	s := New()
	s.Text(a.Text, Options{Title: a.Title})
	allocs := testing.AllocsPerRun(100, func() {
		s.Text(a.Text, Options{Title: a.Title})
	})
	// The result slice, and a copy of any sentence whose white space
	// has to be folded.
	if allocs > 2 {
		t.Errorf("a reused Summarizer allocates %v times per article, want at most 2", allocs)
	}
}

// benchArticles returns the articles the benchmarks run over: the dev set
// when it can be found (NEWSBOT_DEVSET, or the shared data next to the
// repository), else the test fixtures.
func benchArticles(tb testing.TB) []testArticle {
	tb.Helper()
	path := os.Getenv("NEWSBOT_DEVSET")
	if path == "" {
		path = filepath.Join("..", "..", "shared", "data", "summaries", "dev.jsonl")
	}
	if _, err := os.Stat(path); err == nil {
		return readArticles(tb, path)
	}
	tb.Logf("%s not found; benchmarking the test fixtures", path)
	return fixtures(tb)
}

// BenchmarkText summarizes the dev set's articles one after another with
// a reused Summarizer, as the feed poller and summarize -jsonl do.
func BenchmarkText(b *testing.B) {
	articles := benchArticles(b)
	var bytes int64
	for _, a := range articles {
		bytes += int64(len(a.Text))
	}
	b.SetBytes(bytes / int64(len(articles)))
	s := New()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		a := articles[n%len(articles)]
		s.Text(a.Text, Options{Title: a.Title})
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkTextPooled is BenchmarkText through the package-level Text,
// which takes a Summarizer from a pool for each call.
func BenchmarkTextPooled(b *testing.B) {
	articles := benchArticles(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		a := articles[n%len(articles)]
		Options{Title: a.Title}.Text(a.Text)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkTextCold summarizes the whole dev set with a new Summarizer,
// as one run of summarize -jsonl does: its caches start empty (made room
// for at once), so every new word is stemmed and stored.
func BenchmarkTextCold(b *testing.B) {
	articles := benchArticles(b)
	b.ReportAllocs()
	runs := 0
	for b.Loop() {
		s := New()
		s.Grow(1 << 15)
		for _, a := range articles {
			s.Text(a.Text, Options{Title: a.Title})
		}
		runs++
	}
	b.ReportMetric(float64(runs*len(articles))/b.Elapsed().Seconds(), "articles/s")
}
