package bot

import (
	"cmp"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// Rendering is pure: values in, discordgo values out, within Discord's
// limits, with mentions disabled and feed text escaped. Nothing here does
// I/O or reads a clock.

// Discord's limits on a message.
const (
	maxContent     = 2000
	maxEmbeds      = 10
	maxEmbedTitle  = 256
	maxEmbedDesc   = 4096
	maxEmbedTotal  = 6000
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxAuthor      = 256
	maxChoices     = 25
	maxChoiceName  = 100
	maxChoiceValue = 100
	maxCustomID    = 100
)

// noMentions lets a message ping nobody, whatever its text holds.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// truncate cuts s to at most n characters (runes), ending with an
// ellipsis when it cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)[:n-1]
	// Do not leave a lone escaping backslash before the ellipsis.
	for len(r) > 0 && r[len(r)-1] == '\\' {
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " \n") + "…"
}

// markdownSpecial are the characters Discord's markdown gives a meaning to
// anywhere in a line.
const markdownSpecial = "\\*_~`|<>[]()#:@"

// escape makes feed text show as written: markdown characters are
// backslash-escaped, and a line cannot start a list, a quote or a heading.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	lineStart := true
	for _, r := range s {
		switch {
		case r == '\n':
			lineStart = true
			b.WriteRune(r)
			continue
		case strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
		case lineStart && (r == '-' || r == '+'):
			b.WriteByte('\\')
		}
		if r != ' ' && r != '\t' {
			lineStart = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// oneLine folds white space, so feed text fits a line of a list.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// highlight renders a search snippet: escaped, the matched terms in bold.
func highlight(snippet string) string {
	var b strings.Builder
	for {
		before, rest, ok := strings.Cut(snippet, newsbot.SnippetOpen)
		b.WriteString(escape(foldSpace(before)))
		if !ok {
			break
		}
		match, after, _ := strings.Cut(rest, newsbot.SnippetClose)
		if m := escape(oneLine(match)); m != "" {
			b.WriteString("**" + m + "**")
		}
		snippet = after
	}
	return strings.TrimSpace(b.String())
}

// foldSpace turns each run of white space into one space, keeping a
// leading or trailing one.
func foldSpace(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			return " "
		}
		return ""
	}
	out := strings.Join(f, " ")
	if r, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(r) {
		out = " " + out
	}
	if r, _ := utf8.DecodeLastRuneInString(s); unicode.IsSpace(r) {
		out += " "
	}
	return out
}

// webURL returns u when it is an absolute http(s) URL, which an embed
// accepts, else "".
func webURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || len(u) > 2048 {
		return ""
	}
	return u
}

// feedName is a feed's title, or its host when it has none.
func feedName(f newsbot.Feed) string {
	if t := oneLine(f.Title); t != "" {
		return t
	}
	if u, err := url.Parse(f.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return f.URL
}

// ago says how long before now t was, in words: "5 min ago".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		return "just now"
	}
	return span(d) + " ago"
}

// until says how long after now t is: "in 5 min", or "due now".
func until(t, now time.Time) string {
	d := t.Sub(now)
	if t.IsZero() || d <= 0 {
		return "due now"
	}
	return "in " + span(d)
}

// span writes a duration the way people say it, rounded down to one unit.
func span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(max(int(d/time.Second), 1)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	case d < 60*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d < 730*24*time.Hour:
		return strconv.Itoa(int(d/(30*24*time.Hour))) + " months"
	}
	return strconv.Itoa(int(d/(365*24*time.Hour))) + " years"
}

// when is an absolute time for a record, in UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// mentionChannel is how a message names a channel; Discord shows its name.
func mentionChannel(id string) string { return "<#" + id + ">" }

// message builds an answer and makes it fit Discord's limits.
func message(content string, ephemeral bool, embeds ...*discordgo.MessageEmbed) *discordgo.InteractionResponseData {
	d := &discordgo.InteractionResponseData{
		Content:         content,
		Embeds:          embeds,
		AllowedMentions: noMentions(),
	}
	if ephemeral {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	fit(d)
	return d
}

// fit trims an answer to Discord's limits: the content, the number of
// embeds, each embed's parts, and the 6,000 characters all embeds share
// (descriptions give way first, the last embed's first).
func fit(d *discordgo.InteractionResponseData) {
	d.Content = truncate(d.Content, maxContent)
	if len(d.Embeds) > maxEmbeds {
		d.Embeds = d.Embeds[:maxEmbeds]
	}
	total := 0
	for _, e := range d.Embeds {
		e.Title = truncate(e.Title, maxEmbedTitle)
		e.Description = truncate(e.Description, maxEmbedDesc)
		if len(e.Fields) > maxFields {
			e.Fields = e.Fields[:maxFields]
		}
		for _, f := range e.Fields {
			f.Name = truncate(f.Name, maxFieldName)
			f.Value = truncate(f.Value, maxFieldValue)
		}
		if e.Footer != nil {
			e.Footer.Text = truncate(e.Footer.Text, maxFooter)
		}
		if e.Author != nil {
			e.Author.Name = truncate(e.Author.Name, maxAuthor)
		}
		total += embedSize(e)
	}
	for i := len(d.Embeds) - 1; i >= 0 && total > maxEmbedTotal; i-- {
		e := d.Embeds[i]
		desc := utf8.RuneCountInString(e.Description)
		keep := max(desc-(total-maxEmbedTotal), 0)
		e.Description = truncate(e.Description, keep)
		total += utf8.RuneCountInString(e.Description) - desc
	}
	for total > maxEmbedTotal && len(d.Embeds) > 0 {
		total -= embedSize(d.Embeds[len(d.Embeds)-1])
		d.Embeds = d.Embeds[:len(d.Embeds)-1]
	}
}

// embedSize is what an embed counts against the 6,000 characters.
func embedSize(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	if e.Author != nil {
		n += utf8.RuneCountInString(e.Author.Name)
	}
	return n
}

// errorMessage is an error for the user alone.
func errorMessage(text string) *discordgo.InteractionResponseData {
	return message(text, true)
}

// searchPageSize is how many results a search page shows.
const searchPageSize = 5

// searchView is one page of search results to render.
type searchView struct {
	// Query is the search as typed, options folded in.
	Query string
	// Page counts from 0.
	Page int
	Hits []newsbot.SearchHit
	// More says whether a next page exists.
	More bool
	Now  time.Time
	// PrevID and NextID are the buttons' custom IDs.
	PrevID, NextID string
	Ephemeral      bool
}

// searchSummaryChars bounds one result's text, so five fit in 6,000.
const searchSummaryChars = 700

// renderSearch renders a page of search results: one embed per article
// (title linked, summary or matching extract, source and age) and the
// Previous and Next buttons.
func renderSearch(v searchView) *discordgo.InteractionResponseData {
	q := truncate(oneLine(v.Query), 200)
	if len(v.Hits) == 0 {
		text := fmt.Sprintf("No articles in this server's feeds match %s.", quoteQuery(q))
		if v.Page > 0 {
			text = fmt.Sprintf("No more articles match %s.", quoteQuery(q))
		}
		text += " Try fewer or other words, or a longer since:. /feed list shows the feeds searched."
		d := message(text, v.Ephemeral)
		if v.Page > 0 {
			d.Components = pageButtons(v.PrevID, "")
		}
		return d
	}
	first := v.Page*searchPageSize + 1
	content := fmt.Sprintf("Results %d–%d for %s", first, first+len(v.Hits)-1, quoteQuery(q))
	if v.More {
		content += " (more on the next page)"
	}
	embeds := make([]*discordgo.MessageEmbed, 0, len(v.Hits))
	for _, h := range v.Hits {
		a := h.Article
		text := escape(oneLine(strings.Join(a.Summary, " ")))
		if text == "" {
			text = highlight(h.Snippet)
		}
		title := oneLine(a.Title)
		if title == "" {
			title = "(untitled)"
		}
		embeds = append(embeds, &discordgo.MessageEmbed{
			Title:       truncate(escape(title), maxEmbedTitle),
			URL:         webURL(a.URL),
			Description: truncate(text, searchSummaryChars),
			Footer:      &discordgo.MessageEmbedFooter{Text: oneLine(cmp.Or(h.FeedTitle, "unknown source")) + " · " + ago(a.PublishedAt, v.Now)},
		})
	}
	d := message(content, v.Ephemeral, embeds...)
	d.Components = pageButtons(v.PrevID, v.NextID)
	return d
}

// quoteQuery shows a query in a sentence, escaped.
func quoteQuery(q string) string { return "“" + escape(q) + "”" }

// Custom IDs of buttons that cannot be clicked (disabled); unique, as
// Discord wants, and refused if a click ever comes.
const (
	noPrevID = "nav.none.prev"
	noNextID = "nav.none.next"
)

// pageButtons is the row of Previous and Next; an empty custom ID
// disables its button.
func pageButtons(prevID, nextID string) []discordgo.MessageComponent {
	prev := discordgo.Button{Label: "◀ Previous", Style: discordgo.SecondaryButton, CustomID: prevID}
	if prevID == "" {
		prev.CustomID, prev.Disabled = noPrevID, true
	}
	next := discordgo.Button{Label: "Next ▶", Style: discordgo.PrimaryButton, CustomID: nextID}
	if nextID == "" {
		next.CustomID, next.Disabled = noNextID, true
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{prev, next}}}
}

// feedAdded is the answer to /feed add.
func feedAdded(f newsbot.Feed, items int, created bool, fl newsbot.Follow, now time.Time) *discordgo.InteractionResponseData {
	var b strings.Builder
	fmt.Fprintf(&b, "Now following **%s** in %s", escape(feedName(f)), mentionChannel(fl.ChannelID))
	if fl.Mode == newsbot.ModeDigest {
		b.WriteString(", for the channel's digest.")
	} else {
		b.WriteString(": new articles are posted as they arrive.")
	}
	switch {
	case items == 1:
		b.WriteString("\nThe feed carries 1 item now")
	default:
		fmt.Fprintf(&b, "\nThe feed carries %d items now", items)
	}
	if created {
		b.WriteString("; they are stored as already seen: searchable with /search, not posted.")
	} else {
		b.WriteString("; newsbot already reads this feed, so only articles that arrive from now on are new here.")
	}
	if fl.Include != "" {
		fmt.Fprintf(&b, "\nOnly articles matching %s are delivered.", quoteQuery(fl.Include))
	}
	if fl.Exclude != "" {
		fmt.Fprintf(&b, "\nArticles with any of %s are skipped.", quoteQuery(fl.Exclude))
	}
	if !f.NextCheckAt.IsZero() {
		fmt.Fprintf(&b, "\nNext check %s.", until(f.NextCheckAt, now))
	}
	e := &discordgo.MessageEmbed{
		Title: truncate(escape(feedName(f)), maxEmbedTitle),
		URL:   webURL(cmp.Or(f.SiteURL, f.URL)),
	}
	if f.SiteURL != "" && f.SiteURL != f.URL {
		e.Description = "Feed: " + escape(f.URL)
	}
	return message(b.String(), true, e)
}

// feedRemoved is the answer to /feed remove.
func feedRemoved(f newsbot.Feed, fl newsbot.Follow) *discordgo.InteractionResponseData {
	return message(fmt.Sprintf("Stopped following **%s** in %s. Its articles stay searchable while another channel here follows it.",
		escape(feedName(f)), mentionChannel(fl.ChannelID)), true)
}

// guildFeed is a feed followed in a guild, with the follows there.
type guildFeed struct {
	Feed    newsbot.Feed
	Follows []newsbot.Follow
}

// feedListMax bounds the feeds /feed list shows, so the answer stays
// within 6,000 characters.
const feedListMax = 20

// renderFeedList is the answer to /feed list: each feed with where it
// goes and its health.
func renderFeedList(feeds []guildFeed, now time.Time) *discordgo.InteractionResponseData {
	if len(feeds) == 0 {
		return message("No feeds are followed in this server yet. Add one with /feed add url:<feed or site address>.", true)
	}
	var embeds []*discordgo.MessageEmbed
	var b strings.Builder
	for i, gf := range feeds {
		if i == feedListMax {
			fmt.Fprintf(&b, "\n…and %d more; /feed why url:<address> tells about any of them.", len(feeds)-feedListMax)
			break
		}
		fmt.Fprintf(&b, "%s **%s**\n", healthMark(gf.Feed), escape(truncate(feedName(gf.Feed), 80)))
		b.WriteString(escape(truncate(gf.Feed.URL, 120)) + "\n")
		var where []string
		for _, fl := range gf.Follows {
			w := mentionChannel(fl.ChannelID) + " (" + string(fl.Mode)
			if fl.Include != "" || fl.Exclude != "" {
				w += ", filtered"
			}
			if !fl.StoppedAt.IsZero() {
				w += ", stopped"
			}
			where = append(where, w+")")
		}
		b.WriteString("→ " + strings.Join(where, ", ") + "\n")
		b.WriteString(health(gf.Feed, now) + "\n\n")
	}
	embeds = append(embeds, &discordgo.MessageEmbed{Description: truncate(b.String(), maxEmbedDesc)})
	noun := "feeds"
	if len(feeds) == 1 {
		noun = "feed"
	}
	return message(fmt.Sprintf("%d %s followed in this server:", len(feeds), noun), true, embeds...)
}

// healthMark is a feed's state at a glance.
func healthMark(f newsbot.Feed) string {
	switch {
	case f.Disabled():
		return "⛔"
	case f.LastError != "":
		return "⚠️"
	case f.LastSuccessAt.IsZero():
		return "⏳"
	}
	return "✅"
}

// health says when a feed was fetched, what went wrong, and when it is
// checked next.
func health(f newsbot.Feed, now time.Time) string {
	var parts []string
	if f.LastCheckedAt.IsZero() {
		parts = append(parts, "not fetched yet")
	} else {
		parts = append(parts, "last fetched "+ago(f.LastCheckedAt, now))
	}
	if f.LastError != "" {
		e := "last error " + ago(f.LastErrorAt, now) + ": " + escape(truncate(oneLine(f.LastError), 200))
		if f.Failures > 1 {
			e += fmt.Sprintf(" (%d failures in a row)", f.Failures)
		}
		parts = append(parts, e)
	}
	if f.Disabled() {
		parts = append(parts, "polling stopped "+ago(f.DisabledAt, now)+" after failing too long; remove and add it again to retry")
	} else {
		parts = append(parts, "next check "+until(f.NextCheckAt, now))
	}
	return strings.Join(parts, " · ")
}

// whyFeed explains a feed followed in this guild.
func whyFeed(f newsbot.Feed, follows []newsbot.Follow, now time.Time) *discordgo.InteractionResponseData {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is a feed this server follows, added %s.\n\n", escape(f.URL), ago(f.CreatedAt, now))
	b.WriteString("**Fetching**\n")
	switch {
	case f.LastCheckedAt.IsZero():
		b.WriteString("Not fetched yet.\n")
	case f.LastError != "" && !f.LastErrorAt.Before(f.LastSuccessAt):
		fmt.Fprintf(&b, "The last fetch (%s) failed: %s\n", ago(f.LastCheckedAt, now), escape(truncate(oneLine(f.LastError), 500)))
		if f.Failures > 1 {
			fmt.Fprintf(&b, "It has failed %d times in a row; the last success was %s.\n", f.Failures, ago(f.LastSuccessAt, now))
		}
	default:
		fmt.Fprintf(&b, "Fetched and parsed %s.\n", ago(f.LastSuccessAt, now))
		if f.LastError != "" {
			fmt.Fprintf(&b, "An earlier fetch failed %s: %s\n", ago(f.LastErrorAt, now), escape(truncate(oneLine(f.LastError), 300)))
		}
	}
	if f.Disabled() {
		fmt.Fprintf(&b, "Polling stopped %s because the feed failed for too long. Remove it and add it again to retry.\n", ago(f.DisabledAt, now))
	} else {
		fmt.Fprintf(&b, "Next check %s", until(f.NextCheckAt, now))
		if f.Interval > 0 {
			fmt.Fprintf(&b, " (checked every %s)", span(f.Interval))
		}
		b.WriteString(".\n")
	}
	b.WriteString("\n**Delivery here**\n")
	for _, fl := range follows {
		b.WriteString(followLine(fl) + "\n")
	}
	e := &discordgo.MessageEmbed{
		Title:       truncate(escape(feedName(f)), maxEmbedTitle),
		URL:         webURL(cmp.Or(f.SiteURL, f.URL)),
		Description: b.String(),
	}
	return message("", true, e)
}

// followLine describes one follow: channel, mode, filters, state.
func followLine(fl newsbot.Follow) string {
	s := "• " + mentionChannel(fl.ChannelID) + ": " + string(fl.Mode)
	if fl.Include != "" {
		s += ", only " + quoteQuery(fl.Include)
	}
	if fl.Exclude != "" {
		s += ", skipping " + quoteQuery(fl.Exclude)
	}
	if !fl.StoppedAt.IsZero() {
		s += " — delivery stopped: " + escape(oneLine(fl.StoppedReason))
	}
	return s
}

// articleWhy is what the store knows of one stored copy of an article.
type articleWhy struct {
	Article newsbot.Article
	Feed    newsbot.Feed
	// Routes says, per follow of the feed in this guild, whether the
	// article would be delivered there.
	Routes []route
	// Others are the story's articles from other feeds of this guild.
	Others []storySource
	// FirstInStory is set when another feed of this guild had the story
	// first: the story is delivered once per channel.
	FirstInStory *storySource
}

// route is one follow's verdict on an article.
type route struct {
	Follow newsbot.Follow
	// Reason is why the follow filters the article out; empty when it
	// passes.
	Reason string
	// Delivery is the outbox row of the post, if there is one.
	Delivery *newsbot.Delivery
}

// storySource is another report of the same story.
type storySource struct {
	Feed    newsbot.Feed
	Article newsbot.Article
}

// whyArticle explains what happened to an article stored from this
// guild's feeds.
func whyArticle(u string, found []articleWhy, now time.Time) *discordgo.InteractionResponseData {
	var embeds []*discordgo.MessageEmbed
	for _, w := range found {
		a, f := w.Article, w.Feed
		var b strings.Builder
		fmt.Fprintf(&b, "Stored from **%s** %s", escape(feedName(f)), ago(a.FetchedAt, now))
		if !a.PublishedAt.IsZero() && !a.PublishedAt.Equal(a.FetchedAt) {
			fmt.Fprintf(&b, " (published %s)", ago(a.PublishedAt, now))
		}
		b.WriteString(".\n")
		if a.Backlog {
			b.WriteString("It was already in the feed when the feed was added, so it is stored as backlog: searchable, never posted.\n")
		} else {
			b.WriteString("It arrived after the feed was added, so it is new to the channels that follow the feed.\n")
		}
		fmt.Fprintf(&b, "Feed: %s.\n", health(f, now))
		if len(w.Routes) > 0 {
			b.WriteString("\n**Channels here**\n")
		}
		for _, r := range w.Routes {
			b.WriteString(routeLine(r, a) + "\n")
		}
		if w.FirstInStory != nil {
			fmt.Fprintf(&b, "\nDuplicate: %s had this story first (%s); a channel following both gets the story once.\n",
				escape(feedName(w.FirstInStory.Feed)), ago(w.FirstInStory.Article.FetchedAt, now))
		}
		if len(w.Others) > 0 {
			b.WriteString("\n**Also reported by**\n")
			for i, o := range w.Others {
				if i == 5 {
					fmt.Fprintf(&b, "…and %d more\n", len(w.Others)-5)
					break
				}
				fmt.Fprintf(&b, "• %s: %s\n", escape(feedName(o.Feed)), linked(o.Article.Title, o.Article.URL))
			}
		}
		title := oneLine(a.Title)
		if title == "" {
			title = "(untitled)"
		}
		embeds = append(embeds, &discordgo.MessageEmbed{
			Title:       truncate(escape(title), maxEmbedTitle),
			URL:         webURL(a.URL),
			Description: b.String(),
		})
	}
	return message(fmt.Sprintf("What newsbot knows of %s:", escape(u)), true, embeds...)
}

// routeLine says what a follow does with an article.
func routeLine(r route, a newsbot.Article) string {
	s := "• " + mentionChannel(r.Follow.ChannelID) + " (" + string(r.Follow.Mode) + "): "
	switch {
	case r.Reason != "":
		return s + "filtered out: " + r.Reason
	case r.Delivery != nil && r.Delivery.Status == newsbot.StatusSent:
		return s + "posted " + when(r.Delivery.SentAt)
	case r.Delivery != nil && r.Delivery.Status == newsbot.StatusFailed:
		return s + "posting failed: " + escape(oneLine(r.Delivery.LastError))
	case r.Delivery != nil:
		return s + fmt.Sprintf("queued for posting (%d attempts so far)", r.Delivery.Attempts)
	case !r.Follow.StoppedAt.IsZero():
		return s + "delivery to this channel is stopped: " + escape(oneLine(r.Follow.StoppedReason))
	case a.Backlog:
		return s + "passes the filters; not posted, as backlog"
	case r.Follow.Mode == newsbot.ModeDigest:
		return s + "passes the filters; it waits for the channel's digest"
	}
	return s + "passes the filters; not posted (yet)"
}

// linked is an escaped title as a markdown link when the URL is usable.
func linked(title, u string) string {
	t := escape(truncate(cmp.Or(oneLine(title), "(untitled)"), 120))
	if webURL(u) == "" || strings.ContainsAny(u, "()<> ") {
		return t
	}
	return "[" + t + "](" + u + ")"
}

// whyUnknown is the answer when nothing in this guild matches the URL.
// related lists this guild's feeds from the same site, with their health.
func whyUnknown(u string, related []newsbot.Feed, now time.Time) *discordgo.InteractionResponseData {
	var b strings.Builder
	fmt.Fprintf(&b, "No feed followed in this server has an article at %s, and no such feed is followed here.", escape(u))
	if len(related) == 0 {
		b.WriteString(" None of this server's feeds is from that site: add one with /feed add.")
		return message(b.String(), true)
	}
	b.WriteString(" Feeds here from the same site:\n")
	for _, f := range related {
		fmt.Fprintf(&b, "• **%s**: %s\n", escape(feedName(f)), health(f, now))
	}
	b.WriteString("If the article is new, it may not have been polled yet; if it never appears, the feed may not carry it.")
	return message(b.String(), true)
}

// summaryView is a summarized web page to render.
type summaryView struct {
	Article   newsbot.Article
	Sentences []string
}

// renderSummary is the answer to /summarize.
func renderSummary(v summaryView) *discordgo.InteractionResponseData {
	a := v.Article
	var b strings.Builder
	for _, s := range v.Sentences {
		b.WriteString("• " + escape(oneLine(s)) + "\n")
	}
	title := cmp.Or(oneLine(a.Title), a.URL)
	e := &discordgo.MessageEmbed{
		Title:       truncate(escape(title), maxEmbedTitle),
		URL:         webURL(a.URL),
		Description: b.String(),
		Footer:      &discordgo.MessageEmbedFooter{Text: summaryFooter(a, len(v.Sentences))},
	}
	if a.Author != "" {
		e.Author = &discordgo.MessageEmbedAuthor{Name: oneLine(a.Author)}
	}
	return message("", false, e)
}

func summaryFooter(a newsbot.Article, n int) string {
	host := ""
	if u, err := url.Parse(a.URL); err == nil {
		host = u.Host
	}
	noun := "key sentences"
	if n == 1 {
		noun = "key sentence"
	}
	return strings.TrimPrefix(host+" · ", " · ") + fmt.Sprintf("%d %s, picked by newsbot", n, noun)
}

// renderPost is an article as newsbot posts it in a channel: the
// headline linked, the summary as bullets, the source and the date.
func renderPost(a newsbot.Article, f newsbot.Feed) *discordgo.MessageSend {
	var b strings.Builder
	for _, s := range a.Summary {
		b.WriteString("• " + escape(oneLine(s)) + "\n")
	}
	e := &discordgo.MessageEmbed{
		Title:       truncate(escape(cmp.Or(oneLine(a.Title), "(untitled)")), maxEmbedTitle),
		URL:         webURL(a.URL),
		Description: truncate(b.String(), maxEmbedDesc),
		Author:      &discordgo.MessageEmbedAuthor{Name: truncate(feedName(f), maxAuthor), URL: webURL(f.SiteURL)},
	}
	if !a.PublishedAt.IsZero() {
		e.Timestamp = a.PublishedAt.UTC().Format(time.RFC3339)
	}
	if u := webURL(a.ImageURL); u != "" {
		e.Thumbnail = &discordgo.MessageEmbedThumbnail{URL: u}
	}
	d := message("", false, e)
	return &discordgo.MessageSend{Embeds: d.Embeds, AllowedMentions: d.AllowedMentions}
}

// renderHelp lists what the bot does and its commands.
func renderHelp(cmds []*discordgo.ApplicationCommand) *discordgo.InteractionResponseData {
	var b strings.Builder
	b.WriteString("newsbot reads news feeds, keeps the key sentences of every article, and delivers them: " +
		"as posts in channels, as scheduled digests, as answers to searches, and by DM for the topics you subscribe to.\n\n")
	for _, c := range cmds {
		subs := 0
		for _, o := range c.Options {
			if o.Type == discordgo.ApplicationCommandOptionSubCommand {
				subs++
				fmt.Fprintf(&b, "**/%s %s**%s — %s\n", c.Name, o.Name, usage(o.Options), o.Description)
			}
		}
		if subs == 0 {
			fmt.Fprintf(&b, "**/%s**%s — %s\n", c.Name, usage(c.Options), c.Description)
		}
	}
	b.WriteString("\nSearch syntax: words, \"exact phrases\", -excluded, source:name, since:7d. " +
		"/feed and /digest are offered to members with the Manage Channels permission; a server's admins can offer them to others " +
		"under Server Settings → Integrations, and then /feed list and /feed why work for everyone, while adding and removing feeds still needs Manage Channels.")
	e := &discordgo.MessageEmbed{Title: "newsbot", Description: b.String()}
	return message("", true, e)
}

// usage lists a command's options: required ones bare, the rest in brackets.
func usage(opts []*discordgo.ApplicationCommandOption) string {
	var s string
	for _, o := range opts {
		if o.Required {
			s += " " + o.Name
		} else {
			s += " [" + o.Name + "]"
		}
	}
	return s
}

// autocompleteChoices builds the choices of an autocomplete answer,
// within Discord's limits.
func autocompleteChoices(names, values []string) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(names), maxChoices))
	for i := range names {
		if len(out) == maxChoices {
			break
		}
		v := values[i]
		if utf8.RuneCountInString(v) > maxChoiceValue {
			continue // a cut value would mean something else
		}
		out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(cmp.Or(oneLine(names[i]), v), maxChoiceName), Value: v})
	}
	return out
}
