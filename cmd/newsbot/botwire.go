package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"newsbot"
	"newsbot/bot"
	"newsbot/config"
	"newsbot/feeds"
	"newsbot/store"
)

// serveBot runs the bot until ctx ends: on Discord when cfg.Discord.Token
// is set, else in console mode on e.stdin and e.stdout. In console mode it
// hands the console to onConsole (when not nil) before reading commands,
// so the wiring can print channel posts with (*bot.Console).Post.
func serveBot(ctx context.Context, e *env, cfg *config.Config, db *store.DB, poller *feeds.Poller, fetcher *feeds.Fetcher, log *slog.Logger, onConsole func(*bot.Console)) error {
	b := newBot(cfg, db, poller, fetcher, log)
	if cfg.Console() {
		c := b.NewConsole(e.stdin, e.stdout)
		if onConsole != nil {
			onConsole(c)
		}
		err := c.Run(ctx)
		if !errors.Is(err, io.EOF) {
			return err
		}
		// Input ended (newsbot run < /dev/null, or under a supervisor):
		// polling goes on until interrupted.
		log.Info("console input ended; running until interrupted")
		<-ctx.Done()
		return nil
	}
	dg, err := bot.NewSession(cfg.Discord.Token, cfg.Discord.APIURL)
	if err != nil {
		return err
	}
	return b.Run(ctx, dg)
}

// newBot wires the bot to the store, the poller and the fetcher.
func newBot(cfg *config.Config, db *store.DB, poller *feeds.Poller, fetcher *feeds.Fetcher, log *slog.Logger) *bot.Bot {
	return bot.New(bot.Config{
		Store:     db,
		Web:       botWeb{poller: poller, fetcher: fetcher},
		GuildID:   cfg.Discord.GuildID,
		Sentences: cfg.Summary.Sentences,
		// The buttons' signing key is derived from the token inside bot.
		Secret: []byte(cfg.Discord.Token),
		Log:    log,
	})
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
