package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"newsbot"
)

// This file is the one place where errors become what a user reads.
//
// An error that wraps newsbot.ErrInvalid, ErrNotFound, ErrExists or
// ErrForbidden carries a message meant for the user who caused it: it is
// shown, as one short sentence. Any other error is internal: it is logged
// with its details and the user reads only that something failed on
// newsbot's side.

// userError is an error whose whole message is written for users. Kind is
// the sentinel it stands for.
type userError struct {
	kind  error
	msg   string
	cause error
}

func (e *userError) Error() string        { return e.msg }
func (e *userError) Is(target error) bool { return target == e.kind }
func (e *userError) Unwrap() error        { return e.cause }

func userErrorf(kind error, format string, args ...any) error {
	return &userError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// invalidf is bad input: the message says what was wrong and what to do.
func invalidf(format string, args ...any) error {
	return userErrorf(newsbot.ErrInvalid, format, args...)
}

// notFoundf is something asked for that this guild does not have.
func notFoundf(format string, args ...any) error {
	return userErrorf(newsbot.ErrNotFound, format, args...)
}

// forbiddenf is an action the member lacks the permission for.
func forbiddenf(format string, args ...any) error {
	return userErrorf(newsbot.ErrForbidden, format, args...)
}

// existsf is something that is there already.
func existsf(format string, args ...any) error {
	return userErrorf(newsbot.ErrExists, format, args...)
}

// sentinelSuffixes are the texts %w leaves at the end of a message that
// wraps a sentinel; users do not need them.
var sentinelSuffixes = []string{
	": " + newsbot.ErrInvalid.Error(),
	": " + newsbot.ErrNotFound.Error(),
	": " + newsbot.ErrExists.Error(),
	": " + newsbot.ErrForbidden.Error(),
}

// internalText is what users read about an error that is not theirs.
const internalText = "Something went wrong on newsbot's side, and it has been logged. Please try again in a moment."

// timeoutText is what users read when their request ran out of time.
const timeoutText = "That took too long and was stopped. Please try again later."

// userText returns the sentence a user reads for err, and whether err is
// internal (to be logged).
func userText(err error) (text string, internal bool) {
	if p, ok := phrase(err); ok {
		return sentence(p), false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return timeoutText, true
	}
	return internalText, true
}

// phrase returns the user-facing message of err as written, without the
// sentinel's text at its end; ok is false for an internal error.
func phrase(err error) (msg string, ok bool) {
	var ue *userError
	switch {
	case errors.As(err, &ue):
		return strings.TrimSuffix(strings.TrimSpace(ue.msg), "."), true
	case errors.Is(err, newsbot.ErrInvalid), errors.Is(err, newsbot.ErrNotFound),
		errors.Is(err, newsbot.ErrExists), errors.Is(err, newsbot.ErrForbidden):
		msg := err.Error()
		for again := true; again; {
			again = false
			for _, s := range sentinelSuffixes {
				if strings.HasSuffix(msg, s) {
					msg, again = strings.TrimSuffix(msg, s), true
				}
			}
		}
		return strings.TrimSuffix(strings.TrimSpace(msg), "."), true
	}
	return "", false
}

// sentence makes a message one tidy sentence: capitalized, ending with a
// full stop, within a message's limit.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return internalText
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return truncate(s, maxContent)
}

// errorAnswer renders err for the user who made ix, ephemeral, and logs
// it when it is internal.
func (b *Bot) errorAnswer(ix *discordgo.Interaction, err error) *discordgo.InteractionResponseData {
	text, internal := userText(err)
	if internal {
		b.log.Error("interaction failed", "interaction_id", ix.ID, "guild_id", ix.GuildID,
			"user_id", userID(ix), "command", interactionName(ix), "error", err)
	} else {
		b.log.Debug("interaction refused", "interaction_id", ix.ID, "guild_id", ix.GuildID,
			"command", interactionName(ix), "error", err)
	}
	return errorMessage(text)
}
