package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Transport is how the Sender reaches Discord: its REST API, or the
// console, which prints instead.
type Transport interface {
	// Send posts msg in a channel. With a nonce, Discord answers a second
	// send of the same nonce in the same channel (within a few minutes)
	// with the message the first one created, so a retried send after a
	// crash cannot post twice.
	Send(ctx context.Context, channelID string, msg *discordgo.MessageSend, nonce string) (messageID string, err error)
	// Edit replaces what msg sets in a message already sent.
	Edit(ctx context.Context, channelID, messageID string, msg *discordgo.MessageEdit) error
	// DMChannel opens (or finds) the direct-message channel with a user.
	DMChannel(ctx context.Context, userID string) (channelID string, err error)
}

// errCannotSend marks a message no transport can send as it is; sending it
// again cannot help.
var errCannotSend = errors.New("bot: message cannot be sent")

// discordTransport sends over Discord's REST API with a discordgo session.
type discordTransport struct {
	dg *discordgo.Session

	mu   sync.Mutex
	busy map[string]time.Time // route to the end of its used-up rate-limit window
}

// NewDiscordTransport returns a Transport over dg's REST API. Every call
// honours its context and returns a 429 as a *discordgo.RateLimitError at
// once instead of discordgo's endless retry; a route whose rate-limit
// window Discord reported used up is answered the same way without a
// request, so a caller can turn to other channels meanwhile. Every
// message is sent with allowed mentions none.
func NewDiscordTransport(dg *discordgo.Session) Transport {
	return &discordTransport{dg: dg, busy: make(map[string]time.Time)}
}

// messageBody is a message with Discord's nonce fields, which discordgo's
// MessageSend lacks.
type messageBody struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

func (t *discordTransport) Send(ctx context.Context, channelID string, msg *discordgo.MessageSend, nonce string) (string, error) {
	if len(msg.Files) > 0 || msg.File != nil {
		return "", fmt.Errorf("%w: files are not supported", errCannotSend)
	}
	m := *msg
	m.AllowedMentions = noMentions()
	if m.Embed != nil {
		m.Embeds = append([]*discordgo.MessageEmbed{m.Embed}, m.Embeds...)
		m.Embed = nil
	}
	route := discordgo.EndpointChannelMessages(channelID)
	body := messageBody{MessageSend: &m, Nonce: nonce, EnforceNonce: nonce != ""}
	var out []byte
	err := t.call(ctx, route, func(opts []discordgo.RequestOption) error {
		var err error
		out, err = t.dg.RequestWithBucketID(http.MethodPost, route, body, route, opts...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("send to channel %s: %w", channelID, err)
	}
	var sent struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &sent); err != nil || sent.ID == "" {
		// Posted, but the answer does not say as what: sending again with
		// the same nonce returns the message.
		return "", fmt.Errorf("send to channel %s: no message ID in the answer %.200q", channelID, out)
	}
	return sent.ID, nil
}

func (t *discordTransport) Edit(ctx context.Context, channelID, messageID string, msg *discordgo.MessageEdit) error {
	if len(msg.Files) > 0 {
		return fmt.Errorf("%w: files are not supported", errCannotSend)
	}
	m := *msg
	m.Channel, m.ID = channelID, messageID
	m.AllowedMentions = noMentions()
	route := discordgo.EndpointChannelMessage(channelID, "")
	err := t.call(ctx, route, func(opts []discordgo.RequestOption) error {
		_, err := t.dg.ChannelMessageEditComplex(&m, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("edit message %s in channel %s: %w", messageID, channelID, err)
	}
	return nil
}

func (t *discordTransport) DMChannel(ctx context.Context, userID string) (string, error) {
	route := discordgo.EndpointUserChannels("")
	var ch *discordgo.Channel
	err := t.call(ctx, route, func(opts []discordgo.RequestOption) error {
		var err error
		ch, err = t.dg.UserChannelCreate(userID, opts...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("open a DM with user %s: %w", userID, err)
	}
	if ch == nil || ch.ID == "" {
		return "", fmt.Errorf("open a DM with user %s: no channel in the answer", userID)
	}
	return ch.ID, nil
}

// call makes one REST request on route: not at all while the route's
// window is used up, and without discordgo's own retries, which bypass
// the caller's pacing. It notes the rate-limit headers of the answer, and
// marks a 429 that is global.
func (t *discordTransport) call(ctx context.Context, route string, do func(opts []discordgo.RequestOption) error) error {
	now := time.Now()
	t.mu.Lock()
	until, ok := t.busy[route]
	t.mu.Unlock()
	if ok && until.After(now) {
		return &routeBusyError{route: route, wait: until.Sub(now)}
	}
	rec := &answerRecorder{t: t, route: route}
	base := t.dg.Client
	if base == nil {
		base = http.DefaultClient
	}
	client := *base
	client.Transport = rec.wrap(base.Transport)
	err := do([]discordgo.RequestOption{
		discordgo.WithContext(ctx),
		discordgo.WithRetryOnRatelimit(false),
		discordgo.WithRestRetries(0),
		discordgo.WithClient(&client),
	})
	var rl *discordgo.RateLimitError
	if rec.global && errors.As(err, &rl) {
		return &globalRateLimitError{err: err}
	}
	return err
}

// answerRecorder watches the answers to one call.
type answerRecorder struct {
	t      *discordTransport
	route  string
	base   http.RoundTripper
	global bool // a 429 said it was the global limit
}

func (r *answerRecorder) wrap(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	r.base = base
	return r
}

// RoundTrip sends req and notes what the answer says about rate limits.
func (r *answerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	h := resp.Header
	global := h.Get("X-RateLimit-Global") != "" || strings.EqualFold(h.Get("X-RateLimit-Scope"), "global")
	if resp.StatusCode == http.StatusTooManyRequests && global {
		r.global = true
		return resp, nil // the window is everyone's, not this route's
	}
	if h.Get("X-RateLimit-Remaining") != "0" {
		return resp, nil
	}
	after, perr := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	if perr != nil || after <= 0 {
		return resp, nil
	}
	r.t.markBusy(r.route, time.Now().Add(time.Duration(after*float64(time.Second))))
	return resp, nil
}

// busyRoutesKept bounds the routes remembered before expired ones are
// dropped.
const busyRoutesKept = 1024

func (t *discordTransport) markBusy(route string, until time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.busy) >= busyRoutesKept {
		now := time.Now()
		for k, v := range t.busy {
			if !v.After(now) {
				delete(t.busy, k)
			}
		}
	}
	t.busy[route] = until
}

// routeBusyError is a request not made because the route's rate-limit
// window is used up, as Discord's headers said.
type routeBusyError struct {
	route string
	wait  time.Duration
}

func (e *routeBusyError) Error() string {
	return fmt.Sprintf("rate limit of %s used up for another %v", e.route, e.wait.Round(time.Millisecond))
}

// globalRateLimitError is a 429 for the global rate limit, which holds
// back every route.
type globalRateLimitError struct{ err error }

func (e *globalRateLimitError) Error() string { return "global " + e.err.Error() }
func (e *globalRateLimitError) Unwrap() error { return e.err }

// failKind says what to do after a failed REST call.
type failKind int

const (
	failNone      failKind = iota // no error
	failRateLimit                 // 429: wait failure.wait, then try again
	failRouteBusy                 // the route's window is used up: wait, no request was made
	failRetry                     // 5xx, network, unknown: later, with backoff
	failGone                      // the channel is gone or closed to the bot, or the user refuses DMs
	failInvalid                   // the message is wrong (400): a rendering bug; final
	failFinal                     // any other refusal: final
	failStopped                   // the context ended
)

// failure is a classified REST error.
type failure struct {
	kind   failKind
	wait   time.Duration // for failRateLimit and failRouteBusy
	global bool          // a 429 for the global limit
	status int           // HTTP status, 0 when there was no answer
	code   int           // Discord's JSON error code
	reason string        // for logs, the outbox row and OnGone
}

// Discord's JSON error codes that mean the target is gone for good.
var (
	// In a guild channel: the bot lost access or permission, or the
	// channel was deleted.
	channelGoneCodes = map[int]bool{50001: true, 50013: true, 10003: true}
	// In a DM: the user does not accept messages from the bot (50007,
	// 50278), or the user no longer exists (10013).
	dmGoneCodes = map[int]bool{50007: true, 50278: true, 10013: true}
)

// classify turns the error of a Transport call into what to do next. dm
// says whether the target is a user (a DM) rather than a guild channel.
func classify(err error, dm bool) failure {
	if err == nil {
		return failure{kind: failNone}
	}
	var busy *routeBusyError
	if errors.As(err, &busy) {
		return failure{kind: failRouteBusy, wait: busy.wait, reason: err.Error()}
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		f := failure{kind: failRateLimit, status: http.StatusTooManyRequests, wait: time.Second, reason: "429 Too Many Requests"}
		if rl.RateLimit != nil && rl.TooManyRequests != nil {
			// discordgo's Error needs both.
			f.reason = err.Error()
			if rl.RetryAfter > 0 {
				f.wait = rl.RetryAfter
			}
		}
		var g *globalRateLimitError
		f.global = errors.As(err, &g)
		return f
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failure{kind: failStopped, reason: err.Error()}
	}
	if errors.Is(err, errCannotSend) {
		return failure{kind: failInvalid, reason: err.Error()}
	}
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return failure{kind: failRetry, reason: err.Error()}
	}
	f := failure{status: re.Response.StatusCode}
	text := http.StatusText(f.status)
	if re.Message != nil {
		f.code = re.Message.Code
		if re.Message.Message != "" {
			text = re.Message.Message
		}
	}
	f.reason = strconv.Itoa(f.status) + " " + text
	if f.code != 0 {
		f.reason += " (" + strconv.Itoa(f.code) + ")"
	}
	gone := channelGoneCodes
	if dm {
		gone = dmGoneCodes
	}
	switch s := f.status; {
	case s >= 500, s == http.StatusTooManyRequests, s == http.StatusRequestTimeout:
		f.kind = failRetry
	case s == http.StatusUnauthorized:
		// A bad token: nothing can be sent until it is fixed, and then
		// everything should be.
		f.kind = failRetry
	case (s == http.StatusForbidden || s == http.StatusNotFound) && gone[f.code]:
		f.kind = failGone
	case s == http.StatusBadRequest, s == http.StatusRequestEntityTooLarge:
		f.kind = failInvalid
	default:
		f.kind = failFinal
	}
	return f
}

// consoleTransport prints messages instead of sending them.
type consoleTransport struct {
	mu sync.Mutex
	w  io.Writer
	// console, when set, prints the messages and makes their buttons the
	// ones "click N" presses.
	console *Console
	seq     int
	dms     map[string]string // DM channel ID to user ID
	sent    map[string]string // message ID to its channel
}

// consoleDMPrefix starts the IDs of the console's DM channels.
const consoleDMPrefix = "dm-"

// Transport returns a Transport that prints each message in the console,
// as NewConsoleTransport does, with its buttons: typing "click N" presses
// them, as for an answer.
func (c *Console) Transport() Transport {
	return &consoleTransport{w: c.out, console: c, dms: make(map[string]string), sent: make(map[string]string)}
}

// NewConsoleTransport returns a Transport that prints each message to w
// as the console shows answers, under a header naming the channel or the
// user it is for, and returns sequential message IDs.
func NewConsoleTransport(w io.Writer) Transport {
	return &consoleTransport{w: w, dms: make(map[string]string), sent: make(map[string]string)}
}

func (c *consoleTransport) Send(ctx context.Context, channelID string, msg *discordgo.MessageSend, nonce string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	embeds := msg.Embeds
	if msg.Embed != nil {
		embeds = append([]*discordgo.MessageEmbed{msg.Embed}, embeds...)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := "console-message-" + strconv.Itoa(c.seq)
	c.sent[id] = channelID
	header := "\n[" + c.placeLocked(channelID) + "]\n"
	if c.console != nil {
		c.console.showMessage(header, msg.Content, embeds, msg.Components)
		return id, nil
	}
	_, err := fmt.Fprint(c.w, header+consoleText(msg.Content, embeds, nil))
	if err != nil {
		return "", fmt.Errorf("console: print: %w", err)
	}
	return id, nil
}

func (c *consoleTransport) Edit(ctx context.Context, channelID, messageID string, msg *discordgo.MessageEdit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var content string
	if msg.Content != nil {
		content = *msg.Content
	}
	var embeds []*discordgo.MessageEmbed
	if msg.Embeds != nil {
		embeds = *msg.Embeds
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sent[messageID]; !ok {
		return fmt.Errorf("console: edit message %s: %w", messageID, &discordgo.RESTError{
			Response: &http.Response{StatusCode: http.StatusNotFound, Status: "404 Not Found"},
			Message:  &discordgo.APIErrorMessage{Code: 10008, Message: "Unknown Message"},
		})
	}
	_, err := fmt.Fprintf(c.w, "\n[edit of %s, %s]\n%s", messageID, c.placeLocked(channelID), consoleText(content, embeds, nil))
	if err != nil {
		return fmt.Errorf("console: print: %w", err)
	}
	return nil
}

func (c *consoleTransport) DMChannel(ctx context.Context, userID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := consoleDMPrefix + userID
	c.dms[id] = userID
	return id, nil
}

// placeLocked names where a message goes: "post in #channel" or "DM to
// user X".
func (c *consoleTransport) placeLocked(channelID string) string {
	if user, ok := c.dms[channelID]; ok {
		return "DM to user " + user
	}
	return "post in #" + channelID
}
