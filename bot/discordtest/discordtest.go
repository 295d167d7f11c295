// Package discordtest runs a fake Discord, gateway and REST API on one
// loopback port, for tests that drive the real discordgo client end to end.
//
// Each test starts its own Server with New and points a session at it:
// Server.Session gives a ready *discordgo.Session, Server.Client gives an
// *http.Client for Session.Client, and Server.URL replaces
// https://discord.com for code that rewrites hosts itself. The gateway
// address is discovered through GET /api/v9/gateway, as discordgo does.
// Nothing is global, so tests can run with t.Parallel.
//
// The fake speaks the subset of the protocol a bot uses: HELLO, IDENTIFY,
// READY and GUILD_CREATE, heartbeats, RESUME with replay of missed events,
// reconnect (op 7) and invalid session (op 9) on the gateway; commands,
// interaction callbacks, webhook edits and follow-ups, channel messages
// (with nonce deduplication), DM channels, channels and guilds over REST.
// It checks what Discord checks (message and command limits, double
// acknowledgement, missing authorization) and answers with Discord's JSON
// errors. Every REST request and gateway op is recorded, and tests wait for
// them with a timeout. Knobs inject rate limits, errors, dropped sockets,
// op 7, op 9 and withheld heartbeat ACKs while a session runs.
//
// discordgo's Session.Close sleeps one second and every reconnect waits one
// second, so tests that use the fake should call t.Parallel. Close the
// session before the Server shuts down (Server.Session registers its
// cleanup after the Server's, so it runs first), and only once WaitIdle
// holds: discordgo's first heartbeat can race Close into a reconnect, and a
// session closed while reconnecting reconnects anyway, to a server that is
// gone. Server.Session's cleanup does both.
//
// A bot test looks like this:
//
//	func TestSearchAnswers(t *testing.T) {
//		t.Parallel()
//		srv := discordtest.New(t)
//		dg := srv.Session(t)
//		b := bot.New(dg, ...) // registers its handlers on dg
//		if err := dg.Open(); err != nil {
//			t.Fatal(err)
//		}
//		ix := srv.SlashCommand(t, discordtest.Invoke{}, "search",
//			discordtest.StringOption("query", "golang"))
//		srv.WaitRequest(t, "PATCH", ix.OriginalPath(), 5*time.Second)
//		if r := srv.Reply(ix); !strings.Contains(r.Original.Embeds[0].Title, "Go") {
//			t.Errorf("reply = %+v", r.Original)
//		}
//	}
package discordtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Defaults used when the matching Config field is empty. The IDs are
// snowflakes, so discordgo.SnowflakeTimestamp works on them.
const (
	DefaultAppID             = "1100000000000000001" // the application and its bot user
	DefaultGuildID           = "1100000000000000002"
	DefaultChannelID         = "1100000000000000003" // a text channel "general" in the default guild
	DefaultUserID            = "1100000000000000004" // the member who invokes interactions
	DefaultToken             = "Bot discordtest-token"
	DefaultHeartbeatInterval = 41250 * time.Millisecond
	DefaultRouteLimit        = 10000 // requests per route bucket per second, high enough never to slow a test
)

// discordEpoch is the first millisecond of 2015, the origin of snowflakes.
const discordEpoch = 1420070400000

// Config adjusts a Server. The zero value gives the defaults above.
type Config struct {
	// HeartbeatInterval is sent in HELLO. discordgo reconnects after five
	// intervals without an ACK, so a short interval makes that testable.
	HeartbeatInterval time.Duration

	AppID       string // application ID, also the bot user's ID
	BotUsername string // "newsbot" by default
	GuildID     string // the default guild, in READY and GUILD_CREATE
	ChannelID   string // the default text channel in the default guild
	UserID      string // the default invoking user

	// Token, when set, must be the exact authorization header of REST
	// calls and the IDENTIFY token (otherwise 401, or close code 4004).
	// When empty any non-empty token is accepted.
	Token string

	// AllowPrivilegedIntents lets IDENTIFY ask for GUILD_MEMBERS,
	// GUILD_PRESENCES and MESSAGE_CONTENT. Without it the gateway closes
	// with 4014, as Discord does for an application that has not enabled them.
	AllowPrivilegedIntents bool

	// Strict answers unknown channel and guild IDs with 404 Unknown
	// Channel (10003) or Unknown Guild (10004). By default any ID is taken
	// for an existing text channel in the default guild, or a guild.
	Strict bool

	// InteractionDeadline, when set, answers interaction callbacks that come
	// later than this after the interaction was injected with 404 Unknown
	// interaction (10062), as Discord does after 3 s. Zero does not check.
	InteractionDeadline time.Duration

	// RouteLimit is the X-RateLimit-Limit of every route bucket per second,
	// DefaultRouteLimit when zero. Server.SetRouteLimit overrides it per route.
	RouteLimit int
}

func (c *Config) fill() {
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.HeartbeatInterval < time.Millisecond {
		// discordgo reads whole milliseconds; 0 would panic in time.NewTicker.
		c.HeartbeatInterval = time.Millisecond
	}
	if c.AppID == "" {
		c.AppID = DefaultAppID
	}
	if c.BotUsername == "" {
		c.BotUsername = "newsbot"
	}
	if c.GuildID == "" {
		c.GuildID = DefaultGuildID
	}
	if c.ChannelID == "" {
		c.ChannelID = DefaultChannelID
	}
	if c.UserID == "" {
		c.UserID = DefaultUserID
	}
	if c.RouteLimit <= 0 {
		c.RouteLimit = DefaultRouteLimit
	}
}

// Server is a fake Discord on 127.0.0.1. Its methods are safe to call from
// several goroutines, including while sessions are connected.
type Server struct {
	cfg       Config
	srv       *httptest.Server
	transport *http.Transport
	rest      *http.ServeMux
	wg        sync.WaitGroup // gateway connections, which the httptest server does not track

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever something is recorded
	closed  bool
	lastID  uint64

	requests  []recordedRequest
	ops       []recordedOp
	conns     map[*conn]struct{}
	connCount int
	sessions  map[string]*gwSession
	nSessions int
	noACKs    bool

	faults  []*fault
	global  globalLimit
	limits  []*routeLimit
	buckets map[string]*bucket

	commands     map[string][]command // by guild ID, "" for global
	messages     map[string]*storedMessage
	channelMsgs  map[string][]string // channel ID to message IDs sent with POST /channels/{id}/messages
	nonces       map[nonceKey]nonceEntry
	interactions map[string]*interactionState // by token
	channels     map[string]*discordgo.Channel
	guilds       map[string]*discordgo.Guild
	dms          map[string]string // user ID to DM channel ID
	users        map[string]*discordgo.User
}

// New starts a Server with the default Config on 127.0.0.1 and shuts it
// down when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	return NewWithConfig(t, Config{})
}

// NewWithConfig starts a Server with cfg on 127.0.0.1 and shuts it down when
// the test ends.
func NewWithConfig(t testing.TB, cfg Config) *Server {
	t.Helper()
	cfg.fill()
	s := &Server{
		cfg:          cfg,
		changed:      make(chan struct{}),
		conns:        make(map[*conn]struct{}),
		sessions:     make(map[string]*gwSession),
		buckets:      make(map[string]*bucket),
		commands:     make(map[string][]command),
		messages:     make(map[string]*storedMessage),
		channelMsgs:  make(map[string][]string),
		nonces:       make(map[nonceKey]nonceEntry),
		interactions: make(map[string]*interactionState),
		channels:     make(map[string]*discordgo.Channel),
		guilds:       make(map[string]*discordgo.Guild),
		dms:          make(map[string]string),
		users:        make(map[string]*discordgo.User),
	}
	s.guilds[cfg.GuildID] = &discordgo.Guild{
		ID:      cfg.GuildID,
		Name:    "Test Guild",
		OwnerID: cfg.UserID,
		Roles:   []*discordgo.Role{{ID: cfg.GuildID, Name: "@everyone", Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionUseApplicationCommands}},
	}
	s.channels[cfg.ChannelID] = &discordgo.Channel{
		ID:      cfg.ChannelID,
		GuildID: cfg.GuildID,
		Name:    "general",
		Type:    discordgo.ChannelTypeGuildText,
	}
	s.users[cfg.UserID] = &discordgo.User{ID: cfg.UserID, Username: "tester", Discriminator: "0"}
	s.rest = s.routes()

	// No ServeMux at the top: it would answer unclean paths and a missing
	// trailing slash with redirects, which gorilla does not follow and
	// Discord never sends. discordgo appends "/" to the discovered URL.
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gateway-ws" || r.URL.Path == "/gateway-ws/" {
			s.serveGateway(w, r)
			return
		}
		s.serveREST(w, r)
	}))

	s.transport = &http.Transport{
		Proxy:               nil, // never send loopback traffic to a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	t.Cleanup(s.close)
	return s
}

// close ends every gateway connection, stops the HTTP server and waits for
// the fake's goroutines.
func (s *Server) close() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.srv.Close()
	s.wg.Wait()
	s.transport.CloseIdleConnections()
}

// URL returns the fake's base URL, http://127.0.0.1:PORT, to use in place of
// https://discord.com.
func (s *Server) URL() string { return s.srv.URL }

// GatewayURL returns the websocket address GET /api/v9/gateway hands out.
func (s *Server) GatewayURL() string {
	u, _ := url.Parse(s.srv.URL)
	return "ws://" + u.Host + "/gateway-ws"
}

// Client returns an HTTP client that sends every request to the fake,
// whatever its scheme and host, keeping path and query. Set it as
// discordgo's Session.Client.
func (s *Server) Client() *http.Client {
	u, _ := url.Parse(s.srv.URL)
	return &http.Client{
		Transport: rewriteTransport{base: s.transport, host: u.Host},
		Timeout:   20 * time.Second,
	}
}

// rewriteTransport points every request at one host over plain HTTP.
type rewriteTransport struct {
	base http.RoundTripper
	host string
}

// RoundTrip sends a copy of req to the fake.
func (rt rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = "http"
	r.URL.Host = rt.host
	r.Host = ""
	return rt.base.RoundTrip(r)
}

// Session returns a discordgo session that talks only to the fake: its
// token is the Server's, Session.Client is Client(), its dialer ignores
// proxies, and it identifies with discordgo.IntentsGuilds. It is not open:
// add handlers, then call Open. When the test ends it is closed, once its
// connection is settled (see WaitIdle), before the Server shuts down.
func (s *Server) Session(t testing.TB) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New(s.Token())
	if err != nil {
		t.Fatalf("discordgo.New: %v", err)
		return nil
	}
	dg.Client = s.Client()
	dg.Dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	dg.Identify.Intents = discordgo.IntentsGuilds
	t.Cleanup(func() {
		// See WaitIdle; a test that failed half-way may never get there,
		// and closes anyway.
		s.wait(idleTimeout, s.idleLocked)
		_ = dg.Close()
	})
	return dg
}

// idleTimeout bounds how long Session's cleanup waits for WaitIdle's state.
const idleTimeout = 10 * time.Second

// Token returns the token sessions should use: Config.Token, or DefaultToken.
func (s *Server) Token() string {
	if s.cfg.Token != "" {
		return s.cfg.Token
	}
	return DefaultToken
}

// AppID returns the application ID, which is also the bot user's ID.
func (s *Server) AppID() string { return s.cfg.AppID }

// GuildID returns the default guild's ID.
func (s *Server) GuildID() string { return s.cfg.GuildID }

// ChannelID returns the default text channel's ID.
func (s *Server) ChannelID() string { return s.cfg.ChannelID }

// UserID returns the default invoking user's ID.
func (s *Server) UserID() string { return s.cfg.UserID }

// AddChannel registers a channel (a copy is kept), so GET /channels/{id},
// GET /guilds/{id}/channels and GUILD_CREATE return it. A channel in a guild
// the fake does not know adds that guild too.
func (s *Server) AddChannel(ch *discordgo.Channel) {
	c := *ch
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
	if c.GuildID != "" && s.guilds[c.GuildID] == nil {
		s.guilds[c.GuildID] = &discordgo.Guild{
			ID:      c.GuildID,
			Name:    "Guild " + c.GuildID,
			OwnerID: s.cfg.UserID,
			Roles:   []*discordgo.Role{{ID: c.GuildID, Name: "@everyone"}},
		}
	}
}

// DMChannelID returns the ID of the DM channel between the bot and userID,
// opening it if needed. It is the ID POST /users/@me/channels answers, so a
// test can set faults on it before the bot opens the DM.
func (s *Server) DMChannelID(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmChannelLocked(userID).ID
}

func (s *Server) dmChannelLocked(userID string) *discordgo.Channel {
	if id, ok := s.dms[userID]; ok {
		return s.channels[id]
	}
	ch := &discordgo.Channel{
		ID:         s.nextIDLocked(),
		Type:       discordgo.ChannelTypeDM,
		Recipients: []*discordgo.User{s.userLocked(userID)},
	}
	s.dms[userID] = ch.ID
	s.channels[ch.ID] = ch
	return ch
}

// userLocked returns the user with id, inventing a name for one not seen.
func (s *Server) userLocked(id string) *discordgo.User {
	if u, ok := s.users[id]; ok {
		c := *u
		return &c
	}
	name := id
	if len(name) > 4 {
		name = name[len(name)-4:]
	}
	u := &discordgo.User{ID: id, Username: "user" + name, Discriminator: "0"}
	s.users[id] = u
	c := *u
	return &c
}

func (s *Server) botUser() *discordgo.User {
	return &discordgo.User{ID: s.cfg.AppID, Username: s.cfg.BotUsername, Discriminator: "0", Bot: true}
}

// nextIDLocked returns a new snowflake: the current time since the Discord
// epoch, made strictly increasing.
func (s *Server) nextIDLocked() string {
	id := uint64(time.Now().UnixMilli()-discordEpoch) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return strconv.FormatUint(id, 10)
}

// notifyLocked wakes every waiter.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
