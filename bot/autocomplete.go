package bot

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// autocomplete answers the choices for the option being typed. It has no
// deferral: the answer must come at once, so it reads only the guild's
// feed list.
func (b *Bot) autocomplete(ctx context.Context, ix *discordgo.Interaction, r responder) {
	data := commandData(ix)
	sub := ""
	focused := findFocused(data.Options)
	for _, o := range data.Options {
		if o.Type == discordgo.ApplicationCommandOptionSubCommand {
			sub = o.Name
		}
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	var err error
	if ix.GuildID != "" && focused != nil {
		typed, _ := focused.Value.(string)
		switch {
		case data.Name == "feed" && sub == "remove" && focused.Name == "feed":
			choices, err = b.feedRemoveChoices(ctx, ix, typed, r.ChannelName)
		case data.Name == "search" && focused.Name == "source":
			choices, err = b.sourceChoices(ctx, ix.GuildID, typed)
		case data.Name == "unsubscribe" && focused.Name == "topic":
			choices, err = b.topicChoices(ctx, ix.GuildID, userID(ix), typed)
		}
	}
	if err != nil {
		b.log.Error("autocomplete", "interaction_id", ix.ID, "guild_id", ix.GuildID, "command", data.Name, "error", err)
		choices = nil
	}
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	err = r.Respond(ctx, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
	if err != nil {
		b.log.Error("answer autocomplete", "interaction_id", ix.ID, "guild_id", ix.GuildID, "command", data.Name, "error", err)
	}
}

// findFocused returns the option being typed, at any depth.
func findFocused(list []*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range list {
		if o.Focused {
			return o
		}
		if f := findFocused(o.Options); f != nil {
			return f
		}
	}
	return nil
}
