package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"newsbot"
)

func testRoute(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	f := addFeed(t, s, "https://nhk.example/feed")
	saved := must(s.SaveArticles(ctx, f.ID, []newsbot.Article{
		article("a", "First", "text", T0), article("b", "Second", "text", T0), article("c", "Third", "text", T0),
	}))(t)
	if c := must(s.Cursor(ctx, "route"))(t); c != 0 {
		t.Errorf("Cursor(never run) = %d, want 0", c)
	}
	if got := must(s.ArticlesAfter(ctx, saved[0].ID, 1))(t); len(got) != 1 || got[0].ID != saved[1].ID {
		t.Errorf("ArticlesAfter(first, 1) = %v, want the second", keys(got))
	}
	post := newsbot.Delivery{Key: "post:C1:a", Kind: newsbot.DeliveryPost, GuildID: "G", ChannelID: "C1",
		Payload: []byte(`{}`), Stories: []int64{saved[0].StoryID, saved[1].StoryID}}
	if n := must(s.CommitRoute(ctx, "route", saved[1].ID, []newsbot.Delivery{post}, nil))(t); n != 1 {
		t.Errorf("CommitRoute(one post) = %d new rows, want 1", n)
	}
	if c := must(s.Cursor(ctx, "route"))(t); c != saved[1].ID {
		t.Errorf("Cursor after commit = %d, want %d", c, saved[1].ID)
	}
	// A cursor never moves back.
	if _, err := s.CommitRoute(ctx, "route", saved[0].ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if c := must(s.Cursor(ctx, "route"))(t); c != saved[1].ID {
		t.Errorf("Cursor after an older commit = %d, want it kept at %d", c, saved[1].ID)
	}
	posted := must(s.PostedStories(ctx, "C1", []int64{saved[0].StoryID, saved[1].StoryID, saved[2].StoryID}))(t)
	if !posted[saved[0].StoryID] || !posted[saved[1].StoryID] || posted[saved[2].StoryID] {
		t.Errorf("PostedStories = %v, want the first two stories only", posted)
	}
	if other := must(s.PostedStories(ctx, "C2", []int64{saved[0].StoryID}))(t); len(other) != 0 {
		t.Errorf("PostedStories(other channel) = %v, want none", other)
	}
	if d := must(s.PostedStory(ctx, "C1", saved[1].StoryID))(t); d.Key != post.Key {
		t.Errorf("PostedStory = %q, want %q", d.Key, post.Key)
	}
	_, err := s.PostedStory(ctx, "C1", saved[2].StoryID)
	wantErr(t, "PostedStory(not posted)", err, newsbot.ErrNotFound)

	// Edits: the latest version of a message is its newest edit.
	if v := must(s.LatestVersion(ctx, post.Key))(t); v.Key != post.Key {
		t.Errorf("LatestVersion(never edited) = %q, want the post", v.Key)
	}
	for _, k := range []string{"edit:1", "edit:2"} {
		must(s.Enqueue(ctx, []newsbot.Delivery{{Key: k, Kind: newsbot.DeliveryEdit, ChannelID: "C1", EditOf: post.Key, Payload: []byte(k)}}))(t)
	}
	if v := must(s.LatestVersion(ctx, post.Key))(t); v.Key != "edit:2" || v.EditOf != post.Key || string(v.Payload) != "edit:2" {
		t.Errorf("LatestVersion(edited twice) = %+v, want the second edit", v)
	}
	_, err = s.LatestVersion(ctx, "nope")
	wantErr(t, "LatestVersion(unknown)", err, newsbot.ErrNotFound)
}

func testMatches(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	nhk := addFeed(t, s, "https://nhk.example/feed")
	spam := addFeed(t, s, "https://spam.example/feed")
	a := must(s.SaveArticles(ctx, nhk.ID, []newsbot.Article{article("a", "Prisoner swap", "text", T0), article("b", "Swap 2", "text", T0)}))(t)
	x := must(s.SaveArticles(ctx, spam.ID, []newsbot.Article{article("x", "Prisoner swap ad", "text", T0)}))(t)
	instant := must(s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G", UserID: "U1", Topic: "swap", Cadence: newsbot.CadenceInstant}))(t)
	daily := must(s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G", UserID: "U1", Topic: "prisoner",
		Cadence: newsbot.CadenceDaily, Time: "08:00", Timezone: "UTC", NextRunAt: T0.Add(time.Hour)}))(t)
	if err := s.MuteFeed(ctx, "U1", spam.ID); err != nil {
		t.Fatal(err)
	}
	match := func(sub newsbot.Subscription, art newsbot.Article) newsbot.Match {
		return newsbot.Match{SubscriptionID: sub.ID, UserID: sub.UserID, GuildID: sub.GuildID, ArticleID: art.ID, StoryID: art.StoryID, MatchedAt: T0}
	}
	ms := []newsbot.Match{
		match(instant, a[0]),
		match(daily, a[0]), // same story for the same user: dropped
		match(instant, a[1]),
		match(instant, x[0]), // muted source: dropped
	}
	if _, err := s.CommitRoute(ctx, "route", x[0].ID, nil, ms); err != nil {
		t.Fatal(err)
	}
	if muted := must(s.MutedFeeds(ctx, "U1"))(t); len(muted) != 1 || muted[0].ID != spam.ID {
		t.Errorf("MutedFeeds = %+v, want the spam feed", muted)
	}
	if muted := must(s.MutedFeeds(ctx, "U2"))(t); len(muted) != 0 {
		t.Errorf("MutedFeeds(another user) = %+v, want none", muted)
	}
	waiting := must(s.WaitingMatches(ctx, "U1", 0))(t)
	if len(waiting) != 2 || waiting[0].ArticleID != a[0].ID || waiting[1].ArticleID != a[1].ID ||
		waiting[0].Topic != "swap" || waiting[0].Article.Title != "Prisoner swap" {
		t.Fatalf("WaitingMatches(instant) = %+v, want the two NHK articles with topic and article", waiting)
	}
	if d := must(s.WaitingMatches(ctx, "U1", daily.ID))(t); len(d) != 0 {
		t.Errorf("WaitingMatches(daily) = %d, want 0: the story went to the instant topic", len(d))
	}
	users := must(s.DueDMUsers(ctx, T0, T0.Add(-24*time.Hour), 5))(t)
	if !slices.Equal(users, []string{"U1"}) {
		t.Errorf("DueDMUsers = %v, want [U1]", users)
	}
	dm := newsbot.Delivery{Key: "dm:U1:1", Kind: newsbot.DeliveryDM, GuildID: "G", UserID: "U1", Payload: []byte(`{}`)}
	ids := []int64{waiting[0].ID, waiting[1].ID}
	if err := s.CommitDM(ctx, ids, []newsbot.Delivery{dm}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "CommitDM(same matches again)", s.CommitDM(ctx, ids, []newsbot.Delivery{{Key: "dm:U1:2", Kind: newsbot.DeliveryDM, UserID: "U1"}}, 0, time.Time{}), newsbot.ErrConflict)
	if _, err := s.Delivery(ctx, "dm:U1:2"); err == nil {
		t.Error("a conflicting CommitDM wrote its outbox row")
	}
	if w := must(s.WaitingMatches(ctx, "U1", 0))(t); len(w) != 0 {
		t.Errorf("WaitingMatches after the DM = %d, want 0", len(w))
	}
	// The DM just sent keeps the user quiet, and counts toward the cap.
	more := must(s.SaveArticles(ctx, nhk.ID, []newsbot.Article{article("c", "Swap 3", "text", T0)}))(t)
	if _, err := s.CommitRoute(ctx, "route", more[0].ID, nil, []newsbot.Match{match(instant, more[0])}); err != nil {
		t.Fatal(err)
	}
	if u := must(s.DueDMUsers(ctx, T0.Add(-time.Minute), T0.Add(-24*time.Hour), 5))(t); len(u) != 0 {
		t.Errorf("DueDMUsers right after a DM = %v, want none", u)
	}
	if u := must(s.DueDMUsers(ctx, T0, T0.Add(-24*time.Hour), 1))(t); len(u) != 0 {
		t.Errorf("DueDMUsers with a daily cap of 1 reached = %v, want none", u)
	}
	if u := must(s.DueDMUsers(ctx, T0, T0.Add(-24*time.Hour), 2))(t); !slices.Equal(u, []string{"U1"}) {
		t.Errorf("DueDMUsers later = %v, want [U1]", u)
	}

	if due := must(s.DueSubscriptions(ctx, T0, 10))(t); len(due) != 0 {
		t.Errorf("DueSubscriptions before 09:00 = %d, want 0", len(due))
	}
	due := must(s.DueSubscriptions(ctx, T0.Add(time.Hour), 10))(t)
	if len(due) != 1 || due[0].ID != daily.ID {
		t.Fatalf("DueSubscriptions = %+v, want the daily one", due)
	}
	if err := s.CommitDM(ctx, nil, nil, daily.ID, T0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if due := must(s.DueSubscriptions(ctx, T0.Add(2*time.Hour), 10))(t); len(due) != 0 {
		t.Errorf("DueSubscriptions after its run = %d, want 0", len(due))
	}

	// Pausing: told once; paused users are not due.
	if note := must(s.TakePauseNote(ctx, "U1"))(t); note != "" {
		t.Errorf("TakePauseNote(not paused) = %q, want empty", note)
	}
	if err := s.PauseSubscriptions(ctx, "U1", "Discord refused the DM", T0); err != nil {
		t.Fatal(err)
	}
	if u := must(s.DueDMUsers(ctx, T0.Add(time.Hour), T0.Add(-24*time.Hour), 9))(t); len(u) != 0 {
		t.Errorf("DueDMUsers(paused) = %v, want none", u)
	}
	if note := must(s.TakePauseNote(ctx, "U1"))(t); note != "Discord refused the DM" {
		t.Errorf("TakePauseNote = %q, want the reason", note)
	}
	if note := must(s.TakePauseNote(ctx, "U1"))(t); note != "" {
		t.Errorf("TakePauseNote(second time) = %q, want empty", note)
	}
	// A topic added meanwhile is paused with the others, and not told again.
	added := must(s.AddSubscription(ctx, newsbot.Subscription{GuildID: "G2", UserID: "U1", Topic: "rates", Cadence: newsbot.CadenceInstant}))(t)
	if added.PausedAt.IsZero() || added.PausedReason != "Discord refused the DM" {
		t.Errorf("topic added while paused = %+v, want it paused with the same reason", added)
	}
	if note := must(s.TakePauseNote(ctx, "U1"))(t); note != "" {
		t.Errorf("TakePauseNote after adding a topic = %q, want empty: the user was told", note)
	}
	// Resumed, then refused again: told again.
	if err := s.PauseSubscriptions(ctx, "U1", "", T0); err != nil {
		t.Fatal(err)
	}
	if err := s.PauseSubscriptions(ctx, "U1", "refused again", T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if note := must(s.TakePauseNote(ctx, "U1"))(t); note != "refused again" {
		t.Errorf("TakePauseNote after a second pause = %q, want the new reason", note)
	}
	if err := s.RemoveSubscriptionID(ctx, "U1", added.ID); err != nil {
		t.Fatal(err)
	}

	if got := must(s.Subscription(ctx, "U1", daily.ID))(t); got.Topic != "prisoner" {
		t.Errorf("Subscription = %+v", got)
	}
	_, err := s.Subscription(ctx, "U2", daily.ID)
	wantErr(t, "Subscription(another user's)", err, newsbot.ErrNotFound)
	wantErr(t, "RemoveSubscriptionID(another user's)", s.RemoveSubscriptionID(ctx, "U2", daily.ID), newsbot.ErrNotFound)
	// Unmuted, the feed's articles match again.
	wantErr(t, "UnmuteFeed(not muted)", s.UnmuteFeed(ctx, "U1", nhk.ID), newsbot.ErrNotFound)
	if err := s.UnmuteFeed(ctx, "U1", spam.ID); err != nil {
		t.Fatal(err)
	}
	if muted := must(s.MutedFeeds(ctx, "U1"))(t); len(muted) != 0 {
		t.Errorf("MutedFeeds after unmuting = %+v, want none", muted)
	}
	if err := s.RemoveSubscriptionID(ctx, "U1", daily.ID); err != nil {
		t.Fatal(err)
	}
	if subs := must(s.UserSubscriptions(ctx, "G", "U1"))(t); len(subs) != 1 || subs[0].ID != instant.ID {
		t.Errorf("UserSubscriptions after removing one = %+v", subs)
	}
}

func testStopChannel(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	f := addFeed(t, s, "https://nhk.example/feed")
	g := addFeed(t, s, "https://reuters.example/feed")
	fl := must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C1", FeedID: f.ID, Mode: newsbot.ModeInstant}))(t)
	must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C1", FeedID: g.ID, Mode: newsbot.ModeInstant}))(t)
	other := must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C2", FeedID: f.ID, Mode: newsbot.ModeInstant}))(t)
	must(s.Enqueue(ctx, []newsbot.Delivery{
		{Key: "p1", Kind: newsbot.DeliveryPost, ChannelID: "C1"},
		{Key: "p2", Kind: newsbot.DeliveryPost, ChannelID: "C2"},
	}))(t)
	if err := s.StopChannel(ctx, "C1", "the channel was deleted", T0); err != nil {
		t.Fatal(err)
	}
	for _, fl := range must(s.GuildFollows(ctx, "G"))(t) {
		if stopped := fl.ChannelID == "C1"; stopped != !fl.StoppedAt.IsZero() || stopped != (fl.StoppedReason == "the channel was deleted") {
			t.Errorf("follow in %s after StopChannel(C1) = %+v", fl.ChannelID, fl)
		}
	}
	if d := must(s.Delivery(ctx, "p1"))(t); d.Status != newsbot.StatusFailed || d.LastError != "the channel was deleted" {
		t.Errorf("pending row in the stopped channel = %+v, want failed with the reason", d)
	}
	if d := must(s.Delivery(ctx, "p2"))(t); d.Status != newsbot.StatusPending {
		t.Errorf("row in another channel = %+v, want pending", d)
	}
	// Adding a stopped follow again revives it; an active one is ErrExists.
	revived := must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C1", FeedID: f.ID, Mode: newsbot.ModeDigest}))(t)
	if revived.ID != fl.ID {
		t.Errorf("revived follow id = %d, want %d", revived.ID, fl.ID)
	}
	_, err := s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C2", FeedID: f.ID, Mode: newsbot.ModeInstant})
	wantErr(t, "AddFollow(active again)", err, newsbot.ErrExists)
	for _, got := range must(s.FeedFollows(ctx, f.ID))(t) {
		if got.ID == fl.ID && (!got.StoppedAt.IsZero() || got.Mode != newsbot.ModeDigest) {
			t.Errorf("revived follow = %+v, want active in digest mode", got)
		}
		if got.ID == other.ID && !got.StoppedAt.IsZero() {
			t.Errorf("other channel's follow = %+v, want active", got)
		}
	}
}

func testHealth(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	f := addFeed(t, s, "https://nhk.example/feed")
	unfollowed := addFeed(t, s, "https://nobody.example/feed")
	must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C1", FeedID: f.ID, Mode: newsbot.ModeInstant}))(t)
	if c := must(s.HealthChanges(ctx, 3))(t); len(c) != 0 {
		t.Errorf("HealthChanges(all healthy) = %+v, want none", c)
	}
	set := func(id int64, failures int, disabled time.Time) {
		t.Helper()
		fd := must(s.Feed(ctx, id))(t)
		fd.Failures, fd.DisabledAt, fd.LastError = failures, disabled, "HTTP 500"
		if err := s.UpdateFeed(ctx, fd); err != nil {
			t.Fatal(err)
		}
	}
	set(unfollowed.ID, 9, time.Time{})
	set(f.ID, 2, time.Time{})
	if c := must(s.HealthChanges(ctx, 3))(t); len(c) != 0 {
		t.Errorf("HealthChanges(2 failures of 3) = %+v, want none", c)
	}
	step := func(failures int, disabled time.Time, from, to newsbot.Health) {
		t.Helper()
		set(f.ID, failures, disabled)
		c := must(s.HealthChanges(ctx, 3))(t)
		if len(c) != 1 || c[0].Feed.ID != f.ID || c[0].From != from || c[0].To != to {
			t.Fatalf("HealthChanges(failures %d) = %+v, want %s → %s for the followed feed", failures, c, from, to)
		}
		notice := newsbot.Delivery{Key: "notice:" + string(to), Kind: newsbot.DeliveryNotice, ChannelID: "C1"}
		if err := s.CommitHealth(ctx, f.ID, to, []newsbot.Delivery{notice}); err != nil {
			t.Fatal(err)
		}
		if c := must(s.HealthChanges(ctx, 3))(t); len(c) != 0 {
			t.Errorf("HealthChanges after telling = %+v, want none", c)
		}
		must(s.Delivery(ctx, notice.Key))(t)
	}
	step(3, time.Time{}, newsbot.HealthOK, newsbot.HealthFailing)
	set(f.ID, 5, time.Time{})
	if c := must(s.HealthChanges(ctx, 3))(t); len(c) != 0 {
		t.Errorf("HealthChanges(still failing) = %+v, want none: one notice, not one per failure", c)
	}
	step(6, T0, newsbot.HealthFailing, newsbot.HealthDisabled)
	step(0, time.Time{}, newsbot.HealthDisabled, newsbot.HealthOK)
}

func testDigestArticles(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	f := addFeed(t, s, "https://nhk.example/feed")
	g := addFeed(t, s, "https://reuters.example/feed")
	at := func(key string, fetched time.Duration, backlog bool) newsbot.Article {
		a := article(key, key, "text", T0)
		a.FetchedAt, a.Backlog = T0.Add(fetched), backlog
		return a
	}
	fa := must(s.SaveArticles(ctx, f.ID, []newsbot.Article{at("old", 0, false), at("backlog", time.Hour, true), at("new", 2*time.Hour, false)}))(t)
	joined := at("r-new", 2*time.Hour, false)
	joined.StoryID = fa[2].StoryID
	must(s.SaveArticles(ctx, g.ID, []newsbot.Article{joined, at("r-later", 5*time.Hour, false)}))(t)
	got := keys(must(s.DigestArticles(ctx, []int64{f.ID, g.ID}, T0, T0.Add(3*time.Hour), 10))(t))
	if !slices.Equal(got, []string{"r-new", "new"}) {
		t.Errorf("DigestArticles(0h, 3h] = %v, want [r-new new]: newest first, no backlog, window ends kept", got)
	}
	if got := keys(must(s.DigestArticles(ctx, []int64{f.ID}, T0, T0.Add(3*time.Hour), 10))(t)); !slices.Equal(got, []string{"new"}) {
		t.Errorf("DigestArticles(one feed) = %v, want [new]", got)
	}
	if got := keys(must(s.StoriesArticles(ctx, []int64{fa[2].StoryID}))(t)); !slices.Equal(got, []string{"new", "r-new"}) {
		t.Errorf("StoriesArticles = %v, want [new r-new]", got)
	}
}

func testClaimFollowedFeeds(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t, fixed(T0))
	followed := addFeed(t, s, "https://followed.example/feed")
	nobody := addFeed(t, s, "https://nobody.example/feed")
	stopped := addFeed(t, s, "https://stopped.example/feed")
	must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C1", FeedID: followed.ID, Mode: newsbot.ModeInstant}))(t)
	fl := must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C2", FeedID: stopped.ID, Mode: newsbot.ModeInstant}))(t)
	if err := s.StopFollow(ctx, fl.ID, "Missing Access", T0); err != nil {
		t.Fatal(err)
	}
	if got := feedIDs(must(s.ClaimFollowedFeeds(ctx, T0, time.Minute, 10))(t)); !slices.Equal(got, []int64{followed.ID}) {
		t.Errorf("ClaimFollowedFeeds = %v, want only the followed feed %d", got, followed.ID)
	}
	// Followed again, a feed nobody read is due at once.
	must(s.AddFollow(ctx, newsbot.Follow{GuildID: "G", ChannelID: "C3", FeedID: nobody.ID, Mode: newsbot.ModeDigest}))(t)
	if got := feedIDs(must(s.ClaimFollowedFeeds(ctx, T0, time.Minute, 10))(t)); !slices.Equal(got, []int64{nobody.ID}) {
		t.Errorf("ClaimFollowedFeeds after a new follow = %v, want [%d]", got, nobody.ID)
	}
}
