// Package newsbot holds the domain types shared by every part of the bot:
// feeds and the channels that follow them, the articles and stories read
// from them, channel digests, per-user topic subscriptions, and the outbox
// of deliveries. It does no I/O; the packages below it do.
package newsbot

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Callers test them with errors.Is; the store and the
// handlers wrap them with what they were doing.
var (
	// ErrNotFound means the thing asked for does not exist (or is not
	// visible from the guild that asked).
	ErrNotFound = errors.New("not found")
	// ErrExists means a thing with the same identity is already there.
	ErrExists = errors.New("already exists")
	// ErrInvalid means a value failed validation; the wrapping error says
	// which field and why.
	ErrInvalid = errors.New("invalid")
	// ErrForbidden means the caller lacks the permission the action needs.
	ErrForbidden = errors.New("forbidden")
	// ErrSchemaTooNew means the database was written by a newer newsbot.
	ErrSchemaTooNew = errors.New("database schema is newer than this newsbot")
	// ErrConflict means another process did the same work first; the
	// caller drops its copy.
	ErrConflict = errors.New("already done by another process")
)

// Invalid marks err as caused by the user's input (a URL that cannot be
// fetched, a page that is not a feed) and so safe to show them, keeping
// its message: errors.Is(Invalid(err), ErrInvalid) holds. Errors that
// wrap ErrInvalid, ErrNotFound, ErrExists or ErrForbidden carry messages
// meant for users; any other error is internal.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return invalidError{err}
}

type invalidError struct{ error }

func (e invalidError) Is(target error) bool { return target == ErrInvalid }
func (e invalidError) Unwrap() error        { return e.error }

// invalid returns an error wrapping ErrInvalid that names the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid)
}

// Feed is a source of articles polled by URL. One feed row serves every
// channel that follows it; its health is kept here so /feed list and
// /feed why can explain what happened.
type Feed struct {
	ID int64
	// URL is the canonical address polled.
	URL string
	// SiteURL is the publisher's home page, when the feed names one.
	SiteURL  string
	Title    string
	ImageURL string

	// ETag and LastModified are the validators for the next conditional GET.
	ETag         string
	LastModified string

	// Interval is the current polling interval, adapted to the feed.
	Interval time.Duration
	// NextCheckAt is when the feed is next due.
	NextCheckAt time.Time
	// LastCheckedAt is the last fetch attempt; LastSuccessAt the last that worked.
	LastCheckedAt time.Time
	LastSuccessAt time.Time
	// LastError and LastErrorAt describe the last failure; empty when healthy.
	LastError   string
	LastErrorAt time.Time
	// Failures counts consecutive failed fetches.
	Failures int
	// DisabledAt is set when the feed failed for too long; zero when active.
	DisabledAt time.Time

	CreatedAt time.Time
}

// Disabled reports whether polling has stopped because of failures.
func (f *Feed) Disabled() bool { return !f.DisabledAt.IsZero() }

// Validate reports the first field that is not acceptable.
func (f *Feed) Validate() error {
	if f.URL == "" {
		return invalid("feed url", "empty")
	}
	if !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://") {
		return invalid("feed url", "%q is not http or https", f.URL)
	}
	if f.Interval < 0 {
		return invalid("feed interval", "negative")
	}
	return nil
}

// Mode says how a channel receives a feed's articles.
type Mode string

// Delivery modes of a follow.
const (
	// ModeInstant posts each new article as it arrives.
	ModeInstant Mode = "instant"
	// ModeDigest holds articles for the channel's scheduled digest.
	ModeDigest Mode = "digest"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeInstant || m == ModeDigest }

// Follow connects a feed to a Discord channel.
type Follow struct {
	ID        int64
	GuildID   string
	ChannelID string
	FeedID    int64
	Mode      Mode
	// Include and Exclude are search-syntax filters on title and text;
	// empty Include lets everything in.
	Include string
	Exclude string
	// CreatedBy is the Discord user who added the follow.
	CreatedBy string
	CreatedAt time.Time
	// StoppedAt and StoppedReason are set when delivery to the channel is
	// impossible (missing permission, deleted channel).
	StoppedAt     time.Time
	StoppedReason string
}

// Validate reports the first field that is not acceptable.
func (f *Follow) Validate() error {
	switch {
	case f.GuildID == "":
		return invalid("follow guild", "empty")
	case f.ChannelID == "":
		return invalid("follow channel", "empty")
	case f.FeedID == 0:
		return invalid("follow feed", "empty")
	case !f.Mode.Valid():
		return invalid("follow mode", "%q: want instant or digest", f.Mode)
	}
	return nil
}

// Article is one item of a feed, stored once per feed.
type Article struct {
	ID     int64
	FeedID int64
	// StoryID groups near-duplicate articles from several feeds; 0 when
	// not yet grouped.
	StoryID int64
	// DedupeKey is stable across publisher edits: the GUID, else the
	// canonical link, else a hash of title and text.
	DedupeKey string
	URL       string
	Title     string
	Author    string
	// Text is the article as clean text, paragraphs separated by blank lines.
	Text string
	// Summary holds the key sentences, computed once at ingest.
	Summary  []string
	ImageURL string
	// Fingerprint is a SimHash of the title and lead: near-identical
	// copies (a wire story republished, an edited item) are within a few
	// bits. Stories are grouped by the key words themselves (feeds.Sign).
	Fingerprint uint64
	// PublishedAt is the publisher's date, or the first-seen time when the
	// item has none.
	PublishedAt time.Time
	// FetchedAt is when the article was first stored.
	FetchedAt time.Time
	// Backlog marks items present when the feed was added: stored and
	// searchable, never posted nor counted for digests.
	Backlog bool
}

// Validate reports the first field that is not acceptable.
func (a *Article) Validate() error {
	switch {
	case a.FeedID == 0:
		return invalid("article feed", "empty")
	case a.DedupeKey == "":
		return invalid("article dedupe key", "empty")
	case a.Title == "" && a.Text == "":
		return invalid("article", "no title and no text")
	}
	return nil
}

// Story is the event behind one or more articles from different feeds.
type Story struct {
	ID int64
	// Title is the headline of the first article seen.
	Title       string
	Fingerprint uint64
	FirstSeenAt time.Time
}

// Digest is a channel's digest schedule.
type Digest struct {
	ID        int64
	GuildID   string
	ChannelID string
	// Cron is a robfig/cron/v3 expression: five fields or a descriptor.
	Cron string
	// Timezone is an IANA zone name the cron is read in.
	Timezone string
	// Max is the most stories one digest carries.
	Max int
	// NextRunAt is the next due time; LastRunAt the end of the window the
	// previous digest covered (zero before the first).
	NextRunAt time.Time
	LastRunAt time.Time
	CreatedBy string
	CreatedAt time.Time
}

// Limits on a digest's size.
const (
	DefaultDigestMax = 10
	MaxDigestMax     = 50
)

// Validate reports the first field that is not acceptable. Parsing the
// cron expression is the caller's job: this package has no cron parser.
func (d *Digest) Validate() error {
	switch {
	case d.GuildID == "":
		return invalid("digest guild", "empty")
	case d.ChannelID == "":
		return invalid("digest channel", "empty")
	case strings.TrimSpace(d.Cron) == "":
		return invalid("digest cron", "empty")
	case d.Max < 1 || d.Max > MaxDigestMax:
		return invalid("digest max", "%d: want 1 to %d", d.Max, MaxDigestMax)
	}
	if _, err := time.LoadLocation(d.Timezone); err != nil || d.Timezone == "" {
		return invalid("digest timezone", "%q is not an IANA time zone", d.Timezone)
	}
	return nil
}

// Cadence says how a subscription delivers its matches.
type Cadence string

// Subscription cadences.
const (
	// CadenceInstant sends matches by DM as they arrive (rate-limited).
	CadenceInstant Cadence = "instant"
	// CadenceDaily sends one DM digest a day at the user's time.
	CadenceDaily Cadence = "daily"
)

// Valid reports whether c is a known cadence.
func (c Cadence) Valid() bool { return c == CadenceInstant || c == CadenceDaily }

// MaxSubscriptionsPerUser caps a user's topics in one guild.
const MaxSubscriptionsPerUser = 25

// Subscription is a user's topic, matched against new articles of the feeds
// followed in the guild where it was made.
type Subscription struct {
	ID      int64
	GuildID string
	UserID  string
	// Topic uses the /search query syntax.
	Topic   string
	Cadence Cadence
	// Time is "HH:MM" in Timezone, for daily delivery.
	Time     string
	Timezone string
	// NextRunAt is the next daily DM digest.
	NextRunAt time.Time
	// PausedAt and PausedReason are set when Discord refuses DMs.
	PausedAt     time.Time
	PausedReason string
	CreatedAt    time.Time
}

// Validate reports the first field that is not acceptable.
func (s *Subscription) Validate() error {
	switch {
	case s.GuildID == "":
		return invalid("subscription guild", "empty")
	case s.UserID == "":
		return invalid("subscription user", "empty")
	case strings.TrimSpace(s.Topic) == "":
		return invalid("subscription topic", "empty")
	case !s.Cadence.Valid():
		return invalid("subscription delivery", "%q: want instant or daily", s.Cadence)
	}
	if s.Cadence == CadenceDaily {
		if _, err := time.Parse("15:04", s.Time); err != nil {
			return invalid("subscription time", "%q: want HH:MM", s.Time)
		}
		if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" {
			return invalid("subscription timezone", "%q is not an IANA time zone", s.Timezone)
		}
	}
	return nil
}

// DeliveryKind says what an outbox row sends.
type DeliveryKind string

// Kinds of delivery.
const (
	DeliveryPost   DeliveryKind = "post"   // instant article post in a channel
	DeliveryDigest DeliveryKind = "digest" // a channel digest
	DeliveryDM     DeliveryKind = "dm"     // a subscription DM
	DeliveryNotice DeliveryKind = "notice" // a feed-health notice
	DeliveryEdit   DeliveryKind = "edit"   // a new version of a message sent before
)

// DeliveryStatus is where an outbox row stands.
type DeliveryStatus string

// Delivery states.
const (
	StatusPending DeliveryStatus = "pending"
	StatusSent    DeliveryStatus = "sent"
	// StatusFailed is final: retrying cannot help (missing permission,
	// deleted channel, refused DM).
	StatusFailed DeliveryStatus = "failed"
)

// Delivery is one row of the outbox: something to send to Discord. Rows
// are written before anything is sent; Key makes writing idempotent, so a
// crash and restart never sends twice.
type Delivery struct {
	ID int64
	// Key is unique per target and content, e.g.
	// "post:<channel>:<story>" or "digest:<channel>:<period end>:<part>".
	Key       string
	Kind      DeliveryKind
	GuildID   string
	ChannelID string
	// UserID is the recipient of a DM; ChannelID is then filled once the
	// DM channel is opened.
	UserID string
	// Payload is the message itself, rendered by the producer as the JSON
	// body of a Discord "create message" call: one row, one message.
	Payload []byte
	Status  DeliveryStatus
	// Attempts counts sends tried; NextAttemptAt is when the next may run.
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	// MessageID is Discord's id of the sent message.
	MessageID string
	CreatedAt time.Time
	SentAt    time.Time
	// EditOf, on an edit, is the key of the delivery whose message it
	// replaces; Payload is then the whole new message.
	EditOf string
	// Stories lists the stories an article post carries. Enqueuing the
	// post records them as posted in its channel, so a story reported by
	// another feed later is not posted there again.
	Stories []int64
}

// Validate reports the first field that is not acceptable.
func (d *Delivery) Validate() error {
	switch {
	case d.Key == "":
		return invalid("delivery key", "empty")
	case d.Kind == "":
		return invalid("delivery kind", "empty")
	case d.ChannelID == "" && d.UserID == "":
		return invalid("delivery target", "no channel and no user")
	}
	return nil
}

// Match is an article that matched a user's topic subscription, waiting
// for (or recorded in) a DM. A user gets each story once, however many of
// their topics and feeds carry it.
type Match struct {
	ID             int64
	SubscriptionID int64
	UserID         string
	GuildID        string
	ArticleID      int64
	StoryID        int64
	MatchedAt      time.Time
	// DeliveryKey is the DM that carried the match; empty while waiting.
	DeliveryKey string

	// Topic and Article are filled when matches are read for a DM.
	Topic   string
	Article Article
}

// Health is what a channel was last told about a feed's health.
type Health string

// Feed health states, as announced in channels.
const (
	HealthOK       Health = "ok"
	HealthFailing  Health = "failing"
	HealthDisabled Health = "disabled"
)

// HealthChange is a feed whose health differs from what its channels were
// last told.
type HealthChange struct {
	Feed     Feed
	From, To Health
}
