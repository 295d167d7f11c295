// Package storetest is the contract every newsbot store backend meets.
// A backend's tests call Run with a constructor; SQLite runs it today and a
// PostgreSQL backend will run the very same suite.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"newsbot"
)

// Store is the whole contract. Consumers declare the few methods they
// need; this lists them all so a backend is checked against every one.
type Store interface {
	EnsureFeed(ctx context.Context, f newsbot.Feed) (newsbot.Feed, bool, error)
	Feed(ctx context.Context, id int64) (newsbot.Feed, error)
	FeedByURL(ctx context.Context, url string) (newsbot.Feed, error)
	Feeds(ctx context.Context) ([]newsbot.Feed, error)
	UpdateFeed(ctx context.Context, f newsbot.Feed) error
	ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Feed, error)
	ClaimFollowedFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Feed, error)
	EnableFeed(ctx context.Context, id int64) error
	DeleteFeed(ctx context.Context, id int64) error

	AddFollow(ctx context.Context, f newsbot.Follow) (newsbot.Follow, error)
	GuildFollows(ctx context.Context, guildID string) ([]newsbot.Follow, error)
	FeedFollows(ctx context.Context, feedID int64) ([]newsbot.Follow, error)
	RemoveFollow(ctx context.Context, guildID string, id int64) error
	StopFollow(ctx context.Context, id int64, reason string, at time.Time) error

	SaveArticles(ctx context.Context, feedID int64, articles []newsbot.Article) ([]newsbot.Article, error)
	SaveBatch(ctx context.Context, articles []newsbot.Article) ([]newsbot.Article, error)
	Article(ctx context.Context, id int64) (newsbot.Article, error)
	ArticlesByURL(ctx context.Context, url string) ([]newsbot.Article, error)
	StoryArticles(ctx context.Context, storyID int64) ([]newsbot.Article, error)
	Story(ctx context.Context, id int64) (newsbot.Story, error)
	RecentArticles(ctx context.Context, since time.Time, leadChars int) ([]newsbot.Article, error)
	KnownKeys(ctx context.Context, feedID int64, keys []string) (map[string]bool, error)
	Search(ctx context.Context, q newsbot.Query) ([]newsbot.SearchHit, error)
	GuildFeeds(ctx context.Context, guildID string) ([]newsbot.Feed, error)

	PutDigest(ctx context.Context, d newsbot.Digest) (newsbot.Digest, error)
	ChannelDigest(ctx context.Context, guildID, channelID string) (newsbot.Digest, error)
	DeleteDigest(ctx context.Context, guildID, channelID string) error
	ClaimDueDigests(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Digest, error)
	FinishDigest(ctx context.Context, id int64, lastRun, nextRun time.Time, ds []newsbot.Delivery) error

	AddSubscription(ctx context.Context, s newsbot.Subscription) (newsbot.Subscription, error)
	UserSubscriptions(ctx context.Context, guildID, userID string) ([]newsbot.Subscription, error)
	AllSubscriptions(ctx context.Context) ([]newsbot.Subscription, error)
	RemoveSubscription(ctx context.Context, guildID, userID, topic string) error
	PauseSubscriptions(ctx context.Context, userID, reason string, at time.Time) error

	Enqueue(ctx context.Context, ds []newsbot.Delivery) (int, error)
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Delivery, error)
	Delivery(ctx context.Context, key string) (newsbot.Delivery, error)
	MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error
	MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error
	MarkFailed(ctx context.Context, id int64, reason string) error
	ReturnDelivery(ctx context.Context, id int64, next time.Time) error
	LatestVersion(ctx context.Context, key string) (newsbot.Delivery, error)

	Cursor(ctx context.Context, name string) (int64, error)
	ArticlesAfter(ctx context.Context, afterID int64, limit int) ([]newsbot.Article, error)
	PostedStories(ctx context.Context, channelID string, storyIDs []int64) (map[int64]bool, error)
	PostedStory(ctx context.Context, channelID string, storyID int64) (newsbot.Delivery, error)
	CommitRoute(ctx context.Context, cursor string, to int64, ds []newsbot.Delivery, ms []newsbot.Match) (int, error)
	DueDMUsers(ctx context.Context, quietSince, dayAgo time.Time, dailyCap int) ([]string, error)
	WaitingMatches(ctx context.Context, userID string, subscriptionID int64) ([]newsbot.Match, error)
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]newsbot.Subscription, error)
	CommitDM(ctx context.Context, matchIDs []int64, ds []newsbot.Delivery, subscriptionID int64, next time.Time) error
	MuteFeed(ctx context.Context, userID string, feedID int64) error
	MutedFeeds(ctx context.Context, userID string) ([]newsbot.Feed, error)
	UnmuteFeed(ctx context.Context, userID string, feedID int64) error
	Subscription(ctx context.Context, userID string, id int64) (newsbot.Subscription, error)
	RemoveSubscriptionID(ctx context.Context, userID string, id int64) error
	TakePauseNote(ctx context.Context, userID string) (string, error)
	StopChannel(ctx context.Context, channelID, reason string, at time.Time) error
	HealthChanges(ctx context.Context, failingAfter int) ([]newsbot.HealthChange, error)
	CommitHealth(ctx context.Context, feedID int64, to newsbot.Health, ds []newsbot.Delivery) error
	DigestArticles(ctx context.Context, feedIDs []int64, since, until time.Time, limit int) ([]newsbot.Article, error)
	StoriesArticles(ctx context.Context, storyIDs []int64) ([]newsbot.Article, error)
}

// Open makes an empty store for one test whose clock is now. It registers
// its own cleanup.
type Open func(t *testing.T, now func() time.Time) Store

// T0 is the fixed "now" of the suite: times are whole milliseconds, as
// every backend stores them.
var T0 = time.Date(2025, 5, 25, 9, 0, 0, 0, time.UTC)

// Run runs the whole contract against a backend.
func Run(t *testing.T, open Open) {
	t.Run("feeds", func(t *testing.T) { testFeeds(t, open) })
	t.Run("claim due feeds", func(t *testing.T) { testClaimFeeds(t, open) })
	t.Run("claim followed feeds", func(t *testing.T) { testClaimFollowedFeeds(t, open) })
	t.Run("follows", func(t *testing.T) { testFollows(t, open) })
	t.Run("articles", func(t *testing.T) { testArticles(t, open) })
	t.Run("stories", func(t *testing.T) { testStories(t, open) })
	t.Run("delete feed cascades", func(t *testing.T) { testDeleteCascade(t, open) })
	t.Run("search", func(t *testing.T) { testSearch(t, open) })
	t.Run("guild feeds", func(t *testing.T) { testGuildFeeds(t, open) })
	t.Run("search paging", func(t *testing.T) { testSearchPaging(t, open) })
	t.Run("digests", func(t *testing.T) { testDigests(t, open) })
	t.Run("subscriptions", func(t *testing.T) { testSubscriptions(t, open) })
	t.Run("outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("route", func(t *testing.T) { testRoute(t, open) })
	t.Run("DM matches", func(t *testing.T) { testMatches(t, open) })
	t.Run("stop channel and revive follow", func(t *testing.T) { testStopChannel(t, open) })
	t.Run("feed health", func(t *testing.T) { testHealth(t, open) })
	t.Run("digest articles", func(t *testing.T) { testDigestArticles(t, open) })
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// must takes a call's two results and returns a function that fails the
// test on the error and gives the value: must(s.Feed(ctx, id))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want %v", what, err, target)
	}
}

// diff compares two values field by field through their printed form,
// which is enough for the flat domain types.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func addFeed(t *testing.T, s Store, url string) newsbot.Feed {
	t.Helper()
	f, _, err := s.EnsureFeed(context.Background(), newsbot.Feed{URL: url, Title: url})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func testFeeds(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	in := newsbot.Feed{
		URL: "https://example.com/feed.xml", SiteURL: "https://example.com/", Title: "Example",
		ImageURL: "https://example.com/logo.png", ETag: `"abc"`, LastModified: "Sun, 25 May 2025 08:00:00 GMT",
		Interval: 15 * time.Minute, NextCheckAt: T0.Add(time.Minute),
	}
	f, created, err := s.EnsureFeed(ctx, in)
	if err != nil || !created || f.ID == 0 {
		t.Fatalf("EnsureFeed(new) = %+v, %v, %v; want created with an id", f, created, err)
	}
	want := in
	want.ID, want.CreatedAt = f.ID, T0
	diff(t, "EnsureFeed result", f, want)
	diff(t, "Feed(id)", must(s.Feed(ctx, f.ID))(t), want)
	diff(t, "FeedByURL", must(s.FeedByURL(ctx, in.URL))(t), want)

	again, created, err := s.EnsureFeed(ctx, newsbot.Feed{URL: in.URL, Title: "Other title"})
	if err != nil || created || again.ID != f.ID || again.Title != "Example" {
		t.Errorf("EnsureFeed(existing url) = %+v, %v, %v; want the stored feed, not created", again, created, err)
	}

	f.Title, f.ETag, f.Failures = "Renamed", `"def"`, 3
	f.LastError, f.LastErrorAt = "fetch: 500 Internal Server Error", T0.Add(2*time.Minute)
	f.LastCheckedAt, f.LastSuccessAt, f.DisabledAt = T0.Add(2*time.Minute), T0.Add(-time.Hour), T0.Add(3*time.Minute)
	if err := s.UpdateFeed(ctx, f); err != nil {
		t.Fatal(err)
	}
	diff(t, "Feed after UpdateFeed", must(s.Feed(ctx, f.ID))(t), f)

	second := addFeed(t, s, "https://example.org/rss")
	all := must(s.Feeds(ctx))(t)
	if len(all) != 2 || all[0].ID != f.ID || all[1].ID != second.ID {
		t.Errorf("Feeds() = %d feeds, want the 2 in id order", len(all))
	}

	_, _, err = s.EnsureFeed(ctx, newsbot.Feed{URL: "ftp://example.com/feed"})
	wantErr(t, "EnsureFeed(ftp url)", err, newsbot.ErrInvalid)
	_, err = s.Feed(ctx, 9999)
	wantErr(t, "Feed(unknown)", err, newsbot.ErrNotFound)
	_, err = s.FeedByURL(ctx, "https://nowhere.example/")
	wantErr(t, "FeedByURL(unknown)", err, newsbot.ErrNotFound)
	wantErr(t, "UpdateFeed(unknown)", s.UpdateFeed(ctx, newsbot.Feed{ID: 9999, URL: "https://x/"}), newsbot.ErrNotFound)
	wantErr(t, "DeleteFeed(unknown)", s.DeleteFeed(ctx, 9999), newsbot.ErrNotFound)
}

func testClaimFeeds(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	due := func(url string, next time.Time) newsbot.Feed {
		f := addFeed(t, s, url)
		f.NextCheckAt = next
		if err := s.UpdateFeed(ctx, f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	late := due("https://a.example/feed", T0.Add(-time.Hour))
	early := due("https://b.example/feed", T0.Add(-2*time.Hour))
	due("https://c.example/feed", T0.Add(time.Hour)) // not due
	disabled := due("https://d.example/feed", T0.Add(-3*time.Hour))
	disabled.DisabledAt = T0.Add(-time.Minute)
	if err := s.UpdateFeed(ctx, disabled); err != nil {
		t.Fatal(err)
	}

	got := must(s.ClaimDueFeeds(ctx, T0, time.Minute, 10))(t)
	if ids := feedIDs(got); !slices.Equal(ids, []int64{early.ID, late.ID}) {
		t.Fatalf("ClaimDueFeeds = %v, want the two due active feeds %v, soonest first", ids, []int64{early.ID, late.ID})
	}
	if again := must(s.ClaimDueFeeds(ctx, T0.Add(30*time.Second), time.Minute, 10))(t); len(again) != 0 {
		t.Errorf("ClaimDueFeeds during the lease = %v, want none (another poller holds them)", feedIDs(again))
	}
	// The poller that held early crashed; its lease runs out.
	if again := must(s.ClaimDueFeeds(ctx, T0.Add(2*time.Minute), time.Minute, 1))(t); len(again) != 1 || again[0].ID != early.ID {
		t.Errorf("ClaimDueFeeds after the lease, limit 1 = %v, want [%d]", feedIDs(again), early.ID)
	}
	// Saving the feed releases the lease.
	late.NextCheckAt = T0.Add(-time.Minute)
	if err := s.UpdateFeed(ctx, late); err != nil {
		t.Fatal(err)
	}
	if again := must(s.ClaimDueFeeds(ctx, T0.Add(2*time.Minute+time.Second), time.Minute, 10))(t); !slices.Equal(feedIDs(again), []int64{late.ID}) {
		t.Errorf("ClaimDueFeeds after UpdateFeed = %v, want [%d]", feedIDs(again), late.ID)
	}
	if err := s.EnableFeed(ctx, disabled.ID); err != nil {
		t.Fatal(err)
	}
	f := must(s.Feed(ctx, disabled.ID))(t)
	if f.Disabled() || f.Failures != 0 {
		t.Errorf("after EnableFeed: disabled %v, failures %d; want active with 0 failures", f.Disabled(), f.Failures)
	}
	if again := must(s.ClaimDueFeeds(ctx, T0.Add(5*time.Minute), time.Minute, 10))(t); !slices.Contains(feedIDs(again), disabled.ID) {
		t.Errorf("ClaimDueFeeds after EnableFeed = %v, want it to include %d", feedIDs(again), disabled.ID)
	}
}

func feedIDs(fs []newsbot.Feed) []int64 {
	var ids []int64
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

func testFollows(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	feed := addFeed(t, s, "https://example.com/feed")
	in := newsbot.Follow{GuildID: "G1", ChannelID: "C1", FeedID: feed.ID, Mode: newsbot.ModeDigest,
		Include: "ukraine", Exclude: "sport", CreatedBy: "U1"}
	f := must(s.AddFollow(ctx, in))(t)
	want := in
	want.ID, want.CreatedAt = f.ID, T0
	diff(t, "AddFollow", f, want)

	_, err := s.AddFollow(ctx, in)
	wantErr(t, "AddFollow twice", err, newsbot.ErrExists)
	_, err = s.AddFollow(ctx, newsbot.Follow{GuildID: "G1", ChannelID: "C1", FeedID: feed.ID, Mode: "loud"})
	wantErr(t, "AddFollow(bad mode)", err, newsbot.ErrInvalid)
	_, err = s.AddFollow(ctx, newsbot.Follow{GuildID: "G1", ChannelID: "C1", FeedID: 9999, Mode: newsbot.ModeInstant})
	if err == nil {
		t.Error("AddFollow(unknown feed) succeeded, want an error")
	}
	other := must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G2", ChannelID: "C9", FeedID: feed.ID, Mode: newsbot.ModeInstant}))(t)

	g1 := must(s.GuildFollows(ctx, "G1"))(t)
	if len(g1) != 1 {
		t.Fatalf("GuildFollows(G1) = %d follows, want 1 (G2's is invisible)", len(g1))
	}
	diff(t, "GuildFollows(G1)[0]", g1[0], want)
	if all := must(s.FeedFollows(ctx, feed.ID))(t); len(all) != 2 {
		t.Errorf("FeedFollows = %d, want 2 across guilds", len(all))
	}

	if err := s.StopFollow(ctx, f.ID, "missing permission to send messages", T0); err != nil {
		t.Fatal(err)
	}
	if got := must(s.GuildFollows(ctx, "G1"))(t)[0]; got.StoppedReason != "missing permission to send messages" || !got.StoppedAt.Equal(T0) {
		t.Errorf("after StopFollow: %q at %v", got.StoppedReason, got.StoppedAt)
	}
	if err := s.StopFollow(ctx, f.ID, "", T0); err != nil {
		t.Fatal(err)
	}
	if got := must(s.GuildFollows(ctx, "G1"))(t)[0]; got.StoppedReason != "" || !got.StoppedAt.IsZero() {
		t.Errorf("after resuming: %q at %v, want cleared", got.StoppedReason, got.StoppedAt)
	}

	wantErr(t, "RemoveFollow from another guild", s.RemoveFollow(ctx, "G1", other.ID), newsbot.ErrNotFound)
	if err := s.RemoveFollow(ctx, "G1", f.ID); err != nil {
		t.Fatal(err)
	}
	if g1 := must(s.GuildFollows(ctx, "G1"))(t); len(g1) != 0 {
		t.Errorf("GuildFollows after RemoveFollow = %d, want 0", len(g1))
	}
}

func article(key, title, text string, published time.Time) newsbot.Article {
	return newsbot.Article{DedupeKey: key, URL: "https://example.com/" + key, Title: title, Text: text,
		PublishedAt: published, Summary: []string{title + "."}}
}

func testArticles(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	feed := addFeed(t, s, "https://example.com/feed")
	in := newsbot.Article{
		DedupeKey: "guid:1", URL: "https://example.com/a1", Title: "Prisoner exchange completed",
		Author: "Jane Doe", Text: "Ukraine and Russia completed an exchange.\n\nMore follows.",
		Summary: []string{"Ukraine and Russia completed an exchange."}, ImageURL: "https://example.com/a1.jpg",
		Fingerprint: 0xfedcba9876543210, PublishedAt: T0.Add(-time.Hour), Backlog: true,
	}
	saved := must(s.SaveArticles(ctx, feed.ID, []newsbot.Article{in, article("guid:2", "Second", "Body two", time.Time{})}))(t)
	if len(saved) != 2 || saved[0].ID == 0 || saved[0].StoryID == 0 {
		t.Fatalf("SaveArticles(2 new) = %+v, want 2 with ids and stories", saved)
	}
	want := in
	want.ID, want.FeedID, want.StoryID, want.FetchedAt = saved[0].ID, feed.ID, saved[0].StoryID, T0
	diff(t, "SaveArticles result", saved[0], want)
	diff(t, "Article(id)", must(s.Article(ctx, want.ID))(t), want)
	if got := saved[1].PublishedAt; !got.Equal(T0) {
		t.Errorf("article without a date: PublishedAt = %v, want the first-seen time %v", got, T0)
	}

	edited := in
	edited.Title, edited.Text = "Prisoner exchange completed (updated)", "Edited text."
	again := must(s.SaveArticles(ctx, feed.ID, []newsbot.Article{edited, article("guid:3", "Third", "Body three", T0)}))(t)
	if len(again) != 1 || again[0].DedupeKey != "guid:3" {
		t.Errorf("SaveArticles(edited + new) = %v, want only guid:3: an edit is not news", keys(again))
	}
	if got := must(s.Article(ctx, want.ID))(t); got.Title != in.Title {
		t.Errorf("stored title after a re-save = %q, want the first version %q", got.Title, in.Title)
	}

	// The same item in another feed is stored for that feed too.
	other := addFeed(t, s, "https://example.org/feed")
	if got := must(s.SaveArticles(ctx, other.ID, []newsbot.Article{in}))(t); len(got) != 1 {
		t.Errorf("SaveArticles(same key, other feed) = %d, want 1", len(got))
	}
	if byURL := must(s.ArticlesByURL(ctx, in.URL))(t); len(byURL) != 2 || byURL[0].FeedID != feed.ID || byURL[1].FeedID != other.ID {
		t.Errorf("ArticlesByURL = %d articles, want one per feed, oldest first", len(byURL))
	}

	known := must(s.KnownKeys(ctx, feed.ID, []string{"guid:1", "guid:3", "guid:new"}))(t)
	if len(known) != 2 || !known["guid:1"] || !known["guid:3"] {
		t.Errorf("KnownKeys = %v, want guid:1 and guid:3", known)
	}
	if known := must(s.KnownKeys(ctx, 9999, []string{"guid:1"}))(t); len(known) != 0 {
		t.Errorf("KnownKeys(other feed) = %v, want none", known)
	}

	_, err := s.SaveArticles(ctx, feed.ID, []newsbot.Article{{Title: "no key"}})
	wantErr(t, "SaveArticles(no dedupe key)", err, newsbot.ErrInvalid)
	_, err = s.Article(ctx, 9999)
	wantErr(t, "Article(unknown)", err, newsbot.ErrNotFound)
}

func keys(as []newsbot.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.DedupeKey)
	}
	return out
}

func testStories(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	nhk := addFeed(t, s, "https://nhk.example/feed")
	reuters := addFeed(t, s, "https://reuters.example/feed")
	first := article("nhk-1", "Ukraine, Russia swap prisoners", "text", T0)
	first.Fingerprint = 42
	a := must(s.SaveArticles(ctx, nhk.ID, []newsbot.Article{first}))(t)[0]
	story := must(s.Story(ctx, a.StoryID))(t)
	diff(t, "Story", story, newsbot.Story{ID: a.StoryID, Title: first.Title, Fingerprint: 42, FirstSeenAt: T0})

	joined := article("r-1", "Russia and Ukraine exchange prisoners", "text", T0)
	joined.StoryID, joined.FetchedAt = a.StoryID, T0.Add(time.Hour)
	b := must(s.SaveArticles(ctx, reuters.ID, []newsbot.Article{joined}))(t)[0]
	if b.StoryID != a.StoryID {
		t.Errorf("joined article story = %d, want %d", b.StoryID, a.StoryID)
	}
	if got := keys(must(s.StoryArticles(ctx, a.StoryID))(t)); !slices.Equal(got, []string{"nhk-1", "r-1"}) {
		t.Errorf("StoryArticles = %v, want [nhk-1 r-1]", got)
	}
	recent := must(s.RecentArticles(ctx, T0.Add(30*time.Minute), 3))(t)
	if len(recent) != 1 || recent[0].ID != b.ID || recent[0].StoryID != a.StoryID || recent[0].Title != joined.Title ||
		recent[0].Text != "tex" || !recent[0].FetchedAt.Equal(T0.Add(time.Hour)) {
		t.Errorf("RecentArticles(since 30m, 3 chars) = %+v, want only the later article, its text cut to 3", recent)
	}
	_, err := s.Story(ctx, 9999)
	wantErr(t, "Story(unknown)", err, newsbot.ErrNotFound)

	// A batch over several feeds: articles sharing a negative story id
	// share one new story; a duplicate among them neither saves nor
	// breaks the sharing; a positive id joins an existing story.
	batch := []newsbot.Article{
		article("nhk-1", "duplicate of a stored item", "text", T0),
		article("nhk-2", "Chip factory in Japan", "text", T0),
		article("r-2", "Chipmaker picks Japan", "text", T0),
		article("r-3", "Unrelated", "text", T0),
		article("nhk-3", "Swap follow-up", "text", T0),
	}
	for i, f := range []int64{nhk.ID, nhk.ID, reuters.ID, reuters.ID, nhk.ID} {
		batch[i].FeedID = f
	}
	batch[0].StoryID, batch[1].StoryID, batch[2].StoryID, batch[3].StoryID, batch[4].StoryID = -1, -1, -1, 0, a.StoryID
	got := must(s.SaveBatch(ctx, batch))(t)
	if k := keys(got); !slices.Equal(k, []string{"nhk-2", "r-2", "r-3", "nhk-3"}) {
		t.Fatalf("SaveBatch saved %v, want all but the duplicate", k)
	}
	if got[0].StoryID <= 0 || got[0].StoryID != got[1].StoryID || got[0].StoryID == a.StoryID {
		t.Errorf("batch stories %d and %d: want one new story shared", got[0].StoryID, got[1].StoryID)
	}
	if got[2].StoryID <= 0 || got[2].StoryID == got[0].StoryID || got[3].StoryID != a.StoryID {
		t.Errorf("batch stories %d, %d: want a story of its own, then the exchange story %d", got[2].StoryID, got[3].StoryID, a.StoryID)
	}
	if n := len(must(s.StoryArticles(ctx, got[0].StoryID))(t)); n != 2 {
		t.Errorf("the shared new story has %d articles, want 2", n)
	}
}

func testDeleteCascade(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	feed := addFeed(t, s, "https://example.com/feed")
	must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C", FeedID: feed.ID, Mode: newsbot.ModeInstant}))(t)
	a := must(s.SaveArticles(ctx, feed.ID, []newsbot.Article{article("k", "Unique zebra headline", "text", T0)}))(t)[0]
	if err := s.DeleteFeed(ctx, feed.ID); err != nil {
		t.Fatal(err)
	}
	if f := must(s.GuildFollows(ctx, "G"))(t); len(f) != 0 {
		t.Errorf("follows after DeleteFeed = %d, want 0", len(f))
	}
	_, err := s.Article(ctx, a.ID)
	wantErr(t, "Article after DeleteFeed", err, newsbot.ErrNotFound)
	if hits := must(s.Search(ctx, newsbot.Query{Words: []string{"zebra"}}))(t); len(hits) != 0 {
		t.Errorf("Search after DeleteFeed = %d hits, want 0: the index must follow deletes", len(hits))
	}
}

func testSearch(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	nhk := addFeed(t, s, "https://nhk.example/feed")
	other := addFeed(t, s, "https://other.example/feed")
	for _, f := range []newsbot.Follow{
		{GuildID: "G1", ChannelID: "C1", FeedID: nhk.ID, Mode: newsbot.ModeInstant},
		{GuildID: "G2", ChannelID: "C2", FeedID: other.ID, Mode: newsbot.ModeInstant},
	} {
		must(s.AddFollow(ctx, f))(t)
	}
	day := 24 * time.Hour
	must(s.SaveArticles(ctx, nhk.ID, []newsbot.Article{
		article("title-hit", "Prisoner exchange between Ukraine and Russia", "Officials met in Istanbul.", T0.Add(-day)),
		article("body-hit", "Talks in Istanbul", "The sides discussed a prisoner exchange and a ceasefire.", T0.Add(-day)),
		article("old-title-hit", "Prisoner exchange announced", "An older report.", T0.Add(-300*day)),
		article("football", "Football results", "Arsenal beat Chelsea; no prisoner exchange here but a ceasefire in the stands.", T0.Add(-2*day)),
	}))(t)
	must(s.SaveArticles(ctx, other.ID, []newsbot.Article{
		article("other-guild", "Prisoner exchange in another guild's feed", "text", T0),
	}))(t)

	search := func(q newsbot.Query) []string {
		t.Helper()
		hits, err := s.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Article.DedupeKey)
		}
		return out
	}

	tests := []struct {
		name string
		q    newsbot.Query
		want []string
	}{
		{"title outranks body, a match months old sinks below recent ones", newsbot.Query{Words: []string{"prisoner", "exchange"}, GuildID: "G1"},
			[]string{"title-hit", "body-hit", "football", "old-title-hit"}},
		{"guild sees only its feeds", newsbot.Query{Words: []string{"guild"}, GuildID: "G1"}, nil},
		{"other guild", newsbot.Query{Words: []string{"prisoner"}, GuildID: "G2"}, []string{"other-guild"}},
		{"no guild searches all", newsbot.Query{Words: []string{"another"}}, []string{"other-guild"}},
		{"exclusion", newsbot.Query{Words: []string{"prisoner"}, Not: []string{"football", "arsenal"}, GuildID: "G1"},
			[]string{"title-hit", "body-hit", "old-title-hit"}},
		{"phrase", newsbot.Query{Phrases: []string{"exchange between"}, GuildID: "G1"}, []string{"title-hit"}},
		{"since", newsbot.Query{Words: []string{"prisoner"}, Since: T0.Add(-36 * time.Hour), GuildID: "G1"},
			[]string{"title-hit", "body-hit"}},
		{"source filter", newsbot.Query{Words: []string{"prisoner"}, FeedIDs: []int64{other.ID}}, []string{"other-guild"}},
		{"stemming", newsbot.Query{Words: []string{"exchanges"}, GuildID: "G1", Limit: 1}, []string{"title-hit"}},
		{"paging", newsbot.Query{Words: []string{"prisoner"}, GuildID: "G1", Limit: 2, Offset: 2}, []string{"football", "old-title-hit"}},
		{"FTS syntax in input is only text", newsbot.Query{Words: []string{`title:prisoner OR *`, `"NEAR(`}, GuildID: "G1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := search(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("Search = %v, want %v", got, tt.want)
			}
		})
	}

	hits := must(s.Search(ctx, newsbot.Query{Words: []string{"ceasefire"}, GuildID: "G1"}))(t)
	if len(hits) == 0 || !strings.Contains(hits[0].Snippet, newsbot.SnippetOpen+"ceasefire"+newsbot.SnippetClose) || hits[0].FeedTitle != nhk.Title {
		t.Errorf("Search(ceasefire) first hit = %+v, want the match marked in its snippet and the feed title", hits)
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Errorf("scores not descending: %v then %v", hits[i-1].Score, hits[i].Score)
		}
	}
	for _, q := range []newsbot.Query{{}, {Words: []string{"  "}, Not: []string{"x"}}, {Words: []string{"-", "***"}}} {
		_, err := s.Search(ctx, q)
		wantErr(t, fmt.Sprintf("Search(%+v)", q), err, newsbot.ErrInvalid)
	}
}

func testDigests(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	in := newsbot.Digest{GuildID: "G", ChannelID: "C", Cron: "0 8 * * *", Timezone: "Europe/Kyiv", Max: 10,
		NextRunAt: T0.Add(time.Hour), CreatedBy: "U"}
	d := must(s.PutDigest(ctx, in))(t)
	want := in
	want.ID, want.CreatedAt = d.ID, T0
	diff(t, "PutDigest", d, want)
	diff(t, "ChannelDigest", must(s.ChannelDigest(ctx, "G", "C"))(t), want)
	_, err := s.ChannelDigest(ctx, "OTHER", "C")
	wantErr(t, "ChannelDigest from another guild", err, newsbot.ErrNotFound)

	if err := s.FinishDigest(ctx, d.ID, T0, T0.Add(24*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	in.Cron, in.Max, in.NextRunAt = "0 18 * * 1-5", 5, T0.Add(9*time.Hour)
	replaced := must(s.PutDigest(ctx, in))(t)
	if replaced.ID != d.ID || replaced.Cron != in.Cron || replaced.Max != 5 || !replaced.LastRunAt.Equal(T0) {
		t.Errorf("PutDigest(replace) = %+v, want same id, new cron and max, last run kept", replaced)
	}

	in.Max = 0
	_, err = s.PutDigest(ctx, in)
	wantErr(t, "PutDigest(max 0)", err, newsbot.ErrInvalid)
	in.Max, in.Timezone = 5, "Mars/Olympus"
	_, err = s.PutDigest(ctx, in)
	wantErr(t, "PutDigest(bad zone)", err, newsbot.ErrInvalid)

	must(s.PutDigest(ctx, newsbot.Digest{GuildID: "G", ChannelID: "C2", Cron: "@daily", Timezone: "UTC", Max: 3, NextRunAt: T0.Add(-time.Minute)}))(t)
	due := must(s.ClaimDueDigests(ctx, T0.Add(10*time.Hour), time.Minute, 10))(t)
	if len(due) != 2 || due[0].ChannelID != "C2" {
		t.Fatalf("ClaimDueDigests = %+v, want both, C2 first", due)
	}
	if again := must(s.ClaimDueDigests(ctx, T0.Add(10*time.Hour), time.Minute, 10))(t); len(again) != 0 {
		t.Errorf("ClaimDueDigests during the lease = %d, want 0", len(again))
	}
	if err := s.FinishDigest(ctx, due[0].ID, T0.Add(10*time.Hour), T0.Add(34*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if again := must(s.ClaimDueDigests(ctx, T0.Add(11*time.Hour), time.Minute, 10))(t); len(again) != 1 || again[0].ChannelID != "C" {
		t.Errorf("ClaimDueDigests after finishing C2 and C's lease ran out = %+v, want only C", again)
	}
	// A late run never moves the window's end back.
	if err := s.FinishDigest(ctx, due[0].ID, T0.Add(5*time.Hour), T0.Add(34*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if d := must(s.ChannelDigest(ctx, "G", "C2"))(t); !d.LastRunAt.Equal(T0.Add(10 * time.Hour)) {
		t.Errorf("LastRunAt after a late, older finish = %v, want it kept at %v", d.LastRunAt, T0.Add(10*time.Hour))
	}
	if err := s.DeleteDigest(ctx, "G", "C"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "DeleteDigest twice", s.DeleteDigest(ctx, "G", "C"), newsbot.ErrNotFound)
}

func testSubscriptions(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	in := newsbot.Subscription{GuildID: "G", UserID: "U", Topic: `ukraine "prisoner exchange" -sport`,
		Cadence: newsbot.CadenceDaily, Time: "08:30", Timezone: "Asia/Tokyo", NextRunAt: T0.Add(time.Hour)}
	sub := must(s.AddSubscription(ctx, in))(t)
	want := in
	want.ID, want.CreatedAt = sub.ID, T0
	diff(t, "AddSubscription", sub, want)
	_, err := s.AddSubscription(ctx, in)
	wantErr(t, "AddSubscription twice", err, newsbot.ErrExists)
	_, err = s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G", UserID: "U", Topic: "x", Cadence: newsbot.CadenceDaily, Time: "25:00", Timezone: "UTC"})
	wantErr(t, "AddSubscription(bad time)", err, newsbot.ErrInvalid)

	for i := 1; i < newsbot.MaxSubscriptionsPerUser; i++ {
		must(s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G", UserID: "U", Topic: fmt.Sprintf("topic %d", i), Cadence: newsbot.CadenceInstant}))(t)
	}
	_, err = s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G", UserID: "U", Topic: "one too many", Cadence: newsbot.CadenceInstant})
	wantErr(t, "AddSubscription beyond the cap", err, newsbot.ErrInvalid)
	must(s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G2", UserID: "U", Topic: "ukraine", Cadence: newsbot.CadenceInstant}))(t)

	mine := must(s.UserSubscriptions(ctx, "G", "U"))(t)
	if len(mine) != newsbot.MaxSubscriptionsPerUser {
		t.Fatalf("UserSubscriptions(G) = %d, want %d", len(mine), newsbot.MaxSubscriptionsPerUser)
	}
	diff(t, "UserSubscriptions[0]", mine[0], want)
	if all := must(s.AllSubscriptions(ctx))(t); len(all) != newsbot.MaxSubscriptionsPerUser+1 {
		t.Errorf("AllSubscriptions = %d, want %d", len(all), newsbot.MaxSubscriptionsPerUser+1)
	}

	if err := s.PauseSubscriptions(ctx, "U", "Discord refused the DM (50007)", T0); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"G", "G2"} {
		if got := must(s.UserSubscriptions(ctx, g, "U"))(t)[0]; got.PausedReason == "" || !got.PausedAt.Equal(T0) {
			t.Errorf("guild %s subscription after pause = %+v, want paused", g, got)
		}
	}
	wantErr(t, "RemoveSubscription(unknown)", s.RemoveSubscription(ctx, "G", "U", "nothing"), newsbot.ErrNotFound)
	wantErr(t, "RemoveSubscription(other guild)", s.RemoveSubscription(ctx, "G3", "U", in.Topic), newsbot.ErrNotFound)
	if err := s.RemoveSubscription(ctx, "G", "U", in.Topic); err != nil {
		t.Fatal(err)
	}
	if n := len(must(s.UserSubscriptions(ctx, "G", "U"))(t)); n != newsbot.MaxSubscriptionsPerUser-1 {
		t.Errorf("after RemoveSubscription: %d, want %d", n, newsbot.MaxSubscriptionsPerUser-1)
	}
}

func testOutbox(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	post := newsbot.Delivery{Key: "post:C1:story:7", Kind: newsbot.DeliveryPost, GuildID: "G", ChannelID: "C1", Payload: []byte(`{"articles":[1]}`)}
	dm := newsbot.Delivery{Key: "dm:U1:2025-05-25", Kind: newsbot.DeliveryDM, GuildID: "G", UserID: "U1", Payload: []byte(`{}`)}
	if n := must(s.Enqueue(ctx, []newsbot.Delivery{post, dm}))(t); n != 2 {
		t.Errorf("Enqueue(2 new) = %d, want 2", n)
	}
	if n := must(s.Enqueue(ctx, []newsbot.Delivery{post}))(t); n != 0 {
		t.Errorf("Enqueue(same key again) = %d, want 0: keys make enqueueing idempotent", n)
	}
	_, err := s.Enqueue(ctx, []newsbot.Delivery{{Kind: newsbot.DeliveryPost, ChannelID: "C"}})
	wantErr(t, "Enqueue(no key)", err, newsbot.ErrInvalid)

	claimed := must(s.ClaimDeliveries(ctx, T0, time.Minute, 10))(t)
	if len(claimed) != 2 || claimed[0].Key != post.Key || claimed[0].Attempts != 1 || string(claimed[0].Payload) != string(post.Payload) {
		t.Fatalf("ClaimDeliveries = %+v, want both in order with attempt 1 and payload kept", claimed)
	}
	if again := must(s.ClaimDeliveries(ctx, T0.Add(time.Second), time.Minute, 10))(t); len(again) != 0 {
		t.Errorf("ClaimDeliveries during the lease = %d, want 0", len(again))
	}
	if err := s.MarkSent(ctx, claimed[0].ID, "M1", T0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, claimed[1].ID, "429 rate limited", T0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if again := must(s.ClaimDeliveries(ctx, T0.Add(2*time.Minute), time.Minute, 10))(t); len(again) != 0 {
		t.Errorf("ClaimDeliveries before the retry time = %d, want 0", len(again))
	}
	retry := must(s.ClaimDeliveries(ctx, T0.Add(5*time.Minute), time.Minute, 10))(t)
	if len(retry) != 1 || retry[0].Key != dm.Key || retry[0].Attempts != 2 || retry[0].LastError != "429 rate limited" {
		t.Fatalf("ClaimDeliveries at the retry time = %+v, want the DM on attempt 2 with its last error", retry)
	}
	// Handed back unsent: due again, and the claim not counted.
	if err := s.ReturnDelivery(ctx, retry[0].ID, T0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	retry = must(s.ClaimDeliveries(ctx, T0.Add(5*time.Minute), time.Minute, 10))(t)
	if len(retry) != 1 || retry[0].Attempts != 2 {
		t.Fatalf("ClaimDeliveries after ReturnDelivery = %+v, want the DM again on attempt 2", retry)
	}
	if err := s.MarkFailed(ctx, retry[0].ID, "cannot send messages to this user (50007)"); err != nil {
		t.Fatal(err)
	}
	if again := must(s.ClaimDeliveries(ctx, T0.Add(time.Hour), time.Minute, 10))(t); len(again) != 0 {
		t.Errorf("ClaimDeliveries after sent and failed = %d, want 0", len(again))
	}
	sent := must(s.Delivery(ctx, post.Key))(t)
	if sent.Status != newsbot.StatusSent || sent.MessageID != "M1" || !sent.SentAt.Equal(T0.Add(time.Second)) || !sent.CreatedAt.Equal(T0) {
		t.Errorf("sent delivery = %+v", sent)
	}
	if failed := must(s.Delivery(ctx, dm.Key))(t); failed.Status != newsbot.StatusFailed || failed.LastError == "" {
		t.Errorf("failed delivery = %+v", failed)
	}
	wantErr(t, "MarkRetry(failed row)", s.MarkRetry(ctx, retry[0].ID, "x", T0), newsbot.ErrNotFound)
	_, err = s.Delivery(ctx, "nope")
	wantErr(t, "Delivery(unknown)", err, newsbot.ErrNotFound)
}
