package discordtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is an answer the fake gives instead of serving a request.
type Fault struct {
	// Status is the HTTP status: 429 answers a rate limit, any other status
	// a Discord JSON error {"message":...,"code":Code}.
	Status int
	// Code is the Discord error code in the body, for example 50013 Missing
	// Permissions, 50007 Cannot send messages to this user, 10003 Unknown
	// Channel. Zero for 429 and 5xx.
	Code int
	// Message is the body's message; by default Discord's text for Code,
	// or "STATUS: Status Text".
	Message string
	// RetryAfter is the wait a 429 asks for, 50 ms when zero.
	RetryAfter time.Duration
	// Global marks a 429 as the global rate limit (X-RateLimit-Global),
	// which makes discordgo hold back every route.
	Global bool
}

type fault struct {
	method, pattern string
	left            int // < 0: until ClearFaults
	f               Fault
}

// FailNext answers the next n requests whose method is method (any when
// empty) and whose path matches pattern (see RequestsTo) with f, without
// serving them. n < 0 keeps answering so until ClearFaults. Faults set
// earlier are used first.
func (s *Server) FailNext(method, pattern string, n int, f Fault) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, pattern: pattern, left: n, f: f})
}

// RateLimitNext answers the next n matching requests with 429 and
// retry_after 0.05, as FailNext does.
func (s *Server) RateLimitNext(method, pattern string, n int) {
	s.FailNext(method, pattern, n, Fault{Status: http.StatusTooManyRequests})
}

// ClearFaults drops every fault set with FailNext or RateLimitNext.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFaultLocked returns the fault for a request and uses one of its turns.
func (s *Server) takeFaultLocked(method, p string) (Fault, bool) {
	for i, f := range s.faults {
		if !matchRoute(f.method, f.pattern, method, p) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f.f, true
	}
	return Fault{}, false
}

// SetGlobalRateLimit limits every REST request except interaction
// callbacks and interaction webhooks (which Discord exempts) to perSecond
// in any one-second window; requests over it are answered with a global
// 429. Zero or less turns the limit off.
func (s *Server) SetGlobalRateLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.global = globalLimit{perSecond: max(perSecond, 0)}
}

// globalLimit keeps the times of the last perSecond accepted requests.
type globalLimit struct {
	perSecond int
	times     []time.Time // ring buffer
	next      int
}

// admit accepts a request at now, or returns how long until one would be.
func (g *globalLimit) admit(now time.Time) (time.Duration, bool) {
	if g.perSecond == 0 {
		return 0, true
	}
	if len(g.times) < g.perSecond {
		g.times = append(g.times, now)
		return 0, true
	}
	oldest := g.times[g.next]
	if wait := oldest.Add(time.Second).Sub(now); wait > 0 {
		return wait, false
	}
	g.times[g.next] = now
	g.next = (g.next + 1) % len(g.times)
	return 0, true
}

// SetRouteLimit gives every bucket whose requests match method and pattern
// (see RequestsTo) limit requests per window, advertised in the
// X-RateLimit headers and enforced with 429s. A bucket is one method and
// path, so "/api/v9/channels/*/messages" limits each channel on its own.
func (s *Server) SetRouteLimit(method, pattern string, limit int, per time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = append(s.limits, &routeLimit{method: method, pattern: pattern, limit: max(limit, 1), per: max(per, time.Millisecond)})
	// Buckets already counting keep their old limit until dropped here.
	for key, b := range s.buckets {
		if matchRoute(method, pattern, b.method, b.path) {
			delete(s.buckets, key)
		}
	}
}

type routeLimit struct {
	method, pattern string
	limit           int
	per             time.Duration
}

// bucket is a fixed window of requests on one method and path.
type bucket struct {
	method, path string
	hash         string
	limit        int
	per          time.Duration
	start        time.Time
	count        int
}

func (s *Server) bucketLocked(method, p string, now time.Time) *bucket {
	key := method + " " + p
	if b, ok := s.buckets[key]; ok {
		return b
	}
	limit, per := s.cfg.RouteLimit, time.Second
	for i := len(s.limits) - 1; i >= 0; i-- {
		if l := s.limits[i]; matchRoute(l.method, l.pattern, method, p) {
			limit, per = l.limit, l.per
			break
		}
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	b := &bucket{method: method, path: p, hash: fmt.Sprintf("%016x", h.Sum64()), limit: limit, per: per, start: now}
	s.buckets[key] = b
	return b
}

// setHeaders writes Discord's rate-limit headers for the bucket's state.
func (b *bucket) setHeaders(h http.Header, now time.Time) {
	reset := b.start.Add(b.per)
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(b.limit-b.count, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", seconds(reset.Sub(now)))
	h.Set("X-RateLimit-Bucket", b.hash)
}

// seconds formats d as Discord does, in seconds with three decimals,
// rounded up so a client that waits that long is never early.
func seconds(d time.Duration) string {
	ms := math.Ceil(float64(max(d, 0)) / float64(time.Millisecond))
	return strconv.FormatFloat(ms/1000, 'f', 3, 64)
}

// rateLimited builds a 429 answer.
func rateLimited(retry time.Duration, global bool, scope string, b *bucket, now time.Time) reply {
	if retry <= 0 {
		retry = 50 * time.Millisecond
	}
	body, _ := json.Marshal(map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": math.Ceil(float64(retry)/float64(time.Millisecond)) / 1000,
		"global":      global,
		"code":        0,
	})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
	h.Set("X-RateLimit-Scope", scope)
	if global {
		h.Set("X-RateLimit-Global", "true")
	} else if b != nil {
		h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
		h.Set("X-RateLimit-Bucket", b.hash)
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(now.Add(retry).UnixMilli())/1000, 'f', 3, 64))
	}
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", seconds(retry))
	return reply{status: http.StatusTooManyRequests, header: h, body: body}
}

// reply is the answer to one REST request.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// faultReply turns a Fault into an answer.
func faultReply(f Fault, b *bucket, now time.Time) reply {
	if f.Status == http.StatusTooManyRequests {
		scope := "user"
		if f.Global {
			scope = "global"
		}
		return rateLimited(f.RetryAfter, f.Global, scope, b, now)
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := f.Message
	if msg == "" {
		msg = errorText(status, f.Code)
	}
	return jsonError(status, f.Code, msg)
}

// Discord's messages for the error codes the fake uses or tests ask for.
var errorMessages = map[int]string{
	10003: "Unknown Channel",
	10004: "Unknown Guild",
	10008: "Unknown Message",
	10013: "Unknown User",
	10015: "Unknown Webhook",
	10062: "Unknown interaction",
	10063: "Unknown application command",
	40060: "Interaction has already been acknowledged",
	50001: "Missing Access",
	50006: "Cannot send an empty message",
	50007: "Cannot send messages to this user",
	50013: "Missing Permissions",
	50035: "Invalid Form Body",
	50109: "The request body contains invalid JSON.",
}

func errorText(status, code int) string {
	if m, ok := errorMessages[code]; ok {
		return m
	}
	return strconv.Itoa(status) + ": " + http.StatusText(status)
}

// jsonError builds Discord's error body.
func jsonError(status, code int, msg string) reply {
	return jsonReply(status, map[string]any{"message": msg, "code": code})
}

// jsonReply builds a JSON answer.
func jsonReply(status int, v any) reply {
	body, err := json.Marshal(v)
	if err != nil {
		return jsonError(http.StatusInternalServerError, 0, "marshal answer: "+err.Error())
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return reply{status: status, header: h, body: body}
}

func noContent() reply {
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

// formErrors collects Discord's "Invalid Form Body" details as the nested
// object Discord sends: {"content":{"_errors":[{"code":..,"message":..}]}}.
type formErrors map[string]any

func (fe formErrors) add(path, code, msg string) {
	node := map[string]any(fe)
	for _, part := range strings.Split(path, ".") {
		next, ok := node[part].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[part] = next
		}
		node = next
	}
	list, _ := node["_errors"].([]any)
	node["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

func (fe formErrors) reply() reply {
	return jsonReply(http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035, "errors": map[string]any(fe)})
}
