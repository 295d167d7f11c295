package feeds_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsbot"
	"newsbot/feeds"
	"newsbot/store"
)

// site is a publisher on loopback: paths with bodies that a test changes
// while the poller runs. It answers conditional GETs with 304 like a real
// server and counts requests per path.
type site struct {
	*httptest.Server
	mu       sync.Mutex
	pages    map[string]page
	requests map[string]int
}

type page struct {
	status      int
	contentType string
	body        string
	header      map[string]string
}

func newSite(t *testing.T) *site {
	s := &site{pages: map[string]page{}, requests: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *site) set(path string, p page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = p
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.pages[r.URL.Path]
	s.requests[r.URL.Path]++
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	for k, v := range p.header {
		w.Header().Set(k, v)
	}
	etag := fmt.Sprintf(`"%x"`, len(p.body)*31+strings.Count(p.body, "<item>"))
	if p.status == 0 || p.status == http.StatusOK {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if p.contentType != "" {
		w.Header().Set("Content-Type", p.contentType)
	}
	if p.status != 0 {
		w.WriteHeader(p.status)
	}
	fmt.Fprint(w, p.body)
}

type item struct{ guid, title, link, text, date string }

func rss(title string, items ...item) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>%s</title><link>https://news.example/</link><description>d</description>`, title)
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid>%s</guid><title>%s</title><link>%s</link><description><![CDATA[%s]]></description><pubDate>%s</pubDate></item>\n",
			it.guid, it.title, it.link, it.text, it.date)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

var rssPage = page{contentType: "application/rss+xml; charset=utf-8"}

func withBody(p page, body string) page { p.body = body; return p }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	db     *store.DB
	poller *feeds.Poller
	clock  *clock
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2025, 5, 25, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	fetcher := feeds.NewFetcher(feeds.FetcherOptions{AllowPrivateNetworks: true, Timeout: 2 * time.Second, Now: c.Now})
	t.Cleanup(fetcher.CloseIdleConnections)
	p := &feeds.Poller{
		Store:    db,
		Fetcher:  fetcher,
		Now:      c.Now,
		Interval: 10 * time.Minute,
		Summarize: func(title, text string) []string {
			first, _, _ := strings.Cut(text, ".")
			return []string{first + "."}
		},
	}
	return &harness{db: db, poller: p, clock: c}
}

func (h *harness) addFeed(t *testing.T, url string) newsbot.Feed {
	t.Helper()
	f, _, err := h.db.EnsureFeed(context.Background(), newsbot.Feed{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (h *harness) pollDue(t *testing.T) map[string]feeds.Result {
	t.Helper()
	out := map[string]feeds.Result{}
	if err := h.poller.PollDue(context.Background(), func(r feeds.Result) { out[r.Feed.URL] = r }); err != nil {
		t.Fatal(err)
	}
	return out
}

const day = 24 * time.Hour

func TestPollStoresNewItemsOnce(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	first := []item{
		{"https://news.example/a", "Ukraine and Russia swap prisoners", "https://news.example/a", "Ukraine and Russia swapped 390 prisoners. More later.", "Sun, 25 May 2025 07:00:00 GMT"},
		{"https://news.example/b", "Markets rise", "https://news.example/b", "Markets rose on Friday. Traders cheered.", "Sun, 25 May 2025 06:00:00 GMT"},
	}
	s.set("/feed", withBody(rssPage, rss("News", first...)))
	feed := h.addFeed(t, s.URL+"/feed")

	r := h.pollDue(t)[feed.URL]
	if r.Err != nil || len(r.New) != 2 || r.Items != 2 {
		t.Fatalf("first poll: %d new of %d items, err %v; want 2 new", len(r.New), r.Items, r.Err)
	}
	for _, a := range r.New {
		if !a.Backlog {
			t.Errorf("first poll stored %q not as backlog: a new feed's current items must not be posted", a.Title)
		}
		if len(a.Summary) != 1 || a.StoryID == 0 || a.Fingerprint == 0 {
			t.Errorf("stored article %q: summary %q, story %d, fingerprint %x; want a summary, a story and a fingerprint", a.Title, a.Summary, a.StoryID, a.Fingerprint)
		}
	}
	if r.Feed.Title != "News" || r.Feed.ETag == "" || r.Feed.LastSuccessAt.IsZero() {
		t.Errorf("feed after poll: title %q, etag %q, last success %v", r.Feed.Title, r.Feed.ETag, r.Feed.LastSuccessAt)
	}
	if wait := r.Feed.NextCheckAt.Sub(h.clock.Now()); wait < 9*time.Minute || wait > 4*time.Hour+time.Hour {
		t.Errorf("next check in %v, want about the interval", wait)
	}

	// Not due yet: nothing polled.
	if got := h.pollDue(t); len(got) != 0 {
		t.Errorf("poll before the next check polled %d feeds", len(got))
	}

	// Unchanged: a 304.
	h.clock.Add(5 * time.Hour)
	r = h.pollDue(t)[feed.URL]
	if r.Err != nil || !r.NotModified || len(r.New) != 0 {
		t.Errorf("unchanged feed: not modified %v, %d new, err %v; want a 304 and nothing new", r.NotModified, len(r.New), r.Err)
	}

	// A new item, and the publisher edits and re-dates an old one and
	// moves its GUID to https: only the new item is new.
	edited := first[0]
	edited.guid, edited.title, edited.date = "http://news.example/a", "Ukraine and Russia swap 390 prisoners (updated)", "Sun, 25 May 2025 10:00:00 GMT"
	s.set("/feed", withBody(rssPage, rss("News",
		item{"https://news.example/c", "Storm hits coast", "https://news.example/c", "A storm hit the coast overnight. Power is out.", "Sun, 25 May 2025 13:00:00 GMT"},
		edited, first[1])))
	h.clock.Add(5 * time.Hour)
	r = h.pollDue(t)[feed.URL]
	if r.Err != nil || len(r.New) != 1 || r.New[0].Title != "Storm hits coast" {
		t.Fatalf("after one new item and an edit: new %v, err %v; want only the storm", titles(r.New), r.Err)
	}
	if r.New[0].Backlog {
		t.Error("an item that appeared after the feed was added is marked backlog")
	}
	if got := r.New[0].Summary; len(got) != 1 || got[0] != "A storm hit the coast overnight." {
		t.Errorf("summary = %q, want the summarizer's output stored", got)
	}
}

func titles(as []newsbot.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Title)
	}
	return out
}

func TestPollFailureBackoffAndDisable(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	s.set("/feed", page{status: http.StatusInternalServerError, body: "oops"})
	feed := h.addFeed(t, s.URL+"/feed")

	var waits []time.Duration
	for i := 1; i <= 3; i++ {
		r := h.pollDue(t)[feed.URL]
		if r.Err == nil || r.Feed.Failures != i || !strings.Contains(r.Feed.LastError, "500") || !r.Feed.LastErrorAt.Equal(h.clock.Now()) {
			t.Fatalf("failure %d: err %v, failures %d, last error %q", i, r.Err, r.Feed.Failures, r.Feed.LastError)
		}
		waits = append(waits, r.Feed.NextCheckAt.Sub(h.clock.Now()))
		h.clock.Add(waits[i-1])
	}
	for i, w := range waits {
		want := (10 * time.Minute) << i
		if w < want*9/10 || w > want*11/10 {
			t.Errorf("wait after failure %d = %v, want %v ±10%%", i+1, w, want)
		}
	}

	// A 429 with Retry-After is honoured.
	s.set("/feed", page{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "86400"}})
	r := h.pollDue(t)[feed.URL]
	if wait := r.Feed.NextCheckAt.Sub(h.clock.Now()); wait < day {
		t.Errorf("after 429 with Retry-After 86400: next check in %v, want at least a day", wait)
	}

	// A week of failures disables the feed.
	s.set("/feed", page{status: http.StatusBadGateway})
	for r.Feed.DisabledAt.IsZero() && h.clock.Now().Before(feed.CreatedAt.Add(9*day)) {
		h.clock.Add(r.Feed.NextCheckAt.Sub(h.clock.Now()))
		r = h.pollDue(t)[feed.URL]
	}
	if r.Feed.DisabledAt.IsZero() {
		t.Fatalf("feed failing for %v is not disabled", h.clock.Now().Sub(feed.CreatedAt))
	}
	if age := r.Feed.DisabledAt.Sub(feed.CreatedAt); age < feeds.DisableAfter {
		t.Errorf("disabled after %v, want at least %v", age, feeds.DisableAfter)
	}
	h.clock.Add(30 * day)
	if got := h.pollDue(t); len(got) != 0 {
		t.Errorf("a disabled feed was polled")
	}

	// Re-enabled on demand, and it recovers.
	s.set("/feed", withBody(rssPage, rss("Back", item{"g1", "Back online", "https://news.example/1", "We are back.", ""})))
	if err := h.db.EnableFeed(context.Background(), feed.ID); err != nil {
		t.Fatal(err)
	}
	r = h.pollDue(t)[feed.URL]
	if r.Err != nil || r.Feed.Failures != 0 || r.Feed.LastError != "" || len(r.New) != 1 {
		t.Errorf("after EnableFeed: err %v, failures %d, last error %q, %d new", r.Err, r.Feed.Failures, r.Feed.LastError, len(r.New))
	}
}

func TestBrokenFeedsLoseNothing(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	good := rss("Good", item{"g1", "Good news", "https://news.example/g1", "All is well.", "Sun, 25 May 2025 07:00:00 GMT"})
	bad := map[string]page{
		"/truncated": withBody(rssPage, good[:len(good)/2]),
		"/html":      {contentType: "text/html", body: "<!doctype html><html><head><title>Hi</title></head><body><p>Just a page.</p></body></html>"},
		"/500":       {status: http.StatusInternalServerError},
		"/huge":      withBody(rssPage, "<rss>"+strings.Repeat("x", 11<<20)),
		"/bomb":      withBody(rssPage, `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><rss version="2.0"><channel><title>&lol2;</title></channel></rss>`),
		"/deep":      withBody(rssPage, `<rss version="2.0"><channel>`+strings.Repeat("<a>", 100000)),
		"/invalid":   withBody(rssPage, "\xff\xfe\x00garbage\x00"),
	}
	for path, p := range bad {
		s.set(path, p)
	}
	s.set("/loop", page{status: http.StatusFound, header: map[string]string{"Location": "/loop"}})
	s.set("/good", withBody(rssPage, good))

	feedsByPath := map[string]newsbot.Feed{}
	for _, path := range []string{"/truncated", "/html", "/500", "/huge", "/bomb", "/deep", "/invalid", "/loop", "/good"} {
		feedsByPath[path] = h.addFeed(t, s.URL+path)
	}
	// Each bad feed first worked once: what it stored must survive.
	for path, f := range feedsByPath {
		if path == "/good" {
			continue
		}
		if _, err := h.db.SaveArticles(context.Background(), f.ID, []newsbot.Article{{DedupeKey: "kept", Title: "Kept"}}); err != nil {
			t.Fatal(err)
		}
	}

	results := h.pollDue(t)
	if r := results[feedsByPath["/good"].URL]; r.Err != nil || len(r.New) != 1 {
		t.Errorf("good feed among broken ones: %d new, err %v", len(r.New), r.Err)
	}
	for path, f := range feedsByPath {
		if path == "/good" {
			continue
		}
		r := results[f.URL]
		stored, err := h.db.Feed(context.Background(), f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Err == nil || stored.LastError == "" || stored.Failures != 1 {
			t.Errorf("%s: err %v, stored last error %q, failures %d; want the error stored on the feed", path, r.Err, stored.LastError, stored.Failures)
		}
		if known, _ := h.db.KnownKeys(context.Background(), f.ID, []string{"kept"}); !known["kept"] {
			t.Errorf("%s: an article stored before the failure was lost", path)
		}
		t.Logf("%s: %s", path, stored.LastError)
	}
	if msg := results[feedsByPath["/html"].URL].Err; !errors.Is(msg, feeds.ErrHTMLPage) {
		t.Errorf("HTML page error = %v, want ErrHTMLPage", msg)
	}
}

func TestStoriesGroupAcrossFeeds(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	text := "Ukraine and Russia carried out the largest prisoner exchange of the war on Friday, each side releasing 390 people, officials in Kyiv and Moscow said."
	s.set("/nhk", withBody(rssPage, rss("NHK", item{"nhk-1", "Ukraine, Russia complete largest prisoner exchange", "https://nhk.example/1", text, ""})))
	s.set("/jt", withBody(rssPage, rss("Japan Times", item{"jt-1", "Ukraine and Russia complete largest prisoner exchange of the war", "https://jt.example/1", text + " More swaps are planned.", ""})))
	s.set("/other", withBody(rssPage, rss("Other", item{"o-1", "Drone attack on Kyiv injures 15", "https://o.example/1", "Russian drones struck residential buildings in Kyiv overnight, injuring 15 people, the mayor said.", ""})))
	nhk, jt, other := h.addFeed(t, s.URL+"/nhk"), h.addFeed(t, s.URL+"/jt"), h.addFeed(t, s.URL+"/other")
	res := h.pollDue(t)
	a, b, c := res[nhk.URL].New, res[jt.URL].New, res[other.URL].New
	if len(a) != 1 || len(b) != 1 || len(c) != 1 {
		t.Fatalf("new articles: %d, %d, %d; want one each", len(a), len(b), len(c))
	}
	if a[0].StoryID != b[0].StoryID {
		t.Errorf("the same exchange from NHK and Japan Times got stories %d and %d, want one", a[0].StoryID, b[0].StoryID)
	}
	if c[0].StoryID == a[0].StoryID {
		t.Errorf("an unrelated Kyiv story joined the exchange story %d", a[0].StoryID)
	}
}

func TestTwoPollersNeverPollOneFeedTwice(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	const n = 40
	for i := range n {
		path := fmt.Sprintf("/f%d", i)
		s.set(path, withBody(rssPage, rss(path, item{"g", "Item " + path, "https://news.example" + path, "Text.", ""})))
		h.addFeed(t, s.URL+path)
	}
	// Another process: same store and sites, its own poller.
	second := feeds.Poller{Store: h.poller.Store, Fetcher: h.poller.Fetcher, Now: h.poller.Now, Summarize: h.poller.Summarize, Workers: 4}
	h.poller.Workers = 4
	var polled atomic.Int64
	var wg sync.WaitGroup
	for _, p := range []*feeds.Poller{h.poller, &second} {
		wg.Go(func() {
			if err := p.PollDue(context.Background(), func(feeds.Result) { polled.Add(1) }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := polled.Load(); got != n {
		t.Errorf("two pollers polled %d feeds in all, want %d", got, n)
	}
	for i := range n {
		if c := s.count(fmt.Sprintf("/f%d", i)); c != 1 {
			t.Errorf("feed %d fetched %d times, want 1", i, c)
		}
	}
}

func TestIntervalFollowsTTL(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	body := strings.Replace(rss("Slow", item{"g", "T", "https://news.example/t", "Text.", ""}), "<description>d</description>", "<description>d</description><ttl>180</ttl>", 1)
	s.set("/feed", withBody(rssPage, body))
	feed := h.addFeed(t, s.URL+"/feed")
	r := h.pollDue(t)[feed.URL]
	if wait := r.Feed.NextCheckAt.Sub(h.clock.Now()); wait < 162*time.Minute || wait > 198*time.Minute {
		t.Errorf("ttl 180: next check in %v, want 3h ±10%%", wait)
	}
}

func TestAddFeedDiscoversAndStoresBacklog(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	s.set("/", page{contentType: "text/html; charset=utf-8", body: `<!doctype html><html><head><title>News</title>
<link rel="alternate" type="application/rss+xml" title="News RSS" href="/rss.xml"></head><body><h1>News</h1></body></html>`})
	s.set("/rss.xml", withBody(rssPage, rss("News", item{"g1", "One", "https://news.example/1", "First.", ""}, item{"g2", "Two", "https://news.example/2", "Second.", ""})))
	feed, items, created, err := h.poller.AddFeed(context.Background(), s.URL+"/")
	if err != nil || !created || items != 2 {
		t.Fatalf("AddFeed(site page) = %+v, %d items, created %v, err %v", feed, items, created, err)
	}
	if feed.URL != s.URL+"/rss.xml" || feed.Title != "News" {
		t.Errorf("AddFeed found %q titled %q, want the linked feed", feed.URL, feed.Title)
	}
	hits, err := h.db.Search(context.Background(), newsbot.Query{Words: []string{"second"}})
	if err != nil || len(hits) != 1 || !hits[0].Article.Backlog {
		t.Errorf("backlog search: %d hits, err %v; want the item stored as backlog and searchable", len(hits), err)
	}
	if _, _, created, err := h.poller.AddFeed(context.Background(), s.URL+"/rss.xml"); err != nil || created {
		t.Errorf("AddFeed(same feed again) created %v, err %v; want the existing feed", created, err)
	}
	// The next poll of the new feed posts nothing old.
	h.clock.Add(day)
	if r := h.pollDue(t)[feed.URL]; r.Err != nil || len(r.New) != 0 {
		t.Errorf("poll after add: %d new, err %v", len(r.New), r.Err)
	}

	s.set("/empty", page{contentType: "text/html", body: "<html><body>No feeds here</body></html>"})
	if _, _, _, err := h.poller.AddFeed(context.Background(), s.URL+"/empty"); !errors.Is(err, feeds.ErrNotFeed) || !strings.Contains(err.Error(), "no feed was found") {
		t.Errorf("AddFeed(page without feeds) error = %v, want a clear not-a-feed error", err)
	}
}

func TestTeaserGetsFullText(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	html, err := os.ReadFile("testdata/pages/daily8-nhk-prisoner-exchange.html")
	if err != nil {
		t.Fatal(err)
	}
	s.set("/article", page{contentType: "text/html; charset=utf-8", body: string(html)})
	s.set("/feed", withBody(rssPage, rss("Daily8")))
	feed := h.addFeed(t, s.URL+"/feed")
	h.pollDue(t) // the empty backlog

	teaser := item{"d8-1", "Ukraine, Russia complete largest prisoner exchange since start of invasion", s.URL + "/article",
		"Ukraine and Russia have completed their three-day exchange of prisoners…", ""}
	s.set("/feed", withBody(rssPage, rss("Daily8", teaser)))
	h.clock.Add(day)
	r := h.pollDue(t)[feed.URL]
	if r.Err != nil || len(r.New) != 1 {
		t.Fatalf("poll: %d new, err %v", len(r.New), r.Err)
	}
	a := r.New[0]
	for _, want := range []string{"At least 12 people were killed, including three children.", "pledging to bring back"} {
		if !strings.Contains(a.Text, want) {
			t.Errorf("stored text lacks %q: the teaser was not replaced by the page's article", want)
		}
	}
	if strings.Contains(a.Text, "Related Articles") {
		t.Error("stored text holds the page's related articles")
	}
	if s.count("/article") != 1 {
		t.Errorf("article page fetched %d times, want 1", s.count("/article"))
	}
}

// storyWords returns n distinct key words, from the n-th after first:
// letters and digits, six characters, so that Sign keeps each as is.
func storyWords(first, n int) []string {
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("w%05d", first+i)
	}
	return w
}

// storyItem is an item whose headline is its first ten words and whose
// text is the rest.
func storyItem(guid string, words ...[]string) item {
	var all []string
	for _, w := range words {
		all = append(all, w...)
	}
	return item{guid, strings.Join(all[:10], " "), "https://news.example/" + guid, strings.Join(all[10:], " ") + ".", ""}
}

func TestBigStoryMatchesItsFirstReports(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	core, drift := storyWords(0, 20), storyWords(100, 10)
	// One story, more reports than the poller indexes: each shares the
	// core words; the last also the drift words.
	var reports []item
	for i := range feeds.StoryKept {
		reports = append(reports, storyItem(fmt.Sprint("r", i), core, storyWords(1000+10*i, 10)))
	}
	reports = append(reports, storyItem("drifted", core, drift))
	s.set("/feed", withBody(rssPage, rss("News", reports...)))
	feed := h.addFeed(t, s.URL+"/feed")
	first := h.pollDue(t)[feed.URL]
	if first.Err != nil || len(first.New) != len(reports) {
		t.Fatalf("first poll: %d new, err %v; want %d", len(first.New), first.Err, len(reports))
	}
	story := first.New[0].StoryID
	for _, a := range first.New {
		if a.StoryID != story {
			t.Errorf("%q joined story %d, want %d", a.Title, a.StoryID, story)
		}
	}

	// Later reports are matched against the story's first reports: one
	// sharing the core words joins it; one that shares enough only with
	// the drifted report (its drift words and five core words) is a
	// story of its own.
	later := storyItem("later", core, storyWords(2000, 10))
	apart := storyItem("apart", drift, core[:5], storyWords(3000, 15))
	s.set("/feed", withBody(rssPage, rss("News", append(reports, later, apart)...)))
	h.clock.Add(time.Hour)
	second := h.pollDue(t)[feed.URL]
	if second.Err != nil || len(second.New) != 2 {
		t.Fatalf("second poll: %d new, err %v; want 2", len(second.New), second.Err)
	}
	got := map[string]int64{}
	for _, a := range second.New {
		got[a.URL] = a.StoryID
	}
	if id := got[later.link]; id != story {
		t.Errorf("a report sharing the core words got story %d, want story %d", id, story)
	}
	if id := got[apart.link]; id == story || id == 0 {
		t.Errorf("a report like only the story's report %d got story %d, want a story of its own", feeds.StoryKept+1, id)
	}
}

func TestPollDueClaimsMoreWhileAFeedIsSlow(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	h.poller.Workers = 2 // claims of 8 feeds
	const n = 20
	var others atomic.Int64
	release := make(chan struct{})
	othersFirst := make(chan bool, 1)
	// The slow feed answers once every other feed has been fetched: those
	// come in later claims, so it must not hold them up. (Its bound is
	// only for a failing poller.)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			othersFirst <- true
		case <-time.After(10 * time.Second):
			othersFirst <- false
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss("Slow", item{"s", "Slow news", "https://slow.example/1", "Slow text.", ""}))
	}))
	defer slow.Close()
	h.poller.Fetcher = feeds.NewFetcher(feeds.FetcherOptions{AllowPrivateNetworks: true, Timeout: 30 * time.Second, Now: h.clock.Now})
	defer h.poller.Fetcher.CloseIdleConnections()
	slowFeed := h.addFeed(t, slow.URL+"/feed")
	for i := range n - 1 {
		path := fmt.Sprintf("/f%d", i)
		s.set(path, withBody(rssPage, rss(path, item{"g", "Item " + path, "https://news.example" + path, "Text.", ""})))
		h.addFeed(t, s.URL+path)
	}
	var polled int
	err := h.poller.PollDue(context.Background(), func(r feeds.Result) {
		polled++
		if r.Err != nil {
			t.Errorf("%s: %v", r.Feed.URL, r.Err)
		}
		if r.Feed.ID != slowFeed.ID && others.Add(1) == n-1 {
			close(release)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if polled != n {
		t.Errorf("polled %d feeds, want %d", polled, n)
	}
	if !<-othersFirst {
		t.Errorf("the other feeds waited for the slow one")
	}
}

func TestFollowedOnlySkipsFeedsNobodyFollows(t *testing.T) {
	h := newHarness(t)
	s := newSite(t)
	for _, path := range []string{"/followed", "/unfollowed"} {
		s.set(path, withBody(rssPage, rss(path, item{"g", "Item " + path, "https://news.example" + path, "Text.", ""})))
	}
	followed := h.addFeed(t, s.URL+"/followed")
	h.addFeed(t, s.URL+"/unfollowed")
	if _, err := h.db.AddFollow(context.Background(), newsbot.Follow{GuildID: "G", ChannelID: "C", FeedID: followed.ID, Mode: newsbot.ModeInstant}); err != nil {
		t.Fatal(err)
	}
	h.poller.FollowedOnly = true
	got := h.pollDue(t)
	if _, ok := got[followed.URL]; len(got) != 1 || !ok {
		t.Errorf("PollDue(FollowedOnly) polled %v, want only %s", slices.Collect(maps.Keys(got)), followed.URL)
	}
	if n := s.count("/unfollowed"); n != 0 {
		t.Errorf("the unfollowed feed was fetched %d times, want 0", n)
	}
	h.poller.FollowedOnly = false
	if got := h.pollDue(t); len(got) != 1 {
		t.Errorf("PollDue(every feed) polled %d, want the one left due", len(got))
	}
	if n := s.count("/unfollowed"); n != 1 {
		t.Errorf("the unfollowed feed was fetched %d times by a poller of every feed, want 1", n)
	}
}
