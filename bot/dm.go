package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// Subscription DMs. The router records the articles that match a topic
// as waiting matches; RunDMs turns them into outbox rows: for instant
// topics as soon as the user's pacing allows (one DM per DMEvery, at most
// DMDailyCap a day), for daily topics once a day at the user's time.
//
// One DM is one message and one outbox row, whatever is waiting: the
// dmItems newest matches as embeds, the next ones as linked titles, and a
// count of the rest. A DM carries every match it names or counts, so
// nothing waits forever behind a burst, and the daily cap counts DMs, not
// articles.

// dmItems is how many articles a DM shows as embeds: Discord's limit.
const dmItems = maxEmbeds

// dmMoreLines is how many further articles a DM lists as titles.
const dmMoreLines = 10

// Bounds on an article's parts in a DM: ten titles, sources and topics
// take at most 3,600 of the 6,000 characters embeds share; the texts
// share the rest.
const (
	dmSummaryChars = 400
	dmTitleChars   = 200
	dmNameChars    = 80
)

// dailyBatch is how many due daily subscriptions one read takes.
const dailyBatch = 100

// RunDMs writes the subscription DMs that are due to the outbox: one per
// user whose instant topics matched and whose pacing allows a DM now, and
// one per daily topic whose time has come (none when nothing matched;
// after downtime, one, and the next in the future). Work another process
// did first is skipped; one user's failure does not stop the others, and
// the errors are returned together. It returns how many DMs it wrote.
func (b *Bot) RunDMs(ctx context.Context) (sent int, err error) {
	now := b.now()
	feeds := make(map[int64]newsbot.Feed)
	n, err1 := b.instantDMs(ctx, now, feeds)
	m, err2 := b.dailyDMs(ctx, now, feeds)
	return n + m, errors.Join(err1, err2)
}

// instantDMs writes a DM to each user due one for their instant topics.
func (b *Bot) instantDMs(ctx context.Context, now time.Time, feeds map[int64]newsbot.Feed) (int, error) {
	users, err := b.store.DueDMUsers(ctx, now.Add(-b.delivery.DMEvery), now.Add(-24*time.Hour), b.delivery.DMDailyCap)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, u := range users {
		if err := ctx.Err(); err != nil {
			return sent, errors.Join(append(errs, err)...)
		}
		n, err := b.dm(ctx, u, nil, time.Time{}, feeds)
		if err != nil {
			errs = append(errs, fmt.Errorf("bot: DM user %s: %w", u, err))
		}
		sent += n
	}
	return sent, errors.Join(errs...)
}

// dailyDMs writes the DM of each daily topic that is due, and moves its
// next run to the user's time tomorrow (or the next after now).
func (b *Bot) dailyDMs(ctx context.Context, now time.Time, feeds map[int64]newsbot.Feed) (int, error) {
	sent := 0
	var errs []error
	seen := make(map[int64]bool) // done or failed in this run
	for {
		due, err := b.store.DueSubscriptions(ctx, now, dailyBatch)
		if err != nil {
			return sent, errors.Join(append(errs, err)...)
		}
		progress := false
		for _, s := range due {
			if err := ctx.Err(); err != nil {
				return sent, errors.Join(append(errs, err)...)
			}
			if seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			next, err := nextDaily(s, now)
			if err != nil {
				// Stored subscriptions were checked when made; a zone
				// that stopped loading must not make it due forever.
				errs = append(errs, fmt.Errorf("bot: daily DM of subscription %d: %w", s.ID, err))
				next = now.Add(24 * time.Hour)
			}
			n, err := b.dm(ctx, s.UserID, &s, next, feeds)
			if err != nil {
				errs = append(errs, fmt.Errorf("bot: daily DM of subscription %d to user %s: %w", s.ID, s.UserID, err))
				continue
			}
			sent += n
			progress = true
		}
		// Failed ones stay due and come back first: stop when a batch
		// brought none not seen yet.
		if len(due) < dailyBatch || !progress {
			return sent, errors.Join(errs...)
		}
	}
}

// nextDaily is a daily subscription's next run after now.
func nextDaily(s newsbot.Subscription, now time.Time) (time.Time, error) {
	sched, err := DailyAt(s.Time, s.Timezone)
	if err != nil {
		return time.Time{}, err
	}
	next := sched.Next(now)
	if !next.After(now) {
		return time.Time{}, fmt.Errorf("daily at %s %s has no next run after %v", s.Time, s.Timezone, now)
	}
	return next, nil
}

// dm writes one DM of a user's waiting matches: of their instant topics
// when sub is nil, else of that daily subscription, whose next run is
// then set to next (with or without a DM). It returns how many outbox
// rows it wrote: 0 when nothing waited or another process did it first.
func (b *Bot) dm(ctx context.Context, userID string, sub *newsbot.Subscription, next time.Time, feeds map[int64]newsbot.Feed) (int, error) {
	var subID int64
	if sub != nil {
		subID = sub.ID
	}
	ms, err := b.store.WaitingMatches(ctx, userID, subID)
	if err != nil {
		return 0, err
	}
	if len(ms) == 0 && sub == nil {
		return 0, nil // matches went meanwhile (muted, unsubscribed)
	}
	var rows []newsbot.Delivery
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if len(ms) > 0 {
		row, err := b.dmRow(ctx, userID, sub, ms, feeds)
		if err != nil {
			return 0, err
		}
		rows = append(rows, row)
	}
	err = b.store.CommitDM(ctx, ids, rows, subID, next)
	if errors.Is(err, newsbot.ErrConflict) {
		b.log.Debug("DM written by another process", "user_id", userID, "subscription_id", subID)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(rows) > 0 {
		b.wake()
	}
	return len(rows), nil
}

// DMKey is the outbox key of a subscription DM: the user and the first
// match it carries, which no other DM can carry.
func DMKey(userID string, firstMatchID int64) string {
	return "dm:" + userID + ":" + strconv.FormatInt(firstMatchID, 10)
}

// dmRow renders a DM of matches (oldest first, as the store gives them)
// as one outbox row.
func (b *Bot) dmRow(ctx context.Context, userID string, sub *newsbot.Subscription, ms []newsbot.Match, feeds map[int64]newsbot.Feed) (newsbot.Delivery, error) {
	v := dmView{
		UnsubscribeID: func(id int64) string { return b.subButtonID(userID, actUnsubscribe, id) },
		MuteID:        func(id int64) string { return b.subButtonID(userID, actMute, id) },
	}
	if sub != nil {
		v.Daily, v.Topic = true, sub.Topic
	}
	first := ms[0].ID
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		first = min(first, m.ID)
		f, ok := feeds[m.Article.FeedID]
		if !ok && len(v.Items) < dmItems+dmMoreLines {
			var err error
			if f, err = b.store.Feed(ctx, m.Article.FeedID); err != nil {
				return newsbot.Delivery{}, err
			}
			feeds[f.ID] = f
		}
		v.Items = append(v.Items, dmItem{Match: m, Feed: f})
	}
	payload, err := json.Marshal(renderDM(v))
	if err != nil {
		return newsbot.Delivery{}, fmt.Errorf("bot: render DM: %w", err)
	}
	return newsbot.Delivery{
		Key: DMKey(userID, first), Kind: newsbot.DeliveryDM, UserID: userID,
		GuildID: v.Items[0].Match.GuildID, Payload: payload,
	}, nil
}

// dmView is a DM to render.
type dmView struct {
	// Daily is set for a daily topic's DM, whose topic is Topic.
	Daily bool
	Topic string
	// Items are the matches, newest first, each with its feed.
	Items []dmItem
	// UnsubscribeID and MuteID make the buttons' custom IDs from a
	// subscription's and a feed's ID.
	UnsubscribeID func(subscriptionID int64) string
	MuteID        func(feedID int64) string
}

// dmItem is one matched article.
type dmItem struct {
	Match newsbot.Match
	Feed  newsbot.Feed
}

// renderDM renders a subscription DM: a line saying what it is, the
// newest articles as embeds (title linked, source, key sentences, the
// topic that matched), the next ones as linked titles, the count of the
// rest, and a row of Unsubscribe buttons (one per topic shown) and of
// Mute buttons (one per source shown).
func renderDM(v dmView) *discordgo.MessageSend {
	shown := v.Items[:min(len(v.Items), dmItems)]
	var content strings.Builder
	n := len(v.Items)
	articles := "articles"
	if n == 1 {
		articles = "article"
	}
	topics := distinctTopics(v.Items)
	switch {
	case v.Daily:
		fmt.Fprintf(&content, "Your daily news on %s: %d %s.", quoteQuery(truncate(oneLine(v.Topic), 200)), n, articles)
	case len(topics) == 1 && n == 1:
		fmt.Fprintf(&content, "A new article matches %s.", quoteQuery(truncate(oneLine(topics[0].Topic), 200)))
	case len(topics) == 1:
		fmt.Fprintf(&content, "%d new articles match %s.", n, quoteQuery(truncate(oneLine(topics[0].Topic), 200)))
	default:
		fmt.Fprintf(&content, "%d new articles match your topics.", n)
	}
	if rest := v.Items[len(shown):]; len(rest) > 0 {
		fmt.Fprintf(&content, " The %d newest are below; also:", len(shown))
		listed := 0
		for _, it := range rest[:min(len(rest), dmMoreLines)] {
			line := "\n• " + maskedLink(it.Match.Article.Title, it.Match.Article.URL) + " · " + escape(truncate(feedName(it.Feed), 60))
			if content.Len()+len(line) > maxContent-200 { // room for the last line
				break
			}
			content.WriteString(line)
			listed++
		}
		if left := rest[listed:]; len(left) > 0 {
			if t := distinctTopics(left); len(t) == 1 {
				fmt.Fprintf(&content, "\n…and %d more: /search %s in the server finds them.", len(left), escape(truncate(oneLine(t[0].Topic), 100)))
			} else {
				fmt.Fprintf(&content, "\n…and %d more: /search with your topics in the server finds them.", len(left))
			}
		}
	}

	embeds := make([]*discordgo.MessageEmbed, 0, len(shown))
	descs := make([]string, 0, len(shown))
	fixed := 0
	for _, it := range shown {
		a := it.Match.Article
		var desc strings.Builder
		for _, s := range a.Summary {
			desc.WriteString("• " + escape(oneLine(s)) + "\n")
		}
		if desc.Len() == 0 {
			desc.WriteString(escape(truncate(oneLine(a.Text), dmSummaryChars)))
		}
		e := &discordgo.MessageEmbed{
			Title:  truncate(escape(cmp.Or(oneLine(a.Title), "(untitled)")), dmTitleChars),
			URL:    webURL(a.URL),
			Author: &discordgo.MessageEmbedAuthor{Name: truncate(feedName(it.Feed), dmNameChars), URL: webURL(it.Feed.SiteURL)},
			Footer: &discordgo.MessageEmbedFooter{Text: truncate("Topic: "+oneLine(it.Match.Topic), dmNameChars)},
		}
		if !a.PublishedAt.IsZero() {
			e.Timestamp = a.PublishedAt.UTC().Format(time.RFC3339)
		}
		fixed += embedSize(e)
		embeds = append(embeds, e)
		descs = append(descs, desc.String())
	}
	// The texts share what titles, sources and topics leave of the
	// 6,000 characters evenly, so every article keeps some.
	if len(embeds) > 0 {
		per := min(dmSummaryChars, (maxEmbedTotal-fixed)/len(embeds))
		for i, e := range embeds {
			e.Description = truncate(descs[i], per)
		}
	}
	d := message(content.String(), false, embeds...)

	var buttons []discordgo.MessageComponent
	for _, m := range distinctTopics(shown) {
		buttons = append(buttons, discordgo.Button{
			Label: truncate("Unsubscribe from “"+oneLine(m.Topic)+"”", maxButtonLabel), Style: discordgo.SecondaryButton,
			CustomID: v.UnsubscribeID(m.SubscriptionID),
		})
	}
	var seen []int64
	for _, it := range shown {
		if slices.Contains(seen, it.Feed.ID) {
			continue
		}
		seen = append(seen, it.Feed.ID)
		buttons = append(buttons, discordgo.Button{
			Label: truncate("Mute "+feedName(it.Feed), maxButtonLabel), Style: discordgo.SecondaryButton,
			CustomID: v.MuteID(it.Feed.ID),
		})
	}
	return &discordgo.MessageSend{Content: d.Content, Embeds: d.Embeds, Components: buttonRows(buttons), AllowedMentions: d.AllowedMentions}
}

// distinctTopics returns the first match of each subscription, in order.
func distinctTopics(items []dmItem) []newsbot.Match {
	var out []newsbot.Match
	for _, it := range items {
		if !slices.ContainsFunc(out, func(m newsbot.Match) bool { return m.SubscriptionID == it.Match.SubscriptionID }) {
			out = append(out, it.Match)
		}
	}
	return out
}

// maskedLink is an escaped title linking to u, without the link preview
// a link in a message's text would bring.
func maskedLink(title, u string) string {
	t := escape(truncate(cmp.Or(oneLine(title), "(untitled)"), 100))
	if webURL(u) == "" || strings.ContainsAny(u, "()<> ") {
		return t
	}
	return "[" + t + "](<" + u + ">)"
}
