package bot

import (
	"cmp"
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// Topic subscriptions: /subscribe, /unsubscribe, /subscriptions, their
// buttons (here and on the DMs of dm.go), and the note a user gets once
// after Discord refused them a DM.

// defaultDailyTime is when a daily subscription's DM comes if the user
// gives no time; defaultTimezone reads it when they give no zone.
const (
	defaultDailyTime = "08:00"
	defaultTimezone  = "UTC"
)

// subscribe answers /subscribe: it checks the topic and the delivery,
// stores the subscription, adds it to the matcher, and says what will
// happen. Nothing is stored when an option is wrong.
func (b *Bot) subscribe(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	opts := optionsOf(commandData(ix).Options)
	user := userID(ix)
	topic := oneLine(opts.str("topic"))
	if err := CheckTopic(topic); err != nil {
		return nil, topicError(err)
	}
	clock, zone := opts.str("time"), opts.str("timezone")
	cadence := newsbot.Cadence(opts.str("delivery"))
	switch {
	case cadence == "" && (clock != "" || zone != ""):
		// A time says when: that is daily delivery.
		cadence = newsbot.CadenceDaily
	case cadence == "":
		cadence = newsbot.CadenceInstant
	case !cadence.Valid():
		return nil, invalidf("delivery: %q is not instant or daily", opts.str("delivery"))
	case cadence == newsbot.CadenceInstant && (clock != "" || zone != ""):
		return nil, invalidf("time and timezone are for daily delivery: add delivery:daily, or leave them out to get instant DMs")
	}
	now := b.now()
	sub := newsbot.Subscription{GuildID: ix.GuildID, UserID: user, Topic: topic, Cadence: cadence, CreatedAt: now}
	if cadence == newsbot.CadenceDaily {
		sub.Time, sub.Timezone = cmp.Or(clock, defaultDailyTime), cmp.Or(zone, defaultTimezone)
		sched, err := DailyAt(sub.Time, sub.Timezone)
		if err != nil {
			return nil, err
		}
		if t, err := time.Parse("15:04", sub.Time); err == nil {
			sub.Time = t.Format("15:04") // "7:30" is stored and shown as "07:30"
		}
		sub.NextRunAt = sched.Next(now)
	}

	existing, err := b.store.UserSubscriptions(ctx, ix.GuildID, user)
	if err != nil {
		return nil, err
	}
	for _, s := range existing {
		if strings.EqualFold(s.Topic, topic) {
			return nil, existsf("you already subscribe to %s in this server (%s); to change how it comes, /unsubscribe it and subscribe again",
				quoteQuery(truncate(s.Topic, 100)), cadenceText(s))
		}
	}
	if len(existing) >= newsbot.MaxSubscriptionsPerUser {
		return nil, invalidf("you have %d topics in this server, the most allowed; remove one with /unsubscribe or /subscriptions first",
			len(existing))
	}
	sub, err = b.store.AddSubscription(ctx, sub)
	if errors.Is(err, newsbot.ErrExists) {
		return nil, existsf("you already subscribe to %s in this server; /subscriptions lists your topics", quoteQuery(truncate(topic, 100)))
	}
	if err != nil {
		return nil, err
	}
	if err := b.topics.Add(sub); err != nil {
		// Take the subscription back rather than keep one that can
		// never match.
		if rerr := b.store.RemoveSubscriptionID(ctx, user, sub.ID); rerr != nil {
			return nil, fmt.Errorf("bot: match topic %q: %w", topic, errors.Join(err, rerr))
		}
		return nil, topicError(err)
	}
	feeds, err := b.store.GuildFeeds(ctx, ix.GuildID)
	if err != nil {
		return nil, err
	}
	paused := false
	for _, s := range existing {
		paused = paused || !s.PausedAt.IsZero()
	}
	return subscribed(subscribedView{Sub: sub, Delivery: b.delivery, Feeds: len(feeds), Paused: paused,
		ZoneDefaulted: cadence == newsbot.CadenceDaily && zone == ""}), nil
}

// topicError makes a topic's validation error name the option.
func topicError(err error) error {
	if p, ok := phrase(err); ok {
		return invalidf("topic: %s", p)
	}
	return err
}

// subscribedView is what /subscribe answers about.
type subscribedView struct {
	Sub      newsbot.Subscription
	Delivery Delivery
	// Feeds counts the feeds followed in the guild.
	Feeds int
	// Paused is set when the user's other topics are paused.
	Paused bool
	// ZoneDefaulted is set when the user gave a time but no time zone.
	ZoneDefaulted bool
}

// subscribed is the answer to /subscribe.
func subscribed(v subscribedView) *discordgo.InteractionResponseData {
	var b strings.Builder
	s := v.Sub
	q := quoteQuery(truncate(s.Topic, maxQueryLen))
	if s.Cadence == newsbot.CadenceDaily {
		fmt.Fprintf(&b, "Subscribed to %s: one DM a day at %s %s with the articles of this server's feeds that matched, "+
			"none on a day when nothing did. The first comes %s (%s).",
			q, s.Time, escape(s.Timezone), discordTime(s.NextRunAt, "F"), discordTime(s.NextRunAt, "R"))
		if v.ZoneDefaulted {
			b.WriteString("\nThe time is read in UTC; add timezone: with your own zone (such as Europe/Berlin) to read it in yours.")
		}
	} else {
		fmt.Fprintf(&b, "Subscribed to %s: newsbot DMs you when an article matching it arrives in this server's feeds, "+
			"at most one DM every %s (articles found meanwhile come together) and at most %d DMs a day.",
			q, span(v.Delivery.DMEvery), v.Delivery.DMDailyCap)
	}
	b.WriteString("\nTopics read like /search: words, \"phrases\", -excluded, source:name.")
	if v.Feeds == 0 {
		b.WriteString("\nThis server follows no feeds yet, so nothing can match until someone adds one with /feed add.")
	}
	if v.Paused {
		b.WriteString("\n" + pausedHelp + " in /subscriptions.")
	} else {
		b.WriteString("\nThe DMs reach you if you allow direct messages from this server's members.")
	}
	return message(b.String(), true)
}

// pausedHelp says how to get DMs again after Discord refused one.
const pausedHelp = "Your DMs from newsbot are paused because Discord refused one. Allow direct messages from this server's members " +
	"(the server's name ▸ Privacy Settings), then press Resume DMs"

// discordTime is a time as Discord shows it, in each reader's own zone.
func discordTime(t time.Time, style string) string {
	return "<t:" + strconv.FormatInt(t.Unix(), 10) + ":" + style + ">"
}

// cadenceText says how a subscription delivers.
func cadenceText(s newsbot.Subscription) string {
	if s.Cadence == newsbot.CadenceDaily {
		return "daily at " + s.Time + " " + escape(s.Timezone)
	}
	return "instant"
}

// unsubscribe answers /unsubscribe: the topic as given (any case), or
// the subscription's ID that autocomplete offers for a topic too long
// for a choice.
func (b *Bot) unsubscribe(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	user := userID(ix)
	topic := oneLine(optionsOf(commandData(ix).Options).str("topic"))
	subs, err := b.store.UserSubscriptions(ctx, ix.GuildID, user)
	if err != nil {
		return nil, err
	}
	s, ok := findTopic(subs, topic)
	if !ok {
		if len(subs) == 0 {
			return nil, notFoundf("you have no topic subscriptions in this server")
		}
		return nil, notFoundf("you do not subscribe to %s in this server; /subscriptions lists your topics", quoteQuery(truncate(topic, 100)))
	}
	if err := b.removeSubscription(ctx, user, s.ID); err != nil {
		return nil, err
	}
	return message(fmt.Sprintf("Unsubscribed from %s: no more DMs about it, and its articles still waiting are dropped.",
		quoteQuery(truncate(s.Topic, maxQueryLen))), true), nil
}

// findTopic finds the subscription a user named: its topic (any case),
// else its ID.
func findTopic(subs []newsbot.Subscription, topic string) (newsbot.Subscription, bool) {
	for _, s := range subs {
		if strings.EqualFold(s.Topic, topic) {
			return s, true
		}
	}
	if id, err := strconv.ParseInt(topic, 10, 64); err == nil {
		for _, s := range subs {
			if s.ID == id {
				return s, true
			}
		}
	}
	return newsbot.Subscription{}, false
}

// removeSubscription deletes a user's subscription and takes it out of
// the matcher.
func (b *Bot) removeSubscription(ctx context.Context, userID string, id int64) error {
	if err := b.store.RemoveSubscriptionID(ctx, userID, id); err != nil {
		return err
	}
	b.topics.Remove(id)
	return nil
}

// topicChoices offers the user's topics in this guild that contain what
// was typed. The value is the topic, or the ID for a topic longer than a
// choice's value may be.
func (b *Bot) topicChoices(ctx context.Context, guildID, userID, typed string) ([]*discordgo.ApplicationCommandOptionChoice, error) {
	subs, err := b.store.UserSubscriptions(ctx, guildID, userID)
	if err != nil {
		return nil, err
	}
	typed = strings.ToLower(oneLine(typed))
	var names, values []string
	for _, s := range subs {
		if typed != "" && !strings.Contains(strings.ToLower(s.Topic), typed) {
			continue
		}
		v := s.Topic
		if len([]rune(v)) > maxChoiceValue {
			v = strconv.FormatInt(s.ID, 10)
		}
		names = append(names, s.Topic+" ("+cadenceName(s)+")")
		values = append(values, v)
	}
	return autocompleteChoices(names, values), nil
}

// cadenceName is cadenceText without markdown, for choices and labels.
func cadenceName(s newsbot.Subscription) string {
	if s.Cadence == newsbot.CadenceDaily {
		return "daily at " + s.Time + " " + s.Timezone
	}
	return "instant"
}

// subscriptionsList answers /subscriptions.
func (b *Bot) subscriptionsList(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	return b.renderSubscriptionsOf(ctx, ix.GuildID, userID(ix), "")
}

// renderSubscriptionsOf reads a user's subscriptions in a guild and
// renders the list, with note (if any) above it.
func (b *Bot) renderSubscriptionsOf(ctx context.Context, guildID, userID, note string) (*discordgo.InteractionResponseData, error) {
	subs, err := b.store.UserSubscriptions(ctx, guildID, userID)
	if err != nil {
		return nil, err
	}
	muted, err := b.store.MutedFeeds(ctx, userID)
	if err != nil {
		return nil, err
	}
	return renderSubscriptions(subscriptionsView{
		Note: note, Subs: subs, Muted: muted, Delivery: b.delivery,
		RemoveID: func(id int64) string { return b.subButtonID(userID, actRemove, id) },
		UnmuteID: func(id int64) string { return b.subButtonID(userID, actUnmute, id) },
		ResumeID: b.subButtonID(userID, actResume, 0),
	}), nil
}

// subscriptionsView is a user's list of topics to render.
type subscriptionsView struct {
	// Note is a line above the list, such as what a button just did.
	Note string
	Subs []newsbot.Subscription
	// Muted are the sources the user muted from a DM.
	Muted    []newsbot.Feed
	Delivery Delivery
	// RemoveID, UnmuteID and ResumeID are the buttons' custom IDs.
	RemoveID func(subscriptionID int64) string
	UnmuteID func(feedID int64) string
	ResumeID string
}

// listTopicChars bounds a topic in the list, so 25 fit one embed.
const listTopicChars = 80

// renderSubscriptions renders /subscriptions: each topic with how it is
// delivered, the pause and how to end it, and a Remove button per topic
// (and Resume DMs when paused).
func renderSubscriptions(v subscriptionsView) *discordgo.InteractionResponseData {
	var content strings.Builder
	if v.Note != "" {
		content.WriteString(v.Note + "\n")
	}
	if len(v.Subs) == 0 && len(v.Muted) == 0 {
		content.WriteString("You have no topic subscriptions in this server. Subscribe with /subscribe topic:ukraine: " +
			"articles of this server's feeds that match come to you by DM.")
		return message(content.String(), true)
	}
	noun := "topics"
	if len(v.Subs) == 1 {
		noun = "topic"
	}
	fmt.Fprintf(&content, "Your %d %s in this server (at most %d):", len(v.Subs), noun, newsbot.MaxSubscriptionsPerUser)

	var desc strings.Builder
	var paused *newsbot.Subscription
	for i, s := range v.Subs {
		fmt.Fprintf(&desc, "**%d.** %s — %s", i+1, quoteQuery(truncate(s.Topic, listTopicChars)), cadenceText(s))
		if s.Cadence == newsbot.CadenceDaily && s.PausedAt.IsZero() {
			desc.WriteString(", next " + discordTime(s.NextRunAt, "R"))
		}
		if !s.PausedAt.IsZero() {
			desc.WriteString(" — ⏸ paused")
			if paused == nil {
				paused = &v.Subs[i]
			}
		}
		desc.WriteString("\n")
	}
	if paused != nil {
		fmt.Fprintf(&desc, "\n⏸ DMs paused %s: %s.\n%s below.", discordTime(paused.PausedAt, "R"),
			escape(truncate(cmp.Or(oneLine(paused.PausedReason), "Discord refused a DM"), 200)), pausedHelp)
	} else {
		fmt.Fprintf(&desc, "\nInstant topics DM you at most once every %s, up to %d times a day.", span(v.Delivery.DMEvery), v.Delivery.DMDailyCap)
	}
	var buttons []discordgo.MessageComponent
	if paused != nil {
		buttons = append(buttons, discordgo.Button{Label: "Resume DMs", Style: discordgo.PrimaryButton, CustomID: v.ResumeID})
	}
	for i, s := range v.Subs {
		if len(buttons) == maxButtons {
			fmt.Fprintf(&desc, "\nTopics %d and on have no button here: remove them with /unsubscribe.", i+1)
			break
		}
		buttons = append(buttons, discordgo.Button{
			Label:    truncate("Remove “"+oneLine(s.Topic)+"”", maxButtonLabel),
			Style:    discordgo.SecondaryButton,
			CustomID: v.RemoveID(s.ID),
		})
	}
	if len(v.Muted) > 0 {
		names := make([]string, len(v.Muted))
		for i, f := range v.Muted {
			names[i] = "**" + escape(truncate(feedName(f), 100)) + "**"
		}
		fmt.Fprintf(&desc, "\n\n🔇 Muted sources (their articles never reach your DMs): %s.", strings.Join(names, ", "))
		for _, f := range v.Muted {
			if len(buttons) == maxButtons {
				break
			}
			buttons = append(buttons, discordgo.Button{
				Label:    truncate("Unmute "+oneLine(feedName(f)), maxButtonLabel),
				Style:    discordgo.SecondaryButton,
				CustomID: v.UnmuteID(f.ID),
			})
		}
	}
	d := message(content.String(), true, &discordgo.MessageEmbed{Description: desc.String()})
	d.Components = buttonRows(buttons)
	return d
}

// Discord's limits on buttons.
const (
	maxButtonLabel = 80
	buttonsPerRow  = 5
	maxButtons     = 25 // 5 rows of 5
)

// buttonRows lays buttons out in rows of five, at most five rows.
func buttonRows(buttons []discordgo.MessageComponent) []discordgo.MessageComponent {
	buttons = buttons[:min(len(buttons), maxButtons)]
	var rows []discordgo.MessageComponent
	for i := 0; i < len(buttons); i += buttonsPerRow {
		rows = append(rows, discordgo.ActionsRow{Components: buttons[i:min(i+buttonsPerRow, len(buttons))]})
	}
	return rows
}

// The buttons of subscriptions and their DMs carry an action and an ID,
// signed with the user they were made for:
//
//	s1.<action>.<id>.<signature>
//
// id is base 36; the signature is that of page buttons (search.go) over
// the prefix, the user, the action and the id. A button clicked by anyone
// but its user fails the signature, and the store looks the ID up among
// the clicker's own subscriptions as well. Buttons work in DMs (no guild).
const subPrefix = "s1"

// Button actions.
const (
	actUnsubscribe = "un" // a DM's Unsubscribe: the subscription ID
	actMute        = "mu" // a DM's Mute: the feed ID
	actRemove      = "rm" // /subscriptions' Remove: the subscription ID
	actResume      = "rs" // /subscriptions' Resume DMs
	actResumeNote  = "rn" // the pause note's Resume DMs
	actUnmute      = "um" // /subscriptions' Unmute: the feed ID
)

// subButtonID encodes the custom ID of a subscription button for user.
func (b *Bot) subButtonID(user, action string, id int64) string {
	n := strconv.FormatInt(id, 36)
	return subPrefix + "." + action + "." + n + "." + b.sign(subPrefix, user, action, n, "")
}

// isSubButton reports whether a custom ID is a subscription button's.
func isSubButton(customID string) bool { return strings.HasPrefix(customID, subPrefix+".") }

// errBadSubButton refuses a subscription button that does not check out.
var errBadSubButton = invalidf("that button's data does not check out, so nothing was done; /subscriptions lists your topics")

// parseSubButton decodes and verifies a subscription button clicked by user.
func (b *Bot) parseSubButton(user, customID string) (action string, id int64, err error) {
	parts := strings.Split(customID, ".")
	if len(parts) != 4 || parts[0] != subPrefix || user == "" {
		return "", 0, errBadSubButton
	}
	action, n, sig := parts[1], parts[2], parts[3]
	if !hmac.Equal([]byte(sig), []byte(b.sign(subPrefix, user, action, n, ""))) {
		return "", 0, errBadSubButton
	}
	id, err = strconv.ParseInt(n, 36, 64)
	if err != nil || id < 0 {
		return "", 0, errBadSubButton
	}
	return action, id, nil
}

// subscriptionClick answers a click on a subscription button: on a DM
// (unsubscribe, mute), on /subscriptions (remove, resume) or on the pause
// note (resume).
func (b *Bot) subscriptionClick(ctx context.Context, ix *discordgo.Interaction, customID string) (*discordgo.InteractionResponseData, error) {
	user := userID(ix)
	action, id, err := b.parseSubButton(user, customID)
	if err != nil {
		return nil, err
	}
	switch action {
	case actUnsubscribe:
		s, err := b.store.Subscription(ctx, user, id)
		if errors.Is(err, newsbot.ErrNotFound) {
			return nil, notFoundf("you no longer subscribe to that topic, so there was nothing to stop")
		}
		if err != nil {
			return nil, err
		}
		if err := b.removeSubscription(ctx, user, id); err != nil {
			return nil, err
		}
		return message(fmt.Sprintf("Unsubscribed from %s: no more DMs about it. /subscribe in the server brings it back.",
			quoteQuery(truncate(s.Topic, maxQueryLen))), true), nil
	case actMute:
		f, err := b.store.Feed(ctx, id)
		if errors.Is(err, newsbot.ErrNotFound) {
			return nil, notFoundf("that source is no longer read by newsbot, so it sends you nothing anyway")
		}
		if err != nil {
			return nil, err
		}
		if err := b.store.MuteFeed(ctx, user, id); err != nil {
			return nil, err
		}
		return message(fmt.Sprintf("Muted **%s**: your topics no longer bring you its articles, and those waiting are dropped. "+
			"/subscriptions lists muted sources, with a button to unmute each.", escape(feedName(f))), true), nil
	case actUnmute:
		note := "That source was unmuted already."
		f, err := b.store.Feed(ctx, id)
		if err != nil && !errors.Is(err, newsbot.ErrNotFound) {
			return nil, err
		}
		switch err := b.store.UnmuteFeed(ctx, user, id); {
		case err == nil:
			note = "Unmuted **" + escape(feedName(f)) + "**: its articles reach your DMs again when they match a topic."
		case !errors.Is(err, newsbot.ErrNotFound):
			return nil, err
		}
		return b.updateList(ctx, ix, user, note)
	case actRemove:
		s, err := b.store.Subscription(ctx, user, id)
		note := ""
		switch {
		case errors.Is(err, newsbot.ErrNotFound):
			note = "That topic was removed already."
		case err != nil:
			return nil, err
		default:
			if err := b.removeSubscription(ctx, user, id); err != nil && !errors.Is(err, newsbot.ErrNotFound) {
				return nil, err
			}
			note = "Removed " + quoteQuery(truncate(s.Topic, listTopicChars)) + "."
		}
		return b.updateList(ctx, ix, user, note)
	case actResume, actResumeNote:
		if err := b.store.PauseSubscriptions(ctx, user, "", b.now()); err != nil {
			return nil, err
		}
		const resumed = "DMs resumed: matching articles come by DM again. If Discord refuses one again, they pause and you are told."
		if action == actResume && ix.GuildID != "" {
			return b.updateList(ctx, ix, user, resumed)
		}
		return message(resumed, true), nil
	}
	return nil, errBadSubButton
}

// updateList re-renders the /subscriptions message a button is on.
func (b *Bot) updateList(ctx context.Context, ix *discordgo.Interaction, user, note string) (*discordgo.InteractionResponseData, error) {
	if ix.GuildID == "" {
		return message(note, true), nil
	}
	data, err := b.renderSubscriptionsOf(ctx, ix.GuildID, user, note)
	if err != nil {
		return nil, err
	}
	// An update keeps the message as it is seen; the flag is for new ones.
	data.Flags &^= discordgo.MessageFlagsEphemeral
	return data, nil
}

// tellPause sends, after a command's answer, the note that the user's
// subscriptions were paused because Discord refused a DM: once per pause,
// and not after /subscriptions, whose list tells of the pause itself.
func (b *Bot) tellPause(ctx context.Context, ix *discordgo.Interaction, x *exchange) {
	user := userID(ix)
	if user == "" {
		return
	}
	reason, err := b.store.TakePauseNote(ctx, user)
	if err != nil {
		b.log.Error("read pause note", "interaction_id", ix.ID, "user_id", user, "error", err)
		return
	}
	if reason == "" || commandData(ix).Name == "subscriptions" {
		return // the list says it already
	}
	if err := x.send(ctx, pauseNote(reason, b.subButtonID(user, actResumeNote, 0))); err != nil {
		b.log.Error("send pause note", "interaction_id", ix.ID, "user_id", user, "error", err)
	}
}

// pauseNote tells a user why their DMs stopped and how to get them again.
func pauseNote(reason, resumeID string) *discordgo.InteractionResponseData {
	text := fmt.Sprintf("Your topic subscriptions are paused: Discord refused a direct message from newsbot (%s).\n"+
		"To get them again, allow direct messages from the server's members (the server's name ▸ Privacy Settings), "+
		"then press Resume DMs, here or in /subscriptions.", escape(truncate(oneLine(reason), 200)))
	d := message(text, true)
	d.Components = buttonRows([]discordgo.MessageComponent{
		discordgo.Button{Label: "Resume DMs", Style: discordgo.PrimaryButton, CustomID: resumeID},
	})
	return d
}
