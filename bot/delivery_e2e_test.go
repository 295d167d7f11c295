package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"newsbot/bot"
	"newsbot/bot/discordtest"
)

// liveFeed is an RSS feed on 127.0.0.1 whose items the test adds, and
// which the test can make fail.
type liveFeed struct {
	title string
	mu    sync.Mutex
	items []string // titles, oldest first
	fail  bool
}

func (f *liveFeed) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, title)
}

func (f *liveFeed) setFailing(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = v
}

func (f *liveFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>https://%s.example/</link>`,
		f.title, strings.ToLower(strings.Fields(f.title)[0]))
	for i := len(f.items) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://%s.example/%d</link><guid>h-%d</guid>
			<description>%s. The harbour authority said the work would take a week. Ships waited outside the port overnight.</description>
			<pubDate>%s</pubDate></item>`, f.items[i], strings.ToLower(strings.Fields(f.title)[0]), i, i, f.items[i],
			time.Date(2026, 5, 1+i, 8, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(b.String()))
}

// TestInstantPostsAndHealthNoticesReachDiscord follows a live feed by
// slash command through the fake Discord, then polls, routes and sends
// as newsbot run does: the backlog is never posted, a new item is, once;
// a feed failing three times in a row is announced once, and its
// recovery too.
func TestInstantPostsAndHealthNoticesReachDiscord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	feed := &liveFeed{title: "Harbour Times"}
	feed.add("Harbour closes for repairs")
	feed.add("Ferry timetable changes")
	site := httptest.NewServer(feed)
	t.Cleanup(site.Close)

	db, web := newDeps(t, false)
	srv := discordtest.New(t)
	dg := srv.Session(t)
	b := bot.New(bot.Config{Store: db, Web: web, GuildID: srv.GuildID(), Secret: []byte(srv.Token()),
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	runBot(t, srv, b, dg, guildCommands)
	sender := bot.NewSender(bot.SenderConfig{Store: db, Transport: bot.NewDiscordTransport(dg), OnGone: b.Gone})
	w := &world{srv: srv, db: db, bot: b}

	_, m := w.run(t, admin, "feed", discordtest.Subcommand("add", discordtest.StringOption("url", site.URL+"/feed.xml")))
	if !strings.Contains(m.Content, "Now following") {
		t.Fatalf("/feed add = %q", text(m))
	}
	cycle := func() {
		t.Helper()
		feeds, err := db.Feeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := web.poller.PollFeeds(ctx, feeds, nil); err != nil {
			t.Fatal(err)
		}
		for _, step := range []func(context.Context) (int, error){b.Route, b.CheckHealth} {
			if _, err := step(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sender.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	posts := func() []string {
		var out []string
		for _, msg := range srv.Messages(srv.ChannelID()) {
			out = append(out, text(msg))
		}
		return out
	}

	cycle()
	if got := posts(); len(got) != 0 {
		t.Fatalf("after adding the feed the channel got %q, want nothing: the backlog is not posted", got)
	}
	feed.add("Harbour reopens after a week of repairs")
	cycle()
	cycle()
	got := posts()
	if len(got) != 1 || !strings.Contains(got[0], "Harbour reopens after a week of repairs") || !strings.Contains(got[0], "Harbour Times") ||
		strings.Contains(got[0], "Ferry timetable") {
		t.Fatalf("after a new item the channel got %q, want one post of it, with its source", got)
	}

	// A second feed of the channel reports the same story later: the
	// post is edited to name it, not posted again.
	coast := &liveFeed{title: "Coast News"}
	coastSite := httptest.NewServer(coast)
	t.Cleanup(coastSite.Close)
	if _, m := w.run(t, admin, "feed", discordtest.Subcommand("add", discordtest.StringOption("url", coastSite.URL+"/feed.xml"))); !strings.Contains(m.Content, "Now following") {
		t.Fatalf("/feed add coast = %q", text(m))
	}
	coast.add("Harbour reopens after a week of repairs")
	cycle()
	msgs := srv.Messages(srv.ChannelID())
	if len(msgs) != 1 || len(msgs[0].Embeds) != 1 || msgs[0].Embeds[0].Footer == nil ||
		msgs[0].Embeds[0].Footer.Text != "Also reported by Coast News" || msgs[0].EditedTimestamp == nil {
		t.Fatalf("after Coast News carried the story the channel has %q, want the one post edited to add it", posts())
	}

	feed.setFailing(true)
	for range 4 {
		cycle()
	}
	got = posts()
	if len(got) != 2 || !strings.Contains(got[1], "is failing") || !strings.Contains(got[1], "500") {
		t.Fatalf("after four failed polls the channel got %q, want one notice that the feed is failing", got[1:])
	}
	feed.setFailing(false)
	cycle()
	got = posts()
	if len(got) != 3 || !strings.Contains(got[2], "works again") {
		t.Fatalf("after the feed recovered the channel got %q, want one notice that it works again", got[2:])
	}
}
