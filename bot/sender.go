package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// Outbox is the part of the store the Sender drains; *store.DB has it.
type Outbox interface {
	// ClaimDeliveries leases up to limit pending rows due at now, oldest
	// first, and counts the attempt.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Delivery, error)
	// MarkSent records that row id was sent as Discord message messageID.
	MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error
	// MarkRetry ends row id's lease and makes it due again at next.
	MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error
	// ReturnDelivery hands row id back unsent, due at next, without
	// counting the claim as an attempt.
	ReturnDelivery(ctx context.Context, id int64, next time.Time) error
	// Delivery returns the row with key: for an edit, the message it
	// replaces.
	Delivery(ctx context.Context, key string) (newsbot.Delivery, error)
	// MarkFailed records that row id can never be sent, and why.
	MarkFailed(ctx context.Context, id int64, reason string) error
}

// SenderConfig sets up a Sender. Store and Transport are required; every
// other field has a default.
type SenderConfig struct {
	// Store holds the outbox.
	Store Outbox
	// Transport sends: NewDiscordTransport, or NewConsoleTransport.
	Transport Transport

	// Rate is the number of REST calls per second the Sender makes at
	// most, all channels together; 40 by default, below Discord's global
	// 50 per second.
	Rate float64
	// Burst is how many calls may go at once after a quiet spell; a tenth
	// of Rate by default, so no second ever sees more than 1.1 × Rate.
	Burst int
	// Workers is how many channels are sent to at the same time; 8 by
	// default. Messages to one channel always go one after another.
	Workers int
	// Lease is how long a claimed row stays the Sender's; 1 minute by
	// default. A row claimed but not finished (a crash) is sent again
	// once its lease ends, with the same nonce, which Discord remembers
	// for a few minutes: keep the lease short.
	Lease time.Duration
	// MaxAttempts is how many sends a row gets before it is marked
	// failed; 12 by default.
	MaxAttempts int
	// Backoff is how long a row waits in the outbox after its first
	// failed attempt, doubled after each further one up to MaxBackoff,
	// with jitter; 2 s and 10 min by default.
	Backoff, MaxBackoff time.Duration
	// Poll is how long Run sleeps when the outbox is empty and nobody
	// calls Wake; 2 s by default.
	Poll time.Duration
	// Now is the clock of leases, retries and sent times; time.Now by
	// default.
	Now func() time.Time
	// Log receives failures; default discards.
	Log *slog.Logger
	// OnGone is called after a row is marked failed because its target is
	// gone: the bot lost access or permission to the channel, the channel
	// was deleted, or the user does not accept DMs from the bot. reason
	// is Discord's answer, e.g. "403 Missing Permissions (50013)".
	OnGone func(ctx context.Context, d newsbot.Delivery, reason string)
}

// Sender defaults.
const (
	defaultSendRate    = 40
	defaultWorkers     = 8
	defaultLease       = time.Minute
	defaultMaxAttempts = 12
	defaultBackoff     = 2 * time.Second
	defaultMaxBackoff  = 10 * time.Minute
	defaultPoll        = 2 * time.Second
)

const (
	// sendTimeout bounds one REST call. Calls do not end with the Sender's
	// context: a message being sent is finished, not cut off.
	sendTimeout = 30 * time.Second
	// storeTimeout bounds one store update, which also outlives the
	// Sender's context so that nothing sent goes unrecorded.
	storeTimeout = 10 * time.Second
	// maxSendRateLimits is how many 429s one row waits out before it is
	// put back in the outbox with a backoff.
	maxSendRateLimits = 5
	// quickRetry is the wait before a row that met a server or network
	// error is tried once more, still claimed, before it goes back to the
	// outbox with a backoff: most of Discord's 5xx are momentary.
	quickRetry = 500 * time.Millisecond
	// goneMemory is how long rows to a target found gone fail without a
	// call to Discord: each refused call counts against the bot's
	// invalid-request limit.
	goneMemory = time.Minute
	// maxClaimed bounds the rows one Sender holds claimed at once.
	maxClaimed = 1000
	// holdsKept bounds the holds kept before those past are dropped.
	holdsKept = 1024
)

// errSenderBusy is returned by Run and Drain while the other runs.
var errSenderBusy = errors.New("bot: the sender is already draining the outbox")

// Sender drains the outbox: one row is one Discord message. It paces
// every REST call below Discord's global limit, and sends to different
// channels in parallel and to each channel in outbox order. A 429 is
// waited out (a global one holds back every channel) a few times; a
// server or network error is tried once more after about half a second;
// then the row goes back to the outbox with a backoff, and later rows to
// its channel wait for it. What cannot work (a channel gone, a DM
// refused, a message Discord rejects) is marked failed at once. Every
// message carries a nonce derived from its row's key, so a row sent again
// after a crash is not posted twice.
//
// Order holds within one Sender. Two Senders on one outbox (two
// processes) never send a row twice, but may interleave one channel's
// messages.
type Sender struct {
	cfg      SenderConfig
	log      *slog.Logger
	pace     *pacer
	capacity int           // rows held claimed at most
	margin   time.Duration // lease a row must have left to be sent
	wake     chan struct{}
	running  sync.Mutex // one Run or Drain at a time

	mu    sync.Mutex
	dms   map[string]string   // user ID to DM channel ID
	holds map[string]hold     // target to the earlier row its later rows wait for
	gone  map[string]goneMark // targets found gone
	due   []time.Time         // retries this Sender scheduled, for Run's sleep
}

// hold keeps a target's later rows behind row id until the time until.
type hold struct {
	id    int64
	until time.Time
}

type goneMark struct {
	reason string
	until  time.Time
}

// NewSender returns a Sender for cfg. It panics if cfg.Store or
// cfg.Transport is nil.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Store == nil || cfg.Transport == nil {
		panic("bot: NewSender needs a Store and a Transport")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = defaultSendRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(cfg.Rate/10))
	}
	if cfg.Workers <= 0 {
		cfg.Workers = defaultWorkers
	}
	if cfg.Lease <= 0 {
		cfg.Lease = defaultLease
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = defaultMaxAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = defaultBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = defaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.Backoff)
	if cfg.Poll <= 0 {
		cfg.Poll = defaultPoll
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sender{
		cfg:    cfg,
		log:    cfg.Log,
		pace:   newPacer(cfg.Rate, cfg.Burst),
		margin: cfg.Lease / 3,
		wake:   make(chan struct{}, 1),
		dms:    make(map[string]string),
		holds:  make(map[string]hold),
		gone:   make(map[string]goneMark),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// Enough rows claimed to keep sending for two seconds, no more than
	// can be sent within a quarter of the lease.
	s.capacity = min(max(int(2*cfg.Rate), 2*cfg.Workers), maxClaimed)
	s.capacity = max(1, min(s.capacity, int(cfg.Rate*cfg.Lease.Seconds()/4)))
	return s
}

// Wake tells Run that rows were enqueued, so it looks now rather than
// after its sleep.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run drains the outbox until ctx ends, then returns nil. When the outbox
// has nothing due it sleeps until Wake, until a retry it scheduled is due,
// or for the configured Poll. On the way out a message being sent is
// finished and recorded; rows claimed but not sent are handed back.
func (s *Sender) Run(ctx context.Context) error {
	if !s.running.TryLock() {
		return errSenderBusy
	}
	defer s.running.Unlock()
	for {
		res := s.pass(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if res.err != nil {
			s.log.Error("drain the outbox", "error", res.err)
		} else if res.claimed > 0 {
			continue
		}
		t := time.NewTimer(s.sleep())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Drain sends every row due now, waits for the answers, and returns how
// many rows were sent. Rows that failed for now are left for later with a
// backoff. It returns ctx's error if ctx ends first, having finished the
// message being sent and handed the other claimed rows back.
func (s *Sender) Drain(ctx context.Context) (int, error) {
	if !s.running.TryLock() {
		return 0, errSenderBusy
	}
	defer s.running.Unlock()
	total := 0
	for {
		res := s.pass(ctx)
		total += res.sent
		if err := ctx.Err(); err != nil {
			return total, err
		}
		if res.err != nil {
			return total, res.err
		}
		if res.claimed == 0 {
			return total, nil
		}
	}
}

// sleep returns how long Run may sleep: until the soonest retry it
// scheduled, at most Poll.
func (s *Sender) sleep() time.Duration {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := s.cfg.Poll
	s.due = slices.DeleteFunc(s.due, func(t time.Time) bool { return !t.After(now) })
	for _, t := range s.due {
		// A little after, so the row is due when the claim runs.
		wait = min(wait, t.Sub(now)+10*time.Millisecond)
	}
	return wait
}

// passResult is what one pass did.
type passResult struct {
	claimed, sent int
	err           error
}

// pass claims rows until the outbox has nothing due and every claimed row
// is finished, sending them on Workers goroutines.
func (s *Sender) pass(ctx context.Context) passResult {
	p := &pass{s: s, ctx: ctx, changed: make(chan struct{}), queues: make(map[string]*targetQueue)}
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(p.work)
	}
	claimed, err := p.dispatch()
	p.mu.Lock()
	p.closing = true
	p.notifyLocked()
	p.mu.Unlock()
	wg.Wait()
	p.release()
	p.mu.Lock()
	defer p.mu.Unlock()
	return passResult{claimed: claimed, sent: p.sent, err: errors.Join(err, p.storeErr)}
}

// pass is the state of one pass: the claimed rows, queued by target.
type pass struct {
	s   *Sender
	ctx context.Context

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever the state changes
	queues   map[string]*targetQueue
	ready    []*targetQueue // queues with rows and no worker, in turn
	inflight int            // rows claimed and not finished
	closing  bool
	sent     int
	storeErr error // the first store update that failed
}

// targetQueue holds the claimed rows of one target, in outbox order.
type targetQueue struct {
	target    string
	rows      []*claimed
	busy      bool      // a worker is sending its first row
	waiting   bool      // in pass.ready
	notBefore time.Time // a rate limit's end
}

// claimed is a row this Sender holds the lease of.
type claimed struct {
	newsbot.Delivery
	leaseEnd time.Time
	limited  int  // 429s met
	retried  bool // tried again at once after a server or network error
}

// target names where a row goes: its user for a DM (rows to one user go
// in order whatever the DM channel), else its channel.
func target(d newsbot.Delivery) string {
	if d.UserID != "" {
		return "user:" + d.UserID
	}
	return "channel:" + d.ChannelID
}

func (p *pass) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// dispatch claims rows while there is room, until a claim finds nothing
// and every claimed row is finished, or ctx ends. It returns how many rows
// it claimed and the error of a claim that failed.
func (p *pass) dispatch() (int, error) {
	s := p.s
	total := 0
	var claimErr error
	exhausted := false
	for {
		if p.ctx.Err() != nil {
			return total, nil
		}
		p.mu.Lock()
		inflight, changed := p.inflight, p.changed
		p.mu.Unlock()
		if !exhausted && claimErr == nil && inflight <= s.capacity/2 {
			now := s.cfg.Now()
			rows, err := s.cfg.Store.ClaimDeliveries(p.ctx, now, s.cfg.Lease, s.capacity-inflight)
			switch {
			case err != nil && p.ctx.Err() != nil:
				return total, nil
			case err != nil:
				claimErr = fmt.Errorf("bot: claim deliveries: %w", err)
			case len(rows) == 0:
				exhausted = true
			default:
				total += len(rows)
				p.add(rows, now.Add(s.cfg.Lease))
				continue
			}
		}
		if inflight == 0 && (exhausted || claimErr != nil) {
			return total, claimErr
		}
		select {
		case <-changed:
		case <-p.ctx.Done():
		}
	}
}

// add queues claimed rows by target, in outbox order.
func (p *pass) add(rows []newsbot.Delivery, leaseEnd time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range rows {
		key := target(d)
		q := p.queues[key]
		if q == nil {
			q = &targetQueue{target: key}
			p.queues[key] = q
		}
		i, found := slices.BinarySearchFunc(q.rows, d.ID, func(c *claimed, id int64) int { return compareID(c.ID, id) })
		if found {
			// Claimed again after its lease ran out while it waited here:
			// the new lease is the one that counts, unless a worker is
			// sending the row right now.
			if i > 0 || !q.busy {
				q.rows[i].Delivery, q.rows[i].leaseEnd = d, leaseEnd
			}
			continue
		}
		q.rows = slices.Insert(q.rows, i, &claimed{Delivery: d, leaseEnd: leaseEnd})
		p.inflight++
		if !q.busy && !q.waiting {
			q.waiting = true
			p.ready = append(p.ready, q)
		}
	}
	p.notifyLocked()
}

func compareID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// work sends the first row of one ready queue after another.
func (p *pass) work() {
	for {
		q := p.next()
		if q == nil {
			return
		}
		r := q.rows[0]
		res := p.s.deliver(p.ctx, q.target, r)
		p.done(q, res)
	}
}

// next waits for a queue whose turn it is and takes it, or returns nil
// when the pass is over or ctx has ended.
func (p *pass) next() *targetQueue {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		var soonest time.Time
		for i, q := range p.ready {
			if !q.notBefore.After(now) {
				p.ready = slices.Delete(p.ready, i, i+1)
				q.waiting, q.busy = false, true
				return q
			}
			if soonest.IsZero() || q.notBefore.Before(soonest) {
				soonest = q.notBefore
			}
		}
		if p.closing {
			return nil
		}
		changed := p.changed
		p.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if !soonest.IsZero() {
			timer = time.NewTimer(soonest.Sub(now))
			fire = timer.C
		}
		select {
		case <-changed:
		case <-fire:
		case <-p.ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		p.mu.Lock()
	}
}

// outcome is what became of a queue's first row.
type outcome int

const (
	outcomeDone    outcome = iota // finished here: sent, failed, or put back in the outbox
	outcomeSent                   // sent and recorded
	outcomeWait                   // try again after a wait
	outcomeStopped                // ctx ended; the row stays claimed, to be handed back
)

// result is an outcome, and the wait of outcomeWait.
type result struct {
	outcome outcome
	wait    time.Duration
	err     error // a store update that failed
}

// done records what became of q's first row and gives q its next turn.
func (p *pass) done(q *targetQueue, res result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q.busy = false
	switch res.outcome {
	case outcomeSent:
		p.sent++
		fallthrough
	case outcomeDone:
		q.rows = q.rows[1:]
		p.inflight--
	case outcomeWait:
		q.notBefore = time.Now().Add(res.wait)
	}
	if res.err != nil && p.storeErr == nil {
		p.storeErr = res.err
	}
	if len(q.rows) == 0 {
		delete(p.queues, q.target)
	} else if !q.waiting {
		// To the back of the line: one busy channel does not starve others.
		q.waiting = true
		p.ready = append(p.ready, q)
	}
	p.notifyLocked()
}

// release hands the rows claimed but not sent back to the outbox, due now
// (or when the row they wait for is), so another sender need not wait
// for their leases to run out.
func (p *pass) release() {
	s := p.s
	p.mu.Lock()
	var left []*claimed
	for _, q := range p.queues {
		left = append(left, q.rows...)
	}
	p.queues, p.ready, p.inflight = nil, nil, 0
	p.mu.Unlock()
	if len(left) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), storeTimeout)
	defer cancel()
	now := s.cfg.Now()
	for _, r := range left {
		if !now.Before(r.leaseEnd.Add(-time.Second)) {
			continue // another sender may hold it already
		}
		next := now
		if until, ok := s.heldBehind(target(r.Delivery), r.ID, now); ok {
			next = until
		}
		if err := s.cfg.Store.ReturnDelivery(ctx, r.ID, next); err != nil {
			s.log.Warn("hand a delivery back to the outbox", "delivery_key", r.Key, "error", err)
		}
	}
}

// deliver sends one row and records what happened.
func (s *Sender) deliver(ctx context.Context, tgt string, r *claimed) result {
	now := s.cfg.Now()
	if now.After(r.leaseEnd.Add(-s.margin)) {
		// Too little lease left to send under: another sender may claim
		// the row any moment. Leave it, and keep later rows behind it.
		s.hold(tgt, r.ID, r.leaseEnd, now)
		s.log.Warn("delivery lease too short to send, left to the next claim", "delivery_key", r.Key)
		return result{outcome: outcomeDone}
	}
	if until, ok := s.heldBehind(tgt, r.ID, now); ok {
		// Kept back behind an earlier message: not an attempt.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		err := s.cfg.Store.ReturnDelivery(sctx, r.ID, until)
		return result{outcome: outcomeDone, err: err}
	}
	if reason, ok := s.goneReason(tgt, now); ok {
		return s.markGone(ctx, tgt, r, reason)
	}
	msg, err := decodeMessage(r.Payload)
	if err != nil {
		return s.markInvalid(ctx, tgt, r, "undecodable payload: "+err.Error())
	}
	if r.EditOf != "" {
		return s.edit(ctx, tgt, r, msg)
	}
	dm := r.UserID != ""
	channelID := r.ChannelID
	if dm && channelID == "" {
		var f failure
		channelID, f = s.dmChannel(ctx, r.UserID)
		if f.kind != failNone {
			return s.failed(ctx, tgt, r, f)
		}
	}
	if err := s.pace.wait(ctx); err != nil {
		return result{outcome: outcomeStopped}
	}
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	id, err := s.cfg.Transport.Send(callCtx, channelID, msg, nonce(r.Key))
	cancel()
	if err != nil {
		return s.failed(ctx, tgt, r, classify(err, dm))
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	s.unhold(tgt, r.ID)
	if err := s.cfg.Store.MarkSent(sctx, r.ID, id, s.cfg.Now()); err != nil {
		// Sent, not recorded: once the lease ends the row is sent again
		// with the same nonce, and Discord answers with this message.
		s.log.Error("record a sent delivery", "delivery_key", r.Key, "message_id", id, "error", err)
		return result{outcome: outcomeDone, err: err}
	}
	return result{outcome: outcomeSent}
}

// dmChannel returns the DM channel with a user, opening it the first time.
func (s *Sender) dmChannel(ctx context.Context, userID string) (string, failure) {
	s.mu.Lock()
	ch, ok := s.dms[userID]
	s.mu.Unlock()
	if ok {
		return ch, failure{}
	}
	if err := s.pace.wait(ctx); err != nil {
		return "", failure{kind: failStopped, reason: err.Error()}
	}
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	ch, err := s.cfg.Transport.DMChannel(callCtx, userID)
	if err != nil {
		return "", classify(err, true)
	}
	s.mu.Lock()
	s.dms[userID] = ch
	s.mu.Unlock()
	return ch, failure{}
}

// failed acts on a failed call for row r.
func (s *Sender) failed(ctx context.Context, tgt string, r *claimed, f failure) result {
	switch f.kind {
	case failRouteBusy:
		return result{outcome: outcomeWait, wait: f.wait}
	case failRateLimit:
		if f.global {
			s.pace.hold(time.Now().Add(f.wait))
		}
		r.limited++
		if r.limited <= maxSendRateLimits {
			return result{outcome: outcomeWait, wait: f.wait}
		}
		return s.retry(ctx, tgt, r, f.reason, max(f.wait, s.backoff(r.Attempts)))
	case failStopped:
		if ctx.Err() != nil {
			return result{outcome: outcomeStopped}
		}
		return s.retry(ctx, tgt, r, f.reason, s.backoff(r.Attempts)) // timed out
	case failGone:
		return s.markGone(ctx, tgt, r, f.reason)
	case failInvalid:
		return s.markInvalid(ctx, tgt, r, f.reason)
	case failFinal:
		s.log.Warn("delivery refused", "delivery_key", r.Key, "channel_id", r.ChannelID, "user_id", r.UserID, "error", f.reason)
		return s.markFailed(ctx, tgt, r, f.reason)
	}
	if f.status == http.StatusUnauthorized {
		s.log.Error("Discord refused the bot's token; deliveries wait", "delivery_key", r.Key, "error", f.reason)
	} else if !r.retried {
		r.retried = true
		return result{outcome: outcomeWait, wait: time.Duration(float64(quickRetry) * (0.5 + rand.Float64()))}
	}
	return s.retry(ctx, tgt, r, f.reason, s.backoff(r.Attempts))
}

// retry puts r back in the outbox to be tried again after wait, or marks
// it failed when its attempts are used up. Later rows to the same target
// wait for it.
func (s *Sender) retry(ctx context.Context, tgt string, r *claimed, reason string, wait time.Duration) result {
	if r.Attempts >= s.cfg.MaxAttempts {
		reason = fmt.Sprintf("gave up after %d attempts: %s", r.Attempts, reason)
		s.log.Warn("delivery failed", "delivery_key", r.Key, "channel_id", r.ChannelID, "user_id", r.UserID, "error", reason)
		return s.markFailed(ctx, tgt, r, reason)
	}
	now := s.cfg.Now()
	next := now.Add(wait)
	s.hold(tgt, r.ID, next, now)
	s.mu.Lock()
	s.due = append(slices.DeleteFunc(s.due, func(t time.Time) bool { return !t.After(now) }), next)
	s.mu.Unlock()
	s.log.Info("delivery will be retried", "delivery_key", r.Key, "attempts", r.Attempts, "retry_in", wait.Round(time.Millisecond).String(), "error", reason)
	return result{outcome: outcomeDone, err: s.retryLater(ctx, r, reason, next)}
}

// edit replaces the message of row r.EditOf with msg, once that row has
// been sent; an edit of a message that was never sent fails with it.
func (s *Sender) edit(ctx context.Context, tgt string, r *claimed, msg *discordgo.MessageSend) result {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	orig, err := s.cfg.Store.Delivery(sctx, r.EditOf)
	cancel()
	switch {
	case errors.Is(err, newsbot.ErrNotFound):
		return s.markInvalid(ctx, tgt, r, "edits "+r.EditOf+", which is not in the outbox")
	case err != nil:
		return s.retry(ctx, tgt, r, err.Error(), s.backoff(r.Attempts))
	case orig.Status == newsbot.StatusFailed:
		return s.markFailed(ctx, tgt, r, "the message it edits was not sent: "+orig.LastError)
	case orig.Status != newsbot.StatusSent:
		return s.retry(ctx, tgt, r, "the message it edits is not sent yet", s.backoff(r.Attempts))
	}
	if err := s.pace.wait(ctx); err != nil {
		return result{outcome: outcomeStopped}
	}
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	edit := &discordgo.MessageEdit{Content: &msg.Content, Embeds: &msg.Embeds}
	if len(msg.Components) > 0 {
		edit.Components = &msg.Components
	}
	err = s.cfg.Transport.Edit(callCtx, orig.ChannelID, orig.MessageID, edit)
	cancel()
	if err != nil {
		return s.failed(ctx, tgt, r, classify(err, false))
	}
	s.unhold(tgt, r.ID)
	sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := s.cfg.Store.MarkSent(sctx, r.ID, orig.MessageID, s.cfg.Now()); err != nil {
		// Edited, not recorded: the edit is made again after the lease,
		// which changes nothing.
		s.log.Error("record a sent edit", "delivery_key", r.Key, "message_id", orig.MessageID, "error", err)
		return result{outcome: outcomeDone, err: err}
	}
	return result{outcome: outcomeSent}
}

// retryLater puts r back in the outbox, due at next.
func (s *Sender) retryLater(ctx context.Context, r *claimed, reason string, next time.Time) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := s.cfg.Store.MarkRetry(sctx, r.ID, reason, next); err != nil {
		s.log.Error("put a delivery back in the outbox", "delivery_key", r.Key, "error", err)
		return err
	}
	return nil
}

// markGone fails r because its target is gone, and tells OnGone.
func (s *Sender) markGone(ctx context.Context, tgt string, r *claimed, reason string) result {
	now := s.cfg.Now()
	s.mu.Lock()
	for k, g := range s.gone {
		if !g.until.After(now) {
			delete(s.gone, k)
		}
	}
	s.gone[tgt] = goneMark{reason: reason, until: now.Add(goneMemory)}
	s.mu.Unlock()
	s.log.Warn("delivery target gone", "delivery_key", r.Key, "channel_id", r.ChannelID, "user_id", r.UserID, "reason", reason)
	res := s.markFailed(ctx, tgt, r, reason)
	if s.cfg.OnGone != nil {
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		d := r.Delivery
		d.Status, d.LastError = newsbot.StatusFailed, reason
		s.cfg.OnGone(gctx, d, reason)
	}
	return res
}

// markInvalid fails r, whose message Discord refuses as it is: a bug in
// rendering, which sending again cannot fix.
func (s *Sender) markInvalid(ctx context.Context, tgt string, r *claimed, reason string) result {
	s.log.Error("delivery refused as invalid", "delivery_key", r.Key, "channel_id", r.ChannelID, "user_id", r.UserID, "error", reason)
	return s.markFailed(ctx, tgt, r, reason)
}

func (s *Sender) markFailed(ctx context.Context, tgt string, r *claimed, reason string) result {
	s.unhold(tgt, r.ID)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := s.cfg.Store.MarkFailed(sctx, r.ID, reason); err != nil {
		s.log.Error("mark a delivery failed", "delivery_key", r.Key, "error", err)
		return result{outcome: outcomeDone, err: err}
	}
	return result{outcome: outcomeDone}
}

// hold keeps the rows to tgt after row id waiting until the time until.
// A hold on an earlier row stays, for as long as either needs.
func (s *Sender) hold(tgt string, id int64, until, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.holds) >= holdsKept {
		// Holds of rows another sender finished are never released here.
		for k, h := range s.holds {
			if !h.until.After(now) {
				delete(s.holds, k)
			}
		}
	}
	if h, ok := s.holds[tgt]; ok && h.id < id && h.until.After(now) {
		h.until = later(h.until, until)
		s.holds[tgt] = h
		return
	}
	s.holds[tgt] = hold{id: id, until: until}
}

// unhold ends the hold row id has on its target, now that it is finished.
func (s *Sender) unhold(tgt string, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.holds[tgt]; ok && h.id == id {
		delete(s.holds, tgt)
	}
}

// heldBehind reports whether row id must wait for an earlier row to its
// target, and until when.
func (s *Sender) heldBehind(tgt string, id int64, now time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.holds[tgt]
	if !ok {
		return time.Time{}, false
	}
	if !h.until.After(now) {
		// The earlier row is due again; if it is not ahead in this
		// Sender's queue, another sender has it.
		delete(s.holds, tgt)
		return time.Time{}, false
	}
	return h.until, id > h.id
}

// goneReason reports whether tgt was found gone a moment ago, and why.
func (s *Sender) goneReason(tgt string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.gone[tgt]
	if !ok || !g.until.After(now) {
		return "", false
	}
	return g.reason, true
}

// backoff is the wait after a row's attempts-th failed attempt: Backoff
// doubled per earlier attempt up to MaxBackoff, 25 % either way at random
// so rows that failed together are not retried together.
func (s *Sender) backoff(attempts int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return time.Duration(float64(d) * (0.75 + rand.Float64()/2))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// nonce is the message nonce of the row with key: 24 hex digits of its
// SHA-256, within Discord's 25 characters, the same on every attempt.
func nonce(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// decodeMessage reads a row's payload: the JSON of a
// *discordgo.MessageSend.
func decodeMessage(payload []byte) (*discordgo.MessageSend, error) {
	var raw struct {
		discordgo.MessageSend
		// Components are interfaces, which encoding/json cannot fill.
		Components []json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, err
	}
	m := raw.MessageSend
	for _, c := range raw.Components {
		comp, err := discordgo.MessageComponentFromJSON(c)
		if err != nil {
			return nil, err
		}
		m.Components = append(m.Components, comp)
	}
	return &m, nil
}

// pacer is a token bucket every REST call waits on: rate calls a second,
// burst at once after a quiet spell, and none at all while a global rate
// limit holds.
type pacer struct {
	interval time.Duration // between calls at the steady rate
	slack    time.Duration // how far ahead of the steady rate a burst may run

	mu        sync.Mutex
	tat       time.Time // when the bucket would be empty at the steady rate
	holdUntil time.Time
}

func newPacer(rate float64, burst int) *pacer {
	interval := time.Duration(float64(time.Second) / rate)
	return &pacer{interval: interval, slack: time.Duration(burst-1) * interval}
}

// wait blocks until the caller may make a call, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := time.Now()
		p.tat = later(p.tat, now)
		slot := later(p.tat.Add(-p.slack), now)
		p.tat = p.tat.Add(p.interval)
		p.mu.Unlock()
		if d := slot.Sub(now); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.Lock()
		held := p.holdUntil.After(time.Now())
		p.mu.Unlock()
		if !held {
			return nil
		}
		// A global rate limit began while this call waited its turn.
	}
}

// hold lets no call through before until, and then only at the steady
// rate.
func (p *pacer) hold(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdUntil = later(p.holdUntil, until)
	p.tat = later(p.tat, until.Add(p.slack))
}
