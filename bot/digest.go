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

// A channel digest gathers the stories that reached a channel's feeds
// since its previous digest: one entry per story however many feeds
// carried it, the stories most widely reported first. Schedules persist
// their next run; RunDigests claims the due ones with a lease and writes
// each digest to the outbox together with the next run, so a crash or a
// restart neither loses a digest nor sends one twice, and a long downtime
// ends in one catch-up digest rather than a flood.

// Tuning of digest runs.
const (
	// digestLease is how long a claimed digest is held: far longer than
	// composing one takes, short enough that a crashed process's digests
	// are soon picked up again.
	digestLease = 5 * time.Minute
	// digestBatch is how many due digests one claim takes.
	digestBatch = 20
	// maxDigestWindow bounds the period one digest covers: after a long
	// downtime, a week of news is as much as a reader wants at once.
	maxDigestWindow = 7 * 24 * time.Hour
	// digestScan is the most articles of a window a digest reads, newest
	// first; far more than 50 stories need.
	digestScan = 2000
	// badScheduleRetry is how far a digest whose stored schedule no
	// longer parses is pushed, so it is not retried in a loop.
	badScheduleRetry = 24 * time.Hour
	// nowWindow is what /digest now covers in a channel with no schedule.
	nowWindow = 24 * time.Hour
	// digestSummaryChars bounds one entry's summary, so several entries
	// share a message's 6,000 characters.
	digestSummaryChars = 700
	// digestAlsoMax is how many other sources an entry names.
	digestAlsoMax = 5
)

// RunDigests sends the channel digests that are due: it claims them in
// batches, composes each for the stories since the channel's previous
// digest, and writes its messages to the outbox with the next run in one
// transaction. After a downtime one catch-up digest covers the time
// missed (at most a week) and the next run is the next one to come. A
// digest that fails is logged and left to its lease, to be tried again
// when the lease ends; the others go on. It returns how many digests were
// written to the outbox (a repeated run whose messages were there already
// counts too); the error is one that stopped the whole run.
func (b *Bot) RunDigests(ctx context.Context) (sent int, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		now := b.now()
		due, err := b.store.ClaimDueDigests(ctx, now, digestLease, digestBatch)
		if err != nil {
			return sent, err
		}
		for _, d := range due {
			if err := ctx.Err(); err != nil {
				return sent, err
			}
			ok, err := b.runDigest(ctx, d, now)
			if err != nil {
				// Handled here: the lease runs out and a later run retries.
				b.log.Error("digest failed", "guild_id", d.GuildID, "channel_id", d.ChannelID, "digest_id", d.ID, "error", err)
				continue
			}
			if ok {
				sent++
			}
		}
		// Digests claimed and failed keep their lease, so the next claim
		// does not take them again: the loop ends.
		if len(due) < digestBatch {
			return sent, nil
		}
	}
}

// runDigest composes and records one claimed digest. It reports whether
// messages were written.
func (b *Bot) runDigest(ctx context.Context, d newsbot.Digest, now time.Time) (bool, error) {
	sched, err := ParseSchedule(d.Cron, d.Timezone)
	if err != nil {
		next := now.Add(badScheduleRetry)
		b.log.Error("digest schedule no longer parses; pushed a day ahead", "guild_id", d.GuildID, "channel_id", d.ChannelID,
			"cron", d.Cron, "timezone", d.Timezone, "next_run_at", next, "error", err)
		return false, b.store.FinishDigest(ctx, d.ID, d.LastRunAt, next, nil)
	}
	end := windowEnd(sched, d.NextRunAt, now)
	since := windowStart(sched, d.LastRunAt, end)
	next := sched.Next(now)
	if next.IsZero() {
		next = now.Add(badScheduleRetry)
		b.log.Warn("digest schedule has no next run; pushed a day ahead", "channel_id", d.ChannelID, "cron", d.Cron)
	}
	// A /digest now may have covered more than this window already.
	lastRun := d.LastRunAt
	var rows []newsbot.Delivery
	if end.After(since) {
		lastRun = end
		v, err := b.composeDigest(ctx, d.GuildID, d.ChannelID, since, end, d.Max, sched.Location())
		if err != nil {
			return false, err
		}
		if rows, err = digestDeliveries(d.GuildID, d.ChannelID, end, renderDigest(v)); err != nil {
			return false, err
		}
	}
	if err := b.store.FinishDigest(ctx, d.ID, lastRun, next, rows); err != nil {
		return false, err
	}
	if len(rows) == 0 {
		b.log.Debug("digest period empty", "channel_id", d.ChannelID, "window_start", since, "window_end", end)
		return false, nil
	}
	b.wake()
	b.log.Info("digest enqueued", "guild_id", d.GuildID, "channel_id", d.ChannelID, "messages", len(rows),
		"window_start", since, "window_end", end, "next_run_at", next)
	return true, nil
}

// windowEnd is where a digest run's window ends. On time (no later run of
// the schedule has passed) it is the due instant itself: a process that
// lost its lease and finishes late writes the very keys the one that took
// over wrote, so the digest is not sent twice. After a downtime it is
// now, so the one catch-up digest covers everything missed.
func windowEnd(s Schedule, due, now time.Time) time.Time {
	if due.IsZero() || due.After(now) {
		return now
	}
	if next := s.Next(due); next.After(now) {
		return due
	}
	return now
}

// windowStart is where a digest's window starts: the end of the previous
// digest's, or one schedule period before end for the first; never more
// than a week before end.
func windowStart(s Schedule, lastRun, end time.Time) time.Time {
	since := lastRun
	if since.IsZero() {
		since = end.Add(-schedulePeriod(s, end))
	}
	return latest(since, end.Add(-maxDigestWindow))
}

// schedulePeriod is the time between the two runs of s that follow t: a
// day for a daily schedule, a week for a weekly one.
func schedulePeriod(s Schedule, t time.Time) time.Duration {
	t1 := s.Next(t)
	t2 := s.Next(t1)
	if t1.IsZero() || t2.IsZero() {
		return 24 * time.Hour
	}
	return min(t2.Sub(t1), maxDigestWindow)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// digestView is one digest to render.
type digestView struct {
	// From and To bound the period covered, shown in Loc.
	From, To time.Time
	Loc      *time.Location
	// Stories are the entries, best first, at most the digest's max.
	Stories []digestStory
	// Total is how many stories the period had before the cut to max.
	Total int
}

// digestStory is one entry of a digest: a story, told by its lead
// article, with the other sources that carried it.
type digestStory struct {
	Lead   newsbot.Article
	Source string
	// Also names the other feeds of the guild that carried the story,
	// first seen first.
	Also []string

	sources int       // distinct feeds carrying the story
	recent  time.Time // its newest article in the window
	order   int       // the lead feed's place among the channel's feeds
}

// digestFollows returns what feeds a channel's digest: its active follows
// in digest mode, or all its active follows when none is in digest mode,
// in the order they were added.
func (b *Bot) digestFollows(ctx context.Context, guildID, channelID string) ([]newsbot.Follow, error) {
	all, err := b.store.GuildFollows(ctx, guildID)
	if err != nil {
		return nil, err
	}
	var active, digest []newsbot.Follow
	for _, fl := range all {
		if fl.ChannelID != channelID || !fl.StoppedAt.IsZero() {
			continue
		}
		active = append(active, fl)
		if fl.Mode == newsbot.ModeDigest {
			digest = append(digest, fl)
		}
	}
	if len(digest) > 0 {
		active = digest
	}
	slices.SortFunc(active, func(a, b newsbot.Follow) int { return cmp.Compare(a.ID, b.ID) })
	return active, nil
}

// composeDigest selects a channel's stories first stored in (since,
// until]: the articles of the feeds that feed its digest, through each
// follow's filters, grouped by story and ranked by how many sources carry
// the story, then recency, then feed order; at most max.
func (b *Bot) composeDigest(ctx context.Context, guildID, channelID string, since, until time.Time, most int, loc *time.Location) (digestView, error) {
	v := digestView{From: since, To: until, Loc: loc}
	follows, err := b.digestFollows(ctx, guildID, channelID)
	if err != nil || len(follows) == 0 {
		return v, err
	}
	order := make(map[int64]int, len(follows))
	byFeed := make(map[int64]newsbot.Follow, len(follows))
	feedIDs := make([]int64, len(follows))
	for i, fl := range follows {
		order[fl.FeedID], byFeed[fl.FeedID], feedIDs[i] = i, fl, fl.FeedID
	}
	articles, err := b.store.DigestArticles(ctx, feedIDs, since, until, digestScan)
	if err != nil {
		return v, err
	}

	// Group what passes the filters by story; an article not grouped
	// into a story is a story of its own.
	groups := make(map[int64][]newsbot.Article)
	var keys, storyIDs []int64 // in the order first met: deterministic
	for _, a := range articles {
		if filterReason(byFeed[a.FeedID], a) != "" {
			continue
		}
		key := a.StoryID
		if key == 0 {
			key = -a.ID
		}
		if _, ok := groups[key]; !ok {
			keys = append(keys, key)
			if a.StoryID != 0 {
				storyIDs = append(storyIDs, a.StoryID)
			}
		}
		groups[key] = append(groups[key], a)
	}
	if len(keys) == 0 {
		return v, nil
	}

	// The guild's feeds name the sources; reports from feeds other
	// guilds follow stay out of sight, as everywhere else.
	feeds, err := b.store.GuildFeeds(ctx, guildID)
	if err != nil {
		return v, err
	}
	names := make(map[int64]string, len(feeds))
	for _, f := range feeds {
		names[f.ID] = feedName(f)
	}
	siblings, err := b.store.StoriesArticles(ctx, storyIDs)
	if err != nil {
		return v, err
	}
	storyFeeds := make(map[int64][]int64) // story -> visible feeds, first seen first
	for _, a := range siblings {
		if _, ok := names[a.FeedID]; ok && !slices.Contains(storyFeeds[a.StoryID], a.FeedID) {
			storyFeeds[a.StoryID] = append(storyFeeds[a.StoryID], a.FeedID)
		}
	}

	stories := make([]digestStory, 0, len(keys))
	for _, key := range keys {
		group := groups[key]
		// The lead is the first report in the window; the channel's
		// feed order breaks ties.
		lead := slices.MinFunc(group, func(x, y newsbot.Article) int {
			return cmp.Or(x.FetchedAt.Compare(y.FetchedAt), cmp.Compare(order[x.FeedID], order[y.FeedID]), cmp.Compare(x.ID, y.ID))
		})
		s := digestStory{Lead: lead, Source: cmp.Or(names[lead.FeedID], "unknown source"), order: order[lead.FeedID]}
		sources := []int64{lead.FeedID}
		for _, a := range group {
			if !slices.Contains(sources, a.FeedID) {
				sources = append(sources, a.FeedID)
			}
			// A publisher's date in the future does not make a story newer.
			if t := earliest(a.PublishedAt, a.FetchedAt); t.After(s.recent) {
				s.recent = t
			}
		}
		for _, id := range storyFeeds[lead.StoryID] {
			if !slices.Contains(sources, id) {
				sources = append(sources, id)
			}
		}
		for _, id := range sources[1:] {
			s.Also = append(s.Also, names[id])
		}
		s.sources = len(sources)
		stories = append(stories, s)
	}
	slices.SortFunc(stories, func(x, y digestStory) int {
		return cmp.Or(cmp.Compare(y.sources, x.sources), y.recent.Compare(x.recent),
			cmp.Compare(x.order, y.order), cmp.Compare(x.Lead.ID, y.Lead.ID))
	})
	v.Total = len(stories)
	v.Stories = stories[:min(len(stories), max(most, 1))]
	return v, nil
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// DigestKey is the outbox key of one message of a channel's digest: the
// window's end names the digest, part (from 1) the message.
func DigestKey(channelID string, windowEnd time.Time, part int) string {
	return "digest:" + channelID + ":" + strconv.FormatInt(windowEnd.UnixMilli(), 10) + ":" + strconv.Itoa(part)
}

// digestDeliveries makes one outbox row of each message of a digest.
func digestDeliveries(guildID, channelID string, end time.Time, msgs []*discordgo.MessageSend) ([]newsbot.Delivery, error) {
	out := make([]newsbot.Delivery, 0, len(msgs))
	for i, m := range msgs {
		payload, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode digest of channel %s: %w", channelID, err)
		}
		out = append(out, newsbot.Delivery{
			Key: DigestKey(channelID, end, i+1), Kind: newsbot.DeliveryDigest,
			GuildID: guildID, ChannelID: channelID, Payload: payload,
		})
	}
	return out, nil
}

// renderDigest renders a digest as the messages that carry it: a header
// naming the period in the channel's time zone, then one embed per story
// (title linked, source, summary, other sources), as many per message as
// Discord's limits allow. An empty digest is no message at all.
func renderDigest(v digestView) []*discordgo.MessageSend {
	if len(v.Stories) == 0 {
		return nil
	}
	var parts [][]*discordgo.MessageEmbed
	var cur []*discordgo.MessageEmbed
	size := 0
	for _, s := range v.Stories {
		e := digestEmbed(s)
		n := embedSize(e)
		if len(cur) > 0 && (len(cur) == maxEmbeds || size+n > maxEmbedTotal) {
			parts = append(parts, cur)
			cur, size = nil, 0
		}
		cur = append(cur, e)
		size += n
	}
	parts = append(parts, cur)

	header := "**Digest for " + digestPeriod(v.From, v.To, v.Loc) + "**"
	switch {
	case v.Total > len(v.Stories):
		header += fmt.Sprintf(" · the top %d of %d stories", len(v.Stories), v.Total)
	case len(v.Stories) == 1:
		header += " · 1 story"
	default:
		header += fmt.Sprintf(" · %d stories", len(v.Stories))
	}
	out := make([]*discordgo.MessageSend, len(parts))
	for i, embeds := range parts {
		content := header
		if len(parts) > 1 {
			content += fmt.Sprintf(" (%d/%d)", i+1, len(parts))
		}
		d := message(content, false, embeds...)
		out[i] = &discordgo.MessageSend{Content: d.Content, Embeds: d.Embeds, AllowedMentions: d.AllowedMentions}
	}
	return out
}

// digestEmbed is one story of a digest. The author and footer are plain
// text on Discord, so feed names go there unescaped.
func digestEmbed(s digestStory) *discordgo.MessageEmbed {
	a := s.Lead
	var b strings.Builder
	for _, sent := range a.Summary {
		if t := oneLine(sent); t != "" {
			b.WriteString("• " + escape(t) + "\n")
		}
	}
	desc := b.String()
	if desc == "" {
		desc = escape(truncate(oneLine(a.Text), 300))
	}
	e := &discordgo.MessageEmbed{
		Title:       truncate(escape(cmp.Or(oneLine(a.Title), "(untitled)")), maxEmbedTitle),
		URL:         webURL(a.URL),
		Description: truncate(desc, digestSummaryChars),
		Author:      &discordgo.MessageEmbedAuthor{Name: truncate(s.Source, 100)},
	}
	if len(s.Also) > 0 {
		e.Footer = &discordgo.MessageEmbedFooter{Text: alsoLine(s.Also)}
	}
	if !a.PublishedAt.IsZero() {
		e.Timestamp = a.PublishedAt.UTC().Format(time.RFC3339)
	}
	return e
}

// alsoLine names the other sources of a story: "also: A, B".
func alsoLine(names []string) string {
	shown := make([]string, 0, digestAlsoMax)
	for i, n := range names {
		if i == digestAlsoMax {
			break
		}
		shown = append(shown, truncate(n, 60))
	}
	s := "also: " + strings.Join(shown, ", ")
	if more := len(names) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// digestPeriod names a digest's period in its zone: "Sat 7 Mar 08:00 –
// Sun 8 Mar 08:00 (America/New_York)", one date when both ends share it.
func digestPeriod(from, to time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	f, t := from.In(loc), to.In(loc)
	var s string
	if fy, fm, fd := f.Date(); fy == t.Year() && fm == t.Month() && fd == t.Day() {
		s = f.Format("Mon 2 Jan 15:04") + "–" + t.Format("15:04")
	} else {
		s = f.Format("Mon 2 Jan 15:04") + " – " + t.Format("Mon 2 Jan 15:04")
	}
	return s + " (" + escape(loc.String()) + ")"
}

// zoneTime is an instant as the clock of loc shows it, with the zone's
// abbreviation, which tells summer time from winter time.
func zoneTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
}

// stamp is a Discord timestamp: each reader sees t in their own zone.
func stamp(t time.Time) string { return "<t:" + strconv.FormatInt(t.Unix(), 10) + ":F>" }

// whenIn shows t to a reader twice: in their own zone (a Discord
// timestamp) and in the channel's, named.
func whenIn(t time.Time, loc *time.Location) string {
	s := stamp(t) + ", that is " + zoneTime(t, loc)
	if loc != time.UTC {
		s += " in " + escape(loc.String())
	}
	return s
}

// digestCommand answers /digest and its subcommands, for the channel the
// command was given in (or named, for schedule).
func (b *Bot) digestCommand(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	name, opts := subcommand(commandData(ix))
	switch name {
	case "schedule":
		return b.digestSchedule(ctx, ix, opts)
	case "off":
		return b.digestOff(ctx, ix)
	case "now":
		return b.digestNow(ctx, ix)
	case "show":
		return b.digestShow(ctx, ix)
	}
	return nil, invalidf("/digest needs a subcommand: schedule, off, now or show")
}

// digestSchedule answers /digest schedule: it checks the cron, the zone
// and max, and stores the schedule with its first run.
func (b *Bot) digestSchedule(ctx context.Context, ix *discordgo.Interaction, opts options) (*discordgo.InteractionResponseData, error) {
	if !canManage(ix) {
		return nil, forbiddenf("scheduling a digest needs the Manage Channels permission; ask a server admin")
	}
	spec, zone := opts.str("cron"), opts.str("timezone")
	if zone == "" {
		return nil, invalidf("timezone: give the IANA time zone the schedule is read in, such as Europe/Berlin, America/New_York or UTC")
	}
	most := opts.int("max", newsbot.DefaultDigestMax)
	if most < 1 || most > newsbot.MaxDigestMax {
		return nil, invalidf("max: %d is out of range; give 1 to %d stories", most, newsbot.MaxDigestMax)
	}
	sched, err := ParseSchedule(spec, zone)
	if err != nil {
		if p, ok := phrase(err); ok {
			// The sentence quotes the cron as typed: its stars must show
			// as stars, not as italics.
			return nil, invalidf("%s", escape(p))
		}
		return nil, err
	}
	now := b.now()
	next := sched.Next(now)
	channelID := cmp.Or(opts.channel("channel"), ix.ChannelID)
	d, err := b.store.PutDigest(ctx, newsbot.Digest{
		GuildID: ix.GuildID, ChannelID: channelID, Cron: sched.String(), Timezone: sched.Location().String(),
		Max: most, NextRunAt: next, CreatedBy: userID(ix),
	})
	if err != nil {
		return nil, fmt.Errorf("schedule digest in channel %s: %w", channelID, err)
	}
	follows, err := b.digestFollows(ctx, ix.GuildID, channelID)
	if err != nil {
		return nil, err
	}
	b.log.Info("digest scheduled", "guild_id", ix.GuildID, "channel_id", channelID, "cron", d.Cron,
		"timezone", d.Timezone, "max", d.Max, "next_run_at", d.NextRunAt, "user_id", userID(ix))

	var s strings.Builder
	fmt.Fprintf(&s, "Digest scheduled in %s: `%s` in %s, up to %d %s.\n", mentionChannel(channelID), d.Cron,
		escape(d.Timezone), d.Max, plural(d.Max, "story", "stories"))
	fmt.Fprintf(&s, "Next digest: %s.\n", whenIn(d.NextRunAt, sched.Location()))
	switch {
	case len(follows) == 0:
		fmt.Fprintf(&s, "No feed is followed in %s yet: add one with /feed add channel:%s mode:digest.", mentionChannel(channelID), mentionChannel(channelID))
	case follows[0].Mode == newsbot.ModeInstant:
		s.WriteString("The channel's feeds all post as articles arrive, so the digest recaps them; feeds added with mode:digest go to the digest alone.")
	default:
		fmt.Fprintf(&s, "It gathers the stories of %d %s in digest mode; a period with no new story sends nothing.",
			len(follows), plural(len(follows), "feed", "feeds"))
	}
	return message(s.String(), true), nil
}

// digestOff answers /digest off.
func (b *Bot) digestOff(ctx context.Context, ix *discordgo.Interaction) (*discordgo.InteractionResponseData, error) {
	if !canManage(ix) {
		return nil, forbiddenf("stopping a digest needs the Manage Channels permission; ask a server admin")
	}
	err := b.store.DeleteDigest(ctx, ix.GuildID, ix.ChannelID)
	if errors.Is(err, newsbot.ErrNotFound) {
		return nil, notFoundf("no digest is scheduled in %s, so nothing was changed; run /digest off in the digest's channel", mentionChannel(ix.ChannelID))
	}
	if err != nil {
		return nil, err
	}
	b.log.Info("digest stopped", "guild_id", ix.GuildID, "channel_id", ix.ChannelID, "user_id", userID(ix))
	return message(fmt.Sprintf("Stopped the digest of %s. Feeds followed there in digest mode are not posted until a digest is scheduled again with /digest schedule.",
		mentionChannel(ix.ChannelID)), true), nil
}

// digestNow answers /digest now: the digest of the stories since the
// channel's last digest (or of the last 24 hours when none is
// scheduled), sent at once. With a schedule, the window's end is
// recorded, so the next scheduled digest does not repeat it.
func (b *Bot) digestNow(ctx context.Context, ix *discordgo.Interaction) (*discordgo.InteractionResponseData, error) {
	if !canManage(ix) {
		return nil, forbiddenf("sending a digest needs the Manage Channels permission; ask a server admin")
	}
	channelID := ix.ChannelID
	now := b.now()
	d, err := b.store.ChannelDigest(ctx, ix.GuildID, channelID)
	scheduled := err == nil
	if err != nil && !errors.Is(err, newsbot.ErrNotFound) {
		return nil, err
	}
	most, loc, since := newsbot.DefaultDigestMax, time.UTC, now.Add(-nowWindow)
	if scheduled {
		most = d.Max
		if sched, err := ParseSchedule(d.Cron, d.Timezone); err == nil {
			loc, since = sched.Location(), windowStart(sched, d.LastRunAt, now)
		} else if !d.LastRunAt.IsZero() {
			since = latest(d.LastRunAt, now.Add(-maxDigestWindow))
		}
	}
	follows, err := b.digestFollows(ctx, ix.GuildID, channelID)
	if err != nil {
		return nil, err
	}
	if len(follows) == 0 {
		return nil, notFoundf("no feed is followed in %s, so there is nothing to put in a digest; add one with /feed add", mentionChannel(channelID))
	}
	v, err := b.composeDigest(ctx, ix.GuildID, channelID, since, now, most, loc)
	if err != nil {
		return nil, err
	}
	if len(v.Stories) == 0 {
		return message(fmt.Sprintf("Nothing new in %s since %s; nothing was sent.", mentionChannel(channelID), whenIn(since, loc)), true), nil
	}
	rows, err := digestDeliveries(ix.GuildID, channelID, now, renderDigest(v))
	if err != nil {
		return nil, err
	}
	if scheduled {
		err = b.store.FinishDigest(ctx, d.ID, now, d.NextRunAt, rows)
	} else {
		_, err = b.store.Enqueue(ctx, rows)
	}
	if err != nil {
		return nil, err
	}
	b.wake()
	b.log.Info("digest sent on request", "guild_id", ix.GuildID, "channel_id", channelID, "messages", len(rows),
		"window_start", since, "user_id", userID(ix))
	text := fmt.Sprintf("Sending the digest to %s: %d %s since %s, in %d %s.", mentionChannel(channelID),
		len(v.Stories), plural(len(v.Stories), "story", "stories"), whenIn(since, loc), len(rows), plural(len(rows), "message", "messages"))
	if scheduled {
		text += " The next scheduled digest starts where this one ends."
	}
	return message(text, true), nil
}

// digestShow answers /digest show: the channel's schedule, its next and
// last runs, its size, and the feeds it gathers.
func (b *Bot) digestShow(ctx context.Context, ix *discordgo.Interaction) (*discordgo.InteractionResponseData, error) {
	channelID := ix.ChannelID
	d, err := b.store.ChannelDigest(ctx, ix.GuildID, channelID)
	if errors.Is(err, newsbot.ErrNotFound) {
		return message(fmt.Sprintf("No digest is scheduled in %s. Schedule one with /digest schedule, e.g. cron:\"0 8 * * *\" timezone:Europe/Berlin for 08:00 every day.",
			mentionChannel(channelID)), true), nil
	}
	if err != nil {
		return nil, err
	}
	follows, err := b.digestFollows(ctx, ix.GuildID, channelID)
	if err != nil {
		return nil, err
	}
	feeds, err := b.store.GuildFeeds(ctx, ix.GuildID)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(feeds))
	for _, f := range feeds {
		names[f.ID] = feedName(f)
	}

	loc := time.UTC
	var s strings.Builder
	fmt.Fprintf(&s, "Digest of %s: `%s` in %s, up to %d %s.\n", mentionChannel(channelID), d.Cron, escape(d.Timezone),
		d.Max, plural(d.Max, "story", "stories"))
	if sched, err := ParseSchedule(d.Cron, d.Timezone); err != nil {
		p, _ := phrase(err)
		fmt.Fprintf(&s, "The schedule no longer reads: %s. Set it again with /digest schedule.\n", p)
	} else {
		loc = sched.Location()
	}
	fmt.Fprintf(&s, "Next digest: %s.\n", whenIn(d.NextRunAt, loc))
	if d.LastRunAt.IsZero() {
		s.WriteString("Last digest: none yet; the first covers one period of the schedule.\n")
	} else {
		fmt.Fprintf(&s, "Last digest: up to %s; the next covers what arrived since.\n", whenIn(d.LastRunAt, loc))
	}
	switch {
	case len(follows) == 0:
		fmt.Fprintf(&s, "No feed is followed in %s: add one with /feed add mode:digest.", mentionChannel(channelID))
	default:
		list := make([]string, len(follows))
		for i, fl := range follows {
			list[i] = "**" + escape(cmp.Or(names[fl.FeedID], "unknown feed")) + "**"
			if fl.Include != "" || fl.Exclude != "" {
				list[i] += " (filtered)"
			}
		}
		how := "in digest mode"
		if follows[0].Mode == newsbot.ModeInstant {
			how = "all instant, so the digest recaps them"
		}
		fmt.Fprintf(&s, "Feeds (%s): %s.", how, strings.Join(list, ", "))
	}
	return message(s.String(), true), nil
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
