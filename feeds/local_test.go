package feeds_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"newsbot/feeds"
)

func TestLocalSitesServedInProcess(t *testing.T) {
	hits := 0
	f := feeds.NewFetcher(feeds.FetcherOptions{Local: map[string]http.Handler{
		"examples.newsbot.invalid": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits++
			w.Header().Set("ETag", `"e1"`)
			if r.Header.Get("If-None-Match") == `"e1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			fmt.Fprint(w, "hello from "+r.URL.Path)
		}),
	}})
	defer f.CloseIdleConnections()
	ctx := context.Background()
	resp, err := f.Get(ctx, "http://examples.newsbot.invalid/world.xml", feeds.Conditional{})
	if err != nil || string(resp.Body) != "hello from /world.xml" || resp.ETag != `"e1"` {
		t.Fatalf("Get(local) = %+v, %v", resp, err)
	}
	resp, err = f.Get(ctx, "http://examples.newsbot.invalid/world.xml", feeds.Conditional{ETag: `"e1"`})
	if err != nil || !resp.NotModified {
		t.Errorf("conditional Get(local) = %+v, %v; want 304", resp, err)
	}

	// Every other host still goes through the guard.
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := f.Get(ctx, srv.URL, feeds.Conditional{}); !errors.Is(err, feeds.ErrRefused) {
		t.Errorf("Get(loopback) with a local site set = %v, want refused", err)
	}
	if hits != 2 {
		t.Errorf("local handler served %d requests, want 2", hits)
	}
}
