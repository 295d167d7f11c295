package feeds

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"newsbot"
)

// Defaults of FetcherOptions.
const (
	DefaultMaxBodyBytes          = 10 << 20
	DefaultUserAgent             = "newsbot/dev (+https://github.com/newsbot; Discord news bot)"
	DefaultPerHostLimit          = 2
	DefaultMaxRedirects          = 5
	DefaultConnectTimeout        = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 20 * time.Second
	DefaultTimeout               = 30 * time.Second
)

// maxRetryAfter bounds what a server can ask for in Retry-After, so a
// hostile or broken value cannot park a feed for years.
const maxRetryAfter = 7 * 24 * time.Hour

// fetchAccept asks for feeds first and still takes the web pages that
// discovery and article extraction need.
const fetchAccept = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, " +
	"text/html;q=0.7, application/xhtml+xml;q=0.7, */*;q=0.5"

// FetcherOptions configures a Fetcher. The zero value of every field means
// its default.
type FetcherOptions struct {
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// MaxBodyBytes caps a body, counted both on the wire and after
	// decompression; default 10 MiB.
	MaxBodyBytes int64
	// MaxRedirects caps the redirects one Get follows; default 5.
	MaxRedirects int
	// PerHostLimit caps the requests in flight to one site (registrable
	// domain, e.g. every *.example.co.uk together; or one IP address);
	// default 2, negative for no limit.
	PerHostLimit int
	// AllowPrivateNetworks turns the address guard off: loopback, private,
	// link-local and metadata addresses may then be fetched. The scheme
	// check stays.
	AllowPrivateNetworks bool
	// ConnectTimeout bounds one TCP connect; default 10 s.
	ConnectTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake; default 10 s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers after the
	// request is sent; default 20 s.
	ResponseHeaderTimeout time.Duration
	// Timeout bounds a whole Get, redirects and body included, but not
	// the wait for a free per-host slot; default 30 s.
	Timeout time.Duration
	// Now is the clock Retry-After dates are read against; default time.Now.
	Now func() time.Time
	// Local serves the named hosts ("examples.newsbot.invalid") in
	// process, by handler, with no connection made: the bundled example
	// feeds of console mode. The guard has no address to check there.
	Local map[string]http.Handler
}

// Conditional holds the validators of a previous response. Get sends them
// as If-None-Match and If-Modified-Since; empty fields are not sent.
type Conditional struct {
	ETag         string
	LastModified string
}

// Response is a successful fetch: a 2xx with its body, or a 304.
type Response struct {
	// URL is the final URL, after redirects.
	URL string
	// StatusCode is the HTTP status: 2xx, or 304 when NotModified.
	StatusCode int
	// NotModified is true when the server answered 304 to a conditional
	// GET; Body is then empty.
	NotModified bool
	// ETag and LastModified are the validators for the next conditional
	// GET: the response's, or, on a 304 that omits them, the ones sent.
	ETag         string
	LastModified string
	// MaxAge is Cache-Control's max-age; 0 when absent.
	MaxAge time.Duration
	// ContentType is the Content-Type header as sent, charset included.
	ContentType string
	// Body is the decoded (decompressed) body, at most MaxBodyBytes long.
	Body []byte
	// Duration is the time the fetch took, waiting for a slot excluded.
	Duration time.Duration
}

// Errors a Get can wrap besides ErrRefused; test for them with errors.Is.
var (
	// ErrTooLarge means the body exceeded MaxBodyBytes (on the wire or
	// decompressed); reading stopped at the cap.
	ErrTooLarge = errors.New("response body too large")
	// ErrTooManyRedirects means more than MaxRedirects redirects, or a
	// redirect loop; the error is then a *RedirectError.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrTimeout means a connect, TLS, response-header or overall time-out
	// (or the caller's deadline) expired.
	ErrTimeout = errors.New("timed out")
)

// StatusError is an HTTP status other than 2xx and 304.
type StatusError struct {
	// URL is the URL that answered, after redirects.
	URL        string
	StatusCode int
	// RetryAfter is the server's Retry-After (seconds or HTTP date) on a
	// 429 or 503, capped at a week; 0 when absent or unreadable.
	RetryAfter time.Duration
}

// Error reads like "500 Internal Server Error" or "429 Too Many Requests
// (retry after 2m0s)"; Get prefixes it with "fetch <url>: ".
func (e *StatusError) Error() string {
	s := strconv.Itoa(e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + t
	}
	if e.RetryAfter > 0 {
		s += " (retry after " + e.RetryAfter.String() + ")"
	}
	return s
}

// RedirectError is a redirect chain that was not followed to its end.
type RedirectError struct {
	// Chain is every URL requested, then the one refused.
	Chain []string
	// Loop is true when the refused URL was already in the chain.
	Loop bool
}

// Error reads like "redirect loop: http://a/ → http://b/ → http://a/" or
// "stopped after 5 redirects (next: http://x/6)".
func (e *RedirectError) Error() string {
	if e.Loop {
		return "redirect loop: " + strings.Join(e.Chain, " → ")
	}
	return fmt.Sprintf("stopped after %d redirects (next: %s)", len(e.Chain)-2, e.Chain[len(e.Chain)-1])
}

// Is makes errors.Is(err, ErrTooManyRedirects) true for a *RedirectError.
func (e *RedirectError) Is(target error) bool { return target == ErrTooManyRedirects }

// RetryAfter returns the Retry-After carried by err (a 429 or 503 from
// Get), or 0 when it carries none.
func RetryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// fetchInvalidURLError is a URL that cannot be parsed or has no host; it
// matches newsbot.ErrInvalid.
type fetchInvalidURLError struct {
	msg string
	err error
}

func (e *fetchInvalidURLError) Error() string { return e.msg }

func (e *fetchInvalidURLError) Unwrap() []error {
	if e.err == nil {
		return []error{newsbot.ErrInvalid}
	}
	return []error{e.err, newsbot.ErrInvalid}
}

// Fetcher does all of newsbot's outbound HTTP: feeds, article pages and
// /summarize links. Make one with NewFetcher and share it: it is safe for
// concurrent use, and the per-host limit holds only across the requests of
// one Fetcher.
type Fetcher struct {
	client       *http.Client
	transport    *http.Transport
	dialer       *guardDialer
	hosts        *fetchHostLimiter
	userAgent    string
	maxBody      int64
	maxRedirects int
	timeout      time.Duration
	now          func() time.Time
}

// NewFetcher returns a Fetcher with opts, defaults filled in.
func NewFetcher(opts FetcherOptions) *Fetcher {
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.PerHostLimit == 0 {
		opts.PerHostLimit = DefaultPerHostLimit
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.TLSHandshakeTimeout <= 0 {
		opts.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if opts.ResponseHeaderTimeout <= 0 {
		opts.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Fetcher{
		dialer:       newGuardDialer(opts.ConnectTimeout, opts.AllowPrivateNetworks),
		hosts:        newFetchHostLimiter(opts.PerHostLimit),
		userAgent:    opts.UserAgent,
		maxBody:      opts.MaxBodyBytes,
		maxRedirects: opts.MaxRedirects,
		timeout:      opts.Timeout,
		now:          opts.Now,
	}
	idle := opts.PerHostLimit
	if idle < 1 {
		idle = DefaultPerHostLimit
	}
	f.transport = &http.Transport{
		// No proxy: a proxy would connect on our behalf to addresses the
		// guard never sees.
		Proxy:                 nil,
		DialContext:           f.dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   idle,
		// Compression is negotiated and decoded in Get, so the cap can
		// count decompressed bytes.
		DisableCompression: true,
	}
	var base http.RoundTripper = f.transport
	if len(opts.Local) > 0 {
		base = &fetchLocalTransport{base: f.transport, sites: opts.Local}
	}
	f.client = &http.Client{
		Transport:     &fetchLimitTransport{base: base, hosts: f.hosts},
		CheckRedirect: f.checkRedirect,
	}
	return f
}

// fetchLocalTransport answers requests for its sites from their handlers
// in memory, and passes the rest to base.
type fetchLocalTransport struct {
	base  http.RoundTripper
	sites map[string]http.Handler
}

func (t *fetchLocalTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h, ok := t.sites[strings.ToLower(req.URL.Host)]
	if !ok {
		return t.base.RoundTrip(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// CloseIdleConnections closes the kept-alive connections; call it when
// the Fetcher is no longer used.
func (f *Fetcher) CloseIdleConnections() { f.transport.CloseIdleConnections() }

// checkRedirect allows at most maxRedirects redirects, refuses loops and
// non-HTTP schemes. Addresses are checked by the dialer, for redirects as
// for the first request.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := guardScheme(req.URL); err != nil {
		return err
	}
	next := req.URL.String()
	chain := make([]string, 0, len(via)+1)
	loop := false
	for _, r := range via {
		s := r.URL.String()
		chain = append(chain, s)
		if s == next {
			loop = true
		}
	}
	chain = append(chain, next)
	if loop {
		return &RedirectError{Chain: chain, Loop: true}
	}
	if len(via) > f.maxRedirects {
		return &RedirectError{Chain: chain}
	}
	return nil
}

// Get fetches rawURL with a GET, conditional on cond. It returns a
// Response for a 2xx or a 304; any other outcome is an error prefixed with
// "fetch <url>: " that wraps ErrRefused, ErrTooLarge, ErrTooManyRedirects,
// ErrTimeout, newsbot.ErrInvalid (an unusable URL), a *StatusError, or the
// caller's context error. Before sending, Get waits for a free slot of the
// URL's site, as long as ctx allows.
func (f *Fetcher) Get(ctx context.Context, rawURL string, cond Conditional) (*Response, error) {
	u, err := fetchParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	name := u.Redacted()
	if err := guardScheme(u); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, err)
	}

	// The wait for a slot is bounded by the caller's ctx only; the
	// time-out starts once it is our turn.
	key := fetchHostKey(u.Hostname())
	release, err := f.hosts.acquire(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: waiting for a free connection to %s: %w", name, key, err)
	}
	defer release()

	start := time.Now()
	reqCtx, cancel := context.WithTimeout(context.WithValue(ctx, fetchHeldKey{}, key), f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, &fetchInvalidURLError{msg: err.Error(), err: err})
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", fetchAccept)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	if cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", name, f.doError(ctx, reqCtx, u, err, start))
	}
	defer resp.Body.Close()

	res := &Response{
		URL:          resp.Request.URL.String(),
		StatusCode:   resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MaxAge:       fetchMaxAge(resp.Header.Values("Cache-Control")),
		ContentType:  resp.Header.Get("Content-Type"),
	}
	prefix := "fetch " + name + ": "
	if res.URL != u.String() {
		prefix += "redirected to " + resp.Request.URL.Redacted() + ": "
	}

	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.NotModified = true
		if res.ETag == "" {
			res.ETag = cond.ETag
		}
		if res.LastModified == "" {
			res.LastModified = cond.LastModified
		}
		res.Duration = time.Since(start)
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		se := &StatusError{URL: res.URL, StatusCode: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = fetchRetryAfter(resp.Header.Get("Retry-After"), f.now())
		}
		return nil, fmt.Errorf("%s%w", prefix, se)
	}

	body, err := f.readBody(resp)
	if err != nil {
		if ctxErr := f.ctxError(ctx, reqCtx, "reading the body", start); ctxErr != nil {
			err = ctxErr
		} else if te := fetchNetTimeout(err); te != nil {
			err = te
		}
		return nil, fmt.Errorf("%s%w", prefix, err)
	}
	res.Body = body
	res.Duration = time.Since(start)
	return res, nil
}

// fetchParseURL parses an absolute URL with a host.
func fetchParseURL(rawURL string) (*url.URL, error) {
	s := strings.TrimSpace(rawURL)
	if s == "" {
		return nil, &fetchInvalidURLError{msg: "invalid url: empty"}
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &fetchInvalidURLError{msg: "invalid url: " + err.Error(), err: err}
	}
	if u.Scheme == "" {
		return nil, &fetchInvalidURLError{msg: "invalid url: no scheme: want an http:// or https:// URL"}
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return nil, &fetchInvalidURLError{msg: "invalid url: no host"}
	}
	return u, nil
}

// doError turns an error of http.Client.Do into one of the package's.
func (f *Fetcher) doError(parent, reqCtx context.Context, u *url.URL, err error, start time.Time) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		var re *RedirectError
		if ue.URL != u.String() && !errors.As(err, &re) {
			if ru, perr := url.Parse(ue.URL); perr == nil {
				err = fmt.Errorf("redirected to %s: %w", ru.Redacted(), err)
			}
		}
	}
	// Refusals and redirect errors say more than the context error that
	// may have followed them.
	if errors.Is(err, ErrRefused) || errors.Is(err, ErrTooManyRedirects) {
		return err
	}
	if ctxErr := f.ctxError(parent, reqCtx, "waiting for the response", start); ctxErr != nil {
		return ctxErr
	}
	if te := fetchNetTimeout(err); te != nil {
		return te
	}
	return err
}

// ctxError explains a done context: the caller's cancellation as itself,
// the caller's deadline or the Fetcher's time-out as ErrTimeout.
func (f *Fetcher) ctxError(parent, reqCtx context.Context, phase string, start time.Time) error {
	if err := parent.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w after %s %s: %w", ErrTimeout, time.Since(start).Round(time.Millisecond), phase, err)
		}
		return err
	}
	if err := reqCtx.Err(); err != nil {
		return fmt.Errorf("%w after %s %s: %w", ErrTimeout, f.timeout, phase, err)
	}
	return nil
}

// fetchNetTimeout wraps a network time-out (connect, TLS handshake,
// response headers) with ErrTimeout; nil when err is no time-out.
func fetchNetTimeout(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return nil
}

// readBody reads and decodes resp's body, never holding more than the cap
// on the wire or after decompression.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > f.maxBody {
		return nil, fmt.Errorf("%w: %d bytes announced, limit %s", ErrTooLarge, resp.ContentLength, fetchSize(f.maxBody))
	}
	wire := &fetchCapReader{r: resp.Body, left: f.maxBody,
		err: fmt.Errorf("%w: more than %s", ErrTooLarge, fetchSize(f.maxBody))}
	var r io.Reader = wire
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, fetchDecodeError(enc, err)
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// "deflate" means zlib, but some servers send raw DEFLATE: tell
		// them apart by the zlib header.
		br := bufio.NewReader(wire)
		hdr, _ := br.Peek(2)
		if len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fetchDecodeError(enc, err)
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			r = fr
		}
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", enc)
	}
	if r != io.Reader(wire) {
		r = &fetchCapReader{r: r, left: f.maxBody,
			err: fmt.Errorf("%w: more than %s after decompression", ErrTooLarge, fetchSize(f.maxBody))}
	}
	size := 4096
	if resp.ContentLength > 0 && enc == "" {
		// One byte more than announced, so the read that sees EOF
		// does not grow the buffer.
		size = int(resp.ContentLength) + 1
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) || enc == "" {
				return nil, err
			}
			return nil, fetchDecodeError(enc, err)
		}
	}
}

func fetchDecodeError(enc string, err error) error {
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	return fmt.Errorf("decode %s body: %w", enc, err)
}

// fetchSize writes a byte count the way limits are configured.
func fetchSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// fetchCapReader reads at most left bytes of r and fails with err as soon
// as r has one more.
type fetchCapReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *fetchCapReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		n = int(c.left)
		c.left = -1
		return n, c.err
	}
	c.left -= int64(n)
	return n, err
}

// fetchRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (read against now). It returns 0 for an absent, unreadable or past
// value, and at most maxRetryAfter.
func fetchRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// fetchMaxAge returns Cache-Control's max-age, or 0.
func fetchMaxAge(values []string) time.Duration {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "max-age") {
				continue
			}
			secs, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
			if err != nil || secs <= 0 {
				return 0
			}
			if secs > int64(maxRetryAfter/time.Second) {
				return maxRetryAfter
			}
			return time.Duration(secs) * time.Second
		}
	}
	return 0
}

// fetchHostKey names the site a host belongs to for the per-host limit:
// the registrable domain (news.example.co.uk and www.example.co.uk share
// example.co.uk), or the host itself for an IP address or a bare name.
func fetchHostKey(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if net.ParseIP(host) != nil {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// fetchHeldKey is the context key under which Get records the site whose
// slot it already holds, so redirects within that site do not wait for a
// second slot.
type fetchHeldKey struct{}

// fetchLimitTransport takes a per-host slot for a redirect to another
// site, released when the response body is closed.
type fetchLimitTransport struct {
	base  http.RoundTripper
	hosts *fetchHostLimiter
}

func (t *fetchLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := fetchHostKey(req.URL.Hostname())
	if held, _ := req.Context().Value(fetchHeldKey{}).(string); held == key {
		return t.base.RoundTrip(req)
	}
	release, err := t.hosts.acquire(req.Context(), key)
	if err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &fetchReleaseBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

type fetchReleaseBody struct {
	io.ReadCloser
	release func()
}

func (b *fetchReleaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// fetchHostLimiter is a counting semaphore per site. Entries live while
// someone holds or waits for a slot, so the map stays as small as the
// set of sites being fetched.
type fetchHostLimiter struct {
	limit int
	mu    sync.Mutex
	hosts map[string]*fetchHostSlots
}

type fetchHostSlots struct {
	ch   chan struct{}
	refs int
}

func newFetchHostLimiter(limit int) *fetchHostLimiter {
	return &fetchHostLimiter{limit: limit, hosts: make(map[string]*fetchHostSlots)}
}

// acquire waits for a slot of key, or for ctx to end. The returned release
// may be called more than once.
func (l *fetchHostLimiter) acquire(ctx context.Context, key string) (func(), error) {
	if l.limit < 0 {
		return func() {}, nil
	}
	l.mu.Lock()
	s := l.hosts[key]
	if s == nil {
		s = &fetchHostSlots{ch: make(chan struct{}, l.limit)}
		l.hosts[key] = s
	}
	s.refs++
	l.mu.Unlock()

	select {
	case s.ch <- struct{}{}:
	case <-ctx.Done():
		l.unref(key, s)
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-s.ch
			l.unref(key, s)
		})
	}, nil
}

func (l *fetchHostLimiter) unref(key string, s *fetchHostSlots) {
	l.mu.Lock()
	s.refs--
	if s.refs == 0 {
		delete(l.hosts, key)
	}
	l.mu.Unlock()
}
