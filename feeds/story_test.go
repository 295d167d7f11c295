package feeds

import (
	"testing"
	"time"
)

func TestStoryCountsKeepsFirstReports(t *testing.T) {
	var c storyCounts
	t0 := time.Date(2025, 5, 25, 0, 0, 0, 0, time.UTC)
	for i := range storyKept + 3 {
		at := t0.Add(time.Duration(i) * time.Minute)
		if got, want := c.keep(1, at), i < storyKept; got != want {
			t.Errorf("keep(story 1, report %d) = %v, want %v", i+1, got, want)
		}
		// Another story counts apart.
		if i < storyKept && !c.keep(2, at) {
			t.Errorf("keep(story 2, report %d) = false, want true", i+1)
		}
	}
	if !c.keep(3, t0) {
		t.Errorf("keep(new story 3) = false, want true")
	}
}

func TestStoryCountsForgetsClosedStories(t *testing.T) {
	var c storyCounts
	t0 := time.Date(2025, 5, 25, 0, 0, 0, 0, time.UTC)
	for range storyKept {
		c.keep(1, t0)
	}
	// Thousands of one-report stories later, past the window: story 1's
	// reports have left the index and its count is swept away.
	const n = 10000
	for i := range n {
		c.keep(int64(100+i), t0.Add(StoryWindow+time.Duration(i)*time.Second))
	}
	if _, ok := c.n[1]; ok {
		t.Errorf("story 1, closed %v ago, is still counted", StoryWindow)
	}
	if len(c.n) != n {
		t.Errorf("%d stories counted, want the %d open ones", len(c.n), n)
	}
	// An open story still counts its reports.
	if !c.keep(100, t0.Add(StoryWindow+n*time.Second)) || c.n[100].kept != 2 {
		t.Errorf("story 100, open, counts %d reports, want 2", c.n[100].kept)
	}
}
