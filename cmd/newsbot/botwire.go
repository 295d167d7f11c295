package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/config"
	"newsbot/feeds"
	"newsbot/store"
)

// sendLease is how long the sender holds the outbox rows it claimed.
const sendLease = 20 * time.Second

// delivery is the bot with what it sends through: on Discord a gateway
// session and its REST transport, in console mode the terminal.
type delivery struct {
	bot     *bot.Bot
	sender  *bot.Sender
	dg      *discordgo.Session // nil in console mode
	console *bot.Console       // nil on Discord
	log     *slog.Logger

	// delivering is held by deliver: the poll and the delivery tick both
	// call it, and one run at a time is enough.
	delivering sync.Mutex
}

// newDelivery wires the bot to the store, the poller, the fetcher and a
// sender draining the outbox to Discord (or, in console mode, to
// e.stdout), and loads the subscriptions' topics.
func newDelivery(ctx context.Context, e *env, cfg *config.Config, db *store.DB, poller *feeds.Poller, fetcher *feeds.Fetcher, log *slog.Logger) (*delivery, error) {
	d := &delivery{log: log}
	d.bot = bot.New(bot.Config{
		Store:     db,
		Web:       botWeb{poller: poller, fetcher: fetcher},
		GuildID:   cfg.Discord.GuildID,
		Sentences: cfg.Summary.Sentences,
		// The buttons' signing key is derived from the token inside bot.
		Secret: []byte(cfg.Discord.Token),
		Log:    log,
		Delivery: bot.Delivery{
			DMEvery:      cfg.Delivery.DMEvery,
			DMDailyCap:   cfg.Delivery.DMDailyCap,
			FailingAfter: cfg.Delivery.FailingAfter,
		},
		// The sender exists before anything is enqueued.
		Wake: func() { d.sender.Wake() },
	})
	var out bot.Transport
	if cfg.Console() {
		d.console = d.bot.NewConsole(e.stdin, e.stdout)
		out = d.console.Transport()
	} else {
		dg, err := bot.NewSession(cfg.Discord.Token, cfg.Discord.APIURL)
		if err != nil {
			return nil, err
		}
		d.dg, out = dg, bot.NewDiscordTransport(dg)
	}
	d.sender = bot.NewSender(bot.SenderConfig{
		Store:     db,
		Transport: out,
		Rate:      float64(cfg.Delivery.Rate),
		// After a crash, rows it had claimed are sent again once their
		// lease ends, with the same nonce, which Discord remembers for a
		// few minutes: a short lease keeps both the wait and the risk low.
		Lease:  sendLease,
		Log:    log,
		OnGone: d.bot.Gone,
	})
	if err := d.bot.LoadTopics(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// deliver runs every delivery step once: new articles to posts and
// matches, due digests, due DMs, feed-health notices. A failing step is
// logged and the others still run. A call while another runs returns at
// once; the next tick (5 s) picks up what it would have done.
func (d *delivery) deliver(ctx context.Context) {
	if !d.delivering.TryLock() {
		return // running already; what it misses, the next tick does
	}
	defer d.delivering.Unlock()
	steps := []struct {
		name string
		run  func(context.Context) (int, error)
	}{
		{"route", d.bot.Route},
		{"digests", d.bot.RunDigests},
		{"dms", d.bot.RunDMs},
		{"health", d.bot.CheckHealth},
	}
	for _, s := range steps {
		n, err := s.run(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("delivery step", "step", s.name, "error", err)
		} else if n > 0 {
			d.log.Debug("delivery step", "step", s.name, "queued", n)
		}
	}
}

// serve runs the sender and the bot until ctx ends: on Discord, or in
// console mode on e.stdin and e.stdout.
func (d *delivery) serve(ctx context.Context, e *env) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Go(func() {
		if err := d.sender.Run(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("sender stopped", "error", err)
		}
	})
	if d.dg != nil {
		return d.bot.Run(ctx, d.dg)
	}
	err := d.console.Run(ctx)
	if !errors.Is(err, io.EOF) {
		return err
	}
	// Input ended (newsbot run < /dev/null, or under a supervisor):
	// polling and delivery go on until interrupted.
	d.log.Info("console input ended; running until interrupted")
	<-ctx.Done()
	return nil
}

// botWeb gives the bot the poller's and the fetcher's view of the web.
type botWeb struct {
	poller  *feeds.Poller
	fetcher *feeds.Fetcher
}

var _ bot.Web = botWeb{}

func (w botWeb) AddFeed(ctx context.Context, rawURL string) (newsbot.Feed, int, bool, error) {
	return w.poller.AddFeed(ctx, rawURL)
}

func (w botWeb) FetchArticle(ctx context.Context, rawURL string) (newsbot.Article, error) {
	x, err := feeds.FetchArticle(ctx, w.fetcher, rawURL)
	if err != nil {
		return newsbot.Article{}, err
	}
	return newsbot.Article{
		URL: rawURL, Title: x.Title, Author: x.Author, Text: x.Text,
		ImageURL: x.ImageURL, PublishedAt: x.PublishedAt,
	}, nil
}

func (w botWeb) CanonicalURL(rawURL string) (string, error) {
	u, err := feeds.CanonicalURL(rawURL)
	if err != nil {
		return "", newsbot.Invalid(err)
	}
	return u, nil
}
