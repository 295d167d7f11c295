package bot_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/bot/discordtest"
	"newsbot/store"
)

// messagesPath matches every POST of a channel message.
const messagesPath = "/api/v9/channels/*/messages"

func channelPath(channelID string) string { return "/api/v9/channels/" + channelID + "/messages" }

// newClock is the Sender tests' clock.
func newClock() *testClock { return &testClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// goneCall is one call of SenderConfig.OnGone.
type goneCall struct {
	key, channelID, userID, reason string
	status                         newsbot.DeliveryStatus
}

// outboxWorld is an outbox in SQLite in a temp dir, drained to a fake
// Discord on 127.0.0.1.
type outboxWorld struct {
	srv   *discordtest.Server
	db    *store.DB
	path  string
	clock *testClock
	log   *syncBuffer

	mu   sync.Mutex
	gone []goneCall
}

func newOutboxWorld(t testing.TB, cfg discordtest.Config) *outboxWorld {
	t.Helper()
	w := &outboxWorld{
		srv:   discordtest.NewWithConfig(t, cfg),
		path:  filepath.Join(t.TempDir(), "newsbot.db"),
		clock: newClock(),
		log:   &syncBuffer{},
	}
	w.db = w.open(t)
	return w
}

// open opens the world's database, as another process would.
func (w *outboxWorld) open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), w.path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = w.clock.Now
	t.Cleanup(func() { db.Close() })
	return db
}

// config is a Sender configuration over the world: its store and clock,
// a transport over a session of its own, logs kept, OnGone recorded.
func (w *outboxWorld) config(t testing.TB) bot.SenderConfig {
	return bot.SenderConfig{
		Store:     w.db,
		Transport: bot.NewDiscordTransport(w.srv.Session(t)),
		Now:       w.clock.Now,
		Log:       slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelInfo})),
		OnGone: func(ctx context.Context, d newsbot.Delivery, reason string) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.gone = append(w.gone, goneCall{key: d.Key, channelID: d.ChannelID, userID: d.UserID, reason: reason, status: d.Status})
		},
	}
}

func (w *outboxWorld) goneCalls() []goneCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]goneCall(nil), w.gone...)
}

func (w *outboxWorld) enqueue(t testing.TB, ds ...newsbot.Delivery) {
	t.Helper()
	n, err := w.db.Enqueue(context.Background(), ds)
	if err != nil || n != len(ds) {
		t.Fatalf("Enqueue(%d rows) = %d, %v; want %d, nil", len(ds), n, err, len(ds))
	}
}

func (w *outboxWorld) row(t testing.TB, key string) newsbot.Delivery {
	t.Helper()
	d, err := w.db.Delivery(context.Background(), key)
	if err != nil {
		t.Fatalf("Delivery(%q): %v", key, err)
	}
	return d
}

func drain(t testing.TB, s *bot.Sender) int {
	t.Helper()
	n, err := s.Drain(context.Background())
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	return n
}

// payload is the JSON of a message, as producers store it.
func payload(t testing.TB, m *discordgo.MessageSend) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post is an outbox row posting text in a channel.
func post(t testing.TB, key, channelID, text string) newsbot.Delivery {
	return newsbot.Delivery{Key: key, Kind: newsbot.DeliveryPost, ChannelID: channelID,
		Payload: payload(t, &discordgo.MessageSend{Content: text})}
}

// dm is an outbox row sending text to a user.
func dm(t testing.TB, key, userID, text string) newsbot.Delivery {
	return newsbot.Delivery{Key: key, Kind: newsbot.DeliveryDM, UserID: userID,
		Payload: payload(t, &discordgo.MessageSend{Content: text})}
}

// wantNonce is the nonce the Sender must send for a row key: a
// deterministic hex digest prefix within Discord's 25 characters.
func wantNonce(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// sentBody is the part of a message request the tests check.
type sentBody struct {
	Content         string                            `json:"content"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
	Nonce           string                            `json:"nonce"`
	EnforceNonce    bool                              `json:"enforce_nonce"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

// postsByNonce counts the message requests per nonce.
func postsByNonce(t testing.TB, srv *discordtest.Server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range srv.RequestsTo("POST", messagesPath) {
		var b sentBody
		r.Decode(t, &b)
		out[b.Nonce]++
	}
	return out
}

func contents(ms []*discordgo.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Content)
	}
	return out
}

func TestSenderPostsWithEmbedsNonceAndNoMentions(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	ch := w.srv.ChannelID()
	msg := &discordgo.MessageSend{
		Content: "@everyone look at <@1100000000000000004>",
		Embeds: []*discordgo.MessageEmbed{{
			Title: "Storm reaches the coast", URL: "https://example.com/storm",
			Description: "Winds of 150 km/h.", Footer: &discordgo.MessageEmbedFooter{Text: "Example News"},
		}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Read", Style: discordgo.LinkButton, URL: "https://example.com/storm"},
		}}},
	}
	w.enqueue(t, newsbot.Delivery{Key: "post:" + ch + ":1", Kind: newsbot.DeliveryPost, ChannelID: ch, Payload: payload(t, msg)})
	s := bot.NewSender(w.config(t))
	if n := drain(t, s); n != 1 {
		t.Fatalf("Drain = %d, want 1", n)
	}
	got := w.srv.Messages(ch)
	if len(got) != 1 {
		t.Fatalf("Messages(%q) = %d messages, want 1", ch, len(got))
	}
	m := got[0]
	if m.Content != msg.Content || len(m.Embeds) != 1 || m.Embeds[0].Title != "Storm reaches the coast" ||
		m.Embeds[0].Footer == nil || m.Embeds[0].Footer.Text != "Example News" || len(m.Components) != 1 {
		t.Errorf("message = %q with embeds %+v and %d component rows, want the row's content, embed and button", m.Content, m.Embeds, len(m.Components))
	}
	req := w.srv.RequestsTo("POST", channelPath(ch))[0]
	var body sentBody
	req.Decode(t, &body)
	if body.AllowedMentions == nil || body.AllowedMentions.Parse == nil || len(body.AllowedMentions.Parse) != 0 ||
		len(body.AllowedMentions.Users) != 0 || len(body.AllowedMentions.Roles) != 0 {
		t.Errorf("allowed_mentions = %s, want {\"parse\":[]}", req.JSON())
	}
	if key := "post:" + ch + ":1"; body.Nonce != wantNonce(key) || !body.EnforceNonce {
		t.Errorf("nonce = %q, enforce_nonce = %t; want %q, true", body.Nonce, body.EnforceNonce, wantNonce(key))
	}
	d := w.row(t, "post:"+ch+":1")
	if d.Status != newsbot.StatusSent || d.MessageID != m.ID || !d.SentAt.Equal(w.clock.Now()) || d.Attempts != 1 {
		t.Errorf("row = status %q, message %q, sent %v, attempts %d; want sent, %q, %v, 1", d.Status, d.MessageID, d.SentAt, d.Attempts, m.ID, w.clock.Now())
	}
	if n := drain(t, s); n != 0 || len(w.srv.Messages(ch)) != 1 {
		t.Errorf("second Drain = %d, %d messages; want 0, 1", n, len(w.srv.Messages(ch)))
	}
}

func TestSenderKeepsOrderPerChannel(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	const channels, perChannel = 6, 15
	var rows []newsbot.Delivery
	for i := range perChannel {
		for c := range channels {
			ch := fmt.Sprint(7000 + c)
			rows = append(rows, post(t, fmt.Sprintf("post:%s:%d", ch, i), ch, fmt.Sprint(i)))
		}
	}
	w.enqueue(t, rows...)
	// The first message to one channel fails, and again when tried at
	// once: the rest of that channel must wait for it, the other channels
	// need not.
	slow := "7002"
	w.srv.FailNext("POST", channelPath(slow), 2, discordtest.Fault{Status: http.StatusBadGateway})
	cfg := w.config(t)
	cfg.Workers, cfg.Rate = 4, 500
	s := bot.NewSender(cfg)
	if n := drain(t, s); n != (channels-1)*perChannel {
		t.Fatalf("first Drain = %d, want %d: every channel but the failing one", n, (channels-1)*perChannel)
	}
	if got := w.srv.Messages(slow); len(got) != 0 {
		t.Fatalf("Messages(%q) after its first message failed = %q, want none before it", slow, contents(got))
	}
	w.clock.Advance(time.Minute)
	if n := drain(t, s); n != perChannel {
		t.Fatalf("Drain after the backoff = %d, want %d", n, perChannel)
	}
	want := make([]string, perChannel)
	for i := range want {
		want[i] = fmt.Sprint(i)
	}
	for c := range channels {
		ch := fmt.Sprint(7000 + c)
		if got := contents(w.srv.Messages(ch)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("Messages(%q) = %q, want %q", ch, got, want)
		}
	}
}

func TestSenderWaitsOutRateLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault discordtest.Fault
		n     int
	}{
		{"route 429", discordtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 100 * time.Millisecond}, 2},
		{"global 429", discordtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 100 * time.Millisecond, Global: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newOutboxWorld(t, discordtest.Config{})
			w.enqueue(t, post(t, "post:a:1", "8001", "hello"))
			w.srv.FailNext("POST", channelPath("8001"), tt.n, tt.fault)
			s := bot.NewSender(w.config(t))
			if n := drain(t, s); n != 1 {
				t.Fatalf("Drain = %d, want 1", n)
			}
			statuses := w.srv.Statuses("POST", channelPath("8001"))
			if len(statuses) != tt.n+1 || statuses[tt.n] != http.StatusOK {
				t.Errorf("statuses = %v, want %d × 429 then 200", statuses, tt.n)
			}
			reqs := w.srv.RequestsTo("POST", channelPath("8001"))
			for i := 1; i < len(reqs); i++ {
				if gap := reqs[i].Time.Sub(reqs[i-1].Time); gap < tt.fault.RetryAfter {
					t.Errorf("request %d came %v after a 429 asking for %v", i, gap, tt.fault.RetryAfter)
				}
			}
			if got := w.srv.Messages("8001"); len(got) != 1 {
				t.Errorf("Messages = %d, want 1", len(got))
			}
			if d := w.row(t, "post:a:1"); d.Status != newsbot.StatusSent || d.Attempts != 1 {
				t.Errorf("row = %q after %d attempts, want sent after 1", d.Status, d.Attempts)
			}
		})
	}
}

func TestSenderGlobalRateLimitHoldsEveryChannel(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "8101", "a"), post(t, "post:b:1", "8102", "b"), post(t, "post:b:2", "8102", "b2"))
	const wait = 300 * time.Millisecond
	w.srv.FailNext("POST", channelPath("8101"), 1, discordtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: wait, Global: true})
	cfg := w.config(t)
	cfg.Workers = 1
	s := bot.NewSender(cfg)
	if n := drain(t, s); n != 3 {
		t.Fatalf("Drain = %d, want 3", n)
	}
	reqs := w.srv.RequestsTo("POST", messagesPath)
	if len(reqs) != 4 || reqs[0].Status != http.StatusTooManyRequests {
		t.Fatalf("requests = %v, want a 429 and three sends", w.srv.Statuses("POST", messagesPath))
	}
	for _, r := range reqs[1:] {
		if gap := r.Time.Sub(reqs[0].Time); gap < wait {
			t.Errorf("%s came %v after a global 429 asking for %v", r.Path, gap, wait)
		}
	}
}

func TestSenderRouteRateLimitDoesNotStallOtherChannels(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "8201", "a"))
	for i := range 3 {
		w.enqueue(t, post(t, fmt.Sprintf("post:b:%d", i), "8202", "b"))
	}
	// Long enough that the other channel's three sends fit in it.
	w.srv.FailNext("POST", channelPath("8201"), 1, discordtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
	cfg := w.config(t)
	cfg.Workers = 1
	s := bot.NewSender(cfg)
	if n := drain(t, s); n != 4 {
		t.Fatalf("Drain = %d, want 4", n)
	}
	var order []string
	for _, r := range w.srv.RequestsTo("POST", messagesPath) {
		order = append(order, fmt.Sprintf("%s:%d", strings.Split(r.Path, "/")[4], r.Status))
	}
	want := "8201:429 8202:200 8202:200 8202:200 8201:200"
	if strings.Join(order, " ") != want {
		t.Errorf("requests = %s, want %s: the limited channel waits alone", strings.Join(order, " "), want)
	}
}

func TestSenderWaitsForUsedUpRouteWithoutRequest(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	// One message per two seconds in channel a: its second message must
	// wait for the window Discord announced, without a 429 and without
	// holding up channel b.
	w.srv.SetRouteLimit("POST", channelPath("8251"), 1, 2*time.Second)
	w.enqueue(t, post(t, "post:a:1", "8251", "a1"), post(t, "post:a:2", "8251", "a2"))
	for i := range 3 {
		w.enqueue(t, post(t, fmt.Sprintf("post:b:%d", i), "8252", "b"))
	}
	cfg := w.config(t)
	cfg.Workers = 1
	s := bot.NewSender(cfg)
	if n := drain(t, s); n != 5 {
		t.Fatalf("Drain = %d, want 5", n)
	}
	var order []string
	for _, r := range w.srv.RequestsTo("POST", messagesPath) {
		order = append(order, fmt.Sprintf("%s:%d", strings.Split(r.Path, "/")[4], r.Status))
	}
	want := "8251:200 8252:200 8252:200 8252:200 8251:200"
	if strings.Join(order, " ") != want {
		t.Errorf("requests = %s, want %s", strings.Join(order, " "), want)
	}
	if got := contents(w.srv.Messages("8251")); strings.Join(got, ",") != "a1,a2" {
		t.Errorf("Messages(a) = %q, want [a1 a2]", got)
	}
}

func TestSenderPutsBackAfterTooManyRateLimits(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "8301", "hello"))
	w.srv.RateLimitNext("POST", channelPath("8301"), 10)
	s := bot.NewSender(w.config(t))
	if n := drain(t, s); n != 0 {
		t.Fatalf("Drain under endless 429s = %d, want 0", n)
	}
	first := len(w.srv.Statuses("POST", channelPath("8301")))
	d := w.row(t, "post:a:1")
	if first >= 10 || d.Status != newsbot.StatusPending || !strings.Contains(d.LastError, "Rate limit") || !d.NextAttemptAt.After(w.clock.Now()) {
		t.Fatalf("after %d 429s: row %q, last error %q, next %v; want pending with the rate limit noted, due later than %v",
			first, d.Status, d.LastError, d.NextAttemptAt, w.clock.Now())
	}
	w.clock.Advance(time.Hour)
	if n := drain(t, s); n != 1 {
		t.Fatalf("Drain after the wait = %d, want 1", n)
	}
	if got := w.srv.Statuses("POST", channelPath("8301")); len(got) != 11 || got[10] != http.StatusOK {
		t.Errorf("statuses = %v, want ten 429s then 200", got)
	}
	if got := w.srv.Messages("8301"); len(got) != 1 {
		t.Errorf("Messages = %d, want 1", len(got))
	}
}

func TestSenderRetriesServerErrors(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "8401", "hello"))
	// Each attempt is a send and one more half a second later.
	w.srv.FailNext("POST", channelPath("8401"), 4, discordtest.Fault{Status: http.StatusInternalServerError})
	s := bot.NewSender(w.config(t))
	for i, want := range []struct{ lo, hi time.Duration }{{1500 * time.Millisecond, 2500 * time.Millisecond}, {3 * time.Second, 5 * time.Second}} {
		if n := drain(t, s); n != 0 {
			t.Fatalf("Drain %d = %d, want 0", i+1, n)
		}
		d := w.row(t, "post:a:1")
		wait := d.NextAttemptAt.Sub(w.clock.Now())
		if d.Status != newsbot.StatusPending || d.Attempts != i+1 || !strings.Contains(d.LastError, "500") || wait < want.lo || wait > want.hi {
			t.Fatalf("after failure %d: row %q, attempts %d, error %q, next in %v; want pending, %d, a 500, next in [%v, %v]",
				i+1, d.Status, d.Attempts, d.LastError, wait, i+1, want.lo, want.hi)
		}
		if n := drain(t, s); n != 0 {
			t.Fatalf("Drain before the backoff = %d, want 0", n)
		}
		w.clock.Advance(wait)
	}
	if n := drain(t, s); n != 1 {
		t.Fatalf("Drain after two failed attempts = %d, want 1", n)
	}
	if got := fmt.Sprint(w.srv.Statuses("POST", channelPath("8401"))); got != "[500 500 500 500 200]" {
		t.Errorf("statuses = %s, want [500 500 500 500 200]", got)
	}
	d := w.row(t, "post:a:1")
	if d.Status != newsbot.StatusSent || d.Attempts != 3 || d.LastError != "" {
		t.Errorf("row = %q, attempts %d, error %q; want sent, 3, none", d.Status, d.Attempts, d.LastError)
	}
	if got := w.srv.Messages("8401"); len(got) != 1 {
		t.Errorf("Messages = %d, want 1", len(got))
	}
}

func TestSenderKeepsRowsWhenTheTokenIsRefused(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "8451", "hello"))
	w.srv.FailNext("POST", channelPath("8451"), 1, discordtest.Fault{Status: http.StatusUnauthorized})
	s := bot.NewSender(w.config(t))
	if n := drain(t, s); n != 0 {
		t.Fatalf("Drain = %d, want 0", n)
	}
	if got := len(w.srv.RequestsTo("POST", channelPath("8451"))); got != 1 {
		t.Errorf("requests = %d, want 1: a refused token is not tried again at once", got)
	}
	if d := w.row(t, "post:a:1"); d.Status != newsbot.StatusPending || !strings.Contains(d.LastError, "401") {
		t.Errorf("row = %q, error %q; want pending with the 401", d.Status, d.LastError)
	}
	if log := w.log.String(); !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "token") {
		t.Errorf("log = %q, want an error about the token", log)
	}
	w.clock.Advance(time.Hour)
	if n := drain(t, s); n != 1 {
		t.Errorf("Drain once the token works = %d, want 1", n)
	}
}

func TestSenderGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "8501", "hello"))
	w.srv.FailNext("POST", channelPath("8501"), -1, discordtest.Fault{Status: http.StatusServiceUnavailable, Message: "upstream overloaded"})
	cfg := w.config(t)
	cfg.MaxAttempts = 3
	s := bot.NewSender(cfg)
	for range 4 {
		drain(t, s)
		w.clock.Advance(time.Hour)
	}
	d := w.row(t, "post:a:1")
	if d.Status != newsbot.StatusFailed || d.Attempts != 3 || !strings.Contains(d.LastError, "3 attempts") || !strings.Contains(d.LastError, "upstream overloaded") {
		t.Errorf("row = %q after %d attempts, error %q; want failed after 3, with the last error", d.Status, d.Attempts, d.LastError)
	}
	if got := len(w.srv.RequestsTo("POST", channelPath("8501"))); got != 6 {
		t.Errorf("requests = %d, want 6: two per attempt", got)
	}
	if g := w.goneCalls(); len(g) != 0 {
		t.Errorf("OnGone calls = %+v, want none for server errors", g)
	}
}

func TestSenderFinalRefusals(t *testing.T) {
	t.Parallel()
	const user = "1100000000000000077"
	long := strings.Repeat("x", 2001)
	tests := []struct {
		name     string
		cfg      discordtest.Config
		rows     func(t testing.TB) []newsbot.Delivery
		fault    *discordtest.Fault // on the first target's messages
		wantGone string             // in OnGone's reason; "" for no call
		wantLog  string
	}{
		{"missing permissions", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery {
				return []newsbot.Delivery{post(t, "post:a:1", "9001", "a"), post(t, "post:a:2", "9001", "b")}
			},
			&discordtest.Fault{Status: http.StatusForbidden, Code: 50013}, "Missing Permissions (50013)", "level=WARN"},
		{"missing access", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery { return []newsbot.Delivery{post(t, "post:a:1", "9001", "a")} },
			&discordtest.Fault{Status: http.StatusForbidden, Code: 50001}, "403 Missing Access (50001)", "level=WARN"},
		{"channel deleted", discordtest.Config{Strict: true},
			func(t testing.TB) []newsbot.Delivery { return []newsbot.Delivery{post(t, "post:a:1", "9001", "a")} },
			nil, "404 Unknown Channel (10003)", "level=WARN"},
		{"user refuses DMs", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery { return []newsbot.Delivery{dm(t, "dm:u:1", user, "a")} },
			&discordtest.Fault{Status: http.StatusForbidden, Code: 50007}, "Cannot send messages to this user (50007)", "level=WARN"},
		{"user refuses DMs with 50278", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery { return []newsbot.Delivery{dm(t, "dm:u:1", user, "a")} },
			&discordtest.Fault{Status: http.StatusForbidden, Code: 50278}, "(50278)", "level=WARN"},
		{"invalid form body", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery { return []newsbot.Delivery{post(t, "post:a:1", "9001", long)} },
			nil, "", "level=ERROR"},
		{"undecodable payload", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery {
				return []newsbot.Delivery{{Key: "post:a:1", Kind: newsbot.DeliveryPost, ChannelID: "9001", Payload: []byte("{not json")}}
			},
			nil, "", "level=ERROR"},
		{"forbidden for another reason", discordtest.Config{},
			func(t testing.TB) []newsbot.Delivery { return []newsbot.Delivery{post(t, "post:a:1", "9001", "a")} },
			&discordtest.Fault{Status: http.StatusForbidden, Code: 40002, Message: "verify your account"}, "", "level=WARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newOutboxWorld(t, tt.cfg)
			rows := tt.rows(t)
			w.enqueue(t, rows...)
			if tt.fault != nil {
				ch := rows[0].ChannelID
				if rows[0].UserID != "" {
					ch = w.srv.DMChannelID(rows[0].UserID)
				}
				w.srv.FailNext("POST", channelPath(ch), 1, *tt.fault)
			}
			s := bot.NewSender(w.config(t))
			if n := drain(t, s); n != 0 {
				t.Fatalf("Drain = %d, want 0", n)
			}
			for _, r := range rows {
				d := w.row(t, r.Key)
				if d.Status != newsbot.StatusFailed || d.LastError == "" || d.Attempts != 1 {
					t.Errorf("row %q = %q after %d attempts, error %q; want failed after 1, with the reason", r.Key, d.Status, d.Attempts, d.LastError)
				}
			}
			if got := len(w.srv.RequestsTo("POST", messagesPath)); got > 1 {
				t.Errorf("message requests = %d, want at most 1: a target found gone is not tried again at once", got)
			}
			gone := w.goneCalls()
			if tt.wantGone == "" {
				if len(gone) != 0 {
					t.Errorf("OnGone calls = %+v, want none", gone)
				}
			} else {
				if len(gone) != len(rows) {
					t.Fatalf("OnGone calls = %+v, want one per row", gone)
				}
				for i, g := range gone {
					if g.key != rows[i].Key || g.channelID != rows[i].ChannelID || g.userID != rows[i].UserID ||
						g.status != newsbot.StatusFailed || !strings.Contains(g.reason, tt.wantGone) {
						t.Errorf("OnGone(%+v), want row %q failed, reason containing %q", g, rows[i].Key, tt.wantGone)
					}
				}
			}
			if log := w.log.String(); !strings.Contains(log, tt.wantLog) {
				t.Errorf("log = %q, want a line with %q", log, tt.wantLog)
			}
		})
	}
}

func TestSenderDirectMessages(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	const alice, bob = "1100000000000000061", "1100000000000000062"
	w.enqueue(t, dm(t, "dm:alice:1", alice, "one"), dm(t, "dm:bob:1", bob, "for bob"), dm(t, "dm:alice:2", alice, "two"))
	s := bot.NewSender(w.config(t))
	if n := drain(t, s); n != 3 {
		t.Fatalf("Drain = %d, want 3", n)
	}
	if got := contents(w.srv.Messages(w.srv.DMChannelID(alice))); strings.Join(got, ",") != "one,two" {
		t.Errorf("alice's DMs = %q, want [one two]", got)
	}
	if got := contents(w.srv.Messages(w.srv.DMChannelID(bob))); strings.Join(got, ",") != "for bob" {
		t.Errorf("bob's DMs = %q, want [for bob]", got)
	}
	opens := w.srv.RequestsTo("POST", "/api/v9/users/@me/channels")
	if len(opens) != 2 {
		t.Errorf("DM channels opened %d times, want 2: once per user", len(opens))
	}
	// The channel stays known: a later DM opens nothing.
	w.enqueue(t, dm(t, "dm:alice:3", alice, "three"))
	drain(t, s)
	if got := len(w.srv.RequestsTo("POST", "/api/v9/users/@me/channels")); got != 2 {
		t.Errorf("DM channels opened %d times after a third DM, want still 2", got)
	}
	if d := w.row(t, "dm:alice:3"); d.Status != newsbot.StatusSent || d.MessageID == "" {
		t.Errorf("row = %q, message %q; want sent", d.Status, d.MessageID)
	}
}

// lossyOutbox loses the first MarkSent of some rows, as a crash right
// after Discord answered would.
type lossyOutbox struct {
	*store.DB
	mu   sync.Mutex
	lose map[int64]bool
}

func (o *lossyOutbox) MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	o.mu.Lock()
	lost := o.lose[id]
	delete(o.lose, id)
	o.mu.Unlock()
	if lost {
		return errors.New("connection lost")
	}
	return o.DB.MarkSent(ctx, id, messageID, at)
}

func TestSenderNonceStopsSecondPostAfterLostMarkSent(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	w.enqueue(t, post(t, "post:a:1", "9101", "once only"))
	row := w.row(t, "post:a:1")
	cfg := w.config(t)
	cfg.Store = &lossyOutbox{DB: w.db, lose: map[int64]bool{row.ID: true}}
	s := bot.NewSender(cfg)
	if n, err := s.Drain(context.Background()); n != 0 || err == nil {
		t.Fatalf("Drain with MarkSent lost = %d, %v; want 0 and the store's error", n, err)
	}
	if d := w.row(t, "post:a:1"); d.Status != newsbot.StatusPending {
		t.Fatalf("row = %q, want still pending: its send was not recorded", d.Status)
	}
	// Not before its lease ends: nothing else may send it meanwhile.
	if n := drain(t, bot.NewSender(w.config(t))); n != 0 {
		t.Fatalf("Drain during the lease = %d, want 0", n)
	}
	w.clock.Advance(2 * time.Minute)
	if n := drain(t, bot.NewSender(w.config(t))); n != 1 {
		t.Fatalf("Drain after the lease = %d, want 1", n)
	}
	msgs := w.srv.Messages("9101")
	if len(msgs) != 1 {
		t.Fatalf("Messages = %q, want one message", contents(msgs))
	}
	if got := postsByNonce(t, w.srv); got[wantNonce("post:a:1")] != 2 || len(got) != 1 {
		t.Errorf("posts by nonce = %v, want the one nonce sent twice", got)
	}
	d := w.row(t, "post:a:1")
	if d.Status != newsbot.StatusSent || d.MessageID != msgs[0].ID || d.Attempts != 2 {
		t.Errorf("row = %q, message %q, attempts %d; want sent as %q after 2", d.Status, d.MessageID, d.Attempts, msgs[0].ID)
	}
}

// manyPosts enqueues n posts spread over channels, numbered in each.
func manyPosts(t testing.TB, w *outboxWorld, n, channels int) []newsbot.Delivery {
	t.Helper()
	rows := make([]newsbot.Delivery, n)
	for i := range rows {
		ch := fmt.Sprint(10000 + i%channels)
		rows[i] = post(t, fmt.Sprintf("post:%s:%d", ch, i/channels), ch, fmt.Sprint(i/channels))
	}
	w.enqueue(t, rows...)
	return rows
}

// checkDelivered checks every row was sent once: recorded as sent with
// the message Discord holds, and posted once; and, when ordered, in
// outbox order in each channel.
func checkDelivered(t *testing.T, w *outboxWorld, rows []newsbot.Delivery, ordered bool) {
	t.Helper()
	posts := postsByNonce(t, w.srv)
	byChannel := map[string][]string{}
	for _, r := range rows {
		d := w.row(t, r.Key)
		if d.Status != newsbot.StatusSent || d.MessageID == "" {
			t.Errorf("row %q = %q, message %q; want sent", r.Key, d.Status, d.MessageID)
		}
		if n := posts[wantNonce(r.Key)]; n != 1 {
			t.Errorf("row %q posted %d times, want once", r.Key, n)
		}
		byChannel[r.ChannelID] = append(byChannel[r.ChannelID], fmt.Sprint(len(byChannel[r.ChannelID])))
	}
	for ch, want := range byChannel {
		got := contents(w.srv.Messages(ch))
		if !ordered {
			slices.Sort(got)
			slices.Sort(want)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("Messages(%q) = %q, want %q", ch, got, want)
		}
	}
}

func TestTwoSendersDeliverEachRowOnce(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	rows := manyPosts(t, w, 240, 12)
	var senders []*bot.Sender
	for range 2 {
		cfg := w.config(t)
		cfg.Store = w.open(t) // another process, on the same database
		cfg.Rate, cfg.Workers = 1000, 4
		senders = append(senders, bot.NewSender(cfg))
	}
	var wg sync.WaitGroup
	sent := make([]int, len(senders))
	for i, s := range senders {
		wg.Go(func() {
			n, err := s.Drain(context.Background())
			if err != nil {
				t.Errorf("sender %d: Drain: %v", i, err)
			}
			sent[i] = n
		})
	}
	wg.Wait()
	if sent[0]+sent[1] != len(rows) {
		t.Errorf("Drains = %v, want %d in all", sent, len(rows))
	}
	if got := len(w.srv.RequestsTo("POST", messagesPath)); got != len(rows) {
		t.Errorf("message requests = %d, want %d: one per row", got, len(rows))
	}
	// Two senders keep no order between them (see Sender).
	checkDelivered(t, w, rows, false)
}

func TestSenderStopsWithoutLosingRows(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	rows := manyPosts(t, w, 60, 6)
	cfg := w.config(t)
	cfg.Rate = 40
	s := bot.NewSender(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	type drained struct {
		n   int
		err error
	}
	done := make(chan drained, 1)
	go func() {
		n, err := s.Drain(ctx)
		done <- drained{n, err}
	}()
	for range 10 {
		w.srv.WaitRequest(t, "POST", messagesPath, timeout)
	}
	cancel()
	first := <-done
	if !errors.Is(first.err, context.Canceled) || first.n < 10 || first.n >= len(rows) {
		t.Fatalf("Drain stopped after 10 posts = %d, %v; want between 10 and %d, and context.Canceled", first.n, first.err, len(rows)-1)
	}
	if got := len(w.srv.RequestsTo("POST", messagesPath)); got != first.n {
		t.Errorf("message requests = %d, want %d: every send begun was finished and recorded", got, first.n)
	}
	// A new sender, at once: rows claimed but not sent were handed back.
	second := drain(t, bot.NewSender(w.config(t)))
	if first.n+second != len(rows) {
		t.Errorf("Drains = %d + %d, want %d", first.n, second, len(rows))
	}
	checkDelivered(t, w, rows, true)
}

func TestSenderRunSendsWhenWoken(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	cfg := w.config(t)
	cfg.Poll = time.Hour // only Wake makes it look
	s := bot.NewSender(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	w.enqueue(t, post(t, "post:a:1", "9201", "first"))
	s.Wake()
	w.srv.WaitRequest(t, "POST", channelPath("9201"), timeout)
	w.enqueue(t, post(t, "post:a:2", "9201", "second"))
	s.Wake()
	w.srv.WaitRequest(t, "POST", channelPath("9201"), timeout)
	if _, err := s.Drain(context.Background()); err == nil {
		t.Errorf("Drain while Run runs = nil error, want a refusal")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after ctx ends", err)
		}
	case <-time.After(timeout):
		t.Fatalf("Run did not return within %v of ctx ending", timeout)
	}
	for _, key := range []string{"post:a:1", "post:a:2"} {
		if d := w.row(t, key); d.Status != newsbot.StatusSent {
			t.Errorf("row %q = %q, want sent", key, d.Status)
		}
	}
	if got := contents(w.srv.Messages("9201")); strings.Join(got, ",") != "first,second" {
		t.Errorf("Messages = %q, want [first second]", got)
	}
}

// edit is an outbox row replacing the message of row of with text.
func edit(t testing.TB, key, of, channelID, text string) newsbot.Delivery {
	return newsbot.Delivery{Key: key, Kind: newsbot.DeliveryEdit, ChannelID: channelID, EditOf: of,
		Payload: payload(t, &discordgo.MessageSend{Content: text})}
}

func TestSenderEditsSentMessages(t *testing.T) {
	t.Parallel()
	w := newOutboxWorld(t, discordtest.Config{})
	ch := w.srv.ChannelID()
	w.enqueue(t, post(t, "p1", ch, "first version"), edit(t, "e1", "p1", ch, "second version"), edit(t, "e2", "p1", ch, "third version"))
	s := bot.NewSender(w.config(t))
	if n := drain(t, s); n != 3 {
		t.Fatalf("Drain = %d, want the post and its two edits", n)
	}
	msgs := w.srv.Messages(ch)
	if len(msgs) != 1 || msgs[0].Content != "third version" || msgs[0].EditedTimestamp == nil {
		t.Fatalf("channel = %q, want one message edited to the last version", contents(msgs))
	}
	if d := w.row(t, "e2"); d.Status != newsbot.StatusSent || d.MessageID != msgs[0].ID {
		t.Errorf("edit row = %+v, want sent with the post's message id", d)
	}

	// An edit of a post that failed fails too, without a call.
	w.srv.FailNext("POST", channelPath("1200000000000000001"), 1, discordtest.Fault{Status: 400, Code: 50035})
	w.enqueue(t, post(t, "p2", "1200000000000000001", "refused"), edit(t, "e3", "p2", "1200000000000000001", "never"))
	drain(t, s)
	if d := w.row(t, "e3"); d.Status != newsbot.StatusFailed || !strings.Contains(d.LastError, "was not sent") {
		t.Errorf("edit of a failed post = %+v, want failed, saying why", d)
	}
	if n := len(w.srv.RequestsTo("PATCH", "/api/v9/channels/1200000000000000001/messages/*")); n != 0 {
		t.Errorf("edit of a failed post made %d requests, want 0", n)
	}
}
