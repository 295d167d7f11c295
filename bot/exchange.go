package bot

import (
	"context"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// responder sends the answers to one interaction: on Discord through its
// REST callbacks, in the console by printing them.
type responder interface {
	// Respond is the first answer: a message, a deferral, an update of
	// the clicked message, or autocomplete choices.
	Respond(ctx context.Context, resp *discordgo.InteractionResponse) error
	// Edit changes the first answer's message (the deferred one included).
	Edit(ctx context.Context, edit *discordgo.WebhookEdit) error
	// Delete removes the first answer's message.
	Delete(ctx context.Context) error
	// Followup sends another message after the first answer.
	Followup(ctx context.Context, params *discordgo.WebhookParams) error
	// ChannelName is a channel's name without the #, or its ID when the
	// name is not known.
	ChannelName(id string) string
}

// autoDeferAfter is when an answer still being computed is deferred:
// Discord drops an interaction not acknowledged within 3 s, and the
// callback itself needs some of that time.
const autoDeferAfter = 2 * time.Second

// Exchange states.
const (
	fresh    = iota // nothing sent yet
	deferred        // a deferral was sent; the answer edits it
	answered        // the answer was sent; more go as follow-ups
)

// exchange tracks what one interaction has been answered so far and picks
// the callback that fits the next answer: the first answer, an edit of a
// deferral, or a follow-up. It is safe for the auto-defer timer and the
// handler to use at once.
type exchange struct {
	r    responder
	kind discordgo.InteractionType

	mu        sync.Mutex
	state     int
	ephemeral bool // how the answer is to be seen, for a deferral sent now
	deferEph  bool // how the deferral sent was
}

func newExchange(r responder, kind discordgo.InteractionType, ephemeral bool) *exchange {
	return &exchange{r: r, kind: kind, ephemeral: ephemeral}
}

// setEphemeral says whether the answer is only for the user who asked.
// It matters until the first callback is sent.
func (x *exchange) setEphemeral(v bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ephemeral = v
}

// component reports whether the interaction is a click on a message's
// component, whose normal answer updates that message.
func (x *exchange) component() bool { return x.kind == discordgo.InteractionMessageComponent }

// deferNow acknowledges the interaction without an answer yet, so slow
// work may take up to the token's 15 minutes. It does nothing when
// something was sent already.
func (x *exchange) deferNow(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.deferLocked(ctx)
}

func (x *exchange) deferLocked(ctx context.Context) error {
	if x.state != fresh {
		return nil
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if x.component() {
		resp.Type = discordgo.InteractionResponseDeferredMessageUpdate
	} else if x.ephemeral {
		resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	if err := x.r.Respond(ctx, resp); err != nil {
		return err
	}
	x.state, x.deferEph = deferred, x.ephemeral && !x.component()
	return nil
}

// autoDefer defers the interaction if nothing has been sent after d. The
// returned func stops the timer.
func (x *exchange) autoDefer(ctx context.Context, d time.Duration) (stop func()) {
	t := time.AfterFunc(d, func() { _ = x.deferNow(ctx) })
	return func() { t.Stop() }
}

// send delivers an answer, by the callback that fits what was sent
// before. data.Flags carries MessageFlagsEphemeral for an answer only the
// user may see (errors always are).
func (x *exchange) send(ctx context.Context, data *discordgo.InteractionResponseData) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	eph := data.Flags&discordgo.MessageFlagsEphemeral != 0
	switch x.state {
	case fresh:
		typ := discordgo.InteractionResponseChannelMessageWithSource
		if x.component() && !eph {
			typ = discordgo.InteractionResponseUpdateMessage
		}
		if err := x.r.Respond(ctx, &discordgo.InteractionResponse{Type: typ, Data: data}); err != nil {
			return err
		}
	case deferred:
		switch {
		case x.component() && eph:
			// A click deferred as an update of its message; an error
			// goes to the clicker alone.
			if err := x.r.Followup(ctx, followup(data)); err != nil {
				return err
			}
		case eph && !x.deferEph:
			// A public "thinking…" cannot turn private: remove it and
			// tell the user alone.
			if err := x.r.Delete(ctx); err != nil {
				return err
			}
			if err := x.r.Followup(ctx, followup(data)); err != nil {
				return err
			}
		default:
			if err := x.r.Edit(ctx, edit(data)); err != nil {
				return err
			}
		}
	default:
		if err := x.r.Followup(ctx, followup(data)); err != nil {
			return err
		}
	}
	x.state = answered
	return nil
}

// edit turns an answer into the edit of a deferred message.
func edit(d *discordgo.InteractionResponseData) *discordgo.WebhookEdit {
	content := d.Content
	embeds := d.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	components := d.Components
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	return &discordgo.WebhookEdit{
		Content:         &content,
		Embeds:          &embeds,
		Components:      &components,
		AllowedMentions: d.AllowedMentions,
	}
}

// followup turns an answer into a follow-up message.
func followup(d *discordgo.InteractionResponseData) *discordgo.WebhookParams {
	return &discordgo.WebhookParams{
		Content:         d.Content,
		Embeds:          d.Embeds,
		Components:      d.Components,
		AllowedMentions: d.AllowedMentions,
		Flags:           d.Flags & (discordgo.MessageFlagsEphemeral | discordgo.MessageFlagsSuppressEmbeds),
	}
}
