package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Discord's limits on application commands.
const (
	maxChatCommands    = 100
	maxMenuCommands    = 5
	maxCommandName     = 32
	maxDescription     = 100
	maxOptions         = 25
	maxChoices         = 25
	maxChoiceName      = 100
	maxChoiceValue     = 100
	maxCommandLength   = 4000
	optionSubcommand   = 1
	optionGroup        = 2
	optionString       = 3
	optionInteger      = 4
	optionNumber       = 10
	optionAttachment   = 11
	commandChatInput   = 1
	commandUserMenu    = 2
	commandMessageMenu = 3
)

// chatName is Discord's rule for chat command and option names.
var chatName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// command is a registered command as Discord returns it.
type command struct {
	id     string
	name   string
	typ    int
	fields map[string]json.RawMessage
}

func (c command) json() []byte {
	b, _ := json.Marshal(c.fields)
	return b
}

type commandCheck struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	Options                  []optionCheck     `json:"options"`
	DefaultMemberPermissions json.RawMessage   `json:"default_member_permissions"`
	NameLocalizations        map[string]string `json:"name_localizations"`
}

type optionCheck struct {
	Type         int           `json:"type"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Required     bool          `json:"required"`
	Autocomplete bool          `json:"autocomplete"`
	Choices      []choiceCheck `json:"choices"`
	Options      []optionCheck `json:"options"`
}

type choiceCheck struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// checkCommand validates one command the way Discord does, adding errors
// under prefix, and returns its type (1 when absent).
func checkCommand(fe formErrors, prefix string, c commandCheck) int {
	typ := c.Type
	if typ == 0 {
		typ = commandChatInput
	}
	switch typ {
	case commandChatInput:
		if !chatName.MatchString(c.Name) || strings.ToLower(c.Name) != c.Name {
			fe.add(join(prefix, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if n := runes(c.Description); n < 1 || n > maxDescription {
			fe.add(join(prefix, "description"), "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxDescription))
		}
		checkOptions(fe, join(prefix, "options"), c.Options, 0)
	case commandUserMenu, commandMessageMenu:
		if n := runes(c.Name); n < 1 || n > maxCommandName {
			fe.add(join(prefix, "name"), "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxCommandName))
		}
		if c.Description != "" {
			fe.add(join(prefix, "description"), "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description")
		}
		if len(c.Options) > 0 {
			fe.add(join(prefix, "options"), "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS", "Context menu commands cannot have options")
		}
	default:
		fe.add(join(prefix, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
	}
	if d := c.DefaultMemberPermissions; len(d) > 0 && string(d) != "null" {
		var str string
		if err := json.Unmarshal(d, &str); err != nil {
			str = string(d)
		}
		if _, err := strconv.ParseUint(str, 10, 64); err != nil {
			fe.add(join(prefix, "default_member_permissions"), "PERMISSIONS_INVALID", "Invalid permissions")
		}
	}
	if n := commandLength(c); n > maxCommandLength {
		fe.add(prefix, "APPLICATION_COMMAND_TOO_LARGE", fmt.Sprintf("Command exceeds maximum size (%d)", maxCommandLength))
	}
	return typ
}

// checkOptions validates one level of options; depth 0 is the command's own.
func checkOptions(fe formErrors, p string, opts []optionCheck, depth int) {
	if len(opts) > maxOptions {
		fe.add(p, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxOptions))
	}
	names := map[string]bool{}
	var subs, others int
	optional := false
	for i, o := range opts {
		op := p + "." + strconv.Itoa(i)
		if !chatName.MatchString(o.Name) || strings.ToLower(o.Name) != o.Name {
			fe.add(op+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if names[o.Name] {
			fe.add(op+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		names[o.Name] = true
		if n := runes(o.Description); n < 1 || n > maxDescription {
			fe.add(op+".description", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxDescription))
		}
		if o.Type < optionSubcommand || o.Type > optionAttachment {
			fe.add(op+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
		}
		switch o.Type {
		case optionSubcommand, optionGroup:
			subs++
			if depth > 1 || (o.Type == optionGroup && depth > 0) {
				fe.add(op+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types")
			}
			if o.Type == optionGroup {
				for j, sub := range o.Options {
					if sub.Type != optionSubcommand {
						fe.add(op+".options."+strconv.Itoa(j)+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command groups may only contain sub-commands")
					}
				}
			}
			checkOptions(fe, op+".options", o.Options, depth+1)
			continue
		}
		others++
		if len(o.Options) > 0 {
			fe.add(op+".options", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Only sub-commands and groups can have options")
		}
		if o.Required && optional {
			fe.add(op+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		if !o.Required {
			optional = true
		}
		if len(o.Choices) > 0 {
			if o.Type != optionString && o.Type != optionInteger && o.Type != optionNumber {
				fe.add(op+".choices", "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "Choices are only allowed on string, integer and number options")
			}
			if o.Autocomplete {
				fe.add(op+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES", "Autocomplete cannot be set with choices")
			}
		}
		checkChoices(fe, op+".choices", o.Choices, o.Type == optionString)
	}
	if subs > 0 && others > 0 {
		fe.add(p, "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types")
	}
}

// checkChoices validates choices of an option or of an autocomplete answer.
func checkChoices(fe formErrors, p string, choices []choiceCheck, stringValues bool) {
	if len(choices) > maxChoices {
		fe.add(p, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChoices))
	}
	for j, ch := range choices {
		cp := p + "." + strconv.Itoa(j)
		if n := runes(ch.Name); n < 1 || n > maxChoiceName {
			fe.add(cp+".name", "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between 1 and %d in length.", maxChoiceName))
		}
		var str string
		isString := json.Unmarshal(ch.Value, &str) == nil
		switch {
		case len(ch.Value) == 0 || string(ch.Value) == "null":
			fe.add(cp+".value", "BASE_TYPE_REQUIRED", "This field is required")
		case stringValues && !isString:
			fe.add(cp+".value", "BASE_TYPE_STRING", "Must be a string.")
		case isString && runes(str) > maxChoiceValue:
			fe.add(cp+".value", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxChoiceValue))
		}
	}
}

// commandLength is what Discord counts against its 4000-character limit:
// names, descriptions and choice names and values.
func commandLength(c commandCheck) int {
	n := runes(c.Name) + runes(c.Description)
	var walk func([]optionCheck)
	walk = func(opts []optionCheck) {
		for _, o := range opts {
			n += runes(o.Name) + runes(o.Description)
			for _, ch := range o.Choices {
				n += runes(ch.Name) + runes(strings.Trim(string(ch.Value), `"`))
			}
			walk(o.Options)
		}
	}
	walk(c.Options)
	return n
}

// commandScope checks the application in the path and returns the guild
// ("" for global commands).
func (s *Server) commandScope(r *http.Request) (string, *reply) {
	if r.PathValue("app") != s.cfg.AppID {
		rep := jsonError(http.StatusForbidden, 50001, errorText(403, 50001))
		return "", &rep
	}
	guild := r.PathValue("guild")
	if guild != "" && s.cfg.Strict {
		s.mu.Lock()
		_, ok := s.guilds[guild]
		s.mu.Unlock()
		if !ok {
			rep := jsonError(http.StatusNotFound, 10004, errorText(404, 10004))
			return "", &rep
		}
	}
	return guild, nil
}

// buildCommandLocked turns a sent command into a registered one, keeping
// the ID of a command with the same name and type in the scope, as Discord
// does.
func (s *Server) buildCommandLocked(guild string, fields map[string]json.RawMessage, c commandCheck, typ int) command {
	id := ""
	for _, old := range s.commands[guild] {
		if old.name == c.Name && old.typ == typ {
			id = old.id
		}
	}
	if id == "" {
		id = s.nextIDLocked()
	}
	out := make(map[string]json.RawMessage, len(fields)+5)
	for k, v := range fields {
		out[k] = v
	}
	out["id"] = rawJSON(id)
	out["application_id"] = rawJSON(s.cfg.AppID)
	out["version"] = rawJSON(s.nextIDLocked())
	out["type"] = rawJSON(typ)
	if guild != "" {
		out["guild_id"] = rawJSON(guild)
	}
	if d, ok := out["default_member_permissions"]; ok && len(d) > 0 && d[0] != '"' && string(d) != "null" {
		// Discord returns permissions as a string whatever was sent.
		out["default_member_permissions"] = rawJSON(string(d))
	}
	return command{id: id, name: c.Name, typ: typ, fields: out}
}

// putCommands answers a bulk overwrite: the scope's commands become exactly
// the ones sent.
func (s *Server) putCommands(r *http.Request, body []byte) reply {
	guild, rep := s.commandScope(r)
	if rep != nil {
		return *rep
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
	}
	checks := make([]commandCheck, len(raw))
	types := make([]int, len(raw))
	fe := formErrors{}
	counts := map[int]int{}
	seen := map[string]bool{}
	for i, fields := range raw {
		p := strconv.Itoa(i)
		if err := json.Unmarshal(rawJSON(fields), &checks[i]); err != nil {
			fe.add(p, "MODEL_TYPE_CONVERT", err.Error())
			continue
		}
		types[i] = checkCommand(fe, p, checks[i])
		counts[types[i]]++
		key := strconv.Itoa(types[i]) + " " + checks[i].Name
		if seen[key] {
			fe.add(p+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
	}
	if counts[commandChatInput] > maxChatCommands {
		fe.add("_errors", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer chat input commands.", maxChatCommands))
	}
	if counts[commandUserMenu] > maxMenuCommands || counts[commandMessageMenu] > maxMenuCommands {
		fe.add("_errors", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer context menu commands of a type.", maxMenuCommands))
	}
	if len(fe) > 0 {
		return fe.reply()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := make([]command, len(raw))
	out := make([]json.RawMessage, len(raw))
	for i, fields := range raw {
		cmds[i] = s.buildCommandLocked(guild, fields, checks[i], types[i])
		out[i] = cmds[i].json()
	}
	s.commands[guild] = cmds
	return jsonReply(http.StatusOK, out)
}

// postCommand creates a command, or replaces the one with the same name
// and type (200 instead of 201).
func (s *Server) postCommand(r *http.Request, body []byte) reply {
	guild, rep := s.commandScope(r)
	if rep != nil {
		return *rep
	}
	var fields map[string]json.RawMessage
	var c commandCheck
	if json.Unmarshal(body, &fields) != nil || json.Unmarshal(body, &c) != nil {
		return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
	}
	fe := formErrors{}
	typ := checkCommand(fe, "", c)
	if len(fe) > 0 {
		return fe.reply()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := s.buildCommandLocked(guild, fields, c, typ)
	status := http.StatusCreated
	list := s.commands[guild]
	replaced := false
	for i := range list {
		if list[i].id == cmd.id {
			list[i] = cmd
			replaced = true
			status = http.StatusOK
		}
	}
	if !replaced {
		s.commands[guild] = append(list, cmd)
	}
	return reply{status: status, header: jsonHeader(), body: cmd.json()}
}

func (s *Server) getCommands(r *http.Request, body []byte) reply {
	guild, rep := s.commandScope(r)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []json.RawMessage{}
	for _, c := range s.commands[guild] {
		out = append(out, c.json())
	}
	return jsonReply(http.StatusOK, out)
}

// findCommandLocked returns the index of a command in a scope, or -1.
func (s *Server) findCommandLocked(guild, id string) int {
	for i, c := range s.commands[guild] {
		if c.id == id {
			return i
		}
	}
	return -1
}

func (s *Server) getCommand(r *http.Request, body []byte) reply {
	guild, rep := s.commandScope(r)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findCommandLocked(guild, r.PathValue("command"))
	if i < 0 {
		return jsonError(http.StatusNotFound, 10063, errorText(404, 10063))
	}
	return reply{status: http.StatusOK, header: jsonHeader(), body: s.commands[guild][i].json()}
}

// patchCommand edits the fields sent and keeps the rest.
func (s *Server) patchCommand(r *http.Request, body []byte) reply {
	guild, rep := s.commandScope(r)
	if rep != nil {
		return *rep
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findCommandLocked(guild, r.PathValue("command"))
	if i < 0 {
		return jsonError(http.StatusNotFound, 10063, errorText(404, 10063))
	}
	old := s.commands[guild][i]
	fields := make(map[string]json.RawMessage, len(old.fields))
	for k, v := range old.fields {
		fields[k] = v
	}
	for k, v := range patch {
		if k != "id" && k != "application_id" && k != "guild_id" && k != "version" {
			fields[k] = v
		}
	}
	var c commandCheck
	if err := json.Unmarshal(rawJSON(fields), &c); err != nil {
		return jsonError(http.StatusBadRequest, 50109, errorText(400, 50109))
	}
	fe := formErrors{}
	typ := checkCommand(fe, "", c)
	if len(fe) > 0 {
		return fe.reply()
	}
	cmd := s.buildCommandLocked(guild, fields, c, typ)
	cmd.id = old.id
	cmd.fields["id"] = rawJSON(old.id)
	s.commands[guild][i] = cmd
	return reply{status: http.StatusOK, header: jsonHeader(), body: cmd.json()}
}

func (s *Server) deleteCommand(r *http.Request, body []byte) reply {
	guild, rep := s.commandScope(r)
	if rep != nil {
		return *rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.findCommandLocked(guild, r.PathValue("command"))
	if i < 0 {
		return jsonError(http.StatusNotFound, 10063, errorText(404, 10063))
	}
	s.commands[guild] = append(s.commands[guild][:i:i], s.commands[guild][i+1:]...)
	return noContent()
}

// Commands returns the commands registered for a guild, or the global ones
// when guildID is "", in registration order, decoded by discordgo: names,
// options, default_member_permissions and the IDs the fake gave them.
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*discordgo.ApplicationCommand, 0, len(s.commands[guildID]))
	for _, c := range s.commands[guildID] {
		var cmd discordgo.ApplicationCommand
		if err := json.NewDecoder(bytes.NewReader(c.json())).Decode(&cmd); err != nil {
			cmd = discordgo.ApplicationCommand{ID: c.id, Name: c.name, Description: "discordtest: undecodable command: " + err.Error()}
		}
		out = append(out, &cmd)
	}
	return out
}

// commandIDLocked returns the ID of a registered chat command by name,
// looking in the guild first, or "" when there is none.
func (s *Server) commandIDLocked(guild, name string, typ int) string {
	for _, scope := range []string{guild, ""} {
		for _, c := range s.commands[scope] {
			if c.name == name && c.typ == typ {
				return c.id
			}
		}
		if scope == "" {
			break
		}
	}
	return ""
}
