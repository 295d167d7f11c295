package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/store"
)

// restError is the error discordgo returns for a non-2xx answer.
func restError(status, code int, msg string) error {
	e := &discordgo.RESTError{Response: &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status))}}
	if code != 0 || msg != "" {
		e.Message = &discordgo.APIErrorMessage{Code: code, Message: msg}
	}
	return e
}

func rateLimit(retry time.Duration) *discordgo.RateLimitError {
	return &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{
		TooManyRequests: &discordgo.TooManyRequests{Message: "You are being rate limited.", RetryAfter: retry},
		URL:             "https://discord.com/api/v9/channels/1/messages",
	}}
}

func TestClassify(t *testing.T) {
	netErr := &url.Error{Op: "Post", URL: "https://discord.com/api/v9/channels/1/messages", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	tests := []struct {
		name       string
		err        error
		dm         bool
		want       failKind
		wantWait   time.Duration
		wantGlobal bool
		wantReason string // a part of the reason; "" checks nothing
	}{
		{"no error", nil, false, failNone, 0, false, ""},
		{"route 429", fmt.Errorf("send: %w", rateLimit(1500*time.Millisecond)), false, failRateLimit, 1500 * time.Millisecond, false, "Rate limit"},
		{"global 429", fmt.Errorf("send: %w", &globalRateLimitError{err: rateLimit(3 * time.Second)}), false, failRateLimit, 3 * time.Second, true, "global"},
		{"429 without retry_after", &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{URL: "u"}}, false, failRateLimit, time.Second, false, ""},
		{"route window used up", &routeBusyError{route: "r", wait: 400 * time.Millisecond}, false, failRouteBusy, 400 * time.Millisecond, false, ""},
		{"500", restError(500, 0, "500: Internal Server Error"), false, failRetry, 0, false, "500"},
		{"502 without a JSON body", restError(502, 0, ""), false, failRetry, 0, false, "502 Bad Gateway"},
		{"503", restError(503, 0, "upstream overloaded"), true, failRetry, 0, false, "503 upstream overloaded"},
		{"429 body discordgo could not read", restError(429, 0, ""), false, failRetry, 0, false, "429"},
		{"bad token", restError(401, 0, "401: Unauthorized"), false, failRetry, 0, false, "401"},
		{"network", netErr, false, failRetry, 0, false, "connection refused"},
		{"answer without an ID", errors.New("send to channel 1: no message ID in the answer"), false, failRetry, 0, false, ""},
		{"missing permissions in a channel", restError(403, 50013, "Missing Permissions"), false, failGone, 0, false, "403 Missing Permissions (50013)"},
		{"missing access to a channel", restError(403, 50001, "Missing Access"), false, failGone, 0, false, "(50001)"},
		{"unknown channel", restError(404, 10003, "Unknown Channel"), false, failGone, 0, false, "404 Unknown Channel (10003)"},
		{"DM refused", restError(403, 50007, "Cannot send messages to this user"), true, failGone, 0, false, "(50007)"},
		{"DM refused by 50278", restError(403, 50278, ""), true, failGone, 0, false, "403 Forbidden (50278)"},
		{"unknown user for a DM", restError(404, 10013, "Unknown User"), true, failGone, 0, false, "(10013)"},
		{"DM code in a channel", restError(403, 50007, "Cannot send messages to this user"), false, failFinal, 0, false, ""},
		{"channel code in a DM", restError(403, 50013, "Missing Permissions"), true, failFinal, 0, false, ""},
		{"403 with another code", restError(403, 40002, "verify your account"), false, failFinal, 0, false, "40002"},
		{"unknown message", restError(404, 10008, "Unknown Message"), false, failFinal, 0, false, ""},
		{"invalid form body", restError(400, 50035, "Invalid Form Body"), false, failInvalid, 0, false, "400 Invalid Form Body (50035)"},
		{"entity too large", restError(413, 40005, "Request entity too large"), false, failInvalid, 0, false, ""},
		{"files", fmt.Errorf("%w: files are not supported", errCannotSend), false, failInvalid, 0, false, "files"},
		{"context canceled", fmt.Errorf("send: %w", context.Canceled), false, failStopped, 0, false, ""},
		{"deadline", &url.Error{Op: "Post", URL: "u", Err: context.DeadlineExceeded}, false, failStopped, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := classify(tt.err, tt.dm)
			if f.kind != tt.want || f.wait != tt.wantWait || f.global != tt.wantGlobal || !strings.Contains(f.reason, tt.wantReason) {
				t.Errorf("classify(%v, dm %t) = kind %d, wait %v, global %t, reason %q; want kind %d, wait %v, global %t, reason with %q",
					tt.err, tt.dm, f.kind, f.wait, f.global, f.reason, tt.want, tt.wantWait, tt.wantGlobal, tt.wantReason)
			}
		})
	}
}

func TestNonce(t *testing.T) {
	a, b := nonce("post:123:45"), nonce("post:123:46")
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(a) {
		t.Errorf("nonce(%q) = %q, want 24 hex digits (Discord allows 25 characters)", "post:123:45", a)
	}
	if again := nonce("post:123:45"); again != a {
		t.Errorf("nonce(%q) = %q then %q, want the same every time", "post:123:45", a, again)
	}
	if a == b {
		t.Errorf("nonce of two keys = %q for both, want different", a)
	}
}

func TestDecodeMessage(t *testing.T) {
	in := &discordgo.MessageSend{
		Content: "news",
		Embeds:  []*discordgo.MessageEmbed{{Title: "Storm"}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Unsubscribe", Style: discordgo.SecondaryButton, CustomID: "sub:1"},
		}}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeMessage(b)
	if err != nil {
		t.Fatalf("decodeMessage(%s): %v", b, err)
	}
	again, err := json.Marshal(got)
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("decodeMessage(%s) encodes as %s, %v; want the same JSON", b, again, err)
	}
	for _, bad := range []string{"", "{", `{"components":[{"type":99}]}`, `[]`} {
		if _, err := decodeMessage([]byte(bad)); err == nil {
			t.Errorf("decodeMessage(%q) = nil error, want one", bad)
		}
	}
}

func TestPacerHoldsBackForAGlobalLimit(t *testing.T) {
	p := newPacer(1000, 5)
	until := time.Now().Add(150 * time.Millisecond)
	p.hold(until)
	for i := range 3 {
		if err := p.wait(context.Background()); err != nil {
			t.Fatalf("wait %d: %v", i, err)
		}
		if now := time.Now(); now.Before(until) {
			t.Fatalf("wait %d returned %v before the hold ended", i, until.Sub(now))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.hold(time.Now().Add(time.Hour))
	if err := p.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with an ended context during a hold = %v, want context.Canceled", err)
	}
}

func TestConsoleTransportPrintsPostsAndDMs(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	embed := &discordgo.MessageEmbed{Title: "Storm \\*reaches\\* the coast", URL: "https://example.com/storm", Description: "Winds of 150 km/h."}
	postMsg := &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{embed}}
	dmMsg := &discordgo.MessageSend{Content: "New on **storms**"}
	rows := []newsbot.Delivery{
		{Key: "post:news:1", Kind: newsbot.DeliveryPost, ChannelID: "news", Payload: mustJSON(t, postMsg)},
		{Key: "dm:alice:1", Kind: newsbot.DeliveryDM, UserID: "alice", Payload: mustJSON(t, dmMsg)},
	}
	if _, err := db.Enqueue(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s := NewSender(SenderConfig{Store: db, Transport: NewConsoleTransport(&out), Workers: 1})
	if n, err := s.Drain(context.Background()); n != 2 || err != nil {
		t.Fatalf("Drain = %d, %v; want 2, nil", n, err)
	}
	want := "\n[post in #news]\n" + consoleText("", postMsg.Embeds, nil) +
		"\n[DM to user alice]\n" + consoleText(dmMsg.Content, nil, nil)
	if out.String() != want {
		t.Errorf("console output = %q, want %q", out.String(), want)
	}
	if !strings.Contains(out.String(), "Storm *reaches* the coast") {
		t.Errorf("console output = %q, want the title without markdown escapes", out.String())
	}
	d, err := db.Delivery(context.Background(), "dm:alice:1")
	if err != nil || d.Status != newsbot.StatusSent || d.MessageID != "console-message-2" {
		t.Errorf("DM row = %q, message %q, %v; want sent as console-message-2", d.Status, d.MessageID, err)
	}
}

func TestConsoleTransportEdits(t *testing.T) {
	var out bytes.Buffer
	tr := NewConsoleTransport(&out)
	ctx := context.Background()
	id, err := tr.Send(ctx, "news", &discordgo.MessageSend{Content: "draft"}, "")
	if err != nil {
		t.Fatal(err)
	}
	text := "final"
	if err := tr.Edit(ctx, "news", id, &discordgo.MessageEdit{Content: &text}); err != nil {
		t.Fatalf("Edit(%q): %v", id, err)
	}
	if want := "\n[edit of " + id + ", post in #news]\nfinal\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("console output = %q, want it to end with %q", out.String(), want)
	}
	err = tr.Edit(ctx, "news", "no-such-message", &discordgo.MessageEdit{Content: &text})
	if f := classify(err, false); f.kind != failFinal || f.code != 10008 {
		t.Errorf("Edit of an unknown message = %v (kind %d, code %d), want Discord's 404 Unknown Message", err, f.kind, f.code)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
