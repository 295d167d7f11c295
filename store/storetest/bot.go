package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"newsbot"
)

// testGuildFeeds checks the guild-scoped feed list the bot shows: each
// followed feed once, by title, and nothing of another guild's.
func testGuildFeeds(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	ids := map[string]int64{}
	for _, f := range []newsbot.Feed{
		{URL: "https://zeta.example/feed", Title: "zeta news"},
		{URL: "https://alpha.example/feed", Title: "Alpha Daily"},
		{URL: "https://beta.example/feed", Title: "beta wire"},
		{URL: "https://other.example/feed", Title: "Other guild's"},
		{URL: "https://nobody.example/feed", Title: "Followed by nobody"},
	} {
		feed, _, err := s.EnsureFeed(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		ids[f.Title] = feed.ID
	}
	for _, f := range []newsbot.Follow{
		{GuildID: "G1", ChannelID: "C1", FeedID: ids["zeta news"], Mode: newsbot.ModeInstant},
		{GuildID: "G1", ChannelID: "C2", FeedID: ids["zeta news"], Mode: newsbot.ModeDigest},
		{GuildID: "G1", ChannelID: "C1", FeedID: ids["Alpha Daily"], Mode: newsbot.ModeInstant},
		{GuildID: "G1", ChannelID: "C3", FeedID: ids["beta wire"], Mode: newsbot.ModeInstant},
		{GuildID: "G2", ChannelID: "C9", FeedID: ids["Other guild's"], Mode: newsbot.ModeInstant},
		{GuildID: "G2", ChannelID: "C9", FeedID: ids["beta wire"], Mode: newsbot.ModeInstant},
	} {
		must(s.AddFollow(ctx, f))(t)
	}

	titles := func(fs []newsbot.Feed) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Title)
		}
		return out
	}
	tests := []struct {
		guild string
		want  []string
	}{
		{"G1", []string{"Alpha Daily", "beta wire", "zeta news"}},
		{"G2", []string{"beta wire", "Other guild's"}},
		{"G3", nil},
	}
	for _, tt := range tests {
		if got := titles(must(s.GuildFeeds(ctx, tt.guild))(t)); !slices.Equal(got, tt.want) {
			t.Errorf("GuildFeeds(%q) = %q, want %q", tt.guild, got, tt.want)
		}
	}
	got := must(s.GuildFeeds(ctx, "G1"))(t)
	if len(got) > 0 && (got[0].URL != "https://alpha.example/feed" || got[0].ID != ids["Alpha Daily"] || !got[0].CreatedAt.Equal(T0)) {
		t.Errorf("GuildFeeds(G1)[0] = %+v, want the whole Alpha Daily feed", got[0])
	}
}

// testSearchPaging checks that paging through many matches, newest and
// oldest mixed, shows each article once, best first.
func testSearchPaging(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	feed := addFeed(t, s, "https://storm.example/feed")
	// Many feeds beside it: the guild follows a small share of them.
	for i := range 20 {
		addFeed(t, s, fmt.Sprintf("https://other%d.example/feed", i))
	}
	must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G1", ChannelID: "C1", FeedID: feed.ID, Mode: newsbot.ModeInstant}))(t)
	var list []newsbot.Article
	for i := range 90 {
		at := T0.Add(-time.Duration(90-i) * 24 * time.Hour) // oldest stored first, as polling does
		a := article(fmt.Sprintf("storm-%d", i), fmt.Sprintf("Storm report %d", i), strings.Repeat("storm ", 1+i%4)+"wind and rain", at)
		a.FetchedAt = at
		list = append(list, a)
	}
	must(s.SaveArticles(ctx, feed.ID, list))(t)

	seen := map[string]bool{}
	last := math.Inf(1)
	for page := range 10 {
		hits := must(s.Search(ctx, newsbot.Query{Words: []string{"storm"}, GuildID: "G1", Limit: 5, Offset: page * 5}))(t)
		if len(hits) != 5 {
			t.Fatalf("page %d: %d hits, want 5", page, len(hits))
		}
		for _, h := range hits {
			if seen[h.Article.DedupeKey] {
				t.Errorf("page %d shows %s again", page, h.Article.DedupeKey)
			}
			seen[h.Article.DedupeKey] = true
			if h.Score > last {
				t.Errorf("page %d: %s scores %v after %v, want best first", page, h.Article.DedupeKey, h.Score, last)
			}
			last = h.Score
		}
	}
	all := must(s.Search(ctx, newsbot.Query{Words: []string{"storm"}, GuildID: "G1", Limit: 100}))(t)
	if len(all) != 90 {
		t.Errorf("Search(limit 100) = %d hits, want all 90", len(all))
	}
	recent := must(s.Search(ctx, newsbot.Query{Words: []string{"storm"}, GuildID: "G1", Since: T0.Add(-10 * 24 * time.Hour), Limit: 50}))(t)
	if len(recent) != 10 {
		t.Errorf("Search(since 10 days) = %d hits, want 10", len(recent))
	}
	if other := must(s.Search(ctx, newsbot.Query{Words: []string{"storm"}, GuildID: "G2"}))(t); len(other) != 0 {
		t.Errorf("Search in a guild that follows nothing = %d hits, want 0", len(other))
	}
	if top := must(s.Search(ctx, newsbot.Query{Words: []string{"storm"}, GuildID: "G1", Limit: 1}))(t); len(top) != 1 || top[0].Article.PublishedAt.Before(T0.Add(-14*24*time.Hour)) {
		t.Errorf("best match = %+v, want a recent article", top)
	}
}
