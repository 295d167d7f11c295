package discordtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"newsbot/bot/discordtest"
)

// timeout bounds every wait; generous because discordgo's reconnects sleep
// a second and the race detector slows everything down.
const timeout = 15 * time.Second

// bot is a discordgo session open against a fake, forwarding every
// interaction it receives to a channel.
type bot struct {
	srv          *discordtest.Server
	dg           *discordgo.Session
	interactions chan *discordgo.InteractionCreate
}

// openBot starts a fake with cfg and opens a session on it; setup, when
// given, runs before Open (to add handlers).
func openBot(t *testing.T, cfg discordtest.Config, setup func(*discordgo.Session)) *bot {
	t.Helper()
	srv := discordtest.NewWithConfig(t, cfg)
	dg := srv.Session(t)
	b := &bot{srv: srv, dg: dg, interactions: make(chan *discordgo.InteractionCreate, 64)}
	dg.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { b.interactions <- i })
	if setup != nil {
		setup(dg)
	}
	if err := dg.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return b
}

// next returns the next interaction the session received.
func (b *bot) next(t *testing.T) *discordgo.InteractionCreate {
	t.Helper()
	select {
	case i := <-b.interactions:
		return i
	case <-time.After(timeout):
		t.Fatalf("no interaction received within %v", timeout)
		return nil
	}
}

// restError returns the HTTP status and Discord error code of err, which
// must be a *discordgo.RESTError.
func restError(t *testing.T, err error) (status, code int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *discordgo.RESTError", err, err)
		return 0, 0
	}
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}

func message(content string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content},
	}
}

func ptr[T any](v T) *T { return &v }

func TestOpenFillsStateFromReady(t *testing.T) {
	t.Parallel()
	guilds := make(chan string, 4)
	b := openBot(t, discordtest.Config{}, func(dg *discordgo.Session) {
		dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { guilds <- g.ID })
	})
	srv, dg := b.srv, b.dg

	if dg.State.User == nil || dg.State.User.ID != srv.AppID() || !dg.State.User.Bot {
		t.Errorf("State.User = %+v, want bot user %q", dg.State.User, srv.AppID())
	}
	if dg.State.Application == nil || dg.State.Application.ID != srv.AppID() {
		t.Errorf("State.Application = %+v, want ID %q", dg.State.Application, srv.AppID())
	}
	if dg.State.SessionID == "" {
		t.Error("State.SessionID is empty")
	}
	op := srv.WaitGatewayOp(t, 2, timeout)
	if op.Identify == nil || op.Identify.Intents != discordgo.IntentsGuilds || op.Identify.Token != srv.Token() {
		t.Errorf("IDENTIFY = %+v, want intents %d and token %q", op.Identify, discordgo.IntentsGuilds, srv.Token())
	}
	select {
	case id := <-guilds:
		if id != srv.GuildID() {
			t.Errorf("GUILD_CREATE for %q, want %q", id, srv.GuildID())
		}
	case <-time.After(timeout):
		t.Fatal("no GUILD_CREATE")
	}
	ch, err := dg.State.Channel(srv.ChannelID())
	if err != nil || ch.Name != "general" || ch.GuildID != srv.GuildID() {
		t.Errorf("State.Channel(%q) = %+v, %v; want #general in the default guild", srv.ChannelID(), ch, err)
	}
	// The first heartbeat leaves straight after Open, before or after
	// GUILD_CREATE is read.
	if hb := srv.WaitGatewayOp(t, 1, timeout); string(hb.Data) != "1" && string(hb.Data) != "2" {
		t.Errorf("first heartbeat d = %s, want the last sequence number, 1 or 2", hb.Data)
	}
	srv.WaitConnected(t, timeout)
}

func TestClientSendsEverythingToTheFake(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	client := srv.Client()
	tests := []struct {
		name       string
		method     string
		url        string
		auth       bool
		wantStatus int
		wantBody   map[string]any
	}{
		{"gateway discovery needs no token", "GET", "https://discord.com/api/v9/gateway?v=9", false, 200, map[string]any{"url": srv.GatewayURL()}},
		{"missing authorization", "GET", "https://discord.com/api/v9/channels/1", false, 401, map[string]any{"message": "401: Unauthorized", "code": 0.0}},
		{"unknown route", "GET", "https://discord.com/api/v9/nothing/here", true, 404, map[string]any{"message": "404: Not Found", "code": 0.0}},
		{"unclean path is not redirected", "POST", "https://discord.com/api/v9/channels//messages", true, 404, map[string]any{"message": "404: Not Found", "code": 0.0}},
		{"known route with a token", "GET", "https://discord.com/api/v9/users/@me", true, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth {
				req.Header.Set("Authorization", srv.Token())
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.url, err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.url, resp.StatusCode, body, tt.wantStatus)
			}
			if tt.wantBody != nil {
				var got map[string]any
				if err := json.Unmarshal(body, &got); err != nil || fmt.Sprint(got) != fmt.Sprint(tt.wantBody) {
					t.Errorf("%s %s body = %s, want %v", tt.method, tt.url, body, tt.wantBody)
				}
			}
			rec := srv.WaitRequest(t, tt.method, req.URL.Path, timeout)
			if rec.Status != tt.wantStatus {
				t.Errorf("recorded status = %d, want %d", rec.Status, tt.wantStatus)
			}
			if resp.Header.Get("X-RateLimit-Remaining") == "" || resp.Header.Get("X-RateLimit-Bucket") == "" {
				t.Errorf("answer lacks rate-limit headers: %v", resp.Header)
			}
		})
	}
	if got := srv.RequestsTo("GET", "/api/v9/gateway"); len(got) != 1 || got[0].Query.Get("v") != "9" {
		t.Errorf("recorded gateway requests = %+v, want one with v=9", got)
	}
}

func feedCommands(manage int64, feedDescription string) []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{
		{
			Name:                     "feed",
			Description:              feedDescription,
			DefaultMemberPermissions: &manage,
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Follow a feed", Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "Feed or site address", Required: true},
					{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Where to post"},
				}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "remove", Description: "Stop following a feed", Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: "feed", Description: "The feed", Required: true, Autocomplete: true},
				}},
			},
		},
		{
			Name:        "search",
			Description: "Search the news",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "query", Description: "Words to look for", Required: true},
			},
		},
	}
}

func commandNames(cmds []*discordgo.ApplicationCommand) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

func TestCommandsAreRegisteredAndReadBack(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	app := srv.AppID()
	manage := int64(discordgo.PermissionManageChannels)

	created, err := dg.ApplicationCommandBulkOverwrite(app, "", feedCommands(manage, "Manage feeds"))
	if err != nil {
		t.Fatalf("bulk overwrite: %v", err)
	}
	if got := commandNames(created); !slices.Equal(got, []string{"feed", "search"}) {
		t.Fatalf("bulk overwrite returned %q, want [feed search]", got)
	}
	for _, c := range created {
		if c.ID == "" || c.ApplicationID != app || c.Version == "" {
			t.Errorf("returned command %q: id %q, application_id %q, version %q; want all set", c.Name, c.ID, c.ApplicationID, c.Version)
		}
	}
	stored := srv.Commands("")
	if got := commandNames(stored); !slices.Equal(got, []string{"feed", "search"}) {
		t.Fatalf("Commands(\"\") = %q, want [feed search]", got)
	}
	feed := stored[0]
	if feed.DefaultMemberPermissions == nil || *feed.DefaultMemberPermissions != manage {
		t.Errorf("feed default_member_permissions = %v, want %d", feed.DefaultMemberPermissions, manage)
	}
	if add := feed.Options[0]; add.Name != "add" || add.Options[0].Name != "url" || !add.Options[0].Required {
		t.Errorf("feed options = %+v, want add(url required, ...)", add)
	}
	if last := srv.WaitRequest(t, "PUT", "/api/v9/applications/*/commands", timeout); last.Status != 200 {
		t.Errorf("PUT status = %d, want 200", last.Status)
	}

	// Overwriting again keeps the ID of a command with the same name and
	// drops the commands left out, as Discord does.
	again, err := dg.ApplicationCommandBulkOverwrite(app, "", feedCommands(manage, "Manage the feeds of this server")[:1])
	if err != nil {
		t.Fatalf("second bulk overwrite: %v", err)
	}
	if len(again) != 1 || again[0].ID != created[0].ID {
		t.Errorf("second overwrite = %+v, want feed with ID %q", again, created[0].ID)
	}
	listed, err := dg.ApplicationCommands(app, "")
	if err != nil {
		t.Fatalf("list commands: %v", err)
	}
	if len(listed) != 1 || listed[0].Description != "Manage the feeds of this server" {
		t.Errorf("listed commands = %+v, want the new feed only", listed)
	}

	// Guild commands are a scope of their own.
	help := &discordgo.ApplicationCommand{Name: "help", Description: "What the bot does"}
	if _, err := dg.ApplicationCommandBulkOverwrite(app, srv.GuildID(), []*discordgo.ApplicationCommand{help}); err != nil {
		t.Fatalf("guild bulk overwrite: %v", err)
	}
	if got := commandNames(srv.Commands(srv.GuildID())); !slices.Equal(got, []string{"help"}) {
		t.Errorf("guild commands = %q, want [help]", got)
	}
	if got := commandNames(srv.Commands("")); !slices.Equal(got, []string{"feed"}) {
		t.Errorf("global commands after a guild overwrite = %q, want [feed]", got)
	}

	one, err := dg.ApplicationCommandCreate(app, srv.GuildID(), &discordgo.ApplicationCommand{Name: "digest", Description: "Digests"})
	if err != nil {
		t.Fatalf("create command: %v", err)
	}
	if r := srv.WaitRequest(t, "POST", "/api/v9/applications/*/guilds/*/commands", timeout); r.Status != http.StatusCreated {
		t.Errorf("create status = %d, want 201", r.Status)
	}
	renamed, err := dg.ApplicationCommandEdit(app, srv.GuildID(), one.ID, &discordgo.ApplicationCommand{Name: "digest", Description: "Scheduled digests"})
	if err != nil || renamed.ID != one.ID || renamed.Description != "Scheduled digests" {
		t.Errorf("ApplicationCommandEdit = %+v, %v; want %q with the new description", renamed, err, one.ID)
	}
	if err := dg.ApplicationCommandDelete(app, srv.GuildID(), one.ID); err != nil {
		t.Fatalf("delete command: %v", err)
	}
	if got := commandNames(srv.Commands(srv.GuildID())); !slices.Equal(got, []string{"help"}) {
		t.Errorf("guild commands after create and delete = %q, want [help]", got)
	}
	if _, err := dg.ApplicationCommandBulkOverwrite("999", "", nil); err == nil {
		t.Error("bulk overwrite for another application succeeded, want 403")
	} else if status, code := restError(t, err); status != 403 || code != 50001 {
		t.Errorf("bulk overwrite for another application = %d %d, want 403 50001", status, code)
	}
}

func TestInvalidCommandsAreRejected(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	str := discordgo.ApplicationCommandOptionString
	choices := make([]*discordgo.ApplicationCommandOptionChoice, 26)
	for i := range choices {
		choices[i] = &discordgo.ApplicationCommandOptionChoice{Name: "c" + strconv.Itoa(i), Value: "v" + strconv.Itoa(i)}
	}
	tests := []struct {
		name     string
		cmds     []*discordgo.ApplicationCommand
		wantCode string
	}{
		{"upper-case name", []*discordgo.ApplicationCommand{{Name: "Feed", Description: "d"}}, "APPLICATION_COMMAND_INVALID_NAME"},
		{"missing description", []*discordgo.ApplicationCommand{{Name: "feed"}}, "BASE_TYPE_BAD_LENGTH"},
		{"description over 100 characters", []*discordgo.ApplicationCommand{{Name: "feed", Description: strings.Repeat("d", 101)}}, "BASE_TYPE_BAD_LENGTH"},
		{"26 choices", []*discordgo.ApplicationCommand{{Name: "feed", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "mode", Description: "d", Choices: choices},
		}}}, "BASE_TYPE_MAX_LENGTH"},
		{"required option after an optional one", []*discordgo.ApplicationCommand{{Name: "feed", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: str, Name: "a", Description: "d"},
			{Type: str, Name: "b", Description: "d", Required: true},
		}}}, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"},
		{"subcommand beside a plain option", []*discordgo.ApplicationCommand{{Name: "feed", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "d"},
			{Type: str, Name: "b", Description: "d"},
		}}}, "APPLICATION_COMMAND_OPTION_TYPE_INVALID"},
		{"duplicate names", []*discordgo.ApplicationCommand{{Name: "feed", Description: "d"}, {Name: "feed", Description: "e"}}, "APPLICATION_COMMANDS_DUPLICATE_NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dg.ApplicationCommandBulkOverwrite(srv.AppID(), "", tt.cmds)
			if err == nil {
				t.Fatal("bulk overwrite succeeded, want 400 Invalid Form Body")
			}
			status, code := restError(t, err)
			var re *discordgo.RESTError
			errors.As(err, &re)
			if status != 400 || code != 50035 || !bytes.Contains(re.ResponseBody, []byte(tt.wantCode)) {
				t.Errorf("bulk overwrite = %d %d %s, want 400 50035 with %s", status, code, re.ResponseBody, tt.wantCode)
			}
			if got := srv.Commands(""); len(got) != 0 {
				t.Errorf("Commands after a rejected overwrite = %q, want none", commandNames(got))
			}
		})
	}
}

// render writes a command and its options as the handler saw them.
func render(name string, opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	parts := []string{name}
	for _, o := range opts {
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			parts = append(parts, render(o.Name, o.Options))
		case discordgo.ApplicationCommandOptionInteger:
			parts = append(parts, fmt.Sprintf("%s=%d", o.Name, o.IntValue()))
		case discordgo.ApplicationCommandOptionNumber:
			parts = append(parts, fmt.Sprintf("%s=%g", o.Name, o.FloatValue()))
		case discordgo.ApplicationCommandOptionBoolean:
			parts = append(parts, fmt.Sprintf("%s=%t", o.Name, o.BoolValue()))
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", o.Name, o.Value))
		}
	}
	return strings.Join(parts, " ")
}

func TestSlashCommandAnsweredByHandler(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 16)
	srv := discordtest.New(t)
	dg := srv.Session(t)
	dg.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		data := i.ApplicationCommandData()
		content := render(data.Name, data.Options)
		if data.Resolved != nil {
			for id, u := range data.Resolved.Users {
				content += fmt.Sprintf(" (%s is %s)", id, u.Username)
			}
		}
		errs <- s.InteractionRespond(i.Interaction, message(content))
	})
	if err := dg.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	s := discordtest.StringOption
	tests := []struct {
		name    string
		command string
		options []*discordgo.ApplicationCommandInteractionDataOption
		want    string
	}{
		{"string option", "search", []*discordgo.ApplicationCommandInteractionDataOption{s("query", "prisoner exchange")}, "search query=prisoner exchange"},
		{"subcommand with options", "feed", []*discordgo.ApplicationCommandInteractionDataOption{
			discordtest.Subcommand("add", s("url", "https://example.com/feed.xml"), discordtest.ChannelOption("channel", srv.ChannelID())),
		}, "feed add url=https://example.com/feed.xml channel=" + srv.ChannelID()},
		{"subcommand group", "digest", []*discordgo.ApplicationCommandInteractionDataOption{
			discordtest.SubcommandGroup("schedule", discordtest.Subcommand("set", s("cron", "0 8 * * *"), discordtest.IntegerOption("max", 5))),
		}, "digest schedule set cron=0 8 * * * max=5"},
		{"boolean and number", "summarize", []*discordgo.ApplicationCommandInteractionDataOption{
			discordtest.BooleanOption("short", true), discordtest.NumberOption("ratio", 0.25),
		}, "summarize short=true ratio=0.25"},
		{"user option is resolved", "subscribe", []*discordgo.ApplicationCommandInteractionDataOption{
			discordtest.UserOption("for", "1100000000000000042"),
		}, "subscribe for=1100000000000000042 (1100000000000000042 is user0042)"},
		{"no options", "help", nil, "help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := srv.SlashCommand(t, discordtest.Invoke{}, tt.command, tt.options...)
			req := srv.WaitRequest(t, "POST", ix.CallbackPath(), timeout)
			if err := <-errs; err != nil {
				t.Fatalf("InteractionRespond: %v", err)
			}
			if req.Status != http.StatusNoContent {
				t.Errorf("callback status = %d, want 204", req.Status)
			}
			var body struct {
				Type int `json:"type"`
				Data struct {
					Content string `json:"content"`
				} `json:"data"`
			}
			req.Decode(t, &body)
			if body.Type != 4 || body.Data.Content != tt.want {
				t.Errorf("callback = type %d %q, want type 4 %q", body.Type, body.Data.Content, tt.want)
			}
			r := srv.Reply(ix)
			if r.Type != discordgo.InteractionResponseChannelMessageWithSource || r.Original == nil || r.Original.Content != tt.want {
				t.Fatalf("Reply = %+v, want the response %q", r, tt.want)
			}
			if r.Original.Type != discordgo.MessageTypeChatInputCommand || r.Original.ChannelID != srv.ChannelID() || r.Original.Author.ID != srv.AppID() {
				t.Errorf("original message = type %d in %q by %+v, want a command reply in %q by the bot", r.Original.Type, r.Original.ChannelID, r.Original.Author, srv.ChannelID())
			}
		})
	}
}

func TestInteractionContext(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{}, nil)
	srv := b.srv
	manage := int64(discordgo.PermissionManageChannels)
	tests := []struct {
		name            string
		from            discordtest.Invoke
		wantGuild       string
		wantChannel     string
		wantUser        string
		wantMember      bool
		wantPermissions int64
	}{
		{"default member", discordtest.Invoke{}, srv.GuildID(), srv.ChannelID(), srv.UserID(), true, 0},
		{"admin in another channel", discordtest.Invoke{ChannelID: "1100000000000000077", UserID: "1100000000000000088", Username: "alice", Permissions: manage}, srv.GuildID(), "1100000000000000077", "1100000000000000088", true, manage},
		{"direct message", discordtest.Invoke{DM: true}, "", srv.DMChannelID(srv.UserID()), srv.UserID(), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := srv.SlashCommand(t, tt.from, "subscriptions")
			i := b.next(t)
			if i.ID != ix.ID || i.Token != ix.Token || i.AppID != srv.AppID() || i.Version != 1 {
				t.Errorf("interaction = id %q token %q app %q v%d, want %q %q %q v1", i.ID, i.Token, i.AppID, i.Version, ix.ID, ix.Token, srv.AppID())
			}
			if i.GuildID != tt.wantGuild || i.ChannelID != tt.wantChannel {
				t.Errorf("guild, channel = %q, %q; want %q, %q", i.GuildID, i.ChannelID, tt.wantGuild, tt.wantChannel)
			}
			if tt.wantMember {
				if i.Member == nil || i.User != nil || i.Member.User.ID != tt.wantUser || i.Member.Permissions != tt.wantPermissions {
					t.Errorf("member = %+v, user = %+v; want member %q with permissions %d", i.Member, i.User, tt.wantUser, tt.wantPermissions)
				}
			} else if i.Member != nil || i.User == nil || i.User.ID != tt.wantUser {
				t.Errorf("member = %+v, user = %+v; want user %q and no member", i.Member, i.User, tt.wantUser)
			}
			if i.AppPermissions != discordgo.PermissionAll || i.Locale != discordgo.EnglishUS {
				t.Errorf("app_permissions %d, locale %q; want all and en-US", i.AppPermissions, i.Locale)
			}
			if err := b.dg.InteractionRespond(i.Interaction, message("ok")); err != nil {
				t.Fatalf("InteractionRespond: %v", err)
			}
			if r := srv.Reply(ix); r.Original == nil || r.Original.ChannelID != tt.wantChannel || r.Original.GuildID != tt.wantGuild {
				t.Errorf("reply = %+v, want a message in %q", r.Original, tt.wantChannel)
			}
		})
	}
	if u := srv.Reply(discordtest.Interaction{Token: "unknown"}); u.Type != 0 || u.Original != nil {
		t.Errorf("Reply(unknown) = %+v, want zero", u)
	}
}

func TestDeferredResponse(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{}, nil)
	srv, dg := b.srv, b.dg

	t.Run("edited", func(t *testing.T) {
		ix := srv.SlashCommand(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", "golang"))
		i := b.next(t)
		err := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
		})
		if err != nil {
			t.Fatalf("defer: %v", err)
		}
		if r := srv.Reply(ix); r.Original == nil || r.Original.Flags != discordgo.MessageFlagsEphemeral|discordgo.MessageFlagsLoading {
			t.Fatalf("after deferring, original = %+v, want an ephemeral loading message", r.Original)
		}
		edited, err := dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: ptr("3 results")})
		if err != nil {
			t.Fatalf("InteractionResponseEdit: %v", err)
		}
		if edited.Content != "3 results" || edited.EditedTimestamp == nil {
			t.Errorf("edit returned %+v, want content %q and an edit time", edited, "3 results")
		}
		if req := srv.WaitRequest(t, "PATCH", ix.OriginalPath(), timeout); req.Status != 200 {
			t.Errorf("PATCH @original status = %d, want 200", req.Status)
		}
		if got, err := dg.InteractionResponse(i.Interaction); err != nil || got.ID != edited.ID || got.Content != "3 results" {
			t.Errorf("InteractionResponse = %+v, %v; want the edited message", got, err)
		}
		followup, err := dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "page 2"})
		if err != nil {
			t.Fatalf("FollowupMessageCreate: %v", err)
		}
		r := srv.Reply(ix)
		if r.Original.Content != "3 results" || r.Original.Flags != discordgo.MessageFlagsEphemeral {
			t.Errorf("original = %q flags %d, want %q flags %d", r.Original.Content, r.Original.Flags, "3 results", discordgo.MessageFlagsEphemeral)
		}
		if len(r.Followups) != 1 || r.Followups[0].ID != followup.ID || r.Followups[0].Content != "page 2" {
			t.Errorf("followups = %+v, want the one with ID %q", r.Followups, followup.ID)
		}
		if m := srv.Message(followup.ID); m == nil || m.Content != "page 2" || m.WebhookID != srv.AppID() {
			t.Errorf("Message(follow-up) = %+v, want it sent through the application's webhook", m)
		}
		if got := srv.Messages(srv.ChannelID()); len(got) != 0 {
			t.Errorf("Messages(channel) = %d, want 0: interaction messages are in Reply", len(got))
		}
		if err := dg.InteractionResponseDelete(i.Interaction); err != nil {
			t.Fatalf("InteractionResponseDelete: %v", err)
		}
		if r := srv.Reply(ix); r.Original != nil {
			t.Errorf("original after delete = %+v, want none", r.Original)
		}
	})

	t.Run("first follow-up fills the thinking message", func(t *testing.T) {
		ix := srv.SlashCommand(t, discordtest.Invoke{}, "summarize")
		i := b.next(t)
		if err := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
			t.Fatalf("defer: %v", err)
		}
		m, err := dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "summary"})
		if err != nil {
			t.Fatalf("FollowupMessageCreate: %v", err)
		}
		r := srv.Reply(ix)
		if r.Original == nil || m.ID != r.Original.ID || r.Original.Content != "summary" || r.Original.Flags&discordgo.MessageFlagsLoading != 0 || len(r.Followups) != 0 {
			t.Errorf("reply = %+v (follow-up %q), want the original filled in with %q", r, m.ID, "summary")
		}
		if _, err := dg.FollowupMessageCreate(i.Interaction, false, &discordgo.WebhookParams{Content: "more"}); err != nil {
			t.Fatalf("FollowupMessageCreate without wait: %v", err)
		}
		if req := srv.WaitRequest(t, "POST", ix.FollowupPath(), timeout); req.Status != 200 {
			t.Errorf("first follow-up status = %d, want 200", req.Status)
		}
		if req := srv.WaitRequest(t, "POST", ix.FollowupPath(), timeout); req.Status != 204 {
			t.Errorf("follow-up without wait status = %d, want 204", req.Status)
		}
	})
}

func TestRateLimitedCallbackIsWaitedOut(t *testing.T) {
	t.Parallel()
	limited := make(chan *discordgo.RateLimit, 4)
	b := openBot(t, discordtest.Config{}, func(dg *discordgo.Session) {
		dg.AddHandler(func(_ *discordgo.Session, rl *discordgo.RateLimit) { limited <- rl })
	})
	b.srv.RateLimitNext("POST", "/api/v9/interactions/*/*/callback", 1)
	ix := b.srv.SlashCommand(t, discordtest.Invoke{}, "help")
	i := b.next(t)
	if err := b.dg.InteractionRespond(i.Interaction, message("help text")); err != nil {
		t.Fatalf("InteractionRespond: %v", err)
	}
	if got := b.srv.Statuses("POST", ix.CallbackPath()); !slices.Equal(got, []int{429, 204}) {
		t.Errorf("callback statuses = %v, want [429 204]", got)
	}
	select {
	case rl := <-limited:
		if !strings.HasSuffix(rl.URL, ix.CallbackPath()) || rl.RetryAfter != 50*time.Millisecond {
			t.Errorf("rate limit event = %s retry %v, want the callback and 50ms", rl.URL, rl.RetryAfter)
		}
	case <-time.After(timeout):
		t.Error("discordgo emitted no RateLimit event")
	}
	if r := b.srv.Reply(ix); r.Original == nil || r.Original.Content != "help text" {
		t.Errorf("reply = %+v, want %q", r.Original, "help text")
	}
}

func TestGatewayReconnectResumes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		knob         func(*discordtest.Server)
		injectBefore bool // inject while the client is away; it must be replayed
	}{
		{"dropped socket", (*discordtest.Server).DropConnections, false},
		{"dropped socket, event while away", (*discordtest.Server).DropConnections, true},
		{"op 7 reconnect", (*discordtest.Server).RequestReconnect, false},
		{"op 7 reconnect, event while away", (*discordtest.Server).RequestReconnect, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := openBot(t, discordtest.Config{}, nil)
			srv := b.srv
			sessionID := b.dg.State.SessionID
			first := srv.SlashCommand(t, discordtest.Invoke{}, "help")
			if got := b.next(t); got.ID != first.ID {
				t.Fatalf("got interaction %q, want %q", got.ID, first.ID)
			}

			tt.knob(srv)
			var during discordtest.Interaction
			if tt.injectBefore {
				during = srv.SlashCommand(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", "while away"))
			}
			resume := srv.WaitGatewayOp(t, 6, timeout)
			// READY is 1, GUILD_CREATE 2, the interaction 3.
			if resume.Resume == nil || resume.Resume.SessionID != sessionID || resume.Resume.Seq != 3 || resume.Conn != 2 {
				t.Errorf("RESUME = %+v on connection %d, want session %q seq 3 on connection 2", resume.Resume, resume.Conn, sessionID)
			}
			if n := len(gatewayOps(srv, 2)); n != 1 {
				t.Errorf("%d IDENTIFYs, want 1 (resumed, not identified again)", n)
			}
			srv.WaitConnected(t, timeout)
			if tt.injectBefore {
				got := b.next(t)
				if got.ID != during.ID || got.ApplicationCommandData().Options[0].StringValue() != "while away" {
					t.Errorf("replayed interaction %q, want %q", got.ID, during.ID)
				}
			}
			after := srv.SlashCommand(t, discordtest.Invoke{}, "help")
			if got := b.next(t); got.ID != after.ID {
				t.Errorf("after resuming got interaction %q, want %q", got.ID, after.ID)
			}
		})
	}
}

func gatewayOps(srv *discordtest.Server, op int) []discordtest.GatewayOp {
	var out []discordtest.GatewayOp
	for _, o := range srv.GatewayOps() {
		if o.Op == op {
			out = append(out, o)
		}
	}
	return out
}

func TestInvalidSessionIdentifiesAgain(t *testing.T) {
	t.Parallel()
	readies := make(chan string, 4)
	b := openBot(t, discordtest.Config{}, func(dg *discordgo.Session) {
		dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { readies <- r.SessionID })
	})
	srv := b.srv
	firstIdentify := srv.WaitGatewayOp(t, 2, timeout)
	first := <-readies

	srv.InvalidateSession()
	second := srv.WaitGatewayOp(t, 2, timeout)
	if second.Conn != firstIdentify.Conn {
		t.Errorf("identified again on connection %d, want the same socket %d", second.Conn, firstIdentify.Conn)
	}
	select {
	case id := <-readies:
		if id == first || id == "" {
			t.Errorf("new session %q, want one other than %q", id, first)
		}
	case <-time.After(timeout):
		t.Fatal("no second READY")
	}
	srv.WaitConnected(t, timeout)
	ix := srv.SlashCommand(t, discordtest.Invoke{}, "help")
	if got := b.next(t); got.ID != ix.ID {
		t.Errorf("got interaction %q, want %q", got.ID, ix.ID)
	}
}

func TestReopenAfterCloseIdentifiesAgain(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{}, nil)
	srv, dg := b.srv, b.dg
	sessionID := dg.State.SessionID
	// Close sends 1000, which ends the session on Discord's side; discordgo
	// still tries to resume it, is told op 9, and identifies. WaitIdle
	// first, or discordgo's first heartbeat can race Close into a reconnect.
	srv.WaitIdle(t, timeout)
	if err := dg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := dg.Open(); err != nil {
		t.Fatalf("Open again: %v", err)
	}
	if r := srv.WaitGatewayOp(t, 6, timeout); r.Resume.SessionID != sessionID {
		t.Errorf("RESUME session %q, want %q", r.Resume.SessionID, sessionID)
	}
	srv.WaitGatewayOp(t, 2, timeout)
	second := srv.WaitGatewayOp(t, 2, timeout)
	if second.Conn != 2 {
		t.Errorf("second IDENTIFY on connection %d, want 2", second.Conn)
	}
	srv.WaitConnected(t, timeout)
	ix := srv.SlashCommand(t, discordtest.Invoke{}, "help")
	if got := b.next(t); got.ID != ix.ID {
		t.Errorf("got interaction %q, want %q", got.ID, ix.ID)
	}
}

func TestWithheldHeartbeatACKsReconnect(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{HeartbeatInterval: 100 * time.Millisecond}, nil)
	srv := b.srv
	srv.WithholdHeartbeatACKs(true)
	resume := srv.WaitGatewayOp(t, 6, timeout)
	srv.WithholdHeartbeatACKs(false)
	if resume.Conn < 2 {
		t.Errorf("RESUME on connection %d, want a new connection", resume.Conn)
	}
	srv.WaitConnected(t, timeout)
	ix := srv.SlashCommand(t, discordtest.Invoke{}, "help")
	if got := b.next(t); got.ID != ix.ID {
		t.Errorf("got interaction %q, want %q", got.ID, ix.ID)
	}
}

func TestOpenRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      discordtest.Config
		token    string
		intents  discordgo.Intent
		wantCode int // 0: Open succeeds
	}{
		{"privileged intent not enabled", discordtest.Config{}, "", discordgo.IntentsGuilds | discordgo.IntentsMessageContent, 4014},
		{"privileged intent enabled", discordtest.Config{AllowPrivilegedIntents: true}, "", discordgo.IntentsGuilds | discordgo.IntentsMessageContent, 0},
		{"wrong token", discordtest.Config{Token: "Bot right"}, "Bot wrong", discordgo.IntentsGuilds, 4004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := discordtest.NewWithConfig(t, tt.cfg)
			dg := srv.Session(t)
			if tt.token != "" {
				dg.Token, dg.Identify.Token = tt.token, tt.token
			}
			dg.Identify.Intents = tt.intents
			err := dg.Open()
			var ce *websocket.CloseError
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Errorf("Open = %v, want success", err)
			case tt.wantCode != 0 && (!errors.As(err, &ce) || ce.Code != tt.wantCode):
				t.Errorf("Open = %v, want close code %d", err, tt.wantCode)
			}
			if op := srv.WaitGatewayOp(t, 2, timeout); op.Identify.Intents != tt.intents {
				t.Errorf("IDENTIFY intents = %d, want %d", op.Identify.Intents, tt.intents)
			}
		})
	}
}

func TestShardsGetTheirGuilds(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	shardOf := func(guildID string) int {
		id, _ := strconv.ParseUint(guildID, 10, 64)
		return int((id >> 22) % 2)
	}
	// One more than the default guild in the timestamp bits: the other shard.
	other := strconv.FormatUint(mustUint(t, srv.GuildID())+1<<22, 10)
	srv.AddChannel(&discordgo.Channel{ID: "1100000000000000500", GuildID: other, Name: "news", Type: discordgo.ChannelTypeGuildText})
	if shardOf(other) == shardOf(srv.GuildID()) {
		t.Fatalf("guilds %s and %s on the same shard", other, srv.GuildID())
	}
	got := make([]chan *discordgo.InteractionCreate, 2)
	for shard := range 2 {
		got[shard] = make(chan *discordgo.InteractionCreate, 4)
		dg := srv.Session(t)
		dg.ShardID, dg.ShardCount = shard, 2
		dg.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got[shard] <- i })
		if err := dg.Open(); err != nil {
			t.Fatalf("Open shard %d: %v", shard, err)
		}
		dg.State.RLock()
		guilds := dg.State.Guilds
		if len(guilds) != 1 || shardOf(guilds[0].ID) != shard {
			t.Errorf("shard %d guilds = %+v, want its one guild", shard, guilds)
		}
		dg.State.RUnlock()
	}
	for _, guild := range []string{srv.GuildID(), other} {
		ix := srv.SlashCommand(t, discordtest.Invoke{GuildID: guild, ChannelID: "1100000000000000500"}, "help")
		select {
		case i := <-got[shardOf(guild)]:
			if i.ID != ix.ID {
				t.Errorf("shard %d got %q, want %q", shardOf(guild), i.ID, ix.ID)
			}
		case <-time.After(timeout):
			t.Fatalf("shard %d got nothing for guild %s", shardOf(guild), guild)
		}
	}
	dm := srv.SlashCommand(t, discordtest.Invoke{DM: true}, "help")
	select {
	case i := <-got[0]:
		if i.ID != dm.ID {
			t.Errorf("shard 0 got %q, want the DM %q", i.ID, dm.ID)
		}
	case <-time.After(timeout):
		t.Fatal("shard 0 got nothing for the DM")
	}
	for shard := range 2 {
		if n := len(got[shard]); n != 0 {
			t.Errorf("shard %d got %d more interactions, want none", shard, n)
		}
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// withNonce is a discordgo request option that adds nonce and
// enforce_nonce to a JSON body; discordgo v0.29.0's MessageSend has
// neither field.
func withNonce(nonce string, enforce bool) discordgo.RequestOption {
	return func(cfg *discordgo.RequestConfig) {
		req := cfg.Request
		body, _ := io.ReadAll(req.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		m["nonce"], m["enforce_nonce"] = nonce, enforce
		body, _ = json.Marshal(m)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
}

// nonceMessage is a message body with Discord's nonce fields.
type nonceMessage struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

func TestNonceMakesSendsIdempotent(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	type send struct {
		channel string
		nonce   string
		enforce bool
	}
	senders := []struct {
		name string
		send func(s send) (*discordgo.Message, error)
	}{
		{"option on ChannelMessageSendComplex", func(s send) (*discordgo.Message, error) {
			return dg.ChannelMessageSendComplex(s.channel, &discordgo.MessageSend{Content: "news"}, withNonce(s.nonce, s.enforce))
		}},
		{"struct with nonce fields", func(s send) (*discordgo.Message, error) {
			url := discordgo.EndpointChannelMessages(s.channel)
			body, err := dg.RequestWithBucketID("POST", url, nonceMessage{&discordgo.MessageSend{Content: "news"}, s.nonce, s.enforce}, url)
			if err != nil {
				return nil, err
			}
			var m discordgo.Message
			return &m, json.Unmarshal(body, &m)
		}},
	}
	tests := []struct {
		name         string
		sends        []send
		wantMessages map[string]int
	}{
		{"same nonce enforced twice", []send{{"c1", "d1", true}, {"c1", "d1", true}}, map[string]int{"c1": 1}},
		{"same nonce not enforced", []send{{"c1", "d1", false}, {"c1", "d1", false}}, map[string]int{"c1": 2}},
		{"different nonces", []send{{"c1", "d1", true}, {"c1", "d2", true}}, map[string]int{"c1": 2}},
		{"same nonce in two channels", []send{{"c1", "d1", true}, {"c2", "d1", true}}, map[string]int{"c1": 1, "c2": 1}},
	}
	n := 0
	for _, sender := range senders {
		for _, tt := range tests {
			t.Run(sender.name+"/"+tt.name, func(t *testing.T) {
				n++
				prefix := strconv.Itoa(n) // channels of their own for each case
				var ids []string
				for _, s := range tt.sends {
					s.channel = prefix + s.channel
					m, err := sender.send(s)
					if err != nil {
						t.Fatalf("send %+v: %v", s, err)
					}
					ids = append(ids, m.ID)
				}
				for ch, want := range tt.wantMessages {
					if got := srv.Messages(prefix + ch); len(got) != want {
						t.Errorf("Messages(%q) = %d messages, want %d", prefix+ch, len(got), want)
					}
				}
				sameID := ids[0] == ids[1]
				if wantSame := len(tt.wantMessages) == 1 && tt.wantMessages["c1"] == 1; sameID != wantSame {
					t.Errorf("message IDs %v: same = %t, want %t", ids, sameID, wantSame)
				}
			})
		}
	}
}

func TestDirectMessage(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	const user = "1100000000000000055"
	ch, err := dg.UserChannelCreate(user)
	if err != nil {
		t.Fatalf("UserChannelCreate: %v", err)
	}
	if ch.Type != discordgo.ChannelTypeDM || ch.ID != srv.DMChannelID(user) || len(ch.Recipients) != 1 || ch.Recipients[0].ID != user {
		t.Fatalf("DM channel = %+v, want type 1 %q with recipient %q", ch, srv.DMChannelID(user), user)
	}
	again, err := dg.UserChannelCreate(user)
	if err != nil || again.ID != ch.ID {
		t.Errorf("second UserChannelCreate = %+v, %v; want the same channel %q", again, err, ch.ID)
	}
	sent, err := dg.ChannelMessageSend(ch.ID, "your topic: ukraine")
	if err != nil {
		t.Fatalf("ChannelMessageSend: %v", err)
	}
	if sent.ChannelID != ch.ID || sent.Author == nil || sent.Author.ID != srv.AppID() || sent.GuildID != "" || sent.Timestamp.IsZero() {
		t.Errorf("sent message = %+v, want one by the bot in %q with a time", sent, ch.ID)
	}
	// The user closes their DMs.
	srv.FailNext("POST", "/api/v9/channels/"+ch.ID+"/messages", 1, discordtest.Fault{Status: 403, Code: 50007})
	_, err = dg.ChannelMessageSend(ch.ID, "second")
	if status, code := restError(t, err); status != 403 || code != 50007 {
		t.Errorf("send to a closed DM = %d %d, want 403 50007", status, code)
	}
	if got := srv.Messages(ch.ID); len(got) != 1 || got[0].Content != "your topic: ukraine" {
		t.Errorf("Messages(DM) = %+v, want the first message only", got)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	tests := []struct {
		name         string
		fault        discordtest.Fault
		n            int
		wantStatus   int // 0: the send succeeds
		wantCode     int
		wantStatuses []int
	}{
		{"missing permissions", discordtest.Fault{Status: 403, Code: 50013}, 1, 403, 50013, []int{403}},
		{"unknown channel", discordtest.Fault{Status: 404, Code: 10003}, 1, 404, 10003, []int{404}},
		{"internal error is not retried", discordtest.Fault{Status: 500}, 1, 500, 0, []int{500}},
		{"bad gateway is retried", discordtest.Fault{Status: 502}, 1, 0, 0, []int{502, 200}},
		{"rate limit is waited out", discordtest.Fault{Status: 429}, 1, 0, 0, []int{429, 200}},
		{"global rate limit is waited out", discordtest.Fault{Status: 429, Global: true, RetryAfter: 20 * time.Millisecond}, 1, 0, 0, []int{429, 200}},
		{"two rate limits in a row", discordtest.Fault{Status: 429}, 2, 0, 0, []int{429, 429, 200}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			channel := strconv.Itoa(1000 + i)
			pattern := "/api/v9/channels/" + channel + "/messages"
			srv.FailNext("POST", pattern, tt.n, tt.fault)
			_, err := dg.ChannelMessageSend(channel, "hello")
			if tt.wantStatus == 0 && err != nil {
				t.Errorf("send = %v, want success", err)
			}
			if tt.wantStatus != 0 {
				if status, code := restError(t, err); status != tt.wantStatus || code != tt.wantCode {
					t.Errorf("send = %d %d, want %d %d", status, code, tt.wantStatus, tt.wantCode)
				}
			}
			if got := srv.Statuses("POST", pattern); !slices.Equal(got, tt.wantStatuses) {
				t.Errorf("statuses = %v, want %v", got, tt.wantStatuses)
			}
		})
	}
}

func TestFaultsUntilCleared(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	srv.FailNext("", "/api/v9/channels/*/messages", -1, discordtest.Fault{Status: 403, Code: 50001})
	for range 3 {
		if _, err := dg.ChannelMessageSend("7", "x"); err == nil {
			t.Fatal("send succeeded while the fault stands")
		}
	}
	srv.ClearFaults()
	if _, err := dg.ChannelMessageSend("7", "x"); err != nil {
		t.Errorf("send after ClearFaults = %v, want success", err)
	}
	if got := srv.Statuses("POST", "/api/v9/channels/7/messages"); !slices.Equal(got, []int{403, 403, 403, 200}) {
		t.Errorf("statuses = %v, want [403 403 403 200]", got)
	}
}

func TestMessageLimits(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	button := func(id string) discordgo.MessageComponent {
		return discordgo.Button{Label: "b", Style: discordgo.PrimaryButton, CustomID: id}
	}
	embeds := func(n int, desc string) []*discordgo.MessageEmbed {
		out := make([]*discordgo.MessageEmbed, n)
		for i := range out {
			out[i] = &discordgo.MessageEmbed{Title: "t", Description: desc}
		}
		return out
	}
	tests := []struct {
		name     string
		msg      *discordgo.MessageSend
		wantCode int    // 0: accepted
		wantText string // in the error body
	}{
		{"2000 characters", &discordgo.MessageSend{Content: strings.Repeat("é", 2000)}, 0, ""},
		{"2001 characters", &discordgo.MessageSend{Content: strings.Repeat("a", 2001)}, 50035, `"content"`},
		{"empty", &discordgo.MessageSend{}, 50006, "Cannot send an empty message"},
		{"11 embeds", &discordgo.MessageSend{Embeds: embeds(11, "d")}, 50035, `"embeds"`},
		{"embeds over 6000 characters", &discordgo.MessageSend{Embeds: embeds(2, strings.Repeat("d", 3001))}, 50035, "MAX_EMBED_SIZE_EXCEEDED"},
		{"embed title over 256", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: strings.Repeat("t", 257)}}}, 50035, `"title"`},
		{"field without value", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Title: "t", Fields: []*discordgo.MessageEmbedField{{Name: "n"}}}}}, 50035, "BASE_TYPE_REQUIRED"},
		{"duplicate custom ids", &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("next"), button("next")}},
		}}, 50035, "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{"six buttons in a row", &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("1"), button("2"), button("3"), button("4"), button("5"), button("6")}},
		}}, 50035, "BASE_TYPE_BAD_LENGTH"},
		{"buttons and embeds within limits", &discordgo.MessageSend{Embeds: embeds(10, "d"), Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("prev"), button("next"), discordgo.Button{Label: "open", Style: discordgo.LinkButton, URL: "https://example.com"}}},
		}}, 0, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			channel := strconv.Itoa(2000 + i)
			m, err := dg.ChannelMessageSendComplex(channel, tt.msg)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("send = %v, want success", err)
				}
				if got := srv.Messages(channel); len(got) != 1 || got[0].ID != m.ID || got[0].Content != tt.msg.Content || len(got[0].Embeds) != len(tt.msg.Embeds) || len(got[0].Components) != len(tt.msg.Components) {
					t.Errorf("Messages = %+v, want the message sent", got)
				}
				return
			}
			status, code := restError(t, err)
			var re *discordgo.RESTError
			errors.As(err, &re)
			if status != 400 || code != tt.wantCode || !strings.Contains(string(re.ResponseBody), tt.wantText) {
				t.Errorf("send = %d %d %s, want 400 %d with %s", status, code, re.ResponseBody, tt.wantCode, tt.wantText)
			}
			if got := srv.Messages(channel); len(got) != 0 {
				t.Errorf("Messages after a rejected send = %d, want 0", len(got))
			}
		})
	}
}

func TestMessageEditDeleteAndFiles(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	ch := srv.ChannelID()
	m, err := dg.ChannelMessageSendComplex(ch, &discordgo.MessageSend{
		Content: "digest",
		Files:   []*discordgo.File{{Name: "digest.txt", ContentType: "text/plain", Reader: strings.NewReader("line one\n")}},
	})
	if err != nil {
		t.Fatalf("send with a file: %v", err)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "digest.txt" || m.Attachments[0].Size != 9 {
		t.Errorf("attachments = %+v, want digest.txt of 9 bytes", m.Attachments)
	}
	req := srv.WaitRequest(t, "POST", "/api/v9/channels/*/messages", timeout)
	var body struct {
		Content string `json:"content"`
	}
	req.Decode(t, &body)
	if body.Content != "digest" || !strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/form-data") {
		t.Errorf("request payload content %q, type %q; want digest in a multipart body", body.Content, req.Header.Get("Content-Type"))
	}

	edited, err := dg.ChannelMessageEdit(ch, m.ID, "digest (updated)")
	if err != nil {
		t.Fatalf("ChannelMessageEdit: %v", err)
	}
	if edited.Content != "digest (updated)" || edited.EditedTimestamp == nil || len(edited.Attachments) != 1 {
		t.Errorf("edited = %+v, want new content, an edit time and the file kept", edited)
	}
	if got := srv.Messages(ch); len(got) != 1 || got[0].Content != "digest (updated)" {
		t.Errorf("Messages after edit = %+v, want the edited message", got)
	}
	if got, err := dg.ChannelMessage(ch, m.ID); err != nil || got.Content != "digest (updated)" {
		t.Errorf("ChannelMessage = %+v, %v; want the edited message", got, err)
	}
	_, err = dg.ChannelMessageEdit(ch, "1", "x")
	if status, code := restError(t, err); status != 404 || code != 10008 {
		t.Errorf("edit of an unknown message = %d %d, want 404 10008", status, code)
	}
	if err := dg.ChannelMessageDelete(ch, m.ID); err != nil {
		t.Fatalf("ChannelMessageDelete: %v", err)
	}
	if got := srv.Messages(ch); len(got) != 0 {
		t.Errorf("Messages after delete = %d, want 0", len(got))
	}
}

func TestChannelsAndGuilds(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	srv.AddChannel(&discordgo.Channel{ID: "1100000000000000010", GuildID: srv.GuildID(), Name: "news", Type: discordgo.ChannelTypeGuildNews, Position: 1})
	ch, err := dg.Channel("1100000000000000010")
	if err != nil || ch.Name != "news" || ch.Type != discordgo.ChannelTypeGuildNews {
		t.Errorf("Channel(news) = %+v, %v; want the news channel", ch, err)
	}
	chans, err := dg.GuildChannels(srv.GuildID())
	if err != nil {
		t.Fatalf("GuildChannels: %v", err)
	}
	var names []string
	for _, c := range chans {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"general", "news"}) {
		t.Errorf("GuildChannels = %q, want [general news]", names)
	}
	g, err := dg.Guild(srv.GuildID())
	if err != nil || g.ID != srv.GuildID() || g.Name == "" {
		t.Errorf("Guild = %+v, %v; want the default guild", g, err)
	}
	if u, err := dg.User("@me"); err != nil || u.ID != srv.AppID() || !u.Bot {
		t.Errorf("User(@me) = %+v, %v; want the bot", u, err)
	}
	if gb, err := dg.GatewayBot(); err != nil || strings.TrimSuffix(gb.URL, "/") != srv.GatewayURL() || gb.Shards != 1 {
		t.Errorf("GatewayBot = %+v, %v; want %q and 1 shard", gb, err, srv.GatewayURL())
	}

	strict := discordtest.NewWithConfig(t, discordtest.Config{Strict: true})
	sdg := strict.Session(t)
	_, err = sdg.Channel("404")
	if status, code := restError(t, err); status != 404 || code != 10003 {
		t.Errorf("strict Channel(unknown) = %d %d, want 404 10003", status, code)
	}
	_, err = sdg.ChannelMessageSend("404", "x")
	if status, code := restError(t, err); status != 404 || code != 10003 {
		t.Errorf("strict send to an unknown channel = %d %d, want 404 10003", status, code)
	}
	_, err = sdg.Guild("404")
	if status, code := restError(t, err); status != 404 || code != 10004 {
		t.Errorf("strict Guild(unknown) = %d %d, want 404 10004", status, code)
	}
	if _, err := sdg.ChannelMessageSend(strict.ChannelID(), "x"); err != nil {
		t.Errorf("strict send to the default channel = %v, want success", err)
	}
}

func TestCallbackErrors(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{}, nil)
	srv, dg := b.srv, b.dg

	t.Run("answered twice", func(t *testing.T) {
		srv.SlashCommand(t, discordtest.Invoke{}, "help")
		i := b.next(t)
		if err := dg.InteractionRespond(i.Interaction, message("one")); err != nil {
			t.Fatalf("first answer: %v", err)
		}
		err := dg.InteractionRespond(i.Interaction, message("two"))
		if status, code := restError(t, err); status != 400 || code != 40060 {
			t.Errorf("second answer = %d %d, want 400 40060", status, code)
		}
	})
	t.Run("unknown interaction", func(t *testing.T) {
		err := dg.InteractionRespond(&discordgo.Interaction{ID: "1", Token: "unknown"}, message("x"))
		if status, code := restError(t, err); status != 404 || code != 10062 {
			t.Errorf("answer = %d %d, want 404 10062", status, code)
		}
	})
	t.Run("edit before answering", func(t *testing.T) {
		srv.SlashCommand(t, discordtest.Invoke{}, "help")
		i := b.next(t)
		_, err := dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: ptr("x")})
		if status, code := restError(t, err); status != 404 || code != 10015 {
			t.Errorf("edit = %d %d, want 404 10015", status, code)
		}
	})
	t.Run("autocomplete answered with a message", func(t *testing.T) {
		srv.Autocomplete(t, discordtest.Invoke{}, "search", discordtest.Focused(discordtest.StringOption("query", "go")))
		i := b.next(t)
		err := dg.InteractionRespond(i.Interaction, message("x"))
		if status, code := restError(t, err); status != 400 || code != 50035 {
			t.Errorf("answer = %d %d, want 400 50035", status, code)
		}
	})
	t.Run("message over the limit leaves it unanswered", func(t *testing.T) {
		ix := srv.SlashCommand(t, discordtest.Invoke{}, "help")
		i := b.next(t)
		err := dg.InteractionRespond(i.Interaction, message(strings.Repeat("a", 2001)))
		if status, code := restError(t, err); status != 400 || code != 50035 {
			t.Errorf("answer = %d %d, want 400 50035", status, code)
		}
		if err := dg.InteractionRespond(i.Interaction, message("short")); err != nil {
			t.Errorf("answer after a rejected one = %v, want success", err)
		}
		if r := srv.Reply(ix); r.Original == nil || r.Original.Content != "short" {
			t.Errorf("reply = %+v, want %q", r.Original, "short")
		}
	})
}

func TestInteractionDeadline(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{InteractionDeadline: time.Nanosecond}, nil)
	b.srv.SlashCommand(t, discordtest.Invoke{}, "help")
	i := b.next(t)
	err := b.dg.InteractionRespond(i.Interaction, message("too late"))
	if status, code := restError(t, err); status != 404 || code != 10062 {
		t.Errorf("late answer = %d %d, want 404 10062", status, code)
	}
}

func TestAutocompleteChoices(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{}, nil)
	srv := b.srv
	ix := srv.Autocomplete(t, discordtest.Invoke{}, "feed",
		discordtest.Subcommand("remove", discordtest.Focused(discordtest.StringOption("feed", "exa"))))
	i := b.next(t)
	if i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		t.Fatalf("type = %v, want autocomplete", i.Type)
	}
	opt := i.ApplicationCommandData().Options[0].Options[0]
	if !opt.Focused || opt.StringValue() != "exa" {
		t.Errorf("focused option = %+v, want feed=exa focused", opt)
	}
	err := b.dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{
			{Name: "example.com", Value: "1"}, {Name: "example.org", Value: "2"},
		}},
	})
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	r := srv.Reply(ix)
	if len(r.Choices) != 2 || r.Choices[0].Name != "example.com" || r.Choices[1].Value != "2" || r.Original != nil {
		t.Errorf("reply = %+v, want two choices and no message", r)
	}
}

func TestButtonClickUpdatesMessage(t *testing.T) {
	t.Parallel()
	b := openBot(t, discordtest.Config{}, nil)
	srv, dg := b.srv, b.dg
	posted, err := dg.ChannelMessageSendComplex(srv.ChannelID(), &discordgo.MessageSend{
		Content: "page 1",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Next", Style: discordgo.PrimaryButton, CustomID: "page:2"},
		}}},
	})
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	ix := srv.ButtonClick(t, discordtest.Invoke{}, posted.ID, "page:2")
	i := b.next(t)
	if i.Type != discordgo.InteractionMessageComponent || i.MessageComponentData().CustomID != "page:2" {
		t.Fatalf("interaction = type %v, want a click on page:2", i.Type)
	}
	if i.Message == nil || i.Message.ID != posted.ID || len(i.Message.Components) != 1 || i.ChannelID != srv.ChannelID() {
		t.Errorf("clicked message = %+v in %q, want %q with its button", i.Message, i.ChannelID, posted.ID)
	}
	err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: "page 2"},
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got := srv.Messages(srv.ChannelID()); len(got) != 1 || got[0].Content != "page 2" || len(got[0].Components) != 1 {
		t.Errorf("Messages = %+v, want the post updated to page 2 with its button", got)
	}
	if r := srv.Reply(ix); r.Original == nil || r.Original.ID != posted.ID {
		t.Errorf("reply original = %+v, want the clicked message", r.Original)
	}

	// A click on a message the test did not post, in a DM.
	dm := srv.ButtonClick(t, discordtest.Invoke{DM: true}, "", "subscribe:ukraine")
	i = b.next(t)
	if i.ID != dm.ID || i.User == nil || i.Member != nil || i.Message == nil || i.ChannelID != srv.DMChannelID(srv.UserID()) {
		t.Errorf("DM click = %+v, want a user click on a message in the DM", i.Interaction)
	}
}

// fatalTB records Fatalf instead of stopping the test, to check that the
// fake fails a test the way it should.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestHelpersFailTheTest(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	tests := []struct {
		name string
		call func(tb testing.TB)
		want string
	}{
		{"WaitRequest times out", func(tb testing.TB) { srv.WaitRequest(tb, "GET", "/api/v9/nothing", 20*time.Millisecond) }, "no such request"},
		{"WaitRequest with a bad pattern", func(tb testing.TB) { srv.WaitRequest(tb, "GET", "[", time.Second) }, "syntax error in pattern"},
		{"WaitGatewayOp times out", func(tb testing.TB) { srv.WaitGatewayOp(tb, 2, 20*time.Millisecond) }, "WaitGatewayOp(2)"},
		{"WaitConnected times out", func(tb testing.TB) { srv.WaitConnected(tb, 20*time.Millisecond) }, "no ready gateway connection"},
		{"injection without a session", func(tb testing.TB) { srv.SlashCommand(tb, discordtest.Invoke{}, "help") }, "no gateway session"},
		{"dispatch without a session", func(tb testing.TB) { srv.Dispatch(tb, "GUILD_UPDATE", srv.GuildID(), map[string]string{}) }, "no gateway session"},
		{"autocomplete without a focused option", func(tb testing.TB) {
			srv.Autocomplete(tb, discordtest.Invoke{}, "search", discordtest.StringOption("query", "x"))
		}, "0 focused options"},
		{"click on an unknown message", func(tb testing.TB) { srv.ButtonClick(tb, discordtest.Invoke{}, "1", "x") }, `no message "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fatalTB{TB: t}
			tt.call(f)
			if !strings.Contains(f.msg, tt.want) {
				t.Errorf("Fatalf(%q), want a message with %q", f.msg, tt.want)
			}
		})
	}
}

func TestGlobalRateLimit(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	const perSecond, sends = 5, 8
	srv.SetGlobalRateLimit(perSecond)
	for i := range sends {
		// A channel each, so only the global limit can hold them back.
		if _, err := dg.ChannelMessageSend(strconv.Itoa(3000+i), "x"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	var accepted []time.Time
	limited := 0
	for _, r := range srv.RequestsTo("POST", "/api/v9/channels/*/messages") {
		switch r.Status {
		case 200:
			accepted = append(accepted, r.Time)
		case 429:
			limited++
		}
	}
	if len(accepted) != sends || limited == 0 {
		t.Errorf("%d accepted, %d limited; want %d accepted and some limited", len(accepted), limited, sends)
	}
	for i := perSecond; i < len(accepted); i++ {
		if gap := accepted[i].Sub(accepted[i-perSecond]); gap < time.Second {
			t.Errorf("requests %d and %d accepted %v apart, want at least 1s", i-perSecond, i, gap)
		}
	}
	srv.SetGlobalRateLimit(0)
	// Interaction callbacks are not held by the global limit.
	srv.SetGlobalRateLimit(1)
	for range 3 {
		err := dg.InteractionRespond(&discordgo.Interaction{ID: "1", Token: "t"}, message("x"))
		if status, _ := restError(t, err); status != 404 {
			t.Errorf("callback under a global limit = %d, want 404 (served, not limited)", status)
		}
	}
}

func TestRouteLimitHeadersAreHonoured(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	dg := srv.Session(t)
	srv.SetRouteLimit("POST", "/api/v9/channels/*/messages", 2, 200*time.Millisecond)
	for i := range 5 {
		if _, err := dg.ChannelMessageSend("42", strconv.Itoa(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	// discordgo reads X-RateLimit-Remaining and Reset-After and waits, so
	// the fake never has to refuse.
	if got := srv.Statuses("POST", "/api/v9/channels/42/messages"); !slices.Equal(got, []int{200, 200, 200, 200, 200}) {
		t.Errorf("statuses = %v, want five 200s", got)
	}
	reqs := srv.RequestsTo("POST", "/api/v9/channels/42/messages")
	if gap := reqs[2].Time.Sub(reqs[0].Time); gap < 200*time.Millisecond {
		t.Errorf("third request %v after the first, want the client to wait out the 200ms window", gap)
	}
	if got := len(srv.Messages("42")); got != 5 {
		t.Errorf("Messages = %d, want 5", got)
	}
}

func TestModalAndCustomEvents(t *testing.T) {
	t.Parallel()
	channels := make(chan *discordgo.ChannelCreate, 1)
	b := openBot(t, discordtest.Config{}, func(dg *discordgo.Session) {
		dg.AddHandler(func(_ *discordgo.Session, c *discordgo.ChannelCreate) { channels <- c })
	})
	srv, dg := b.srv, b.dg

	ix := srv.SlashCommand(t, discordtest.Invoke{}, "subscribe")
	i := b.next(t)
	err := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: "subscribe", Title: "Subscribe to a topic", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{CustomID: "topic", Label: "Topic", Style: discordgo.TextInputShort},
			}},
		}},
	})
	if err != nil {
		t.Fatalf("open modal: %v", err)
	}
	if r := srv.Reply(ix); r.Type != discordgo.InteractionResponseModal || r.ModalCustomID != "subscribe" || r.ModalTitle != "Subscribe to a topic" {
		t.Errorf("reply = %+v, want the modal", r)
	}

	submit := srv.Inject(t, discordtest.Invoke{}, discordgo.Interaction{
		Type: discordgo.InteractionModalSubmit,
		Data: discordgo.ModalSubmitInteractionData{CustomID: "subscribe", Components: []discordgo.MessageComponent{
			&discordgo.ActionsRow{Components: []discordgo.MessageComponent{&discordgo.TextInput{CustomID: "topic", Value: "ukraine"}}},
		}},
	})
	i = b.next(t)
	data := i.ModalSubmitData()
	row, _ := data.Components[0].(*discordgo.ActionsRow)
	if i.ID != submit.ID || data.CustomID != "subscribe" || row == nil || row.Components[0].(*discordgo.TextInput).Value != "ukraine" {
		t.Fatalf("modal submit = %+v, want subscribe with topic ukraine", data)
	}
	if err := dg.InteractionRespond(i.Interaction, message("subscribed to ukraine")); err != nil {
		t.Fatalf("answer modal submit: %v", err)
	}
	if r := srv.Reply(submit); r.Original == nil || r.Original.Content != "subscribed to ukraine" {
		t.Errorf("reply = %+v, want the confirmation", r.Original)
	}

	srv.Dispatch(t, "CHANNEL_CREATE", srv.GuildID(), &discordgo.Channel{ID: "1100000000000000600", GuildID: srv.GuildID(), Name: "alerts", Type: discordgo.ChannelTypeGuildText})
	select {
	case c := <-channels:
		if c.ID != "1100000000000000600" || c.Name != "alerts" {
			t.Errorf("CHANNEL_CREATE = %+v, want #alerts", c.Channel)
		}
	case <-time.After(timeout):
		t.Fatal("no CHANNEL_CREATE")
	}
	if ch, err := dg.State.Channel("1100000000000000600"); err != nil || ch.Name != "alerts" {
		t.Errorf("State.Channel(alerts) = %+v, %v; want it tracked", ch, err)
	}
}

// hostRewrite sends every request to one base URL, the way a bot's own
// api_url setting does.
type hostRewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (h hostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = h.base.Scheme, h.base.Host, ""
	return h.next.RoundTrip(r)
}

func TestURLServesTheBotsOwnRewrite(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	base, err := url.Parse(srv.URL())
	if err != nil || base.Scheme != "http" || !strings.HasPrefix(base.Host, "127.0.0.1:") {
		t.Fatalf("URL() = %q, want http://127.0.0.1:PORT", srv.URL())
	}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	dg, err := discordgo.New(srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = &http.Client{Transport: hostRewrite{base: base, next: transport}}
	dg.Identify.Intents = discordgo.IntentsGuilds
	got := make(chan *discordgo.InteractionCreate, 1)
	dg.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
	if err := dg.Open(); err != nil {
		t.Fatalf("Open through the rewrite: %v", err)
	}
	t.Cleanup(func() {
		srv.WaitIdle(t, timeout)
		_ = dg.Close()
	})
	ix := srv.SlashCommand(t, discordtest.Invoke{}, "help")
	select {
	case i := <-got:
		if err := dg.InteractionRespond(i.Interaction, message("help")); err != nil {
			t.Errorf("InteractionRespond: %v", err)
		}
	case <-time.After(timeout):
		t.Fatal("no interaction")
	}
	if r := srv.WaitRequest(t, "POST", ix.CallbackPath(), timeout); r.Status != 204 {
		t.Errorf("callback status = %d, want 204", r.Status)
	}
}
