package discordtest_test

import (
	"strconv"
	"testing"

	"newsbot/bot/discordtest"
)

// BenchmarkChannelMessageSend measures one message sent through discordgo
// and answered, validated, stored and recorded by the fake: the floor
// under any sender benchmark run against it.
func BenchmarkChannelMessageSend(b *testing.B) {
	srv := discordtest.New(b)
	dg := srv.Session(b)
	channels := make([]string, 64) // spread over buckets, as a sender does
	for i := range channels {
		channels[i] = strconv.Itoa(5000 + i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := dg.ChannelMessageSend(channels[i%len(channels)], "news of the day"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
