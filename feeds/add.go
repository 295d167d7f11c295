package feeds

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"newsbot"
)

// maxCandidates bounds how many discovered feed links are tried for one
// page, so a hostile page cannot make the bot fetch hundreds of URLs.
const maxCandidates = 5

// Found is a feed located by Resolve: its address and its first read.
type Found struct {
	// URL is the canonical address of the feed itself (after redirects
	// and discovery).
	URL      string
	Response *Response
	Parsed   *Parsed
	// Discovered is set when the URL given was a web page and the feed
	// was found through it.
	Discovered bool
}

// Resolve fetches rawURL and returns the feed there. When it is a web
// page, the feeds it links to (<link rel="alternate">) are tried in order,
// then the usual paths (/feed, /rss, ...); the first that parses wins.
// Errors about the URL (refused, unreachable, not a feed) wrap
// newsbot.ErrInvalid, with messages meant for the user who gave it.
func (p *Poller) Resolve(ctx context.Context, rawURL string) (*Found, error) {
	fd, err := p.resolve(ctx, rawURL)
	return fd, userError(ctx, err)
}

// userError marks an error about a user's URL as theirs to fix, unless
// it is the context ending.
func userError(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	return newsbot.Invalid(err)
}

func (p *Poller) resolve(ctx context.Context, rawURL string) (*Found, error) {
	fetcher := p.Fetcher
	u, err := CanonicalURL(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, err
	}
	resp, err := fetcher.Get(ctx, u, Conditional{})
	if err != nil {
		return nil, err
	}
	parsed, perr := Parse(resp.Body, resp.ContentType, resp.URL, p.now())
	if perr == nil {
		return found(resp, parsed, false)
	}
	if !errors.Is(perr, ErrHTMLPage) {
		return nil, fmt.Errorf("%s: %w", u, perr)
	}

	var candidates []string
	if links, err := DiscoverFeeds(resp.Body, resp.URL); err == nil {
		for _, l := range links {
			candidates = append(candidates, l.URL)
		}
	}
	if len(candidates) == 0 {
		candidates, _ = FallbackFeedURLs(resp.URL)
	}
	var errs []error
	for _, c := range candidates[:min(len(candidates), maxCandidates)] {
		resp, err := fetcher.Get(ctx, c, Conditional{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parsed, err := Parse(resp.Body, resp.ContentType, resp.URL, p.now())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			continue
		}
		return found(resp, parsed, true)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("%s is a web page and no feed was found on it: %w", u, errors.Join(append([]error{ErrNotFeed}, errs...)...))
}

func found(resp *Response, parsed *Parsed, discovered bool) (*Found, error) {
	u, err := CanonicalURL(resp.URL)
	if err != nil {
		return nil, err
	}
	return &Found{URL: u, Response: resp, Parsed: parsed, Discovered: discovered}, nil
}

// AddFeed locates the feed at rawURL (a feed, or a page that links to
// one) and stores it with its current items as backlog: searchable, never
// posted. A feed already stored is returned as it is, created false. The
// items count is how many the feed carries now.
func (p *Poller) AddFeed(ctx context.Context, rawURL string) (feed newsbot.Feed, items int, created bool, err error) {
	fd, err := p.Resolve(ctx, rawURL)
	if err != nil {
		return feed, 0, false, err
	}
	now := p.now()
	feed, created, err = p.Store.EnsureFeed(ctx, newsbot.Feed{URL: fd.URL, Title: fd.Parsed.Title, CreatedAt: now})
	if err != nil || !created {
		return feed, len(fd.Parsed.Items), created, err
	}
	if err := p.loadStories(ctx); err != nil {
		return feed, 0, true, err
	}
	r := Result{Feed: feed}
	if err := p.ingest(ctx, &r, fd.Response, fd.Parsed, now); err != nil {
		return feed, 0, true, err
	}
	p.succeed(&r.Feed, fd.Response, now)
	if err := p.Store.UpdateFeed(ctx, r.Feed); err != nil {
		return feed, 0, true, err
	}
	return r.Feed, r.Items, true, nil
}

// FetchArticle fetches a web page through the guarded fetcher and
// extracts its main text: the path of /summarize and "newsbot summarize
// URL", and of full text for teaser items. Its errors wrap
// newsbot.ErrInvalid, as Resolve's.
func FetchArticle(ctx context.Context, fetcher *Fetcher, rawURL string) (*Extracted, error) {
	resp, err := fetcher.Get(ctx, rawURL, Conditional{})
	if err != nil {
		return nil, userError(ctx, err)
	}
	x, err := ExtractArticle(resp.Body, resp.URL)
	if err != nil {
		return nil, userError(ctx, fmt.Errorf("extract %s: %w", rawURL, err))
	}
	return x, nil
}
