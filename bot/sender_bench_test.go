package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/bot/discordtest"
)

// BenchmarkSender drains an outbox of posts spread over many channels
// to the fake Discord with Run, at the configured rate, while the fake
// answers each send with a 500 with probability 1 % and with a 429 with
// probability 1 %, and enforces Discord's per-channel and global limits.
// It reports the messages sent per second, and as a fraction of the
// configured rate over the whole run (of_rate) and until 99 % of the
// rows were sent (of_rate_99pct); how many rows were lost (not sent) or
// duplicated (more than one message for a row); and how many sends Discord
// deduplicated by nonce (resent), which should be none either.
//
// NEWSBOT_SEND_RATE sets the rate (default 40 a second) and NEWSBOT_SEND_N
// the number of messages (default 2,000; 200 with -short). Each run takes
// about N/rate seconds, so run one iteration:
//
//	go test -run '^$' -bench BenchmarkSender -benchtime 1x ./bot/
//	NEWSBOT_SEND_RATE=500 NEWSBOT_SEND_N=10000 go test -run '^$' -bench BenchmarkSender -benchtime 1x ./bot/
func BenchmarkSender(b *testing.B) {
	rate := envNumber(b, "NEWSBOT_SEND_RATE", 40)
	n := 2000
	if testing.Short() {
		n = 200
	}
	n = int(envNumber(b, "NEWSBOT_SEND_N", float64(n)))
	b.ReportAllocs()
	var last sendRun
	for b.Loop() {
		last = runSender(b, rate, n)
	}
	b.ReportMetric(float64(n)/last.elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(n)/last.elapsed.Seconds()/rate, "of_rate")
	// The same up to 99 % of the rows, leaving out the last retries.
	b.ReportMetric(float64(n*99/100)/last.elapsed99.Seconds()/rate, "of_rate_99pct")
	b.ReportMetric(float64(last.lost), "lost")
	b.ReportMetric(float64(last.duplicated), "duplicated")
	b.ReportMetric(float64(last.resent), "resent")
	b.ReportMetric(float64(last.failed500), "500s")
	b.ReportMetric(float64(last.limited), "429s")
}

func envNumber(b *testing.B, name string, def float64) float64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return v
}

// sendRun is what one benchmark run measured.
type sendRun struct {
	elapsed                  time.Duration // from the start until the last row was recorded sent
	elapsed99                time.Duration // until 99 % of the rows were
	lost, duplicated, resent int
	failed500, limited       int
}

// countingOutbox tells when 99 % and all of n rows are recorded sent.
type countingOutbox struct {
	bot.Outbox
	n     int64
	sent  atomic.Int64
	done  chan struct{}
	at99  atomic.Int64 // when 99 % of the rows were recorded, in Unix nanoseconds
	atAll atomic.Int64 // when the last row was
}

func (o *countingOutbox) MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	if err := o.Outbox.MarkSent(ctx, id, messageID, at); err != nil {
		return err
	}
	switch o.sent.Add(1) {
	case o.n * 99 / 100:
		o.at99.Store(time.Now().UnixNano())
	case o.n:
		o.atAll.Store(time.Now().UnixNano())
		close(o.done)
	}
	return nil
}

// faultyTransport has the fake Discord answer each send with a 500 with
// probability p, and with a 429 with probability p, independently.
type faultyTransport struct {
	bot.Transport
	srv *discordtest.Server
	p   float64

	mu  sync.Mutex
	rnd *rand.Rand
}

func (t *faultyTransport) Send(ctx context.Context, channelID string, msg *discordgo.MessageSend, nonce string) (string, error) {
	t.mu.Lock()
	x := t.rnd.Float64()
	t.mu.Unlock()
	// Only this Send posts to its channel now: the Sender sends to one
	// channel at a time.
	switch {
	case x < t.p:
		t.srv.FailNext("POST", channelPath(channelID), 1, discordtest.Fault{Status: http.StatusInternalServerError})
	case x < 2*t.p:
		t.srv.RateLimitNext("POST", channelPath(channelID), 1)
	}
	return t.Transport.Send(ctx, channelID, msg, nonce)
}

func runSender(b *testing.B, rate float64, n int) sendRun {
	w := newOutboxWorld(b, discordtest.Config{})
	// Discord's limits: 5 messages per 5 s in a channel, and a global
	// limit (50 a second for a bot), here above the configured rate by
	// more than the pacer's burst allows.
	w.srv.SetRouteLimit("POST", messagesPath, 5, 5*time.Second)
	w.srv.SetGlobalRateLimit(max(50, int(math.Ceil(rate*1.25))))
	channels := max(200, int(4*rate))
	rows := make([]newsbot.Delivery, n)
	for i := range rows {
		ch := strconv.Itoa(100000 + i%channels)
		rows[i] = post(b, fmt.Sprintf("post:%s:%d", ch, i/channels), ch, "news item "+strconv.Itoa(i))
	}
	const batch = 1000
	for i := 0; i < n; i += batch {
		w.enqueue(b, rows[i:min(i+batch, n)]...)
	}

	out := &countingOutbox{Outbox: w.db, n: int64(n), done: make(chan struct{})}
	cfg := w.config(b)
	tr := &faultyTransport{Transport: cfg.Transport, srv: w.srv, p: 0.01, rnd: rand.New(rand.NewPCG(1, 2))}
	cfg.Store, cfg.Transport, cfg.Rate, cfg.Now = out, tr, rate, time.Now
	cfg.Log = slog.New(slog.DiscardHandler)
	s := bot.NewSender(cfg)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	start := time.Now()
	var runErr error
	wg.Go(func() { runErr = s.Run(ctx) })
	s.Wake()
	deadline := time.Duration(float64(n)/rate*float64(time.Second))*3 + time.Minute
	select {
	case <-out.done:
	case <-time.After(deadline):
		b.Errorf("only %d of %d rows sent after %v", out.sent.Load(), n, deadline)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		b.Errorf("Run = %v", runErr)
	}
	w.srv.ClearFaults()

	res := sendRun{elapsed: time.Since(start), elapsed99: time.Since(start)}
	if at := out.atAll.Load(); at != 0 {
		res.elapsed = time.Unix(0, at).Sub(start)
	}
	if at := out.at99.Load(); at != 0 {
		res.elapsed99 = time.Unix(0, at).Sub(start)
	}
	for _, r := range rows {
		d, err := w.db.Delivery(context.Background(), r.Key)
		if err != nil || d.Status != newsbot.StatusSent {
			res.lost++
		}
	}
	// Each row's text is its own, so a text seen twice is a row posted twice.
	byText := map[string]int{}
	for c := range channels {
		for _, m := range w.srv.Messages(strconv.Itoa(100000 + c)) {
			byText[m.Content]++
		}
	}
	for _, k := range byText {
		res.duplicated += k - 1
	}
	for _, r := range w.srv.RequestsTo("POST", messagesPath) {
		switch r.Status {
		case http.StatusInternalServerError:
			res.failed500++
		case http.StatusTooManyRequests:
			res.limited++
		}
	}
	for _, k := range postsByNonce(b, w.srv) {
		res.resent += max(0, k-1)
	}
	res.resent -= res.failed500 + res.limited // posts tried again after an error are expected
	return res
}
