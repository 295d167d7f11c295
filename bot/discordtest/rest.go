package discordtest

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// maxBody is Discord's upload limit for bots, well above any JSON body.
const maxBody = 25 << 20

const api = "/api/v9"

// serveREST answers one REST request and records it before the client can
// see the answer, so a test that waits for a request sees its status.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	now := time.Now()
	var rep reply
	switch {
	case err != nil:
		rep = jsonError(http.StatusBadRequest, 0, "read body: "+err.Error())
	case len(body) > maxBody:
		rep = jsonError(http.StatusRequestEntityTooLarge, 40005, "Request entity too large")
	default:
		rep = s.answer(r, body, now)
	}
	s.recordRequest(Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Body:   body,
		Status: rep.status,
		Time:   now,
	})
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// answer applies faults and rate limits, then serves the route.
func (s *Server) answer(r *http.Request, body []byte, now time.Time) reply {
	p := r.URL.Path
	s.mu.Lock()
	b := s.bucketLocked(r.Method, p, now)
	if f, ok := s.takeFaultLocked(r.Method, p); ok {
		s.mu.Unlock()
		return faultReply(f, b, now)
	}
	if !now.Before(b.start.Add(b.per)) {
		b.start, b.count = now, 0
	}
	if b.count >= b.limit {
		s.mu.Unlock()
		return rateLimited(b.start.Add(b.per).Sub(now), false, "user", b, now)
	}
	if !exemptFromGlobal(p) {
		if wait, ok := s.global.admit(now); !ok {
			s.mu.Unlock()
			return rateLimited(wait, true, "global", nil, now)
		}
	}
	b.count++
	s.mu.Unlock()

	rep := s.route(r, body)
	if rep.header == nil {
		rep.header = http.Header{}
	}
	s.mu.Lock()
	b.setHeaders(rep.header, now)
	s.mu.Unlock()
	return rep
}

// exemptFromGlobal reports whether Discord leaves a path out of the global
// rate limit: interaction callbacks and interaction webhooks.
func exemptFromGlobal(p string) bool {
	return strings.HasPrefix(p, api+"/interactions/") || strings.HasPrefix(p, api+"/webhooks/")
}

// route serves a request that passed faults and limits.
func (s *Server) route(r *http.Request, body []byte) reply {
	if path.Clean(r.URL.Path) != r.URL.Path {
		// The mux would redirect; Discord answers 404.
		return notFound()
	}
	c := &capture{body: body}
	s.rest.ServeHTTP(c, r)
	if c.out.status == 0 {
		c.out = reply{status: c.status, header: c.header, body: c.buf}
	}
	return c.out
}

// capture is the ResponseWriter the REST mux writes to: routes put their
// reply in out; anything the mux writes itself lands in the other fields.
type capture struct {
	body   []byte
	out    reply
	header http.Header
	status int
	buf    []byte
}

func (c *capture) Header() http.Header {
	if c.header == nil {
		c.header = http.Header{}
	}
	return c.header
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// handler serves one route with the request body already read.
type handler func(r *http.Request, body []byte) reply

// handle registers a route; auth routes need an authorization header.
func (s *Server) handle(m *http.ServeMux, pattern string, auth bool, h handler) {
	m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := w.(*capture)
		if auth {
			got := r.Header.Get("Authorization")
			if got == "" || (s.cfg.Token != "" && got != s.cfg.Token) {
				c.out = jsonError(http.StatusUnauthorized, 0, "401: Unauthorized")
				return
			}
		}
		c.out = h(r, c.body)
	})
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	s.handle(m, "GET "+api+"/gateway", false, s.getGateway)
	s.handle(m, "GET "+api+"/gateway/bot", true, s.getGatewayBot)

	for _, scope := range []string{"/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands"} {
		s.handle(m, "PUT "+api+scope, true, s.putCommands)
		s.handle(m, "POST "+api+scope, true, s.postCommand)
		s.handle(m, "GET "+api+scope, true, s.getCommands)
		s.handle(m, "GET "+api+scope+"/{command}", true, s.getCommand)
		s.handle(m, "PATCH "+api+scope+"/{command}", true, s.patchCommand)
		s.handle(m, "DELETE "+api+scope+"/{command}", true, s.deleteCommand)
	}

	// Interaction endpoints are authorized by the token in the path.
	s.handle(m, "POST "+api+"/interactions/{interaction}/{token}/callback", false, s.interactionCallback)
	s.handle(m, "POST "+api+"/webhooks/{app}/{token}", false, s.followup)
	s.handle(m, "GET "+api+"/webhooks/{app}/{token}/messages/{message}", false, s.getWebhookMessage)
	s.handle(m, "PATCH "+api+"/webhooks/{app}/{token}/messages/{message}", false, s.editWebhookMessage)
	s.handle(m, "DELETE "+api+"/webhooks/{app}/{token}/messages/{message}", false, s.deleteWebhookMessage)

	s.handle(m, "POST "+api+"/channels/{channel}/messages", true, s.createMessage)
	s.handle(m, "GET "+api+"/channels/{channel}/messages/{message}", true, s.getMessage)
	s.handle(m, "PATCH "+api+"/channels/{channel}/messages/{message}", true, s.editMessage)
	s.handle(m, "DELETE "+api+"/channels/{channel}/messages/{message}", true, s.deleteMessage)
	s.handle(m, "GET "+api+"/channels/{channel}", true, s.getChannel)
	s.handle(m, "POST "+api+"/users/@me/channels", true, s.openDM)
	s.handle(m, "GET "+api+"/users/{user}", true, s.getUser)
	s.handle(m, "GET "+api+"/guilds/{guild}", true, s.getGuild)
	s.handle(m, "GET "+api+"/guilds/{guild}/channels", true, s.getGuildChannels)

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.(*capture).out = notFound()
	})
	return m
}

func notFound() reply {
	return jsonError(http.StatusNotFound, 0, "404: Not Found")
}

func (s *Server) getGateway(r *http.Request, body []byte) reply {
	return jsonReply(http.StatusOK, map[string]string{"url": s.GatewayURL()})
}

func (s *Server) getGatewayBot(r *http.Request, body []byte) reply {
	return jsonReply(http.StatusOK, map[string]any{
		"url":    s.GatewayURL(),
		"shards": 1,
		"session_start_limit": map[string]int{
			"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1,
		},
	})
}

// channelLocked returns a copy of a channel, or, unless Config.Strict, a
// text channel in the default guild for an ID the fake does not know.
func (s *Server) channelLocked(id string) (*discordgo.Channel, bool) {
	if ch, ok := s.channels[id]; ok {
		c := *ch
		return &c, true
	}
	if s.cfg.Strict {
		return nil, false
	}
	return &discordgo.Channel{ID: id, GuildID: s.cfg.GuildID, Name: "channel-" + id, Type: discordgo.ChannelTypeGuildText}, true
}

// guildLocked returns a copy of a guild with its channels, or, unless
// Config.Strict, an empty guild for an ID the fake does not know.
func (s *Server) guildLocked(id string) (*discordgo.Guild, bool) {
	g, ok := s.guilds[id]
	if !ok {
		if s.cfg.Strict {
			return nil, false
		}
		g = &discordgo.Guild{ID: id, Name: "Guild " + id, OwnerID: s.cfg.UserID, Roles: []*discordgo.Role{{ID: id, Name: "@everyone"}}}
	}
	c := *g
	c.Channels = s.guildChannelsLocked(id)
	c.MemberCount = 2
	c.JoinedAt = fixedTime
	return &c, true
}

func (s *Server) guildChannelsLocked(guildID string) []*discordgo.Channel {
	out := []*discordgo.Channel{}
	for _, ch := range s.channels {
		if ch.GuildID == guildID {
			c := *ch
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *discordgo.Channel) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmpSnowflake(a.ID, b.ID))
	})
	return out
}

// cmpSnowflake orders IDs numerically (shorter is smaller), then as text.
func cmpSnowflake(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

func (s *Server) getChannel(r *http.Request, body []byte) reply {
	s.mu.Lock()
	ch, ok := s.channelLocked(r.PathValue("channel"))
	s.mu.Unlock()
	if !ok {
		return jsonError(http.StatusNotFound, 10003, errorText(404, 10003))
	}
	return jsonReply(http.StatusOK, ch)
}

func (s *Server) getGuild(r *http.Request, body []byte) reply {
	s.mu.Lock()
	g, ok := s.guildLocked(r.PathValue("guild"))
	s.mu.Unlock()
	if !ok {
		return jsonError(http.StatusNotFound, 10004, errorText(404, 10004))
	}
	g.Channels = nil // not part of GET /guilds/{id}
	return jsonReply(http.StatusOK, g)
}

func (s *Server) getGuildChannels(r *http.Request, body []byte) reply {
	id := r.PathValue("guild")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.guildLocked(id); !ok {
		return jsonError(http.StatusNotFound, 10004, errorText(404, 10004))
	}
	return jsonReply(http.StatusOK, s.guildChannelsLocked(id))
}

func (s *Server) getUser(r *http.Request, body []byte) reply {
	id := r.PathValue("user")
	if id == "@me" || id == s.cfg.AppID {
		return jsonReply(http.StatusOK, s.botUser())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return jsonReply(http.StatusOK, s.userLocked(id))
}

// openDM answers POST /users/@me/channels {"recipient_id": ...}.
func (s *Server) openDM(r *http.Request, body []byte) reply {
	var req struct {
		RecipientID string `json:"recipient_id"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
	}
	if req.RecipientID == "" {
		fe := formErrors{}
		fe.add("recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
		return fe.reply()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := *s.dmChannelLocked(req.RecipientID)
	return jsonReply(http.StatusOK, &ch)
}

// fixedTime is when every fake member joined and the bot joined every guild.
var fixedTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
