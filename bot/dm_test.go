package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// runDMs runs the DM job at the given time and checks how many DMs it wrote.
func (w *subWorld) runDMs(at time.Time, want int) {
	w.t.Helper()
	w.clock.Set(at)
	n, err := w.b.RunDMs(context.Background())
	if err != nil || n != want {
		w.t.Fatalf("RunDMs at %s = %d, %v; want %d, nil", at.Format(time.DateTime), n, err, want)
	}
}

// waitingKey is the key of the DM that would carry a user's waiting
// matches (of instant topics when sub is 0).
func (w *subWorld) waitingKey(user string, sub int64) string {
	w.t.Helper()
	ms, err := w.db.WaitingMatches(context.Background(), user, sub)
	if err != nil || len(ms) == 0 {
		w.t.Fatalf("waiting matches of %s: %d, %v; want some", user, len(ms), err)
	}
	return DMKey(user, ms[0].ID)
}

// dmOf reads a DM's outbox row and decodes its message as the sender does.
func (w *subWorld) dmOf(key string) (newsbot.Delivery, *discordgo.MessageSend) {
	w.t.Helper()
	d, err := w.db.Delivery(context.Background(), key)
	if err != nil {
		w.t.Fatalf("outbox row %s: %v", key, err)
	}
	m, err := decodeMessage(d.Payload)
	if err != nil {
		w.t.Fatalf("payload of %s: %v", key, err)
	}
	return d, m
}

// checkDM checks what every DM must be: a DM row to user, within
// Discord's limits, pinging nobody, its buttons signed for user.
func checkDM(t *testing.T, b *Bot, user string, d newsbot.Delivery, m *discordgo.MessageSend) {
	t.Helper()
	if d.Kind != newsbot.DeliveryDM || d.UserID != user || d.ChannelID != "" || d.GuildID == "" || d.Status != newsbot.StatusPending {
		t.Errorf("DM row = kind %q user %q channel %q guild %q status %q; want a pending DM to %s with its guild",
			d.Kind, d.UserID, d.ChannelID, d.GuildID, d.Status, user)
	}
	checkLimits(t, "DM "+d.Key, &discordgo.InteractionResponseData{Content: m.Content, Embeds: m.Embeds,
		Components: buttonRowsOf(m.Components), AllowedMentions: m.AllowedMentions})
	if n := len(buttonsOf(m.Components)); len(m.Components) > 5 || len(m.Components) != (n+4)/5 {
		t.Errorf("DM %s has %d rows of buttons, over 5", d.Key, len(m.Components))
	}
	seen := map[string]bool{}
	for _, btn := range buttonsOf(m.Components) {
		if n := utf8.RuneCountInString(btn.Label); n > maxButtonLabel || n == 0 {
			t.Errorf("DM %s button label %q: %d characters", d.Key, btn.Label, n)
		}
		if seen[btn.CustomID] {
			t.Errorf("DM %s has the custom ID %q twice", d.Key, btn.CustomID)
		}
		seen[btn.CustomID] = true
		if _, _, err := b.parseSubButton(user, btn.CustomID); err != nil {
			t.Errorf("DM %s button %q does not check out for %s: %v", d.Key, btn.Label, user, err)
		}
	}
}

func labels(m *discordgo.MessageSend) []string {
	var out []string
	for _, b := range buttonsOf(m.Components) {
		out = append(out, b.Label)
	}
	return out
}

func TestRunDMsInstantPacing(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	sub := w.subscribe(ConsoleGuildID, "U1", "/subscribe ukraine")

	w.runDMs(subT0, 0) // nothing waits
	w.match(sub, w.article(nhk, "a1", "Ukraine talks open"))
	w.clock.Set(subT0.Add(time.Minute))
	w.match(sub, w.article(nhk, "a2", "Ukraine talks stall"))
	key := w.waitingKey("U1", 0)
	w.runDMs(subT0.Add(time.Minute), 1)
	if w.wakes == 0 {
		t.Error("RunDMs wrote a DM and did not wake the sender")
	}
	d, m := w.dmOf(key)
	checkDM(t, w.b, "U1", d, m)
	if d.GuildID != ConsoleGuildID {
		t.Errorf("DM guild = %q, want the subscription's", d.GuildID)
	}
	if m.Content != "2 new articles match “ukraine”." || len(m.Embeds) != 2 {
		t.Fatalf("DM = %q with %d embeds, want both articles in one", m.Content, len(m.Embeds))
	}
	e := m.Embeds[0] // newest first
	if e.Title != "Ukraine talks stall" || e.URL != "https://news.example/a2" || e.Author.Name != "NHK World" ||
		e.Footer.Text != "Topic: ukraine" || !strings.Contains(e.Description, "• Ukraine talks stall.\n• A second key sentence.") {
		t.Errorf("DM item = %+v (author %+v, footer %+v), want title, link, source, summary and topic", e, e.Author, e.Footer)
	}
	if got := labels(m); !slices.Equal(got, []string{"Unsubscribe from “ukraine”", "Mute NHK World"}) {
		t.Errorf("DM buttons = %q, want one Unsubscribe and one Mute", got)
	}

	// A third match 5 minutes later waits until 10 minutes after the DM.
	w.clock.Set(subT0.Add(6 * time.Minute))
	w.match(sub, w.article(nhk, "a3", "Ukraine talks resume"))
	key = w.waitingKey("U1", 0)
	w.runDMs(subT0.Add(6*time.Minute), 0)
	w.runDMs(subT0.Add(11*time.Minute-time.Second), 0)
	w.runDMs(subT0.Add(11*time.Minute), 1)
	if _, m := w.dmOf(key); m.Content != "A new article matches “ukraine”." || len(m.Embeds) != 1 {
		t.Errorf("second DM = %q with %d embeds, want the third article alone", m.Content, len(m.Embeds))
	}
	w.runDMs(subT0.Add(30*time.Minute), 0) // all sent
}

func TestRunDMsDailyCap(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{DMEvery: 10 * time.Minute, DMDailyCap: 2})
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	sub := w.subscribe(ConsoleGuildID, "U1", "/subscribe ukraine")
	for i, at := range []time.Duration{0, 10 * time.Minute} {
		w.clock.Set(subT0.Add(at))
		w.match(sub, w.article(nhk, fmt.Sprint("a", i), "Ukraine"))
		w.runDMs(subT0.Add(at), 1)
	}
	w.match(sub, w.article(nhk, "late", "Ukraine again"))
	w.runDMs(subT0.Add(20*time.Minute), 0)
	w.runDMs(subT0.Add(24*time.Hour-time.Second), 0)
	w.runDMs(subT0.Add(24*time.Hour), 1) // the first DM is a day old
}

func TestRunDMsDaily(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	ctx := context.Background()
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	// 11:00 in Berlin: the first DM is tomorrow at 08:00 Berlin, 06:00 UTC.
	daily := w.subscribe(ConsoleGuildID, "U1", "/subscribe bank timezone:Europe/Berlin")
	instant := w.subscribe(ConsoleGuildID, "U1", "/subscribe ukraine")
	first := time.Date(2025, 5, 26, 6, 0, 0, 0, time.UTC)
	if !daily.NextRunAt.Equal(first) || daily.Time != "08:00" {
		t.Fatalf("daily subscription = %+v, want 08:00 next at %v", daily, first)
	}
	w.match(daily, w.article(nhk, "b1", "Bank holds rates"), w.article(nhk, "b2", "Bank cuts rates"))
	w.match(instant, w.article(nhk, "u1", "Ukraine"))
	w.runDMs(subT0, 1) // the instant one only
	key := w.waitingKey("U1", daily.ID)
	w.runDMs(first.Add(-time.Second), 0)
	w.runDMs(first, 1)
	d, m := w.dmOf(key)
	checkDM(t, w.b, "U1", d, m)
	if m.Content != "Your daily news on “bank”: 2 articles." || len(m.Embeds) != 2 {
		t.Errorf("daily DM = %q with %d embeds, want the two bank articles", m.Content, len(m.Embeds))
	}
	next := func() time.Time {
		s, err := w.db.Subscription(ctx, "U1", daily.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.NextRunAt
	}
	if got, want := next(), first.Add(24*time.Hour); !got.Equal(want) {
		t.Errorf("next daily DM at %v, want %v", got, want)
	}

	// Nothing matched: no DM, and the next is the day after.
	w.runDMs(first.Add(24*time.Hour), 0)
	if got, want := next(), first.Add(48*time.Hour); !got.Equal(want) {
		t.Errorf("after a day without matches next = %v, want %v", got, want)
	}

	// Down for three days: one DM, and the next in the future.
	w.clock.Set(first.Add(30 * time.Hour))
	w.match(daily, w.article(nhk, "b3", "Bank news"))
	later := time.Date(2025, 5, 31, 12, 0, 0, 0, time.UTC)
	w.runDMs(later, 1)
	if got, want := next(), time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("after downtime next = %v, want %v", got, want)
	}
	w.runDMs(later, 0)
}

func TestRunDMsSkipsPausedUsers(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	ctx := context.Background()
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	instant := w.subscribe(ConsoleGuildID, "U1", "/subscribe ukraine")
	daily := w.subscribe(ConsoleGuildID, "U1", "/subscribe bank time:10:00")
	w.match(instant, w.article(nhk, "u1", "Ukraine"))
	w.match(daily, w.article(nhk, "b1", "Bank"))
	if err := w.db.PauseSubscriptions(ctx, "U1", "403 Cannot send messages to this user (50007)", subT0); err != nil {
		t.Fatal(err)
	}
	w.runDMs(subT0.Add(2*time.Hour), 0)
	if err := w.db.PauseSubscriptions(ctx, "U1", "", subT0); err != nil {
		t.Fatal(err)
	}
	w.runDMs(subT0.Add(2*time.Hour), 2)
}

// racingStore lets another process's RunDMs run between reading the
// waiting matches and committing the DM, as two processes on one
// database may.
type racingStore struct {
	Store
	race func()
}

func (s *racingStore) CommitDM(ctx context.Context, ids []int64, ds []newsbot.Delivery, sub int64, next time.Time) error {
	if s.race != nil {
		race := s.race
		s.race = nil
		race()
	}
	return s.Store.CommitDM(ctx, ids, ds, sub, next)
}

func TestRunDMsConflictIsSkipped(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	sub := w.subscribe(ConsoleGuildID, "U1", "/subscribe ukraine")
	w.match(sub, w.article(nhk, "u1", "Ukraine"))
	key := w.waitingKey("U1", 0)

	rs := &racingStore{Store: w.db}
	slow := New(Config{Store: rs, Now: w.clock.Now, Secret: []byte("test secret")})
	rs.race = func() {
		if n, err := w.b.RunDMs(context.Background()); n != 1 || err != nil {
			t.Errorf("the other process's RunDMs = %d, %v; want 1, nil", n, err)
		}
	}
	if n, err := slow.RunDMs(context.Background()); n != 0 || err != nil {
		t.Errorf("RunDMs that lost the race = %d, %v; want 0, nil", n, err)
	}
	if d, _ := w.dmOf(key); d.Key != key {
		t.Errorf("the DM = %q, want %q", d.Key, key)
	}
	if ms, err := w.db.WaitingMatches(context.Background(), "U1", 0); len(ms) != 0 || err != nil {
		t.Errorf("waiting after the race = %d, %v; want none", len(ms), err)
	}
}

// failingStore fails reading one user's matches.
type failingStore struct {
	Store
	user string
}

func (s failingStore) WaitingMatches(ctx context.Context, user string, sub int64) ([]newsbot.Match, error) {
	if user == s.user {
		return nil, errors.New("disk I/O error")
	}
	return s.Store.WaitingMatches(ctx, user, sub)
}

func TestRunDMsGoesOnPastAFailingUser(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	nhk := w.feed("NHK World", "https://nhk.example/feed")
	a := w.article(nhk, "u1", "Ukraine")
	for _, u := range []string{"U1", "U2", "U3"} {
		w.match(w.subscribe(ConsoleGuildID, u, "/subscribe ukraine"), a)
		w.match(w.subscribe(ConsoleGuildID, u, "/subscribe war time:10:00"), w.article(nhk, "w"+u, "War"))
	}
	b := New(Config{Store: failingStore{w.db, "U2"}, Now: w.clock.Now, Secret: []byte("test secret")})
	w.clock.Set(subT0.Add(2 * time.Hour))
	n, err := b.RunDMs(context.Background())
	if n != 4 || err == nil || !strings.Contains(err.Error(), "DM user U2: disk I/O error") ||
		!strings.Contains(err.Error(), "to user U2: disk I/O error") {
		t.Errorf("RunDMs = %d, %v; want 4 DMs and U2's errors", n, err)
	}
	for _, u := range []string{"U1", "U3"} {
		if ms, _ := w.db.WaitingMatches(context.Background(), u, 0); len(ms) != 0 {
			t.Errorf("%s still has %d matches waiting", u, len(ms))
		}
	}
}

func TestRunDMsManyWaiting(t *testing.T) {
	t.Parallel()
	w := newSubWorld(t, Delivery{})
	var feeds []newsbot.Feed
	for i := range 12 {
		feeds = append(feeds, w.feed(fmt.Sprintf("Source %d with a rather long name to fill the button label", i), fmt.Sprintf("https://s%d.example/feed", i)))
	}
	var subs []newsbot.Subscription
	for i := range 12 {
		subs = append(subs, w.subscribe(ConsoleGuildID, "U1", fmt.Sprintf("/subscribe topic%d %s", i, strings.Repeat("x", 60))))
	}
	for i := range 25 {
		a := w.article(feeds[i%12], fmt.Sprint("a", i), fmt.Sprintf("Article %d %s", i, strings.Repeat("[*]", 80)))
		w.match(subs[i%12], a)
	}
	key := w.waitingKey("U1", 0)
	w.runDMs(subT0, 1)
	d, m := w.dmOf(key)
	checkDM(t, w.b, "U1", d, m)
	if len(m.Embeds) != dmItems || !strings.HasPrefix(m.Embeds[0].Title, "Article 24 ") {
		t.Errorf("DM embeds = %d, first %q; want the %d newest", len(m.Embeds), m.Embeds[0].Title, dmItems)
	}
	if !strings.HasPrefix(m.Content, "25 new articles match your topics. The 10 newest are below; also:\n• [Article 14 ") ||
		!strings.HasSuffix(m.Content, "more: /search with your topics in the server finds them.") {
		t.Errorf("DM content = %q, want the count, more titles and the rest", m.Content)
	}
	if n := len(buttonsOf(m.Components)); n != 20 {
		t.Errorf("DM buttons = %d, want 10 Unsubscribe and 10 Mute", n)
	}
	if ms, err := w.db.WaitingMatches(context.Background(), "U1", 0); len(ms) != 0 || err != nil {
		t.Errorf("waiting after the DM = %d, %v; want every match carried", len(ms), err)
	}
}

func TestRenderDMKeepsLimits(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("*word* ", 2000)
	var items []dmItem
	for i := range 40 {
		items = append(items, dmItem{
			Match: newsbot.Match{ID: int64(100 - i), SubscriptionID: int64(i), GuildID: "G", Topic: huge[:maxQueryLen],
				Article: newsbot.Article{Title: huge, URL: "https://example.com/" + strings.Repeat("p", 300), Summary: []string{huge, huge}}},
			Feed: newsbot.Feed{ID: int64(i), Title: huge, URL: "https://example.com/feed"},
		})
	}
	for _, daily := range []bool{false, true} {
		m := renderDM(dmView{Daily: daily, Topic: huge, Items: items,
			UnsubscribeID: func(id int64) string { return fmt.Sprintf("s1.un.%d.0123456789abcdef", id) },
			MuteID:        func(id int64) string { return fmt.Sprintf("s1.mu.%d.0123456789abcdef", id) }})
		checkLimits(t, fmt.Sprintf("renderDM(daily %v)", daily), &discordgo.InteractionResponseData{Content: m.Content, Embeds: m.Embeds,
			Components: m.Components, AllowedMentions: m.AllowedMentions})
		if len(m.Embeds) != dmItems || len(buttonsOf(m.Components)) != 20 || len(m.Components) > 5 {
			t.Errorf("renderDM(daily %v): %d embeds, %d buttons in %d rows", daily, len(m.Embeds), len(buttonsOf(m.Components)), len(m.Components))
		}
		for _, b := range buttonsOf(m.Components) {
			if utf8.RuneCountInString(b.Label) > maxButtonLabel {
				t.Errorf("label %d characters", utf8.RuneCountInString(b.Label))
			}
		}
	}
}
