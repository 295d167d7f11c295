package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot/bot/discordtest"
)

// botTimeout bounds every wait on the fake Discord.
const botTimeout = 20 * time.Second

// syncBuffer is a buffer several goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// botSite serves one RSS feed and one article page on 127.0.0.1.
func botSite(t *testing.T) string {
	t.Helper()
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title><link>%[1]s/</link>
<item><title>Ferry service resumes after the storm</title><link>%[1]s/ferry</link><guid>ferry</guid>
<description>The ferry service between the islands resumed on Monday after the storm closed the harbour for three days. Operators added extra sailings to clear the backlog of passengers.</description></item>
<item><title>Harbour wall repairs begin</title><link>%[1]s/wall</link><guid>wall</guid>
<description>Engineers began repairing the harbour wall damaged by the storm. The work will take six weeks.</description></item>
</channel></rss>`, base)
		case "/ferry":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html lang="en"><head><title>Ferry service resumes after the storm</title></head><body><article>
<h1>Ferry service resumes after the storm</h1>
<p>The ferry service between the islands resumed on Monday after the storm closed the harbour for three days, the operator said.</p>
<p>Extra sailings were added to clear the backlog of passengers and freight that built up while the harbour was shut.</p>
<p>The storm brought winds of more than 120 kilometres an hour and damaged the harbour wall, which engineers began repairing on Tuesday.</p>
<p>Islanders said shops had begun to run short of fresh food by the weekend.</p>
</article></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	base = srv.URL
	return base
}

// waitAnswer polls the fake until the bot has answered ix for good, and
// returns the message the user reads.
func waitAnswer(t *testing.T, srv *discordtest.Server, ix discordtest.Interaction) *discordgo.Message {
	t.Helper()
	deadline := time.Now().Add(botTimeout)
	for time.Now().Before(deadline) {
		r := srv.Reply(ix)
		switch {
		case len(r.Followups) > 0:
			return r.Followups[len(r.Followups)-1]
		case r.Type == discordgo.InteractionResponseChannelMessageWithSource && r.Original != nil:
			return r.Original
		case r.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource && r.Original != nil && r.Original.Flags&discordgo.MessageFlagsLoading == 0:
			return r.Original
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no answer to %s within %v; requests: %v", ix.ID, botTimeout, srv.Statuses("", "*"))
	return nil
}

func TestRunServesDiscord(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	site := botSite(t)
	env := map[string]string{
		"DISCORD_TOKEN":                        "x",
		"NEWSBOT_DISCORD_API_URL":              srv.URL(),
		"NEWSBOT_DISCORD_GUILD_ID":             srv.GuildID(),
		"NEWSBOT_DATABASE_PATH":                filepath.Join(t.TempDir(), "newsbot.db"),
		"NEWSBOT_FEEDS_ALLOW_PRIVATE_NETWORKS": "true",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	}()

	put := srv.WaitRequest(t, "PUT", "/api/v9/applications/*/guilds/"+srv.GuildID()+"/commands", botTimeout)
	if put.Header.Get("Authorization") != "Bot x" {
		t.Errorf("authorization = %q, want the token with its Bot prefix", put.Header.Get("Authorization"))
	}
	if n := len(srv.Commands(srv.GuildID())); n != 8 {
		t.Errorf("registered %d commands in the guild, want 8", n)
	}
	srv.WaitConnected(t, botTimeout)

	admin := discordtest.Invoke{Permissions: discordgo.PermissionManageChannels}
	m := waitAnswer(t, srv, srv.SlashCommand(t, admin, "feed",
		discordtest.Subcommand("add", discordtest.StringOption("url", site+"/feed.xml"))))
	if !strings.Contains(m.Content, "Now following **Harbour Gazette**") || !strings.Contains(m.Content, "carries 2 items") {
		t.Errorf("/feed add = %q", m.Content)
	}
	m = waitAnswer(t, srv, srv.SlashCommand(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", "storm")))
	if !strings.HasPrefix(m.Content, "Results 1–2 for “storm”") {
		t.Errorf("/search storm = %q, want both stored articles", m.Content)
	}
	m = waitAnswer(t, srv, srv.SlashCommand(t, discordtest.Invoke{}, "summarize", discordtest.StringOption("url", site+"/ferry")))
	if len(m.Embeds) != 1 || !strings.Contains(m.Embeds[0].Description, "ferry service") {
		t.Errorf("/summarize = %+v, want the article's key sentences", m)
	}

	srv.WaitIdle(t, botTimeout)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v after ctx ended, want nil; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(botTimeout):
		t.Fatalf("run did not return within %v of ctx ending", botTimeout)
	}
	if strings.Contains(stderr.String(), "Bot x") || strings.Contains(stderr.String(), "token=x") {
		t.Errorf("the token reached the log:\n%s", stderr.String())
	}
}

func TestRunConsoleAnswersAndQuits(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"NEWSBOT_DATABASE_PATH": filepath.Join(t.TempDir(), "newsbot.db"),
		"NEWSBOT_LOG_LEVEL":     "error",
	}
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"run"}, func(k string) string { return env[k] },
			strings.NewReader("/help\n/search\n/quit\n"), &stdout, &stderr)
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v after /quit, want nil; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(botTimeout):
		t.Fatal("run did not return after /quit")
	}
	out := stdout.String()
	for _, want := range []string{"newsbot console", "/feed add url", "/search needs a value for query"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}
