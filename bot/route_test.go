package bot_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/store"
)

// routeT0 is the fixed clock of the routing tests.
var routeT0 = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

// routeFixture is a store with feeds and follows, and a bot over it with
// a fixed clock; no Discord.
type routeFixture struct {
	db  *store.DB
	bot *bot.Bot
	now time.Time
}

func newRouteFixture(t *testing.T) *routeFixture {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &routeFixture{db: db, now: routeT0}
	f.bot = bot.New(bot.Config{Store: db, Web: testWeb{}, Now: func() time.Time { return f.now }})
	return f
}

func (f *routeFixture) feed(t *testing.T, url, title string) newsbot.Feed {
	t.Helper()
	fd, _, err := f.db.EnsureFeed(context.Background(), newsbot.Feed{URL: url, Title: title})
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

func (f *routeFixture) follow(t *testing.T, fl newsbot.Follow) newsbot.Follow {
	t.Helper()
	if fl.GuildID == "" {
		fl.GuildID = "G1"
	}
	if fl.Mode == "" {
		fl.Mode = newsbot.ModeInstant
	}
	fl, err := f.db.AddFollow(context.Background(), fl)
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

// save stores articles of one feed; a StoryID < 0 starts a story shared
// by the articles of the call with the same negative id.
func (f *routeFixture) save(t *testing.T, feed newsbot.Feed, as ...newsbot.Article) []newsbot.Article {
	t.Helper()
	for i := range as {
		as[i].FeedID = feed.ID
		if as[i].DedupeKey == "" {
			as[i].DedupeKey = as[i].URL
		}
		if as[i].FetchedAt.IsZero() {
			as[i].FetchedAt = f.now
		}
		if as[i].Summary == nil {
			as[i].Summary = []string{as[i].Title + " happened."}
		}
	}
	saved, err := f.db.SaveBatch(context.Background(), as)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func (f *routeFixture) route(t *testing.T) int {
	t.Helper()
	n, err := f.bot.Route(context.Background())
	if err != nil {
		t.Fatalf("Route: %v", err)
	}
	return n
}

// pending returns the outbox rows waiting, decoded.
func (f *routeFixture) pending(t *testing.T) []sentMessage {
	t.Helper()
	ds, err := f.db.ClaimDeliveries(context.Background(), f.now.Add(24*time.Hour), time.Minute, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []sentMessage
	for _, d := range ds {
		var m discordgo.MessageSend
		if err := json.Unmarshal(d.Payload, &m); err != nil {
			t.Fatalf("payload of %s: %v", d.Key, err)
		}
		out = append(out, sentMessage{d: d, msg: m})
		if err := f.db.MarkSent(context.Background(), d.ID, "M"+d.Key, f.now); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

type sentMessage struct {
	d   newsbot.Delivery
	msg discordgo.MessageSend
}

func (m sentMessage) titles() []string {
	var out []string
	for _, e := range m.msg.Embeds {
		out = append(out, e.Title)
	}
	return out
}

func art(url, title, text string) newsbot.Article {
	return newsbot.Article{URL: "https://news.example/" + url, Title: title, Text: text, PublishedAt: routeT0}
}

func TestRoutePostsNewArticlesNotBacklog(t *testing.T) {
	f := newRouteFixture(t)
	nhk := f.feed(t, "https://nhk.example/feed", "NHK World")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: nhk.ID})
	f.follow(t, newsbot.Follow{ChannelID: "C2", FeedID: nhk.ID, Mode: newsbot.ModeDigest})
	old := art("old", "Old news @everyone", "text")
	old.Backlog = true
	f.save(t, nhk, old)
	if n := f.route(t); n != 0 {
		t.Errorf("Route(backlog only) = %d rows, want 0", n)
	}
	f.save(t, nhk, art("a", "Prisoner swap", "Russia and Ukraine swapped prisoners."), art("b", "Chip plant", "A chip plant opens."))
	if n := f.route(t); n != 1 {
		t.Errorf("Route(two new articles, one instant channel) = %d rows, want 1 message", n)
	}
	msgs := f.pending(t)
	if len(msgs) != 1 || msgs[0].d.ChannelID != "C1" || msgs[0].d.Kind != newsbot.DeliveryPost {
		t.Fatalf("outbox = %+v, want one post in C1 (C2 takes digests)", msgs)
	}
	if got := strings.Join(msgs[0].titles(), "|"); got != "Prisoner swap|Chip plant" {
		t.Errorf("post embeds = %q, want both articles in arrival order", got)
	}
	if am := msgs[0].msg.AllowedMentions; am == nil || len(am.Parse) != 0 {
		t.Errorf("allowed mentions = %+v, want none", am)
	}
	if n := f.route(t); n != 0 {
		t.Errorf("Route again = %d rows, want 0: the cursor moved on", n)
	}
}

func TestRoutePostsAStoryOncePerChannel(t *testing.T) {
	f := newRouteFixture(t)
	nhk := f.feed(t, "https://nhk.example/feed", "NHK World")
	reuters := f.feed(t, "https://reuters.example/feed", "Reuters")
	ap := f.feed(t, "https://ap.example/feed", "AP")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: nhk.ID})
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: reuters.ID})
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: ap.ID})
	f.follow(t, newsbot.Follow{ChannelID: "C2", FeedID: reuters.ID})
	first := f.save(t, nhk, art("nhk-swap", "Prisoners exchanged", "text"))[0]
	f.route(t)
	joined := art("reuters-swap", "Russia and Ukraine swap prisoners", "text")
	joined.StoryID = first.StoryID
	f.save(t, reuters, joined, art("reuters-other", "Markets rally", "text"))
	f.route(t)
	var c1, c2 []string
	var edits []sentMessage
	for _, m := range f.pending(t) {
		switch {
		case m.d.Kind == newsbot.DeliveryEdit:
			edits = append(edits, m)
		case m.d.ChannelID == "C1":
			c1 = append(c1, m.titles()...)
		case m.d.ChannelID == "C2":
			c2 = append(c2, m.titles()...)
		}
	}
	if got := strings.Join(c1, "|"); got != "Prisoners exchanged|Markets rally" {
		t.Errorf("C1 got %q, want the story once (from NHK) and the other article", got)
	}
	if got := strings.Join(c2, "|"); got != "Russia and Ukraine swap prisoners|Markets rally" {
		t.Errorf("C2 got %q, want Reuters' two articles", got)
	}
	post := bot.PostKey("C1", first)
	d, err := f.db.PostedStory(context.Background(), "C1", first.StoryID)
	if err != nil || d.Key != post {
		t.Errorf("PostedStory(C1, swap) = %q, %v; want the NHK post", d.Key, err)
	}
	footer := func(m sentMessage) string {
		if len(m.msg.Embeds) != 1 || m.msg.Embeds[0].Footer == nil {
			return ""
		}
		return m.msg.Embeds[0].Footer.Text
	}
	if len(edits) != 1 || edits[0].d.EditOf != post || edits[0].d.ChannelID != "C1" || footer(edits[0]) != "Also reported by Reuters" ||
		edits[0].titles()[0] != "Prisoners exchanged" {
		t.Fatalf("edits = %+v, want the NHK post in C1 edited to add Reuters", edits)
	}

	// AP brings it later: the latest version gains AP too. Two feeds
	// bringing a new story together: one post naming the second.
	also := art("ap-swap", "Prisoner swap completed", "text")
	also.StoryID = first.StoryID
	apStorm := f.save(t, ap, also, art("ap-storm", "Storm nears the coast", "text"))[1]
	storm := art("reuters-storm", "Coastal storm warning", "text")
	storm.StoryID = apStorm.StoryID
	f.save(t, reuters, storm)
	f.route(t)
	var got []string
	for _, m := range f.pending(t) {
		if m.d.ChannelID == "C1" {
			got = append(got, string(m.d.Kind)+": "+strings.Join(m.titles(), "|")+" / "+footer(m))
		}
	}
	want := []string{"post: Storm nears the coast / Also reported by Reuters", "edit: Prisoners exchanged / Also reported by Reuters · AP"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("C1 after AP = %q, want %q", got, want)
	}
	if n := f.route(t); n != 0 {
		t.Errorf("Route again = %d rows, want none", n)
	}
}

func TestRouteFiltersAndStoppedFollows(t *testing.T) {
	f := newRouteFixture(t)
	wire := f.feed(t, "https://wire.example/feed", "Wire")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: wire.ID, Include: "election", Exclude: "poll"})
	stopped := f.follow(t, newsbot.Follow{ChannelID: "C2", FeedID: wire.ID})
	if err := f.db.StopFollow(context.Background(), stopped.ID, "Missing Access", routeT0); err != nil {
		t.Fatal(err)
	}
	f.save(t, wire,
		art("1", "Election results", "The election ended."),
		art("2", "Election poll", "A poll before the election."),
		art("3", "Weather", "Rain."),
	)
	f.route(t)
	msgs := f.pending(t)
	if len(msgs) != 1 || strings.Join(msgs[0].titles(), "|") != "Election results" || msgs[0].d.ChannelID != "C1" {
		t.Errorf("outbox = %+v, want only 'Election results' in C1", msgs)
	}
}

func TestRoutePacksManyArticlesWithinLimits(t *testing.T) {
	f := newRouteFixture(t)
	wire := f.feed(t, "https://wire.example/feed", "Wire")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: wire.ID})
	var as []newsbot.Article
	for i := range 23 {
		a := art("n"+string(rune('a'+i)), "Story "+string(rune('A'+i)), "text")
		a.Summary = []string{strings.Repeat("A long sentence of the summary. ", 25)}
		as = append(as, a)
	}
	f.save(t, wire, as...)
	f.route(t)
	msgs := f.pending(t)
	total := 0
	for _, m := range msgs {
		size := 0
		for _, e := range m.msg.Embeds {
			size += len([]rune(e.Title)) + len([]rune(e.Description)) + len([]rune(e.Author.Name))
		}
		if len(m.msg.Embeds) > 10 || size > 6000 {
			t.Errorf("message %s: %d embeds, %d characters; want ≤ 10 and ≤ 6000", m.d.Key, len(m.msg.Embeds), size)
		}
		total += len(m.msg.Embeds)
	}
	if total != 23 || len(msgs) < 3 {
		t.Errorf("%d articles in %d messages, want all 23 in at least 3", total, len(msgs))
	}
}

func TestGoneStopsTheChannelOrPausesTheUser(t *testing.T) {
	f := newRouteFixture(t)
	ctx := context.Background()
	wire := f.feed(t, "https://wire.example/feed", "Wire")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: wire.ID})
	if _, err := f.db.AddSubscription(ctx, newsbot.Subscription{GuildID: "G1", UserID: "U1", Topic: "swap", Cadence: newsbot.CadenceInstant}); err != nil {
		t.Fatal(err)
	}
	f.bot.Gone(ctx, newsbot.Delivery{Kind: newsbot.DeliveryPost, ChannelID: "C1"}, "newsbot lacks permission to post in this channel")
	f.bot.Gone(ctx, newsbot.Delivery{Kind: newsbot.DeliveryDM, UserID: "U1", ChannelID: "DM1"}, "Discord refused the DM")
	follows, _ := f.db.FeedFollows(ctx, wire.ID)
	if len(follows) != 1 || follows[0].StoppedReason != "newsbot lacks permission to post in this channel" {
		t.Errorf("follows after Gone(channel) = %+v, want stopped with the reason", follows)
	}
	subs, _ := f.db.UserSubscriptions(ctx, "G1", "U1")
	if len(subs) != 1 || subs[0].PausedReason != "Discord refused the DM" {
		t.Errorf("subscriptions after Gone(DM) = %+v, want paused with the reason", subs)
	}
}

func TestHealthNoticesOncePerChange(t *testing.T) {
	f := newRouteFixture(t)
	ctx := context.Background()
	wire := f.feed(t, "https://wire.example/feed", "Wire")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: wire.ID})
	f.follow(t, newsbot.Follow{ChannelID: "C2", FeedID: wire.ID, GuildID: "G2"})
	fail := func(n int, disabled bool) {
		t.Helper()
		fd, _ := f.db.Feed(ctx, wire.ID)
		fd.Failures, fd.LastError, fd.LastErrorAt = n, "HTTP 500 Internal Server Error", f.now
		if n == 0 {
			fd.LastError, fd.LastSuccessAt = "", f.now
		}
		fd.DisabledAt = time.Time{}
		if disabled {
			fd.DisabledAt = f.now
		}
		if err := f.db.UpdateFeed(ctx, fd); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, want string) {
		t.Helper()
		if _, err := f.bot.CheckHealth(ctx); err != nil {
			t.Fatal(err)
		}
		msgs := f.pending(t)
		var got []string
		for _, m := range msgs {
			got = append(got, m.d.ChannelID+": "+m.msg.Content)
		}
		if want == "" {
			if len(got) != 0 {
				t.Errorf("%s: notices %q, want none", what, got)
			}
			return
		}
		if len(got) != 2 || !strings.Contains(got[0], want) || !strings.Contains(got[1], want) {
			t.Errorf("%s: notices %q, want one per channel containing %q", what, got, want)
		}
	}
	fail(1, false)
	check("one failure", "")
	fail(3, false)
	check("three failures", "is failing: HTTP 500")
	f.now = f.now.Add(time.Hour)
	fail(4, false)
	check("a fourth failure", "")
	fail(40, true)
	check("disabled", "stopped polling")
	fail(0, false)
	check("recovered", "works again")
	check("still fine", "")
}

func TestRouteRecordsTopicMatchesInFollowingGuilds(t *testing.T) {
	f := newRouteFixture(t)
	ctx := context.Background()
	nhk := f.feed(t, "https://nhk.example/feed", "NHK World")
	f.follow(t, newsbot.Follow{ChannelID: "C1", FeedID: nhk.ID, Mode: newsbot.ModeDigest})
	sub := func(guild, user, topic string) newsbot.Subscription {
		s, err := f.db.AddSubscription(ctx, newsbot.Subscription{GuildID: guild, UserID: user, Topic: topic, Cadence: newsbot.CadenceInstant})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	mine := sub("G1", "U1", "prisoner exchange")
	sub("G2", "U2", "prisoner") // G2 does not follow NHK
	sub("G1", "U3", "election")
	if err := f.bot.LoadTopics(ctx); err != nil {
		t.Fatal(err)
	}
	backlog := art("old", "Prisoner exchange last year", "Prisoners were exchanged.")
	backlog.Backlog = true
	f.save(t, nhk, backlog, art("new", "Prisoners exchanged at the border", "Russia and Ukraine exchanged prisoners."))
	f.route(t)
	got, err := f.db.WaitingMatches(ctx, "U1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].SubscriptionID != mine.ID || got[0].Article.Title != "Prisoners exchanged at the border" {
		t.Errorf("U1 matches = %+v, want the new article only (stemmed: prisoners ~ prisoner)", got)
	}
	for _, user := range []string{"U2", "U3"} {
		if ms, _ := f.db.WaitingMatches(ctx, user, 0); len(ms) != 0 {
			t.Errorf("%s matches = %d, want 0", user, len(ms))
		}
	}
}
