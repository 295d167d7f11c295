// Package config loads newsbot's configuration: defaults, then an optional
// YAML file, then the environment (NEWSBOT_<SECTION>_<KEY>, and
// DISCORD_TOKEN for the token). Load returns a value; there is no global
// configuration. Every key that is unknown, of the wrong type or out of
// range stops start-up with an error naming the key.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config is the whole configuration. Each section is a YAML mapping; each
// field's yaml tag is its key, and its env tag-free name is derived:
// feeds.poll_interval is NEWSBOT_FEEDS_POLL_INTERVAL.
type Config struct {
	Discord  Discord  `yaml:"discord"`
	Database Database `yaml:"database"`
	Feeds    Feeds    `yaml:"feeds"`
	Summary  Summary  `yaml:"summary"`
	Delivery Delivery `yaml:"delivery"`
	Log      Log      `yaml:"log"`
	HTTP     HTTP     `yaml:"http"`

	// set records the keys given by the file or the environment.
	set map[string]bool
}

// Discord configures the connection to Discord.
type Discord struct {
	// Token is the bot token; empty runs the bot in console mode. It is
	// never printed: String redacts it.
	Token string `yaml:"token" secret:"true" doc:"bot token; empty runs console mode (also DISCORD_TOKEN)"`
	// APIURL replaces https://discord.com for every REST call, for a
	// rate-limit proxy or a test server; the gateway is discovered through it.
	APIURL string `yaml:"api_url" doc:"base URL for Discord's REST API"`
	// GuildID registers commands in one guild (instant) instead of globally.
	GuildID string `yaml:"guild_id" doc:"register commands in this guild only (instant; for development)"`
}

// Database says where the store lives.
type Database struct {
	Driver string `yaml:"driver" doc:"storage backend: sqlite"`
	Path   string `yaml:"path" doc:"SQLite database file"`
}

// Feeds configures polling and the outbound HTTP client.
type Feeds struct {
	PollInterval         time.Duration `yaml:"poll_interval" doc:"default time between two polls of a feed (1s to 24h)"`
	AllowPrivateNetworks bool          `yaml:"allow_private_networks" doc:"allow fetching from loopback, private and link-local addresses"`
	MaxBodyBytes         int64         `yaml:"max_body_bytes" doc:"largest feed or page body read, after decompression"`
	UserAgent            string        `yaml:"user_agent" doc:"User-Agent header of every fetch"`
	PerHostLimit         int           `yaml:"per_host_limit" doc:"most concurrent fetches to one host"`
	FetchTimeout         time.Duration `yaml:"fetch_timeout" doc:"time limit of one fetch, redirects included"`
}

// Summary configures the summarizer.
type Summary struct {
	Sentences int `yaml:"sentences" doc:"sentences per summary (1 to 10)"`
}

// Delivery configures what the bot sends on its own: posts, digests,
// DMs and feed-health notices.
type Delivery struct {
	Rate         int           `yaml:"rate" doc:"most Discord REST calls per second, all kinds together (1 to 50)"`
	DMEvery      time.Duration `yaml:"dm_every" doc:"least time between two subscription DMs to one user (1m to 24h)"`
	DMDailyCap   int           `yaml:"dm_daily_cap" doc:"most subscription DMs to one user in 24 hours (1 to 1000)"`
	FailingAfter int           `yaml:"failing_after" doc:"consecutive failures before a channel is told its feed is failing (1 to 100)"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level" doc:"debug, info, warn or error"`
	Format string `yaml:"format" doc:"text or json"`
}

// HTTP configures the optional HTTP listener (health and metrics).
type HTTP struct {
	Listen string `yaml:"listen" doc:"address for health and metrics, e.g. 127.0.0.1:8080; empty is off"`
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Discord:  Discord{APIURL: "https://discord.com"},
		Database: Database{Driver: "sqlite", Path: "newsbot.db"},
		Feeds: Feeds{
			PollInterval: 10 * time.Minute,
			MaxBodyBytes: 10 << 20,
			UserAgent:    "newsbot/1 (Discord news bot)",
			PerHostLimit: 2,
			FetchTimeout: 30 * time.Second,
		},
		Summary:  Summary{Sentences: 3},
		Delivery: Delivery{Rate: 40, DMEvery: 10 * time.Minute, DMDailyCap: 24, FailingAfter: 3},
		Log:      Log{Level: "info", Format: "text"},
	}
}

// Load builds the configuration: defaults, then the YAML file at path (if
// path is not empty), then the environment read through getenv. The error
// names every key that is wrong.
func Load(path string, getenv func(string) string) (*Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := c.apply(data); err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// field is one settable key, found by reflection over Config.
type field struct {
	key    string // "feeds.poll_interval"
	env    string // "NEWSBOT_FEEDS_POLL_INTERVAL"
	doc    string
	secret bool
	value  reflect.Value // settable
}

// fields lists every key of c in declaration order.
func (c *Config) fields() []field {
	var out []field
	root := reflect.ValueOf(c).Elem()
	for i := range root.NumField() {
		sf := root.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		section := sf.Tag.Get("yaml")
		sv := root.Field(i)
		for j := range sv.NumField() {
			kf := sv.Type().Field(j)
			name := kf.Tag.Get("yaml")
			out = append(out, field{
				key:    section + "." + name,
				env:    "NEWSBOT_" + strings.ToUpper(section) + "_" + strings.ToUpper(name),
				doc:    kf.Tag.Get("doc"),
				secret: kf.Tag.Get("secret") == "true",
				value:  sv.Field(j),
			})
		}
	}
	return out
}

// apply sets the keys found in a YAML document. Unknown keys and values
// of the wrong type are errors naming the key.
func (c *Config) apply(data []byte) error {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("not valid YAML: %w", err)
	}
	byKey := map[string]field{}
	sections := map[string]bool{}
	for _, f := range c.fields() {
		byKey[f.key] = f
		sections[strings.SplitN(f.key, ".", 2)[0]] = true
	}
	var errs []error
	for _, section := range sortedKeys(doc) {
		if !sections[section] {
			errs = append(errs, fmt.Errorf("unknown section %q: want one of %s", section, strings.Join(sortedKeys(sections), ", ")))
			continue
		}
		if doc[section] == nil {
			continue // "feeds:" with nothing under it
		}
		m, ok := doc[section].(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: want a mapping of keys, got %s", section, describe(doc[section])))
			continue
		}
		for _, name := range sortedKeys(m) {
			key := section + "." + name
			f, ok := byKey[key]
			if !ok {
				errs = append(errs, fmt.Errorf("unknown key %q", key))
				continue
			}
			s, err := scalar(m[name])
			if err == nil {
				err = set(f, s)
			}
			c.mark(key)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
			}
		}
	}
	return errors.Join(errs...)
}

// applyEnv sets the keys found in the environment.
func (c *Config) applyEnv(getenv func(string) string) error {
	var errs []error
	for _, f := range c.fields() {
		v := getenv(f.env)
		if v == "" && f.key == "discord.token" {
			v = getenv("DISCORD_TOKEN")
		}
		if v == "" {
			continue
		}
		if err := set(f, v); err != nil {
			errs = append(errs, fmt.Errorf("config: %s (from %s): %w", f.key, f.env, err))
		}
		c.mark(f.key)
	}
	return errors.Join(errs...)
}

// scalar turns a decoded YAML value into the text set parses.
func scalar(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(v), nil
	default:
		return "", fmt.Errorf("want a single value, got %s", describe(v))
	}
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// IsSet reports whether key ("feeds.poll_interval") was given by the file
// or the environment rather than left at its default.
func (c *Config) IsSet(key string) bool { return c.set[key] }

func (c *Config) mark(key string) {
	if c.set == nil {
		c.set = map[string]bool{}
	}
	c.set[key] = true
}

// set parses s into the field according to its Go type.
func set(f field, s string) error {
	s = strings.TrimSpace(s)
	v := f.value
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q: want a duration such as 90s, 10m or 1h", s)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q: want true or false", s)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q: want a whole number", s)
		}
		v.SetInt(n)
	default:
		panic("config: no parser for " + v.Type().String()) // a new field type needs a case here
	}
	return nil
}

// Bounds of feeds.poll_interval. Intervals below a minute are accepted for
// tests and draw a warning.
const (
	MinPollInterval = time.Second
	MaxPollInterval = 24 * time.Hour
	politePoll      = time.Minute
)

// Validate reports every value that is out of range, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key string, value any, want string) {
		errs = append(errs, fmt.Errorf("config: %s %s: want %s", key, quote(value), want))
	}
	oneOf := func(key, value string, allowed ...string) {
		if !slices.Contains(allowed, value) {
			bad(key, value, "one of "+strings.Join(allowed, ", "))
		}
	}

	if u, err := url.Parse(c.Discord.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		bad("discord.api_url", c.Discord.APIURL, "an http or https base URL such as https://discord.com")
	}
	if id := c.Discord.GuildID; id != "" && !isSnowflake(id) {
		bad("discord.guild_id", id, "a Discord id (digits only)")
	}
	if c.Database.Driver == "postgres" {
		errs = append(errs, errors.New(`config: database.driver "postgres": not supported yet; want sqlite`))
	} else {
		oneOf("database.driver", c.Database.Driver, "sqlite")
	}
	if c.Database.Path == "" {
		bad("database.path", c.Database.Path, "a file path")
	}
	if d := c.Feeds.PollInterval; d < MinPollInterval || d > MaxPollInterval {
		bad("feeds.poll_interval", d, "a duration from 1s to 24h")
	}
	if n := c.Feeds.MaxBodyBytes; n < 1<<10 || n > 1<<30 {
		bad("feeds.max_body_bytes", n, "from 1024 to 1073741824 bytes")
	}
	if ua := c.Feeds.UserAgent; strings.TrimSpace(ua) == "" || strings.ContainsAny(ua, "\r\n") {
		bad("feeds.user_agent", ua, "a non-empty single line")
	}
	if n := c.Feeds.PerHostLimit; n < 1 || n > 64 {
		bad("feeds.per_host_limit", n, "from 1 to 64")
	}
	if d := c.Feeds.FetchTimeout; d < time.Second || d > 10*time.Minute {
		bad("feeds.fetch_timeout", d, "a duration from 1s to 10m")
	}
	if n := c.Summary.Sentences; n < 1 || n > 10 {
		bad("summary.sentences", n, "from 1 to 10")
	}
	if n := c.Delivery.Rate; n < 1 || n > 50 {
		bad("delivery.rate", n, "from 1 to 50 per second (Discord allows 50)")
	}
	if d := c.Delivery.DMEvery; d < time.Minute || d > 24*time.Hour {
		bad("delivery.dm_every", d, "a duration from 1m to 24h")
	}
	if n := c.Delivery.DMDailyCap; n < 1 || n > 1000 {
		bad("delivery.dm_daily_cap", n, "from 1 to 1000")
	}
	if n := c.Delivery.FailingAfter; n < 1 || n > 100 {
		bad("delivery.failing_after", n, "from 1 to 100")
	}
	oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf("log.format", c.Log.Format, "text", "json")
	return errors.Join(errs...)
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func isSnowflake(s string) bool {
	if len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// Warnings lists settings that are accepted but unwise.
func (c *Config) Warnings() []string {
	var w []string
	if c.Feeds.PollInterval < politePoll {
		w = append(w, fmt.Sprintf("feeds.poll_interval %s is below 1m: fine for tests, impolite to publishers", c.Feeds.PollInterval))
	}
	if c.Feeds.AllowPrivateNetworks {
		w = append(w, "feeds.allow_private_networks is on: feeds and /summarize may reach this machine's network")
	}
	return w
}

// SlogLevel is Log.Level as a slog.Level.
func (c *Config) SlogLevel() slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.Log.Level)) // Validate accepted it
	return l
}

// Console reports whether no token is set, so the bot runs on the terminal.
func (c *Config) Console() bool { return c.Discord.Token == "" }

// String prints every key with its value, the token redacted.
func (c Config) String() string {
	var b strings.Builder
	for _, f := range c.fields() {
		v := fmt.Sprint(f.value.Interface())
		if f.secret && v != "" {
			v = "[redacted]"
		}
		fmt.Fprintf(&b, "%s = %s\n", f.key, v)
	}
	return b.String()
}

// LogValue keeps the token out of structured logs.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Key describes one configuration key for documentation.
type Key struct {
	Name    string // "feeds.poll_interval"
	Env     string // "NEWSBOT_FEEDS_POLL_INTERVAL"
	Default string
	Doc     string
}

// Keys lists every key with its environment name and default, in the
// order of the YAML sections.
func Keys() []Key {
	c := Default()
	var out []Key
	for _, f := range c.fields() {
		out = append(out, Key{Name: f.key, Env: f.env, Default: fmt.Sprint(f.value.Interface()), Doc: f.doc})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
