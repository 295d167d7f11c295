package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/store"
)

// subClock is a clock tests move by hand.
type subClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *subClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *subClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// subWorld is a bot over a real SQLite store with a fixed clock, a
// console for the console user, and a way to act as any other user.
type subWorld struct {
	t     *testing.T
	db    *store.DB
	clock *subClock
	b     *Bot
	out   bytes.Buffer
	con   *Console
	wakes int
}

// subT0 is a Sunday, 11:00 in Berlin.
var subT0 = time.Date(2025, 5, 25, 9, 0, 0, 0, time.UTC)

func newSubWorld(t *testing.T, d Delivery) *subWorld {
	t.Helper()
	w := &subWorld{t: t, clock: &subClock{t: subT0}}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = w.clock.Now
	w.db = db
	w.b = New(Config{Store: db, Now: w.clock.Now, Delivery: d, Secret: []byte("test secret"), Wake: func() { w.wakes++ }})
	w.con = w.b.NewConsole(strings.NewReader(""), &w.out)
	return w
}

// exec runs a console line and returns what it printed.
func (w *subWorld) exec(line string) string {
	w.t.Helper()
	w.out.Reset()
	w.con.Exec(context.Background(), line)
	return w.out.String()
}

// feed stores a feed and follows it in the console guild.
func (w *subWorld) feed(title, url string) newsbot.Feed {
	w.t.Helper()
	ctx := context.Background()
	f, _, err := w.db.EnsureFeed(ctx, newsbot.Feed{URL: url, Title: title, SiteURL: strings.TrimSuffix(url, "/feed")})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.AddFollow(ctx, newsbot.Follow{GuildID: ConsoleGuildID, ChannelID: ConsoleChannelID, FeedID: f.ID, Mode: newsbot.ModeInstant}); err != nil {
		w.t.Fatal(err)
	}
	return f
}

// article stores an article of a feed.
func (w *subWorld) article(f newsbot.Feed, key, title string) newsbot.Article {
	w.t.Helper()
	as, err := w.db.SaveArticles(context.Background(), f.ID, []newsbot.Article{{
		DedupeKey: key, URL: "https://news.example/" + key, Title: title, Text: title + ". More text.",
		Summary: []string{title + ".", "A second key sentence."}, PublishedAt: w.clock.Now(),
	}})
	if err != nil || len(as) != 1 {
		w.t.Fatalf("save article %s: %v", key, err)
	}
	return as[0]
}

// match records that an article matched a subscription, as the router does.
func (w *subWorld) match(s newsbot.Subscription, as ...newsbot.Article) {
	w.t.Helper()
	var ms []newsbot.Match
	var to int64
	for _, a := range as {
		ms = append(ms, newsbot.Match{SubscriptionID: s.ID, UserID: s.UserID, GuildID: s.GuildID,
			ArticleID: a.ID, StoryID: a.StoryID, MatchedAt: w.clock.Now()})
		to = max(to, a.ID)
	}
	if _, err := w.db.CommitRoute(context.Background(), "test", to, nil, ms); err != nil {
		w.t.Fatal(err)
	}
}

// subscribe stores a subscription for user in guild through /subscribe.
func (w *subWorld) subscribe(guild, user, line string) newsbot.Subscription {
	w.t.Helper()
	r := w.as(guild, user).command(line)
	if !strings.Contains(r.text(), "Subscribed to") {
		w.t.Fatalf("%s as %s = %q, want it subscribed", line, user, r.text())
	}
	subs, err := w.db.UserSubscriptions(context.Background(), guild, user)
	if err != nil || len(subs) == 0 {
		w.t.Fatalf("subscriptions of %s after %s: %v, %v", user, line, subs, err)
	}
	return subs[len(subs)-1]
}

// subActor makes interactions as one user, in a guild or (guild "") in
// the DM with the bot.
type subActor struct {
	w     *subWorld
	guild string
	user  string
}

func (w *subWorld) as(guild, user string) subActor { return subActor{w, guild, user} }

func (a subActor) interaction(typ discordgo.InteractionType) *discordgo.Interaction {
	ix := &discordgo.Interaction{ID: "ix-" + a.user, Type: typ, GuildID: a.guild, ChannelID: "channel", Token: "token"}
	u := &discordgo.User{ID: a.user, Username: "user" + a.user}
	if a.guild == "" {
		ix.User = u
	} else {
		ix.Member = &discordgo.Member{GuildID: a.guild, User: u}
	}
	return ix
}

// command runs a command line as the actor.
func (a subActor) command(line string) *captured {
	a.w.t.Helper()
	name, opts, err := parseCommandLine(line, Commands())
	if err != nil {
		a.w.t.Fatalf("parse %q: %v", line, err)
	}
	ix := a.interaction(discordgo.InteractionApplicationCommand)
	ix.Data = discordgo.ApplicationCommandInteractionData{Name: name, Options: opts}
	c := &captured{}
	a.w.b.handle(context.Background(), ix, c)
	return c
}

// click presses a button as the actor.
func (a subActor) click(customID string) *captured {
	ix := a.interaction(discordgo.InteractionMessageComponent)
	ix.Data = discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}
	ix.Message = &discordgo.Message{ID: "message", Flags: discordgo.MessageFlagsEphemeral}
	c := &captured{}
	a.w.b.handle(context.Background(), ix, c)
	return c
}

// captured is a responder that keeps every answer.
type captured struct {
	mu      sync.Mutex
	types   []discordgo.InteractionResponseType
	answers []*discordgo.InteractionResponseData
}

func (c *captured) Respond(ctx context.Context, resp *discordgo.InteractionResponse) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.types = append(c.types, resp.Type)
	if resp.Data != nil {
		c.answers = append(c.answers, resp.Data)
	}
	return nil
}

func (c *captured) Edit(ctx context.Context, e *discordgo.WebhookEdit) error {
	return errors.New("the tests answer within the deferral time")
}

func (c *captured) Delete(ctx context.Context) error { return nil }

func (c *captured) Followup(ctx context.Context, p *discordgo.WebhookParams) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answers = append(c.answers, &discordgo.InteractionResponseData{Content: p.Content, Embeds: p.Embeds,
		Components: p.Components, Flags: p.Flags, AllowedMentions: p.AllowedMentions})
	return nil
}

func (c *captured) ChannelName(id string) string { return id }

// first is the first answer.
func (c *captured) first() *discordgo.InteractionResponseData {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.answers) == 0 {
		return &discordgo.InteractionResponseData{}
	}
	return c.answers[0]
}

// text is everything the first answer shows.
func (c *captured) text() string { return answerText(c.first()) }

func answerText(d *discordgo.InteractionResponseData) string {
	s := d.Content
	for _, e := range d.Embeds {
		s += "\n" + e.Title + "\n" + e.Description
	}
	return s
}

// buttonsOf returns a message's buttons, in order: as rendered (values)
// or as decoded from JSON (pointers).
func buttonsOf(components []discordgo.MessageComponent) []discordgo.Button {
	var out []discordgo.Button
	for _, c := range components {
		row, ok := c.(discordgo.ActionsRow)
		if p, isPtr := c.(*discordgo.ActionsRow); isPtr {
			row, ok = *p, true
		}
		if !ok {
			continue
		}
		for _, in := range row.Components {
			switch b := in.(type) {
			case discordgo.Button:
				out = append(out, b)
			case *discordgo.Button:
				out = append(out, *b)
			}
		}
	}
	return out
}

// buttonRowsOf lays buttons out again in rows as rendered, five a row.
func buttonRowsOf(components []discordgo.MessageComponent) []discordgo.MessageComponent {
	var bs []discordgo.MessageComponent
	for _, b := range buttonsOf(components) {
		bs = append(bs, b)
	}
	return buttonRows(bs)
}

func (w *subWorld) subs(guild, user string) []newsbot.Subscription {
	w.t.Helper()
	subs, err := w.db.UserSubscriptions(context.Background(), guild, user)
	if err != nil {
		w.t.Fatal(err)
	}
	return subs
}

func topicsOf(subs []newsbot.Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.Topic)
	}
	return out
}

func TestSubscribeThroughTheConsole(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	w.feed("NHK World", "https://nhk.example/feed")

	tests := []struct {
		line  string
		wants []string
		// topics are the console user's topics afterwards.
		topics []string
	}{
		{"/subscriptions", []string{"You have no topic subscriptions in this server."}, nil},
		{"/subscribe ukraine", []string{
			"Subscribed to “ukraine”: newsbot DMs you when an article matching it arrives in this server's feeds, " +
				"at most one DM every 10 min (articles found meanwhile come together) and at most 24 DMs a day.",
			"Topics read like /search", "allow direct messages from this server's members"}, []string{"ukraine"}},
		// 11:00 in Berlin now, so the first is tomorrow 07:30 Berlin, 05:30 UTC.
		{`/subscribe topic:"central bank" delivery:daily time:7:30 timezone:Europe/Berlin`, []string{
			"Subscribed to “central bank”: one DM a day at 07:30 Europe/Berlin",
			"The first comes Mon 26 May 2025 05:30 UTC"}, []string{"ukraine", "central bank"}},
		// A time alone means daily, read in UTC.
		{"/subscribe rates time:18:00", []string{"one DM a day at 18:00 UTC",
			"The first comes Sun 25 May 2025 18:00 UTC", "The time is read in UTC"},
			[]string{"ukraine", "central bank", "rates"}},
		{"/subscribe delivery:daily topic:tariffs", []string{"one DM a day at 08:00 UTC"},
			[]string{"ukraine", "central bank", "rates", "tariffs"}},

		// Bad input: a sentence naming the problem, nothing stored.
		{"/subscribe UKRAINE", []string{"You already subscribe to “ukraine” in this server (instant)"}, nil},
		{`/subscribe topic:""`, []string{"Topic:"}, nil},
		{"/subscribe -sport", []string{"Topic:"}, nil},
		{"/subscribe war time:25:00", []string{"25:00"}, nil},
		{"/subscribe war delivery:daily timezone:Mars/Olympus", []string{"Mars/Olympus"}, nil},
		{"/subscribe war delivery:instant time:08:00", []string{"Time and timezone are for daily delivery: add delivery:daily"}, nil},
		{"/subscribe war delivery:weekly", []string{`Delivery: "weekly" is not one of instant, daily.`}, nil},

		{"/subscriptions", []string{"Your 4 topics in this server (at most 25):",
			"1. “ukraine” — instant", "2. “central bank” — daily at 07:30 Europe/Berlin, next ",
			"[Remove “ukraine”", "[Remove “central bank”"}, nil},
		{"/unsubscribe Central Bank", []string{"Unsubscribed from “central bank”: no more DMs about it"}, []string{"ukraine", "rates", "tariffs"}},
		{"/unsubscribe sport", []string{"You do not subscribe to “sport” in this server; /subscriptions lists your topics."}, nil},
	}
	want := []string(nil)
	for _, tt := range tests {
		got := w.exec(tt.line)
		for _, s := range tt.wants {
			if !strings.Contains(got, s) {
				t.Errorf("%s printed\n%s\nwant it to say %q", tt.line, got, s)
			}
		}
		if tt.topics != nil {
			want = tt.topics
		}
		if topics := topicsOf(w.subs(ConsoleGuildID, ConsoleUserID)); !slices.Equal(topics, want) {
			t.Errorf("after %s topics = %q, want %q", tt.line, topics, want)
		}
	}
	if n := w.b.topics.Len(); n != 3 {
		t.Errorf("matcher holds %d topics, want the 3 stored", n)
	}
	s := w.subs(ConsoleGuildID, ConsoleUserID)[1]
	if want := time.Date(2025, 5, 25, 18, 0, 0, 0, time.UTC); !s.NextRunAt.Equal(want) || s.Time != "18:00" || s.Timezone != "UTC" {
		t.Errorf("daily subscription stored as %+v, want 18:00 UTC next at %v", s, want)
	}
}

func TestSubscribeWithoutFeedsSaysSo(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{DMEvery: 30 * time.Minute, DMDailyCap: 5})
	got := w.exec("/subscribe ukraine")
	for _, want := range []string{"at most one DM every 30 min", "at most 5 DMs a day", "This server follows no feeds yet"} {
		if !strings.Contains(got, want) {
			t.Errorf("/subscribe = %q, want it to say %q", got, want)
		}
	}
}

func TestSubscribeCapsTopicsPerGuild(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	for i := range newsbot.MaxSubscriptionsPerUser {
		w.subscribe("G1", "U1", fmt.Sprintf("/subscribe topic%d", i))
	}
	r := w.as("G1", "U1").command("/subscribe onemore")
	want := "You have 25 topics in this server, the most allowed; remove one with /unsubscribe or /subscriptions first."
	if got := r.first(); got.Content != want || got.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("26th /subscribe = %q (flags %d), want ephemeral %q", got.Content, got.Flags, want)
	}
	if n := len(w.subs("G1", "U1")); n != newsbot.MaxSubscriptionsPerUser {
		t.Errorf("topics after the 26th = %d, want %d", n, newsbot.MaxSubscriptionsPerUser)
	}
	// The cap is per guild, and per user.
	w.subscribe("G2", "U1", "/subscribe onemore")
	w.subscribe("G1", "U2", "/subscribe onemore")
	if n := w.b.topics.Len(); n != newsbot.MaxSubscriptionsPerUser+2 {
		t.Errorf("matcher holds %d topics, want %d", n, newsbot.MaxSubscriptionsPerUser+2)
	}

	// /subscriptions shows all 25 with a Remove button each, within
	// Discord's limits.
	list := w.as("G1", "U1").command("/subscriptions").first()
	checkLimits(t, "/subscriptions with 25 topics", list)
	if n := len(buttonsOf(list.Components)); n != 25 || len(list.Components) != 5 {
		t.Errorf("/subscriptions buttons = %d in %d rows, want 25 in 5", n, len(list.Components))
	}
	// Paused, the Resume button takes one place: the last topic has none.
	if err := w.db.PauseSubscriptions(context.Background(), "U1", "403 Cannot send messages to this user (50007)", subT0); err != nil {
		t.Fatal(err)
	}
	list = w.as("G1", "U1").command("/subscriptions").first()
	checkLimits(t, "/subscriptions paused", list)
	bs := buttonsOf(list.Components)
	if len(bs) != 25 || bs[0].Label != "Resume DMs" || !strings.Contains(answerText(list), "Topics 25 and on have no button here") {
		t.Errorf("paused /subscriptions buttons %d (first %q), text %q; want Resume and 24 Remove", len(bs), bs[0].Label, answerText(list))
	}
}

func TestUnsubscribeAutocompletesTheUsersTopics(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	w.subscribe("G1", "U1", "/subscribe ukraine")
	w.subscribe("G1", "U1", `/subscribe topic:"central bank" time:07:00`)
	long := strings.Repeat("word ", 30) + "end"
	w.subscribe("G1", "U1", "/subscribe "+long)
	w.subscribe("G1", "U2", "/subscribe bank holidays")
	w.subscribe("G2", "U1", "/subscribe bank robbery")

	complete := func(typed string) []*discordgo.ApplicationCommandOptionChoice {
		a := w.as("G1", "U1")
		ix := a.interaction(discordgo.InteractionApplicationCommandAutocomplete)
		ix.Data = discordgo.ApplicationCommandInteractionData{Name: "unsubscribe", Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: "topic", Type: discordgo.ApplicationCommandOptionString, Value: typed, Focused: true}}}
		c := &captured{}
		w.b.handle(context.Background(), ix, c)
		if len(c.types) != 1 || c.types[0] != discordgo.InteractionApplicationCommandAutocompleteResult {
			t.Fatalf("autocomplete answered %v, want one result", c.types)
		}
		return c.first().Choices
	}
	tests := []struct {
		typed string
		want  []string // name=value
	}{
		{"BANK", []string{"central bank (daily at 07:00 UTC)=central bank"}},
		{"", []string{"ukraine (instant)=ukraine", "central bank (daily at 07:00 UTC)=central bank",
			truncate(long+" (instant)", maxChoiceName) + "=" + strconv.FormatInt(w.subs("G1", "U1")[2].ID, 10)}},
		{"sport", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range complete(tt.typed) {
			got = append(got, c.Name+"="+fmt.Sprint(c.Value))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("autocomplete(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
	// The ID autocomplete gives for a long topic unsubscribes it.
	id := strconv.FormatInt(w.subs("G1", "U1")[2].ID, 10)
	if r := w.as("G1", "U1").command("/unsubscribe topic:" + id); !strings.Contains(r.text(), "Unsubscribed from “word word") {
		t.Errorf("/unsubscribe topic:%s = %q, want the long topic gone", id, r.text())
	}
	// Another user's topic, or one of another guild, is not found.
	if r := w.as("G1", "U1").command("/unsubscribe bank holidays"); !strings.Contains(r.text(), "You do not subscribe to") {
		t.Errorf("/unsubscribe of another user's topic = %q, want not found", r.text())
	}
	if got := topicsOf(w.subs("G1", "U2")); !slices.Equal(got, []string{"bank holidays"}) {
		t.Errorf("U2's topics = %q, want them untouched", got)
	}
	if r := w.as("G1", "U1").command("/unsubscribe " + strconv.FormatInt(w.subs("G2", "U1")[0].ID, 10)); !strings.Contains(r.text(), "You do not subscribe to") {
		t.Errorf("/unsubscribe of another guild's topic by ID = %q, want not found", r.text())
	}
}

func TestSubscriptionButtons(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	ctx := context.Background()
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	wire := w.feed("Wire", "https://wire.example/feed")
	mine := w.subscribe("G1", "U1", "/subscribe ukraine")
	other := w.subscribe("G1", "U1", "/subscribe tariffs")
	theirs := w.subscribe("G1", "U2", "/subscribe ukraine")
	before := w.b.topics.Len()

	refused := "That button's data does not check out, so nothing was done; /subscriptions lists your topics."
	tests := []struct {
		name     string
		by       subActor
		customID string
		want     string
	}{
		{"someone else's button", w.as("", "U2"), w.b.subButtonID("U1", actUnsubscribe, mine.ID), refused},
		{"own signature, someone else's subscription", w.as("", "U2"), w.b.subButtonID("U2", actUnsubscribe, mine.ID),
			"You no longer subscribe to that topic, so there was nothing to stop."},
		{"id changed", w.as("", "U1"), tamper(w.b.subButtonID("U1", actUnsubscribe, other.ID), 2, strconv.FormatInt(mine.ID, 36)), refused},
		{"action changed", w.as("", "U1"), tamper(w.b.subButtonID("U1", actMute, mine.ID), 1, actUnsubscribe), refused},
		{"signature cut", w.as("", "U1"), w.b.subButtonID("U1", actUnsubscribe, mine.ID)[:20], refused},
		{"unknown action", w.as("", "U1"), w.b.subButtonID("U1", "zz", mine.ID), refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.by.click(tt.customID).first()
			if got.Content != tt.want || got.Flags&discordgo.MessageFlagsEphemeral == 0 {
				t.Errorf("click = %q (flags %d), want ephemeral %q", got.Content, got.Flags, tt.want)
			}
		})
	}
	if got := topicsOf(w.subs("G1", "U1")); !slices.Equal(got, []string{"ukraine", "tariffs"}) || w.b.topics.Len() != before {
		t.Fatalf("after refused clicks U1's topics = %q, matcher %d; want both kept", got, w.b.topics.Len())
	}

	// In the DM (no guild), the user's own Unsubscribe works, once, and
	// drops what waited for the topic.
	w.match(mine, w.article(nhk, "n0", "NHK on Ukraine"))
	r := w.as("", "U1").click(w.b.subButtonID("U1", actUnsubscribe, mine.ID)).first()
	if !strings.HasPrefix(r.Content, "Unsubscribed from “ukraine”") || r.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("Unsubscribe = %q (flags %d), want an ephemeral confirmation", r.Content, r.Flags)
	}
	if got := topicsOf(w.subs("G1", "U1")); !slices.Equal(got, []string{"tariffs"}) || w.b.topics.Len() != before-1 {
		t.Errorf("after Unsubscribe U1's topics = %q, matcher %d; want only tariffs, %d", got, w.b.topics.Len(), before-1)
	}
	if got := topicsOf(w.subs("G1", "U2")); !slices.Equal(got, []string{"ukraine"}) {
		t.Errorf("U2's topics = %q, want theirs kept", got)
	}
	if ms, err := w.db.WaitingMatches(ctx, "U1", 0); len(ms) != 0 || err != nil {
		t.Errorf("waiting after Unsubscribe = %d, %v; want the topic's match dropped", len(ms), err)
	}
	if r := w.as("", "U1").click(w.b.subButtonID("U1", actUnsubscribe, mine.ID)).first(); !strings.Contains(r.Content, "no longer subscribe") {
		t.Errorf("Unsubscribe again = %q, want \"no longer subscribe\"", r.Content)
	}

	// Mute drops the waiting matches from that source, and later ones.
	a1, a2 := w.article(nhk, "n1", "NHK on tariffs"), w.article(wire, "w1", "Wire on tariffs")
	w.match(other, a1, a2)
	r = w.as("", "U1").click(w.b.subButtonID("U1", actMute, nhk.ID)).first()
	if r.Content != "Muted **NHK World**: your topics no longer bring you its articles, and those waiting are dropped. "+
		"/subscriptions lists muted sources, with a button to unmute each." {
		t.Errorf("Mute = %q", r.Content)
	}
	a3 := w.article(nhk, "n2", "NHK again on tariffs")
	w.match(other, a3)
	waiting, err := w.db.WaitingMatches(ctx, "U1", 0)
	if err != nil || len(waiting) != 1 || waiting[0].ArticleID != a2.ID {
		t.Errorf("waiting after Mute = %+v, %v; want only the Wire article", waiting, err)
	}

	// /subscriptions' Remove updates the list it is on.
	w.subscribe("G1", "U2", "/subscribe rates")
	list := w.as("G1", "U2").command("/subscriptions").first()
	bs := buttonsOf(list.Components)
	if len(bs) != 2 || bs[0].Label != "Remove “ukraine”" || bs[1].Label != "Remove “rates”" {
		t.Fatalf("/subscriptions buttons = %+v, want Remove for ukraine and rates", bs)
	}
	c := w.as("G1", "U2").click(bs[0].CustomID)
	if len(c.types) != 1 || c.types[0] != discordgo.InteractionResponseUpdateMessage {
		t.Errorf("Remove answered with %v, want an update of the list", c.types)
	}
	got := c.first()
	if !strings.HasPrefix(got.Content, "Removed “ukraine”.\nYour 1 topic in this server") || len(buttonsOf(got.Components)) != 1 {
		t.Errorf("Remove updated the list to %q with %d buttons, want ukraine gone", answerText(got), len(buttonsOf(got.Components)))
	}
	if topics := topicsOf(w.subs("G1", "U2")); !slices.Equal(topics, []string{"rates"}) {
		t.Errorf("U2's topics after Remove = %q", topics)
	}
	if got := w.as("G1", "U2").click(bs[0].CustomID).first(); !strings.HasPrefix(got.Content, "That topic was removed already.") {
		t.Errorf("Remove again = %q", got.Content)
	}
	_ = theirs
}

// tamper replaces the i-th dot-separated part of a custom ID.
func tamper(id string, i int, with string) string {
	parts := strings.Split(id, ".")
	parts[i] = with
	return strings.Join(parts, ".")
}

func TestPauseNoteShownOnceAndResume(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	ctx := context.Background()
	w.exec("/subscribe ukraine")
	w.exec("/subscribe rates time:08:00")
	if got := w.exec("/help"); strings.Contains(got, "paused") {
		t.Errorf("/help before any pause printed a pause note:\n%s", got)
	}
	reason := "403 Cannot send messages to this user (50007)"
	if err := w.db.PauseSubscriptions(ctx, ConsoleUserID, reason, subT0); err != nil {
		t.Fatal(err)
	}
	got := w.exec("/help")
	answer := strings.Index(got, "newsbot reads news feeds")
	note := strings.Index(got, "Your topic subscriptions are paused: Discord refused a direct message from newsbot (403 Cannot send messages to this user (50007)).")
	if answer < 0 || note < answer || !strings.Contains(got, "allow direct messages from the server's members") || !strings.Contains(got, "[Resume DMs") {
		t.Errorf("/help after a pause printed\n%s\nwant the answer, then the note with a Resume DMs button", got)
	}
	if got := w.exec("/search ukraine"); strings.Contains(got, "paused") {
		t.Errorf("the next command printed the pause note again:\n%s", got)
	}

	// The note is a follow-up of its own, ephemeral, with its button.
	if err := w.db.PauseSubscriptions(ctx, "U9", reason, subT0); err != nil {
		t.Fatal(err)
	}
	w.subscribe("G1", "U9", "/subscribe ukraine") // the new topic is not paused
	if err := w.db.PauseSubscriptions(ctx, "U9", reason, subT0); err != nil {
		t.Fatal(err)
	}
	c := w.as("G1", "U9").command("/subscriptions")
	if len(c.answers) != 1 {
		t.Fatalf("/subscriptions while paused gave %d answers, want the list alone, which tells of the pause", len(c.answers))
	}
	list := c.answers[0]
	if !strings.Contains(answerText(list), "— ⏸ paused") || !strings.Contains(answerText(list), "DMs paused <t:") ||
		!strings.Contains(answerText(list), "then press Resume DMs below.") {
		t.Errorf("/subscriptions while paused = %q, want the pause and how to resume", answerText(list))
	}
	if c := w.as("G1", "U9").command("/help"); len(c.answers) != 1 {
		t.Errorf("/help after /subscriptions told of the pause gave %d answers, want no note", len(c.answers))
	}
	if err := w.db.PauseSubscriptions(ctx, "U9", reason, subT0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AddSubscription(ctx, newsbot.Subscription{GuildID: "G1", UserID: "U9", Topic: "fresh", // told nothing yet
		Cadence: newsbot.CadenceInstant, PausedAt: subT0, PausedReason: reason}); err != nil {
		t.Fatal(err)
	}
	c = w.as("G1", "U9").command("/help")
	if len(c.answers) != 2 {
		t.Fatalf("/help while paused gave %d answers, want the help and the note", len(c.answers))
	}
	n := c.answers[1]
	if n.Flags&discordgo.MessageFlagsEphemeral == 0 || len(buttonsOf(n.Components)) != 1 {
		t.Errorf("pause note flags %d, buttons %+v; want ephemeral with Resume DMs", n.Flags, n.Components)
	}

	// Resume DMs on the note: every topic of the user runs again.
	r := w.as("G1", "U9").click(buttonsOf(n.Components)[0].CustomID).first()
	if !strings.HasPrefix(r.Content, "DMs resumed") {
		t.Errorf("Resume DMs = %q", r.Content)
	}
	for _, s := range w.subs("G1", "U9") {
		if !s.PausedAt.IsZero() || s.PausedReason != "" {
			t.Errorf("after Resume DMs subscription %+v is still paused", s)
		}
	}
	// Resume DMs on the list updates the list.
	if err := w.db.PauseSubscriptions(ctx, ConsoleUserID, reason, subT0); err != nil {
		t.Fatal(err)
	}
	list = w.as(ConsoleGuildID, ConsoleUserID).command("/subscriptions").first()
	bs := buttonsOf(list.Components)
	if len(bs) != 3 || bs[0].Label != "Resume DMs" {
		t.Fatalf("paused /subscriptions buttons = %+v, want Resume DMs first", bs)
	}
	c = w.as(ConsoleGuildID, ConsoleUserID).click(bs[0].CustomID)
	if got := c.first(); c.types[0] != discordgo.InteractionResponseUpdateMessage || !strings.HasPrefix(got.Content, "DMs resumed") ||
		strings.Contains(answerText(got), "paused") || len(buttonsOf(got.Components)) != 2 {
		t.Errorf("Resume DMs on the list = type %v, %q, %d buttons; want the list updated, unpaused", c.types, answerText(got), len(buttonsOf(got.Components)))
	}
}

func TestRenderSubscriptionsKeepsLimits(t *testing.T) {
	t.Parallel()
	var subs []newsbot.Subscription
	for i := range newsbot.MaxSubscriptionsPerUser {
		subs = append(subs, newsbot.Subscription{ID: int64(i + 1), Topic: strings.Repeat("*_long topic ", 20)[:maxQueryLen-i],
			Cadence: newsbot.CadenceDaily, Time: "08:00", Timezone: "America/Argentina/ComodRivadavia",
			NextRunAt: subT0, PausedAt: subT0, PausedReason: strings.Repeat("refused ", 100)})
	}
	d := renderSubscriptions(subscriptionsView{Note: "Removed “x”.", Subs: subs, Delivery: Delivery{DMEvery: time.Minute, DMDailyCap: 3},
		RemoveID: func(id int64) string { return "s1.rm." + strconv.FormatInt(id, 36) + ".0123456789abcdef" }, ResumeID: "s1.rs.0.x"})
	checkLimits(t, "renderSubscriptions", d)
	for _, b := range buttonsOf(d.Components) {
		if utf8.RuneCountInString(b.Label) > maxButtonLabel {
			t.Errorf("button label %d characters, over %d", utf8.RuneCountInString(b.Label), maxButtonLabel)
		}
	}
	if !strings.Contains(d.Embeds[0].Description, "25.") {
		t.Errorf("the list lost topics: %q", d.Embeds[0].Description)
	}
}
