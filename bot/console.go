package bot

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// The console is one server, one channel and one user with every
// permission: whatever it adds is stored under these IDs.
const (
	ConsoleGuildID   = "console"
	ConsoleChannelID = "console"
	ConsoleUserID    = "console"
)

// Console runs the bot in a terminal: slash commands typed at a prompt go
// to the same handlers as on Discord, and answers and channel posts print
// as text.
type Console struct {
	b   *Bot
	in  io.Reader
	out io.Writer

	mu   sync.Mutex // one writer at a time; guards the fields below
	seq  int
	last []discordgo.Button // the clickable buttons of the last answer
}

// NewConsole returns a console reading commands from in and printing to out.
func (b *Bot) NewConsole(in io.Reader, out io.Writer) *Console {
	return &Console{b: b, in: in, out: out}
}

// consolePrompt is printed before each command is read.
const consolePrompt = "> "

// Run reads commands until /quit is typed or ctx ends, and returns nil;
// or until in ends, and returns io.EOF. Each command is answered before
// the next is read.
func (c *Console) Run(ctx context.Context) error {
	c.printf("newsbot console: type /help for the commands, /quit to leave.\n")
	// The reader stops at the next line once Run has returned; a read
	// already waiting on a terminal ends with the process.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		c.printf(consolePrompt)
		select {
		case <-ctx.Done():
			c.printf("\n")
			return nil
		case err := <-readErr:
			c.printf("\n")
			if err != nil {
				return fmt.Errorf("console: read: %w", err)
			}
			return io.EOF
		case line := <-lines:
			if quit := c.Exec(ctx, line); quit {
				return nil
			}
		}
	}
}

// Exec runs one line typed at the prompt and reports whether it asked to
// quit.
func (c *Console) Exec(ctx context.Context, line string) (quit bool) {
	line = strings.TrimSpace(line)
	switch strings.ToLower(line) {
	case "":
		return false
	case "/quit", "/exit":
		return true
	case "next", "prev", "previous":
		c.click(ctx, strings.ToLower(line))
		return false
	}
	if n, ok := strings.CutPrefix(strings.ToLower(line), "click "); ok {
		c.clickNumber(ctx, strings.TrimSpace(n))
		return false
	}
	if !strings.HasPrefix(line, "/") {
		c.printf("Commands start with /, as in /search prisoner exchange; /help lists them.\n")
		return false
	}
	name, opts, err := parseCommandLine(line, Commands())
	if err != nil {
		c.printf("%s\n", sentence(err.Error()))
		return false
	}
	ix := c.interaction(discordgo.InteractionApplicationCommand)
	ix.Data = discordgo.ApplicationCommandInteractionData{
		ID: "console-" + name, Name: name, CommandType: discordgo.ChatApplicationCommand, Options: opts,
	}
	c.b.handle(ctx, ix, &consoleResponder{c: c})
	return false
}

// interaction makes an interaction from the console's user.
func (c *Console) interaction(typ discordgo.InteractionType) *discordgo.Interaction {
	c.mu.Lock()
	c.seq++
	id := "console-" + strconv.Itoa(c.seq)
	c.mu.Unlock()
	return &discordgo.Interaction{
		ID: id, AppID: "console", Type: typ, Token: id,
		GuildID: ConsoleGuildID, ChannelID: ConsoleChannelID,
		Member: &discordgo.Member{
			GuildID:     ConsoleGuildID,
			User:        &discordgo.User{ID: ConsoleUserID, Username: "console"},
			Permissions: discordgo.PermissionAll,
		},
		Locale: discordgo.EnglishUS,
	}
}

// clickNumber presses the n-th button of the last answer.
func (c *Console) clickNumber(ctx context.Context, n string) {
	i, err := strconv.Atoi(n)
	c.mu.Lock()
	var btn discordgo.Button
	ok := err == nil && i >= 1 && i <= len(c.last)
	if ok {
		btn = c.last[i-1]
	}
	c.mu.Unlock()
	if !ok {
		c.printf("There is no button %s in the last answer.\n", n)
		return
	}
	c.press(ctx, btn.CustomID)
}

// click presses the Next or Previous button of the last answer.
func (c *Console) click(ctx context.Context, which string) {
	c.mu.Lock()
	var id string
	for _, btn := range c.last {
		if pageWord(btn) == which || (which == "previous" && pageWord(btn) == "prev") {
			id = btn.CustomID
		}
	}
	c.mu.Unlock()
	if id == "" {
		c.printf("There is no %s page to go to.\n", which)
		return
	}
	c.press(ctx, id)
}

// pageWord is what to type for a paging button: next or prev; "" for
// other buttons.
func pageWord(btn discordgo.Button) string {
	switch {
	case strings.HasPrefix(btn.Label, "Next"):
		return "next"
	case strings.HasPrefix(btn.Label, "◀ Previous"):
		return "prev"
	}
	return ""
}

// press clicks the button with customID on the last answer.
func (c *Console) press(ctx context.Context, customID string) {
	ix := c.interaction(discordgo.InteractionMessageComponent)
	ix.Data = discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent}
	ix.Message = &discordgo.Message{ID: "console-message", ChannelID: ConsoleChannelID, GuildID: ConsoleGuildID}
	c.b.handle(ctx, ix, &consoleResponder{c: c})
}

// Post prints an article as it would be posted in a channel.
func (c *Console) Post(a newsbot.Article, f newsbot.Feed) {
	m := renderPost(a, f)
	c.printf("\n[post in #%s]\n%s", ConsoleChannelID, consoleText(m.Content, m.Embeds, nil))
}

func (c *Console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.out, format, args...)
}

// show prints an answer and remembers its buttons.
func (c *Console) show(content string, embeds []*discordgo.MessageEmbed, components []discordgo.MessageComponent) {
	buttons := clickable(components)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = buttons
	fmt.Fprint(c.out, consoleText(content, embeds, buttons))
}

// showMessage prints a message the bot sent on its own (a post, a digest,
// a DM) under header. Its buttons, if it has any, become the ones "click
// N" presses; a message without buttons leaves the last answer's.
func (c *Console) showMessage(header, content string, embeds []*discordgo.MessageEmbed, components []discordgo.MessageComponent) {
	buttons := clickable(components)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(buttons) > 0 {
		c.last = buttons
	}
	fmt.Fprint(c.out, header+consoleText(content, embeds, buttons))
}

// clickable returns the enabled buttons among components, as rendered
// (values) or as decoded from JSON (pointers).
func clickable(components []discordgo.MessageComponent) []discordgo.Button {
	var out []discordgo.Button
	for _, comp := range components {
		var row discordgo.ActionsRow
		switch r := comp.(type) {
		case discordgo.ActionsRow:
			row = r
		case *discordgo.ActionsRow:
			row = *r
		default:
			continue
		}
		for _, in := range row.Components {
			var btn discordgo.Button
			switch b := in.(type) {
			case discordgo.Button:
				btn = b
			case *discordgo.Button:
				btn = *b
			default:
				continue
			}
			if !btn.Disabled && btn.CustomID != "" {
				out = append(out, btn)
			}
		}
	}
	return out
}

// consoleText writes a message as plain text: content, then each embed
// (author and title, link, description, fields, footer), then buttons.
func consoleText(content string, embeds []*discordgo.MessageEmbed, buttons []discordgo.Button) string {
	var b strings.Builder
	if content != "" {
		b.WriteString(plain(content) + "\n")
	}
	for _, e := range embeds {
		head := plain(e.Title)
		if e.Author != nil && e.Author.Name != "" {
			head = e.Author.Name + ": " + head
		}
		if head != "" {
			b.WriteString("── " + head + "\n")
		}
		if e.URL != "" {
			b.WriteString("   " + e.URL + "\n")
		}
		for _, l := range strings.Split(strings.TrimRight(plain(e.Description), "\n"), "\n") {
			if l != "" {
				b.WriteString("   " + l + "\n")
			}
		}
		for _, f := range e.Fields {
			b.WriteString("   " + plain(f.Name) + ": " + plain(f.Value) + "\n")
		}
		if e.Footer != nil && e.Footer.Text != "" {
			b.WriteString("   " + e.Footer.Text + "\n")
		}
	}
	if len(buttons) > 0 {
		var labels []string
		for i, btn := range buttons {
			word := pageWord(btn)
			if word == "" {
				word = "click " + strconv.Itoa(i+1)
			}
			labels = append(labels, "["+btn.Label+": type "+word+"]")
		}
		b.WriteString(strings.Join(labels, " ") + "\n")
	}
	return b.String()
}

// plain turns Discord markdown as the bot writes it into terminal text:
// escapes are dropped, bold markers removed, <#id> shown as #id.
func plain(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s) && strings.IndexByte(markdownSpecial+"-+", s[i+1]) >= 0:
			i++
			b.WriteByte(s[i])
		case ch == '*' && i+1 < len(s) && s[i+1] == '*':
			i++
		case ch == '<' && strings.HasPrefix(s[i:], "<t:"):
			end := strings.IndexByte(s[i:], '>')
			t, ok := consoleTime(s[i : i+max(end, 0)+1])
			if end < 0 || !ok {
				b.WriteByte(ch)
				continue
			}
			b.WriteString(t)
			i += end
		case ch == '<' && strings.HasPrefix(s[i:], "<#"):
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				b.WriteByte(ch)
				continue
			}
			b.WriteString("#" + s[i+2:i+end])
			i += end
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// consoleTime renders a Discord timestamp tag, <t:UNIX> or <t:UNIX:STYLE>,
// as the console's reader would see it: the time in UTC, or for the
// relative style (R) the time from now.
func consoleTime(tag string) (string, bool) {
	inner := strings.TrimSuffix(strings.TrimPrefix(tag, "<t:"), ">")
	secs, style, _ := strings.Cut(inner, ":")
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return "", false
	}
	t := time.Unix(n, 0).UTC()
	if style == "R" {
		if now := time.Now(); t.After(now) {
			return until(t, now), true
		} else {
			return ago(t, now), true
		}
	}
	return t.Format("Mon 2 Jan 2006 15:04 MST"), true
}

// consoleResponder prints what the bot answers.
type consoleResponder struct{ c *Console }

func (r *consoleResponder) Respond(ctx context.Context, resp *discordgo.InteractionResponse) error {
	switch resp.Type {
	case discordgo.InteractionResponseDeferredChannelMessageWithSource, discordgo.InteractionResponseDeferredMessageUpdate:
		return nil
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		var names []string
		for _, ch := range resp.Data.Choices {
			names = append(names, ch.Name)
		}
		r.c.printf("%s\n", strings.Join(names, "\n"))
		return nil
	}
	if resp.Data != nil {
		r.c.show(resp.Data.Content, resp.Data.Embeds, resp.Data.Components)
	}
	return nil
}

func (r *consoleResponder) Edit(ctx context.Context, e *discordgo.WebhookEdit) error {
	var content string
	var embeds []*discordgo.MessageEmbed
	var components []discordgo.MessageComponent
	if e.Content != nil {
		content = *e.Content
	}
	if e.Embeds != nil {
		embeds = *e.Embeds
	}
	if e.Components != nil {
		components = *e.Components
	}
	r.c.show(content, embeds, components)
	return nil
}

func (r *consoleResponder) Delete(ctx context.Context) error { return nil }

func (r *consoleResponder) Followup(ctx context.Context, p *discordgo.WebhookParams) error {
	r.c.show(p.Content, p.Embeds, p.Components)
	return nil
}

func (r *consoleResponder) ChannelName(id string) string { return id }

// parseCommandLine reads a console command: /name, a subcommand if the
// command has them, and options as name:value or name:"quoted value".
// Text that is not an option fills the first string option, so
// "/search prisoner exchange" is query:"prisoner exchange" and quotes in
// it keep their search meaning.
func parseCommandLine(line string, defs []*discordgo.ApplicationCommand) (string, []*discordgo.ApplicationCommandInteractionDataOption, error) {
	toks, err := splitLine(line)
	if err != nil {
		return "", nil, err
	}
	name := strings.ToLower(strings.TrimPrefix(toks[0], "/"))
	i := slices.IndexFunc(defs, func(d *discordgo.ApplicationCommand) bool { return d.Name == name })
	if i < 0 {
		return "", nil, fmt.Errorf("unknown command /%s: type /help for the commands", name)
	}
	def := defs[i]
	toks = toks[1:]
	defOpts, path := def.Options, "/"+name
	var subs []string
	for _, o := range def.Options {
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			subs = append(subs, o.Name)
		}
	}
	var sub *discordgo.ApplicationCommandOption
	if len(subs) > 0 {
		if len(toks) > 0 {
			for _, o := range def.Options {
				if o.Name == strings.ToLower(toks[0]) {
					sub = o
				}
			}
		}
		if sub == nil {
			return "", nil, fmt.Errorf("%s needs a subcommand: %s", path, strings.Join(subs, ", "))
		}
		toks, defOpts, path = toks[1:], sub.Options, path+" "+sub.Name
	}

	given := map[string]string{}
	var bare []string
	for _, t := range toks {
		n, v, ok := strings.Cut(t, ":")
		if ok && isOptionName(n) && slices.ContainsFunc(defOpts, func(o *discordgo.ApplicationCommandOption) bool { return o.Name == strings.ToLower(n) }) {
			n = strings.ToLower(n)
			if _, dup := given[n]; dup {
				return "", nil, fmt.Errorf("%s: %s: is given twice", path, n)
			}
			given[n] = unquote(v)
			continue
		}
		if ok && isOptionName(n) && !strings.HasPrefix(v, "/") && len(bare) == 0 && firstString(defOpts) == nil {
			return "", nil, fmt.Errorf("unknown option %s: for %s; it takes %s", n, path, optionNames(defOpts))
		}
		bare = append(bare, t)
	}
	if len(bare) > 0 {
		first := firstString(defOpts)
		if first == nil {
			return "", nil, fmt.Errorf("%s takes no text; it takes %s", path, optionNames(defOpts))
		}
		if _, dup := given[first.Name]; dup {
			return "", nil, fmt.Errorf("unknown option or stray text %q for %s; it takes %s", strings.Join(bare, " "), path, optionNames(defOpts))
		}
		given[first.Name] = strings.Join(bare, " ")
	}

	var opts []*discordgo.ApplicationCommandInteractionDataOption
	for _, o := range defOpts {
		v, ok := given[o.Name]
		if !ok {
			if o.Required {
				return "", nil, fmt.Errorf("%s needs a value for %s (as %s:value)", path, o.Name, o.Name)
			}
			continue
		}
		opt, err := optionValue(o, v)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		opts = append(opts, opt)
	}
	if sub != nil {
		if opts == nil {
			opts = []*discordgo.ApplicationCommandInteractionDataOption{}
		}
		opts = []*discordgo.ApplicationCommandInteractionDataOption{{Name: sub.Name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}}
	}
	return name, opts, nil
}

// splitLine splits at white space outside double quotes; quotes stay in
// the tokens.
func splitLine(line string) ([]string, error) {
	var toks []string
	var cur strings.Builder
	inQuote, started := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote, started = !inQuote, true
			cur.WriteRune(r)
		case !inQuote && (r == ' ' || r == '\t'):
			if started {
				toks = append(toks, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("a quote is not closed")
	}
	if started {
		toks = append(toks, cur.String())
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return toks, nil
}

// isOptionName reports whether s looks like an option name.
func isOptionName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '_' {
			return false
		}
	}
	return true
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

func firstString(opts []*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
	for _, o := range opts {
		if o.Type == discordgo.ApplicationCommandOptionString {
			return o
		}
	}
	return nil
}

func optionNames(opts []*discordgo.ApplicationCommandOption) string {
	if len(opts) == 0 {
		return "no options"
	}
	var names []string
	for _, o := range opts {
		names = append(names, o.Name+":")
	}
	return strings.Join(names, " ")
}

// optionValue converts typed text to an option of o's type, checking
// what Discord's client would check.
func optionValue(o *discordgo.ApplicationCommandOption, v string) (*discordgo.ApplicationCommandInteractionDataOption, error) {
	opt := &discordgo.ApplicationCommandInteractionDataOption{Name: o.Name, Type: o.Type}
	switch o.Type {
	case discordgo.ApplicationCommandOptionString:
		if len(o.Choices) > 0 {
			var allowed []string
			for _, c := range o.Choices {
				allowed = append(allowed, fmt.Sprint(c.Value))
				if fmt.Sprint(c.Value) == strings.ToLower(v) {
					v = strings.ToLower(v)
				}
			}
			if !slices.Contains(allowed, v) {
				return nil, fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
			}
		}
		if o.MaxLength > 0 && len([]rune(v)) > o.MaxLength {
			return nil, fmt.Errorf("longer than %d characters", o.MaxLength)
		}
		opt.Value = v
	case discordgo.ApplicationCommandOptionInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", v)
		}
		if (o.MinValue != nil && float64(n) < *o.MinValue) || (o.MaxValue != 0 && float64(n) > o.MaxValue) {
			return nil, fmt.Errorf("%d is out of range", n)
		}
		opt.Value = float64(n) // as the gateway's JSON gives numbers
	case discordgo.ApplicationCommandOptionBoolean:
		switch strings.ToLower(v) {
		case "true", "yes", "on":
			opt.Value = true
		case "false", "no", "off":
			opt.Value = false
		default:
			return nil, fmt.Errorf("%q is not true or false", v)
		}
	case discordgo.ApplicationCommandOptionChannel:
		v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "<"), "#"), ">")
		v = strings.TrimPrefix(v, "#")
		if v == "" {
			return nil, fmt.Errorf("name a channel, as #news")
		}
		opt.Value = v
	default:
		return nil, fmt.Errorf("the console cannot give this kind of option")
	}
	return opt, nil
}
