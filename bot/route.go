package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// routeCursor names the store cursor of the router: the last article id
// routed.
const routeCursor = "route"

// routeBatch is how many stored articles one routing step reads.
const routeBatch = 500

// Route turns the articles stored since the last call into what they
// cause: posts in the channels that follow their feeds in instant mode
// (after each follow's filters; one post per story and channel, several
// articles per message), and matches of topic subscriptions waiting for a
// DM. Backlog, the items a feed carried when it was added, causes
// nothing. Each step commits its rows and its cursor together, so a crash
// neither loses nor repeats anything. It returns how many outbox rows it
// wrote.
func (b *Bot) Route(ctx context.Context) (int, error) {
	total := 0
	for {
		after, err := b.store.Cursor(ctx, routeCursor)
		if err != nil {
			return total, err
		}
		articles, err := b.store.ArticlesAfter(ctx, after, routeBatch)
		if err != nil || len(articles) == 0 {
			return total, err
		}
		ds, ms, err := b.route(ctx, articles)
		if err != nil {
			return total, err
		}
		n, err := b.store.CommitRoute(ctx, routeCursor, articles[len(articles)-1].ID, ds, ms)
		if err != nil {
			return total, err
		}
		total += n
		if n > 0 {
			b.wake()
		}
		if len(articles) < routeBatch {
			return total, nil
		}
	}
}

// feedRoutes is what routing needs to know of one feed.
type feedRoutes struct {
	feed    newsbot.Feed
	follows []newsbot.Follow // active ones
	guilds  []string
}

func (b *Bot) feedRoutes(ctx context.Context, cache map[int64]*feedRoutes, id int64) (*feedRoutes, error) {
	if r, ok := cache[id]; ok {
		return r, nil
	}
	f, err := b.store.Feed(ctx, id)
	if err != nil {
		return nil, err
	}
	follows, err := b.store.FeedFollows(ctx, id)
	if err != nil {
		return nil, err
	}
	r := &feedRoutes{feed: f}
	for _, fl := range follows {
		if !fl.StoppedAt.IsZero() {
			continue
		}
		r.follows = append(r.follows, fl)
		if !slices.Contains(r.guilds, fl.GuildID) {
			r.guilds = append(r.guilds, fl.GuildID)
		}
	}
	cache[id] = r
	return r, nil
}

// channelPosts collects one channel's new stories in arrival order.
type channelPosts struct {
	guildID string
	entries []postEntry
	stories map[int64]int // story → its entry
}

type postEntry struct {
	article newsbot.Article
	feed    newsbot.Feed
	// also names the channel's other feeds that carried the story.
	also []string
}

// addSource notes that the feed named name carried e's story too.
func (e *postEntry) addSource(name string) {
	if name != feedName(e.feed) && !slices.Contains(e.also, name) {
		e.also = append(e.also, name)
	}
}

func (b *Bot) route(ctx context.Context, articles []newsbot.Article) ([]newsbot.Delivery, []newsbot.Match, error) {
	cache := make(map[int64]*feedRoutes)
	channels := make(map[string]*channelPosts)
	var order []string
	var matches []newsbot.Match
	now := b.now()
	for _, a := range articles {
		if a.Backlog {
			continue
		}
		r, err := b.feedRoutes(ctx, cache, a.FeedID)
		if err != nil {
			return nil, nil, err
		}
		for _, fl := range r.follows {
			if fl.Mode != newsbot.ModeInstant || filterReason(fl, a) != "" {
				continue
			}
			cp := channels[fl.ChannelID]
			if cp == nil {
				cp = &channelPosts{guildID: fl.GuildID, stories: make(map[int64]int)}
				channels[fl.ChannelID] = cp
				order = append(order, fl.ChannelID)
			}
			if a.StoryID != 0 {
				if i, ok := cp.stories[a.StoryID]; ok {
					// Another feed of this channel brought the story in
					// this batch: one post, naming both.
					cp.entries[i].addSource(feedName(r.feed))
					continue
				}
				cp.stories[a.StoryID] = len(cp.entries)
			}
			cp.entries = append(cp.entries, postEntry{article: a, feed: r.feed})
		}
		if len(r.guilds) == 0 || b.topics.Len() == 0 {
			continue
		}
		for _, s := range b.topics.Match(Doc{
			FeedID: a.FeedID, Source: r.feed.Title, Host: siteHost(r.feed.URL),
			Title: a.Title, Text: a.Text, Guilds: r.guilds,
		}) {
			matches = append(matches, newsbot.Match{
				SubscriptionID: s.ID, UserID: s.UserID, GuildID: s.GuildID,
				ArticleID: a.ID, StoryID: a.StoryID, MatchedAt: now,
			})
		}
	}

	var ds []newsbot.Delivery
	for _, ch := range order {
		cp := channels[ch]
		ids := make([]int64, 0, len(cp.stories))
		for id := range cp.stories {
			ids = append(ids, id)
		}
		posted, err := b.store.PostedStories(ctx, ch, ids)
		if err != nil {
			return nil, nil, err
		}
		var fresh, again []postEntry
		for _, e := range cp.entries {
			if posted[e.article.StoryID] {
				again = append(again, e)
			} else {
				fresh = append(fresh, e)
			}
		}
		rows, err := postDeliveries(cp.guildID, ch, fresh)
		if err != nil {
			return nil, nil, err
		}
		ds = append(ds, rows...)
		edits, err := b.alsoReported(ctx, cp.guildID, ch, again)
		if err != nil {
			return nil, nil, err
		}
		ds = append(ds, edits...)
	}
	return ds, matches, nil
}

// maxAlso bounds the sources an "Also reported by" line names.
const maxAlso = 10

// alsoReported edits the posts of stories posted in the channel before,
// which the channel's other feeds now carry too: the story's embed gains
// "Also reported by …" with their names. Each edit is the whole message
// (its latest version, with the line added), keyed by how many sources it
// names, so routing the same articles again writes nothing new.
func (b *Bot) alsoReported(ctx context.Context, guildID, channelID string, entries []postEntry) ([]newsbot.Delivery, error) {
	type version struct {
		key string // the post's key
		msg *discordgo.MessageSend
	}
	var order []string
	latest := make(map[string]*version)
	for _, e := range entries {
		post, err := b.store.PostedStory(ctx, channelID, e.article.StoryID)
		if err != nil {
			return nil, err
		}
		v := latest[post.Key]
		if v == nil {
			last, err := b.store.LatestVersion(ctx, post.Key)
			if err != nil {
				return nil, err
			}
			msg, err := decodeMessage(last.Payload)
			if err != nil {
				b.log.Warn("post not editable", "delivery_key", post.Key, "error", err)
				continue
			}
			v = &version{key: post.Key, msg: msg}
		}
		story, err := b.store.StoryArticles(ctx, e.article.StoryID)
		if err != nil {
			return nil, err
		}
		embed := storyEmbed(v.msg, story)
		if embed == nil || !addAlso(embed, feedName(e.feed)) {
			continue
		}
		if latest[post.Key] == nil {
			latest[post.Key] = v
			order = append(order, post.Key)
		}
	}
	var out []newsbot.Delivery
	for _, key := range order {
		v := latest[key]
		payload, err := json.Marshal(v.msg)
		if err != nil {
			return nil, fmt.Errorf("bot: render edit of %s: %w", key, err)
		}
		out = append(out, newsbot.Delivery{
			Key:  "edit:" + key + ":" + strconv.Itoa(countAlso(v.msg)),
			Kind: newsbot.DeliveryEdit, GuildID: guildID, ChannelID: channelID, EditOf: key, Payload: payload,
		})
	}
	return out, nil
}

// storyEmbed returns the embed of msg that shows one of story's articles.
func storyEmbed(msg *discordgo.MessageSend, story []newsbot.Article) *discordgo.MessageEmbed {
	for _, e := range msg.Embeds {
		for _, a := range story {
			if e.URL != "" && e.URL == webURL(a.URL) {
				return e
			}
		}
	}
	return nil
}

// alsoPrefix starts the footer of a post that other feeds carried too;
// alsoSep separates their names.
const (
	alsoPrefix = "Also reported by "
	alsoSep    = " · "
)

// alsoNames returns the sources an embed's footer names.
func alsoNames(e *discordgo.MessageEmbed) []string {
	if e.Footer == nil || !strings.HasPrefix(e.Footer.Text, alsoPrefix) {
		return nil
	}
	return strings.Split(strings.TrimPrefix(e.Footer.Text, alsoPrefix), alsoSep)
}

// setAlso writes names into an embed's footer.
func setAlso(e *discordgo.MessageEmbed, names []string) {
	if len(names) == 0 {
		return
	}
	e.Footer = &discordgo.MessageEmbedFooter{Text: truncate(alsoPrefix+strings.Join(names, alsoSep), maxFooter)}
}

// addAlso adds a source to an embed's "Also reported by", and reports
// whether that changed it.
func addAlso(e *discordgo.MessageEmbed, name string) bool {
	names := alsoNames(e)
	if (e.Author != nil && e.Author.Name == name) || slices.Contains(names, name) || len(names) >= maxAlso {
		return false
	}
	setAlso(e, append(names, name))
	return true
}

// countAlso counts the sources all of a message's embeds name.
func countAlso(msg *discordgo.MessageSend) int {
	n := 0
	for _, e := range msg.Embeds {
		n += len(alsoNames(e))
	}
	return n
}

// PostKey is the outbox key of a post in a channel, named after the first
// story (or, for an article without one, the article) it carries: a
// channel gets each story once.
func PostKey(channelID string, a newsbot.Article) string {
	if a.StoryID == 0 {
		return "post:" + channelID + ":a" + strconv.FormatInt(a.ID, 10)
	}
	return "post:" + channelID + ":" + strconv.FormatInt(a.StoryID, 10)
}

// postDeliveries packs a channel's new articles into as few messages as
// Discord's limits allow (10 embeds, 6,000 characters), one outbox row
// each.
func postDeliveries(guildID, channelID string, entries []postEntry) ([]newsbot.Delivery, error) {
	var out []newsbot.Delivery
	var msg *discordgo.MessageSend
	var first newsbot.Article
	var stories []int64
	size := 0
	flush := func() error {
		if msg == nil {
			return nil
		}
		payload, err := json.Marshal(msg)
		if err != nil {
			return fmt.Errorf("bot: render post: %w", err)
		}
		out = append(out, newsbot.Delivery{
			Key: PostKey(channelID, first), Kind: newsbot.DeliveryPost, GuildID: guildID, ChannelID: channelID,
			Payload: payload, Stories: stories,
		})
		msg, stories, size = nil, nil, 0
		return nil
	}
	for _, e := range entries {
		embed := renderPost(e.article, e.feed).Embeds[0]
		setAlso(embed, e.also[:min(len(e.also), maxAlso)])
		n := embedSize(embed)
		if msg != nil && (len(msg.Embeds) == maxEmbeds || size+n > maxEmbedTotal) {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		if msg == nil {
			msg = &discordgo.MessageSend{AllowedMentions: noMentions()}
			first = e.article
		}
		msg.Embeds = append(msg.Embeds, embed)
		size += n
		if e.article.StoryID != 0 {
			stories = append(stories, e.article.StoryID)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// Gone is the sender's word that a target cannot be reached: a channel
// the bot lost (its follows stop, and /feed list says why), or a user who
// refuses DMs (their subscriptions pause until they resume them).
func (b *Bot) Gone(ctx context.Context, d newsbot.Delivery, reason string) {
	var err error
	if d.Kind == newsbot.DeliveryDM {
		err = b.store.PauseSubscriptions(ctx, d.UserID, reason, b.now())
	} else {
		err = b.store.StopChannel(ctx, d.ChannelID, reason, b.now())
	}
	if err != nil {
		b.log.Error("record unreachable target", "delivery_key", d.Key, "channel_id", d.ChannelID, "user_id", d.UserID, "error", err)
		return
	}
	b.log.Warn("target unreachable", "delivery_key", d.Key, "channel_id", d.ChannelID, "user_id", d.UserID, "reason", reason)
}

// LoadTopics fills the subscription matcher from the store; run it once
// at start, before Route.
func (b *Bot) LoadTopics(ctx context.Context) error {
	subs, err := b.store.AllSubscriptions(ctx)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if err := b.topics.Add(s); err != nil {
			b.log.Warn("subscription topic not loaded", "subscription_id", s.ID, "user_id", s.UserID, "topic", s.Topic, "error", err)
		}
	}
	return nil
}
