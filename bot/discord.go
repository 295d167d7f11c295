package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Discord is the part of a discordgo session the bot answers with, in
// discordgo's own signatures.
type Discord interface {
	InteractionRespond(interaction *discordgo.Interaction, resp *discordgo.InteractionResponse, options ...discordgo.RequestOption) error
	InteractionResponseEdit(interaction *discordgo.Interaction, newresp *discordgo.WebhookEdit, options ...discordgo.RequestOption) (*discordgo.Message, error)
	InteractionResponseDelete(interaction *discordgo.Interaction, options ...discordgo.RequestOption) error
	FollowupMessageCreate(interaction *discordgo.Interaction, wait bool, data *discordgo.WebhookParams, options ...discordgo.RequestOption) (*discordgo.Message, error)
	ApplicationCommandBulkOverwrite(appID string, guildID string, commands []*discordgo.ApplicationCommand, options ...discordgo.RequestOption) ([]*discordgo.ApplicationCommand, error)
}

var _ Discord = (*discordgo.Session)(nil)

// discordURL is the base every REST endpoint of discordgo starts with.
const discordURL = "https://discord.com"

// gatewayIdle is how long the gateway socket may stay silent before a
// read fails and discordgo reconnects. Discord acknowledges a heartbeat
// every 41.25 s, so silence this long means the connection is dead; it
// also keeps Open, which has no read deadline of its own, from hanging.
const gatewayIdle = 150 * time.Second

// NewSession returns a discordgo session for the bot, not yet open:
// token with the "Bot " prefix added if missing, the Guilds intent only
// (slash commands need no privileged intent), and every REST call sent to
// apiURL instead of https://discord.com (a rate-limit proxy, or a test
// server), so the gateway address is discovered through it too.
func NewSession(token, apiURL string) (*discordgo.Session, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("bot: no Discord token")
	}
	if !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	client, err := apiClient(apiURL)
	if err != nil {
		return nil, err
	}
	dg, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("bot: new session: %w", err)
	}
	dg.Client = client
	dg.Identify.Intents = discordgo.IntentsGuilds
	dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	dg.Dialer = &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 30 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &idleConn{Conn: c, idle: gatewayIdle}, nil
		},
	}
	return dg, nil
}

// apiClient returns the HTTP client of every REST call: requests to
// https://discord.com go to apiURL instead, path and query kept.
func apiClient(apiURL string) (*http.Client, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	client := &http.Client{Transport: base, Timeout: 20 * time.Second}
	apiURL = strings.TrimSuffix(strings.TrimSpace(apiURL), "/")
	if apiURL == "" || apiURL == discordURL {
		return client, nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("bot: Discord API URL %q: want an http or https base URL such as https://discord.com", apiURL)
	}
	client.Transport = rewriteTransport{base: base, scheme: u.Scheme, host: u.Host}
	return client, nil
}

// rewriteTransport sends requests meant for discord.com to another host.
type rewriteTransport struct {
	base         http.RoundTripper
	scheme, host string
}

// RoundTrip sends req, rewritten when it is for discord.com.
func (rt rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Host, "discord.com") {
		return rt.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rt.scheme, rt.host, ""
	return rt.base.RoundTrip(r)
}

// idleConn fails a read that waits longer than idle for data.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// shutdownWait bounds how long Run waits for answers in progress when it
// stops.
const shutdownWait = 30 * time.Second

// Run connects dg to the gateway, registers the commands (in
// Config.GuildID, else globally) with one bulk overwrite, and answers
// interactions until ctx ends. A watchdog restarts the session when the
// gateway goes quiet. When ctx ends, Run waits for answers in progress
// (30 s at most), closes the session and returns nil; it returns an error
// when the session cannot be opened or the commands registered.
func (b *Bot) Run(ctx context.Context, dg *discordgo.Session) error {
	work := &tracker{}
	// Answers in progress finish after ctx ends: shutdown waits for them.
	base := context.WithoutCancel(ctx)
	remove := dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Interaction == nil || ic.Type == 0 {
			// discordgo hands a payload it could not decode over empty.
			b.log.Warn("undecodable interaction")
			return
		}
		if !work.start() {
			return
		}
		defer work.done()
		b.handle(base, ic.Interaction, &discordResponder{api: s, ix: ic.Interaction, state: s.State})
	})
	defer remove()

	if err := dg.Open(); err != nil {
		return fmt.Errorf("bot: open the Discord gateway: %w", err)
	}
	appID := applicationID(dg)
	if appID == "" {
		_ = dg.Close()
		return errors.New("bot: the gateway's READY named no application")
	}
	cmds, err := dg.ApplicationCommandBulkOverwrite(appID, b.guildID, Commands(), discordgo.WithContext(ctx))
	if err != nil {
		_ = dg.Close()
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return fmt.Errorf("bot: register commands: %w", err)
	}
	scope := "global"
	if b.guildID != "" {
		scope = "guild " + b.guildID
	}
	b.log.Info("commands registered", "commands", len(cmds), "scope", scope, "application_id", appID)

	watchCtx, stopWatch := context.WithCancel(ctx)
	var watching sync.WaitGroup
	watching.Go(func() { b.watch(watchCtx, dg) })

	<-ctx.Done()
	stopWatch()
	watching.Wait()
	if !work.stop(shutdownWait) {
		b.log.Warn("stopping with answers still in progress")
	}
	if err := dg.Close(); err != nil {
		b.log.Warn("close the Discord gateway", "error", err)
	}
	return nil
}

// applicationID is the application READY named, which Open has stored.
func applicationID(dg *discordgo.Session) string {
	dg.State.RLock()
	defer dg.State.RUnlock()
	if dg.State.Application != nil && dg.State.Application.ID != "" {
		return dg.State.Application.ID
	}
	if dg.State.User != nil {
		return dg.State.User.ID // a bot's user ID is its application's
	}
	return ""
}

// watch restarts the session when no heartbeat has been acknowledged for
// the watchdog's QuietAfter: discordgo has known cases where its own
// reconnect gives up or never starts, leaving a bot silently deaf.
func (b *Bot) watch(ctx context.Context, dg *discordgo.Session) {
	t := time.NewTicker(b.watchdog.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Open and Close hold the lock; one in progress is left to finish.
		if !dg.TryRLock() {
			continue
		}
		last := dg.LastHeartbeatAck
		dg.RUnlock()
		quiet := time.Since(last)
		if quiet < b.watchdog.QuietAfter {
			continue
		}
		b.log.Warn("gateway quiet, restarting the session", "quiet_for", quiet.Round(time.Millisecond).String())
		if err := dg.Close(); err != nil {
			b.log.Warn("close the quiet gateway session", "error", err)
		}
		if ctx.Err() != nil {
			return
		}
		if err := dg.Open(); err != nil && !errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			b.log.Error("reopen the gateway session", "error", err)
		}
	}
}

// tracker counts handlers in progress and refuses new ones once stopping.
type tracker struct {
	mu       sync.Mutex
	stopping bool
	wg       sync.WaitGroup
}

func (t *tracker) start() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopping {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) done() { t.wg.Done() }

// stop refuses new work and waits for work in progress, up to wait; it
// reports whether everything finished.
func (t *tracker) stop(wait time.Duration) bool {
	t.mu.Lock()
	t.stopping = true
	t.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return true
	case <-time.After(wait):
		return false
	}
}

// maxRateLimitRetries bounds the retries of one answer after 429s.
const maxRateLimitRetries = 3

// discordResponder answers an interaction through Discord's REST API.
type discordResponder struct {
	api   Discord
	ix    *discordgo.Interaction
	state *discordgo.State
}

func (r *discordResponder) Respond(ctx context.Context, resp *discordgo.InteractionResponse) error {
	return retryRateLimited(ctx, func(opts ...discordgo.RequestOption) error {
		return r.api.InteractionRespond(r.ix, resp, opts...)
	})
}

func (r *discordResponder) Edit(ctx context.Context, edit *discordgo.WebhookEdit) error {
	return retryRateLimited(ctx, func(opts ...discordgo.RequestOption) error {
		_, err := r.api.InteractionResponseEdit(r.ix, edit, opts...)
		return err
	})
}

func (r *discordResponder) Delete(ctx context.Context) error {
	return retryRateLimited(ctx, func(opts ...discordgo.RequestOption) error {
		return r.api.InteractionResponseDelete(r.ix, opts...)
	})
}

func (r *discordResponder) Followup(ctx context.Context, params *discordgo.WebhookParams) error {
	return retryRateLimited(ctx, func(opts ...discordgo.RequestOption) error {
		_, err := r.api.FollowupMessageCreate(r.ix, true, params, opts...)
		return err
	})
}

func (r *discordResponder) ChannelName(id string) string {
	if r.state != nil {
		if ch, err := r.state.Channel(id); err == nil && ch.Name != "" {
			return ch.Name
		}
	}
	return id
}

// retryRateLimited makes a REST call, waiting out a 429 and trying again,
// at most maxRateLimitRetries times and never past ctx.
func retryRateLimited(ctx context.Context, call func(opts ...discordgo.RequestOption) error) error {
	for attempt := 0; ; attempt++ {
		err := call(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) || attempt == maxRateLimitRetries {
			return err
		}
		wait := time.Second
		if rl.RateLimit != nil && rl.TooManyRequests != nil {
			wait = rl.RetryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (waiting out a rate limit: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}
