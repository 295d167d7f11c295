package bot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"newsbot"
	"newsbot/bot"
)

// harbourDM sets up console mode with a feed the console's channel
// follows in mode, subscribes the console user to "harbour", stores a
// matching article and sends what it causes; it returns the fixture,
// the console, what the sending printed, and how many messages went.
func harbourDM(t *testing.T, mode newsbot.Mode) (*routeFixture, *bot.Console, *bytes.Buffer, int) {
	t.Helper()
	f := newRouteFixture(t)
	ctx := context.Background()
	out := &bytes.Buffer{}
	c := f.bot.NewConsole(strings.NewReader(""), out)
	sender := bot.NewSender(bot.SenderConfig{Store: f.db, Transport: c.Transport(), Now: func() time.Time { return f.now }})
	wire := f.feed(t, "https://wire.example/feed", "Wire")
	f.follow(t, newsbot.Follow{GuildID: bot.ConsoleGuildID, ChannelID: bot.ConsoleChannelID, FeedID: wire.ID, Mode: mode})
	c.Exec(ctx, "/subscribe topic:harbour")
	if !strings.Contains(out.String(), "Subscribed to “harbour”") {
		t.Fatalf("/subscribe printed %q", out.String())
	}
	f.save(t, wire, art("h", "Harbour reopens", "The harbour reopened after the storm."))
	f.route(t)
	if _, err := f.bot.RunDMs(ctx); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	n, err := sender.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return f, c, out, n
}

// TestConsolePrintsDeliveriesAndPressesTheirButtons runs the whole
// delivery path in console mode: a post and a DM print, and the DM's
// Unsubscribe button is pressed by typing "click N".
func TestConsolePrintsDeliveriesAndPressesTheirButtons(t *testing.T) {
	f, c, out, n := harbourDM(t, newsbot.ModeInstant)
	ctx := context.Background()
	if n != 2 {
		t.Fatalf("Drain = %d, want the post and the DM", n)
	}
	printed := out.String()
	for _, want := range []string{"[post in #" + bot.ConsoleChannelID + "]", "[DM to user " + bot.ConsoleUserID + "]", "Harbour reopens", "type click 1"} {
		if !strings.Contains(printed, want) {
			t.Errorf("console printed %q, want %q in it", printed, want)
		}
	}
	click := buttonCommand(t, printed, "Unsubscribe")
	c.Exec(ctx, click)
	subs, err := f.db.UserSubscriptions(ctx, bot.ConsoleGuildID, bot.ConsoleUserID)
	if err != nil || len(subs) != 0 {
		t.Errorf("subscriptions after %q = %+v, %v; want none", click, subs, err)
	}
}

// buttonCommand returns what to type to press the button whose label
// starts with label, from the console's printed text.
func buttonCommand(t *testing.T, printed, label string) string {
	t.Helper()
	i := strings.LastIndex(printed, "["+label)
	if i < 0 {
		t.Fatalf("no button %q in %q", label, printed)
	}
	rest := printed[i:]
	rest = rest[:strings.IndexByte(rest, ']')]
	_, cmd, ok := strings.Cut(rest, ": type ")
	if !ok {
		t.Fatalf("button %q has no command: %q", label, rest)
	}
	return cmd
}

func TestMuteFromADMAndUnmuteFromTheList(t *testing.T) {
	f, c, out, _ := harbourDM(t, newsbot.ModeDigest)
	ctx := context.Background()
	c.Exec(ctx, buttonCommand(t, out.String(), "Mute Wire"))
	if muted, _ := f.db.MutedFeeds(ctx, bot.ConsoleUserID); len(muted) != 1 {
		t.Fatalf("muted after the Mute button = %+v, want Wire", muted)
	}
	out.Reset()
	c.Exec(ctx, "/subscriptions")
	if !strings.Contains(out.String(), "Muted sources (their articles never reach your DMs): Wire.") {
		t.Errorf("/subscriptions = %q, want the muted source listed", out.String())
	}
	c.Exec(ctx, buttonCommand(t, out.String(), "Unmute Wire"))
	if muted, _ := f.db.MutedFeeds(ctx, bot.ConsoleUserID); len(muted) != 0 {
		t.Errorf("muted after Unmute = %+v, want none", muted)
	}
	if !strings.Contains(out.String(), "Unmuted Wire: its articles reach your DMs again") {
		t.Errorf("console = %q, want the list updated with the unmute", out.String())
	}
}
