package bot_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when a session, a handler or a console is still
// running after every test has cleaned up.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(5 * time.Second); leaks != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind after the tests:\n\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines waits up to wait for goroutines of discordgo, the bot
// or the fake to end, and returns the stacks of those that do not.
func leakedGoroutines(wait time.Duration) string {
	marks := []string{"bwmarrin/discordgo.", "newsbot/bot.", "bot/discordtest.(*", "gorilla/websocket."}
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaks []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "leakedGoroutines") {
				continue
			}
			for _, m := range marks {
				if strings.Contains(g, m) {
					leaks = append(leaks, g)
					break
				}
			}
		}
		if len(leaks) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
