package bot_test

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/bot"
	"newsbot/bot/discordtest"
)

func TestRegistersCommandsInTheGuild(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	cmds := w.srv.Commands(w.srv.GuildID())
	var names []string
	byName := map[string]*discordgo.ApplicationCommand{}
	for _, c := range cmds {
		names = append(names, c.Name)
		byName[c.Name] = c
	}
	want := []string{"feed", "digest", "search", "summarize", "subscribe", "unsubscribe", "subscriptions", "help"}
	if !slices.Equal(names, want) {
		t.Fatalf("registered commands = %v, want %v", names, want)
	}
	if global := w.srv.Commands(""); len(global) != 0 {
		t.Errorf("global commands = %d, want none when a guild is configured", len(global))
	}
	for _, name := range []string{"feed", "digest"} {
		p := byName[name].DefaultMemberPermissions
		if p == nil || *p != discordgo.PermissionManageChannels {
			t.Errorf("/%s default_member_permissions = %v, want Manage Channels", name, p)
		}
	}
	for _, name := range []string{"search", "summarize", "help", "subscribe"} {
		if p := byName[name].DefaultMemberPermissions; p != nil {
			t.Errorf("/%s default_member_permissions = %d, want none (everyone)", name, *p)
		}
	}

	// Options as DESIGN.md lists them.
	optionNames := func(opts []*discordgo.ApplicationCommandOption) string {
		var out []string
		for _, o := range opts {
			s := o.Name
			if o.Required {
				s += "*"
			}
			if o.Autocomplete {
				s += "~"
			}
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	subs := func(c *discordgo.ApplicationCommand) map[string]string {
		m := map[string]string{}
		for _, o := range c.Options {
			if o.Type != discordgo.ApplicationCommandOptionSubCommand {
				t.Errorf("/%s option %s is not a subcommand", c.Name, o.Name)
			}
			m[o.Name] = optionNames(o.Options)
		}
		return m
	}
	tests := []struct {
		what, got, want string
	}{
		{"/feed add", subs(byName["feed"])["add"], "url* channel mode include exclude"},
		{"/feed remove", subs(byName["feed"])["remove"], "feed*~"},
		{"/feed list", subs(byName["feed"])["list"], ""},
		{"/feed why", subs(byName["feed"])["why"], "url*"},
		{"/digest schedule", subs(byName["digest"])["schedule"], "cron* timezone* max channel"},
		{"/digest off", subs(byName["digest"])["off"], ""},
		{"/digest now", subs(byName["digest"])["now"], ""},
		{"/digest show", subs(byName["digest"])["show"], ""},
		{"/search", optionNames(byName["search"].Options), "query* source~ since public"},
		{"/summarize", optionNames(byName["summarize"].Options), "url* sentences"},
		{"/subscribe", optionNames(byName["subscribe"].Options), "topic* delivery time timezone"},
		{"/unsubscribe", optionNames(byName["unsubscribe"].Options), "topic*~"},
		{"/subscriptions", optionNames(byName["subscriptions"].Options), ""},
		{"/help", optionNames(byName["help"].Options), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s options = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	mode := byName["feed"].Options[0].Options[2]
	if len(mode.Choices) != 2 || mode.Choices[0].Value != "instant" || mode.Choices[1].Value != "digest" {
		t.Errorf("/feed add mode choices = %+v, want instant and digest", mode.Choices)
	}
}

func TestSessionFromConfigRewritesTheAPIURL(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	db, web := newDeps(t, false)
	dg, err := bot.NewSession("discordtest-token", srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(bot.Config{Store: db, Web: web, Secret: []byte("x")})
	runBot(t, srv, b, dg, globalCommands)

	id := srv.WaitGatewayOp(t, 2, timeout).Identify
	if id.Token != "Bot discordtest-token" || id.Intents != discordgo.IntentsGuilds {
		t.Errorf("IDENTIFY token %q intents %d, want \"Bot discordtest-token\" and Guilds only (%d)", id.Token, id.Intents, discordgo.IntentsGuilds)
	}
	if len(srv.RequestsTo("GET", "/api/v9/gateway")) == 0 {
		t.Error("the gateway address was not discovered through the API URL")
	}
	if n := len(srv.Commands("")); n != 8 {
		t.Errorf("global commands = %d, want 8 when no guild is configured", n)
	}
	ix := srv.SlashCommand(t, discordtest.Invoke{}, "help")
	r := srv.WaitRequest(t, "POST", ix.CallbackPath(), timeout)
	if r.Status != 204 {
		t.Errorf("/help callback status = %d, want 204", r.Status)
	}
}

func TestFeedAdd(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	ctx := context.Background()

	ix, m := w.run(t, admin, "feed", discordtest.Subcommand("add", discordtest.StringOption("url", w.site+"/world.xml")))
	if r := w.srv.Reply(ix); r.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Errorf("/feed add answered with type %d, want a deferral (5) before fetching", r.Type)
	}
	got := text(m)
	for _, want := range []string{"Now following **World Desk** in <#" + w.srv.ChannelID() + ">", "carries 8 items", "searchable with /search, not posted"} {
		if !strings.Contains(got, want) {
			t.Errorf("/feed add answer = %q, want it to say %q", got, want)
		}
	}
	if !ephemeral(m) {
		t.Error("/feed add answer is public, want ephemeral")
	}
	var sent struct {
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	w.srv.WaitRequest(t, "PATCH", ix.OriginalPath(), timeout).Decode(t, &sent)
	if sent.AllowedMentions == nil || sent.AllowedMentions.Parse == nil || len(sent.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions sent = %+v, want parse: [] (no pings)", sent.AllowedMentions)
	}
	follows, err := w.db.GuildFollows(ctx, w.srv.GuildID())
	if err != nil || len(follows) != 1 || follows[0].ChannelID != w.srv.ChannelID() || follows[0].Mode != newsbot.ModeInstant || follows[0].CreatedBy != w.srv.UserID() {
		t.Fatalf("follows after /feed add = %+v, %v; want one instant follow of this channel by the user", follows, err)
	}
	arts, err := w.db.ArticlesByURL(ctx, w.site+"/world/geneva-talks")
	if err != nil || len(arts) != 1 || !arts[0].Backlog || len(arts[0].Summary) == 0 {
		t.Errorf("stored article = %+v, %v; want it stored as backlog with a summary", arts, err)
	}

	// Another channel, digest mode, filters; the feed text is escaped.
	_, m = w.run(t, admin, "feed", discordtest.Subcommand("add",
		discordtest.StringOption("url", w.site+"/wire.xml"),
		discordtest.ChannelOption("channel", "1100000000000000099"),
		discordtest.StringOption("mode", "digest"),
		discordtest.StringOption("include", "prisoner"),
		discordtest.StringOption("exclude", "football")))
	got = text(m)
	for _, want := range []string{`**Wire \*Service\***`, "<#1100000000000000099>", "digest", "carries 2 items", "“prisoner”", "“football”"} {
		if !strings.Contains(got, want) {
			t.Errorf("/feed add (digest, filtered) = %q, want it to say %q", got, want)
		}
	}

	// The same feed in the same channel again.
	_, m = w.run(t, admin, "feed", discordtest.Subcommand("add", discordtest.StringOption("url", w.site+"/world.xml")))
	if !strings.Contains(m.Content, "already follows") || !ephemeral(m) {
		t.Errorf("second /feed add = %q (ephemeral %v), want an ephemeral \"already follows\"", m.Content, ephemeral(m))
	}
	if follows, _ := w.db.GuildFollows(ctx, w.srv.GuildID()); len(follows) != 2 {
		t.Errorf("follows = %d, want 2", len(follows))
	}
}

func TestFeedAddBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/feed.xml"
	ln.Close() // nothing listens there now

	add := func(url string, extra ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
		return discordtest.Subcommand("add", append([]*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("url", url)}, extra...)...)
	}
	tests := []struct {
		name string
		from discordtest.Invoke
		sub  *discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{"member without Manage Channels", discordtest.Invoke{}, add(w.site + "/world.xml"), "needs the Manage Channels permission"},
		{"not a url", admin, add("world news please"), "is not a web address"},
		{"not http", admin, add("ftp://example.com/feed.xml"), "newsbot reads only http and https"},
		{"unreachable", admin, add(closed), "Could not add"},
		{"web page without a feed", admin, add(w.site + "/nofeed.html"), "no feed was found"},
		{"404", admin, add(w.site + "/missing.xml"), "404"},
		{"unknown mode", admin, add(w.site+"/world.xml", discordtest.StringOption("mode", "loud")), "Mode: \"loud\" is not instant or digest"},
		{"filter with only operators", admin, add(w.site+"/world.xml", discordtest.StringOption("include", "-sport")), "Include: nothing to search for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m := w.run(t, tt.from, "feed", tt.sub)
			if !strings.Contains(m.Content, tt.want) || !ephemeral(m) {
				t.Errorf("answer = %q (ephemeral %v), want an ephemeral sentence with %q", m.Content, ephemeral(m), tt.want)
			}
			if strings.Contains(m.Content, "store:") || strings.Contains(m.Content, "went wrong") {
				t.Errorf("answer = %q shows an internal error", m.Content)
			}
		})
	}
	ctx := context.Background()
	if follows, _ := w.db.GuildFollows(ctx, w.srv.GuildID()); len(follows) != 0 {
		t.Errorf("follows after bad input = %+v, want none", follows)
	}
	if feeds, _ := w.db.Feeds(ctx); len(feeds) != 0 {
		t.Errorf("feeds after bad input = %d, want none stored", len(feeds))
	}
}

func TestPrivateAddressesRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{guarded: true})
	_, m := w.run(t, admin, "feed", discordtest.Subcommand("add", discordtest.StringOption("url", w.site+"/world.xml")))
	if !strings.Contains(m.Content, "Could not add") || !strings.Contains(m.Content, "refused") || !ephemeral(m) {
		t.Errorf("/feed add of a loopback address = %q, want an ephemeral refusal", m.Content)
	}
	ix, m := w.run(t, discordtest.Invoke{}, "summarize", discordtest.StringOption("url", w.site+"/article.html"))
	if !strings.Contains(m.Content, "Could not summarize") || !strings.Contains(m.Content, "refused") || !ephemeral(m) {
		t.Errorf("/summarize of a loopback address = %q, want an ephemeral refusal", m.Content)
	}
	// The public "thinking…" is gone; only the user sees the refusal.
	if r := w.srv.Reply(ix); r.Original != nil {
		t.Errorf("/summarize left its public deferred message: %+v", r.Original)
	}
	if feeds, _ := w.db.Feeds(context.Background()); len(feeds) != 0 {
		t.Errorf("feeds = %d, want none stored", len(feeds))
	}
}

func TestFeedRemoveListAndAutocomplete(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	w.addFeed(t, admin, "/world.xml")
	w.addFeed(t, admin, "/wire.xml")
	other := discordtest.Invoke{GuildID: "1100000000000000777", ChannelID: "1100000000000000778", Permissions: discordgo.PermissionAdministrator}
	w.addFeed(t, other, "/sport.xml")

	// /feed list shows this guild's feeds with their health, not the other's.
	_, m := w.run(t, discordtest.Invoke{}, "feed", discordtest.Subcommand("list"))
	got := text(m)
	for _, want := range []string{"2 feeds followed", "World Desk", `Wire \*Service\*`, "last fetched", "next check", "(instant)"} {
		if !strings.Contains(got, want) {
			t.Errorf("/feed list = %q, want %q in it", got, want)
		}
	}
	if strings.Contains(got, "Sport Pages") {
		t.Errorf("/feed list = %q shows another guild's feed", got)
	}

	// Autocomplete offers this guild's follows only.
	ix := w.srv.Autocomplete(t, admin, "feed", discordtest.Subcommand("remove", discordtest.Focused(discordtest.StringOption("feed", ""))))
	r := w.reply(t, ix)
	var names []string
	for _, c := range r.Choices {
		names = append(names, c.Name)
	}
	if len(r.Choices) != 2 || !strings.HasPrefix(names[0], "Wire *Service*") || !strings.HasPrefix(names[1], "World Desk → #general") {
		t.Fatalf("autocomplete choices = %q, want this guild's two follows, by title, with the channel", names)
	}
	ix = w.srv.Autocomplete(t, admin, "feed", discordtest.Subcommand("remove", discordtest.Focused(discordtest.StringOption("feed", "wor"))))
	if r := w.reply(t, ix); len(r.Choices) != 1 || !strings.HasPrefix(r.Choices[0].Name, "World Desk") {
		t.Errorf("autocomplete for \"wor\" = %+v, want World Desk only", r.Choices)
	}
	worldValue := r.Choices[1].Value.(string)

	otherFollows, _ := w.db.GuildFollows(ctx, other.GuildID)
	otherValue := "follow:" + strconv.FormatInt(otherFollows[0].ID, 10)
	bad := []struct {
		name  string
		from  discordtest.Invoke
		value string
		want  string
	}{
		{"member without permission", discordtest.Invoke{}, worldValue, "needs the Manage Channels permission"},
		{"unknown feed", admin, "no such feed", "No feed \"no such feed\" is followed"},
		{"another guild's follow", admin, otherValue, "is followed in this server"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, m := w.run(t, tt.from, "feed", discordtest.Subcommand("remove", discordtest.StringOption("feed", tt.value)))
			if !strings.Contains(m.Content, tt.want) || !ephemeral(m) {
				t.Errorf("/feed remove = %q, want an ephemeral sentence with %q", m.Content, tt.want)
			}
		})
	}
	if n, _ := w.db.GuildFollows(ctx, other.GuildID); len(n) != 1 {
		t.Errorf("the other guild's follows = %d, want 1 untouched", len(n))
	}

	_, m = w.run(t, admin, "feed", discordtest.Subcommand("remove", discordtest.StringOption("feed", worldValue)))
	if !strings.Contains(m.Content, "Stopped following **World Desk**") {
		t.Errorf("/feed remove = %q, want it stopped", m.Content)
	}
	// By name works too.
	_, m = w.run(t, admin, "feed", discordtest.Subcommand("remove", discordtest.StringOption("feed", "wire *service*")))
	if !strings.Contains(m.Content, "Stopped following") {
		t.Errorf("/feed remove by name = %q, want it stopped", m.Content)
	}
	if follows, _ := w.db.GuildFollows(ctx, w.srv.GuildID()); len(follows) != 0 {
		t.Errorf("follows after removing both = %+v, want none", follows)
	}
	_, m = w.run(t, discordtest.Invoke{}, "feed", discordtest.Subcommand("list"))
	if !strings.Contains(m.Content, "No feeds are followed") {
		t.Errorf("/feed list when empty = %q", m.Content)
	}
}

func TestFeedWhy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.addFeed(t, admin, "/world.xml")
	w.addFeed(t, admin, "/wire.xml", discordtest.ChannelOption("channel", "1100000000000000099"), discordtest.StringOption("include", "bank"))
	other := discordtest.Invoke{GuildID: "1100000000000000777", ChannelID: "1100000000000000778", Permissions: discordgo.PermissionAdministrator}
	w.addFeed(t, other, "/sport.xml")

	why := func(from discordtest.Invoke, url string) string {
		t.Helper()
		_, m := w.run(t, from, "feed", discordtest.Subcommand("why", discordtest.StringOption("url", url)))
		if !ephemeral(m) {
			t.Errorf("/feed why %s is public, want ephemeral", url)
		}
		return text(m)
	}
	tests := []struct {
		name  string
		from  discordtest.Invoke
		url   string
		want  []string
		avoid []string
	}{
		{"an article from two feeds of one story", discordtest.Invoke{}, w.site + "/wire/ukraine-russia-swap",
			[]string{"Stored from **Wire \\*Service\\***", "as backlog", "<#1100000000000000099> (instant): filtered out", "“bank”",
				"Duplicate: World Desk had this story first", "Also reported by", "World Desk"}, nil},
		{"an article that passes", discordtest.Invoke{}, w.site + "/world/geneva-talks",
			[]string{"Stored from **World Desk**", "<#" + w.srv.ChannelID() + "> (instant): passes the filters; not posted, as backlog"}, []string{"Duplicate"}},
		{"a feed", discordtest.Invoke{}, w.site + "/world.xml",
			[]string{"is a feed this server follows", "Fetched and parsed", "Next check", "<#" + w.srv.ChannelID() + ">: instant"}, nil},
		{"another guild's article", discordtest.Invoke{}, w.site + "/sport/derby",
			[]string{"No feed followed in this server has an article at", "Feeds here from the same site", "World Desk"}, []string{"Sport Pages", "stands"}},
		{"another guild's feed", discordtest.Invoke{}, w.site + "/sport.xml", []string{"No feed followed in this server"}, []string{"Sport Pages"}},
		{"the other guild sees its own", other, w.site + "/sport/derby", []string{"Stored from **Sport Pages**"}, []string{"World Desk"}},
		{"not a url", discordtest.Invoke{}, "yesterday's news", []string{"is not a web address"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := why(tt.from, tt.url)
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("/feed why = %q, want %q in it", got, want)
				}
			}
			for _, avoid := range tt.avoid {
				if strings.Contains(got, avoid) {
					t.Errorf("/feed why = %q, must not show %q", got, avoid)
				}
			}
		})
	}
}

func TestSearchPagesAndIsolation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.addFeed(t, admin, "/world.xml")
	w.addFeed(t, admin, "/wire.xml")
	other := discordtest.Invoke{GuildID: "1100000000000000777", ChannelID: "1100000000000000778", Permissions: discordgo.PermissionAdministrator}
	w.addFeed(t, other, "/sport.xml")

	ix, m := w.run(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", "ceasefire"))
	if !ephemeral(m) || !strings.HasPrefix(m.Content, "Results 1–5 for “ceasefire”") || len(m.Embeds) != 5 {
		t.Fatalf("/search ceasefire = %q with %d embeds (ephemeral %v), want 5 private results", m.Content, len(m.Embeds), ephemeral(m))
	}
	for _, e := range m.Embeds {
		if e.URL == "" || e.Footer == nil || !strings.Contains(e.Footer.Text, " ago") || e.Description == "" {
			t.Errorf("result %+v lacks a link, a source with age, or a summary", e)
		}
		if strings.Contains(e.Title, "stands") {
			t.Errorf("result %q is from another guild's feed", e.Title)
		}
	}
	page1 := buttons(m)
	if page1["Next"] == "" || page1["◀"] != "" {
		t.Fatalf("page 1 buttons = %v, want Next only", page1)
	}
	if len(page1["Next"]) > 100 {
		t.Errorf("custom_id %q is over 100 characters", page1["Next"])
	}

	orig := w.srv.Reply(ix).Original
	click := w.srv.ButtonClick(t, discordtest.Invoke{}, orig.ID, page1["Next"])
	r := w.reply(t, click)
	if r.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("Next answered with type %d, want an update of the message (7)", r.Type)
	}
	m2 := r.Original
	if !strings.HasPrefix(m2.Content, "Results 6–9") || len(m2.Embeds) != 4 {
		t.Errorf("page 2 = %q with %d embeds, want results 6–9", m2.Content, len(m2.Embeds))
	}
	page2 := buttons(m2)
	if page2["◀"] == "" || page2["Next"] != "" {
		t.Fatalf("page 2 buttons = %v, want Previous only", page2)
	}
	r = w.reply(t, w.srv.ButtonClick(t, discordtest.Invoke{}, orig.ID, page2["◀"]))
	if !strings.HasPrefix(r.Original.Content, "Results 1–5") || r.Original.Embeds[0].Title != m.Embeds[0].Title {
		t.Errorf("Previous = %q, want page 1 again", r.Original.Content)
	}

	// A tampered custom ID is refused and changes nothing.
	id := page1["Next"]
	for name, bad := range map[string]string{
		"page changed":     strings.Replace(id, "p1.1.", "p1.2.", 1),
		"query changed":    strings.Replace(id, "ceasefire", "ceasefires", 1),
		"signature forged": id[:len(id)-len("ceasefire")-3] + "AAA.ceasefire",
		"not ours":         "something-else",
	} {
		r := w.reply(t, w.srv.ButtonClick(t, discordtest.Invoke{}, orig.ID, bad))
		if r.Type != discordgo.InteractionResponseChannelMessageWithSource || !ephemeral(r.Original) || !strings.Contains(r.Original.Content, "does not check out") {
			t.Errorf("%s: click answered %+v, want an ephemeral refusal", name, r.Original)
		}
	}
	// A button made in one guild does not work in another.
	r = w.reply(t, w.srv.ButtonClick(t, other, "", id))
	if r.Original == nil || !strings.Contains(r.Original.Content, "does not check out") {
		t.Errorf("another guild's click = %+v, want it refused", r.Original)
	}
	if now := w.srv.Message(orig.ID); !strings.HasPrefix(now.Content, "Results 1–5") {
		t.Errorf("after refused clicks the message is %q, want it unchanged", now.Content)
	}

	tests := []struct {
		name string
		from discordtest.Invoke
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want string
		n    int
	}{
		{"phrase and exclusion", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", `"prisoner exchange" -markets`)}, "Results 1–2", 2},
		{"source option", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "prisoner"), discordtest.StringOption("source", "wire")}, "Results 1–1", 1},
		{"source in the query", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", `prisoner source:"world desk"`)}, "Results 1–1", 1},
		{"since option", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "ceasefire"), discordtest.StringOption("since", "2025-05-24")}, "Results 1–5", 5},
		{"other guild sees only its feed", other, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "ceasefire")}, "Results 1–1", 1},
		{"nothing matches", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "derby")}, "No articles in this server's feeds match", 0},
		{"only operators", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "-ceasefire ***")}, "Nothing to search for", 0},
		{"unknown source", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "ceasefire"), discordtest.StringOption("source", "Sport Pages")}, "No feed followed in this server matches source", 0},
		{"bad since", discordtest.Invoke{}, []*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("query", "ceasefire"), discordtest.StringOption("since", "soon")}, "Since:soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m := w.run(t, tt.from, "search", tt.opts...)
			if !strings.Contains(m.Content, tt.want) || len(m.Embeds) != tt.n || !ephemeral(m) {
				t.Errorf("/search = %q with %d embeds (ephemeral %v), want an ephemeral %q with %d", m.Content, len(m.Embeds), ephemeral(m), tt.want, tt.n)
			}
		})
	}

	_, m = w.run(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", "ceasefire"), discordtest.BooleanOption("public", true))
	if ephemeral(m) || len(m.Embeds) != 5 {
		t.Errorf("/search public:true is ephemeral %v with %d results, want public", ephemeral(m), len(m.Embeds))
	}

	// Source autocomplete: this guild's feeds, the value is the feed.
	ac := w.reply(t, w.srv.Autocomplete(t, discordtest.Invoke{}, "search",
		discordtest.StringOption("query", "x"), discordtest.Focused(discordtest.StringOption("source", ""))))
	var names []string
	for _, c := range ac.Choices {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"Wire *Service*", "World Desk"}) {
		t.Fatalf("source choices = %q, want this guild's two feeds", names)
	}
	_, m = w.run(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", "prisoner"), discordtest.StringOption("source", ac.Choices[1].Value.(string)))
	if len(m.Embeds) != 1 || m.Embeds[0].Footer == nil || !strings.HasPrefix(m.Embeds[0].Footer.Text, "World Desk") {
		t.Errorf("/search with the chosen source = %q, want World Desk's article only", text(m))
	}

	// Not in direct messages.
	_, m = w.run(t, discordtest.Invoke{DM: true}, "search", discordtest.StringOption("query", "ceasefire"))
	if !strings.Contains(m.Content, "works in a server") || len(m.Embeds) != 0 {
		t.Errorf("/search in a DM = %q, want it refused", m.Content)
	}
}

func TestLongQueryPagesThroughTheFallback(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.addFeed(t, admin, "/world.xml")
	q := "ceasefire " + strings.Repeat("-zzzzzzzzzz ", 9) + "-yyyyyy"
	ix, m := w.run(t, discordtest.Invoke{}, "search", discordtest.StringOption("query", q))
	next := buttons(m)["Next"]
	if len(m.Embeds) != 5 || next == "" || len(next) > 100 || !strings.HasPrefix(next, "h1.") {
		t.Fatalf("long query: %d results, Next %q; want 5 and a hashed custom ID within 100 characters", len(m.Embeds), next)
	}
	r := w.reply(t, w.srv.ButtonClick(t, discordtest.Invoke{}, w.srv.Reply(ix).Original.ID, next))
	if !strings.HasPrefix(r.Original.Content, "Results 6–8") {
		t.Errorf("page 2 of a long query = %q", r.Original.Content)
	}
}

func TestSummarizeDefersThenEdits(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	ix := w.srv.SlashCommand(t, discordtest.Invoke{}, "summarize",
		discordtest.StringOption("url", w.site+"/slow/article.html"), discordtest.IntegerOption("sentences", 2))
	cb := w.srv.WaitRequest(t, "POST", ix.CallbackPath(), timeout)
	var resp discordgo.InteractionResponse
	cb.Decode(t, &resp)
	if resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("first answer type %d, want a deferral (5)", resp.Type)
	}
	w.srv.WaitRequest(t, "PATCH", ix.OriginalPath(), timeout)
	m := answer(t, w.reply(t, ix))
	if ephemeral(m) || len(m.Embeds) != 1 {
		t.Fatalf("summary = %+v, want one public embed", m)
	}
	e := m.Embeds[0]
	if e.Title != "Aid convoys reach the north as ceasefire holds" || e.URL != w.site+"/slow/article.html" {
		t.Errorf("summary title %q url %q", e.Title, e.URL)
	}
	if n := strings.Count(e.Description, "• "); n != 2 || !strings.Contains(e.Description, "aid convoys") {
		t.Errorf("summary = %q, want 2 key sentences of the article", e.Description)
	}
	if strings.Contains(e.Description, "Copyright") || strings.Contains(e.Description, "Home") {
		t.Errorf("summary = %q holds page chrome", e.Description)
	}

	for name, tt := range map[string]struct {
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		"not a url":          {[]*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("url", "convoys")}, "is not a web address"},
		"404":                {[]*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("url", w.site+"/gone.html")}, "404"},
		"too many sentences": {[]*discordgo.ApplicationCommandInteractionDataOption{discordtest.StringOption("url", w.site+"/article.html"), discordtest.IntegerOption("sentences", 50)}, "give 1 to 10"},
	} {
		_, m := w.run(t, discordtest.Invoke{}, "summarize", tt.opts...)
		if !strings.Contains(m.Content, tt.want) || !ephemeral(m) {
			t.Errorf("%s: /summarize = %q (ephemeral %v), want an ephemeral %q", name, m.Content, ephemeral(m), tt.want)
		}
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	_, m := w.run(t, discordtest.Invoke{}, "help")
	got := text(m)
	for _, want := range []string{"/feed add", "/feed why", "/search", "/summarize", "/digest schedule", "/subscribe", "source:name"} {
		if !strings.Contains(got, want) {
			t.Errorf("/help = %q, want %q", got, want)
		}
	}
	_, m = w.run(t, discordtest.Invoke{DM: true}, "help")
	if !strings.Contains(text(m), "/search") {
		t.Errorf("/help in a DM = %q, want the help", text(m))
	}
	_, m = w.run(t, discordtest.Invoke{}, "weather")
	if !strings.Contains(m.Content, "does not know the command /weather") {
		t.Errorf("/weather = %q, want it refused", m.Content)
	}
}

func TestRateLimitedAnswerIsRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.srv.RateLimitNext("POST", "/api/v9/interactions/*/*/callback", 1)
	ix, m := w.run(t, discordtest.Invoke{}, "help")
	if !strings.Contains(text(m), "/search") {
		t.Errorf("answer after a 429 = %q, want the help", text(m))
	}
	if got := w.srv.Statuses("POST", ix.CallbackPath()); !slices.Equal(got, []int{429, 204}) {
		t.Errorf("callback statuses = %v, want [429 204]", got)
	}
}

func TestResumesAfterAGatewayDrop(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.srv.WaitIdle(t, timeout)
	w.srv.DropConnections()
	// Injected while the socket is down: kept for the resume, then answered.
	_, m := w.run(t, discordtest.Invoke{}, "help")
	if !strings.Contains(text(m), "/search") {
		t.Errorf("answer after resuming = %q", text(m))
	}
	if op := w.srv.WaitGatewayOp(t, 6, timeout); op.Resume == nil || op.Resume.SessionID == "" {
		t.Errorf("no RESUME after the drop: %+v", op)
	}
}

func TestWatchdogRestartsAQuietSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{
		cfg:      discordtest.Config{HeartbeatInterval: 100 * time.Millisecond},
		watchdog: bot.Watchdog{QuietAfter: 1500 * time.Millisecond, Every: 100 * time.Millisecond},
		// discordgo's own reconnect is off, as when it has given up.
		session: func(dg *discordgo.Session) { dg.ShouldReconnectOnError = false },
	})
	w.srv.WaitIdle(t, timeout)
	w.srv.DropConnections()
	if op := w.srv.WaitGatewayOp(t, 6, timeout); op.Resume == nil {
		t.Fatalf("no RESUME after the drop: %+v", op)
	}
	w.srv.WaitConnected(t, timeout)
	_, m := w.run(t, discordtest.Invoke{}, "help")
	if !strings.Contains(text(m), "/search") {
		t.Errorf("answer after the watchdog restart = %q", text(m))
	}
}
