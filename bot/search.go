package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// search answers /search: the first page of results.
func (b *Bot) search(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	opts := optionsOf(commandData(ix).Options)
	public := opts.bool("public")
	x.setEphemeral(!public)
	text := searchText(opts.str("query"), opts.str("source"), opts.str("since"))
	return b.searchPage(ctx, ix.GuildID, text, 0, b.now(), !public)
}

// searchText folds the source and since options into the query, in the
// query syntax, so one string says the whole search (and fits a button).
func searchText(query, source, since string) string {
	text := strings.TrimSpace(query)
	if source = strings.ReplaceAll(strings.TrimSpace(source), `"`, ""); source != "" {
		text += ` source:"` + source + `"`
	}
	if since = strings.TrimSpace(since); since != "" {
		text += " since:" + strings.Join(strings.Fields(since), "")
	}
	return text
}

// searchPage runs a search and renders one page of it. anchor is when the
// search was first made: relative since: values count from it, so paging
// later shows the same window.
func (b *Bot) searchPage(ctx context.Context, guildID, text string, page int, anchor time.Time, ephemeral bool) (*discordgo.InteractionResponseData, error) {
	q, err := newsbot.ParseQuery(text, anchor)
	if err != nil {
		return nil, err
	}
	q.GuildID = guildID
	if q.Source != "" {
		feeds, err := b.store.GuildFeeds(ctx, guildID)
		if err != nil {
			return nil, err
		}
		q.FeedIDs = matchSource(q.Source, feeds)
		if len(q.FeedIDs) == 0 {
			return nil, notFoundf("no feed followed in this server matches source %s; /feed list shows them", quoteQuery(q.Source))
		}
	}
	q.Limit, q.Offset = searchPageSize+1, page*searchPageSize
	hits, err := b.store.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	v := searchView{Query: text, Page: page, Now: b.now(), Ephemeral: ephemeral}
	if len(hits) > searchPageSize {
		hits, v.More = hits[:searchPageSize], true
	}
	v.Hits = hits
	if page > 0 {
		v.PrevID = b.pageID(guildID, pageState{Query: text, Page: page - 1, Anchor: anchor})
	}
	if v.More {
		v.NextID = b.pageID(guildID, pageState{Query: text, Page: page + 1, Anchor: anchor})
	}
	return renderSearch(v), nil
}

// matchSource returns the feeds a source: names: a feed ID (what
// autocomplete gives), else feeds whose title or host equals it, else
// those whose title or address contains it.
func matchSource(source string, feeds []newsbot.Feed) []int64 {
	s := strings.ToLower(strings.TrimSpace(source))
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		for _, f := range feeds {
			if f.ID == id {
				return []int64{id}
			}
		}
	}
	var exact, partial []int64
	for _, f := range feeds {
		name := strings.ToLower(feedName(f))
		switch {
		case name == s || siteHost(f.URL) == s || siteHost(f.SiteURL) == s:
			exact = append(exact, f.ID)
		case strings.Contains(name, s) || strings.Contains(strings.ToLower(f.URL), s):
			partial = append(partial, f.ID)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return partial
}

// sourceChoices offers the guild's feeds whose title or address contain
// what was typed; the value is the feed's ID.
func (b *Bot) sourceChoices(ctx context.Context, guildID, typed string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	feeds, err := b.store.GuildFeeds(ctx, guildID)
	if err != nil {
		return nil, err
	}
	typed = strings.ToLower(strings.TrimSpace(typed))
	var names, values []string
	for _, f := range feeds {
		if typed != "" && !strings.Contains(strings.ToLower(feedName(f)+" "+f.URL), typed) {
			continue
		}
		names = append(names, feedName(f))
		values = append(values, strconv.FormatInt(f.ID, 10))
	}
	return autocompleteChoices(names, values), nil
}

// A page button's custom ID says which search and which page, signed so
// that a forged or altered one is refused:
//
//	p1.<page>.<anchor>.<signature>.<query>
//
// page and anchor (the search's Unix time) are base 36, the signature is
// 12 bytes of HMAC-SHA256 (over the guild too, so a button only works
// where it was made) in base64url. That leaves about 70 characters for
// the query. A longer query is kept in memory instead and the ID names it
// by hash (h1.<page>.<anchor>.<signature>.<hash>); after a restart, or
// once 4,096 newer long queries have pushed it out, its buttons answer
// that the search has expired and should be run again.

// pageState is what a page button carries.
type pageState struct {
	Query  string
	Page   int
	Anchor time.Time
}

// Custom ID prefixes.
const (
	pagePrefix     = "p1"
	longPagePrefix = "h1"
)

func (b *Bot) sign(prefix, guildID, page, anchor, payload string) string {
	mac := hmac.New(sha256.New, b.key)
	for _, s := range []string{prefix, guildID, page, anchor, payload} {
		mac.Write([]byte(s))
		mac.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
}

// pageID encodes a page button's custom ID.
func (b *Bot) pageID(guildID string, st pageState) string {
	page := strconv.FormatInt(int64(st.Page), 36)
	anchor := strconv.FormatInt(st.Anchor.Unix(), 36)
	id := pagePrefix + "." + page + "." + anchor + "." + b.sign(pagePrefix, guildID, page, anchor, st.Query) + "." + st.Query
	if utf8.RuneCountInString(id) <= maxCustomID {
		return id
	}
	key := b.longQueries.put(st.Query)
	return longPagePrefix + "." + page + "." + anchor + "." + b.sign(longPagePrefix, guildID, page, anchor, key) + "." + key
}

// Errors of page buttons.
var (
	errBadButton = invalidf("that button's data does not check out, so nothing was done; run /search again")
	errExpired   = notFoundf("this search is too old to page through; run /search again")
)

// parsePageID decodes and verifies a page button's custom ID.
func (b *Bot) parsePageID(guildID, id string) (pageState, error) {
	parts := strings.SplitN(id, ".", 5)
	if len(parts) != 5 || (parts[0] != pagePrefix && parts[0] != longPagePrefix) {
		return pageState{}, errBadButton
	}
	prefix, page, anchor, sig, payload := parts[0], parts[1], parts[2], parts[3], parts[4]
	if !hmac.Equal([]byte(sig), []byte(b.sign(prefix, guildID, page, anchor, payload))) {
		return pageState{}, errBadButton
	}
	p, err1 := strconv.ParseInt(page, 36, 32)
	a, err2 := strconv.ParseInt(anchor, 36, 64)
	if err1 != nil || err2 != nil || p < 0 {
		return pageState{}, errBadButton
	}
	st := pageState{Query: payload, Page: int(p), Anchor: time.Unix(a, 0)}
	if prefix == longPagePrefix {
		q, ok := b.longQueries.get(payload)
		if !ok {
			return pageState{}, errExpired
		}
		st.Query = q
	}
	return st, nil
}

// component answers a click on a button of one of the bot's messages.
func (b *Bot) component(ctx context.Context, ix *discordgo.Interaction, r responder) {
	x := newExchange(r, ix.Type, true)
	d, _ := ix.Data.(discordgo.MessageComponentInteractionData)
	stop := x.autoDefer(ctx, autoDeferAfter)
	data, err := b.click(ctx, ix, d.CustomID)
	stop()
	b.finish(ctx, ix, x, data, err)
}

// click turns a page button into that page.
func (b *Bot) click(ctx context.Context, ix *discordgo.Interaction, customID string) (*discordgo.InteractionResponseData, error) {
	if isSubButton(customID) {
		return b.subscriptionClick(ctx, ix, customID)
	}
	if ix.GuildID == "" {
		return nil, errBadButton
	}
	st, err := b.parsePageID(ix.GuildID, customID)
	if err != nil {
		return nil, err
	}
	ephemeral := ix.Message != nil && ix.Message.Flags&discordgo.MessageFlagsEphemeral != 0
	data, err := b.searchPage(ctx, ix.GuildID, st.Query, st.Page, st.Anchor, ephemeral)
	if err != nil {
		return nil, err
	}
	// An update keeps the message as it is seen; the flag is for new ones.
	data.Flags &^= discordgo.MessageFlagsEphemeral
	return data, nil
}

// queryCache keeps queries too long for a custom ID, by hash, forgetting
// the oldest past its size.
type queryCache struct {
	mu    sync.Mutex
	size  int
	byKey map[string]string
	order []string
}

func newQueryCache(size int) *queryCache {
	return &queryCache{size: size, byKey: make(map[string]string)}
}

// put stores q and returns its key.
func (c *queryCache) put(q string) string {
	sum := sha256.Sum256([]byte(q))
	key := base64.RawURLEncoding.EncodeToString(sum[:12])
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok {
		return key
	}
	c.byKey[key] = q
	c.order = append(c.order, key)
	if len(c.order) > c.size {
		delete(c.byKey, c.order[0])
		c.order = c.order[1:]
	}
	return key
}

func (c *queryCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.byKey[key]
	return q, ok
}
