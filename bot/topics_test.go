package bot

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // FTS5 itself, to compare the tokenizer with

	"newsbot"
	"newsbot/store"
)

// fixtureArticle is a line of summarize's test fixtures: news in several
// languages and scripts.
type fixtureArticle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func readFixtureArticles(t *testing.T) []fixtureArticle {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "summarize", "testdata", "articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixtureArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var a fixtureArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fts5Tokens returns the terms FTS5 indexes for each text, in order,
// with the tokenizer of the store's articles_fts table.
func fts5Tokens(t *testing.T, texts []string) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "tokens.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'porter unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')`,
		`BEGIN`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i, s := range texts {
		if _, err := db.Exec(`INSERT INTO t (rowid, x) VALUES (?, ?)`, i+1, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`COMMIT`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT doc, offset, term FROM v ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([][]string, len(texts))
	for rows.Next() {
		var doc, off int
		var term string
		if err := rows.Scan(&doc, &off, &term); err != nil {
			t.Fatal(err)
		}
		if off != len(out[doc-1]) {
			t.Fatalf("text %d: FTS5 term at offset %d after %d terms", doc-1, off, len(out[doc-1]))
		}
		out[doc-1] = append(out[doc-1], term)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTokenizerAgreesWithFTS5 tokenizes text as SQLite does and wants
// the very terms FTS5 indexes: real articles in several scripts, every
// code point at the start and inside a token, and broken UTF-8.
func TestTokenizerAgreesWithFTS5(t *testing.T) {
	texts := []string{
		"Café Zürich — Ærøskøbing; İstanbul ŞEHİR; Ελλάδα ΆΝΔΡΑΣ; Москва Йошкар-Ола ёлка",
		"U.S. covid-19 $5bn 3.5% O'Neill's ﬁnance ǅemal ＦＵＬＬ width Ⅻ ℌ Ǖber ǖ",
		"decomposed e\u0301te\u0301 nai\u0308ve x\u0305y \u0301leading mark",
		"emoji 🙂 and 😀 and ❤ between words: great🙂news",
		"elections elected electing relational generalization happy skies dying news says days",
		"broken \xc3 utf-8 abc\xff\xfedef \xf4\x90\x80\x80z \xed\xa0\x80x \xc0\xafy x\xfc\xbf\xbf\xbf\xbf\xbf\xbfy tail\xe2\x82",
		strings.Repeat("a", 70) + "ing " + strings.Repeat("b", 62) + "ing",
	}
	for _, a := range readFixtureArticles(t) {
		texts = append(texts, a.Title, a.Text)
	}
	// Code points after a separator and inside a token: all those of
	// the alphabets up to CJK, the fullwidth forms and Deseret (which
	// fold), each end of every separator range and its neighbours, and a
	// sample of the rest.
	points := make(map[rune]bool)
	for c := rune(0x80); c < 0x3000; c++ {
		points[c] = true
	}
	for c := rune(0xFF00); c < 0x10000; c++ {
		points[c] = true
	}
	for c := rune(0x10400); c < 0x10450; c++ {
		points[c] = true
	}
	for _, r := range fts5Separators {
		for _, c := range []rune{r[0] - 1, r[0], r[0] + 1, r[1] - 1, r[1], r[1] + 1} {
			points[c] = true
		}
	}
	for c := rune(0x3000); c <= 0x10FFFF; c += 61 {
		points[c] = true
	}
	var start, inside strings.Builder
	for i, c := range slices.Sorted(maps.Keys(points)) {
		if c < 0x80 || c >= 0xD800 && c <= 0xDFFF || c > 0x10FFFF {
			continue
		}
		fmt.Fprintf(&start, " %cq", c)
		fmt.Fprintf(&inside, " q%cq", c)
		if i%2048 == 2047 {
			texts = append(texts, start.String(), inside.String())
			start.Reset()
			inside.Reset()
		}
	}
	texts = append(texts, start.String(), inside.String())

	want := fts5Tokens(t, texts)
	var tz tokenizer
	bad := 0
	for i, s := range texts {
		got := tz.phrase(s)
		if slices.Equal(got, want[i]) {
			continue
		}
		j := 0
		for j < min(len(got), len(want[i])) && got[j] == want[i][j] {
			j++
		}
		show := func(ts []string) string { return fmt.Sprintf("%q", ts[j:min(j+3, len(ts))]) }
		t.Errorf("text %d, token %d: tokens %s…, FTS5 has %s… (of %d tokens, FTS5 %d)", i, j, show(got), show(want[i]), len(got), len(want[i]))
		if bad++; bad == 10 {
			t.Fatal("too many differences")
		}
	}
}

func TestPorterStem(t *testing.T) {
	tests := []struct{ word, want string }{
		{"elections", "elect"},
		{"election", "elect"},
		{"elected", "elect"},
		{"running", "run"},
		{"runs", "run"},
		{"hopping", "hop"},
		{"filing", "file"},
		{"agreed", "agre"},
		{"relational", "relat"},
		{"conditional", "condit"},
		{"generalization", "gener"},
		{"happy", "happi"},
		{"skies", "ski"},
		{"says", "sai"}, // the summarizer's NLTK variant: "say"
		{"day", "dai"},
		{"news", "new"}, // NLTK keeps "news"
		{"us", "us"},    // under 3 bytes: as it is
		{"ukraine", "ukrain"},
	}
	for _, tt := range tests {
		if got := string(porterStem([]byte(tt.word))); got != tt.want {
			t.Errorf("porterStem(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestCheckTopic(t *testing.T) {
	for _, ok := range []string{
		"ukraine",
		`"climate change" -denial`,
		"source:bbc election",
		"covid-19 since:7d",
		"Zürich",
	} {
		if err := CheckTopic(ok); err != nil {
			t.Errorf("CheckTopic(%q) = %v, want nil", ok, err)
		}
	}
	tests := []struct{ name, topic, want string }{
		{"empty", "", "nothing to search for"},
		{"blank", "   ", "nothing to search for"},
		{"only an exclusion", "-ukraine", "at least one word that is not excluded"},
		{"only an excluded phrase", `-"climate change"`, "at least one word that is not excluded"},
		{"only a source", "source:bbc", "nothing to search for"},
		{"only punctuation", `!!! -- ""`, "nothing to search for"},
		{"letters search does not index", "\u19b0\u19b1", "no word that search can match"},
		{"a bad since", "election since:soon", "since:soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTopic(tt.topic)
			if err == nil || !errors.Is(err, newsbot.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckTopic(%q) = %v, want an ErrInvalid saying %q", tt.topic, err, tt.want)
			}
		})
	}
}

func TestPercolatorMatch(t *testing.T) {
	subs := []newsbot.Subscription{
		{ID: 1, GuildID: "g1", UserID: "u1", Topic: "climate summit"},
		{ID: 2, GuildID: "g1", UserID: "u1", Topic: `"climate change"`},
		{ID: 3, GuildID: "g1", UserID: "u2", Topic: "ukraine -russia"},
		{ID: 4, GuildID: "g1", UserID: "u2", Topic: `ukraine -"peace talks"`},
		{ID: 5, GuildID: "g1", UserID: "u3", Topic: "source:bbc election"},
		{ID: 6, GuildID: "g1", UserID: "u3", Topic: `source:"reuters world" election`},
		{ID: 7, GuildID: "g1", UserID: "u3", Topic: "source:42 election"},
		{ID: 8, GuildID: "g1", UserID: "u4", Topic: "elections"},
		{ID: 9, GuildID: "g1", UserID: "u4", Topic: "ZURICH café"},
		{ID: 10, GuildID: "g1", UserID: "u4", Topic: "covid-19"},
		{ID: 11, GuildID: "g1", UserID: "u5", Topic: "election since:7d"},
		{ID: 12, GuildID: "g2", UserID: "u6", Topic: "election"},
		{ID: 13, GuildID: "g1", UserID: "u7", Topic: "election", PausedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: 14, GuildID: "g1", UserID: "u8", Topic: `"the who" concert`},
	}
	p := NewPercolator()
	for _, i := range []int{13, 2, 0, 7, 11, 4, 1, 9, 3, 12, 6, 5, 8, 10} { // any order
		if err := p.Add(subs[i]); err != nil {
			t.Fatalf("Add(%q): %v", subs[i].Topic, err)
		}
	}
	if p.Len() != len(subs) {
		t.Errorf("Len() = %d, want %d", p.Len(), len(subs))
	}
	bbc := Doc{FeedID: 1, Source: "BBC News", Host: "bbc.co.uk", Guilds: []string{"g1"}}
	doc := func(base Doc, title, text string) Doc { base.Title, base.Text = title, text; return base }
	tests := []struct {
		name string
		doc  Doc
		want []int64
	}{
		{"all words anywhere", doc(bbc, "Summit opens", "Leaders discuss the climate."), []int64{1}},
		{"one word missing", doc(bbc, "Summit opens", "Leaders meet."), nil},
		{"phrase in order", doc(bbc, "", "On climate change, leaders agree."), []int64{2}},
		{"phrase words apart", doc(bbc, "", "Climate policy must change."), nil},
		{"phrase words reversed", doc(bbc, "", "A change in climate."), nil},
		{"phrase across title and text", doc(bbc, "Talks on climate", "Change is coming."), nil},
		{"phrase stemmed", doc(bbc, "Climatic? No: climates changing", ""), []int64{2}},
		{"exclusion absent", doc(bbc, "Ukraine talks", "Kyiv hosts envoys."), []int64{3, 4}},
		{"exclusion present", doc(bbc, "Ukraine talks", "Russia sends envoys."), []int64{4}},
		{"excluded phrase present", doc(bbc, "Ukraine", "The peace talks resume."), []int64{3}},
		{"excluded phrase words apart", doc(bbc, "Ukraine", "Peace, the talks say, is near."), []int64{3, 4}},
		{"source by title", doc(bbc, "Election day", ""), []int64{5, 8, 11}},
		{"source by host", doc(Doc{FeedID: 2, Source: "World", Host: "bbc.com", Guilds: []string{"g1"}}, "Election", ""), []int64{5, 8, 11}},
		{"source not matching", doc(Doc{FeedID: 3, Source: "Reuters World News", Host: "reuters.com", Guilds: []string{"g1"}}, "Election", ""), []int64{6, 8, 11}},
		{"source by feed id", doc(Doc{FeedID: 42, Source: "Wire", Host: "wire.example", Guilds: []string{"g1"}}, "Election", ""), []int64{7, 8, 11}},
		{"stemmed plural", doc(bbc, "", "The elected officials"), []int64{5, 8, 11}},
		{"case and diacritics", doc(bbc, "Cafe in Zürich", ""), []int64{9}},
		{"word of two tokens", doc(bbc, "COVID 19 cases", ""), []int64{10}},
		{"word of two tokens apart", doc(bbc, "Covid cases rose 19%", ""), nil},
		{"other guild", doc(Doc{FeedID: 1, Source: "BBC News", Host: "bbc.co.uk", Guilds: []string{"g2"}}, "Election", ""), []int64{12}},
		{"both guilds", doc(Doc{FeedID: 1, Source: "BBC News", Host: "bbc.co.uk", Guilds: []string{"g3", "g2", "g1"}}, "Election", ""), []int64{5, 8, 11, 12}},
		{"no guild follows", doc(Doc{FeedID: 1, Source: "BBC News", Guilds: []string{"g9"}}, "Election", ""), nil},
		{"stop words in a phrase", doc(bbc, "The Who play a concert", ""), []int64{14}},
		{"stop words apart", doc(bbc, "Who is the concert for?", ""), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			for _, s := range p.Match(tt.doc) {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Match(%q, %q in %v) = %v, want %v", tt.doc.Title, tt.doc.Text, tt.doc.Guilds, got, tt.want)
			}
		})
	}
}

func TestPercolatorReplaceAndRemove(t *testing.T) {
	p := NewPercolator()
	match := func(title string) []int64 {
		var ids []int64
		for _, s := range p.Match(Doc{Title: title, Guilds: []string{"g"}}) {
			ids = append(ids, s.ID)
		}
		return ids
	}
	add := func(s newsbot.Subscription) {
		t.Helper()
		if err := p.Add(s); err != nil {
			t.Fatalf("Add(%q): %v", s.Topic, err)
		}
	}
	add(newsbot.Subscription{ID: 1, GuildID: "g", Topic: "apple"})
	add(newsbot.Subscription{ID: 2, GuildID: "g", Topic: "apple orchard"})
	if got := match("Apple orchard cherries"); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("Match = %v, want [1 2]", got)
	}
	// "cherries" was read before any topic had it.
	add(newsbot.Subscription{ID: 4, GuildID: "g", Topic: "cherry"})
	if got := match("Apple orchard cherries"); !slices.Equal(got, []int64{1, 2, 4}) {
		t.Fatalf("after adding a topic: Match = %v, want [1 2 4]", got)
	}
	p.Remove(4)

	add(newsbot.Subscription{ID: 1, GuildID: "g", Topic: "banana"})
	if got := match("Apple orchard"); !slices.Equal(got, []int64{2}) {
		t.Errorf("after replacing 1: Match(apple) = %v, want [2]", got)
	}
	if got := match("Banana"); !slices.Equal(got, []int64{1}) {
		t.Errorf("after replacing 1: Match(banana) = %v, want [1]", got)
	}
	if p.Len() != 2 {
		t.Errorf("Len() = %d after a replacement, want 2", p.Len())
	}

	err := p.Add(newsbot.Subscription{ID: 1, GuildID: "g", Topic: "-banana"})
	if !errors.Is(err, newsbot.ErrInvalid) {
		t.Errorf("Add(-banana) = %v, want ErrInvalid", err)
	}
	if got := match("Banana"); !slices.Equal(got, []int64{1}) {
		t.Errorf("a refused replacement changed subscription 1: Match(banana) = %v", got)
	}

	add(newsbot.Subscription{ID: 2, GuildID: "g", Topic: "apple", PausedAt: time.Now()})
	if got := match("Apple orchard"); len(got) != 0 {
		t.Errorf("paused: Match(apple) = %v, want none", got)
	}
	add(newsbot.Subscription{ID: 2, GuildID: "g", Topic: "apple"})
	if got := match("Apple orchard"); !slices.Equal(got, []int64{2}) {
		t.Errorf("resumed: Match(apple) = %v, want [2]", got)
	}

	allocated := len(p.refs)
	p.Remove(1)
	p.Remove(2)
	p.Remove(99)
	if p.Len() != 0 || len(p.terms) != 0 {
		t.Errorf("after removing all: Len() = %d, %d terms kept, want none", p.Len(), len(p.terms))
	}
	if got := match("Apple banana orchard"); len(got) != 0 {
		t.Errorf("after removing all: Match = %v, want none", got)
	}
	add(newsbot.Subscription{ID: 3, GuildID: "g", Topic: `"orchard apple"`})
	if got := match("An orchard apple"); !slices.Equal(got, []int64{3}) {
		t.Errorf("with reused term ids: Match = %v, want [3]", got)
	}
	if len(p.refs) != allocated {
		t.Errorf("term ids not reused: %d allocated, %d before", len(p.refs), allocated)
	}
}

// TestPercolatorManyMatchesInIDOrder matches one article against many
// topics of every shape, with IDs of every size.
func TestPercolatorManyMatchesInIDOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	topics := []struct {
		topic string
		match bool
	}{
		{"apple", true}, {"apple banana", true}, {"banana apple apple", true}, {"apple cherry", false},
		{"apple -cherry", true}, {"apple -banana", false}, {`"apple banana"`, true}, {`"banana apple"`, false},
		{"apple source:bbc", true}, {"apple source:reuters", false}, {"apple banana damson", true},
	}
	p := NewPercolator()
	var want []int64
	for i := range 3000 {
		id := r.Int64N(1<<40) - 1<<39
		tt := topics[i%len(topics)]
		if err := p.Add(newsbot.Subscription{ID: id, GuildID: "g", Topic: tt.topic}); err != nil {
			t.Fatal(err)
		}
		if tt.match {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	var got []int64
	for _, s := range p.Match(Doc{Source: "BBC", Title: "Apple banana", Text: "Damson.", Guilds: []string{"g"}}) {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Match gave %d subscriptions, want %d in ID order (first %v, want %v)", len(got), len(want), got[:min(5, len(got))], want[:5])
	}
}

// TestPercolatorConcurrent matches while subscriptions come and go; run
// it with -race.
func TestPercolatorConcurrent(t *testing.T) {
	p := NewPercolator()
	words := []string{"apple", "banana", "cherry", "damson", "elder"}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 300 {
				id := int64(w*1000 + i%50)
				s := newsbot.Subscription{ID: id, GuildID: "g", Topic: words[i%len(words)] + " " + words[(i+w)%len(words)]}
				if err := p.Add(s); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					p.Remove(id)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for i := range 300 {
				d := Doc{Title: words[i%len(words)], Text: strings.Join(words[:1+i%len(words)], " "), Guilds: []string{"g"}}
				for _, s := range p.Match(d) {
					if s.GuildID != "g" {
						t.Errorf("Match gave a subscription of guild %q", s.GuildID)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestPercolatorAgreesWithSearch stores articles in a real store and
// wants, for each topic, the percolator to match exactly the articles
// /search finds with the same query.
func TestPercolatorAgreesWithSearch(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	var feeds []newsbot.Feed
	for _, f := range []newsbot.Feed{
		{URL: "https://feeds.bbci.co.uk/news/rss.xml", Title: "BBC News"},
		{URL: "https://www.reuters.com/world/rss", Title: "Reuters World"},
	} {
		saved, _, err := db.EnsureFeed(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, saved)
	}
	corpus := [][2]string{
		{"Climate change summit opens", "Leaders meet in Zürich to talk about the climate."},
		{"Talks on climate", "Change is coming, the minister said."},
		{"Elections in Ukraine", "Ukraine holds elections; Russia objects to the vote."},
		{"Ukraine peace talks resume", "Envoys met in Geneva for peace talks on Ukraine."},
		{"COVID-19 cases fall", "Covid cases fell 19% as the election neared."},
		{"Café culture", "Cafes in Zurich are busy; the elected mayor opened a new café."},
		{"The Who announce concert", "The band The Who will play a concert."},
		{"Who won the election?", "Voters chose who governs."},
		{"Markets: prices rise", "Energy prices rose, pushing costs up for days."},
		{"Day of change", "Each day the climate changes a little."},
	}
	for _, a := range readFixtureArticles(t) {
		corpus = append(corpus, [2]string{a.Title, a.Text})
	}
	var articles []newsbot.Article
	for i, c := range corpus {
		feed := feeds[i%len(feeds)]
		saved, err := db.SaveArticles(ctx, feed.ID, []newsbot.Article{{
			DedupeKey: fmt.Sprint("a", i), URL: fmt.Sprintf("https://example.com/%d", i),
			Title: c[0], Text: c[1], PublishedAt: time.Now(),
		}})
		if err != nil {
			t.Fatal(err)
		}
		articles = append(articles, saved...)
	}
	feedOf := make(map[int64]newsbot.Feed)
	for _, f := range feeds {
		feedOf[f.ID] = f
	}

	topics := []string{
		"climate", `"climate change"`, "climate -summit", "ukraine election", `ukraine -"peace talks"`,
		"covid-19", "zurich café", "elections", `"the who"`, "who", "price", "day", "said",
		"source:bbc climate", "source:reuters ukraine", "energy -prices", "browser", "film gongs",
		"москва", "метро", "Energie", "énergie", "sequía", "cataluna", "bahnstreik", "time warner",
		`"irish athletics"`, "athletic -irish", "2004", "security fix", "super-casinos", "东京",
	}
	for _, topic := range topics {
		t.Run(topic, func(t *testing.T) {
			q, err := newsbot.ParseQuery(topic, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if q.Source != "" {
				q.FeedIDs = matchSource(q.Source, feeds)
			}
			q.Limit = 1000
			hits, err := db.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, h := range hits {
				want = append(want, h.Article.ID)
			}
			slices.Sort(want)

			p := NewPercolator()
			if err := p.Add(newsbot.Subscription{ID: 1, GuildID: "g", Topic: topic}); err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, a := range articles {
				f := feedOf[a.FeedID]
				d := Doc{FeedID: f.ID, Source: f.Title, Host: siteHost(f.URL), Title: a.Title, Text: a.Text, Guilds: []string{"g"}}
				if len(p.Match(d)) > 0 {
					got = append(got, a.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("topic %q matches articles %v, /search finds %v", topic, got, want)
			}
		})
	}
}

// FuzzTopic adds any topic: CheckTopic and Add agree, and a topic with
// nothing excluded and no source matches an article made of its words.
func FuzzTopic(f *testing.F) {
	for _, s := range []string{"ukraine", `"climate change" -denial`, "covid-19 source:bbc", "Zürich café",
		`"the who" concert`, "-x", `"unclosed phrase`, "a\xffb \xfc\xbf\xbf\xbf\xbf\xbf\xbf", "q\u0301e\u0301", "🙂 emoji"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		p := NewPercolator()
		err := p.Add(newsbot.Subscription{ID: 1, GuildID: "g", Topic: topic})
		if cerr := CheckTopic(topic); (cerr == nil) != (err == nil) {
			t.Fatalf("CheckTopic(%q) = %v but Add = %v", topic, cerr, err)
		}
		if err != nil {
			if !errors.Is(err, newsbot.ErrInvalid) {
				t.Fatalf("Add(%q) = %v, not ErrInvalid", topic, err)
			}
			return
		}
		q, err := newsbot.ParseQuery(topic, time.Time{})
		if err != nil {
			t.Fatalf("Add(%q) took a topic ParseQuery refuses: %v", topic, err)
		}
		if len(q.Not) > 0 || q.Source != "" {
			return
		}
		title := strings.Join(slices.Concat(q.Words, q.Phrases), " ")
		if got := p.Match(Doc{Title: title, Guilds: []string{"g"}}); len(got) != 1 {
			t.Errorf("topic %q does not match an article titled %q", topic, title)
		}
	})
}

func BenchmarkTokenize(b *testing.B) {
	text := strings.Repeat("Voters in Zürich elected a new mayor on Sunday, officials said. ", 50)
	var tz tokenizer
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		tz.reset(text)
		for {
			if _, ok := tz.next(); !ok {
				break
			}
		}
	}
}
