package discordtest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Invoke says who makes an interaction, and where. The zero value is the
// default user in the default channel of the default guild, with no
// permissions of its own.
type Invoke struct {
	GuildID   string // the default guild when empty
	ChannelID string // the default channel, or the user's DM channel with DM
	UserID    string // the default user when empty
	Username  string // remembered for UserID; "tester" for the default user
	Roles     []string

	// Permissions are the member's permissions in the channel, sent as
	// member.permissions; zero means none.
	Permissions int64
	// AppPermissions are the bot's permissions in the channel, sent as
	// app_permissions; zero means all.
	AppPermissions int64

	Locale discordgo.Locale // en-US when empty
	DM     bool             // a DM with the bot: a user instead of a member, no guild
}

// Interaction identifies an injected interaction.
type Interaction struct {
	ID        string
	Token     string
	AppID     string
	GuildID   string // "" in a DM
	ChannelID string
	UserID    string
}

// CallbackPath is the path of the interaction's callback, for WaitRequest.
func (ix Interaction) CallbackPath() string {
	return api + "/interactions/" + ix.ID + "/" + ix.Token + "/callback"
}

// OriginalPath is the path of the interaction's @original message, which
// InteractionResponseEdit patches.
func (ix Interaction) OriginalPath() string {
	return ix.FollowupPath() + "/messages/@original"
}

// FollowupPath is the path FollowupMessageCreate posts to.
func (ix Interaction) FollowupPath() string {
	return api + "/webhooks/" + ix.AppID + "/" + ix.Token
}

// interactionState is what the fake knows of an interaction and its answer.
type interactionState struct {
	ix             Interaction
	typ            discordgo.InteractionType
	name           string
	user           *discordgo.User
	created        time.Time
	acked          bool
	resp           discordgo.InteractionResponseType
	originalID     string
	followups      []string
	componentMsgID string // the message a clicked component is on
	choices        json.RawMessage
	modal          json.RawMessage
}

// Reply is how the bot has answered an interaction so far.
type Reply struct {
	// Type is the callback's response type; 0 until the bot answers.
	Type discordgo.InteractionResponseType
	// Original is the @original message as it is now: the response, the
	// deferred "thinking" message (flag MessageFlagsLoading) until edited,
	// or the component's message after an update. Nil when there is none.
	Original  *discordgo.Message
	Followups []*discordgo.Message
	// Choices answer an autocomplete interaction.
	Choices []*discordgo.ApplicationCommandOptionChoice
	// ModalCustomID and ModalTitle describe a modal the bot opened.
	ModalCustomID string
	ModalTitle    string
}

// Reply returns how the bot has answered ix so far.
func (s *Server) Reply(ix Interaction) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interactions[ix.Token]
	if !ok {
		return Reply{}
	}
	r := Reply{Type: st.resp}
	if m, ok := s.messages[st.originalID]; ok && !m.deleted {
		r.Original = m.message()
	}
	for _, id := range st.followups {
		if m := s.messages[id]; !m.deleted {
			r.Followups = append(r.Followups, m.message())
		}
	}
	if st.choices != nil {
		var d struct {
			Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		}
		_ = json.Unmarshal(st.choices, &d)
		r.Choices = d.Choices
	}
	if st.modal != nil {
		var d struct {
			CustomID string `json:"custom_id"`
			Title    string `json:"title"`
		}
		_ = json.Unmarshal(st.modal, &d)
		r.ModalCustomID, r.ModalTitle = d.CustomID, d.Title
	}
	return r
}

// fillLocked applies the defaults to from.
func (s *Server) fillLocked(from Invoke) Invoke {
	if from.UserID == "" {
		from.UserID = s.cfg.UserID
	}
	if from.Username != "" {
		s.users[from.UserID] = &discordgo.User{ID: from.UserID, Username: from.Username, Discriminator: "0"}
	}
	if from.DM {
		from.GuildID = ""
		if from.ChannelID == "" {
			from.ChannelID = s.dmChannelLocked(from.UserID).ID
		}
	} else {
		if from.GuildID == "" {
			from.GuildID = s.cfg.GuildID
		}
		if from.ChannelID == "" {
			from.ChannelID = s.cfg.ChannelID
		}
	}
	if from.Locale == "" {
		from.Locale = discordgo.EnglishUS
	}
	if from.AppPermissions == 0 {
		from.AppPermissions = discordgo.PermissionAll
	}
	if from.Roles == nil {
		from.Roles = []string{}
	}
	return from
}

// Inject dispatches an interaction of any type as INTERACTION_CREATE. i
// gives Type, Data and, for components, Message; the fake fills in the ID,
// token, application, version, and guild, channel, member or user and
// locale from from. It fails the test when no gateway session is there to
// receive it.
func (s *Server) Inject(t testing.TB, from Invoke, i discordgo.Interaction) Interaction {
	t.Helper()
	var msg json.RawMessage
	if i.Message != nil {
		msg = messageJSON(i.Message)
	}
	return s.inject(t, from, i, msg)
}

// messageJSON marshals a message with its components, which
// discordgo.Message leaves out of its JSON.
func messageJSON(m *discordgo.Message) json.RawMessage {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(rawJSON(m), &fields)
	fields["components"] = rawJSON(m.Components)
	return rawJSON(fields)
}

// modalData returns the data of a modal submit, given as a value or a pointer.
func modalData(d discordgo.InteractionData) (discordgo.ModalSubmitInteractionData, bool) {
	switch v := d.(type) {
	case discordgo.ModalSubmitInteractionData:
		return v, true
	case *discordgo.ModalSubmitInteractionData:
		return *v, v != nil
	}
	return discordgo.ModalSubmitInteractionData{}, false
}

// inject dispatches an interaction; msg is the JSON of the message a
// component is on, if any.
func (s *Server) inject(t testing.TB, from Invoke, i discordgo.Interaction, msg json.RawMessage) Interaction {
	t.Helper()
	i.Message = nil // sent as msg: discordgo.Message's JSON lacks components
	componentMsgID := ""
	if msg != nil {
		var m struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(msg, &m)
		componentMsgID = m.ID
	}
	s.mu.Lock()
	from = s.fillLocked(from)
	user := s.userLocked(from.UserID)
	i.ID = s.nextIDLocked()
	i.AppID = s.cfg.AppID
	i.Token = "itoken-" + i.ID + "-discordtest"
	i.Version = 1
	i.GuildID = from.GuildID
	i.ChannelID = from.ChannelID
	i.Locale = from.Locale
	i.AppPermissions = from.AppPermissions
	if from.DM {
		i.User, i.Member, i.GuildLocale = user, nil, nil
		i.Context = discordgo.InteractionContextBotDM
	} else {
		guildLocale := discordgo.EnglishUS
		i.User, i.GuildLocale = nil, &guildLocale
		i.Member = &discordgo.Member{
			GuildID:     from.GuildID,
			User:        user,
			Roles:       from.Roles,
			JoinedAt:    fixedTime,
			Permissions: from.Permissions,
		}
		i.Context = discordgo.InteractionContextGuild
	}
	ix := Interaction{ID: i.ID, Token: i.Token, AppID: i.AppID, GuildID: i.GuildID, ChannelID: i.ChannelID, UserID: from.UserID}
	st := &interactionState{ix: ix, typ: i.Type, user: user, created: time.Now(), componentMsgID: componentMsgID}
	if d, ok := i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		st.name = d.Name
	}
	raw, err := json.Marshal(&i)
	if err == nil {
		var fields map[string]json.RawMessage
		err = json.Unmarshal(raw, &fields)
		if msg != nil {
			fields["message"] = msg
		}
		if d, ok := modalData(i.Data); ok {
			// Like discordgo.Message, its JSON leaves the components out.
			fields["data"] = rawJSON(map[string]any{"custom_id": d.CustomID, "components": d.Components})
		}
		raw = rawJSON(fields)
	}
	if err != nil {
		s.mu.Unlock()
		t.Fatalf("inject interaction: marshal: %v", err)
		return Interaction{}
	}
	s.interactions[i.Token] = st
	s.mu.Unlock()

	if s.dispatch("INTERACTION_CREATE", i.GuildID, raw) == 0 {
		s.mu.Lock()
		delete(s.interactions, i.Token)
		s.mu.Unlock()
		t.Fatalf("inject interaction: no gateway session; open a session and WaitConnected first")
		return Interaction{}
	}
	return ix
}

// SlashCommand dispatches a chat command, as a user typing /name with
// options. Its data.id is the registered command's ID when there is one.
// Build options with StringOption, Subcommand and the like:
//
//	srv.SlashCommand(t, discordtest.Invoke{}, "feed",
//		discordtest.Subcommand("add", discordtest.StringOption("url", "https://example.com/feed")))
func (s *Server) SlashCommand(t testing.TB, from Invoke, name string, options ...*discordgo.ApplicationCommandInteractionDataOption) Interaction {
	t.Helper()
	return s.inject(t, from, discordgo.Interaction{
		Type: discordgo.InteractionApplicationCommand,
		Data: s.commandData(from, name, options),
	}, nil)
}

// Autocomplete dispatches an autocomplete interaction for a chat command;
// exactly one option (at any depth) must be marked with Focused. Discord
// sends the focused value as typed, so use StringOption for it.
func (s *Server) Autocomplete(t testing.TB, from Invoke, name string, options ...*discordgo.ApplicationCommandInteractionDataOption) Interaction {
	t.Helper()
	if n := countFocused(options); n != 1 {
		t.Fatalf("Autocomplete(%q): %d focused options, want 1", name, n)
		return Interaction{}
	}
	return s.inject(t, from, discordgo.Interaction{
		Type: discordgo.InteractionApplicationCommandAutocomplete,
		Data: s.commandData(from, name, options),
	}, nil)
}

// ButtonClick dispatches a click on a button with customID on the message
// messageID, which must be a message the fake holds (a channel post or an
// interaction response); the interaction comes from that message's channel
// unless from says otherwise. With messageID "" the button is on a new
// message the fake makes up in from's channel.
func (s *Server) ButtonClick(t testing.TB, from Invoke, messageID, customID string) Interaction {
	t.Helper()
	s.mu.Lock()
	var m *storedMessage
	if messageID == "" {
		f := s.fillLocked(from)
		m = s.newMessageLocked(f.ChannelID, kindPlaceholder, map[string]json.RawMessage{}, nil, time.Now())
		s.messages[m.id] = m
	} else {
		var ok bool
		m, ok = s.messages[messageID]
		if !ok || m.deleted {
			s.mu.Unlock()
			t.Fatalf("ButtonClick: no message %q", messageID)
			return Interaction{}
		}
		if from.ChannelID == "" {
			from.ChannelID = m.channelID
			if ch, ok := s.channels[m.channelID]; ok && ch.Type == discordgo.ChannelTypeDM {
				from.DM = true
			} else if from.GuildID == "" {
				_ = json.Unmarshal(m.fields["guild_id"], &from.GuildID)
			}
		}
	}
	msg := m.json()
	s.mu.Unlock()
	return s.inject(t, from, discordgo.Interaction{
		Type: discordgo.InteractionMessageComponent,
		Data: discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent},
	}, msg)
}

// commandData builds a chat command's data, with resolved users, channels
// and roles for options that name them, as Discord sends.
func (s *Server) commandData(from Invoke, name string, options []*discordgo.ApplicationCommandInteractionDataOption) discordgo.ApplicationCommandInteractionData {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fillLocked(from)
	id := s.commandIDLocked(f.GuildID, name, commandChatInput)
	if id == "" {
		id = s.nextIDLocked()
	}
	if options == nil {
		options = []*discordgo.ApplicationCommandInteractionDataOption{}
	}
	data := discordgo.ApplicationCommandInteractionData{
		ID:          id,
		Name:        name,
		CommandType: discordgo.ChatApplicationCommand,
		Options:     options,
	}
	resolved := &discordgo.ApplicationCommandInteractionDataResolved{}
	found := false
	var walk func([]*discordgo.ApplicationCommandInteractionDataOption)
	walk = func(opts []*discordgo.ApplicationCommandInteractionDataOption) {
		for _, o := range opts {
			walk(o.Options)
			v, _ := o.Value.(string)
			if v == "" || o.Focused {
				continue
			}
			switch o.Type {
			case discordgo.ApplicationCommandOptionUser:
				found = true
				if resolved.Users == nil {
					resolved.Users = map[string]*discordgo.User{}
				}
				resolved.Users[v] = s.userLocked(v)
				if f.GuildID != "" {
					if resolved.Members == nil {
						resolved.Members = map[string]*discordgo.Member{}
					}
					resolved.Members[v] = &discordgo.Member{Roles: []string{}, JoinedAt: fixedTime}
				}
			case discordgo.ApplicationCommandOptionChannel:
				if ch, ok := s.channelLocked(v); ok {
					found = true
					if resolved.Channels == nil {
						resolved.Channels = map[string]*discordgo.Channel{}
					}
					resolved.Channels[v] = &discordgo.Channel{ID: ch.ID, Name: ch.Name, Type: ch.Type, GuildID: ch.GuildID}
				}
			case discordgo.ApplicationCommandOptionRole:
				found = true
				if resolved.Roles == nil {
					resolved.Roles = map[string]*discordgo.Role{}
				}
				resolved.Roles[v] = &discordgo.Role{ID: v, Name: "role-" + v}
			}
		}
	}
	walk(options)
	if found {
		data.Resolved = resolved
	}
	return data
}

func countFocused(opts []*discordgo.ApplicationCommandInteractionDataOption) int {
	n := 0
	for _, o := range opts {
		if o.Focused {
			n++
		}
		n += countFocused(o.Options)
	}
	return n
}

// StringOption is a string option as a user fills it in.
func StringOption(name, value string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: value}
}

// IntegerOption is an integer option as a user fills it in.
func IntegerOption(name string, value int64) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionInteger, Value: value}
}

// NumberOption is a number option as a user fills it in.
func NumberOption(name string, value float64) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionNumber, Value: value}
}

// BooleanOption is a boolean option as a user fills it in.
func BooleanOption(name string, value bool) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionBoolean, Value: value}
}

// UserOption is a user option; the user is added to the resolved data.
func UserOption(name, userID string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionUser, Value: userID}
}

// ChannelOption is a channel option; the channel is added to the resolved data.
func ChannelOption(name, channelID string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionChannel, Value: channelID}
}

// RoleOption is a role option; the role is added to the resolved data.
func RoleOption(name, roleID string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionRole, Value: roleID}
}

// Subcommand is a subcommand with its options, as in /feed add url:...
func Subcommand(name string, options ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	if options == nil {
		options = []*discordgo.ApplicationCommandInteractionDataOption{}
	}
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: options}
}

// SubcommandGroup is a subcommand group holding one subcommand.
func SubcommandGroup(name string, subcommand *discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{
		Name:    name,
		Type:    discordgo.ApplicationCommandOptionSubCommandGroup,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{subcommand},
	}
}

// Focused marks the option an autocomplete interaction is for, and returns it.
func Focused(o *discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	o.Focused = true
	return o
}

// interactionCallback answers POST /interactions/{id}/{token}/callback.
func (s *Server) interactionCallback(r *http.Request, body []byte) reply {
	payload, files, err := jsonPayload(r.Header.Get("Content-Type"), body)
	var cb struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data json.RawMessage                   `json:"data"`
	}
	if err != nil || json.Unmarshal(payload, &cb) != nil {
		return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
	}
	var data map[string]json.RawMessage
	if len(cb.Data) > 0 && string(cb.Data) != "null" {
		if err := json.Unmarshal(cb.Data, &data); err != nil {
			return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
		}
	}
	if data == nil {
		data = map[string]json.RawMessage{}
	}

	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.interactions[r.PathValue("token")]
	if !ok || st.ix.ID != r.PathValue("interaction") ||
		(s.cfg.InteractionDeadline > 0 && now.Sub(st.created) > s.cfg.InteractionDeadline) {
		return jsonError(http.StatusNotFound, 10062, errorText(404, 10062))
	}
	if st.acked {
		return jsonError(http.StatusBadRequest, 40060, errorText(400, 40060))
	}
	autocomplete := st.typ == discordgo.InteractionApplicationCommandAutocomplete
	component := st.typ == discordgo.InteractionMessageComponent
	modalSubmit := st.typ == discordgo.InteractionModalSubmit
	invalid := func() reply {
		fe := formErrors{}
		fe.add("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid for this interaction")
		return fe.reply()
	}

	switch cb.Type {
	case discordgo.InteractionResponseChannelMessageWithSource:
		if autocomplete {
			return invalid()
		}
		m := s.interactionMessageLocked(st, data, files, now)
		if rep := checkMessage(m.fields, "data"); rep != nil {
			return *rep
		}
		s.messages[m.id] = m
		st.originalID = m.id
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		if autocomplete {
			return invalid()
		}
		var flags discordgo.MessageFlags
		_ = json.Unmarshal(data["flags"], &flags)
		m := s.interactionMessageLocked(st, map[string]json.RawMessage{}, nil, now)
		m.setFlags(flags&discordgo.MessageFlagsEphemeral | discordgo.MessageFlagsLoading)
		s.messages[m.id] = m
		st.originalID = m.id
	case discordgo.InteractionResponseDeferredMessageUpdate:
		if !component && !modalSubmit {
			return invalid()
		}
		st.originalID = st.componentMsgID
	case discordgo.InteractionResponseUpdateMessage:
		if !component && !modalSubmit {
			return invalid()
		}
		m, ok := s.messages[st.componentMsgID]
		if !ok || m.deleted {
			return jsonError(http.StatusNotFound, 10008, errorText(404, 10008))
		}
		if rep := s.editLocked(m, data, files, editKeys, "data"); rep.status != http.StatusOK {
			return rep
		}
		st.originalID = m.id
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		if !autocomplete {
			return invalid()
		}
		var d struct {
			Choices []choiceCheck `json:"choices"`
		}
		_ = json.Unmarshal(rawJSON(data), &d)
		fe := formErrors{}
		checkChoices(fe, "data.choices", d.Choices, false)
		if len(fe) > 0 {
			return fe.reply()
		}
		st.choices = rawJSON(data)
	case discordgo.InteractionResponseModal:
		if autocomplete || modalSubmit {
			return invalid()
		}
		var d struct {
			CustomID   string            `json:"custom_id"`
			Title      string            `json:"title"`
			Components []json.RawMessage `json:"components"`
		}
		_ = json.Unmarshal(rawJSON(data), &d)
		fe := formErrors{}
		required(fe, "data.custom_id", d.CustomID)
		maxLen(fe, "data.custom_id", d.CustomID, maxCustomID)
		required(fe, "data.title", d.Title)
		maxLen(fe, "data.title", d.Title, 45)
		if len(d.Components) < 1 || len(d.Components) > maxActionRows {
			fe.add("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		if len(fe) > 0 {
			return fe.reply()
		}
		st.modal = rawJSON(data)
	default:
		fe := formErrors{}
		fe.add("type", "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.")
		return fe.reply()
	}
	st.acked = true
	st.resp = cb.Type
	return noContent()
}

// interactionMessageLocked builds a message sent by the application in
// answer to an interaction.
func (s *Server) interactionMessageLocked(st *interactionState, data map[string]json.RawMessage, files []attachment, now time.Time) *storedMessage {
	m := s.newMessageLocked(st.ix.ChannelID, kindInteraction, data, files, now)
	if st.ix.GuildID == "" {
		delete(m.fields, "guild_id")
	} else {
		m.fields["guild_id"] = rawJSON(st.ix.GuildID)
	}
	var flags discordgo.MessageFlags
	_ = json.Unmarshal(data["flags"], &flags)
	m.setFlags(flags & (discordgo.MessageFlagsEphemeral | discordgo.MessageFlagsSuppressEmbeds | discordgo.MessageFlagsSuppressNotifications | discordgo.MessageFlagsIsComponentsV2))
	m.fields["webhook_id"] = rawJSON(s.cfg.AppID)
	m.fields["application_id"] = rawJSON(s.cfg.AppID)
	m.fields["interaction_metadata"] = rawJSON(map[string]any{"id": st.ix.ID, "type": st.typ, "user": st.user})
	if st.typ == discordgo.InteractionApplicationCommand {
		m.fields["type"] = rawJSON(discordgo.MessageTypeChatInputCommand)
		m.fields["interaction"] = rawJSON(map[string]any{"id": st.ix.ID, "type": st.typ, "name": st.name, "user": st.user})
	}
	return m
}

// webhookStateLocked returns the interaction an interaction webhook path
// names, or Discord's 404 Unknown Webhook.
func (s *Server) webhookStateLocked(r *http.Request) (*interactionState, *reply) {
	st, ok := s.interactions[r.PathValue("token")]
	if !ok || r.PathValue("app") != st.ix.AppID || !st.acked {
		rep := jsonError(http.StatusNotFound, 10015, errorText(404, 10015))
		return nil, &rep
	}
	return st, nil
}

// followup answers POST /webhooks/{app}/{token}. The first follow-up after
// a deferred response fills in the "thinking" message, as Discord does.
func (s *Server) followup(r *http.Request, body []byte) reply {
	fields, files, rep := parseMessage(r, body)
	if rep != nil {
		return *rep
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, rep := s.webhookStateLocked(r)
	if rep != nil {
		return *rep
	}
	var out reply
	if orig, ok := s.messages[st.originalID]; ok && !orig.deleted && orig.flags()&discordgo.MessageFlagsLoading != 0 {
		out = s.editLocked(orig, fields, files, webhookEditKeys, "")
		if out.status != http.StatusOK {
			return out
		}
		orig.fields["edited_timestamp"] = json.RawMessage("null")
		out.body = orig.json()
	} else {
		m := s.interactionMessageLocked(st, fields, files, now)
		m.fields["interaction_metadata"] = rawJSON(map[string]any{
			"id": st.ix.ID, "type": st.typ, "user": st.user, "original_response_message_id": st.originalID,
		})
		if rep := checkMessage(m.fields, ""); rep != nil {
			return *rep
		}
		s.messages[m.id] = m
		st.followups = append(st.followups, m.id)
		out = reply{status: http.StatusOK, header: jsonHeader(), body: m.json()}
	}
	if r.URL.Query().Get("wait") != "true" {
		return noContent()
	}
	return out
}

// webhookMessageLocked returns the message an interaction webhook path
// names: @original or one of the follow-ups.
func (s *Server) webhookMessageLocked(r *http.Request) (*storedMessage, *reply) {
	st, rep := s.webhookStateLocked(r)
	if rep != nil {
		return nil, rep
	}
	id := r.PathValue("message")
	if id == "@original" {
		id = st.originalID
	} else if id != st.originalID && !contains(st.followups, id) {
		id = ""
	}
	m, ok := s.messages[id]
	if !ok || m.deleted {
		rep := jsonError(http.StatusNotFound, 10008, errorText(404, 10008))
		return nil, &rep
	}
	return m, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) getWebhookMessage(r *http.Request, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, rep := s.webhookMessageLocked(r)
	if rep != nil {
		return *rep
	}
	return reply{status: http.StatusOK, header: jsonHeader(), body: m.json()}
}

// editWebhookMessage answers PATCH /webhooks/{app}/{token}/messages/{id},
// which InteractionResponseEdit and FollowupMessageEdit use.
func (s *Server) editWebhookMessage(r *http.Request, body []byte) reply {
	fields, files, rep := parseMessage(r, body)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, rep := s.webhookMessageLocked(r)
	if rep != nil {
		return *rep
	}
	// Webhook edits cannot change flags; the "thinking" flag goes away.
	return s.editLocked(m, fields, files, webhookEditKeys, "")
}

func (s *Server) deleteWebhookMessage(r *http.Request, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, rep := s.webhookMessageLocked(r)
	if rep != nil {
		return *rep
	}
	m.deleted = true
	return noContent()
}
