package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// exampleHost is the site the console demo reads its example feeds from.
// The .invalid top-level domain never resolves, so the address can only
// ever mean the feeds served in process.
const exampleHost = "examples.newsbot.invalid"

//go:embed examples/*.xml examples/*.json
var exampleFiles embed.FS

// exampleSite serves the bundled example feeds as a publisher would: at
// first without their newest items, which it then releases one at a
// time, so console mode shows the backlog stored quietly and new
// articles posted as they appear.
type exampleSite struct {
	start    time.Time
	every    time.Duration // one more item is released this often
	withhold int           // newest items held back per feed at start
	now      func() time.Time

	files map[string][]byte
	names []string
}

func newExampleSite(now func() time.Time, every time.Duration) (*exampleSite, error) {
	s := &exampleSite{start: now(), every: every, withhold: 2, now: now, files: map[string][]byte{}}
	err := fs.WalkDir(exampleFiles, "examples", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := exampleFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		s.files[name] = b
		s.names = append(s.names, name)
		return nil
	})
	slices.Sort(s.names)
	return s, err
}

// FeedURLs lists the example feeds' addresses.
func (s *exampleSite) FeedURLs() []string {
	var urls []string
	for _, n := range s.names {
		urls = append(urls, "http://"+exampleHost+"/"+n)
	}
	return urls
}

// held is how many of the newest items of the i-th feed are still held
// back: releases go round the feeds, newest-but-one first.
func (s *exampleSite) held(i int) int {
	released := int(s.now().Sub(s.start) / s.every)
	n := len(s.names)
	mine := released / n
	if released%n > i {
		mine++
	}
	return max(0, s.withhold-mine)
}

func (s *exampleSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	i := slices.Index(s.names, name)
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	body, err := dropNewest(name, s.files[name], s.held(i))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if strings.HasSuffix(name, ".json") {
		w.Header().Set("Content-Type", "application/feed+json")
	} else {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	}
	w.Write(body)
}

// dropNewest removes the first n items of a feed (feeds list newest
// first): RSS <item>, Atom <entry> or JSON Feed items.
func dropNewest(name string, body []byte, n int) ([]byte, error) {
	if n == 0 {
		return body, nil
	}
	if strings.HasSuffix(name, ".json") {
		var feed map[string]json.RawMessage
		if err := json.Unmarshal(body, &feed); err != nil {
			return nil, fmt.Errorf("example %s: %w", name, err)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(feed["items"], &items); err != nil {
			return nil, fmt.Errorf("example %s items: %w", name, err)
		}
		kept, err := json.Marshal(items[min(n, len(items)):])
		if err != nil {
			return nil, err
		}
		feed["items"] = kept
		return json.Marshal(feed)
	}
	open, end := []byte("<item"), []byte("</item>")
	if !bytes.Contains(body, open) {
		open, end = []byte("<entry"), []byte("</entry>")
	}
	out := bytes.Clone(body)
	for range n {
		i := bytes.Index(out, open)
		if i < 0 {
			break
		}
		j := bytes.Index(out[i:], end)
		if j < 0 {
			break
		}
		out = append(out[:i], out[i+j+len(end):]...)
	}
	return out, nil
}
