package storetest

import (
	"context"
	"slices"
	"testing"

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
