package feeds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"newsbot"
)

// Store is what the poller needs from persistence.
type Store interface {
	EnsureFeed(ctx context.Context, f newsbot.Feed) (newsbot.Feed, bool, error)
	ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Feed, error)
	// ClaimFollowedFeeds is ClaimDueFeeds for feeds a channel follows.
	ClaimFollowedFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Feed, error)
	UpdateFeed(ctx context.Context, f newsbot.Feed) error
	KnownKeys(ctx context.Context, feedID int64, keys []string) (map[string]bool, error)
	SaveBatch(ctx context.Context, articles []newsbot.Article) ([]newsbot.Article, error)
	RecentArticles(ctx context.Context, since time.Time, leadChars int) ([]newsbot.Article, error)
}

// Polling policy.
const (
	// MaxInterval caps every interval: a feed is read at least daily.
	MaxInterval = 24 * time.Hour
	// maxBackoff caps the wait after failures.
	maxBackoff = 12 * time.Hour
	// DisableAfter is how long a feed may fail before polling stops.
	DisableAfter = 7 * 24 * time.Hour
	// defaultLease must outlast one feed's poll (fetch, full-text pages,
	// save); a poller that crashed gives the feed back when it runs out.
	defaultLease = 10 * time.Minute
	// jitter spreads feeds added together over ±10 % of their interval.
	jitter = 0.10
)

// Poller fetches due feeds, parses them, stores what is new with its
// summary and story, and schedules the next check. Its fields are set
// before the first call and not changed after.
type Poller struct {
	Store   Store
	Fetcher *Fetcher
	// Summarize turns an article into its key sentences.
	Summarize func(title, text string) []string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// FollowedOnly makes PollDue read only the feeds some channel
	// follows: the bot sets it, so a feed nobody follows any more is not
	// fetched; "newsbot poll" reads every feed.
	FollowedOnly bool
	// Log receives one line per failure; default discards.
	Log *slog.Logger
	// Interval is the default time between two polls of a feed; a feed's
	// TTL, Cache-Control and publishing rate may raise it. Default 10m.
	Interval time.Duration
	// Workers is how many feeds are polled at once; default 32.
	Workers int
	// FullTextPerPoll caps the article pages fetched for teaser items in
	// one poll of one feed; default 10, negative for none.
	FullTextPerPoll int
	// Lease is how long a claimed feed stays reserved; default 10m.
	Lease time.Duration
	// MaxInterval caps the interval after a good read; default (and at
	// most) MaxInterval. The console demo sets it to Interval so its
	// example feeds, days apart, are still read every few seconds.
	MaxInterval time.Duration

	once    sync.Once
	loadErr error
	// mu guards queue and saving. Saves are group-committed: the worker
	// that finds no save running becomes the saver and writes every
	// queued feed's articles in one transaction, while the others wait.
	// SQLite takes one writer at a time anyway, and FTS5 merges far less
	// after a few large transactions than after many small ones. Only the
	// saver adds stories, so two workers never start two stories for one
	// event.
	mu     sync.Mutex
	saved  *sync.Cond // on mu: a batch was written or the saver left
	queue  []*saveRequest
	saving bool

	// Story matching runs in the workers, against stories under a read
	// lock; the saver then checks the articles that matched nothing
	// against recent, the stories added since (gen counts additions;
	// recent holds those from recentFrom on), and against each other.
	storiesMu  sync.RWMutex
	stories    *StoryIndex
	gen        int64
	recent     *StoryIndex
	recentFrom int64
	matchSlots chan struct{}
	// kept counts the reports of each story the indexes hold: only the
	// first storyKept are added.
	kept storyCounts
}

// recentMax bounds the saver's index of the stories added lately; past
// it a fresh one starts, and a worker that matched before then is
// checked against all stories again.
const recentMax = 20000

// saveRequest is one feed's new articles waiting to be saved.
type saveRequest struct {
	articles []newsbot.Article
	sigs     []Signature
	now      time.Time
	saved    []newsbot.Article
	err      error
	done     bool // guarded by Poller.mu
	// matched holds the stories the worker found (0: none), as of
	// stories generation gen.
	matched []int64
	gen     int64
}

// Result is what one poll of one feed did.
type Result struct {
	// Feed is the feed as saved after the poll: health, validators and
	// next check updated.
	Feed newsbot.Feed
	// New holds the articles stored by this poll.
	New []newsbot.Article
	// Items is how many items the feed carried; 0 on a 304.
	Items       int
	NotModified bool
	// Err is why the poll failed; nil on success.
	Err error
	// Time spent per stage, for the benchmark and slow-feed logs.
	Fetch, Parse, Extract, Summarize, Save time.Duration
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (p *Poller) interval() time.Duration { return cmp.Or(p.Interval, 10*time.Minute) }

// leadChars is how much of an article's text is read back at start to
// sign it again: more than the lead that Sign reads.
const leadChars = 2000

// loadStories rebuilds the story index from the last StoryWindow of
// articles, once.
func (p *Poller) loadStories(ctx context.Context) error {
	p.once.Do(func() {
		p.stories, p.recent = NewStoryIndex(), NewStoryIndex()
		p.matchSlots = make(chan struct{}, runtime.GOMAXPROCS(0))
		recent, err := p.Store.RecentArticles(ctx, p.now().Add(-StoryWindow), leadChars)
		if err != nil {
			p.loadErr = fmt.Errorf("load recent stories: %w", err)
			return
		}
		for _, a := range recent {
			if p.kept.keep(a.StoryID, a.FetchedAt) {
				p.stories.Add(a.StoryID, Sign(a.Title, a.Text), a.FetchedAt)
			}
		}
	})
	return p.loadErr
}

// PollDue claims the feeds that are due and polls them, Workers at a
// time, until none is due; report (if not nil) is called once per feed,
// from one goroutine at a time.
//
// The next feeds are claimed as soon as the last claimed ones are all
// handed to workers, not when they are done: a cycle that waited for
// each claim's slowest feed (a server taking seconds to answer) would
// leave the workers, and the store's writer, idle meanwhile.
func (p *Poller) PollDue(ctx context.Context, report func(Result)) error {
	if err := p.loadStories(ctx); err != nil {
		return err
	}
	workers := cmp.Or(p.Workers, 32)
	jobs := make(chan newsbot.Feed)
	var pending sync.WaitGroup // feeds claimed and not yet polled
	var wg sync.WaitGroup
	poll := p.pollWorker(ctx, report)
	for range workers {
		wg.Go(func() {
			for f := range jobs {
				poll(f)
				pending.Done()
			}
		})
	}
	err := p.sendDue(ctx, jobs, &pending, 4*workers)
	close(jobs)
	wg.Wait()
	return cmp.Or(err, ctx.Err())
}

// sendDue claims due feeds, limit at a time, and sends them to jobs,
// until none is due once every claimed feed is polled.
func (p *Poller) sendDue(ctx context.Context, jobs chan<- newsbot.Feed, pending *sync.WaitGroup, limit int) error {
	for waited := false; ; {
		claim := p.Store.ClaimDueFeeds
		if p.FollowedOnly {
			claim = p.Store.ClaimFollowedFeeds
		}
		feeds, err := claim(ctx, p.now(), cmp.Or(p.Lease, defaultLease), limit)
		if err != nil {
			return err
		}
		if len(feeds) == 0 {
			if waited {
				return nil
			}
			// Feeds in flight may leave others due (a failure retried
			// at once): claim again once they are done.
			pending.Wait()
			waited = true
			continue
		}
		waited = false
		pending.Add(len(feeds))
		for i, f := range feeds {
			select {
			case jobs <- f:
			case <-ctx.Done():
				// The unsent feeds keep their lease until it runs out.
				pending.Add(i - len(feeds))
				return ctx.Err()
			}
		}
	}
}

// pollWorker returns a function that polls one feed and reports the
// result, one report at a time.
func (p *Poller) pollWorker(ctx context.Context, report func(Result)) func(newsbot.Feed) {
	var mu sync.Mutex
	return func(f newsbot.Feed) {
		r := p.PollFeed(ctx, f)
		if report != nil {
			mu.Lock()
			report(r)
			mu.Unlock()
		}
	}
}

// PollFeeds polls the given feeds, Workers at a time, whether due or not.
func (p *Poller) PollFeeds(ctx context.Context, feeds []newsbot.Feed, report func(Result)) error {
	if err := p.loadStories(ctx); err != nil {
		return err
	}
	jobs := make(chan newsbot.Feed)
	poll := p.pollWorker(ctx, report)
	var wg sync.WaitGroup
	for range min(cmp.Or(p.Workers, 32), len(feeds)) {
		wg.Go(func() {
			for f := range jobs {
				poll(f)
			}
		})
	}
	for _, f := range feeds {
		select {
		case jobs <- f:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// PollFeed polls one feed and saves the outcome on it: new articles, or
// the error with a back-off. The returned Result says what happened; an
// error saving the outcome is in Result.Err too.
func (p *Poller) PollFeed(ctx context.Context, f newsbot.Feed) Result {
	r := Result{Feed: f}
	if err := p.loadStories(ctx); err != nil {
		r.Err = err
		return r
	}
	now := p.now()
	start := time.Now()
	resp, err := p.Fetcher.Get(ctx, f.URL, Conditional{ETag: f.ETag, LastModified: f.LastModified})
	r.Fetch = time.Since(start)
	if err == nil && !resp.NotModified {
		start = time.Now()
		var parsed *Parsed
		parsed, err = Parse(resp.Body, resp.ContentType, resp.URL, now)
		r.Parse = time.Since(start)
		if err != nil {
			err = fmt.Errorf("parse %s: %w", f.URL, err)
		} else {
			err = p.ingest(ctx, &r, resp, parsed, now)
		}
	}
	if ctx.Err() != nil && err != nil {
		// Shutting down: leave the feed as it was; its lease runs out and
		// the next start polls it again.
		r.Err = err
		return r
	}
	if err != nil {
		p.fail(&r.Feed, err, now)
		r.Err = err
		p.log().Warn("poll feed", "feed_url", f.URL, "failures", r.Feed.Failures, "error", err)
	} else {
		r.NotModified = resp.NotModified
		p.succeed(&r.Feed, resp, now)
	}
	if err := p.Store.UpdateFeed(ctx, r.Feed); err != nil {
		r.Err = errors.Join(r.Err, err)
	}
	return r
}

// ingest stores the new items of a parsed feed. The feed's metadata in
// r.Feed is refreshed from it.
func (p *Poller) ingest(ctx context.Context, r *Result, resp *Response, parsed *Parsed, now time.Time) error {
	r.Items = len(parsed.Items)
	f := &r.Feed
	f.Title = cmp.Or(parsed.Title, f.Title)
	f.SiteURL = cmp.Or(parsed.SiteURL, f.SiteURL)
	f.ImageURL = cmp.Or(parsed.ImageURL, f.ImageURL)
	f.Interval = p.nextInterval(parsed, resp)

	fresh, err := p.newItems(ctx, f.ID, parsed.Items)
	if err != nil {
		return err
	}
	// The first successful read of a feed is its backlog: stored and
	// searchable, never posted.
	backlog := f.LastSuccessAt.IsZero()
	budget := cmp.Or(p.FullTextPerPoll, 10)
	for i := range fresh {
		a := &fresh[i]
		a.FetchedAt = now
		if a.PublishedAt.IsZero() {
			a.PublishedAt = now
		}
		a.Backlog = backlog
		if !backlog && budget > 0 && a.URL != "" && IsTeaser(a) {
			budget--
			t := time.Now()
			p.fullText(ctx, a)
			r.Extract += time.Since(t)
		}
		t := time.Now()
		if p.Summarize != nil {
			a.Summary = p.Summarize(a.Title, a.Text)
		}
		r.Summarize += time.Since(t)
	}

	start := time.Now()
	for i := range fresh {
		fresh[i].FeedID = f.ID
	}
	r.New, err = p.save(ctx, fresh, now)
	r.Save = time.Since(start)
	return err
}

// newItems returns the items the feed has not stored yet, first
// occurrence of each key, in feed order.
func (p *Poller) newItems(ctx context.Context, feedID int64, items []Item) ([]newsbot.Article, error) {
	keys := make([]string, 0, len(items))
	for _, it := range items {
		keys = append(keys, it.DedupeKey)
	}
	known, err := p.Store.KnownKeys(ctx, feedID, keys)
	if err != nil {
		return nil, err
	}
	var fresh []newsbot.Article
	for _, it := range items {
		if known[it.DedupeKey] {
			continue
		}
		known[it.DedupeKey] = true // a feed that lists an item twice
		fresh = append(fresh, it.Article)
	}
	return fresh, nil
}

// fullText replaces a teaser by the article's main text from its page.
// Failing that, the teaser stays: a missing page is no reason to lose the
// item.
func (p *Poller) fullText(ctx context.Context, a *newsbot.Article) {
	x, err := FetchArticle(ctx, p.Fetcher, a.URL)
	if err != nil {
		p.log().Debug("full text", "article_url", a.URL, "error", err)
		return
	}
	if len(x.Text) > len(a.Text) {
		a.Text = x.Text
	}
	a.ImageURL = cmp.Or(a.ImageURL, x.ImageURL)
}

// save groups one feed's new articles into stories and stores them,
// together with whatever other feeds are waiting to save.
func (p *Poller) save(ctx context.Context, fresh []newsbot.Article, now time.Time) ([]newsbot.Article, error) {
	if len(fresh) == 0 {
		return nil, nil
	}
	req := &saveRequest{articles: fresh, now: now, sigs: make([]Signature, len(fresh)), matched: make([]int64, len(fresh))}
	for i := range fresh {
		req.sigs[i] = Sign(fresh[i].Title, fresh[i].Text)
		fresh[i].Fingerprint = req.sigs[i].Fingerprint()
	}
	// As many matches at once as there are cores: more only wait, and
	// each holds scratch space as large as the index.
	p.matchSlots <- struct{}{}
	p.storiesMu.RLock()
	req.gen = p.gen
	for i, sig := range req.sigs {
		req.matched[i], _ = p.stories.Match(sig, now)
	}
	p.storiesMu.RUnlock()
	<-p.matchSlots
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.saved == nil {
		p.saved = sync.NewCond(&p.mu)
	}
	p.queue = append(p.queue, req)
	for p.saving && !req.done {
		p.saved.Wait()
	}
	if req.done {
		return req.saved, req.err
	}
	// No saver: this worker writes what is queued, its own request
	// among it, and whatever queued up meanwhile until its own is done.
	p.saving = true
	for !req.done {
		batch := p.queue
		p.queue = nil
		p.mu.Unlock()
		p.saveBatch(ctx, batch)
		p.mu.Lock()
		for _, r := range batch {
			r.done = true
		}
		p.saved.Broadcast()
	}
	p.saving = false
	p.saved.Broadcast() // a waiter with a queued request becomes the saver
	return req.saved, req.err
}

// saveBatch matches the batch's articles to stories, recent ones and
// each other's, and stores them in one transaction.
func (p *Poller) saveBatch(ctx context.Context, batch []*saveRequest) {
	type key struct {
		feed int64
		key  string
	}
	owner := map[key]*saveRequest{}
	sigOf := map[key]Signature{}
	// New stories within the batch get negative ids, shared by the
	// batch's other reports of the same event; the store gives them real
	// ids.
	fresh := NewStoryIndex()
	next := int64(-1)
	var all []newsbot.Article
	for _, r := range batch {
		r.saved, r.err = nil, nil
		for i, a := range r.articles {
			sig := r.sigs[i]
			// Only the saver adds stories, so it reads them unlocked.
			since := p.recent
			if r.gen < p.recentFrom {
				since = p.stories // recent no longer covers the worker's view
			}
			if r.matched[i] != 0 {
				a.StoryID = r.matched[i]
			} else if story, ok := since.Match(sig, r.now); ok {
				a.StoryID = story
			} else if story, ok := fresh.Match(sig, r.now); ok {
				a.StoryID = story
			} else {
				a.StoryID = next
				fresh.Add(next, sig, r.now)
				next--
			}
			k := key{a.FeedID, a.DedupeKey}
			if owner[k] == nil {
				owner[k], sigOf[k] = r, sig
			}
			all = append(all, a)
		}
	}
	saved, err := p.Store.SaveBatch(ctx, all)
	if err != nil && len(batch) > 1 && ctx.Err() == nil {
		// One feed's bad article must not fail the others.
		for _, r := range batch {
			p.saveBatch(ctx, []*saveRequest{r})
		}
		return
	}
	if err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	p.storiesMu.Lock()
	defer p.storiesMu.Unlock()
	if p.recent.Len() > recentMax {
		p.recent, p.recentFrom = NewStoryIndex(), p.gen
	}
	for _, a := range saved {
		k := key{a.FeedID, a.DedupeKey}
		r := owner[k]
		r.saved = append(r.saved, a)
		if !p.kept.keep(a.StoryID, r.now) {
			continue
		}
		p.stories.Add(a.StoryID, sigOf[k], r.now)
		p.recent.Add(a.StoryID, sigOf[k], r.now)
		p.gen++
	}
}

// succeed records a good fetch and schedules the next.
func (p *Poller) succeed(f *newsbot.Feed, resp *Response, now time.Time) {
	f.ETag, f.LastModified = resp.ETag, resp.LastModified
	f.LastCheckedAt, f.LastSuccessAt = now, now
	f.Failures, f.LastError, f.LastErrorAt = 0, "", time.Time{}
	if f.Interval == 0 || resp.NotModified {
		f.Interval = max(f.Interval, p.interval(), resp.MaxAge)
	}
	f.NextCheckAt = now.Add(withJitter(min(f.Interval, p.maxInterval())))
}

// fail records a failed poll: the error, a back-off, and after
// DisableAfter of nothing but failures, the feed disabled.
func (p *Poller) fail(f *newsbot.Feed, err error, now time.Time) {
	f.Failures++
	f.LastCheckedAt = now
	f.LastError, f.LastErrorAt = err.Error(), now
	wait := withJitter(min(p.interval()<<min(f.Failures-1, 16), maxBackoff))
	wait = max(wait, RetryAfter(err)) // a server's Retry-After is honoured even past the cap
	f.NextCheckAt = now.Add(wait)
	if lastGood := cmp.Or(f.LastSuccessAt, f.CreatedAt); !lastGood.IsZero() && now.Sub(lastGood) >= DisableAfter {
		f.DisabledAt = now
	}
}

// nextInterval is the time until the next poll after a good read: the
// configured interval, raised by the feed's TTL and Cache-Control, and by
// how rarely the feed publishes.
func (p *Poller) nextInterval(parsed *Parsed, resp *Response) time.Duration {
	d := max(p.interval(), parsed.TTL, resp.MaxAge)
	// A feed whose newest items come days apart does not need reading
	// every ten minutes: poll at a quarter of its usual gap, up to 4
	// hours on that account.
	if gap := publishingGap(parsed.Items); gap > 0 {
		d = max(d, min(gap/4, 4*time.Hour))
	}
	return min(d, p.maxInterval())
}

func (p *Poller) maxInterval() time.Duration {
	if p.MaxInterval > 0 {
		return min(p.MaxInterval, MaxInterval)
	}
	return MaxInterval
}

// publishingGap is the median time between the newest ten dated items;
// 0 when fewer than three are dated.
func publishingGap(items []Item) time.Duration {
	var dates []time.Time
	for _, it := range items {
		if !it.PublishedAt.IsZero() {
			dates = append(dates, it.PublishedAt)
		}
	}
	if len(dates) < 3 {
		return 0
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return b.Compare(a) })
	dates = dates[:min(len(dates), 10)]
	gaps := make([]time.Duration, 0, len(dates)-1)
	for i := 1; i < len(dates); i++ {
		gaps = append(gaps, dates[i-1].Sub(dates[i]))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

func withJitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*2-1)*jitter*float64(d))
}
