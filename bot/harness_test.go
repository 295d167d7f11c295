package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/bot/discordtest"
	"newsbot/feeds"
	"newsbot/store"
	"newsbot/summarize"
)

// timeout bounds every wait; generous, as discordgo's reconnects sleep a
// second and the race detector slows everything.
const timeout = 20 * time.Second

// testWeb adapts the real poller and fetcher to bot.Web, as the wiring in
// cmd/newsbot does.
type testWeb struct {
	poller  *feeds.Poller
	fetcher *feeds.Fetcher
}

func (w testWeb) AddFeed(ctx context.Context, rawURL string) (newsbot.Feed, int, bool, error) {
	return w.poller.AddFeed(ctx, rawURL)
}

func (w testWeb) FetchArticle(ctx context.Context, rawURL string) (newsbot.Article, error) {
	x, err := feeds.FetchArticle(ctx, w.fetcher, rawURL)
	if err != nil {
		return newsbot.Article{}, err
	}
	return newsbot.Article{URL: rawURL, Title: x.Title, Author: x.Author, Text: x.Text, PublishedAt: x.PublishedAt}, nil
}

func (w testWeb) CanonicalURL(rawURL string) (string, error) {
	u, err := feeds.CanonicalURL(rawURL)
	if err != nil {
		return "", newsbot.Invalid(err)
	}
	return u, nil
}

// newsSite serves the feeds and pages of testdata on 127.0.0.1, with
// {{base}} replaced by the site's address. /slow/... waits before
// answering; anything else is 404.
func newsSite(t testing.TB) string {
	t.Helper()
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if rest, ok := strings.CutPrefix(name, "slow/"); ok {
			select {
			case <-time.After(300 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			name = rest
		}
		body, err := os.ReadFile(filepath.Join("testdata", filepath.Base(name)))
		if err != nil || name == "" {
			http.NotFound(w, r)
			return
		}
		switch filepath.Ext(name) {
		case ".xml":
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		case ".html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(strings.ReplaceAll(string(body), "{{base}}", base)))
	}))
	t.Cleanup(srv.Close)
	base = srv.URL
	return base
}

// world is a bot with real parts: SQLite in a temp dir, the feeds poller
// and fetcher, the summarizer, and Discord faked on 127.0.0.1.
type world struct {
	srv  *discordtest.Server
	db   *store.DB
	bot  *bot.Bot
	site string
}

// options tune newWorld.
type worldOptions struct {
	guarded  bool // refuse private addresses, as in production
	cfg      discordtest.Config
	watchdog bot.Watchdog
	session  func(*discordgo.Session)
}

// newDeps opens a store and builds the web adapter over it.
func newDeps(t testing.TB, guarded bool) (*store.DB, testWeb) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fetcher := feeds.NewFetcher(feeds.FetcherOptions{AllowPrivateNetworks: !guarded, Timeout: 10 * time.Second})
	t.Cleanup(fetcher.CloseIdleConnections)
	poller := &feeds.Poller{
		Store:           db,
		Fetcher:         fetcher,
		Summarize:       func(title, text string) []string { return summarize.Options{Title: title}.Text(text) },
		FullTextPerPoll: -1,
	}
	return db, testWeb{poller: poller, fetcher: fetcher}
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	w := &world{site: newsSite(t)}
	var web testWeb
	w.db, web = newDeps(t, o.guarded)
	w.srv = discordtest.NewWithConfig(t, o.cfg)
	dg := w.srv.Session(t)
	if o.session != nil {
		o.session(dg)
	}
	w.bot = bot.New(bot.Config{
		Store: w.db, Web: web, GuildID: w.srv.GuildID(), Secret: []byte(w.srv.Token()),
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})), Watchdog: o.watchdog,
	})
	runBot(t, w.srv, w.bot, dg, guildCommands)
	return w
}

// Where commands are registered: in a guild, or globally.
const (
	guildCommands  = "/api/v9/applications/*/guilds/*/commands"
	globalCommands = "/api/v9/applications/*/commands"
)

// runBot runs b on dg until the test ends, and checks Run then returns
// nil. It returns once the commands are registered at registration.
func runBot(t *testing.T, srv *discordtest.Server, b *bot.Bot, dg *discordgo.Session, registration string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, dg) }()
	t.Cleanup(func() {
		srv.WaitIdle(t, timeout)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil after ctx ends", err)
			}
		case <-time.After(timeout):
			t.Errorf("Run did not return within %v of ctx ending", timeout)
		}
	})
	srv.WaitRequest(t, "PUT", registration, timeout)
	srv.WaitConnected(t, timeout)
}

// testClock is a clock a test moves by hand, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testWriter sends log lines to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// admin is a member who may manage channels, in the default guild.
var admin = discordtest.Invoke{Permissions: discordgo.PermissionManageChannels}

// reply waits until the bot has answered ix for good: a message, an
// update, choices, or a deferral followed by its edit or a follow-up.
func (w *world) reply(t *testing.T, ix discordtest.Interaction) discordtest.Reply {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := w.srv.Reply(ix)
		if final(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final answer to interaction %s within %v; so far %+v; requests: %v", ix.ID, timeout, r, w.srv.Statuses("", "*"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func final(r discordtest.Reply) bool {
	switch r.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage,
		discordgo.InteractionApplicationCommandAutocompleteResult:
		return true
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		return len(r.Followups) > 0 || (r.Original != nil && r.Original.Flags&discordgo.MessageFlagsLoading == 0)
	case discordgo.InteractionResponseDeferredMessageUpdate:
		return len(r.Followups) > 0 || (r.Original != nil && r.Original.EditedTimestamp != nil)
	}
	return false
}

// answer is the message a user reads last: the last follow-up, else the
// original.
func answer(t *testing.T, r discordtest.Reply) *discordgo.Message {
	t.Helper()
	if n := len(r.Followups); n > 0 {
		return r.Followups[n-1]
	}
	if r.Original == nil {
		t.Fatalf("reply %+v has no message", r)
	}
	return r.Original
}

// text is everything a message shows, as one string.
func text(m *discordgo.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.URL + "\n" + e.Description)
		if e.Footer != nil {
			b.WriteString("\n" + e.Footer.Text)
		}
		if e.Author != nil {
			b.WriteString("\n" + e.Author.Name)
		}
	}
	return b.String()
}

func ephemeral(m *discordgo.Message) bool { return m.Flags&discordgo.MessageFlagsEphemeral != 0 }

// run sends a slash command and returns the message that answers it.
func (w *world) run(t *testing.T, from discordtest.Invoke, name string, opts ...*discordgo.ApplicationCommandInteractionDataOption) (discordtest.Interaction, *discordgo.Message) {
	t.Helper()
	ix := w.srv.SlashCommand(t, from, name, opts...)
	return ix, answer(t, w.reply(t, ix))
}

// addFeed follows a test feed in from's channel and checks it worked.
func (w *world) addFeed(t *testing.T, from discordtest.Invoke, path string, extra ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Message {
	t.Helper()
	opts := append([]*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("url", w.site+path)}, extra...)
	_, m := w.run(t, from, "feed", discordtest.Subcommand("add", opts...))
	if !strings.Contains(m.Content, "Now following") {
		t.Fatalf("/feed add %s = %q, want it followed", path, text(m))
	}
	return m
}

// buttons returns the custom IDs of a message's enabled buttons by label
// prefix ("Next", "◀").
func buttons(m *discordgo.Message) map[string]string {
	out := map[string]string{}
	for _, c := range m.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, in := range row.Components {
			if b, ok := in.(*discordgo.Button); ok && !b.Disabled {
				out[strings.Fields(b.Label)[0]] = b.CustomID
			}
		}
	}
	return out
}
