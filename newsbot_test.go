package newsbot

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		v    interface{ Validate() error }
		want string // "" for valid
	}{
		{"feed ok", &Feed{URL: "https://example.com/feed"}, ""},
		{"feed without url", &Feed{}, "feed url: empty"},
		{"feed with file url", &Feed{URL: "file:///etc/passwd"}, `feed url: "file:///etc/passwd" is not http or https`},
		{"follow ok", &Follow{GuildID: "G", ChannelID: "C", FeedID: 1, Mode: ModeDigest}, ""},
		{"follow bad mode", &Follow{GuildID: "G", ChannelID: "C", FeedID: 1, Mode: "often"}, `follow mode: "often": want instant or digest`},
		{"article without key", &Article{FeedID: 1, Title: "t"}, "article dedupe key: empty"},
		{"article without title and text", &Article{FeedID: 1, DedupeKey: "k"}, "no title and no text"},
		{"digest ok", &Digest{GuildID: "G", ChannelID: "C", Cron: "0 8 * * *", Timezone: "Europe/Kyiv", Max: 10}, ""},
		{"digest max too big", &Digest{GuildID: "G", ChannelID: "C", Cron: "@daily", Timezone: "UTC", Max: 99}, "digest max: 99: want 1 to 50"},
		{"digest unknown zone", &Digest{GuildID: "G", ChannelID: "C", Cron: "@daily", Timezone: "Kyiv", Max: 5}, `"Kyiv" is not an IANA time zone`},
		{"daily subscription ok", &Subscription{GuildID: "G", UserID: "U", Topic: "x", Cadence: CadenceDaily, Time: "07:30", Timezone: "UTC"}, ""},
		{"daily subscription bad time", &Subscription{GuildID: "G", UserID: "U", Topic: "x", Cadence: CadenceDaily, Time: "7pm", Timezone: "UTC"}, `"7pm": want HH:MM`},
		{"subscription empty topic", &Subscription{GuildID: "G", UserID: "U", Topic: " ", Cadence: CadenceInstant}, "topic: empty"},
		{"delivery without target", &Delivery{Key: "k", Kind: DeliveryPost}, "no channel and no user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want ErrInvalid saying %q", err, tt.want)
			}
		})
	}
}

func TestInvalidKeepsMessageAndCause(t *testing.T) {
	cause := errors.New("refused: 10.0.0.1 is a private address")
	err := Invalid(cause)
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, cause) || err.Error() != cause.Error() {
		t.Errorf("Invalid(%v) = %v: want ErrInvalid, the cause, and the same message", cause, err)
	}
	if Invalid(nil) != nil {
		t.Error("Invalid(nil) != nil")
	}
}
