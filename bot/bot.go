// Package bot is newsbot's Discord side: the slash commands, their
// handlers, the pure rendering of every answer, the gateway session with
// its watchdog, and a console that drives the very same handlers from a
// terminal.
//
// Handlers take a *discordgo.Interaction and answer through a responder:
// on Discord it is the interaction's REST callbacks, in the console it
// prints. Rendering (render.go) takes values and returns discordgo values
// within Discord's limits; one place (reply.go) turns errors into what a
// user reads. Everything a handler reads or changes is scoped to the guild
// the interaction came from.
package bot

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// Store is what the bot reads and changes in persistence.
type Store interface {
	AddFollow(ctx context.Context, f newsbot.Follow) (newsbot.Follow, error)
	GuildFollows(ctx context.Context, guildID string) ([]newsbot.Follow, error)
	RemoveFollow(ctx context.Context, guildID string, id int64) error
	// GuildFeeds returns the feeds followed in a guild, each once, by title.
	GuildFeeds(ctx context.Context, guildID string) ([]newsbot.Feed, error)
	FeedByURL(ctx context.Context, url string) (newsbot.Feed, error)
	DeleteFeed(ctx context.Context, id int64) error
	ArticlesByURL(ctx context.Context, url string) ([]newsbot.Article, error)
	StoryArticles(ctx context.Context, storyID int64) ([]newsbot.Article, error)
	Search(ctx context.Context, q newsbot.Query) ([]newsbot.SearchHit, error)
	Delivery(ctx context.Context, key string) (newsbot.Delivery, error)

	// Delivery: routing new articles, posts, digests, DMs, health.
	Feed(ctx context.Context, id int64) (newsbot.Feed, error)
	FeedFollows(ctx context.Context, feedID int64) ([]newsbot.Follow, error)
	Cursor(ctx context.Context, name string) (int64, error)
	ArticlesAfter(ctx context.Context, afterID int64, limit int) ([]newsbot.Article, error)
	PostedStories(ctx context.Context, channelID string, storyIDs []int64) (map[int64]bool, error)
	PostedStory(ctx context.Context, channelID string, storyID int64) (newsbot.Delivery, error)
	LatestVersion(ctx context.Context, key string) (newsbot.Delivery, error)
	CommitRoute(ctx context.Context, cursor string, to int64, ds []newsbot.Delivery, ms []newsbot.Match) (int, error)
	Enqueue(ctx context.Context, ds []newsbot.Delivery) (int, error)
	StopChannel(ctx context.Context, channelID, reason string, at time.Time) error
	HealthChanges(ctx context.Context, failingAfter int) ([]newsbot.HealthChange, error)
	CommitHealth(ctx context.Context, feedID int64, to newsbot.Health, ds []newsbot.Delivery) error

	// Channel digests.
	PutDigest(ctx context.Context, d newsbot.Digest) (newsbot.Digest, error)
	ChannelDigest(ctx context.Context, guildID, channelID string) (newsbot.Digest, error)
	DeleteDigest(ctx context.Context, guildID, channelID string) error
	ClaimDueDigests(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Digest, error)
	FinishDigest(ctx context.Context, id int64, lastRun, nextRun time.Time, ds []newsbot.Delivery) error
	DigestArticles(ctx context.Context, feedIDs []int64, since, until time.Time, limit int) ([]newsbot.Article, error)
	StoriesArticles(ctx context.Context, storyIDs []int64) ([]newsbot.Article, error)

	// Topic subscriptions and their DMs.
	AddSubscription(ctx context.Context, s newsbot.Subscription) (newsbot.Subscription, error)
	UserSubscriptions(ctx context.Context, guildID, userID string) ([]newsbot.Subscription, error)
	AllSubscriptions(ctx context.Context) ([]newsbot.Subscription, error)
	Subscription(ctx context.Context, userID string, id int64) (newsbot.Subscription, error)
	RemoveSubscription(ctx context.Context, guildID, userID, topic string) error
	RemoveSubscriptionID(ctx context.Context, userID string, id int64) error
	PauseSubscriptions(ctx context.Context, userID, reason string, at time.Time) error
	TakePauseNote(ctx context.Context, userID string) (string, error)
	MuteFeed(ctx context.Context, userID string, feedID int64) error
	MutedFeeds(ctx context.Context, userID string) ([]newsbot.Feed, error)
	UnmuteFeed(ctx context.Context, userID string, feedID int64) error
	DueDMUsers(ctx context.Context, quietSince, dayAgo time.Time, dailyCap int) ([]string, error)
	WaitingMatches(ctx context.Context, userID string, subscriptionID int64) ([]newsbot.Match, error)
	DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]newsbot.Subscription, error)
	CommitDM(ctx context.Context, matchIDs []int64, ds []newsbot.Delivery, subscriptionID int64, next time.Time) error
}

// Web reaches the web through the guarded fetcher. Errors about the URL a
// user gave wrap newsbot.ErrInvalid with messages meant for that user.
type Web interface {
	// AddFeed finds the feed at rawURL (a feed, or a page linking to
	// one), stores it with its current items as backlog, and returns it
	// with the number of items it carries now; created is false when the
	// feed was stored before.
	AddFeed(ctx context.Context, rawURL string) (feed newsbot.Feed, items int, created bool, err error)
	// FetchArticle fetches a web page and extracts its article: URL,
	// Title, Author, Text, ImageURL and PublishedAt are filled.
	FetchArticle(ctx context.Context, rawURL string) (newsbot.Article, error)
	// CanonicalURL is the form articles and feeds are stored under.
	CanonicalURL(rawURL string) (string, error)
}

// Config is what New needs. Store and Web are required.
type Config struct {
	Store Store
	Web   Web
	// GuildID registers the commands in this guild only (instant, for
	// development); empty registers them globally.
	GuildID string
	// Sentences is the length of a /summarize answer when the user does
	// not say; default 3.
	Sentences int
	// Secret keys the signature of button custom IDs, so a tampered one
	// is refused. Derive it from the bot token; empty uses a fixed key,
	// which is enough for the console.
	Secret []byte
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Log receives what users are not shown; default discards.
	Log *slog.Logger
	// Watchdog restarts a gateway session that has been quiet (no
	// heartbeat acknowledged) for QuietAfter, checking every Every.
	// Defaults: 5 minutes, checked every 30 s; discordgo itself gives up
	// on a connection after five missed acknowledgements (about 3.5
	// minutes), so the watchdog only acts when that did not help.
	Watchdog Watchdog
	// Delivery tunes posts, digests and DMs; zero values take defaults.
	Delivery Delivery
	// Wake, when set, is called after something was written to the
	// outbox, so the sender sends it without waiting for its next poll.
	Wake func()
}

// Delivery tunes what the bot sends on its own.
type Delivery struct {
	// DMEvery is the least time between two subscription DMs to one
	// user; matches found meanwhile wait and go together. Default 10m.
	DMEvery time.Duration
	// DMDailyCap is the most subscription DMs one user gets in 24 hours;
	// default 24.
	DMDailyCap int
	// FailingAfter is how many consecutive failures make a followed feed
	// announced as failing in its channels; default 3.
	FailingAfter int
}

// Watchdog tunes the gateway watchdog; see Config.Watchdog.
type Watchdog struct {
	QuietAfter time.Duration
	Every      time.Duration
}

// Bot answers slash commands, buttons and autocomplete. Make one with New;
// serve it on Discord with Run, or in a terminal with NewConsole.
type Bot struct {
	store     Store
	web       Web
	guildID   string
	sentences int
	key       []byte
	now       func() time.Time
	log       *slog.Logger
	watchdog  Watchdog
	delivery  Delivery
	wake      func()
	// topics matches new articles against every topic subscription.
	topics *Percolator

	// longQueries keeps queries too long for a button's custom ID.
	longQueries *queryCache
}

// New returns a bot over cfg.
func New(cfg Config) *Bot {
	b := &Bot{
		store:       cfg.Store,
		web:         cfg.Web,
		guildID:     cfg.GuildID,
		sentences:   cmp.Or(cfg.Sentences, 3),
		now:         cfg.Now,
		log:         cfg.Log,
		watchdog:    cfg.Watchdog,
		delivery:    cfg.Delivery,
		wake:        cfg.Wake,
		topics:      NewPercolator(),
		longQueries: newQueryCache(4096),
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.watchdog.QuietAfter = cmp.Or(b.watchdog.QuietAfter, 5*time.Minute)
	b.watchdog.Every = cmp.Or(b.watchdog.Every, 30*time.Second)
	b.delivery.DMEvery = cmp.Or(b.delivery.DMEvery, 10*time.Minute)
	b.delivery.DMDailyCap = cmp.Or(b.delivery.DMDailyCap, 24)
	b.delivery.FailingAfter = cmp.Or(b.delivery.FailingAfter, 3)
	if b.wake == nil {
		b.wake = func() {}
	}
	// The key is a derivation, not the token itself, so nothing that
	// leaks a signature or the key can be used to log in.
	mac := hmac.New(sha256.New, cfg.Secret)
	mac.Write([]byte("newsbot custom_id v1"))
	b.key = mac.Sum(nil)
	return b
}

// handlerTimeout bounds one interaction's work: Discord keeps its token
// for 15 minutes, and an answer after that cannot be delivered.
const handlerTimeout = 14 * time.Minute

// handle serves one interaction of any type, answering through r. It
// returns when the answer has been sent (or failed).
func (b *Bot) handle(ctx context.Context, ix *discordgo.Interaction, r responder) {
	ctx, cancel := context.WithTimeout(ctx, handlerTimeout)
	defer cancel()
	switch ix.Type {
	case discordgo.InteractionApplicationCommand:
		b.command(ctx, ix, r)
	case discordgo.InteractionApplicationCommandAutocomplete:
		b.autocomplete(ctx, ix, r)
	case discordgo.InteractionMessageComponent:
		b.component(ctx, ix, r)
	case discordgo.InteractionPing:
		// Only HTTP interaction endpoints get pings; nothing to do.
	default:
		b.log.Warn("unhandled interaction", "interaction_type", int(ix.Type), "interaction_id", ix.ID)
	}
}

// handlerFunc computes a command's answer. It may defer first (x.deferNow)
// when it is about to do slow work; otherwise the exchange defers by
// itself if the answer takes too long.
type handlerFunc func(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error)

// command runs a slash command's handler and sends its answer or error.
func (b *Bot) command(ctx context.Context, ix *discordgo.Interaction, r responder) {
	data, ok := ix.Data.(discordgo.ApplicationCommandInteractionData)
	spec := specs[data.Name]
	x := newExchange(r, ix.Type, true)
	if !ok || spec == nil {
		b.finish(ctx, ix, x, nil, invalidf("newsbot does not know the command /%s; it may have been removed: type /help for the commands", data.Name))
		return
	}
	if ix.GuildID == "" && !spec.anywhere {
		b.finish(ctx, ix, x, nil, invalidf("/%s works in a server, not in direct messages", data.Name))
		return
	}
	x.setEphemeral(spec.ephemeral)
	stop := x.autoDefer(ctx, autoDeferAfter)
	data2, err := spec.run(b)(ctx, ix, x)
	stop()
	b.finish(ctx, ix, x, data2, err)
	b.tellPause(ctx, ix, x)
}

// finish sends a handler's answer, or turns its error into one.
func (b *Bot) finish(ctx context.Context, ix *discordgo.Interaction, x *exchange, data *discordgo.InteractionResponseData, err error) {
	if err != nil {
		data = b.errorAnswer(ix, err)
	}
	if serr := x.send(ctx, data); serr != nil {
		b.log.Error("answer interaction", "interaction_id", ix.ID, "guild_id", ix.GuildID, "command", interactionName(ix), "error", serr)
	}
}

// interactionName names an interaction for logs: the command, or the
// button's custom ID.
func interactionName(ix *discordgo.Interaction) string {
	switch d := ix.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		return d.Name
	case discordgo.MessageComponentInteractionData:
		return d.CustomID
	}
	return ""
}

// userID is the ID of whoever made the interaction.
func userID(ix *discordgo.Interaction) string {
	if ix.Member != nil && ix.Member.User != nil {
		return ix.Member.User.ID
	}
	if ix.User != nil {
		return ix.User.ID
	}
	return ""
}
