package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"

	"newsbot"
	"newsbot/config"
	"newsbot/feeds"
	"newsbot/store"
	"newsbot/summarize"
)

// newFetcher builds the guarded HTTP client from the configuration.
func newFetcher(cfg *config.Config) *feeds.Fetcher { return newFetcherWith(cfg, nil) }

// newFetcherWith is newFetcher with hosts served in process.
func newFetcherWith(cfg *config.Config, local map[string]http.Handler) *feeds.Fetcher {
	return feeds.NewFetcher(feeds.FetcherOptions{
		UserAgent:            cfg.Feeds.UserAgent,
		MaxBodyBytes:         cfg.Feeds.MaxBodyBytes,
		PerHostLimit:         cfg.Feeds.PerHostLimit,
		AllowPrivateNetworks: cfg.Feeds.AllowPrivateNetworks,
		Timeout:              cfg.Feeds.FetchTimeout,
		Local:                local,
	})
}

// newPoller wires the poller to the store, the fetcher and the summarizer.
func newPoller(cfg *config.Config, db *store.DB, fetcher *feeds.Fetcher, log *slog.Logger) *feeds.Poller {
	n := cfg.Summary.Sentences
	return &feeds.Poller{
		Store:     db,
		Fetcher:   fetcher,
		Summarize: func(title, text string) []string { return summarize.Text(text, n) },
		Log:       log,
		Interval:  cfg.Feeds.PollInterval,
	}
}

func runPoll(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "poll", "newsbot poll -once [-all] [-config FILE]",
		"Poll every feed that is due (or every feed, with -all) once, store what is new,\nand print one line per new article and one per failing feed.")
	configPath := fs.String("config", "", "YAML configuration `file`")
	once := fs.Bool("once", false, "poll once and exit (required: \"newsbot run\" polls continuously)")
	all := fs.Bool("all", false, "poll every active feed, due or not")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !*once {
		fs.Usage()
		return fmt.Errorf("poll: -once is required; \"newsbot run\" polls continuously: %w", errUsage)
	}
	cfg, log, db, err := setupStore(ctx, e, *configPath)
	if err != nil {
		return err
	}
	defer db.Close()
	fetcher := newFetcher(cfg)
	defer fetcher.CloseIdleConnections()
	p := newPoller(cfg, db, fetcher, log)

	var stored, failed, polled int
	report := func(r feeds.Result) {
		polled++
		if r.Err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL  %s: %v\n", r.Feed.URL, r.Err)
			return
		}
		for _, a := range r.New {
			stored++
			line := ""
			if len(a.Summary) > 0 {
				line = " — " + a.Summary[0]
			}
			fmt.Fprintf(e.stdout, "NEW   %s | %s%s\n", feedName(r.Feed), a.Title, line)
		}
	}
	if *all {
		var list []newsbot.Feed
		if list, err = db.Feeds(ctx); err != nil {
			return err
		}
		active := list[:0]
		for _, f := range list {
			if !f.Disabled() {
				active = append(active, f)
			}
		}
		err = p.PollFeeds(ctx, active, report)
	} else {
		err = p.PollDue(ctx, report)
	}
	fmt.Fprintf(e.stdout, "polled %d feeds: %d new articles, %d failing\n", polled, stored, failed)
	return err
}

// feedName is the feed's title, or its address when it has none.
func feedName(f newsbot.Feed) string { return cmp.Or(f.Title, f.URL) }

func runExtract(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "extract", "newsbot extract [-config FILE] FILE|URL",
		"Print the main text of a web page (a local HTML file, or a URL fetched through the\nguarded client), paragraphs separated by blank lines: what the summarizer is fed.")
	configPath := fs.String("config", "", "YAML configuration `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("extract: want one FILE or URL: %w", errUsage)
	}
	cfg, _, err := setup(e, *configPath)
	if err != nil {
		return err
	}
	x, err := extractFrom(ctx, cfg, fs.Arg(0))
	if err != nil {
		return err
	}
	if x.Title != "" {
		fmt.Fprintf(e.stdout, "%s\n\n", x.Title)
	}
	fmt.Fprintln(e.stdout, x.Text)
	return nil
}

// extractFrom reads a page from a URL (through the guarded fetcher) or a
// local file, and extracts its article.
func extractFrom(ctx context.Context, cfg *config.Config, arg string) (*feeds.Extracted, error) {
	if isURL(arg) {
		fetcher := newFetcher(cfg)
		defer fetcher.CloseIdleConnections()
		return feeds.FetchArticle(ctx, fetcher, arg)
	}
	page, err := os.ReadFile(arg)
	if err != nil {
		return nil, err
	}
	return feeds.ExtractArticle(page, "")
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https"))
}

func runFeeds(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "feeds", "newsbot feeds [-config FILE] import FILE.opml | export",
		"Import feeds from an OPML file (as exported by another reader), or export every\nfeed as OPML on standard output. Imported feeds are polled by \"newsbot run\" or\n\"newsbot poll -once\"; their current items are stored as already seen.")
	configPath := fs.String("config", "", "YAML configuration `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	verb := fs.Arg(0)
	if !(verb == "import" && fs.NArg() == 2) && !(verb == "export" && fs.NArg() == 1) {
		fs.Usage()
		return fmt.Errorf("feeds: want \"import FILE.opml\" or \"export\": %w", errUsage)
	}
	_, _, db, err := setupStore(ctx, e, *configPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if verb == "export" {
		return exportOPML(ctx, db, e.stdout)
	}
	f, err := os.Open(fs.Arg(1))
	if err != nil {
		return err
	}
	defer f.Close()
	return importOPML(ctx, db, f, e.stdout)
}

func importOPML(ctx context.Context, db *store.DB, r io.Reader, w io.Writer) error {
	list, err := feeds.ParseOPML(r)
	if err != nil {
		return err
	}
	added, present, bad := 0, 0, 0
	for _, o := range list {
		u, err := feeds.CanonicalURL(o.FeedURL)
		if err == nil {
			var created bool
			_, created, err = db.EnsureFeed(ctx, newsbot.Feed{URL: u, Title: o.Title, SiteURL: o.SiteURL})
			if created {
				added++
			} else if err == nil {
				present++
			}
		}
		if err != nil {
			bad++
			fmt.Fprintf(w, "skipped %q: %v\n", o.FeedURL, err)
		}
	}
	fmt.Fprintf(w, "imported %d feeds (%d already present, %d skipped)\n", added, present, bad)
	return nil
}

func exportOPML(ctx context.Context, db *store.DB, w io.Writer) error {
	list, err := db.Feeds(ctx)
	if err != nil {
		return err
	}
	out := make([]feeds.OPMLFeed, 0, len(list))
	for _, f := range list {
		out = append(out, feeds.OPMLFeed{Title: f.Title, FeedURL: f.URL, SiteURL: f.SiteURL})
	}
	return feeds.WriteOPML(w, "newsbot feeds", out)
}
