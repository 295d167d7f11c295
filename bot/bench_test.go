package bot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/store"
)

// Corpus shape for the search benchmark.
const (
	benchArticles = 100_000
	benchFeeds    = 200
	benchGuildOf  = 50 // feeds a typical guild follows
	benchDays     = 90
)

// newsWords are the frequent words of news text, most frequent first; a
// generated vocabulary follows them, so frequencies fall off as in real
// text (Zipf).
var newsWords = strings.Fields(`the of to and a in said on for is that with was by at as it from
he has have be his are an will but were not after this they their who which been its more
government people year new two last would police president also minister first year told
one over state officials could week percent million country since under against city
during public world report security national three military court company former police
health election party leaders power talks war forces attack months economic market prices
workers energy trade water border children women support plan deal capital foreign
ceasefire parliament protest vote budget bank inflation climate storm flood fire crisis
hospital school oil gas troops missile drone strike ukraine russia china europe africa
india iran israel gaza sudan brazil canada japan germany france britain mexico turkey`)

// benchVocab builds n words: the news words, then made-up ones.
func benchVocab(n int, r *rand.Rand) []string {
	syl := strings.Fields("ka lo mi ne ta ri su ve do pa zo ki ran tel mor vin gus lek dar sen bor")
	seen := map[string]bool{}
	out := slices.Clone(newsWords)
	for _, w := range out {
		seen[w] = true
	}
	for len(out) < n {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// benchCorpus stores benchArticles synthetic articles in a new SQLite
// file and returns the store, the clock it was written at, and each
// word's document frequency.
func benchCorpus(b *testing.B) (*store.DB, time.Time, map[string]int) {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Date(2025, 5, 25, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	r := rand.New(rand.NewPCG(1, 2))
	vocab := benchVocab(40_000, r)
	zipf := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	words := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = vocab[zipf.Uint64()]
		}
		return out
	}
	var feeds []newsbot.Feed
	for i := range benchFeeds {
		f, _, err := db.EnsureFeed(ctx, newsbot.Feed{URL: fmt.Sprintf("https://feed%d.example/rss", i), Title: fmt.Sprintf("Feed %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		feeds = append(feeds, f)
		// One guild follows 5 feeds, one a typical 50, one every feed.
		if i < 5 {
			if _, err := db.AddFollow(ctx, newsbot.Follow{GuildID: "G5", ChannelID: "C5", FeedID: f.ID, Mode: newsbot.ModeInstant}); err != nil {
				b.Fatal(err)
			}
		}
		if i < benchGuildOf {
			if _, err := db.AddFollow(ctx, newsbot.Follow{GuildID: "G50", ChannelID: "C50", FeedID: f.ID, Mode: newsbot.ModeInstant}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.AddFollow(ctx, newsbot.Follow{GuildID: "GALL", ChannelID: "CALL", FeedID: f.ID, Mode: newsbot.ModeInstant}); err != nil {
			b.Fatal(err)
		}
	}

	// Articles are stored oldest first, a poll cycle at a time: each
	// cycle stores what every feed published since the last one.
	df := map[string]int{}
	const cycle = 1000
	start := now.Add(-benchDays * 24 * time.Hour)
	step := time.Duration(int64(benchDays*24*time.Hour) / benchArticles)
	for n := 0; n < benchArticles; n += cycle {
		byFeed := make([][]newsbot.Article, len(feeds))
		for i := n; i < n+cycle; i++ {
			title := words(7 + r.IntN(6))
			var text strings.Builder
			for range 4 + r.IntN(4) {
				text.WriteString(strings.Join(words(12+r.IntN(14)), " ") + ". ")
			}
			seen := map[string]bool{}
			for _, w := range append(title, strings.Fields(strings.ReplaceAll(text.String(), ".", ""))...) {
				if !seen[w] {
					seen[w] = true
					df[w]++
				}
			}
			title[0] = strings.ToUpper(title[0][:1]) + title[0][1:]
			f := r.IntN(len(feeds))
			byFeed[f] = append(byFeed[f], newsbot.Article{
				DedupeKey: fmt.Sprintf("a%d", i), URL: fmt.Sprintf("https://feed.example/a/%d", i),
				Title: strings.Join(title, " "), Text: text.String(),
				Summary:     []string{strings.Join(words(20), " ") + ".", strings.Join(words(18), " ") + "."},
				PublishedAt: start.Add(time.Duration(i) * step), FetchedAt: start.Add(time.Duration(i) * step),
			})
		}
		for f, list := range byFeed {
			if len(list) == 0 {
				continue
			}
			if _, err := db.SaveArticles(ctx, feeds[f].ID, list); err != nil {
				b.Fatal(err)
			}
		}
	}
	return db, now, df
}

// benchTerms picks up to n words whose document frequency is within
// [lo, hi], the least frequent first, skipping the same ones each run.
func benchTerms(df map[string]int, lo, hi, n int) []string {
	var out []string
	for w, c := range df {
		if c >= lo && c <= hi {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if df[a] != df[b] {
			return df[a] - df[b]
		}
		return strings.Compare(a, b)
	})
	if len(out) > n {
		// Spread the picks over the range.
		picked := make([]string, 0, n)
		for i := range n {
			picked = append(picked, out[i*len(out)/n])
		}
		out = picked
	}
	return out
}

// BenchmarkSearch measures /search's handler, from the interaction to
// the rendered answer (store, ranking, rendering; no network), at 100,000
// articles, for rare, medium, common and very common terms, in guilds
// that follow 5, 50 and all 200 feeds. It reports p50 and p95 in milliseconds.
func BenchmarkSearch(b *testing.B) {
	db, now, df := benchCorpus(b)
	bot := New(Config{Store: db, Secret: []byte("bench"), Now: func() time.Time { return now }})

	pairs := func(ws []string) []string {
		var out []string
		for i := 0; i+1 < len(ws); i += 2 {
			out = append(out, ws[i]+" "+ws[i+1])
		}
		return out
	}
	classes := []struct {
		name    string
		queries []string
	}{
		{"rare", benchTerms(df, 5, 50, 40)},
		{"medium", benchTerms(df, 1_000, 5_000, 40)},
		{"common", pairs(benchTerms(df, 8_000, 40_000, 40))},
		{"very_common", pairs(benchTerms(df, 40_001, benchArticles, 40))},
	}
	for _, guild := range []string{"G5", "G50", "GALL"} {
		for _, c := range classes {
			if len(c.queries) == 0 {
				b.Fatalf("no %s terms in the corpus", c.name)
			}
			b.Run(guild+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				var times []time.Duration
				i := 0
				for b.Loop() {
					q := c.queries[i%len(c.queries)]
					i++
					ix := &discordgo.Interaction{
						ID: "bench", Type: discordgo.InteractionApplicationCommand, GuildID: guild, ChannelID: "C",
						Member: &discordgo.Member{User: &discordgo.User{ID: "U"}},
						Data: discordgo.ApplicationCommandInteractionData{Name: "search", Options: []*discordgo.ApplicationCommandInteractionDataOption{
							{Name: "query", Type: discordgo.ApplicationCommandOptionString, Value: q},
						}},
					}
					r := &recorder{}
					start := time.Now()
					bot.handle(ctx, ix, r)
					times = append(times, time.Since(start))
					if calls := r.got(); len(calls) != 1 || !strings.HasPrefix(calls[0], "respond 4") {
						b.Fatalf("search %q answered %q", q, calls)
					}
				}
				slices.Sort(times)
				pct := func(p float64) float64 {
					return float64(times[min(len(times)-1, int(p*float64(len(times))))]) / float64(time.Millisecond)
				}
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.95), "p95-ms")
			})
		}
	}
}
