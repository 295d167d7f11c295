package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"newsbot"
)

func runSearch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "search", "newsbot search [-config FILE] [-n 10] QUERY",
		`Search stored articles, best match first. QUERY is words, "phrases", -excluded,
since:7d and source:NAME, as in /search.`)
	configPath := fs.String("config", "", "YAML configuration `file`")
	n := fs.Int("n", 10, "most results to print")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("search: %w", errUsage)
	}
	q, err := newsbot.ParseQuery(strings.Join(fs.Args(), " "), time.Now())
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	_, _, db, err := setupStore(ctx, e, *configPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if q.Source != "" {
		if q.FeedIDs, err = feedsNamed(ctx, db, q.Source); err != nil {
			return fmt.Errorf("search: %w", err)
		}
	}
	q.Limit = *n
	hits, err := db.Search(ctx, q)
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		fmt.Fprintln(e.stdout, "no articles match")
	}
	for _, h := range hits {
		a := h.Article
		fmt.Fprintf(e.stdout, "%s  %s\n  %s · %s\n", a.PublishedAt.Format(time.DateOnly), a.Title, h.FeedTitle, a.URL)
		if len(a.Summary) > 0 {
			fmt.Fprintf(e.stdout, "  %s\n", a.Summary[0])
		}
	}
	return nil
}

// feedsNamed resolves a source: filter to the feeds whose title or URL
// contains it, case-insensitively.
func feedsNamed(ctx context.Context, db interface {
	Feeds(context.Context) ([]newsbot.Feed, error)
}, name string) ([]int64, error) {
	feeds, err := db.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	name = strings.ToLower(name)
	var ids []int64
	for _, f := range feeds {
		if strings.Contains(strings.ToLower(f.Title), name) || strings.Contains(strings.ToLower(f.URL), name) {
			ids = append(ids, f.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no feed is called %q: %w", name, newsbot.ErrNotFound)
	}
	return ids, nil
}
