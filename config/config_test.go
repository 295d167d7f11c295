package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "newsbot.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load("", noEnv)
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"discord.api_url", c.Discord.APIURL, "https://discord.com"},
		{"database.driver", c.Database.Driver, "sqlite"},
		{"database.path", c.Database.Path, "newsbot.db"},
		{"feeds.poll_interval", c.Feeds.PollInterval, 10 * time.Minute},
		{"feeds.allow_private_networks", c.Feeds.AllowPrivateNetworks, false},
		{"feeds.max_body_bytes", c.Feeds.MaxBodyBytes, int64(10 << 20)},
		{"feeds.per_host_limit", c.Feeds.PerHostLimit, 2},
		{"summary.sentences", c.Summary.Sentences, 3},
		{"log.level", c.Log.Level, "info"},
		{"log.format", c.Log.Format, "text"},
		{"http.listen", c.HTTP.Listen, ""},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("default %s = %v, want %v", ck.key, ck.got, ck.want)
		}
	}
	if !c.Console() {
		t.Error("Console() = false with no token, want true")
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("Warnings() with defaults = %q, want none", w)
	}
}

func TestFileAndEnv(t *testing.T) {
	path := writeFile(t, `
discord:
  guild_id: "123456789012345678"
database:
  path: /tmp/x.db
feeds:
  poll_interval: 5m
  allow_private_networks: true
  max_body_bytes: 2048
summary:
  sentences: 4
log:
  format: json
`)
	env := envMap(map[string]string{
		"NEWSBOT_FEEDS_POLL_INTERVAL": "2s",
		"NEWSBOT_LOG_LEVEL":           "debug",
		"DISCORD_TOKEN":               "secret-token",
		"NEWSBOT_DISCORD_API_URL":     "http://127.0.0.1:8080",
	})
	c, err := Load(path, env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Feeds.PollInterval != 2*time.Second {
		t.Errorf("poll_interval = %v, want 2s (env beats file)", c.Feeds.PollInterval)
	}
	if c.Database.Path != "/tmp/x.db" || c.Summary.Sentences != 4 || c.Log.Format != "json" || !c.Feeds.AllowPrivateNetworks || c.Feeds.MaxBodyBytes != 2048 {
		t.Errorf("file values not applied: %+v", c)
	}
	for key, want := range map[string]bool{"feeds.poll_interval": true, "database.path": true, "log.level": true, "discord.token": true, "http.listen": false, "summary.sentences": true, "feeds.user_agent": false} {
		if c.IsSet(key) != want {
			t.Errorf("IsSet(%s) = %v, want %v", key, c.IsSet(key), want)
		}
	}
	if c.Log.Level != "debug" || c.Discord.APIURL != "http://127.0.0.1:8080" || c.Discord.GuildID != "123456789012345678" {
		t.Errorf("env values not applied: %+v", c.Discord)
	}
	if c.Discord.Token != "secret-token" || c.Console() {
		t.Errorf("token from DISCORD_TOKEN not applied")
	}
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "feeds.poll_interval 2s") || !strings.Contains(w, "allow_private_networks") {
		t.Errorf("Warnings() = %q, want poll interval and private network warnings", w)
	}
}

func TestTokenPrecedenceAndRedaction(t *testing.T) {
	c, err := Load("", envMap(map[string]string{
		"DISCORD_TOKEN":         "plain",
		"NEWSBOT_DISCORD_TOKEN": "prefixed-secret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Discord.Token != "prefixed-secret" {
		t.Errorf("token = %q, want NEWSBOT_DISCORD_TOKEN to win", c.Discord.Token)
	}
	for _, s := range []string{c.String(), c.LogValue().String()} {
		if strings.Contains(s, "prefixed-secret") {
			t.Errorf("token leaked: %s", s)
		}
		if !strings.Contains(s, "discord.token = [redacted]") {
			t.Errorf("String() = %q, want the token shown as [redacted]", s)
		}
	}
}

func TestBadValues(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{"unknown log level", "", map[string]string{"NEWSBOT_LOG_LEVEL": "loud"},
			`config: log.level "loud": want one of debug, info, warn, error`},
		{"unknown log format", "log:\n  format: xml\n", nil,
			`config: log.format "xml": want one of text, json`},
		{"unknown key", "feeds:\n  poll_intervall: 5m\n", nil,
			`unknown key "feeds.poll_intervall"`},
		{"unknown section", "discrod:\n  token: x\n", nil,
			`unknown section "discrod": want one of database, delivery, discord, feeds, http, log, summary`},
		{"section not a mapping", "feeds: 5\n", nil,
			`feeds: want a mapping of keys, got "5"`},
		{"list for a scalar", "log:\n  level: [debug]\n", nil,
			`log.level: want a single value, got a list`},
		{"duration not a duration", "feeds:\n  poll_interval: often\n", nil,
			`feeds.poll_interval: "often": want a duration such as 90s, 10m or 1h`},
		{"number not a number", "", map[string]string{"NEWSBOT_SUMMARY_SENTENCES": "three"},
			`config: summary.sentences (from NEWSBOT_SUMMARY_SENTENCES): "three": want a whole number`},
		{"bool not a bool", "", map[string]string{"NEWSBOT_FEEDS_ALLOW_PRIVATE_NETWORKS": "maybe"},
			`"maybe": want true or false`},
		{"poll interval too short", "", map[string]string{"NEWSBOT_FEEDS_POLL_INTERVAL": "500ms"},
			`config: feeds.poll_interval 500ms: want a duration from 1s to 24h`},
		{"too many sentences", "summary:\n  sentences: 40\n", nil,
			`config: summary.sentences 40: want from 1 to 10`},
		{"api url without scheme", "", map[string]string{"NEWSBOT_DISCORD_API_URL": "discord.com"},
			`config: discord.api_url "discord.com": want an http or https base URL`},
		{"guild id not a snowflake", "", map[string]string{"NEWSBOT_DISCORD_GUILD_ID": "my-guild"},
			`config: discord.guild_id "my-guild": want a Discord id (digits only)`},
		{"postgres not yet", "database:\n  driver: postgres\n", nil,
			`config: database.driver "postgres": not supported yet; want sqlite`},
		{"body cap too small", "feeds:\n  max_body_bytes: 10\n", nil,
			`config: feeds.max_body_bytes 10: want from 1024 to 1073741824 bytes`},
		{"user agent with newline", "", map[string]string{"NEWSBOT_FEEDS_USER_AGENT": "a\nb"},
			`config: feeds.user_agent`},
		{"not yaml", "feeds: [unclosed\n", nil, `not valid YAML`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			_, err := Load(path, envMap(tt.env))
			if err == nil {
				t.Fatalf("Load succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSeveralErrorsReportedTogether(t *testing.T) {
	path := writeFile(t, "log:\n  level: loud\n  format: xml\n")
	_, err := Load(path, noEnv)
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	for _, want := range []string{"log.level", "log.format"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error = %q, want it to name %s", err, want)
		}
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load(missing) error = %v, want it to name the file", err)
	}
}

func TestEmptySectionsAndFile(t *testing.T) {
	for _, body := range []string{"", "feeds:\n", "# only a comment\n"} {
		if _, err := Load(writeFile(t, body), noEnv); err != nil {
			t.Errorf("Load(%q) = %v, want defaults", body, err)
		}
	}
}

func TestKeysDocumentEveryField(t *testing.T) {
	keys := Keys()
	if len(keys) < 15 {
		t.Fatalf("Keys() has %d keys, want every field", len(keys))
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.Doc == "" {
			t.Errorf("key %s has no doc tag", k.Name)
		}
		if seen[k.Env] {
			t.Errorf("env name %s used twice", k.Env)
		}
		seen[k.Env] = true
		if want := "NEWSBOT_" + strings.ToUpper(strings.ReplaceAll(k.Name, ".", "_")); k.Env != want {
			t.Errorf("key %s env = %s, want %s", k.Name, k.Env, want)
		}
	}
}

// The README's table and the example file must name every key.
func TestDocsNameEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(readme), "`"+k.Env+"`") {
			t.Errorf("README.md does not document %s (%s)", k.Name, k.Env)
		}
	}
	example := filepath.Join("..", "newsbot.example.yaml")
	c, err := Load(example, noEnv)
	if err != nil {
		t.Fatalf("the example configuration does not load: %v", err)
	}
	if got, want := c.String(), Default().String(); got != want {
		t.Errorf("the example configuration differs from the defaults:\n%s\nwant\n%s", got, want)
	}
	body, _ := os.ReadFile(example)
	for _, k := range Keys() {
		name := k.Name[strings.IndexByte(k.Name, '.')+1:]
		if !strings.Contains(string(body), "  "+name+":") {
			t.Errorf("newsbot.example.yaml does not show %s", k.Name)
		}
	}
}
