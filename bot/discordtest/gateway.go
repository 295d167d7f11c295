package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes the fake sends or reads.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// maxReplay bounds the dispatches a session keeps for RESUME.
const maxReplay = 10000

// writeTimeout bounds one gateway write, so a client that stopped reading
// cannot hold a session's lock for ever.
const writeTimeout = 5 * time.Second

var privilegedIntents = discordgo.IntentGuildMembers | discordgo.IntentGuildPresences | discordgo.IntentMessageContent

// frame is one gateway payload.
type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  int64           `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// conn is one websocket connection.
type conn struct {
	id  int
	ws  *websocket.Conn
	wmu sync.Mutex // gorilla allows one writer at a time

	// Guarded by Server.mu.
	sess       *gwSession // set by IDENTIFY or RESUME
	ready      bool       // READY or RESUMED is sent (or leaving) and the connection was not retired
	dead       bool
	heartbeats int
}

func (c *conn) write(f frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteJSON(f)
}

// closeWith sends a close frame with a gateway close code, then drops the
// connection.
func (c *conn) closeWith(code int, text string) {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.wmu.Unlock()
	c.ws.Close()
}

// gwSession is one gateway session: what READY started and RESUME continues.
// Lock order: gwSession.mu before Server.mu, never the other way.
type gwSession struct {
	id      string
	shard   [2]int
	intents discordgo.Intent

	mu   sync.Mutex // orders sequence numbers, the replay log and writes
	seq  int64
	log  []frame
	conn *conn

	invalid bool // guarded by Server.mu
}

// send dispatches one event: it takes the next sequence number, keeps the
// event for replay, and writes it to the live connection, if any.
func (g *gwSession) send(event string, d json.RawMessage) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sendLocked(event, d, true)
}

func (g *gwSession) sendLocked(event string, d json.RawMessage, keep bool) {
	g.seq++
	f := frame{Op: opDispatch, D: d, S: g.seq, T: event}
	if keep {
		g.log = append(g.log, f)
		if len(g.log) > maxReplay {
			g.log = slices.Delete(g.log, 0, len(g.log)-maxReplay)
		}
	}
	if g.conn != nil {
		// A failed write leaves the event in the log: the client resumes
		// from the last sequence number it saw and gets it then.
		_ = g.conn.write(f)
	}
}

// handles reports whether events of a guild ("" for DMs) go to this
// session's shard, by Discord's rule (guild_id >> 22) % shards; DMs go to
// shard 0.
func (g *gwSession) handles(guildID string) bool {
	if g.shard[1] <= 1 {
		return true
	}
	if guildID == "" {
		return g.shard[0] == 0
	}
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		return g.shard[0] == 0
	}
	return int((id>>22)%uint64(g.shard[1])) == g.shard[0]
}

var upgrader = websocket.Upgrader{
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveGateway runs one websocket connection until it closes.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &conn{ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.connCount++
	c.id = s.connCount
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.notifyLocked()
	s.mu.Unlock()
	defer s.wg.Done()
	defer s.endConn(c)

	hello, _ := json.Marshal(map[string]int64{"heartbeat_interval": s.cfg.HeartbeatInterval.Milliseconds()})
	if err := c.write(frame{Op: opHello, D: hello}); err != nil {
		return
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				// Discord ends a session the client closes with 1000 or 1001;
				// other codes and dropped sockets leave it resumable.
				s.invalidate(c)
			}
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(msg, &p); err != nil {
			s.recordOp(GatewayOp{Conn: c.id, Op: -1, Data: msg, Time: time.Now()})
			c.closeWith(4002, "Error while decoding payload.")
			return
		}
		op := GatewayOp{Conn: c.id, Op: p.Op, Data: p.D, Time: time.Now()}
		switch p.Op {
		case opIdentify:
			id, err := decodeIdentify(p.D)
			if err != nil {
				s.recordOp(op)
				c.closeWith(4002, "Error while decoding payload.")
				return
			}
			op.Identify = id
		case opResume:
			op.Resume = new(Resume)
			if err := json.Unmarshal(p.D, op.Resume); err != nil {
				s.recordOp(op)
				c.closeWith(4002, "Error while decoding payload.")
				return
			}
		}
		s.recordOp(op)

		switch p.Op {
		case opHeartbeat:
			s.mu.Lock()
			withhold := s.noACKs
			c.heartbeats++
			s.notifyLocked()
			s.mu.Unlock()
			if !withhold {
				if err := c.write(frame{Op: opHeartbeatACK}); err != nil {
					return
				}
			}
		case opIdentify:
			if !s.identify(c, op.Identify) {
				return
			}
		case opResume:
			s.resume(c, op.Resume)
		}
	}
}

// decodeIdentify reads IDENTIFY's data. Its presence is left out:
// discordgo writes activities' created_at as a time but reads it as an
// integer, so its own struct cannot read what it sends.
func decodeIdentify(d json.RawMessage) (*discordgo.Identify, error) {
	var v struct {
		Token          string                       `json:"token"`
		Properties     discordgo.IdentifyProperties `json:"properties"`
		Compress       bool                         `json:"compress"`
		LargeThreshold int                          `json:"large_threshold"`
		Shard          *[2]int                      `json:"shard"`
		Intents        discordgo.Intent             `json:"intents"`
	}
	if err := json.Unmarshal(d, &v); err != nil {
		return nil, fmt.Errorf("decode identify: %w", err)
	}
	return &discordgo.Identify{
		Token:          v.Token,
		Properties:     v.Properties,
		Compress:       v.Compress,
		LargeThreshold: v.LargeThreshold,
		Shard:          v.Shard,
		Intents:        v.Intents,
	}, nil
}

// endConn forgets a connection whose reader has stopped.
func (s *Server) endConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	c.dead, c.ready = true, false
	sess := c.sess
	s.notifyLocked()
	s.mu.Unlock()
	if sess != nil {
		sess.mu.Lock()
		if sess.conn == c {
			sess.conn = nil
		}
		sess.mu.Unlock()
	}
	c.ws.Close()
}

// invalidate ends the session of a connection so it cannot be resumed.
func (s *Server) invalidate(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.sess != nil {
		c.sess.invalid = true
		delete(s.sessions, c.sess.id)
	}
}

// identify answers IDENTIFY with READY and a GUILD_CREATE per guild, or
// closes the connection as Discord would. It reports whether the
// connection stays open.
func (s *Server) identify(c *conn, id *discordgo.Identify) bool {
	if id.Token == "" || (s.cfg.Token != "" && id.Token != s.cfg.Token) {
		c.closeWith(4004, "Authentication failed.")
		return false
	}
	if id.Intents&privilegedIntents != 0 && !s.cfg.AllowPrivilegedIntents {
		c.closeWith(4014, "Disallowed intent(s).")
		return false
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
		c.closeWith(4010, "Invalid shard.")
		return false
	}

	s.mu.Lock()
	if c.sess != nil {
		s.mu.Unlock()
		c.closeWith(4005, "Already authenticated.")
		return false
	}
	s.nSessions++
	sess := &gwSession{id: fmt.Sprintf("session-%d-%s", s.nSessions, s.nextIDLocked()), shard: shard, intents: id.Intents}
	c.sess = sess
	var guilds []*discordgo.Guild
	for gid := range s.guilds {
		if sess.handles(gid) {
			g, _ := s.guildLocked(gid)
			guilds = append(guilds, g)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(guilds, func(a, b *discordgo.Guild) int { return cmpSnowflake(a.ID, b.ID) })

	unavailable := make([]map[string]any, len(guilds))
	for i, g := range guilds {
		unavailable[i] = map[string]any{"id": g.ID, "unavailable": true}
	}
	ready, _ := json.Marshal(map[string]any{
		"v":                  9,
		"session_id":         sess.id,
		"resume_gateway_url": s.GatewayURL(),
		"user":               s.botUser(),
		"application":        map[string]any{"id": s.cfg.AppID, "flags": 0},
		"guilds":             unavailable,
		"private_channels":   []any{},
		"shard":              shard,
	})

	// The session is registered before READY leaves, so an event injected
	// as soon as the client has READY finds it; holding sess.mu meanwhile
	// keeps such an event behind READY and GUILD_CREATE.
	sess.mu.Lock()
	s.mu.Lock()
	s.sessions[sess.id] = sess
	// Ready before READY leaves too: a client that has READY may use a knob
	// at once, and the knobs act on ready connections.
	c.ready = !c.dead
	s.notifyLocked()
	s.mu.Unlock()
	sess.conn = c
	sess.sendLocked("READY", ready, false)
	if id.Intents&discordgo.IntentGuilds != 0 {
		for _, g := range guilds {
			d, _ := json.Marshal(g)
			sess.sendLocked("GUILD_CREATE", d, true)
		}
	}
	sess.mu.Unlock()
	return true
}

// resume answers RESUME: it replays what the client missed and sends
// RESUMED, or op 9 when the session cannot be resumed.
func (s *Server) resume(c *conn, r *Resume) {
	s.mu.Lock()
	sess := s.sessions[r.SessionID]
	ok := sess != nil && !sess.invalid && c.sess == nil && (s.cfg.Token == "" || r.Token == s.cfg.Token)
	if ok {
		c.sess = sess
	}
	s.mu.Unlock()
	if !ok {
		_ = c.write(frame{Op: opInvalidSession, D: json.RawMessage("false")})
		return
	}

	sess.mu.Lock()
	s.mu.Lock()
	if sess.invalid {
		// InvalidateSession ran in between.
		c.sess = nil
		s.mu.Unlock()
		sess.mu.Unlock()
		_ = c.write(frame{Op: opInvalidSession, D: json.RawMessage("false")})
		return
	}
	c.ready = !c.dead
	s.notifyLocked()
	s.mu.Unlock()
	prev := sess.conn
	sess.conn = c
	for _, f := range sess.log {
		if f.S > r.Seq {
			_ = c.write(f)
		}
	}
	sess.sendLocked("RESUMED", json.RawMessage("{}"), false)
	sess.mu.Unlock()
	if prev != nil && prev != c {
		// Discord closes the connection a session leaves behind.
		prev.ws.Close()
	}
}

// liveConnsLocked returns the connections that have been sent READY or RESUMED.
func (s *Server) liveConnsLocked() []*conn {
	var out []*conn
	for c := range s.conns {
		if c.ready && !c.dead {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *conn) int { return a.id - b.id })
	return out
}

// DropConnections closes the TCP connection under every gateway
// connection, without a close frame. Sessions stay resumable, and events
// dispatched until the client resumes are replayed then.
func (s *Server) DropConnections() {
	s.mu.Lock()
	var conns []*conn
	for c := range s.conns {
		conns = append(conns, c)
		c.ready = false
		c.dead = true
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		s.detach(c)
		c.ws.Close()
	}
}

// detach stops dispatching to a connection; its session keeps the events.
func (s *Server) detach(c *conn) {
	s.mu.Lock()
	sess := c.sess
	s.mu.Unlock()
	if sess == nil {
		return
	}
	sess.mu.Lock()
	if sess.conn == c {
		sess.conn = nil
	}
	sess.mu.Unlock()
}

// RequestReconnect sends op 7 RECONNECT on every ready connection.
// discordgo closes the socket (code 1012), reconnects and resumes.
func (s *Server) RequestReconnect() {
	s.mu.Lock()
	conns := s.liveConnsLocked()
	for _, c := range conns {
		c.ready = false
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		s.detach(c)
		_ = c.write(frame{Op: opReconnect})
	}
}

// InvalidateSession ends every ready connection's session and sends op 9
// INVALID SESSION (not resumable). discordgo identifies again on the same
// socket and gets a new session.
func (s *Server) InvalidateSession() {
	s.mu.Lock()
	conns := s.liveConnsLocked()
	var sessions []*gwSession
	for _, c := range conns {
		if c.sess != nil {
			c.sess.invalid = true
			delete(s.sessions, c.sess.id)
			sessions = append(sessions, c.sess)
			c.sess = nil
		}
		c.ready = false
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, g := range sessions {
		g.mu.Lock()
		g.conn = nil
		g.mu.Unlock()
	}
	for _, c := range conns {
		_ = c.write(frame{Op: opInvalidSession, D: json.RawMessage("false")})
	}
}

// WithholdHeartbeatACKs stops (true) or resumes (false) answering
// heartbeats with op 11. discordgo reconnects and resumes after five
// heartbeat intervals without an ACK.
func (s *Server) WithholdHeartbeatACKs(withhold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noACKs = withhold
}

// Dispatch sends a gateway event (op 0, name as "t") with data marshalled
// as "d" to every session whose shard handles guildID ("" for DMs and
// events of no guild). Sessions without a live connection keep it for
// RESUME. It fails the test when no session is there to receive it.
func (s *Server) Dispatch(t testing.TB, event, guildID string, data any) {
	t.Helper()
	d, err := json.Marshal(data)
	if err != nil {
		t.Fatalf("Dispatch %s: marshal: %v", event, err)
		return
	}
	if s.dispatch(event, guildID, d) == 0 {
		t.Fatalf("Dispatch %s: no gateway session; open a session and WaitConnected first", event)
	}
}

// dispatch sends an event to the sessions that handle guildID and returns
// how many there were.
func (s *Server) dispatch(event, guildID string, d json.RawMessage) int {
	s.mu.Lock()
	var targets []*gwSession
	for _, g := range s.sessions {
		if !g.invalid && g.handles(guildID) {
			targets = append(targets, g)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(targets, func(a, b *gwSession) int { return cmpSnowflake(a.id, b.id) })
	for _, g := range targets {
		g.send(event, d)
	}
	return len(targets)
}

// WaitIdle waits until every resumable session is connected again and every
// live connection has sent a heartbeat, and fails the test after timeout.
// Close a discordgo session only then: discordgo's first heartbeat, sent
// straight after Open, can race Session.Close, fail on the closing socket
// and start a reconnect, and a session closed while it is reconnecting
// reconnects anyway. Server.Session's cleanup waits for this itself.
func (s *Server) WaitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	if !s.wait(timeout, s.idleLocked) {
		t.Fatalf("WaitIdle: sessions still reconnecting, or connections without a heartbeat, after %v; ops: %s", timeout, s.opSummary())
	}
}

func (s *Server) idleLocked() bool {
	attached := map[*gwSession]bool{}
	for c := range s.conns {
		if c.ready && !c.dead && c.sess != nil {
			if c.heartbeats == 0 {
				return false
			}
			attached[c.sess] = true
		}
	}
	for _, g := range s.sessions {
		if !g.invalid && !attached[g] {
			return false
		}
	}
	return true
}
