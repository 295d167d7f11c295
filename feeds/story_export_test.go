package feeds

// StoryKept exposes storyKept to the poller's tests.
const StoryKept = storyKept
