package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// CheckHealth tells the channels following a feed when it starts
// failing (after Delivery.FailingAfter consecutive failures), when
// polling stops because it failed too long, and when it works again: one
// notice per change, not one per failure. It returns how many notices it
// wrote.
func (b *Bot) CheckHealth(ctx context.Context) (int, error) {
	changes, err := b.store.HealthChanges(ctx, b.delivery.FailingAfter)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, c := range changes {
		follows, err := b.store.FeedFollows(ctx, c.Feed.ID)
		if err != nil {
			return written, err
		}
		ds, err := healthNotices(c, follows, b.now())
		if err != nil {
			return written, err
		}
		if err := b.store.CommitHealth(ctx, c.Feed.ID, c.To, ds); err != nil {
			return written, err
		}
		written += len(ds)
		b.log.Info("feed health changed", "feed_id", c.Feed.ID, "feed_url", c.Feed.URL, "from", string(c.From), "to", string(c.To), "notices", len(ds))
	}
	if written > 0 {
		b.wake()
	}
	return written, nil
}

// healthNotices renders a health change once for every channel that
// follows the feed and can still be reached.
func healthNotices(c newsbot.HealthChange, follows []newsbot.Follow, now time.Time) ([]newsbot.Delivery, error) {
	payload, err := json.Marshal(renderHealthNotice(c, now))
	if err != nil {
		return nil, fmt.Errorf("bot: render health notice: %w", err)
	}
	// The change is named by the time it happened, so a feed that fails
	// again next week gets a new notice while a repeated run does not.
	at := c.Feed.LastErrorAt
	switch c.To {
	case newsbot.HealthDisabled:
		at = c.Feed.DisabledAt
	case newsbot.HealthOK:
		at = c.Feed.LastSuccessAt
	}
	var out []newsbot.Delivery
	var seen []string
	for _, fl := range follows {
		if !fl.StoppedAt.IsZero() || slices.Contains(seen, fl.ChannelID) {
			continue
		}
		seen = append(seen, fl.ChannelID)
		out = append(out, newsbot.Delivery{
			Key:  "notice:" + fl.ChannelID + ":" + strconv.FormatInt(c.Feed.ID, 10) + ":" + string(c.To) + ":" + strconv.FormatInt(at.UnixMilli(), 10),
			Kind: newsbot.DeliveryNotice, GuildID: fl.GuildID, ChannelID: fl.ChannelID, Payload: payload,
		})
	}
	return out, nil
}

// renderHealthNotice is the short message a channel gets about one of
// its feeds.
func renderHealthNotice(c newsbot.HealthChange, now time.Time) *discordgo.MessageSend {
	name := "**" + escape(truncate(feedName(c.Feed), 200)) + "**"
	var b strings.Builder
	switch c.To {
	case newsbot.HealthFailing:
		worked := "it has not worked yet"
		if !c.Feed.LastSuccessAt.IsZero() {
			worked = "it last worked " + ago(c.Feed.LastSuccessAt, now)
		}
		fmt.Fprintf(&b, "⚠️ The feed %s is failing: %s (%d attempts in a row; %s). newsbot keeps trying and will say here when it works again; `/feed why` tells more.",
			name, escape(truncate(oneLine(c.Feed.LastError), 300)), c.Feed.Failures, worked)
	case newsbot.HealthDisabled:
		fmt.Fprintf(&b, "⛔ The feed %s has failed for too long, so newsbot stopped polling it. Last error: %s. Remove it and add it again with `/feed add` to retry.",
			name, escape(truncate(oneLine(c.Feed.LastError), 300)))
	default:
		fmt.Fprintf(&b, "✅ The feed %s works again; new articles will arrive as before.", name)
	}
	return &discordgo.MessageSend{Content: truncate(b.String(), maxContent), AllowedMentions: noMentions()}
}
