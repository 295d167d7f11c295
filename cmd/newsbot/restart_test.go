package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"newsbot"
	"newsbot/bot/discordtest"
	"newsbot/store"
)

// TestMain lets a test run this very binary as newsbot: with
// NEWSBOT_TEST_RUN_MAIN=1 the process is main, not the tests.
func TestMain(m *testing.M) {
	if os.Getenv("NEWSBOT_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// newsbotProcess starts "newsbot run" in a child process against the fake
// Discord, with the database at dbPath.
func newsbotProcess(t *testing.T, srv *discordtest.Server, dbPath, logPath string) *exec.Cmd {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(os.Args[0], "run")
	cmd.Env = append(os.Environ(),
		"NEWSBOT_TEST_RUN_MAIN=1",
		"NEWSBOT_DISCORD_TOKEN="+strings.TrimPrefix(srv.Token(), "Bot "),
		"NEWSBOT_DISCORD_API_URL="+srv.URL(),
		"NEWSBOT_DISCORD_GUILD_ID="+srv.GuildID(),
		"NEWSBOT_DATABASE_PATH="+dbPath,
		"NEWSBOT_DELIVERY_RATE=25",
		"NEWSBOT_LOG_LEVEL=debug",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// TestKilledWhileSendingDeliversEachPostOnce kills newsbot (SIGKILL, no
// shutdown) while it is sending posts, starts it again on the same
// database, and checks that every post reached Discord exactly once.
func TestKilledWhileSendingDeliversEachPostOnce(t *testing.T) {
	srv := discordtest.New(t)
	dir := t.TempDir()
	dbPath, logPath := filepath.Join(dir, "newsbot.db"), filepath.Join(dir, "newsbot.log")

	// Forty channels each follow one feed with two new articles: forty
	// posts, sent at 25 a second.
	const channels = 40
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	want := make(map[string]string)
	for i := range channels {
		// Not due for hours: the test is about sending, not polling.
		f, _, err := db.EnsureFeed(ctx, newsbot.Feed{URL: fmt.Sprintf("http://127.0.0.1:9/feed/%d.xml", i),
			Title: fmt.Sprintf("Feed %d", i), NextCheckAt: now.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		channel := fmt.Sprintf("12000000000000%05d", i)
		if _, err := db.AddFollow(ctx, newsbot.Follow{GuildID: srv.GuildID(), ChannelID: channel, FeedID: f.ID, Mode: newsbot.ModeInstant}); err != nil {
			t.Fatal(err)
		}
		var as []newsbot.Article
		for j := range 2 {
			title := fmt.Sprintf("Headline %d of feed %d", j, i)
			as = append(as, newsbot.Article{FeedID: f.ID, DedupeKey: title, URL: fmt.Sprintf("https://news.example/%d/%d", i, j),
				Title: title, Text: "Text.", Summary: []string{"Something happened."}, StoryID: int64(-1 - j), FetchedAt: now})
		}
		if _, err := db.SaveBatch(ctx, as); err != nil {
			t.Fatal(err)
		}
		want[channel] = as[0].Title + "|" + as[1].Title
	}
	db.Close()

	total := func() int {
		n := 0
		for ch := range want {
			n += len(srv.Messages(ch))
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(logPath)
				t.Fatalf("timed out waiting for %s; %d messages so far; log:\n%s", what, total(), log)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	first := newsbotProcess(t, srv, dbPath, logPath)
	waitFor("the first posts", func() bool { return total() >= 10 })
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	killedAt := total()
	if killedAt >= channels {
		t.Fatalf("all %d posts were sent before the kill; the test needs a slower rate", killedAt)
	}
	t.Logf("killed after %d of %d posts", killedAt, channels)

	second := newsbotProcess(t, srv, dbPath, logPath)
	waitFor("every post", func() bool { return total() >= channels })
	// Anything sent twice would arrive within the sender's next rounds.
	time.Sleep(time.Second)
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Errorf("newsbot after SIGTERM: %v; log:\n%s", err, log)
	}
	for ch, titles := range want {
		msgs := srv.Messages(ch)
		if len(msgs) != 1 {
			t.Errorf("channel %s got %d messages, want exactly 1", ch, len(msgs))
			continue
		}
		var got []string
		for _, e := range msgs[0].Embeds {
			got = append(got, e.Title)
		}
		if strings.Join(got, "|") != titles {
			t.Errorf("channel %s post = %q, want %q", ch, got, titles)
		}
	}
}
