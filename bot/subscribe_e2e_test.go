package bot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/bot/discordtest"
)

// subscribeE2EMatches records, as the router does, that the articles of
// the guild's feeds matching words matched a subscription.
func subscribeE2EMatches(t *testing.T, w *world, s newsbot.Subscription, words string, n int) int {
	t.Helper()
	ctx := context.Background()
	hits, err := w.db.Search(ctx, newsbot.Query{Words: strings.Fields(words), GuildID: s.GuildID, Limit: n})
	if err != nil || len(hits) == 0 {
		t.Fatalf("search %q: %d hits, %v", words, len(hits), err)
	}
	var ms []newsbot.Match
	var to int64
	for _, h := range hits {
		ms = append(ms, newsbot.Match{SubscriptionID: s.ID, UserID: s.UserID, GuildID: s.GuildID,
			ArticleID: h.Article.ID, StoryID: h.Article.StoryID, MatchedAt: time.Now()})
		to = max(to, h.Article.ID)
	}
	if _, err := w.db.CommitRoute(ctx, "test", to, nil, ms); err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// subscribeE2E subscribes a user through the fake Discord and returns the
// subscription stored.
func subscribeE2E(t *testing.T, w *world, from discordtest.Invoke, topic string) newsbot.Subscription {
	t.Helper()
	_, m := w.run(t, from, "subscribe", discordtest.StringOption("topic", topic))
	if !ephemeral(m) || !strings.HasPrefix(m.Content, "Subscribed to “"+topic+"”: newsbot DMs you") {
		t.Fatalf("/subscribe %s = %q (ephemeral %v), want an ephemeral confirmation", topic, m.Content, ephemeral(m))
	}
	user := from.UserID
	if user == "" {
		user = w.srv.UserID()
	}
	subs, err := w.db.UserSubscriptions(context.Background(), w.srv.GuildID(), user)
	if err != nil || len(subs) != 1 || subs[0].Topic != topic {
		t.Fatalf("subscriptions of %s = %+v, %v; want %q", user, subs, err, topic)
	}
	return subs[0]
}

// dmButtons returns a DM's buttons by label.
func dmButtons(m *discordgo.Message) map[string]string {
	out := map[string]string{}
	for _, c := range m.Components {
		if row, ok := c.(*discordgo.ActionsRow); ok {
			for _, in := range row.Components {
				if b, ok := in.(*discordgo.Button); ok {
					out[b.Label] = b.CustomID
				}
			}
		}
	}
	return out
}

func TestSubscriptionDMsEndToEnd(t *testing.T) {
	t.Parallel()
	// Registered before the world, so it runs after the bot has stopped
	// and every answer in progress has been sent.
	var afterStop []func()
	t.Cleanup(func() {
		for _, f := range afterStop {
			f()
		}
	})
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	w.addFeed(t, admin, "/world.xml")
	sender := bot.NewSender(bot.SenderConfig{
		Store:     w.db,
		Transport: bot.NewDiscordTransport(w.srv.Session(t)),
		OnGone: func(ctx context.Context, d newsbot.Delivery, reason string) {
			// As the wiring does: a refused DM pauses the user's topics.
			if d.Kind == newsbot.DeliveryDM {
				if err := w.db.PauseSubscriptions(ctx, d.UserID, reason, time.Now()); err != nil {
					t.Error(err)
				}
			}
		},
	})

	// Subscribe, match, DM, send: the DM arrives with its buttons.
	sub := subscribeE2E(t, w, discordtest.Invoke{}, "ceasefire")
	n := subscribeE2EMatches(t, w, sub, "ceasefire", 3)
	if got, err := w.bot.RunDMs(ctx); got != 1 || err != nil {
		t.Fatalf("RunDMs = %d, %v; want 1 DM", got, err)
	}
	if got, err := sender.Drain(ctx); got != 1 || err != nil {
		t.Fatalf("Drain = %d, %v; want the DM sent", got, err)
	}
	dms := w.srv.Messages(w.srv.DMChannelID(w.srv.UserID()))
	if len(dms) != 1 {
		t.Fatalf("DM channel holds %d messages, want 1", len(dms))
	}
	dm := dms[0]
	if len(dm.Embeds) != n || !strings.Contains(dm.Content, "match “ceasefire”") || dm.Embeds[0].Author.Name != "World Desk" {
		t.Errorf("DM = %q with %d embeds, want the %d matches of “ceasefire” from World Desk", text(dm), len(dm.Embeds), n)
	}
	btns := dmButtons(dm)
	unsubscribe, mute := btns["Unsubscribe from “ceasefire”"], btns["Mute World Desk"]
	if unsubscribe == "" || mute == "" || len(btns) != 2 {
		t.Fatalf("DM buttons = %v, want Unsubscribe and Mute", btns)
	}

	// Clicking Unsubscribe in the DM removes the subscription.
	ix := w.srv.ButtonClick(t, discordtest.Invoke{}, dm.ID, unsubscribe)
	if ix.GuildID != "" {
		t.Errorf("the click came from guild %q, want the DM", ix.GuildID)
	}
	m := answer(t, w.reply(t, ix))
	if !ephemeral(m) || !strings.HasPrefix(m.Content, "Unsubscribed from “ceasefire”") {
		t.Errorf("Unsubscribe answered %q (ephemeral %v), want an ephemeral confirmation", m.Content, ephemeral(m))
	}
	if subs, err := w.db.UserSubscriptions(ctx, w.srv.GuildID(), w.srv.UserID()); len(subs) != 0 || err != nil {
		t.Errorf("subscriptions after Unsubscribe = %+v, %v; want none", subs, err)
	}

	// Refused: Discord answers 50007, the user's topics pause, and the
	// next command they use tells them, once.
	bob := discordtest.Invoke{UserID: "1200000000000000042"}
	sub = subscribeE2E(t, w, bob, "ceasefire")
	subscribeE2EMatches(t, w, sub, "ceasefire", 2)
	if got, err := w.bot.RunDMs(ctx); got != 1 || err != nil {
		t.Fatalf("RunDMs for bob = %d, %v; want 1 DM", got, err)
	}
	w.srv.FailNext("POST", "/api/v9/channels/"+w.srv.DMChannelID(bob.UserID)+"/messages", 1,
		discordtest.Fault{Status: http.StatusForbidden, Code: 50007})
	if got, err := sender.Drain(ctx); got != 0 || err != nil {
		t.Fatalf("Drain of the refused DM = %d, %v; want 0 sent", got, err)
	}
	subs, err := w.db.UserSubscriptions(ctx, w.srv.GuildID(), bob.UserID)
	if err != nil || len(subs) != 1 || subs[0].PausedAt.IsZero() || !strings.Contains(subs[0].PausedReason, "50007") {
		t.Fatalf("bob's subscriptions after the refusal = %+v, %v; want paused with the reason", subs, err)
	}
	ix = w.srv.SlashCommand(t, bob, "help")
	r := w.reply(t, ix)
	deadline := time.Now().Add(timeout)
	for len(r.Followups) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		r = w.srv.Reply(ix)
	}
	if r.Original == nil || !strings.Contains(text(r.Original), "newsbot reads news feeds") || len(r.Followups) != 1 {
		t.Fatalf("/help after the refusal = %+v, want the answer and one follow-up", r)
	}
	note := r.Followups[0]
	if !ephemeral(note) || !strings.HasPrefix(note.Content, "Your topic subscriptions are paused: Discord refused a direct message") ||
		!strings.Contains(note.Content, "allow direct messages") || dmButtons(note)["Resume DMs"] == "" {
		t.Errorf("pause note = %q (ephemeral %v, buttons %v), want it ephemeral with how to resume", note.Content, ephemeral(note), dmButtons(note))
	}
	again := w.srv.SlashCommand(t, bob, "help")
	w.reply(t, again)
	afterStop = append(afterStop, func() {
		if r := w.srv.Reply(again); len(r.Followups) != 0 {
			t.Errorf("the second command after the refusal got %d follow-ups, want no pause note again", len(r.Followups))
		}
	})

	// Resume DMs on the note: bob's topic runs again.
	ix = w.srv.ButtonClick(t, bob, note.ID, dmButtons(note)["Resume DMs"])
	if m := answer(t, w.reply(t, ix)); !strings.HasPrefix(m.Content, "DMs resumed") {
		t.Errorf("Resume DMs = %q", m.Content)
	}
	if subs, _ := w.db.UserSubscriptions(ctx, w.srv.GuildID(), bob.UserID); len(subs) != 1 || !subs[0].PausedAt.IsZero() {
		t.Errorf("bob's subscriptions after Resume DMs = %+v, want running", subs)
	}
}
