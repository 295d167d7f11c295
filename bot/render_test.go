package bot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

var t0 = time.Date(2025, 5, 25, 9, 0, 0, 0, time.UTC)

// checkLimits fails the test when d breaks one of Discord's limits.
func checkLimits(t *testing.T, what string, d *discordgo.InteractionResponseData) {
	t.Helper()
	n := utf8.RuneCountInString
	if n(d.Content) > maxContent {
		t.Errorf("%s: content %d characters, over %d", what, n(d.Content), maxContent)
	}
	if len(d.Embeds) > maxEmbeds {
		t.Errorf("%s: %d embeds, over %d", what, len(d.Embeds), maxEmbeds)
	}
	total := 0
	for i, e := range d.Embeds {
		if n(e.Title) > maxEmbedTitle || n(e.Description) > maxEmbedDesc {
			t.Errorf("%s: embed %d title %d, description %d characters", what, i, n(e.Title), n(e.Description))
		}
		total += embedSize(e)
	}
	if total > maxEmbedTotal {
		t.Errorf("%s: embeds total %d characters, over %d", what, total, maxEmbedTotal)
	}
	for _, c := range d.Components {
		for _, b := range c.(discordgo.ActionsRow).Components {
			if id := b.(discordgo.Button).CustomID; n(id) > maxCustomID || id == "" {
				t.Errorf("%s: custom_id %q", what, id)
			}
		}
	}
	if d.AllowedMentions == nil || d.AllowedMentions.Parse == nil || len(d.AllowedMentions.Parse) != 0 {
		t.Errorf("%s: allowed mentions %+v, want none", what, d.AllowedMentions)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"**bold** _it_ ~~x~~ `code` ||spoiler||", `\*\*bold\*\* \_it\_ \~\~x\~\~ \` + "`code\\`" + ` \|\|spoiler\|\|`},
		{"@everyone look", `\@everyone look`},
		{"<@123> and <#456>", `\<\@123\> and \<\#456\>`},
		{"[click](https://evil.example)", `\[click\]\(https\://evil.example\)`},
		{"# Heading\n- item\n> quote", "\\# Heading\n\\- item\n\\> quote"},
		{"well-known", "well-known"},
		{`back\slash`, `back\\slash`},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := plain(escape(tt.in)); got != tt.in {
			t.Errorf("plain(escape(%q)) = %q, want the input back", tt.in, got)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer sentence", 8, "a longe…"},
		{"ＵＴＦ８文字列です", 4, "ＵＴＦ…"},
		{`cut \*here`, 6, "cut…"},
		{"anything", 0, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestFitKeepsEveryLimit(t *testing.T) {
	long := strings.Repeat("news ", 2000)
	var embeds []*discordgo.MessageEmbed
	for range 12 {
		embeds = append(embeds, &discordgo.MessageEmbed{
			Title: long, Description: long,
			Fields: make([]*discordgo.MessageEmbedField, 30),
			Footer: &discordgo.MessageEmbedFooter{Text: long},
		})
	}
	for _, e := range embeds {
		for i := range e.Fields {
			e.Fields[i] = &discordgo.MessageEmbedField{Name: "n", Value: "v"}
		}
	}
	checkLimits(t, "oversized message", message(long, false, embeds...))

	// Descriptions give way, the last embed's first.
	embeds = nil
	for range 10 {
		embeds = append(embeds, &discordgo.MessageEmbed{Title: "t", Description: long})
	}
	d := message("", false, embeds...)
	checkLimits(t, "ten long descriptions", d)
	if len(d.Embeds) != 10 || utf8.RuneCountInString(d.Embeds[0].Description) < maxEmbedDesc-2 || d.Embeds[9].Description != "" {
		t.Errorf("fit kept %d embeds, the first's description %d characters, the last's %q", len(d.Embeds), utf8.RuneCountInString(d.Embeds[0].Description), d.Embeds[9].Description)
	}
}

func hits(n int, text string) []newsbot.SearchHit {
	var out []newsbot.SearchHit
	for i := range n {
		out = append(out, newsbot.SearchHit{
			Article: newsbot.Article{
				ID: int64(i + 1), URL: fmt.Sprintf("https://example.com/%d", i), Title: "Title *" + text[:min(len(text), 300)],
				Summary: []string{text, text}, PublishedAt: t0.Add(-time.Duration(i) * time.Hour),
			},
			FeedTitle: "Feed @everyone " + text[:min(len(text), 50)],
			Snippet:   "a " + newsbot.SnippetOpen + "match" + newsbot.SnippetClose + " b",
		})
	}
	return out
}

func TestRenderSearch(t *testing.T) {
	b := New(Config{Secret: []byte("k")})
	long := strings.Repeat("Ceasefire talks resume after a long delay. ", 200)
	d := renderSearch(searchView{Query: strings.Repeat("q ", 150), Page: 3, Hits: hits(5, long), More: true, Now: t0,
		PrevID: b.pageID("G", pageState{Query: "x", Page: 2, Anchor: t0}), NextID: b.pageID("G", pageState{Query: "x", Page: 4, Anchor: t0}), Ephemeral: true})
	checkLimits(t, "five long results", d)
	if !strings.HasPrefix(d.Content, "Results 16–20 for") || len(d.Embeds) != 5 || d.Flags != discordgo.MessageFlagsEphemeral {
		t.Errorf("page 4 = %q, %d embeds, flags %d", d.Content, len(d.Embeds), d.Flags)
	}
	if e := d.Embeds[1]; e.URL != "https://example.com/1" || !strings.HasPrefix(e.Footer.Text, "Feed @everyone Ceasefire") || !strings.HasSuffix(e.Footer.Text, " · 1 h ago") || !strings.HasPrefix(e.Title, `Title \*`) {
		t.Errorf("result 2 = title %q url %q footer %q", e.Title, e.URL, e.Footer.Text)
	}

	// No summary: the matching extract, terms in bold.
	h := hits(1, "x")
	h[0].Article.Summary = nil
	d = renderSearch(searchView{Query: "match", Hits: h, Now: t0})
	if got := d.Embeds[0].Description; got != "a **match** b" {
		t.Errorf("snippet rendered %q, want the match in bold", got)
	}
	if btns := d.Components[0].(discordgo.ActionsRow).Components; !btns[0].(discordgo.Button).Disabled || !btns[1].(discordgo.Button).Disabled {
		t.Errorf("a single page's buttons are enabled: %+v", btns)
	}
	d = renderSearch(searchView{Query: "nothing", Now: t0})
	if !strings.HasPrefix(d.Content, "No articles in this server's feeds match “nothing”") || len(d.Components) != 0 {
		t.Errorf("no results = %q with %d rows", d.Content, len(d.Components))
	}
}

func TestRenderFeedListManyFeeds(t *testing.T) {
	var gfs []guildFeed
	for i := range 60 {
		f := newsbot.Feed{ID: int64(i), URL: "https://example.com/" + strings.Repeat("x", 300), Title: strings.Repeat("T", 200),
			LastCheckedAt: t0.Add(-time.Hour), LastError: strings.Repeat("error ", 100), LastErrorAt: t0, Failures: 3, NextCheckAt: t0.Add(time.Hour)}
		gfs = append(gfs, guildFeed{Feed: f, Follows: []newsbot.Follow{{ChannelID: "1", Mode: newsbot.ModeInstant}, {ChannelID: "2", Mode: newsbot.ModeDigest, Include: "x"}}})
	}
	d := renderFeedList(gfs, t0)
	checkLimits(t, "60 feeds", d)
	if !strings.HasPrefix(d.Content, "60 feeds followed") || !strings.Contains(d.Embeds[0].Description, "⚠️") {
		t.Errorf("feed list = %q / %q", d.Content, d.Embeds[0].Description[:100])
	}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		name string
		f    newsbot.Feed
		want string
	}{
		{"new", newsbot.Feed{}, "not fetched yet · next check due now"},
		{"healthy", newsbot.Feed{LastCheckedAt: t0.Add(-5 * time.Minute), LastSuccessAt: t0.Add(-5 * time.Minute), NextCheckAt: t0.Add(7 * time.Minute)},
			"last fetched 5 min ago · next check in 7 min"},
		{"failing", newsbot.Feed{LastCheckedAt: t0.Add(-time.Hour), LastError: "fetch https://x/feed: 404 Not Found", LastErrorAt: t0.Add(-time.Hour), Failures: 4, NextCheckAt: t0.Add(3 * time.Hour)},
			`last fetched 1 h ago · last error 1 h ago: fetch https\://x/feed\: 404 Not Found (4 failures in a row) · next check in 3 h`},
		{"disabled", newsbot.Feed{LastCheckedAt: t0.Add(-72 * time.Hour), DisabledAt: t0.Add(-72 * time.Hour)},
			"last fetched 3 days ago · polling stopped 3 days ago after failing too long; remove and add it again to retry"},
	}
	for _, tt := range tests {
		if got := health(tt.f, t0); got != tt.want {
			t.Errorf("health(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPageIDs(t *testing.T) {
	b := New(Config{Secret: []byte("token")})
	other := New(Config{Secret: []byte("another token")})
	st := pageState{Query: `"prisoner exchange" -sport source:"12" since:7d`, Page: 3, Anchor: t0}
	id := b.pageID("G1", st)
	if len(id) > maxCustomID || !strings.HasPrefix(id, "p1.") {
		t.Fatalf("pageID = %q (%d characters)", id, len(id))
	}
	got, err := b.parsePageID("G1", id)
	if err != nil || got.Query != st.Query || got.Page != 3 || !got.Anchor.Equal(t0) {
		t.Errorf("parsePageID(pageID(%+v)) = %+v, %v", st, got, err)
	}
	for name, tt := range map[string]struct {
		b     *Bot
		guild string
		id    string
	}{
		"other guild":   {b, "G2", id},
		"other key":     {other, "G1", id},
		"page altered":  {b, "G1", strings.Replace(id, "p1.3.", "p1.4.", 1)},
		"query altered": {b, "G1", id + "x"},
		"cut":           {b, "G1", id[:20]},
		"disabled":      {b, "G1", noNextID},
		"empty":         {b, "G1", ""},
	} {
		if _, err := tt.b.parsePageID(tt.guild, tt.id); !errors.Is(err, newsbot.ErrInvalid) {
			t.Errorf("%s: parsePageID = %v, want ErrInvalid", name, err)
		}
	}

	// A query too long for the ID is kept aside and found again.
	long := pageState{Query: strings.Repeat("ceasefire ", 20), Page: 1, Anchor: t0}
	id = b.pageID("G1", long)
	if len(id) > maxCustomID || !strings.HasPrefix(id, "h1.") {
		t.Fatalf("long pageID = %q (%d characters)", id, len(id))
	}
	if got, err := b.parsePageID("G1", id); err != nil || got.Query != long.Query {
		t.Errorf("long query back = %+v, %v", got, err)
	}
	// Another process (after a restart) has no such query: expired.
	restarted := New(Config{Secret: []byte("token")})
	if _, err := restarted.parsePageID("G1", id); !errors.Is(err, newsbot.ErrNotFound) {
		t.Errorf("long query after restart: %v, want ErrNotFound (expired)", err)
	}
	// Multibyte queries count characters, as Discord does.
	jp := pageState{Query: strings.Repeat("停戦", 30), Anchor: t0}
	if id := b.pageID("G1", jp); utf8.RuneCountInString(id) > maxCustomID || !strings.HasPrefix(id, "p1.") {
		t.Errorf("60-character Japanese query: id %q (%d characters)", id, utf8.RuneCountInString(id))
	}
}

func TestQueryCacheForgetsTheOldest(t *testing.T) {
	c := newQueryCache(2)
	a, bb := c.put("a"), c.put("b")
	if c.put("a") != a {
		t.Error("putting a query twice gave two keys")
	}
	c.put("c")
	if _, ok := c.get(a); ok {
		t.Error("the oldest query survived past the size")
	}
	if q, ok := c.get(bb); !ok || q != "b" {
		t.Errorf("get(b) = %q, %v", q, ok)
	}
}

func TestUserText(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     string
		internal bool
	}{
		{"user error", invalidf("url: %q is not a web address", "x"), `Url: "x" is not a web address.`, false},
		{"wrapped sentinel", fmt.Errorf("since:soon: want an age: %w", newsbot.ErrInvalid), "Since:soon: want an age.", false},
		{"marked invalid", fmt.Errorf("add: %w", newsbot.Invalid(errors.New("fetch http://x: refused: 10.0.0.1 is a private address"))),
			"Add: fetch http://x: refused: 10.0.0.1 is a private address.", false},
		{"store error", fmt.Errorf("store: search: %w", errors.New("SQL logic error")), internalText, true},
		{"timeout", fmt.Errorf("fetch: %w", errDeadline{}), timeoutText, true},
	}
	for _, tt := range tests {
		got, internal := userText(tt.err)
		if got != tt.want || internal != tt.internal {
			t.Errorf("%s: userText(%v) = %q, %v; want %q, %v", tt.name, tt.err, got, internal, tt.want, tt.internal)
		}
	}
}

// errDeadline is a context deadline error as I/O returns it.
type errDeadline struct{}

func (errDeadline) Error() string        { return "deadline exceeded" }
func (errDeadline) Is(target error) bool { return target.Error() == "context deadline exceeded" }

func TestFilterReason(t *testing.T) {
	a := newsbot.Article{Title: "Prisoner exchanges completed", Text: "Ukraine and Russia swapped soldiers in Istanbul."}
	tests := []struct {
		name             string
		include, exclude string
		want             string
	}{
		{"no filters", "", "", ""},
		{"include matches, plural folded", "prisoner exchange", "", ""},
		{"include phrase matches", `"russia swapped"`, "", ""},
		{"include misses", "ukraine ceasefire", "", "the include filter “ukraine ceasefire” does not match (no “ceasefire”)"},
		{"include phrase misses", `"swapped russia"`, "", "does not match"},
		{"include excludes", "ukraine -istanbul", "", "excludes “istanbul”"},
		{"exclude matches any", "", "football istanbul", "the exclude filter “football istanbul” matches “istanbul”"},
		{"exclude misses", "", "football", ""},
	}
	for _, tt := range tests {
		got := filterReason(newsbot.Follow{Include: tt.include, Exclude: tt.exclude}, a)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: filterReason = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAutocompleteChoicesLimits(t *testing.T) {
	var names, values []string
	for i := range 40 {
		names = append(names, strings.Repeat("n", 150))
		values = append(values, fmt.Sprint(i))
	}
	names[0], values[0] = "too long a value", strings.Repeat("v", 101)
	got := autocompleteChoices(names, values)
	if len(got) != maxChoices {
		t.Errorf("%d choices, want %d", len(got), maxChoices)
	}
	for _, c := range got {
		if utf8.RuneCountInString(c.Name) > maxChoiceName || len(c.Value.(string)) > maxChoiceValue {
			t.Errorf("choice %q = %q over the limits", c.Name, c.Value)
		}
	}
	if got[0].Value != "1" {
		t.Errorf("first choice %q, want the over-long value skipped", got[0].Value)
	}
}

func TestParseCommandLine(t *testing.T) {
	tests := []struct {
		line string
		want string // the options as name=value, subcommands as name(...)
		err  string
	}{
		{"/search prisoner exchange", "search query=prisoner exchange", ""},
		{`/search "prisoner exchange" -sport since:7d`, `search query="prisoner exchange" -sport since=7d`, ""},
		{`/search query:"prisoner exchange" source:"World Desk" public:yes`, "search query=prisoner exchange source=World Desk public=true", ""},
		{"/feed add url:https://example.com/feed mode:Digest channel:#news", "feed add(url=https://example.com/feed channel=news mode=digest)", ""},
		{"/feed add https://example.com/feed", "feed add(url=https://example.com/feed)", ""},
		{"/summarize https://example.com/a sentences:2", "summarize url=https://example.com/a sentences=2", ""},
		{"/FEED LIST", "feed list()", ""},
		{"/help", "help", ""},
		{"/weather", "", "unknown command /weather"},
		{"/feed", "", "/feed needs a subcommand"},
		{"/feed add", "", "/feed add needs a value for url"},
		{"/feed add url:x mode:loud", "", `mode: "loud" is not one of instant, digest`},
		{"/summarize url:x sentences:0", "", "sentences: 0 is out of range"},
		{"/summarize url:x url:y", "", "url: is given twice"},
		{"/search query:x color:red", "", `unknown option or stray text "color:red"`},
		{"/help me", "", "/help takes no text"},
		{"/feed list color:red", "", "unknown option color: for /feed list"},
		{`/search "unclosed`, "", "a quote is not closed"},
	}
	for _, tt := range tests {
		name, opts, err := parseCommandLine(tt.line, Commands())
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseCommandLine(%q) error = %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseCommandLine(%q): %v", tt.line, err)
			continue
		}
		if got := strings.TrimSpace(name + " " + describe(opts)); got != tt.want {
			t.Errorf("parseCommandLine(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func describe(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	var parts []string
	for _, o := range opts {
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			parts = append(parts, o.Name+"("+describe(o.Options)+")")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%v", o.Name, o.Value))
	}
	return strings.Join(parts, " ")
}

func FuzzParseCommandLine(f *testing.F) {
	for _, s := range []string{"/search prisoner exchange", `/feed add url:"a b" mode:digest`, "/summarize x sentences:3", `/search "a`, "/feed why url:"} {
		f.Add(s)
	}
	cmds := Commands()
	f.Fuzz(func(t *testing.T, line string) {
		name, opts, err := parseCommandLine(line, cmds)
		if err != nil {
			return
		}
		if specs[name] == nil {
			t.Fatalf("parseCommandLine(%q) = unknown command %q without an error", line, name)
		}
		for _, o := range opts {
			if o.Name == "" {
				t.Fatalf("parseCommandLine(%q) gave an unnamed option", line)
			}
		}
	})
}

func FuzzRenderSearch(f *testing.F) {
	f.Add("prisoner exchange", "Title *x*", "text @everyone", 0)
	f.Add(strings.Repeat("ü", 300), strings.Repeat("<@1>", 100), strings.Repeat("\x02m\x03 ", 500), 7)
	b := New(Config{Secret: []byte("k")})
	f.Fuzz(func(t *testing.T, query, title, text string, page int) {
		page = max(0, page%1000)
		h := hits(5, text+"                                                  ")
		for i := range h {
			h[i].Article.Title = title
			h[i].Snippet = text
		}
		st := pageState{Query: query, Page: page + 1, Anchor: t0}
		d := renderSearch(searchView{Query: query, Page: page, Hits: h, More: true, Now: t0, NextID: b.pageID("G", st)})
		checkLimits(t, "fuzzed page", d)
		if got, err := b.parsePageID("G", d.Components[0].(discordgo.ActionsRow).Components[1].(discordgo.Button).CustomID); err != nil || got.Query != query {
			t.Fatalf("page ID round trip of %q = %q, %v", query, got.Query, err)
		}
	})
}
