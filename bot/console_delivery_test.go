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

// TestConsolePrintsDeliveriesAndPressesTheirButtons runs the whole
// delivery path in console mode: a post and a DM print, and the DM's
// Unsubscribe button is pressed by typing "click N".
func TestConsolePrintsDeliveriesAndPressesTheirButtons(t *testing.T) {
	f := newRouteFixture(t)
	ctx := context.Background()
	var out bytes.Buffer
	c := f.bot.NewConsole(strings.NewReader(""), &out)
	sender := bot.NewSender(bot.SenderConfig{Store: f.db, Transport: c.Transport(), Now: func() time.Time { return f.now }})

	wire := f.feed(t, "https://wire.example/feed", "Wire")
	f.follow(t, newsbot.Follow{GuildID: bot.ConsoleGuildID, ChannelID: bot.ConsoleChannelID, FeedID: wire.ID})
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
	if n, err := sender.Drain(ctx); err != nil || n != 2 {
		t.Fatalf("Drain = %d, %v; want the post and the DM", n, err)
	}
	printed := out.String()
	for _, want := range []string{"[post in #" + bot.ConsoleChannelID + "]", "[DM to user " + bot.ConsoleUserID + "]", "Harbour reopens", "type click 1"} {
		if !strings.Contains(printed, want) {
			t.Errorf("console printed %q, want %q in it", printed, want)
		}
	}
	var button string
	for _, l := range strings.Split(printed, "\n") {
		if strings.Contains(l, "Unsubscribe") {
			button = l
		}
	}
	n := strings.Index(button, "type click ")
	if n < 0 {
		t.Fatalf("no Unsubscribe button printed: %q", printed)
	}
	click := strings.TrimSuffix(button[n+len("type "):], "]")
	click = click[:strings.IndexByte(click+"]", ']')]
	c.Exec(ctx, click)
	subs, err := f.db.UserSubscriptions(ctx, bot.ConsoleGuildID, bot.ConsoleUserID)
	if err != nil || len(subs) != 0 {
		t.Errorf("subscriptions after %q = %+v, %v; want none", click, subs, err)
	}
}
