package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunPollsEveryFeedOnce(t *testing.T) {
	// 50 feeds: the first 10 slow, the next 20 unchanged since the last
	// cycle (304), the last 20 plain; none failing.
	args := []string{"-feeds", "50", "-hosts", "3", "-items", "5", "-workers", "8",
		"-failing", "0", "-slow", "0.01", "-slow-delay", "50ms", "-not-modified", "0.02", "-dir", t.TempDir()}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatalf("run(%q) = %v", args, err)
	}
	for _, want := range []string{
		"cycle: ", " 50 polled, 20 not modified, 0 failed, 150 articles stored",
		"stories: ", "peak RSS: ", "  store ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run(%q) printed\n%s\nwant %q in it", args, out.String(), want)
		}
	}
}
