package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"newsbot"
	"newsbot/bot"
	"newsbot/config"
	"newsbot/feeds"
	"newsbot/store"
)

// setup loads the configuration and builds the logger every long-running
// command uses. Warnings about accepted-but-unwise settings are logged.
func setup(e *env, configPath string) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(configPath, e.getenv)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(e.stderr, cfg)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	return cfg, log, nil
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// setupStore is setup followed by opening the configured database; the
// caller closes it.
func setupStore(ctx context.Context, e *env, configPath string) (*config.Config, *slog.Logger, *store.DB, error) {
	cfg, log, err := setup(e, configPath)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := store.Open(ctx, cfg.Database.Path)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, log, db, nil
}

// Console mode's demo: the example feeds are read every consolePoll
// unless feeds.poll_interval is set, and the example site releases one
// new item every exampleRelease.
const (
	consolePoll    = 15 * time.Second
	exampleRelease = 20 * time.Second
	// pollTick is how often due feeds are looked for; each feed keeps its
	// own interval.
	pollTick = "@every 5s"
	// deliverTick is how often due digests, DMs and health changes are
	// looked for (new articles go out after each poll as well).
	deliverTick = "@every 5s"
)

func runBot(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "newsbot run [-config FILE]",
		"Run the bot until interrupted (SIGINT or SIGTERM). With no Discord token it runs in\nconsole mode on the bundled example feeds: posts print here and slash commands are\ntyped at a prompt.")
	configPath := fs.String("config", "", "YAML configuration `file` (default: built-in defaults)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, log, db, err := setupStore(ctx, e, *configPath)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("close store", "error", err)
		}
	}()
	log.Info("store open", "database_path", db.Path(), "schema_version", store.SchemaVersion())

	var local map[string]http.Handler
	var examples *exampleSite
	if cfg.Console() {
		examples, err = newExampleSite(time.Now, exampleRelease)
		if err != nil {
			return err
		}
		local = map[string]http.Handler{exampleHost: examples}
	}
	fetcher := newFetcherWith(cfg, local)
	defer fetcher.CloseIdleConnections()
	poller := newPoller(cfg, db, fetcher, log)
	// A feed no channel follows any more is not fetched for nothing.
	poller.FollowedOnly = true
	if cfg.Console() && !cfg.IsSet("feeds.poll_interval") {
		poller.Interval, poller.MaxInterval = consolePoll, consolePoll
	}
	if examples != nil {
		if err := addExampleFeeds(ctx, db, examples); err != nil {
			return err
		}
	}
	if cfg.Console() {
		// Posts, digests and DMs print between the console's answers:
		// one writer, one whole message at a time.
		e.stdout = &lockedWriter{w: e.stdout}
	}
	d, err := newDelivery(ctx, e, cfg, db, poller, fetcher, log)
	if err != nil {
		return err
	}

	if cfg.HTTP.Listen != "" {
		stop, err := serveHealth(ctx, cfg.HTTP.Listen, db, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	poll := func() {
		err := poller.PollDue(ctx, func(r feeds.Result) {
			if len(r.New) > 0 {
				log.Info("stored articles", "feed_url", r.Feed.URL, "new", len(r.New))
			}
		})
		if err != nil && ctx.Err() == nil {
			log.Error("poll", "error", err)
		}
		// What the poll stored goes out now, not at the next tick.
		d.deliver(ctx)
	}
	if cfg.Console() {
		// The demo's first read before the prompt, so search has
		// something to find at once.
		poll()
	} else {
		// What a previous run left to send goes out at once.
		d.deliver(ctx)
	}
	// The scheduler ticks; due feeds are claimed from the store, so a
	// tick that finds a poll still running is skipped, not stacked.
	sched := cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if _, err := sched.AddFunc(pollTick, poll); err != nil {
		return fmt.Errorf("schedule polling: %w", err)
	}
	if _, err := sched.AddFunc(deliverTick, func() { d.deliver(ctx) }); err != nil {
		return fmt.Errorf("schedule delivery: %w", err)
	}
	sched.Start()
	defer func() {
		// Wait for a running poll to finish before the store closes.
		<-sched.Stop().Done()
	}()

	err = d.serve(ctx, e)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("shutting down")
	return err
}

// addExampleFeeds stores the bundled example feeds, followed by the
// console's channel, once.
func addExampleFeeds(ctx context.Context, db *store.DB, s *exampleSite) error {
	for _, u := range s.FeedURLs() {
		f, _, err := db.EnsureFeed(ctx, newsbot.Feed{URL: u})
		if err != nil {
			return err
		}
		_, err = db.AddFollow(ctx, newsbot.Follow{GuildID: bot.ConsoleGuildID, ChannelID: bot.ConsoleChannelID,
			FeedID: f.ID, Mode: newsbot.ModeInstant, CreatedBy: bot.ConsoleUserID})
		if err != nil && !errors.Is(err, newsbot.ErrExists) {
			return err
		}
	}
	return nil
}

// lockedWriter serializes writes, so messages printed by different
// goroutines do not interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// serveHealth answers GET /healthz with 200 while the store answers. The
// returned function stops the server.
func serveHealth(ctx context.Context, addr string, db *store.DB, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.Ping(r.Context()); err != nil {
			log.Error("health check", "error", err)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health server", "error", err)
		}
	}()
	log.Info("health endpoint", "address", ln.Addr().String())
	return func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
		<-done
	}, nil
}
