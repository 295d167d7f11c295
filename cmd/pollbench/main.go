// Command pollbench measures one full polling cycle: it serves thousands of
// synthetic feeds from loopback servers spread over many 127.0.0.x
// addresses (so the per-host limit works as with real publishers), polls
// them all once into a fresh SQLite store with the real fetcher, parser,
// summarizer and story grouping, and prints feeds/s, articles/s, peak RSS
// and where the time went.
//
//	go run ./cmd/pollbench -feeds 10000
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"time"

	"newsbot"
	"newsbot/feeds"
	"newsbot/store"
	"newsbot/summarize"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pollbench:", err)
		os.Exit(1)
	}
}

type options struct {
	feeds, hosts, items, workers int
	notModified, slow, failing   float64
	slowDelay                    time.Duration
	dir                          string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pollbench", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.feeds, "feeds", 10000, "feeds to serve and poll")
	fs.IntVar(&o.hosts, "hosts", 100, "loopback addresses to spread them over (127.0.0.2 ...)")
	fs.IntVar(&o.items, "items", 20, "items per feed")
	fs.IntVar(&o.workers, "workers", 64, "feeds polled at once")
	fs.Float64Var(&o.notModified, "not-modified", 0.10, "share of feeds answering 304")
	fs.Float64Var(&o.slow, "slow", 0.03, "share of feeds that answer slowly")
	fs.DurationVar(&o.slowDelay, "slow-delay", 2*time.Second, "how slowly")
	fs.Float64Var(&o.failing, "failing", 0.03, "share of feeds failing (500 or malformed)")
	fs.StringVar(&o.dir, "dir", "", "directory for the database (default: a temporary one)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the cycle to `file`")
	traceFile := fs.String("trace", "", "write an execution trace of the cycle to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.hosts < 1 || o.hosts > 250 || o.feeds < 1 {
		return fmt.Errorf("-hosts must be 1 to 250 and -feeds positive")
	}
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "pollbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dir = dir
	}

	site := newSite(o)
	addrs, closeServers, err := serve(site, o.hosts)
	if err != nil {
		return err
	}
	defer closeServers()

	db, err := store.Open(ctx, filepath.Join(o.dir, "bench.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seed(ctx, db, site, addrs); err != nil {
		return err
	}

	fetcher := feeds.NewFetcher(feeds.FetcherOptions{AllowPrivateNetworks: true, Timeout: 10 * time.Second})
	defer fetcher.CloseIdleConnections()
	poller := &feeds.Poller{
		Store:     db,
		Fetcher:   fetcher,
		Summarize: func(_, text string) []string { return summarize.Text(text, 3) },
		Workers:   o.workers,
	}

	var (
		polled, failed, notModified, articles int
		fetch, parse, extract, summ, save     time.Duration
		stories                               = map[int64]int{}
	)
	runtime.GC()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	start := time.Now()
	err = poller.PollDue(ctx, func(r feeds.Result) {
		polled++
		articles += len(r.New)
		for _, a := range r.New {
			stories[a.StoryID]++
		}
		switch {
		case r.Err != nil:
			failed++
		case r.NotModified:
			notModified++
		}
		fetch += r.Fetch
		parse += r.Parse
		extract += r.Extract
		summ += r.Summarize
		save += r.Save
	})
	wall := time.Since(start)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "feeds %d over %d hosts, %d items each, %d workers, %d CPUs\n", o.feeds, o.hosts, o.items, o.workers, runtime.NumCPU())
	fmt.Fprintf(out, "cycle: %.1f s wall, %d polled, %d not modified, %d failed, %d articles stored\n",
		wall.Seconds(), polled, notModified, failed, articles)
	largest := 0
	for _, n := range stories {
		largest = max(largest, n)
	}
	fmt.Fprintf(out, "stories: %d, the largest of %d articles\n", len(stories), largest)
	fmt.Fprintf(out, "rate: %.0f feeds/s, %.0f articles/s\n", float64(polled)/wall.Seconds(), float64(articles)/wall.Seconds())
	fmt.Fprintf(out, "peak RSS: %s\n", peakRSS())
	stages := fetch + parse + extract + summ + save
	share := func(d time.Duration) string {
		return fmt.Sprintf("%5.1f %% (%.1f s)", 100*d.Seconds()/stages.Seconds(), d.Seconds())
	}
	fmt.Fprintf(out, "time per stage, summed over workers (fetch includes waiting on slow servers):\n")
	fmt.Fprintf(out, "  fetch      %s\n  parse      %s\n  full text  %s\n  summarize  %s\n  store      %s\n",
		share(fetch), share(parse), share(extract), share(summ), share(save))
	return nil
}

// peakRSS reads the process's high-water resident set from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return fmt.Sprintf("%d MB", kb/1024)
		}
	}
	return "unknown"
}

// site serves the synthetic feeds: /f/<n> is feed n.
type site struct {
	o         options
	templates [][]byte // article bodies, shared: the lead is what differs
	words     []string
}

func newSite(o options) *site {
	s := &site{o: o, words: vocabulary()}
	r := rand.New(rand.NewPCG(1, 2))
	z := s.zipf(r)
	for range 64 {
		var b bytes.Buffer
		for p := range 4 {
			b.WriteString("&lt;p&gt;")
			for range 3 + p%2 {
				s.sentence(&b, z, 12+r.IntN(14))
			}
			b.WriteString("&lt;/p&gt;")
		}
		s.templates = append(s.templates, b.Bytes())
	}
	return s
}

// kind says how feed n behaves.
func (s *site) kind(n int) string {
	x := float64(n%1000) / 1000
	switch {
	case x < s.o.failing:
		if n%2 == 0 {
			return "500"
		}
		return "malformed"
	case x < s.o.failing+s.o.slow:
		return "slow"
	case x < s.o.failing+s.o.slow+s.o.notModified:
		return "304"
	}
	return "ok"
}

const etag = `"v1"`

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch s.kind(n) {
	case "500":
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case "slow":
		select {
		case <-time.After(s.o.slowDelay):
		case <-r.Context().Done():
			return
		}
	case "304":
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", etag)
	body := s.feed(n)
	if s.kind(n) == "malformed" {
		body = body[:len(body)/2]
	}
	w.Write(body)
}

// feed renders feed n: each item a unique headline and lead sentence, then
// one of the shared bodies.
func (s *site) feed(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	z := s.zipf(r)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Feed %d</title><link>http://example.com/%d/</link><description>Synthetic news</description>
`, n, n)
	base := time.Date(2025, 5, 25, 12, 0, 0, 0, time.UTC)
	for i := range s.o.items {
		fmt.Fprintf(&b, "<item><guid>feed-%d-item-%d</guid><link>http://example.com/%d/%d</link><title>", n, i, n, i)
		s.words4(&b, z, 6+r.IntN(5))
		fmt.Fprintf(&b, "</title><pubDate>%s</pubDate><description>&lt;p&gt;", base.Add(-time.Duration(n%97+i*53)*time.Minute).Format(time.RFC1123Z))
		s.sentence(&b, z, 25+r.IntN(10))
		b.WriteString("&lt;/p&gt;")
		b.Write(s.templates[r.IntN(len(s.templates))])
		b.WriteString("</description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

func (s *site) words4(b *bytes.Buffer, z *rand.Zipf, n int) {
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.word(z))
	}
}

func (s *site) sentence(b *bytes.Buffer, z *rand.Zipf, n int) {
	w := s.word(z)
	b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	for range n - 1 {
		b.WriteByte(' ')
		b.WriteString(s.word(z))
	}
	b.WriteString(". ")
}

// word draws from a Zipf distribution (s = 1.1), as words in news are:
// a few very common, a long tail of names and places.
func (s *site) word(z *rand.Zipf) string { return s.words[z.Uint64()] }

func (s *site) zipf(r *rand.Rand) *rand.Zipf { return rand.NewZipf(r, 1.1, 1, uint64(len(s.words)-1)) }

func vocabulary() []string {
	// As in English, the most frequent words are function words; content
	// words such as "minister" or "market" come a few hundred ranks down.
	function := strings.Fields(`the of and to in a is that for on said with was as at by it from
		his be has have an are were this but not they which its had will their been would who
		after more than also about over up out into can there one two when new other first`)
	content := strings.Fields(`government minister president officials police people year week
		country city state talks market prices bank company shares report last before under
		three million billion percent according spokesman`)
	r := rand.New(rand.NewPCG(3, 4))
	words := append([]string(nil), function...)
	for len(words) < 50000 {
		if i := len(words) - 200; i >= 0 && i%20 == 0 && i/20 < len(content) {
			words = append(words, content[i/20])
			continue
		}
		n := 3 + r.IntN(8)
		w := make([]byte, n)
		for i := range w {
			w[i] = "etaoinshrdlcumwfgypbvkjxqz"[int(26*r.Float64()*r.Float64())]
		}
		words = append(words, string(w))
	}
	return words
}

// serve starts one HTTP server per loopback address.
func serve(h http.Handler, hosts int) ([]string, func(), error) {
	var addrs []string
	var servers []*http.Server
	var wg sync.WaitGroup
	closeAll := func() {
		for _, s := range servers {
			s.Close()
		}
		wg.Wait()
	}
	for i := range hosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", i+2))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		addrs = append(addrs, ln.Addr().String())
		wg.Go(func() { srv.Serve(ln) })
	}
	return addrs, closeAll, nil
}

// seed stores the feeds, due now; those that answer 304 already hold the
// validator from an earlier cycle, and all have been read before, so their
// items are new, not backlog.
func seed(ctx context.Context, db *store.DB, s *site, addrs []string) error {
	earlier := time.Now().Add(-time.Hour)
	for n := range s.o.feeds {
		f := newsbot.Feed{URL: fmt.Sprintf("http://%s/f/%d", addrs[n%len(addrs)], n), LastSuccessAt: earlier}
		if s.kind(n) == "304" {
			f.ETag = etag
		}
		if _, _, err := db.EnsureFeed(ctx, f); err != nil {
			return err
		}
	}
	return nil
}
