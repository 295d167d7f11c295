package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// brokenFeeds are the testdata feeds that must fail, each with a clear error.
var brokenFeeds = []string{"deeply-nested.xml", "entity-bomb.xml", "html-page.html", "truncated.xml"}

// processEnv is a process environment for run: a database in a temp dir and
// the guard opened for loopback test servers.
func processEnv(t *testing.T, extra map[string]string) func(string) string {
	t.Helper()
	env := map[string]string{
		"NEWSBOT_DATABASE_PATH":                filepath.Join(t.TempDir(), "newsbot.db"),
		"NEWSBOT_FEEDS_ALLOW_PRIVATE_NETWORKS": "true",
		"NEWSBOT_LOG_LEVEL":                    "error",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func runCmd(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestImportPollTwiceAndExport(t *testing.T) {
	dir := "../../feeds/testdata/feeds"
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var opml strings.Builder
	opml.WriteString(`<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body><outline text="News">`)
	var names []string
	for _, e := range entries {
		if e.Name() == "README.md" {
			continue
		}
		names = append(names, e.Name())
		fmt.Fprintf(&opml, `<outline type="rss" text="%s" xmlUrl="%s/%s"/>`, e.Name(), srv.URL, e.Name())
	}
	opml.WriteString(`</outline></body></opml>`)
	opmlPath := filepath.Join(t.TempDir(), "feeds.opml")
	if err := os.WriteFile(opmlPath, []byte(opml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := processEnv(t, nil)

	out, _, err := runCmd(t, env, "", "feeds", "import", opmlPath)
	if err != nil || !strings.Contains(out, fmt.Sprintf("imported %d feeds (0 already present, 0 skipped)", len(names))) {
		t.Fatalf("feeds import: %v\n%s", err, out)
	}

	out, _, err = runCmd(t, env, "", "poll", "-once")
	if err != nil {
		t.Fatalf("poll -once: %v\n%s", err, out)
	}
	newLines := regexp.MustCompile(`(?m)^NEW `).FindAllString(out, -1)
	failLines := regexp.MustCompile(`(?m)^FAIL  .*$`).FindAllString(out, -1)
	if len(newLines) < 5*(len(names)-len(brokenFeeds)) {
		t.Errorf("first poll stored %d articles from %d good feeds, want many more\n%s", len(newLines), len(names)-len(brokenFeeds), out)
	}
	var failed []string
	for _, l := range failLines {
		for _, n := range names {
			if strings.Contains(l, "/"+n+":") {
				failed = append(failed, n)
			}
		}
	}
	slices.Sort(failed)
	if !slices.Equal(failed, brokenFeeds) {
		t.Errorf("failing feeds = %v, want %v\n%s", failed, brokenFeeds, strings.Join(failLines, "\n"))
	}

	out, _, err = runCmd(t, env, "", "poll", "-once", "-all")
	if err != nil || !strings.Contains(out, "0 new articles") || strings.Contains(out, "NEW ") {
		t.Errorf("second poll -once -all stored something new: %v\n%s", err, out)
	}

	out, _, err = runCmd(t, env, "", "search", "prisoner")
	if err != nil || strings.Contains(out, "no articles match") {
		t.Errorf("search after polling: %v\n%s", err, out)
	}

	out, _, err = runCmd(t, env, "", "feeds", "export")
	if err != nil || strings.Count(out, "xmlUrl=") != len(names) {
		t.Errorf("feeds export: %v, %d feeds, want %d\n%s", err, strings.Count(out, "xmlUrl="), len(names), out)
	}
}

func TestPollNeedsOnce(t *testing.T) {
	_, stderr, err := runCmd(t, processEnv(t, nil), "", "poll")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "-once is required") || !strings.Contains(stderr, "Usage: newsbot poll") {
		t.Errorf("poll without -once: exit %d, err %v, stderr %q", exitCode(err), err, stderr)
	}
}
