package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Request is one REST request the fake answered.
type Request struct {
	Method string
	Path   string // e.g. /api/v9/channels/123/messages
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int // the status the fake answered with
	Time   time.Time
}

// JSON returns the request's JSON payload: the body, or the payload_json
// part of a multipart body (messages with files).
func (r Request) JSON() []byte {
	payload, _, err := jsonPayload(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return nil
	}
	return payload
}

// Decode unmarshals the request's JSON payload into v, failing the test if
// it does not decode.
func (r Request) Decode(t testing.TB, v any) {
	t.Helper()
	payload, _, err := jsonPayload(r.Header.Get("Content-Type"), r.Body)
	if err == nil {
		err = json.Unmarshal(payload, v)
	}
	if err != nil {
		t.Fatalf("decode %s %s body %q: %v", r.Method, r.Path, r.Body, err)
	}
}

// GatewayOp is one payload a client sent on the gateway.
type GatewayOp struct {
	Conn     int                 // the connection, numbered from 1 in order of arrival
	Op       int                 // 1 heartbeat, 2 identify, 3 presence, 6 resume, ...
	Data     json.RawMessage     // "d" as sent
	Identify *discordgo.Identify // op 2 without its presence (see Data)
	Resume   *Resume
	Time     time.Time
}

// Resume is the data of an op 6 RESUME.
type Resume struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

type recordedRequest struct {
	Request
	claimed bool
}

type recordedOp struct {
	GatewayOp
	claimed bool
}

func (s *Server) recordRequest(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, recordedRequest{Request: r})
	s.notifyLocked()
}

func (s *Server) recordOp(op GatewayOp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops = append(s.ops, recordedOp{GatewayOp: op})
	s.notifyLocked()
}

// Requests returns every REST request so far, in the order they were answered.
func (s *Server) Requests() []Request {
	return s.RequestsTo("", "*")
}

// RequestsTo returns the requests so far whose method is method (any when
// empty) and whose path matches pattern as in path.Match: "*" stands for
// one path segment, as in "/api/v9/interactions/*/*/callback".
func (s *Server) RequestsTo(method, pattern string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if matchRoute(method, pattern, r.Method, r.Path) {
			out = append(out, r.Request)
		}
	}
	return out
}

// Statuses returns the answered statuses of RequestsTo(method, pattern),
// in order; a 429 waited out by discordgo shows as [429 204].
func (s *Server) Statuses(method, pattern string) []int {
	var out []int
	for _, r := range s.RequestsTo(method, pattern) {
		out = append(out, r.Status)
	}
	return out
}

// WaitRequest waits for a request whose method is method (any when empty)
// and whose path matches pattern (see RequestsTo), and returns it once it
// has been answered. Each call returns a request no earlier WaitRequest
// returned, oldest first, so successive calls see successive requests. It
// fails the test after timeout.
func (s *Server) WaitRequest(t testing.TB, method, pattern string, timeout time.Duration) Request {
	t.Helper()
	if _, err := path.Match(pattern, ""); err != nil {
		t.Fatalf("WaitRequest(%q, %q): %v", method, pattern, err)
		return Request{}
	}
	var got Request
	ok := s.wait(timeout, func() bool {
		for i := range s.requests {
			r := &s.requests[i]
			if !r.claimed && matchRoute(method, pattern, r.Method, r.Path) {
				r.claimed = true
				got = r.Request
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("WaitRequest(%q, %q): no such request within %v; requests: %s", method, pattern, timeout, s.requestSummary())
	}
	return got
}

// GatewayOps returns every payload clients sent on the gateway so far.
func (s *Server) GatewayOps() []GatewayOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]GatewayOp, len(s.ops))
	for i, op := range s.ops {
		out[i] = op.GatewayOp
	}
	return out
}

// WaitGatewayOp waits for a gateway payload with opcode op that no earlier
// WaitGatewayOp returned, oldest first, and fails the test after timeout.
func (s *Server) WaitGatewayOp(t testing.TB, op int, timeout time.Duration) GatewayOp {
	t.Helper()
	var got GatewayOp
	ok := s.wait(timeout, func() bool {
		for i := range s.ops {
			o := &s.ops[i]
			if !o.claimed && o.Op == op {
				o.claimed = true
				got = o.GatewayOp
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("WaitGatewayOp(%d): none within %v; ops: %s", op, timeout, s.opSummary())
	}
	return got
}

// WaitConnected waits until a gateway connection is live and has been sent
// READY or RESUMED, and fails the test after timeout. After DropConnections,
// RequestReconnect or InvalidateSession it waits for the new connection.
func (s *Server) WaitConnected(t testing.TB, timeout time.Duration) {
	t.Helper()
	ok := s.wait(timeout, func() bool {
		for c := range s.conns {
			if c.ready && !c.dead {
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("WaitConnected: no ready gateway connection within %v; ops: %s", timeout, s.opSummary())
	}
}

// wait calls cond, with s.mu held, until it returns true or timeout passes.
func (s *Server) wait(timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return true
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			s.mu.Lock()
			defer s.mu.Unlock()
			return cond()
		}
	}
}

func (s *Server) requestSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for i, r := range s.requests {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s %d", r.Method, r.Path, r.Status)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

func (s *Server) opSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for i, o := range s.ops {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "c%d:op%d", o.Conn, o.Op)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// matchRoute reports whether a request matches a method ("" or "*" for any)
// and a path.Match pattern.
func matchRoute(method, pattern, reqMethod, reqPath string) bool {
	if method != "" && method != "*" && !strings.EqualFold(method, reqMethod) {
		return false
	}
	ok, err := path.Match(pattern, reqPath)
	return err == nil && ok
}

// attachment is a file sent with a message in a multipart body.
type attachment struct {
	Filename    string
	ContentType string
	Size        int
}

// jsonPayload returns the JSON in a request body: the body itself, or the
// payload_json part of a multipart body, with the files sent beside it.
func jsonPayload(contentType string, body []byte) ([]byte, []attachment, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/form-data" {
		return body, nil, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var payload []byte
	var files []attachment
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(p); err != nil {
			return nil, nil, fmt.Errorf("read multipart part %q: %w", p.FormName(), err)
		}
		if p.FormName() == "payload_json" {
			payload = buf.Bytes()
			continue
		}
		if p.FileName() != "" {
			files = append(files, attachment{Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Size: buf.Len()})
		}
	}
	if payload == nil {
		return nil, files, fmt.Errorf("multipart body without payload_json")
	}
	return payload, files, nil
}
