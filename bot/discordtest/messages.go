package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// nonceWindow is how long Discord remembers an enforced nonce ("a few
// minutes" in its documentation).
const nonceWindow = 5 * time.Minute

// Discord's limits on a message.
const (
	maxContent       = 2000
	maxEmbeds        = 10
	maxEmbedTotal    = 6000
	maxEmbedTitle    = 256
	maxEmbedDesc     = 4096
	maxEmbedFields   = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooterText    = 2048
	maxAuthorName    = 256
	maxActionRows    = 5
	maxRowComponents = 5
	maxCustomID      = 100
	maxButtonLabel   = 80
	maxNonce         = 25
)

type messageKind int

const (
	kindChannel     messageKind = iota // POST /channels/{id}/messages
	kindInteraction                    // an interaction response or follow-up
	kindPlaceholder                    // made up to carry a clicked component
)

// storedMessage is a message as Discord would return it, kept as its JSON
// object so edits can replace fields the way Discord does.
type storedMessage struct {
	id        string
	channelID string
	kind      messageKind
	fields    map[string]json.RawMessage
	deleted   bool
}

func (m *storedMessage) json() []byte {
	b, _ := json.Marshal(m.fields)
	return b
}

func (m *storedMessage) flags() discordgo.MessageFlags {
	var f discordgo.MessageFlags
	_ = json.Unmarshal(m.fields["flags"], &f)
	return f
}

func (m *storedMessage) setFlags(f discordgo.MessageFlags) {
	m.fields["flags"] = rawJSON(f)
}

// message decodes the stored JSON with discordgo, as a client would see it.
func (m *storedMessage) message() *discordgo.Message {
	var msg discordgo.Message
	if err := json.Unmarshal(m.json(), &msg); err != nil {
		// The fake only stores what passed validation; still, show the
		// problem rather than hide the message.
		return &discordgo.Message{ID: m.id, ChannelID: m.channelID, Content: "discordtest: undecodable message: " + err.Error()}
	}
	return &msg
}

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("discordtest: marshal %T: %v", v, err))
	}
	return b
}

// Fields a sender sets when creating a message, and when editing one.
var (
	createKeys = []string{"content", "embeds", "components", "tts", "flags", "message_reference", "poll", "attachments"}
	editKeys   = []string{"content", "embeds", "components", "flags", "attachments"}
	// Webhook edits (interaction responses) cannot change flags.
	webhookEditKeys = []string{"content", "embeds", "components", "attachments"}
)

// parseMessage reads a message payload (JSON or multipart) into its fields.
func parseMessage(r *http.Request, body []byte) (map[string]json.RawMessage, []attachment, *reply) {
	payload, files, err := jsonPayload(r.Header.Get("Content-Type"), body)
	if err != nil {
		rep := jsonError(http.StatusBadRequest, 50035, err.Error())
		return nil, nil, &rep
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
		rep := jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
		return nil, nil, &rep
	}
	return fields, files, nil
}

// newMessageLocked builds a message from the sender's fields and files.
func (s *Server) newMessageLocked(channelID string, kind messageKind, fields map[string]json.RawMessage, files []attachment, now time.Time) *storedMessage {
	id := s.nextIDLocked()
	m := &storedMessage{id: id, channelID: channelID, kind: kind, fields: map[string]json.RawMessage{
		"id":               rawJSON(id),
		"channel_id":       rawJSON(channelID),
		"type":             rawJSON(discordgo.MessageTypeDefault),
		"author":           rawJSON(s.botUser()),
		"content":          rawJSON(""),
		"timestamp":        rawJSON(now.UTC().Format(time.RFC3339Nano)),
		"edited_timestamp": json.RawMessage("null"),
		"tts":              rawJSON(false),
		"mention_everyone": rawJSON(false),
		"mentions":         json.RawMessage("[]"),
		"mention_roles":    json.RawMessage("[]"),
		"attachments":      json.RawMessage("[]"),
		"embeds":           json.RawMessage("[]"),
		"components":       json.RawMessage("[]"),
		"pinned":           rawJSON(false),
		"flags":            rawJSON(0),
	}}
	if ch, ok := s.channels[channelID]; ok && ch.GuildID != "" {
		m.fields["guild_id"] = rawJSON(ch.GuildID)
	} else if !ok && !s.cfg.Strict {
		m.fields["guild_id"] = rawJSON(s.cfg.GuildID)
	}
	s.applyLocked(m, fields, createKeys, files)
	if _, ok := fields["message_reference"]; ok {
		m.fields["type"] = rawJSON(discordgo.MessageTypeReply)
	}
	return m
}

// applyLocked copies the sender's fields named in keys into m, with files
// sent beside them appended to the attachments. A JSON null clears a field,
// except components, which Discord leaves as they are (discordgo sends
// "components": null whenever none are set; [] removes them).
func (s *Server) applyLocked(m *storedMessage, fields map[string]json.RawMessage, keys []string, files []attachment) {
	for _, k := range keys {
		v, ok := fields[k]
		if !ok {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			switch k {
			case "components":
				continue
			case "content":
				v = rawJSON("")
			case "embeds", "attachments":
				v = json.RawMessage("[]")
			case "flags":
				v = rawJSON(0)
			}
		}
		m.fields[k] = v
	}
	if _, ok := fields["attachments"]; ok {
		// The sender lists the attachments to keep; Discord fills them in.
		m.fields["attachments"] = rawJSON(s.keptAttachments(m, fields["attachments"]))
	}
	if len(files) > 0 {
		var list []map[string]any
		_ = json.Unmarshal(m.fields["attachments"], &list)
		for _, f := range files {
			id := s.nextIDLocked()
			list = append(list, map[string]any{
				"id":           id,
				"filename":     f.Filename,
				"size":         f.Size,
				"content_type": f.ContentType,
				"url":          s.srv.URL + "/attachments/" + m.channelID + "/" + id + "/" + f.Filename,
				"proxy_url":    s.srv.URL + "/attachments/" + m.channelID + "/" + id + "/" + f.Filename,
			})
		}
		m.fields["attachments"] = rawJSON(list)
	}
}

// keptAttachments returns the stored attachments whose IDs the sender lists.
func (s *Server) keptAttachments(m *storedMessage, sent json.RawMessage) []map[string]any {
	var want []struct {
		ID json.RawMessage `json:"id"`
	}
	_ = json.Unmarshal(sent, &want)
	keep := map[string]bool{}
	for _, w := range want {
		keep[string(bytes.Trim(w.ID, `"`))] = true
	}
	out := []map[string]any{}
	if old, ok := s.messages[m.id]; ok {
		var list []map[string]any
		_ = json.Unmarshal(old.fields["attachments"], &list)
		for _, a := range list {
			if id, _ := a["id"].(string); keep[id] {
				out = append(out, a)
			}
		}
	}
	return out
}

// messageCheck holds the fields Discord validates.
type messageCheck struct {
	Content     string            `json:"content"`
	Embeds      []embedCheck      `json:"embeds"`
	Components  []componentCheck  `json:"components"`
	Attachments []json.RawMessage `json:"attachments"`
	StickerIDs  []json.RawMessage `json:"sticker_ids"`
	Poll        json.RawMessage   `json:"poll"`
	Flags       int64             `json:"flags"`
}

type embedCheck struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Fields      []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Footer *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
}

type componentCheck struct {
	Type       discordgo.ComponentType `json:"type"`
	CustomID   string                  `json:"custom_id"`
	Label      string                  `json:"label"`
	Style      int                     `json:"style"`
	URL        string                  `json:"url"`
	SKUID      string                  `json:"sku_id"`
	Components []componentCheck        `json:"components"`
}

// checkMessage validates a message the way Discord does and returns the
// error answer, or nil. prefix names the message in error paths ("data"
// for interaction responses).
func checkMessage(fields map[string]json.RawMessage, prefix string) *reply {
	var m messageCheck
	if err := json.Unmarshal(rawJSON(fields), &m); err != nil {
		fe := formErrors{}
		fe.add(join(prefix, "_root"), "MODEL_TYPE_CONVERT", err.Error())
		rep := fe.reply()
		return &rep
	}
	if m.Content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 && len(m.Attachments) == 0 &&
		len(m.StickerIDs) == 0 && (len(m.Poll) == 0 || string(m.Poll) == "null") {
		rep := jsonError(http.StatusBadRequest, 50006, errorText(400, 50006))
		return &rep
	}
	fe := formErrors{}
	maxLen(fe, join(prefix, "content"), m.Content, maxContent)
	if len(m.Embeds) > maxEmbeds {
		fe.add(join(prefix, "embeds"), "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbeds))
	}
	total := 0
	for i, e := range m.Embeds {
		p := join(prefix, "embeds."+strconv.Itoa(i))
		maxLen(fe, p+".title", e.Title, maxEmbedTitle)
		maxLen(fe, p+".description", e.Description, maxEmbedDesc)
		total += runes(e.Title) + runes(e.Description)
		if len(e.Fields) > maxEmbedFields {
			fe.add(p+".fields", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxEmbedFields))
		}
		for j, f := range e.Fields {
			fp := p + ".fields." + strconv.Itoa(j)
			required(fe, fp+".name", f.Name)
			required(fe, fp+".value", f.Value)
			maxLen(fe, fp+".name", f.Name, maxFieldName)
			maxLen(fe, fp+".value", f.Value, maxFieldValue)
			total += runes(f.Name) + runes(f.Value)
		}
		if e.Footer != nil {
			maxLen(fe, p+".footer.text", e.Footer.Text, maxFooterText)
			total += runes(e.Footer.Text)
		}
		if e.Author != nil {
			maxLen(fe, p+".author.name", e.Author.Name, maxAuthorName)
			total += runes(e.Author.Name)
		}
	}
	if total > maxEmbedTotal {
		fe.add(join(prefix, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal))
	}
	if m.Flags&int64(discordgo.MessageFlagsIsComponentsV2) == 0 {
		checkComponents(fe, join(prefix, "components"), m.Components)
	}
	if len(fe) > 0 {
		rep := fe.reply()
		return &rep
	}
	return nil
}

// checkComponents validates classic components: action rows of up to five
// buttons or one select menu, with unique custom IDs.
func checkComponents(fe formErrors, p string, rows []componentCheck) {
	if len(rows) > maxActionRows {
		fe.add(p, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxActionRows))
	}
	seen := map[string]bool{}
	for i, row := range rows {
		rp := p + "." + strconv.Itoa(i)
		if row.Type != discordgo.ActionsRowComponent {
			fe.add(rp+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > maxRowComponents {
			fe.add(rp+".components", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxRowComponents))
		}
		for j, c := range row.Components {
			cp := rp + ".components." + strconv.Itoa(j)
			switch c.Type {
			case discordgo.ButtonComponent:
				maxLen(fe, cp+".label", c.Label, maxButtonLabel)
				if discordgo.ButtonStyle(c.Style) == discordgo.LinkButton {
					required(fe, cp+".url", c.URL)
					if c.CustomID != "" {
						fe.add(cp+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id cannot be set on link buttons")
					}
					continue
				}
				if discordgo.ButtonStyle(c.Style) == 6 && c.SKUID != "" { // premium button
					continue
				}
			case discordgo.SelectMenuComponent, discordgo.UserSelectMenuComponent, discordgo.RoleSelectMenuComponent,
				discordgo.MentionableSelectMenuComponent, discordgo.ChannelSelectMenuComponent:
				if len(row.Components) > 1 {
					fe.add(rp+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
				}
			default:
				fe.add(cp+".type", "COMPONENT_TYPE_INVALID", "The specified component type is invalid in this context")
				continue
			}
			required(fe, cp+".custom_id", c.CustomID)
			maxLen(fe, cp+".custom_id", c.CustomID, maxCustomID)
			if c.CustomID != "" && seen[c.CustomID] {
				fe.add(cp+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
			}
			seen[c.CustomID] = true
		}
	}
}

func join(prefix, p string) string {
	if prefix == "" {
		return p
	}
	return prefix + "." + p
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func maxLen(fe formErrors, p, v string, n int) {
	if runes(v) > n {
		fe.add(p, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", n))
	}
}

func required(fe formErrors, p, v string) {
	if v == "" {
		fe.add(p, "BASE_TYPE_REQUIRED", "This field is required")
	}
}

type nonceKey struct {
	channelID string
	nonce     string
}

type nonceEntry struct {
	messageID string
	at        time.Time
}

// nonceOf returns a message's nonce as text, checking its form: a string of
// at most 25 characters or an integer.
func nonceOf(raw json.RawMessage) (string, *reply) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		if runes(str) > maxNonce {
			fe := formErrors{}
			fe.add("nonce", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxNonce))
			rep := fe.reply()
			return "", &rep
		}
		return str, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := n.Int64(); err == nil {
			return n.String(), nil
		}
	}
	fe := formErrors{}
	fe.add("nonce", "NONCE_TYPE_INVALID", "Nonce must be an integer or a string")
	rep := fe.reply()
	return "", &rep
}

// createMessage answers POST /channels/{channel}/messages. With
// enforce_nonce, a nonce seen in the channel within nonceWindow returns the
// message it created instead of a new one.
func (s *Server) createMessage(r *http.Request, body []byte) reply {
	channelID := r.PathValue("channel")
	fields, files, rep := parseMessage(r, body)
	if rep != nil {
		return *rep
	}
	nonce, rep := nonceOf(fields["nonce"])
	if rep != nil {
		return *rep
	}
	var enforce bool
	_ = json.Unmarshal(fields["enforce_nonce"], &enforce)

	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channelLocked(channelID); !ok {
		return jsonError(http.StatusNotFound, 10003, errorText(404, 10003))
	}
	key := nonceKey{channelID: channelID, nonce: nonce}
	if enforce && nonce != "" {
		if e, ok := s.nonces[key]; ok && now.Sub(e.at) < nonceWindow {
			return reply{status: http.StatusOK, header: jsonHeader(), body: s.messages[e.messageID].json()}
		}
	}
	m := s.newMessageLocked(channelID, kindChannel, fields, files, now)
	if nonce != "" {
		m.fields["nonce"] = fields["nonce"]
	}
	if rep := checkMessage(m.fields, ""); rep != nil {
		return *rep
	}
	s.messages[m.id] = m
	s.channelMsgs[channelID] = append(s.channelMsgs[channelID], m.id)
	if enforce && nonce != "" {
		s.nonces[key] = nonceEntry{messageID: m.id, at: now}
	}
	return reply{status: http.StatusOK, header: jsonHeader(), body: m.json()}
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}

// visibleLocked returns a message visible in a channel: not deleted, not
// ephemeral, not made up by the fake.
func (s *Server) visibleLocked(channelID, messageID string) *storedMessage {
	m, ok := s.messages[messageID]
	if !ok || m.deleted || m.channelID != channelID || m.kind == kindPlaceholder || m.flags()&discordgo.MessageFlagsEphemeral != 0 {
		return nil
	}
	return m
}

func (s *Server) getMessage(r *http.Request, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.visibleLocked(r.PathValue("channel"), r.PathValue("message"))
	if m == nil {
		return jsonError(http.StatusNotFound, 10008, errorText(404, 10008))
	}
	return reply{status: http.StatusOK, header: jsonHeader(), body: m.json()}
}

// editMessage answers PATCH /channels/{channel}/messages/{message}.
func (s *Server) editMessage(r *http.Request, body []byte) reply {
	fields, files, rep := parseMessage(r, body)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.visibleLocked(r.PathValue("channel"), r.PathValue("message"))
	if m == nil {
		return jsonError(http.StatusNotFound, 10008, errorText(404, 10008))
	}
	return s.editLocked(m, fields, files, editKeys, "")
}

// editLocked applies an edit to a copy of m, validates it, and keeps it.
func (s *Server) editLocked(m *storedMessage, fields map[string]json.RawMessage, files []attachment, keys []string, prefix string) reply {
	edited := &storedMessage{id: m.id, channelID: m.channelID, kind: m.kind, fields: make(map[string]json.RawMessage, len(m.fields))}
	for k, v := range m.fields {
		edited.fields[k] = v
	}
	s.applyLocked(edited, fields, keys, files)
	edited.setFlags(edited.flags() &^ discordgo.MessageFlagsLoading)
	edited.fields["edited_timestamp"] = rawJSON(time.Now().UTC().Format(time.RFC3339Nano))
	if rep := checkMessage(edited.fields, prefix); rep != nil {
		return *rep
	}
	m.fields = edited.fields
	return reply{status: http.StatusOK, header: jsonHeader(), body: m.json()}
}

func (s *Server) deleteMessage(r *http.Request, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.visibleLocked(r.PathValue("channel"), r.PathValue("message"))
	if m == nil {
		return jsonError(http.StatusNotFound, 10008, errorText(404, 10008))
	}
	m.deleted = true
	return noContent()
}

// Messages returns the messages the bot created in a channel with POST
// /channels/{id}/messages, oldest first, as they are now (edits applied,
// deleted ones left out). Interaction responses are in Reply instead.
func (s *Server) Messages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.Message
	for _, id := range s.channelMsgs[channelID] {
		if m := s.messages[id]; !m.deleted {
			out = append(out, m.message())
		}
	}
	return out
}

// Message returns any message the fake holds by ID (channel post,
// interaction response or follow-up), as it is now, or nil.
func (s *Server) Message(id string) *discordgo.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok || m.deleted {
		return nil
	}
	return m.message()
}
