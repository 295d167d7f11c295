package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/store"
)

// digestEnv is a bot over a real store on a fixed clock, driven through
// the console: its guild, channel and user are the console's.
type digestEnv struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clk   *testClock
	bot   *bot.Bot
	con   *bot.Console
	out   *bytes.Buffer
	wakes atomic.Int32
	seq   int
}

func newDigestEnv(t *testing.T, start time.Time) *digestEnv {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &digestEnv{t: t, ctx: ctx, db: db, clk: &testClock{t: start}, out: new(bytes.Buffer)}
	db.Now = e.clk.Now
	e.bot = bot.New(bot.Config{Store: db, Now: e.clk.Now, Wake: func() { e.wakes.Add(1) }})
	e.con = e.bot.NewConsole(strings.NewReader(""), e.out)
	return e
}

// exec types a command at the console and returns what it printed.
func (e *digestEnv) exec(line string) string {
	e.t.Helper()
	e.out.Reset()
	e.con.Exec(e.ctx, line)
	return e.out.String()
}

// follow makes channelID of guildID follow a new feed titled title.
func (e *digestEnv) follow(guildID, channelID, title string, mode newsbot.Mode, exclude string) newsbot.Feed {
	e.t.Helper()
	f, _, err := e.db.EnsureFeed(e.ctx, newsbot.Feed{URL: "https://" + strings.ToLower(strings.Fields(title)[0]) + ".example/feed", Title: title})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.AddFollow(e.ctx, newsbot.Follow{GuildID: guildID, ChannelID: channelID, FeedID: f.ID, Mode: mode, Exclude: exclude}); err != nil {
		e.t.Fatal(err)
	}
	return f
}

// feed follows a new feed in the console's channel.
func (e *digestEnv) feed(title string, mode newsbot.Mode) newsbot.Feed {
	e.t.Helper()
	return e.follow(bot.ConsoleGuildID, bot.ConsoleChannelID, title, mode, "")
}

// save stores an article of feed, first stored at fetched, in story (0:
// a story of its own).
func (e *digestEnv) save(feed newsbot.Feed, story int64, title string, fetched time.Time, backlog bool) newsbot.Article {
	e.t.Helper()
	e.seq++
	a := newsbot.Article{
		FeedID: feed.ID, StoryID: story, DedupeKey: fmt.Sprintf("item-%d", e.seq),
		URL:   fmt.Sprintf("https://news.example/%d", e.seq),
		Title: title, Text: title + ". More of the article.",
		Summary:   []string{title + ".", "A second key sentence."},
		FetchedAt: fetched, Backlog: backlog,
	}
	saved, err := e.db.SaveBatch(e.ctx, []newsbot.Article{a})
	if err != nil || len(saved) != 1 {
		e.t.Fatalf("save %q: %v (%d saved)", title, err, len(saved))
	}
	return saved[0]
}

// run runs the due digests at the clock's time.
func (e *digestEnv) run() int {
	e.t.Helper()
	n, err := e.bot.RunDigests(e.ctx)
	if err != nil {
		e.t.Fatalf("RunDigests at %v = %v", e.clk.Now(), err)
	}
	return n
}

// newRows returns the outbox rows written since the last call, in order.
func (e *digestEnv) newRows() []newsbot.Delivery {
	e.t.Helper()
	ds, err := e.db.ClaimDeliveries(e.ctx, e.clk.Now(), 100*365*24*time.Hour, 10_000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

// digest is the console channel's schedule.
func (e *digestEnv) digest() newsbot.Digest {
	e.t.Helper()
	d, err := e.db.ChannelDigest(e.ctx, bot.ConsoleGuildID, bot.ConsoleChannelID)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func digestPayload(t *testing.T, d newsbot.Delivery) discordgo.MessageSend {
	t.Helper()
	var m discordgo.MessageSend
	if err := json.Unmarshal(d.Payload, &m); err != nil {
		t.Fatalf("payload of %s: %v", d.Key, err)
	}
	return m
}

// rowWindowEnd reads the window end from a digest row's key.
func rowWindowEnd(t *testing.T, d newsbot.Delivery) time.Time {
	t.Helper()
	parts := strings.Split(d.Key, ":")
	if len(parts) != 4 || parts[0] != "digest" {
		t.Fatalf("key %q is not digest:<channel>:<end>:<part>", d.Key)
	}
	ms, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		t.Fatalf("key %q: %v", d.Key, err)
	}
	return time.UnixMilli(ms).UTC()
}

func embedTitles(m discordgo.MessageSend) []string {
	var out []string
	for _, e := range m.Embeds {
		out = append(out, e.Title)
	}
	return out
}

func footerText(e *discordgo.MessageEmbed) string {
	if e.Footer == nil {
		return ""
	}
	return e.Footer.Text
}

func utc(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

func TestDigestGroupsAndRanksStories(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 5, 4, 6, 0))
	alpha := e.follow(bot.ConsoleGuildID, bot.ConsoleChannelID, "Alpha", newsbot.ModeDigest, "sport")
	bravo := e.feed("Bravo", newsbot.ModeDigest)
	charlie := e.feed("Charlie", newsbot.ModeDigest)
	delta := e.feed("Delta", newsbot.ModeInstant)                                // this channel, instant: not in the digest
	echo := e.follow("other-guild", "elsewhere", "Echo", newsbot.ModeDigest, "") // another guild's feed

	if out := e.exec(`/digest schedule cron:"0 8 * * *" timezone:UTC`); !strings.Contains(out, "Digest scheduled in #console") {
		t.Fatalf("/digest schedule = %q", out)
	}

	// Two feeds carry the central bank story; the storm story is carried
	// by a digest feed, this channel's instant feed and another guild's.
	x := e.save(bravo, 0, "Central bank holds rates", utc(2026, 5, 4, 7, 10), false)
	e.save(charlie, x.StoryID, "Rates left unchanged", utc(2026, 5, 4, 7, 20), false)
	w := e.save(alpha, 0, "Storm nears the coast", utc(2026, 5, 3, 9, 0), false)
	e.save(delta, w.StoryID, "Coast braces for storm", utc(2026, 5, 3, 10, 0), false)
	e.save(echo, w.StoryID, "Storm warning issued", utc(2026, 5, 3, 11, 0), false)
	e.save(alpha, 0, "Harbour reopens", utc(2026, 5, 4, 7, 50), false)
	e.save(bravo, 0, "Train delays", utc(2026, 5, 4, 7, 40), false)
	e.save(charlie, 0, "Bridge closes", utc(2026, 5, 4, 7, 40), false)
	e.save(charlie, 0, "Museum opens", utc(2026, 5, 4, 7, 30), false)
	// None of these belongs in the digest.
	e.save(alpha, 0, "Sport results", utc(2026, 5, 4, 7, 0), false)       // excluded by Alpha's filter
	e.save(delta, 0, "Delta only", utc(2026, 5, 4, 7, 0), false)          // an instant feed
	e.save(bravo, 0, "Old news", utc(2026, 5, 3, 7, 30), false)           // before the window
	e.save(bravo, 0, "Backlog item", utc(2026, 5, 4, 7, 0), true)         // backlog
	e.save(echo, 0, "Another guild's news", utc(2026, 5, 4, 7, 0), false) // not followed here
	late := e.save(bravo, 0, "Stored after the due time", utc(2026, 5, 4, 8, 3), false)

	// Run a few minutes late: the window still ends at 08:00.
	e.clk.Set(utc(2026, 5, 4, 8, 5))
	if n := e.run(); n != 1 {
		t.Fatalf("RunDigests = %d digests, want 1", n)
	}
	rows := e.newRows()
	if len(rows) != 1 {
		t.Fatalf("outbox rows = %d, want 1 message", len(rows))
	}
	r := rows[0]
	if want := bot.DigestKey(bot.ConsoleChannelID, utc(2026, 5, 4, 8, 0), 1); r.Key != want {
		t.Errorf("key = %q, want %q", r.Key, want)
	}
	if r.Kind != newsbot.DeliveryDigest || r.ChannelID != bot.ConsoleChannelID || r.GuildID != bot.ConsoleGuildID {
		t.Errorf("row = %s to %s/%s, want a digest to console/console", r.Kind, r.GuildID, r.ChannelID)
	}
	m := digestPayload(t, r)
	if want := "**Digest for Sun 3 May 08:00 – Mon 4 May 08:00 (UTC)** · 6 stories"; m.Content != want {
		t.Errorf("content = %q, want %q", m.Content, want)
	}
	wantTitles := []string{"Central bank holds rates", "Storm nears the coast", "Harbour reopens", "Train delays", "Bridge closes", "Museum opens"}
	if got := embedTitles(m); !slices.Equal(got, wantTitles) {
		t.Errorf("stories = %q, want %q", got, wantTitles)
	}
	wantAuthors := []string{"Bravo", "Alpha", "Alpha", "Bravo", "Charlie", "Charlie"}
	wantFooters := []string{"also: Charlie", "also: Delta", "", "", "", ""}
	for i, em := range m.Embeds {
		if i >= len(wantAuthors) {
			break
		}
		if em.Author == nil || em.Author.Name != wantAuthors[i] {
			t.Errorf("story %d source = %+v, want %q", i, em.Author, wantAuthors[i])
		}
		if footerText(em) != wantFooters[i] {
			t.Errorf("story %d footer = %q, want %q", i, footerText(em), wantFooters[i])
		}
		if !strings.HasPrefix(em.URL, "https://news.example/") || !strings.Contains(em.Description, "• A second key sentence.") {
			t.Errorf("story %d = link %q, text %q; want the article's link and its summary", i, em.URL, em.Description)
		}
	}
	if m.Embeds[0].URL != x.URL {
		t.Errorf("lead of the grouped story links %q, want the first report %q", m.Embeds[0].URL, x.URL)
	}
	if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(m.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed mentions = %+v, want none", m.AllowedMentions)
	}
	if !strings.Contains(string(r.Payload), `"allowed_mentions":{"parse":[],`) {
		t.Errorf("payload %s does not set allowed_mentions to parse nothing", r.Payload)
	}
	if e.wakes.Load() == 0 {
		t.Error("the sender was not woken after the digest was written")
	}
	d := e.digest()
	if !d.LastRunAt.Equal(utc(2026, 5, 4, 8, 0)) || !d.NextRunAt.Equal(utc(2026, 5, 5, 8, 0)) {
		t.Errorf("after the run: last %v, next %v; want last 08:00 today, next 08:00 tomorrow", d.LastRunAt, d.NextRunAt)
	}

	// Nothing more is due today.
	if n := e.run(); n != 0 || len(e.newRows()) != 0 {
		t.Errorf("second RunDigests = %d, want nothing more", n)
	}
	// Tomorrow's digest holds the article stored after today's window.
	e.clk.Set(utc(2026, 5, 5, 8, 0))
	if n := e.run(); n != 1 {
		t.Fatalf("RunDigests the next day = %d, want 1", n)
	}
	rows = e.newRows()
	if len(rows) != 1 {
		t.Fatalf("rows the next day = %d, want 1", len(rows))
	}
	if got := embedTitles(digestPayload(t, rows[0])); !slices.Equal(got, []string{late.Title}) {
		t.Errorf("next day's stories = %q, want only %q", got, late.Title)
	}
}

func TestDigestMaxAndMessageLimits(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 5, 4, 6, 0))
	feed := e.feed("Wire **Service** @everyone", newsbot.ModeDigest)
	if out := e.exec(`/digest schedule cron:"0 8 * * *" timezone:UTC max:50`); !strings.Contains(out, "up to 50 stories") {
		t.Fatalf("/digest schedule = %q", out)
	}
	long := strings.Repeat("word ", 90)
	for i := range 60 {
		a := newsbot.Article{
			FeedID: feed.ID, DedupeKey: fmt.Sprintf("long-%d", i), URL: fmt.Sprintf("https://news.example/long/%d", i),
			Title:     fmt.Sprintf("Story %02d *bold* _under_ @everyone <@123> %s", i, strings.Repeat("long title ", 30)),
			Summary:   []string{"First " + long, "Second " + long, "Third " + long},
			FetchedAt: utc(2026, 5, 4, 6, 0).Add(time.Duration(i) * time.Second),
		}
		if _, err := e.db.SaveBatch(e.ctx, []newsbot.Article{a}); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Set(utc(2026, 5, 4, 8, 0))
	if n := e.run(); n != 1 {
		t.Fatalf("RunDigests = %d, want 1", n)
	}
	rows := e.newRows()
	if len(rows) < 2 {
		t.Fatalf("rows = %d, want the digest split across several messages", len(rows))
	}
	stories := 0
	for i, r := range rows {
		if want := bot.DigestKey(bot.ConsoleChannelID, utc(2026, 5, 4, 8, 0), i+1); r.Key != want {
			t.Errorf("row %d key = %q, want %q", i, r.Key, want)
		}
		m := digestPayload(t, r)
		wantHead := fmt.Sprintf("**Digest for Sun 3 May 08:00 – Mon 4 May 08:00 (UTC)** · the top 50 of 60 stories (%d/%d)", i+1, len(rows))
		if m.Content != wantHead {
			t.Errorf("message %d content = %q, want %q", i+1, m.Content, wantHead)
		}
		if len(m.Embeds) > 10 {
			t.Errorf("message %d has %d embeds, want at most 10", i+1, len(m.Embeds))
		}
		total := 0
		for _, em := range m.Embeds {
			n := utf8.RuneCountInString(em.Title) + utf8.RuneCountInString(em.Description) + utf8.RuneCountInString(footerText(em))
			if em.Author != nil {
				n += utf8.RuneCountInString(em.Author.Name)
			}
			total += n
			if l := utf8.RuneCountInString(em.Title); l > 256 {
				t.Errorf("message %d: title of %d characters, want at most 256", i+1, l)
			}
			if l := utf8.RuneCountInString(em.Description); l > 4096 {
				t.Errorf("message %d: description of %d characters, want at most 4096", i+1, l)
			}
			if !strings.Contains(em.Title, `\*bold\*`) || !strings.Contains(em.Title, `\_under\_`) || !strings.Contains(em.Title, `\@everyone \<\@123\>`) {
				t.Errorf("title %q is not escaped", em.Title)
			}
			if em.Author == nil || em.Author.Name != "Wire **Service** @everyone" {
				t.Errorf("source = %+v, want the feed's title as plain text", em.Author)
			}
		}
		if total > 6000 {
			t.Errorf("message %d carries %d characters of embeds, want at most 6000", i+1, total)
		}
		if m.AllowedMentions == nil || len(m.AllowedMentions.Parse) != 0 {
			t.Errorf("message %d allowed mentions = %+v, want none", i+1, m.AllowedMentions)
		}
		stories += len(m.Embeds)
	}
	if stories != 50 {
		t.Errorf("stories across the messages = %d, want max 50", stories)
	}
	// Newest first: the last stored leads.
	if first := digestPayload(t, rows[0]).Embeds[0].Title; !strings.HasPrefix(first, "Story 59") {
		t.Errorf("first story = %.20q, want the newest, Story 59", first)
	}
}

func TestDigestEmptyPeriodSendsNothing(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 5, 4, 6, 0))
	feed := e.follow(bot.ConsoleGuildID, bot.ConsoleChannelID, "Alpha", newsbot.ModeDigest, "sport")
	e.exec(`/digest schedule cron:"0 8 * * *" timezone:UTC`)
	e.save(feed, 0, "Sport results", utc(2026, 5, 4, 7, 0), false) // filtered out
	e.save(feed, 0, "Old backlog", utc(2026, 5, 4, 7, 0), true)

	e.clk.Set(utc(2026, 5, 4, 8, 0))
	if n := e.run(); n != 0 {
		t.Errorf("RunDigests over an empty period = %d, want 0", n)
	}
	if rows := e.newRows(); len(rows) != 0 {
		t.Errorf("rows = %d, want none", len(rows))
	}
	if e.wakes.Load() != 0 {
		t.Error("the sender was woken for nothing")
	}
	d := e.digest()
	if !d.LastRunAt.Equal(utc(2026, 5, 4, 8, 0)) || !d.NextRunAt.Equal(utc(2026, 5, 5, 8, 0)) {
		t.Errorf("after an empty period: last %v, next %v; want the period closed and tomorrow due", d.LastRunAt, d.NextRunAt)
	}
}

func TestDigestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 5, 4, 7, 0))
	feed := e.feed("Alpha", newsbot.ModeDigest)
	e.exec(`/digest schedule cron:"0 8 * * *" timezone:UTC`)
	e.save(feed, 0, "Before the first digest", utc(2026, 5, 4, 7, 30), false)
	e.clk.Set(utc(2026, 5, 4, 8, 0))
	if n := e.run(); n != 1 || len(e.newRows()) != 1 {
		t.Fatalf("first digest: %d, want 1", n)
	}

	// Down for three days, back at 10:00: the runs of the 5th, 6th and
	// 7th were missed.
	e.save(feed, 0, "Day one", utc(2026, 5, 4, 12, 0), false)
	e.save(feed, 0, "Day two", utc(2026, 5, 5, 12, 0), false)
	e.save(feed, 0, "Day three", utc(2026, 5, 6, 12, 0), false)
	back := utc(2026, 5, 7, 10, 0)
	e.clk.Set(back)
	if n := e.run(); n != 1 {
		t.Fatalf("RunDigests after downtime = %d, want one catch-up digest", n)
	}
	rows := e.newRows()
	if len(rows) != 1 {
		t.Fatalf("catch-up rows = %d, want 1", len(rows))
	}
	if end := rowWindowEnd(t, rows[0]); !end.Equal(back) {
		t.Errorf("catch-up window ends %v, want now (%v)", end, back)
	}
	m := digestPayload(t, rows[0])
	if got, want := embedTitles(m), []string{"Day three", "Day two", "Day one"}; !slices.Equal(got, want) {
		t.Errorf("catch-up stories = %q, want %q", got, want)
	}
	if want := "**Digest for Mon 4 May 08:00 – Thu 7 May 10:00 (UTC)** · 3 stories"; m.Content != want {
		t.Errorf("catch-up header = %q, want %q", m.Content, want)
	}
	if d := e.digest(); !d.NextRunAt.Equal(utc(2026, 5, 8, 8, 0)) {
		t.Errorf("next run after the catch-up = %v, want the next to come, 8 May 08:00", d.NextRunAt)
	}
	if n := e.run(); n != 0 || len(e.newRows()) != 0 {
		t.Errorf("RunDigests again = %d, want no second catch-up", n)
	}

	// Down for ten days: the catch-up covers the last week only.
	e.save(feed, 0, "Ten days ago", utc(2026, 5, 8, 12, 0), false)
	e.save(feed, 0, "Three days ago", utc(2026, 5, 15, 12, 0), false)
	e.clk.Set(utc(2026, 5, 18, 10, 0))
	if n := e.run(); n != 1 {
		t.Fatalf("RunDigests after ten days = %d, want 1", n)
	}
	rows = e.newRows()
	if len(rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(rows))
	}
	if got := embedTitles(digestPayload(t, rows[0])); !slices.Equal(got, []string{"Three days ago"}) {
		t.Errorf("stories after ten days down = %q, want the last week's only", got)
	}
}

func TestDigestDaylightSaving(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cron  string
		start time.Time // local midnight, two days of steps before the change
		want  []time.Time
	}{
		{"spring forward, 08:00", "0 8 * * *", time.Date(2026, 3, 7, 0, 0, 0, 0, ny),
			[]time.Time{utc(2026, 3, 7, 13, 0), utc(2026, 3, 8, 12, 0), utc(2026, 3, 9, 12, 0)}},
		{"spring forward, 02:30 falls in the gap", "30 2 * * *", time.Date(2026, 3, 7, 0, 0, 0, 0, ny),
			// 02:30 EST; 02:30 does not exist on the 8th and runs at 03:30 EDT; 02:30 EDT.
			[]time.Time{utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)}},
		{"fall back, 08:00", "0 8 * * *", time.Date(2026, 10, 31, 0, 0, 0, 0, ny),
			[]time.Time{utc(2026, 10, 31, 12, 0), utc(2026, 11, 1, 13, 0), utc(2026, 11, 2, 13, 0)}},
		{"fall back, 01:30 happens twice", "30 1 * * *", time.Date(2026, 10, 31, 0, 0, 0, 0, ny),
			// 01:30 EDT; on the 1st the first 01:30 (EDT) only; 01:30 EST.
			[]time.Time{utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newDigestEnv(t, tt.start)
			feed := e.feed("Alpha", newsbot.ModeDigest)
			e.exec(`/digest schedule cron:"` + tt.cron + `" timezone:America/New_York`)
			if d := e.digest(); !d.NextRunAt.Equal(tt.want[0]) {
				t.Fatalf("first run = %v, want %v", d.NextRunAt, tt.want[0])
			}
			// Step through three days, 15 minutes at a time, with an
			// article every hour so that every run has news.
			var runs []time.Time
			for now := tt.start; now.Before(tt.start.Add(72 * time.Hour)); now = now.Add(15 * time.Minute) {
				e.clk.Set(now)
				if now.Minute() == 0 {
					e.save(feed, 0, "News at "+now.UTC().Format(time.RFC3339), now, false)
				}
				n := e.run()
				rows := e.newRows()
				if n != 0 && len(rows) == 0 || n == 0 && len(rows) != 0 {
					t.Fatalf("at %v: RunDigests = %d with %d rows", now, n, len(rows))
				}
				for _, r := range rows {
					if end := rowWindowEnd(t, r); !slices.Contains(runs, end) {
						runs = append(runs, end)
					}
				}
			}
			if !slices.EqualFunc(runs, tt.want, time.Time.Equal) {
				t.Errorf("digests ran at %v, want one a day at %v", runs, tt.want)
			}
		})
	}
}

func TestDigestRepeatedAfterACrash(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 5, 4, 7, 0))
	feed := e.feed("Alpha", newsbot.ModeDigest)
	e.exec(`/digest schedule cron:"0 8 * * *" timezone:UTC`)
	e.save(feed, 0, "Rates held", utc(2026, 5, 4, 7, 30), false)
	due := utc(2026, 5, 4, 8, 0)
	e.clk.Set(due)

	// Another process claims the digest and dies before finishing it.
	claimed, err := e.db.ClaimDueDigests(e.ctx, due, 5*time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimDueDigests = %d, %v; want the digest", len(claimed), err)
	}
	if n := e.run(); n != 0 || len(e.newRows()) != 0 {
		t.Fatalf("RunDigests while the lease holds = %d, want nothing", n)
	}
	// Its lease runs out; this process takes over.
	e.clk.Set(due.Add(6 * time.Minute))
	if n := e.run(); n != 1 {
		t.Fatalf("RunDigests after the lease = %d, want 1", n)
	}
	rows := e.newRows()
	if len(rows) != 1 || rows[0].Key != bot.DigestKey(bot.ConsoleChannelID, due, 1) {
		t.Fatalf("rows = %+v, want one message keyed by the due time", rows)
	}

	// A run that repeats the same window (as a process that lost its
	// lease and finishes late does) finds its keys taken.
	if err := e.db.FinishDigest(e.ctx, claimed[0].ID, claimed[0].LastRunAt, claimed[0].NextRunAt, nil); err != nil {
		t.Fatal(err)
	}
	e.clk.Set(due.Add(20 * time.Minute))
	e.run()
	if rows := e.newRows(); len(rows) != 0 {
		t.Errorf("repeated run wrote %d more rows (%s), want none", len(rows), rows[0].Key)
	}
	if _, err := e.db.Delivery(e.ctx, bot.DigestKey(bot.ConsoleChannelID, due, 2)); !errors.Is(err, newsbot.ErrNotFound) {
		t.Errorf("a second message of the digest exists: %v", err)
	}
}

func TestDigestWithABrokenScheduleIsPushedADay(t *testing.T) {
	t.Parallel()
	now := utc(2026, 5, 4, 8, 0)
	e := newDigestEnv(t, now)
	feed := e.feed("Alpha", newsbot.ModeDigest)
	if _, err := e.db.PutDigest(e.ctx, newsbot.Digest{GuildID: bot.ConsoleGuildID, ChannelID: "broken", Cron: "every morning",
		Timezone: "UTC", Max: 10, NextRunAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PutDigest(e.ctx, newsbot.Digest{GuildID: bot.ConsoleGuildID, ChannelID: bot.ConsoleChannelID, Cron: "0 8 * * *",
		Timezone: "UTC", Max: 10, NextRunAt: now}); err != nil {
		t.Fatal(err)
	}
	e.save(feed, 0, "Rates held", now.Add(-time.Hour), false)

	if n := e.run(); n != 1 {
		t.Errorf("RunDigests = %d, want the good digest sent despite the broken one", n)
	}
	if rows := e.newRows(); len(rows) != 1 || rows[0].ChannelID != bot.ConsoleChannelID {
		t.Errorf("rows = %+v, want one for the console channel", rows)
	}
	broken, err := e.db.ChannelDigest(e.ctx, bot.ConsoleGuildID, "broken")
	if err != nil {
		t.Fatal(err)
	}
	if !broken.NextRunAt.Equal(now.Add(24*time.Hour)) || !broken.LastRunAt.IsZero() {
		t.Errorf("broken digest: next %v, last %v; want pushed a day ahead, its window kept", broken.NextRunAt, broken.LastRunAt)
	}
	if n := e.run(); n != 0 {
		t.Errorf("RunDigests again = %d, want the broken digest not retried at once", n)
	}
}

func TestDigestCommands(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 3, 7, 14, 0)) // 09:00 in New York

	out := e.exec(`/digest show`)
	if !strings.Contains(out, "No digest is scheduled in #console") {
		t.Errorf("/digest show before any = %q", out)
	}
	out = e.exec(`/digest schedule cron:"0 8 * * *" timezone:America/New_York max:3`)
	for _, want := range []string{
		"Digest scheduled in #console: `0 8 * * *` in America/New_York, up to 3 stories.",
		// The 8th is the day clocks spring forward: EDT. (The console
		// shows the reader's half of the line in UTC.)
		"Next digest: Sun 8 Mar 2026 12:00 UTC, that is Sun 8 Mar 2026 08:00 EDT in America/New_York.",
		"No feed is followed in #console yet",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/digest schedule = %q, want %q", out, want)
		}
	}
	d := e.digest()
	if d.Max != 3 || d.Timezone != "America/New_York" || d.Cron != "0 8 * * *" || d.CreatedBy != bot.ConsoleUserID ||
		!d.NextRunAt.Equal(time.Unix(1772971200, 0)) {
		t.Errorf("stored digest = %+v", d)
	}

	alpha := e.feed("Alpha", newsbot.ModeDigest)
	e.feed("Bravo", newsbot.ModeInstant)
	out = e.exec(`/digest show`)
	for _, want := range []string{
		"Digest of #console: `0 8 * * *` in America/New_York, up to 3 stories.",
		"Next digest: Sun 8 Mar 2026 12:00 UTC, that is Sun 8 Mar 2026 08:00 EDT in America/New_York.",
		"Last digest: none yet",
		"Feeds (in digest mode): Alpha.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/digest show = %q, want %q", out, want)
		}
	}

	// /digest now with nothing new.
	out = e.exec(`/digest now`)
	if !strings.Contains(out, "Nothing new in #console since Fri 6 Mar 2026 14:00 UTC, that is Fri 6 Mar 2026 09:00 EST in America/New_York; nothing was sent.") {
		t.Errorf("/digest now over an empty window = %q", out)
	}
	if rows := e.newRows(); len(rows) != 0 {
		t.Errorf("/digest now over an empty window wrote %d rows", len(rows))
	}

	// /digest now sends the news and closes the window.
	e.save(alpha, 0, "Rates held", utc(2026, 3, 7, 11, 0), false)
	e.save(alpha, 0, "Storm passes", utc(2026, 3, 7, 11, 30), false)
	out = e.exec(`/digest now`)
	if !strings.Contains(out, "Sending the digest to #console: 2 stories since") || !strings.Contains(out, "in 1 message") {
		t.Errorf("/digest now = %q, want 2 stories sent", out)
	}
	rows := e.newRows()
	if len(rows) != 1 || rows[0].Key != bot.DigestKey(bot.ConsoleChannelID, utc(2026, 3, 7, 14, 0), 1) {
		t.Fatalf("rows after /digest now = %+v, want one keyed by now", rows)
	}
	if got := embedTitles(digestPayload(t, rows[0])); !slices.Equal(got, []string{"Storm passes", "Rates held"}) {
		t.Errorf("/digest now stories = %q", got)
	}
	if d := e.digest(); !d.LastRunAt.Equal(utc(2026, 3, 7, 14, 0)) || !d.NextRunAt.Equal(time.Unix(1772971200, 0)) {
		t.Errorf("after /digest now: last %v, next %v; want the window closed, the next run unchanged", d.LastRunAt, d.NextRunAt)
	}
	out = e.exec(`/digest show`)
	if !strings.Contains(out, "Last digest: up to Sat 7 Mar 2026 14:00 UTC, that is Sat 7 Mar 2026 09:00 EST in America/New_York; the next covers what arrived since.") {
		t.Errorf("/digest show after /digest now = %q", out)
	}

	// The scheduled digest starts where /digest now ended.
	e.save(alpha, 0, "Evening news", utc(2026, 3, 7, 20, 0), false)
	for _, title := range []string{"Night one", "Night two", "Night three"} {
		e.save(alpha, 0, title, utc(2026, 3, 8, 1, 0), false)
	}
	e.clk.Set(time.Unix(1772971200, 0))
	if n := e.run(); n != 1 {
		t.Fatalf("scheduled digest = %d, want 1", n)
	}
	rows = e.newRows()
	if len(rows) != 1 {
		t.Fatalf("scheduled rows = %d, want 1", len(rows))
	}
	m := digestPayload(t, rows[0])
	if len(m.Embeds) != 3 || slices.Contains(embedTitles(m), "Rates held") || !strings.Contains(m.Content, "the top 3 of 4 stories") {
		t.Errorf("scheduled digest = %q with %q, want the top 3 of the 4 new stories", m.Content, embedTitles(m))
	}
	if !strings.Contains(m.Content, "Sat 7 Mar 09:00 – Sun 8 Mar 08:00 (America/New\\_York)") {
		t.Errorf("header = %q, want the period in New York time", m.Content)
	}

	// Off, and off again.
	if out := e.exec(`/digest off`); !strings.Contains(out, "Stopped the digest of #console.") {
		t.Errorf("/digest off = %q", out)
	}
	if _, err := e.db.ChannelDigest(e.ctx, bot.ConsoleGuildID, bot.ConsoleChannelID); !errors.Is(err, newsbot.ErrNotFound) {
		t.Errorf("digest after /digest off: %v, want it gone", err)
	}
	if out := e.exec(`/digest off`); !strings.Contains(out, "No digest is scheduled in #console, so nothing was changed") {
		t.Errorf("second /digest off = %q", out)
	}

	// /digest now with no schedule covers the last 24 hours.
	e.clk.Set(utc(2026, 3, 9, 12, 0))
	e.save(alpha, 0, "Yesterday morning", utc(2026, 3, 8, 11, 0), false)
	e.save(alpha, 0, "This morning", utc(2026, 3, 9, 11, 0), false)
	out = e.exec(`/digest now`)
	if !strings.Contains(out, "Sending the digest to #console: 1 story since Sun 8 Mar 2026 12:00 UTC, that is Sun 8 Mar 2026 12:00 UTC, in 1 message.") {
		t.Errorf("/digest now without a schedule = %q, want the last 24 hours", out)
	}
	rows = e.newRows()
	if len(rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(rows))
	}
	if got := embedTitles(digestPayload(t, rows[0])); !slices.Equal(got, []string{"This morning"}) {
		t.Errorf("stories = %q, want the last 24 hours' only", got)
	}
}

func TestDigestScheduleBadInput(t *testing.T) {
	t.Parallel()
	e := newDigestEnv(t, utc(2026, 5, 4, 6, 0))
	tests := []struct {
		name, line, want string
	}{
		{"cron that never fires", `/digest schedule cron:"0 0 30 2 *" timezone:UTC`, `never fires`},
		{"cron with a bad field", `/digest schedule cron:"61 8 * * *" timezone:UTC`, `the minute field "61" is not valid`},
		{"cron with too few fields", `/digest schedule cron:"0 8 *" timezone:UTC`, `has 3 fields`},
		{"cron more often than every 15 minutes", `/digest schedule cron:"*/5 * * * *" timezone:UTC`, `the most often allowed is every 15 minutes`},
		{"unknown descriptor", `/digest schedule cron:@fortnightly timezone:UTC`, `is not a known shortcut`},
		{"unknown time zone", `/digest schedule cron:"0 8 * * *" timezone:Mars/Olympus_Mons`, `time zone "Mars/Olympus_Mons"`},
		{"server's local zone", `/digest schedule cron:"0 8 * * *" timezone:Local`, `time zone "Local"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := e.exec(tt.line)
			if !strings.Contains(out, tt.want) {
				t.Errorf("%s = %q, want a sentence with %q", tt.line, out, tt.want)
			}
			if strings.Count(strings.TrimSpace(out), "\n") != 0 || strings.Contains(out, "went wrong") {
				t.Errorf("%s = %q, want one sentence, not an internal error", tt.line, out)
			}
		})
	}
	if _, err := e.db.ChannelDigest(e.ctx, bot.ConsoleGuildID, bot.ConsoleChannelID); !errors.Is(err, newsbot.ErrNotFound) {
		t.Errorf("digest after bad input: %v, want nothing stored", err)
	}
}
