package feeds

import "time"

// storyKept is how many reports of one story the poller's story index
// holds: the first ones. A new report is compared with those, not with
// every report of the story. Most stories have a few reports; a big one
// (an election, a war's day) has hundreds within StoryWindow, and every
// report sharing its words would be checked against each of them: with
// all kept, cmd/pollbench's cycle (174,000 reports, most of them in a
// few dozen stories of thousands) spent three quarters of its CPU time
// in StoryIndex.Match: 158 s, against 6 s with the cap. The first
// reports carry the event's key words; a report that shares too little
// with all of them starts a story of its own.
const storyKept = 8

// storyCounts counts the reports of each open story that the poller's
// story index holds, so that it holds at most storyKept of each. A story
// is open while its first reports are: at most StoryWindow after the
// last one kept.
type storyCounts struct {
	n     map[int64]storyCount
	swept int // len(n) after the last sweep
}

type storyCount struct {
	kept int
	last time.Time // when the last kept report was seen
}

// keep reports whether a report of story seen at at is to be indexed,
// and counts it if so.
func (c *storyCounts) keep(story int64, at time.Time) bool {
	if c.n == nil {
		c.n = map[int64]storyCount{}
	}
	s := c.n[story]
	if s.kept >= storyKept {
		return false
	}
	s.kept++
	s.last = at
	c.n[story] = s
	if len(c.n) > 2*max(c.swept, 1024) {
		c.sweep(at)
	}
	return true
}

// sweep forgets the stories whose kept reports have all left the
// window: the index can no longer match them, so no report joins them
// again. Sweeping when the map has doubled keeps keep O(1) amortized.
func (c *storyCounts) sweep(now time.Time) {
	since := now.Add(-StoryWindow)
	for id, s := range c.n {
		if s.last.Before(since) {
			delete(c.n, id)
		}
	}
	c.swept = len(c.n)
}
