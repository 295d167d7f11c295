package bot_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"newsbot"
	"newsbot/bot"
)

func TestConsoleScriptedSession(t *testing.T) {
	t.Parallel()
	site := newsSite(t)
	db, web := newDeps(t, false)
	b := bot.New(bot.Config{Store: db, Web: web})
	script := strings.ReplaceAll(`/help
/feed add url:{{site}}/world.xml
/feed add {{site}}/wire.xml mode:digest include:"central bank"
/search ceasefire
next
prev
/search "prisoner exchange" since:2025-05-01
/feed list
/summarize url:{{site}}/article.html sentences:2
/feed why url:{{site}}/world/geneva-talks
/feed remove feed:"World Desk"
/search ceasefire
hello
/weather
/feed
/search query:ceasefire color:red
/search -ceasefire
/feed add url:"{{site}}/sport.xml" mode:weekly
/summarize sentences:2
/summarize url:x sentences:many
`, "{{site}}", site)
	var out bytes.Buffer
	c := b.NewConsole(strings.NewReader(script), &out)
	if err := c.Run(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("Run = %v, want io.EOF at the end of the script", err)
	}
	got := out.String()
	t.Log(got)

	// Each answer in order, as the script asked.
	wants := []string{
		"newsbot console: type /help",
		"/feed add url", // help
		"Now following World Desk in #console: new articles are posted as they arrive.",
		"The feed carries 8 items now",
		"Now following Wire *Service* in #console, for the channel's digest.",
		`Only articles matching “central bank” are delivered.`,
		"Results 1–5 for “ceasefire” (more on the next page)",
		"   World Desk · ",
		"[Next ▶: type next]",
		"Results 6–9 for “ceasefire”",
		"[◀ Previous: type prev]",
		"Results 1–5 for “ceasefire”",
		`Results 1–2 for “"prisoner exchange" since:2025-05-01”`,
		"2 feeds followed in this server:",
		"Wire *Service*",
		"→ #console (digest, filtered)",
		"World Desk",
		"→ #console (instant)",
		"last fetched",
		"Aid convoys reach the north as ceasefire holds\n   " + site + "/article.html",
		"What newsbot knows of " + site + "/world/geneva-talks:",
		"#console (instant): passes the filters; not posted, as backlog",
		"Stopped following World Desk in #console.",
		"Results 1–1 for “ceasefire”",
		"Commands start with /",
		"Unknown command /weather: type /help for the commands.",
		"/feed needs a subcommand: add, remove, list, why.",
		`Unknown option or stray text "color:red" for /search`,
		"Nothing to search for: give at least one word that is not excluded.",
		`Mode: "weekly" is not one of instant, digest.`,
		"/summarize needs a value for url (as url:value).",
		`Sentences: "many" is not a whole number.`,
	}
	rest := got
	for _, w := range wants {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("console output lacks %q after the previous answers; output:\n%s", w, got)
		}
		rest = rest[i+len(w):]
	}
	if n := strings.Count(got, "• "); n < 2 {
		t.Errorf("the summary shows %d bullet sentences, want 2", n)
	}
	if follows, _ := db.GuildFollows(context.Background(), bot.ConsoleGuildID); len(follows) != 1 || follows[0].Mode != newsbot.ModeDigest {
		t.Errorf("console follows at the end = %+v, want the wire's digest follow only", follows)
	}

	// A channel post prints like the Discord embed.
	out.Reset()
	c.Post(newsbot.Article{
		Title: "Rates *steady*", URL: "https://example.com/rates",
		Summary:     []string{"The central bank held rates.", "Inflation is stable."},
		PublishedAt: time.Date(2025, 5, 25, 5, 0, 0, 0, time.UTC),
	}, newsbot.Feed{Title: "Wire", URL: "https://example.com/feed"})
	want := "\n[post in #console]\n── Wire: Rates *steady*\n   https://example.com/rates\n   • The central bank held rates.\n   • Inflation is stable.\n"
	if out.String() != want {
		t.Errorf("Post printed\n%q\nwant\n%q", out.String(), want)
	}
}

func TestConsoleQuitAndCancel(t *testing.T) {
	t.Parallel()
	db, web := newDeps(t, false)
	b := bot.New(bot.Config{Store: db, Web: web})
	var out bytes.Buffer
	if err := b.NewConsole(strings.NewReader("/quit\n/help\n"), &out).Run(context.Background()); err != nil {
		t.Errorf("Run after /quit = %v, want nil", err)
	}
	if strings.Contains(out.String(), "/feed add") {
		t.Errorf("commands after /quit ran: %q", out.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	defer pw.Close()
	done := make(chan error, 1)
	go func() { done <- b.NewConsole(pr, io.Discard).Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(timeout):
		t.Fatal("Run did not return after its context ended")
	}
}
