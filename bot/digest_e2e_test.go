package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/bot/discordtest"
)

// newDigestWorld is a world whose bot and store run on a fixed clock.
func newDigestWorld(t *testing.T, clk *testClock) *world {
	t.Helper()
	w := &world{site: newsSite(t)}
	var web testWeb
	w.db, web = newDeps(t, false)
	w.db.Now = clk.Now
	w.srv = discordtest.New(t)
	dg := w.srv.Session(t)
	w.bot = bot.New(bot.Config{
		Store: w.db, Web: web, GuildID: w.srv.GuildID(), Secret: []byte(w.srv.Token()), Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	runBot(t, w.srv, w.bot, dg, guildCommands)
	return w
}

func TestDigestThroughDiscord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: utc(2026, 5, 4, 5, 0)} // 07:00 in Paris
	w := newDigestWorld(t, clk)
	channel := w.srv.ChannelID()

	// Bad input is refused with a sentence, and nothing is stored.
	schedule := func(opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
		return discordtest.Subcommand("schedule", opts...)
	}
	daily := []*discordgo.ApplicationCommandInteractionDataOption{
		discordtest.StringOption("cron", "0 8 * * *"), discordtest.StringOption("timezone", "Europe/Paris"),
	}
	tests := []struct {
		name string
		from discordtest.Invoke
		sub  *discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{"member without Manage Channels", discordtest.Invoke{}, schedule(daily...), "Scheduling a digest needs the Manage Channels permission"},
		{"max too small", admin, schedule(append(daily, discordtest.IntegerOption("max", 0))...), "Max: 0 is out of range; give 1 to 50 stories."},
		{"max too large", admin, schedule(append(daily, discordtest.IntegerOption("max", 51))...), "Max: 51 is out of range; give 1 to 50 stories."},
		{"cron that never fires", admin, schedule(discordtest.StringOption("cron", "0 0 30 2 *"), discordtest.StringOption("timezone", "UTC")), "never fires"},
		{"unknown time zone", admin, schedule(discordtest.StringOption("cron", "0 8 * * *"), discordtest.StringOption("timezone", "Europe/Atlantis")), `Unknown time zone "Europe/Atlantis"`},
		{"digest now without Manage Channels", discordtest.Invoke{}, discordtest.Subcommand("now"), "needs the Manage Channels permission"},
		{"digest off without a digest", admin, discordtest.Subcommand("off"), "No digest is scheduled in <#" + channel + ">, so nothing was changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m := w.run(t, tt.from, "digest", tt.sub)
			if !strings.Contains(m.Content, tt.want) || !ephemeral(m) {
				t.Errorf("answer = %q (ephemeral %v), want an ephemeral sentence with %q", m.Content, ephemeral(m), tt.want)
			}
		})
	}
	if _, err := w.db.ChannelDigest(ctx, w.srv.GuildID(), channel); !errors.Is(err, newsbot.ErrNotFound) {
		t.Fatalf("digest after bad input: %v, want none stored", err)
	}

	// Two feeds in digest mode, and a schedule.
	w.addFeed(t, admin, "/world.xml", discordtest.StringOption("mode", "digest"))
	w.addFeed(t, admin, "/wire.xml", discordtest.StringOption("mode", "digest"))
	_, m := w.run(t, admin, "digest", schedule(append(daily, discordtest.IntegerOption("max", 5))...))
	for _, want := range []string{
		"Digest scheduled in <#" + channel + ">: `0 8 * * *` in Europe/Paris, up to 5 stories.",
		"Next digest: <t:1777874400:F>, that is Mon 4 May 2026 08:00 CEST in Europe/Paris.",
		"It gathers the stories of 2 feeds in digest mode",
	} {
		if !strings.Contains(m.Content, want) || !ephemeral(m) {
			t.Errorf("/digest schedule = %q (ephemeral %v), want an ephemeral %q", m.Content, ephemeral(m), want)
		}
	}
	_, m = w.run(t, discordtest.Invoke{}, "digest", discordtest.Subcommand("show"))
	for _, want := range []string{"Next digest: <t:1777874400:F>", "Feeds (in digest mode): **World Desk**, **Wire \\*Service\\***."} {
		if !strings.Contains(m.Content, want) {
			t.Errorf("/digest show by a member = %q, want %q", m.Content, want)
		}
	}

	// The poller stores new articles: one story carried by both feeds.
	feeds, err := w.db.GuildFeeds(ctx, w.srv.GuildID())
	if err != nil || len(feeds) != 2 {
		t.Fatalf("guild feeds = %d, %v; want 2", len(feeds), err)
	}
	wire, world := feeds[0], feeds[1]
	saved, err := w.db.SaveBatch(ctx, []newsbot.Article{
		{FeedID: world.ID, StoryID: -1, DedupeKey: "d1", URL: "https://news.example/talks", Title: "Ceasefire talks resume",
			Summary: []string{"Negotiators met again in Geneva.", "Both sides sent delegations."}, FetchedAt: utc(2026, 5, 4, 5, 10)},
		{FeedID: wire.ID, StoryID: -1, DedupeKey: "d2", URL: "https://wire.example/talks", Title: "Talks on a ceasefire restart",
			Summary: []string{"Delegations met in Geneva."}, FetchedAt: utc(2026, 5, 4, 5, 20)},
		{FeedID: wire.ID, DedupeKey: "d3", URL: "https://wire.example/rates", Title: "Rates *held* @everyone",
			Summary: []string{"The central bank held rates."}, FetchedAt: utc(2026, 5, 4, 5, 40)},
	})
	if err != nil || len(saved) != 3 {
		t.Fatalf("SaveBatch = %d, %v", len(saved), err)
	}

	clk.Set(utc(2026, 5, 4, 6, 0))
	if n, err := w.bot.RunDigests(ctx); n != 1 || err != nil {
		t.Fatalf("RunDigests = %d, %v; want 1 digest", n, err)
	}
	sender := bot.NewSender(bot.SenderConfig{Store: w.db, Transport: bot.NewDiscordTransport(w.srv.Session(t)), Now: clk.Now})
	if n, err := sender.Drain(ctx); n != 1 || err != nil {
		t.Fatalf("Drain = %d, %v; want the digest's 1 message sent", n, err)
	}
	msgs := w.srv.Messages(channel)
	if len(msgs) != 1 {
		t.Fatalf("channel messages = %d, want 1", len(msgs))
	}
	got := msgs[0]
	if want := "**Digest for Sun 3 May 08:00 – Mon 4 May 08:00 (Europe/Paris)** · 2 stories"; got.Content != want {
		t.Errorf("digest content = %q, want %q", got.Content, want)
	}
	if len(got.Embeds) != 2 {
		t.Fatalf("digest embeds = %d, want 2 stories", len(got.Embeds))
	}
	lead := got.Embeds[0]
	if lead.Title != "Ceasefire talks resume" || lead.URL != "https://news.example/talks" || lead.Author == nil || lead.Author.Name != "World Desk" ||
		lead.Footer == nil || lead.Footer.Text != "also: Wire *Service*" || !strings.Contains(lead.Description, "• Negotiators met again in Geneva.") {
		t.Errorf("first story = %+v, want the ceasefire story from World Desk, also Wire *Service*", lead)
	}
	if second := got.Embeds[1]; second.Title != `Rates \*held\* \@everyone` || second.Footer != nil {
		t.Errorf("second story = %q (footer %+v), want the escaped rates story with no other source", second.Title, second.Footer)
	}
	var body struct {
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	reqs := w.srv.RequestsTo("POST", "/api/v9/channels/"+channel+"/messages")
	if len(reqs) != 1 {
		t.Fatalf("message requests = %d, want 1", len(reqs))
	}
	if err := json.Unmarshal(reqs[0].JSON(), &body); err != nil || body.AllowedMentions == nil || body.AllowedMentions.Parse == nil || len(body.AllowedMentions.Parse) != 0 {
		t.Errorf("digest request allowed_mentions = %+v (%v), want parse: []", body.AllowedMentions, err)
	}

	// The next run is tomorrow; nothing more now.
	if n, err := w.bot.RunDigests(ctx); n != 0 || err != nil {
		t.Errorf("RunDigests again = %d, %v; want nothing", n, err)
	}
	if n, err := sender.Drain(ctx); n != 0 || err != nil {
		t.Errorf("Drain again = %d, %v; want nothing", n, err)
	}
	_, m = w.run(t, admin, "digest", discordtest.Subcommand("show"))
	if !strings.Contains(m.Content, "Next digest: <t:1777960800:F>, that is Tue 5 May 2026 08:00 CEST in Europe/Paris.") {
		t.Errorf("/digest show after the run = %q, want tomorrow 08:00", m.Content)
	}
	_, m = w.run(t, admin, "digest", discordtest.Subcommand("now"))
	if !strings.Contains(m.Content, "Nothing new in <#"+channel+"> since <t:1777874400:F>") {
		t.Errorf("/digest now right after the digest = %q, want nothing new", m.Content)
	}
	_, m = w.run(t, admin, "digest", discordtest.Subcommand("off"))
	if !strings.Contains(m.Content, "Stopped the digest of <#"+channel+">.") {
		t.Errorf("/digest off = %q", m.Content)
	}
	if len(w.srv.Messages(channel)) != 1 {
		t.Errorf("channel messages at the end = %d, want the one digest", len(w.srv.Messages(channel)))
	}
}

// TestDigestAcrossDSTAndDowntimeThroughDiscord schedules digests by slash
// command and steps a fixed clock through the days daylight-saving time
// starts and ends in New York, then through a downtime: each day gets
// exactly one digest in the channel, at its wall-clock time (or the first
// instant after a skipped one), and the downtime one catch-up digest.
func TestDigestAcrossDSTAndDowntimeThroughDiscord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: utc(2026, 3, 7, 0, 0)}
	w := newDigestWorld(t, clk)
	channel := w.srv.ChannelID()
	w.addFeed(t, admin, "/world.xml", discordtest.StringOption("mode", "digest"))
	feeds, err := w.db.GuildFeeds(ctx, w.srv.GuildID())
	if err != nil || len(feeds) != 1 {
		t.Fatalf("guild feeds = %d, %v", len(feeds), err)
	}
	sender := bot.NewSender(bot.SenderConfig{Store: w.db, Transport: bot.NewDiscordTransport(w.srv.Session(t)), Now: clk.Now})
	schedule := func(cron string) {
		t.Helper()
		_, m := w.run(t, admin, "digest", discordtest.Subcommand("schedule",
			discordtest.StringOption("cron", cron), discordtest.StringOption("timezone", "America/New_York")))
		if !strings.Contains(m.Content, "Digest scheduled") {
			t.Fatalf("/digest schedule %s = %q", cron, m.Content)
		}
	}
	// step moves the clock by d up to end, storing an article every hour
	// and running digests and the sender at each step; it returns the
	// instants at which a digest reached the channel.
	article := 0
	step := func(d time.Duration, end time.Time) []time.Time {
		t.Helper()
		var sent []time.Time
		for now := clk.Now().Add(d); !now.After(end); now = now.Add(d) {
			clk.Set(now)
			if now.Minute() == 0 {
				article++
				key := fmt.Sprintf("a%d", article)
				if _, err := w.db.SaveBatch(ctx, []newsbot.Article{{FeedID: feeds[0].ID, StoryID: -1, DedupeKey: key,
					URL: "https://news.example/" + key, Title: "Hourly news " + key, Summary: []string{"News."}, FetchedAt: now}}); err != nil {
					t.Fatal(err)
				}
			}
			before := len(w.srv.Messages(channel))
			if _, err := w.bot.RunDigests(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := sender.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			for range len(w.srv.Messages(channel)) - before {
				sent = append(sent, now)
			}
		}
		return sent
	}
	check := func(what string, got []time.Time, want ...time.Time) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: digests at %v, want at %v", what, got, want)
		}
		for i := range got {
			if !got[i].Equal(want[i]) {
				t.Errorf("%s: digest %d at %v, want %v", what, i, got[i], want[i])
			}
		}
	}

	// 02:30 does not exist on 8 March: that digest comes at 03:30 EDT.
	schedule("30 2 * * *")
	check("spring forward, 30 2 * * *", step(15*time.Minute, utc(2026, 3, 10, 0, 0)),
		utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30))

	// 01:30 happens twice on 1 November: one digest, at the first.
	clk.Set(utc(2026, 10, 31, 0, 0))
	schedule("30 1 * * *")
	check("fall back, 30 1 * * *", step(15*time.Minute, utc(2026, 11, 3, 0, 0)),
		utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30))

	// Down from 3 November 00:00 to 6 November 12:00: three runs missed,
	// one catch-up digest, then the schedule as before.
	clk.Set(utc(2026, 11, 6, 11, 0))
	check("catch-up", step(time.Hour, utc(2026, 11, 6, 12, 0)), utc(2026, 11, 6, 12, 0))
	check("after the catch-up", step(15*time.Minute, utc(2026, 11, 8, 0, 0)), utc(2026, 11, 7, 6, 30))
	msgs := w.srv.Messages(channel)
	if catchUp := msgs[len(msgs)-2].Content; !strings.Contains(catchUp, `Digest for Mon 2 Nov 01:30 – Fri 6 Nov 07:00 (America/New\_York)`) {
		t.Errorf("catch-up digest = %q, want one digest from the last run to now", catchUp)
	}
}
