package feeds

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"newsbot"
)

// newTestFetcher returns a Fetcher that may reach loopback test servers.
func newTestFetcher(t testing.TB, opts FetcherOptions) *Fetcher {
	t.Helper()
	opts.AllowPrivateNetworks = true
	f := NewFetcher(opts)
	t.Cleanup(f.CloseIdleConnections)
	return f
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGetFeed(t *testing.T) {
	feed := readTestdata(t, "http/feed.xml")
	var gotHeader http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHeader = r.Header.Clone()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 03 Mar 2025 09:00:00 GMT")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(feed)
	}))
	t.Cleanup(srv.Close)
	f := newTestFetcher(t, FetcherOptions{UserAgent: "newsbot/test (+https://github.com/newsbot)"})

	res, err := f.Get(t.Context(), srv.URL+"/feed.xml", Conditional{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"URL", res.URL, srv.URL + "/feed.xml"},
		{"StatusCode", res.StatusCode, 200},
		{"NotModified", res.NotModified, false},
		{"ETag", res.ETag, `"v1"`},
		{"LastModified", res.LastModified, "Mon, 03 Mar 2025 09:00:00 GMT"},
		{"MaxAge", res.MaxAge, 5 * time.Minute},
		{"ContentType", res.ContentType, "application/rss+xml; charset=utf-8"},
		{"request User-Agent", gotHeader.Get("User-Agent"), "newsbot/test (+https://github.com/newsbot)"},
		{"request Accept-Encoding", gotHeader.Get("Accept-Encoding"), "gzip, deflate"},
		{"request If-None-Match", gotHeader.Get("If-None-Match"), ""},
		{"request If-Modified-Since", gotHeader.Get("If-Modified-Since"), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Get(feed.xml) %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !bytes.Equal(res.Body, feed) {
		t.Errorf("Get(feed.xml).Body = %d bytes, want the %d bytes of testdata/http/feed.xml", len(res.Body), len(feed))
	}
	if res.Duration <= 0 {
		t.Errorf("Get(feed.xml).Duration = %v, want > 0", res.Duration)
	}
	if !strings.Contains(gotHeader.Get("Accept"), "application/rss+xml") {
		t.Errorf("request Accept = %q, want it to ask for feeds", gotHeader.Get("Accept"))
	}
}

func TestGetDefaultUserAgent(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
	}))
	t.Cleanup(srv.Close)
	f := newTestFetcher(t, FetcherOptions{})
	if _, err := f.Get(t.Context(), srv.URL, Conditional{}); err != nil {
		t.Fatal(err)
	}
	if got := ua.Load(); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
	}
}

func TestGetCompressed(t *testing.T) {
	feed := readTestdata(t, "http/feed.xml")
	compress := func(enc string) []byte {
		var buf bytes.Buffer
		var w io.WriteCloser
		switch enc {
		case "gzip":
			w = gzip.NewWriter(&buf)
		case "zlib":
			w = zlib.NewWriter(&buf)
		case "raw deflate":
			w, _ = flate.NewWriter(&buf, flate.BestCompression)
		}
		_, _ = w.Write(feed)
		_ = w.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name, header string
		body         []byte
	}{
		{"gzip", "gzip", compress("gzip")},
		{"x-gzip", "x-gzip", compress("gzip")},
		{"deflate as zlib", "deflate", compress("zlib")},
		{"deflate as raw deflate", "deflate", compress("raw deflate")},
		{"identity", "identity", feed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.header)
				_, _ = w.Write(tt.body)
			}))
			t.Cleanup(srv.Close)
			f := newTestFetcher(t, FetcherOptions{})
			res, err := f.Get(t.Context(), srv.URL, Conditional{})
			if err != nil {
				t.Fatalf("Get with Content-Encoding %s: %v", tt.header, err)
			}
			if !bytes.Equal(res.Body, feed) {
				t.Errorf("Get with Content-Encoding %s: Body = %.40q..., want testdata/http/feed.xml", tt.header, res.Body)
			}
		})
	}
}

func TestGetBadEncoding(t *testing.T) {
	tests := []struct {
		name, header, body, want string
	}{
		{"gzip header on plain text", "gzip", "<rss/>", "decode gzip body: "},
		{"unknown encoding", "br", "\x1b\x00", `unsupported content encoding "br"`},
		{"truncated gzip", "gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x4a", "decode gzip body: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.header)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			f := newTestFetcher(t, FetcherOptions{})
			_, err := f.Get(t.Context(), srv.URL, Conditional{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Get with Content-Encoding %s = %v, want an error containing %q", tt.header, err, tt.want)
			}
		})
	}
}

func TestGetConditional(t *testing.T) {
	const etag, lastMod = `W/"abc123"`, "Sun, 02 Mar 2025 18:30:00 GMT"
	tests := []struct {
		name        string
		sendHeaders bool // whether the 304 repeats the validators
		wantETag    string
		wantLastMod string
	}{
		{name: "304 with validators", sendHeaders: true, wantETag: `W/"abc124"`, wantLastMod: "Mon, 03 Mar 2025 09:00:00 GMT"},
		{name: "304 without validators keeps the ones sent", sendHeaders: false, wantETag: etag, wantLastMod: lastMod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inm, ims atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inm.Store(r.Header.Get("If-None-Match"))
				ims.Store(r.Header.Get("If-Modified-Since"))
				if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
					if tt.sendHeaders {
						w.Header().Set("ETag", `W/"abc124"`)
						w.Header().Set("Last-Modified", "Mon, 03 Mar 2025 09:00:00 GMT")
					}
					w.WriteHeader(http.StatusNotModified)
					return
				}
				_, _ = io.WriteString(w, "<rss/>")
			}))
			t.Cleanup(srv.Close)
			f := newTestFetcher(t, FetcherOptions{})

			res, err := f.Get(t.Context(), srv.URL, Conditional{ETag: etag, LastModified: lastMod})
			if err != nil {
				t.Fatalf("conditional Get: %v", err)
			}
			if got := inm.Load(); got != etag {
				t.Errorf("If-None-Match sent = %q, want %q", got, etag)
			}
			if got := ims.Load(); got != lastMod {
				t.Errorf("If-Modified-Since sent = %q, want %q", got, lastMod)
			}
			if !res.NotModified || res.StatusCode != http.StatusNotModified {
				t.Errorf("conditional Get = NotModified %v, status %d; want true, 304", res.NotModified, res.StatusCode)
			}
			if len(res.Body) != 0 {
				t.Errorf("conditional Get Body = %q, want empty", res.Body)
			}
			if res.ETag != tt.wantETag || res.LastModified != tt.wantLastMod {
				t.Errorf("conditional Get validators = %q, %q; want %q, %q", res.ETag, res.LastModified, tt.wantETag, tt.wantLastMod)
			}
		})
	}
}

func TestGetStatusErrors(t *testing.T) {
	// The clock is fixed so an HTTP-date Retry-After gives an exact delay.
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name           string
		status         int
		retryAfter     string
		wantRetryAfter time.Duration
		wantMsg        string
	}{
		{"500", 500, "", 0, "500 Internal Server Error"},
		{"404", 404, "", 0, "404 Not Found"},
		{"410 gone", 410, "", 0, "410 Gone"},
		{"429 with seconds", 429, "120", 2 * time.Minute, "429 Too Many Requests (retry after 2m0s)"},
		{"429 with HTTP date", 429, now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, "429 Too Many Requests (retry after 1m30s)"},
		{"503 with seconds", 503, "30", 30 * time.Second, "503 Service Unavailable (retry after 30s)"},
		{"503 with garbage", 503, "soon", 0, "503 Service Unavailable"},
		{"500 ignores Retry-After", 500, "60", 0, "500 Internal Server Error"},
		{"unknown status", 599, "", 0, "599"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "error page")
			}))
			t.Cleanup(srv.Close)
			f := newTestFetcher(t, FetcherOptions{Now: func() time.Time { return now }})

			res, err := f.Get(t.Context(), srv.URL+"/feed", Conditional{})
			if res != nil {
				t.Errorf("Get answered %d: Response = %+v, want nil", tt.status, res)
			}
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("Get answered %d: error = %v, want a *StatusError", tt.status, err)
			}
			if se.StatusCode != tt.status || se.RetryAfter != tt.wantRetryAfter || se.URL != srv.URL+"/feed" {
				t.Errorf("StatusError = %+v, want code %d, RetryAfter %v, URL %s", se, tt.status, tt.wantRetryAfter, srv.URL+"/feed")
			}
			if got := RetryAfter(err); got != tt.wantRetryAfter {
				t.Errorf("RetryAfter(err) = %v, want %v", got, tt.wantRetryAfter)
			}
			if want := "fetch " + srv.URL + "/feed: " + tt.wantMsg; err.Error() != want {
				t.Errorf("Get answered %d: error = %q, want %q", tt.status, err, want)
			}
		})
	}
}

func TestGetStatusAfterRedirect(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/old", http.RedirectHandler("/new", http.StatusMovedPermanently))
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := newTestFetcher(t, FetcherOptions{})

	_, err := f.Get(t.Context(), srv.URL+"/old", Conditional{})
	if want := "fetch " + srv.URL + "/old: redirected to " + srv.URL + "/new: 404 Not Found"; err == nil || err.Error() != want {
		t.Fatalf("Get(/old) error = %v, want %q", err, want)
	}
}

func TestFetchRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"1", time.Second},
		{" 3600 ", time.Hour},
		{"99999999999999999", maxRetryAfter},
		{"999999999999999999999999", 0},
		{"1.5", 0},
		{"Mon, 03 Mar 2025 09:02:00 GMT", 2 * time.Minute},
		{"Monday, 03-Mar-25 09:00:30 GMT", 30 * time.Second},
		{"Mon Mar  3 09:00:10 2025", 10 * time.Second},
		{"Mon, 03 Mar 2025 08:00:00 GMT", 0},
		{"Mon, 03 Mar 2125 08:00:00 GMT", maxRetryAfter},
		{"tomorrow", 0},
	}
	for _, tt := range tests {
		if got := fetchRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("fetchRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestFetchMaxAge(t *testing.T) {
	tests := []struct {
		values []string
		want   time.Duration
	}{
		{nil, 0},
		{[]string{"no-cache"}, 0},
		{[]string{"max-age=60"}, time.Minute},
		{[]string{"public, max-age=1800, must-revalidate"}, 30 * time.Minute},
		{[]string{"private", "MAX-AGE = \"90\""}, 90 * time.Second},
		{[]string{"s-maxage=600, max-age=0"}, 0},
		{[]string{"max-age=abc"}, 0},
		{[]string{"max-age=99999999999"}, maxRetryAfter},
	}
	for _, tt := range tests {
		if got := fetchMaxAge(tt.values); got != tt.want {
			t.Errorf("fetchMaxAge(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestGetTooLarge(t *testing.T) {
	const limit = 1 << 20
	const huge = 50 << 20
	chunk := bytes.Repeat([]byte("<item>news</item>\n"), 2048)

	t.Run("50 MB streamed body stops at the cap", func(t *testing.T) {
		var written atomic.Int64
		done := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			for written.Load() < huge {
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		}))
		t.Cleanup(srv.Close)
		f := newTestFetcher(t, FetcherOptions{MaxBodyBytes: limit})

		_, err := f.Get(t.Context(), srv.URL, Conditional{})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Get(50 MB) error = %v, want ErrTooLarge", err)
		}
		if want := "fetch " + srv.URL + ": response body too large: more than 1 MiB"; err.Error() != want {
			t.Errorf("Get(50 MB) error = %q, want %q", err, want)
		}
		<-done
		// The server stops when the closed connection refuses its writes;
		// what it got out is the cap plus the sockets' buffers.
		if n := written.Load(); n >= huge {
			t.Errorf("server wrote %d bytes, want fewer than %d: the fetcher read the whole body", n, huge)
		}
	})
	t.Run("announced Content-Length over the cap", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(huge))
			_, _ = w.Write(chunk)
		}))
		t.Cleanup(srv.Close)
		f := newTestFetcher(t, FetcherOptions{MaxBodyBytes: limit})

		_, err := f.Get(t.Context(), srv.URL, Conditional{})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Get(Content-Length 50 MB) error = %v, want ErrTooLarge", err)
		}
		if want := "response body too large: 52428800 bytes announced, limit 1 MiB"; !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Get(Content-Length 50 MB) error = %q, want it to end with %q", err, want)
		}
	})
	t.Run("body exactly at the cap", func(t *testing.T) {
		body := bytes.Repeat([]byte("x"), 4096)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(body)
		}))
		t.Cleanup(srv.Close)
		f := newTestFetcher(t, FetcherOptions{MaxBodyBytes: 4096})
		res, err := f.Get(t.Context(), srv.URL, Conditional{})
		if err != nil {
			t.Fatalf("Get(4096 bytes, cap 4096): %v", err)
		}
		if len(res.Body) != 4096 {
			t.Errorf("Get(4096 bytes, cap 4096).Body = %d bytes, want 4096", len(res.Body))
		}
	})
	t.Run("one byte over the cap", func(t *testing.T) {
		body := bytes.Repeat([]byte("x"), 4097)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(body)
		}))
		t.Cleanup(srv.Close)
		f := newTestFetcher(t, FetcherOptions{MaxBodyBytes: 4096})
		_, err := f.Get(t.Context(), srv.URL, Conditional{})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Get(4097 bytes, cap 4096) error = %v, want ErrTooLarge", err)
		}
	})
}

func TestGetGzipBomb(t *testing.T) {
	// 64 KiB on the wire, 64 MiB of zeros once inflated.
	bomb := readTestdata(t, "http/zeros-64m.gz")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	}))
	t.Cleanup(srv.Close)
	f := newTestFetcher(t, FetcherOptions{}) // the default 10 MiB cap

	_, err := f.Get(t.Context(), srv.URL, Conditional{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get(gzip bomb) error = %v, want ErrTooLarge", err)
	}
	if want := "fetch " + srv.URL + ": response body too large: more than 10 MiB after decompression"; err.Error() != want {
		t.Errorf("Get(gzip bomb) error = %q, want %q", err, want)
	}
}

func TestGetCompressedOverCapOnTheWire(t *testing.T) {
	// Random bytes do not compress, so the gzip stream itself is over the cap.
	raw := make([]byte, 8192)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.(http.Flusher).Flush() // chunked: no Content-Length to refuse early
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	f := newTestFetcher(t, FetcherOptions{MaxBodyBytes: 4096})

	_, err := f.Get(t.Context(), srv.URL, Conditional{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get(8 KiB gzip, cap 4 KiB) error = %v, want ErrTooLarge", err)
	}
	if want := "response body too large: more than 4 KiB"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Get(8 KiB gzip, cap 4 KiB) error = %q, want it to end with %q", err, want)
	}
}

func TestGetRedirects(t *testing.T) {
	mux := http.NewServeMux()
	// /chain/N redirects to /chain/N-1; /chain/0 answers.
	mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			_, _ = io.WriteString(w, "end of chain")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusFound)
	})
	mux.Handle("/loop/a", http.RedirectHandler("/loop/b", http.StatusMovedPermanently))
	mux.Handle("/loop/b", http.RedirectHandler("/loop/a", http.StatusTemporaryRedirect))
	mux.Handle("/self", http.RedirectHandler("/self", http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := newTestFetcher(t, FetcherOptions{})

	t.Run("5 redirects are followed", func(t *testing.T) {
		res, err := f.Get(t.Context(), srv.URL+"/chain/5", Conditional{})
		if err != nil {
			t.Fatalf("Get(/chain/5): %v", err)
		}
		if res.URL != srv.URL+"/chain/0" || string(res.Body) != "end of chain" {
			t.Errorf("Get(/chain/5) = URL %s, body %q; want %s, %q", res.URL, res.Body, srv.URL+"/chain/0", "end of chain")
		}
	})
	t.Run("6 redirects are too many", func(t *testing.T) {
		_, err := f.Get(t.Context(), srv.URL+"/chain/6", Conditional{})
		var re *RedirectError
		if !errors.Is(err, ErrTooManyRedirects) || !errors.As(err, &re) {
			t.Fatalf("Get(/chain/6) error = %v, want a *RedirectError matching ErrTooManyRedirects", err)
		}
		if re.Loop {
			t.Errorf("Get(/chain/6): RedirectError.Loop = true, want false")
		}
		want := "fetch " + srv.URL + "/chain/6: stopped after 5 redirects (next: " + srv.URL + "/chain/0)"
		if err.Error() != want {
			t.Errorf("Get(/chain/6) error = %q, want %q", err, want)
		}
	})
	t.Run("a loop is named", func(t *testing.T) {
		_, err := f.Get(t.Context(), srv.URL+"/loop/a", Conditional{})
		var re *RedirectError
		if !errors.As(err, &re) || !re.Loop || !errors.Is(err, ErrTooManyRedirects) {
			t.Fatalf("Get(/loop/a) error = %v, want a redirect loop", err)
		}
		want := "fetch " + srv.URL + "/loop/a: redirect loop: " + srv.URL + "/loop/a → " + srv.URL + "/loop/b → " + srv.URL + "/loop/a"
		if err.Error() != want {
			t.Errorf("Get(/loop/a) error = %q, want %q", err, want)
		}
	})
	t.Run("a redirect to itself is a loop", func(t *testing.T) {
		_, err := f.Get(t.Context(), srv.URL+"/self", Conditional{})
		var re *RedirectError
		if !errors.As(err, &re) || !re.Loop {
			t.Fatalf("Get(/self) error = %v, want a redirect loop", err)
		}
	})
	t.Run("a smaller MaxRedirects", func(t *testing.T) {
		f := newTestFetcher(t, FetcherOptions{MaxRedirects: 1})
		if _, err := f.Get(t.Context(), srv.URL+"/chain/1", Conditional{}); err != nil {
			t.Errorf("Get(/chain/1) with MaxRedirects 1: %v", err)
		}
		if _, err := f.Get(t.Context(), srv.URL+"/chain/2", Conditional{}); !errors.Is(err, ErrTooManyRedirects) {
			t.Errorf("Get(/chain/2) with MaxRedirects 1: error = %v, want ErrTooManyRedirects", err)
		}
	})
}

// silentListener accepts connections on 127.0.0.1 and never answers.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

func TestGetTimeouts(t *testing.T) {
	silent := silentListener(t)
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = io.WriteString(w, "<?xml version=\"1.0\"?>\n<rss><channel>")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stall.Close)
	stallHeaders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(stallHeaders.Close)

	tests := []struct {
		name string
		url  string
		opts FetcherOptions
		want string
	}{
		{"server never answers: overall time-out", silent, FetcherOptions{Timeout: 200 * time.Millisecond}, "timed out after 200ms waiting for the response: context deadline exceeded"},
		{"server never answers: response-header time-out", silent, FetcherOptions{ResponseHeaderTimeout: 200 * time.Millisecond}, "timeout awaiting response headers"},
		{"https server never answers: TLS handshake time-out", strings.Replace(silent, "http:", "https:", 1), FetcherOptions{TLSHandshakeTimeout: 200 * time.Millisecond}, "TLS handshake timeout"},
		{"handler never writes headers", stallHeaders.URL, FetcherOptions{Timeout: 200 * time.Millisecond}, "waiting for the response"},
		{"headers then a stalled body", stall.URL, FetcherOptions{Timeout: 200 * time.Millisecond}, "timed out after 200ms reading the body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestFetcher(t, tt.opts)
			_, err := f.Get(t.Context(), tt.url, Conditional{})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Get error = %v, want ErrTimeout", err)
			}
			if !strings.HasPrefix(err.Error(), "fetch "+tt.url+": timed out") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Get error = %q, want \"fetch %s: timed out ...%s...\"", err, tt.url, tt.want)
			}
		})
	}
	t.Run("caller's deadline", func(t *testing.T) {
		f := newTestFetcher(t, FetcherOptions{})
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		_, err := f.Get(ctx, stall.URL, Conditional{})
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get error = %v, want ErrTimeout and context.DeadlineExceeded", err)
		}
	})
	t.Run("caller's cancellation is no time-out", func(t *testing.T) {
		f := newTestFetcher(t, FetcherOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		srvDone := make(chan struct{})
		waiting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
			close(srvDone)
		}))
		t.Cleanup(waiting.Close)
		_, err := f.Get(ctx, waiting.URL, Conditional{})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("Get error = %v, want context.Canceled and not ErrTimeout", err)
		}
		<-srvDone
	})
}

func TestGetInvalidURL(t *testing.T) {
	f := newTestFetcher(t, FetcherOptions{})
	tests := []struct {
		url, want string
	}{
		{"", `fetch "": invalid url: empty`},
		{"   ", `fetch "   ": invalid url: empty`},
		{"example.com/feed", `fetch "example.com/feed": invalid url: no scheme: want an http:// or https:// URL`},
		{"//example.com/feed", `fetch "//example.com/feed": invalid url: no scheme: want an http:// or https:// URL`},
		{"http://", `fetch "http://": invalid url: no host`},
		{"https:///feed", `fetch "https:///feed": invalid url: no host`},
		{"http://[::1", `fetch "http://[::1": invalid url: missing ']' in host`},
		{"http://exa mple.com/", `fetch "http://exa mple.com/": invalid url: invalid character " " in host name`},
		{"ht tp://example.com", `fetch "ht tp://example.com": invalid url: first path segment in URL cannot contain colon`},
		{"http://example.com/\x7f", `fetch "http://example.com/\x7f": invalid url: net/url: invalid control character in URL`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.url), func(t *testing.T) {
			_, err := f.Get(t.Context(), tt.url, Conditional{})
			if !errors.Is(err, newsbot.ErrInvalid) {
				t.Fatalf("Get(%q) error = %v, want newsbot.ErrInvalid", tt.url, err)
			}
			if err.Error() != tt.want {
				t.Errorf("Get(%q) error = %q, want %q", tt.url, err, tt.want)
			}
		})
	}
}

func TestGetPerHostLimit(t *testing.T) {
	const limit, requests = 2, 6
	var inFlight, maxInFlight atomic.Int64
	arrived := make(chan struct{}, requests)
	release := make(chan struct{})
	var releaseAll sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		arrived <- struct{}{}
		<-release
		inFlight.Add(-1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	// Runs before srv.Close, which waits for the handlers.
	t.Cleanup(func() { releaseAll.Do(func() { close(release) }) })
	f := newTestFetcher(t, FetcherOptions{PerHostLimit: limit})

	errs := make(chan error, requests)
	for i := range requests {
		go func() {
			_, err := f.Get(t.Context(), fmt.Sprintf("%s/feed/%d", srv.URL, i), Conditional{})
			errs <- err
		}()
	}
	// Let the first two in, then give the others every chance to break
	// the limit before releasing anyone.
	for range limit {
		<-arrived
	}
	select {
	case <-arrived:
		t.Errorf("a third request reached the server while two were in flight")
	case <-time.After(100 * time.Millisecond):
	}
	releaseAll.Do(func() { close(release) })
	for range requests {
		if err := <-errs; err != nil {
			t.Errorf("Get: %v", err)
		}
	}
	if got := maxInFlight.Load(); got != limit {
		t.Errorf("server saw at most %d requests in flight, want %d", got, limit)
	}
	f.hosts.mu.Lock()
	left := len(f.hosts.hosts)
	f.hosts.mu.Unlock()
	if left != 0 {
		t.Errorf("per-host limiter keeps %d entries after all requests ended, want 0", left)
	}
}

func TestGetPerHostLimitHonoursContext(t *testing.T) {
	arrived := make(chan struct{}, 2)
	release := make(chan struct{})
	var releaseAll sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { releaseAll.Do(func() { close(release) }) })
	f := newTestFetcher(t, FetcherOptions{PerHostLimit: 1})

	first := make(chan error, 1)
	go func() {
		_, err := f.Get(t.Context(), srv.URL+"/first", Conditional{})
		first <- err
	}()
	<-arrived // the only slot is taken

	ctx, cancel := context.WithCancel(t.Context())
	second := make(chan error, 1)
	go func() {
		_, err := f.Get(ctx, srv.URL+"/second", Conditional{})
		second <- err
	}()
	cancel()
	err := <-second
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get waiting for a slot, cancelled: error = %v, want context.Canceled", err)
	}
	if want := "waiting for a free connection to 127.0.0.1"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Get waiting for a slot, cancelled: error = %v, want it to say %q", err, want)
	}
	releaseAll.Do(func() { close(release) })
	if err := <-first; err != nil {
		t.Errorf("first Get: %v", err)
	}
}

func TestGetPerHostLimitAcrossRedirects(t *testing.T) {
	// With one slot per site, a redirect within the site must reuse the
	// slot it holds (or it would wait for itself), and a redirect to
	// another site must take that site's slot.
	other := httptest.NewServer(okHandler)
	t.Cleanup(other.Close)
	otherURL := strings.Replace(other.URL, "127.0.0.1", "other.example", 1)
	mux := http.NewServeMux()
	mux.Handle("/a", http.RedirectHandler("/b", http.StatusFound))
	mux.Handle("/b", http.RedirectHandler(otherURL+"/c", http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// A short time-out, so a slot waiting for itself fails fast.
	f := newTestFetcher(t, FetcherOptions{PerHostLimit: 1, Timeout: 5 * time.Second})
	f.dialer.lookup = mapHosts(map[string][]netip.Addr{"other.example": {loopback1}})

	res, err := f.Get(t.Context(), srv.URL+"/a", Conditional{})
	if err != nil {
		t.Fatalf("Get(/a): %v", err)
	}
	if res.URL != otherURL+"/c" {
		t.Errorf("Get(/a).URL = %s, want %s", res.URL, otherURL+"/c")
	}
	f.hosts.mu.Lock()
	left := len(f.hosts.hosts)
	f.hosts.mu.Unlock()
	if left != 0 {
		t.Errorf("per-host limiter keeps %d entries after the redirects, want 0", left)
	}
}

func TestFetchHostKey(t *testing.T) {
	tests := []struct{ host, want string }{
		{"news.example.co.uk", "example.co.uk"},
		{"www.example.co.uk", "example.co.uk"},
		{"Feeds.Example.COM.", "example.com"},
		{"example.com", "example.com"},
		{"alice.blogspot.com", "alice.blogspot.com"},
		{"127.0.0.1", "127.0.0.1"},
		{"::1", "::1"},
		{"localhost", "localhost"},
	}
	for _, tt := range tests {
		if got := fetchHostKey(tt.host); got != tt.want {
			t.Errorf("fetchHostKey(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestFetchSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{10 << 20, "10 MiB"},
		{4096, "4 KiB"},
		{1000, "1000 bytes"},
		{(1 << 20) + 1, "1048577 bytes"},
	}
	for _, tt := range tests {
		if got := fetchSize(tt.n); got != tt.want {
			t.Errorf("fetchSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	feed := readTestdata(b, "http/feed.xml")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(feed)
	_ = zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		switch {
		case r.Header.Get("If-None-Match") == `"v1"`:
			w.WriteHeader(http.StatusNotModified)
		case r.URL.Path == "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz.Bytes())
		default:
			_, _ = w.Write(feed)
		}
	}))
	b.Cleanup(srv.Close)

	cases := []struct {
		name string
		path string
		cond Conditional
	}{
		{"200", "/plain", Conditional{}},
		{"200 gzip", "/gzip", Conditional{}},
		{"304", "/plain", Conditional{ETag: `"v1"`}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			f := newTestFetcher(b, FetcherOptions{})
			ctx := context.Background()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := f.Get(ctx, srv.URL+c.path, c.cond); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "fetches/s")
		})
	}
}
