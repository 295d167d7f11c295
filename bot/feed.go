package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// feedCommand answers /feed and its subcommands.
func (b *Bot) feedCommand(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	name, opts := subcommand(commandData(ix))
	switch name {
	case "add":
		return b.feedAdd(ctx, ix, x, opts)
	case "remove":
		return b.feedRemove(ctx, ix, opts)
	case "list":
		return b.feedList(ctx, ix)
	case "why":
		return b.feedWhy(ctx, ix, opts)
	}
	return nil, invalidf("/feed needs a subcommand: add, remove, list or why")
}

// checkURL refuses what is plainly not a web address before any work.
func checkURL(option, raw string) error {
	if raw == "" {
		return invalidf("%s: give the address, starting with https://", option)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		if err == nil && u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Host != "" {
			return invalidf("%s: %q is a %s: address; newsbot reads only http and https addresses", option, truncate(raw, 100), u.Scheme)
		}
		return invalidf("%s: %q is not a web address; give one like https://example.com/feed", option, truncate(raw, 100))
	}
	return nil
}

// checkFilter validates an include or exclude filter: search syntax with
// at least one word.
func checkFilter(option, s string) error {
	if s == "" {
		return nil
	}
	q, err := newsbot.ParseQuery(s, time.Time{})
	if err != nil {
		p, _ := phrase(err)
		return invalidf("%s: %s", option, p)
	}
	if q.Source != "" || !q.Since.IsZero() {
		return invalidf("%s: source: and since: do not apply to a filter; give words and \"phrases\"", option)
	}
	return nil
}

// feedAdd follows a feed in a channel: it fetches the URL at once (or
// finds the site's feed), stores the feed with its current items as
// backlog, and answers with the feed's title and item count.
func (b *Bot) feedAdd(ctx context.Context, ix *discordgo.Interaction, x *exchange, opts options) (*discordgo.InteractionResponseData, error) {
	if !canManage(ix) {
		return nil, forbiddenf("adding a feed needs the Manage Channels permission; ask a server admin")
	}
	raw := opts.str("url")
	if err := checkURL("url", raw); err != nil {
		return nil, err
	}
	mode := newsbot.Mode(cmp.Or(opts.str("mode"), string(newsbot.ModeInstant)))
	if !mode.Valid() {
		return nil, invalidf("mode: %q is not instant or digest", opts.str("mode"))
	}
	include, exclude := opts.str("include"), opts.str("exclude")
	if err := checkFilter("include", include); err != nil {
		return nil, err
	}
	if err := checkFilter("exclude", exclude); err != nil {
		return nil, err
	}
	channelID := cmp.Or(opts.channel("channel"), ix.ChannelID)

	// Fetching may take many seconds: say so now.
	if err := x.deferNow(ctx); err != nil {
		return nil, err
	}
	feed, items, created, err := b.web.AddFeed(ctx, raw)
	if err != nil {
		if errors.Is(err, newsbot.ErrInvalid) {
			p, _ := phrase(err)
			return nil, invalidf("could not add %s: %s. Check the address, or give the site's home page so newsbot can find its feed",
				truncate(raw, 200), p)
		}
		return nil, fmt.Errorf("add feed %q: %w", raw, err)
	}
	fl, err := b.store.AddFollow(ctx, newsbot.Follow{
		GuildID: ix.GuildID, ChannelID: channelID, FeedID: feed.ID, Mode: mode,
		Include: include, Exclude: exclude, CreatedBy: userID(ix),
	})
	if errors.Is(err, newsbot.ErrExists) {
		return nil, existsf("%s already follows %s; /feed remove it first to change how", mentionChannel(channelID), escape(feedName(feed)))
	}
	if err != nil {
		if created {
			// Nobody follows the feed just stored: do not poll it for nothing.
			if derr := b.store.DeleteFeed(ctx, feed.ID); derr != nil {
				b.log.Error("delete unfollowed feed", "feed_url", feed.URL, "error", derr)
			}
		}
		return nil, fmt.Errorf("follow feed %d in channel %s: %w", feed.ID, channelID, err)
	}
	b.log.Info("feed followed", "guild_id", ix.GuildID, "channel_id", channelID, "feed_url", feed.URL,
		"feed_created", created, "items", items, "user_id", userID(ix))
	return feedAdded(feed, items, created, fl, b.now()), nil
}

// guildFeeds returns the feeds followed in the guild with their follows
// there, by feed title.
func (b *Bot) guildFeeds(ctx context.Context, guildID string) ([]guildFeed, error) {
	feeds, err := b.store.GuildFeeds(ctx, guildID)
	if err != nil {
		return nil, err
	}
	follows, err := b.store.GuildFollows(ctx, guildID)
	if err != nil {
		return nil, err
	}
	byFeed := make(map[int64][]newsbot.Follow, len(feeds))
	for _, fl := range follows {
		byFeed[fl.FeedID] = append(byFeed[fl.FeedID], fl)
	}
	out := make([]guildFeed, 0, len(feeds))
	for _, f := range feeds {
		out = append(out, guildFeed{Feed: f, Follows: byFeed[f.ID]})
	}
	return out, nil
}

// followChoice is a follow of this guild as /feed remove offers it.
type followChoice struct {
	follow newsbot.Follow
	feed   newsbot.Feed
}

// followChoices lists the guild's follows with their feeds, by feed title
// then channel.
func (b *Bot) followChoices(ctx context.Context, guildID string) ([]followChoice, error) {
	gfs, err := b.guildFeeds(ctx, guildID)
	if err != nil {
		return nil, err
	}
	var out []followChoice
	for _, gf := range gfs {
		for _, fl := range gf.Follows {
			out = append(out, followChoice{follow: fl, feed: gf.Feed})
		}
	}
	return out, nil
}

// followValue is the autocomplete value naming a follow.
func followValue(id int64) string { return "follow:" + strconv.FormatInt(id, 10) }

// feedRemove stops a channel following a feed. The value is what
// autocomplete offered, or text matched against the guild's feeds.
func (b *Bot) feedRemove(ctx context.Context, ix *discordgo.Interaction, opts options) (*discordgo.InteractionResponseData, error) {
	if !canManage(ix) {
		return nil, forbiddenf("removing a feed needs the Manage Channels permission; ask a server admin")
	}
	value := opts.str("feed")
	if value == "" {
		return nil, invalidf("feed: pick the feed to remove from the list")
	}
	choices, err := b.followChoices(ctx, ix.GuildID)
	if err != nil {
		return nil, err
	}
	var matches []followChoice
	for _, c := range choices {
		if value == followValue(c.follow.ID) {
			matches = []followChoice{c}
			break
		}
		if strings.EqualFold(value, c.feed.URL) || strings.EqualFold(value, feedName(c.feed)) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return nil, notFoundf("no feed %q is followed in this server; pick one from the list, or see /feed list", truncate(value, 100))
	case 1:
	default:
		var where []string
		for _, m := range matches {
			where = append(where, mentionChannel(m.follow.ChannelID))
		}
		return nil, invalidf("%s is followed in %s; pick the channel's entry from the list", escape(feedName(matches[0].feed)), strings.Join(where, " and "))
	}
	m := matches[0]
	if err := b.store.RemoveFollow(ctx, ix.GuildID, m.follow.ID); err != nil {
		if errors.Is(err, newsbot.ErrNotFound) {
			return nil, notFoundf("that feed is no longer followed here; see /feed list")
		}
		return nil, err
	}
	b.log.Info("feed unfollowed", "guild_id", ix.GuildID, "channel_id", m.follow.ChannelID, "feed_url", m.feed.URL, "user_id", userID(ix))
	return feedRemoved(m.feed, m.follow), nil
}

// feedRemoveChoices offers the guild's follows whose feed title, address
// or channel name contain what was typed.
func (b *Bot) feedRemoveChoices(ctx context.Context, ix *discordgo.Interaction, typed string, channelName func(string) string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	choices, err := b.followChoices(ctx, ix.GuildID)
	if err != nil {
		return nil, err
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	var names, values []string
	for _, c := range choices {
		ch := channelName(c.follow.ChannelID)
		hay := strings.ToLower(feedName(c.feed) + " " + c.feed.URL + " " + ch)
		if typed != "" && !strings.Contains(hay, typed) {
			continue
		}
		names = append(names, truncate(feedName(c.feed), 70)+" → #"+ch)
		values = append(values, followValue(c.follow.ID))
	}
	return autocompleteChoices(names, values), nil
}

// feedList answers /feed list.
func (b *Bot) feedList(ctx context.Context, ix *discordgo.Interaction) (*discordgo.InteractionResponseData, error) {
	gfs, err := b.guildFeeds(ctx, ix.GuildID)
	if err != nil {
		return nil, err
	}
	return renderFeedList(gfs, b.now()), nil
}

// feedWhy answers /feed why: what the store knows of a feed or an
// article at the URL, seen from this guild.
func (b *Bot) feedWhy(ctx context.Context, ix *discordgo.Interaction, opts options) (*discordgo.InteractionResponseData, error) {
	raw := opts.str("url")
	if err := checkURL("url", raw); err != nil {
		return nil, err
	}
	u, err := b.web.CanonicalURL(raw)
	if err != nil {
		return nil, invalidf("url: %q is not a web address newsbot can read", truncate(raw, 100))
	}
	gfs, err := b.guildFeeds(ctx, ix.GuildID)
	if err != nil {
		return nil, err
	}
	visible := make(map[int64]guildFeed, len(gfs))
	for _, gf := range gfs {
		visible[gf.Feed.ID] = gf
		if gf.Feed.URL == u {
			return whyFeed(gf.Feed, gf.Follows, b.now()), nil
		}
	}

	articles, err := b.store.ArticlesByURL(ctx, u)
	if err != nil {
		return nil, err
	}
	var found []articleWhy
	for _, a := range articles {
		gf, ok := visible[a.FeedID]
		if !ok {
			continue // another guild's feed: invisible here
		}
		w := articleWhy{Article: a, Feed: gf.Feed}
		for _, fl := range gf.Follows {
			r := route{Follow: fl, Reason: filterReason(fl, a)}
			if a.StoryID != 0 {
				if d, err := b.store.PostedStory(ctx, fl.ChannelID, a.StoryID); err == nil {
					r.Delivery = &d
				} else if !errors.Is(err, newsbot.ErrNotFound) {
					return nil, err
				}
			}
			w.Routes = append(w.Routes, r)
		}
		if a.StoryID != 0 {
			story, err := b.store.StoryArticles(ctx, a.StoryID)
			if err != nil {
				return nil, err
			}
			for _, o := range story {
				ogf, ok := visible[o.FeedID]
				if !ok || o.FeedID == a.FeedID {
					continue
				}
				src := storySource{Feed: ogf.Feed, Article: o}
				w.Others = append(w.Others, src)
				if w.FirstInStory == nil && (o.FetchedAt.Before(a.FetchedAt) || (o.FetchedAt.Equal(a.FetchedAt) && o.ID < a.ID)) {
					w.FirstInStory = &src
				}
			}
		}
		found = append(found, w)
	}
	if len(found) > 0 {
		return whyArticle(u, found, b.now()), nil
	}
	return whyUnknown(u, sameSite(u, gfs), b.now()), nil
}

// sameSite returns the guild's feeds whose feed or site address is on the
// host of u (a leading www. aside).
func sameSite(u string, gfs []guildFeed) []newsbot.Feed {
	host := siteHost(u)
	if host == "" {
		return nil
	}
	var out []newsbot.Feed
	for _, gf := range gfs {
		if siteHost(gf.Feed.URL) == host || siteHost(gf.Feed.SiteURL) == host {
			out = append(out, gf.Feed)
		}
	}
	return out
}

func siteHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}
