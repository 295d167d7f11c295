package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// commandSpec is one slash command: its definition, how its answers are
// seen, and its handler.
type commandSpec struct {
	def *discordgo.ApplicationCommand
	// ephemeral answers are seen by the invoking user alone.
	ephemeral bool
	// anywhere commands also work in direct messages.
	anywhere bool
	run      func(b *Bot) handlerFunc
}

// specs holds every command by name. It is built once and never changed.
var specs = buildSpecs()

func buildSpecs() map[string]*commandSpec {
	list := commandSpecs()
	m := make(map[string]*commandSpec, len(list))
	for _, s := range list {
		m[s.def.Name] = s
	}
	return m
}

// Commands returns the definitions of every slash command, as registered
// with Discord, in a fixed order. Each call returns new values.
func Commands() []*discordgo.ApplicationCommand {
	list := commandSpecs()
	out := make([]*discordgo.ApplicationCommand, len(list))
	for i, s := range list {
		out[i] = s.def
	}
	return out
}

// Option limits shared by several commands.
const (
	maxQueryLen  = 200
	maxFilterLen = 200
	maxURLLen    = 2000
)

func commandSpecs() []*commandSpec {
	manage := int64(discordgo.PermissionManageChannels)
	guildOnly := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	anywhere := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	minOne := 1.0
	textChannels := []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}

	str := func(name, desc string, required bool, maxLen int) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name,
			Description: desc, Required: required, MaxLength: maxLen}
	}
	choices := func(values ...string) []*discordgo.ApplicationCommandOptionChoice {
		out := make([]*discordgo.ApplicationCommandOptionChoice, len(values))
		for i, v := range values {
			out[i] = &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v}
		}
		return out
	}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		if opts == nil {
			opts = []*discordgo.ApplicationCommandOption{}
		}
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name,
			Description: desc, Options: opts}
	}
	channel := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionChannel, Name: "channel",
			Description: desc, ChannelTypes: textChannels}
	}

	mode := str("mode", "instant: post each article; digest: keep them for the channel's digest", false, 0)
	mode.Choices = choices(string(newsbot.ModeInstant), string(newsbot.ModeDigest))
	remove := str("feed", "The feed to stop following", true, maxURLLen)
	remove.Autocomplete = true
	digestMax := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: "max",
		Description: fmt.Sprintf("Most stories in one digest (default %d)", newsbot.DefaultDigestMax),
		MinValue:    &minOne, MaxValue: newsbot.MaxDigestMax}
	source := str("source", "Only articles from this feed", false, maxChoiceValue)
	source.Autocomplete = true
	public := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionBoolean, Name: "public",
		Description: "Show the results to the channel (default: only to you)"}
	sentences := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: "sentences",
		Description: "How many key sentences (1 to 10)", MinValue: &minOne, MaxValue: 10}
	delivery := str("delivery", "instant: a DM per story; daily: one DM a day", false, 0)
	delivery.Choices = choices(string(newsbot.CadenceInstant), string(newsbot.CadenceDaily))
	unsubscribeTopic := str("topic", "The topic to stop", true, maxQueryLen)
	unsubscribeTopic.Autocomplete = true

	return []*commandSpec{
		{
			def: &discordgo.ApplicationCommand{
				Name: "feed", Description: "Follow news feeds in this server's channels",
				DefaultMemberPermissions: &manage, Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{
					sub("add", "Follow a feed (or a site: its feed is found) in a channel",
						str("url", "The feed's address, or the site's", true, maxURLLen),
						channel("Where to post (default: this channel)"),
						mode,
						str("include", "Only articles with all these words (search syntax)", false, maxFilterLen),
						str("exclude", "Skip articles with any of these words", false, maxFilterLen)),
					sub("remove", "Stop following a feed in a channel", remove),
					sub("list", "The feeds followed in this server, with their health"),
					sub("why", "What happened to an article or a feed, and why",
						str("url", "The article's or the feed's address", true, maxURLLen)),
				},
			},
			ephemeral: true,
			run:       func(b *Bot) handlerFunc { return b.feedCommand },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "digest", Description: "Scheduled digests of a channel's news",
				DefaultMemberPermissions: &manage, Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{
					sub("schedule", "Post a digest on a schedule",
						str("cron", "When, as cron: \"0 8 * * *\" is 08:00 daily, \"0 8 * * 1\" Mondays", true, 100),
						str("timezone", "IANA time zone the schedule is read in, e.g. Europe/Paris", true, 64),
						digestMax,
						channel("Where to post (default: this channel)")),
					sub("off", "Stop this channel's digest"),
					sub("now", "Post this channel's digest now"),
					sub("show", "Show this channel's digest schedule"),
				},
			},
			ephemeral: true,
			run:       func(b *Bot) handlerFunc { return b.digestCommand },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "search", Description: "Search the news of this server's feeds", Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{
					str("query", "Words, \"phrases\", -excluded, source:name, since:7d", true, maxQueryLen),
					source,
					str("since", "Only articles newer than this: 24h, 7d, 2w or a date (2025-05-01)", false, 20),
					public,
				},
			},
			ephemeral: true,
			run:       func(b *Bot) handlerFunc { return b.search },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "summarize", Description: "The key sentences of any article", Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{
					str("url", "The article's address", true, maxURLLen),
					sentences,
				},
			},
			run: func(b *Bot) handlerFunc { return b.summarize },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "subscribe", Description: "Get stories on a topic by direct message", Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{
					str("topic", "What to follow, in search syntax, e.g. ukraine -sport", true, maxQueryLen),
					delivery,
					str("time", "For daily delivery: when, as HH:MM", false, 5),
					str("timezone", "For daily delivery: your IANA time zone, e.g. America/Chicago", false, 64),
				},
			},
			ephemeral: true,
			run:       func(b *Bot) handlerFunc { return b.subscribe },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "unsubscribe", Description: "Stop a topic subscription", Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{
					unsubscribeTopic,
				},
			},
			ephemeral: true,
			run:       func(b *Bot) handlerFunc { return b.unsubscribe },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "subscriptions", Description: "Your topic subscriptions in this server", Contexts: guildOnly,
				Options: []*discordgo.ApplicationCommandOption{},
			},
			ephemeral: true,
			run:       func(b *Bot) handlerFunc { return b.subscriptionsList },
		},
		{
			def: &discordgo.ApplicationCommand{
				Name: "help", Description: "What newsbot does, and its commands", Contexts: anywhere,
				Options: []*discordgo.ApplicationCommandOption{},
			},
			ephemeral: true,
			anywhere:  true,
			run:       func(b *Bot) handlerFunc { return b.help },
		},
	}
}

// options gives a command's options by name.
type options map[string]*discordgo.ApplicationCommandInteractionDataOption

func optionsOf(list []*discordgo.ApplicationCommandInteractionDataOption) options {
	m := make(options, len(list))
	for _, o := range list {
		m[o.Name] = o
	}
	return m
}

// str returns a string option, trimmed; "" when absent.
func (o options) str(name string) string {
	opt, ok := o[name]
	if !ok || opt.Type != discordgo.ApplicationCommandOptionString {
		return ""
	}
	s, _ := opt.Value.(string)
	return strings.TrimSpace(s)
}

// int returns an integer option, or def when absent.
func (o options) int(name string, def int) int {
	opt, ok := o[name]
	if !ok {
		return def
	}
	switch v := opt.Value.(type) {
	case float64: // JSON numbers, as the gateway sends them
		return int(v)
	case int64:
		return int(v)
	case int:
		return v
	}
	return def
}

// bool returns a boolean option, false when absent.
func (o options) bool(name string) bool {
	opt, ok := o[name]
	if !ok {
		return false
	}
	v, _ := opt.Value.(bool)
	return v
}

// channel returns a channel option's ID, "" when absent.
func (o options) channel(name string) string {
	opt, ok := o[name]
	if !ok || opt.Type != discordgo.ApplicationCommandOptionChannel {
		return ""
	}
	s, _ := opt.Value.(string)
	return s
}

// subcommand returns the subcommand given and its options.
func subcommand(data discordgo.ApplicationCommandInteractionData) (string, options) {
	for _, o := range data.Options {
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			return o.Name, optionsOf(o.Options)
		}
	}
	return "", nil
}

// commandData is the interaction's command data.
func commandData(ix *discordgo.Interaction) discordgo.ApplicationCommandInteractionData {
	d, _ := ix.Data.(discordgo.ApplicationCommandInteractionData)
	return d
}

// canManage reports whether the member may manage channels here, which
// /feed add and /feed remove need. Discord sends the member's computed
// permissions in the channel, administrators' included.
func canManage(ix *discordgo.Interaction) bool {
	return ix.Member != nil && ix.Member.Permissions&(discordgo.PermissionManageChannels|discordgo.PermissionAdministrator) != 0
}

// help answers /help.
func (b *Bot) help(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	return renderHelp(Commands()), nil
}
