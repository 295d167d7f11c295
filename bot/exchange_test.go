package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// recorder is a responder that writes down each call.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) Respond(ctx context.Context, resp *discordgo.InteractionResponse) error {
	flags := discordgo.MessageFlags(0)
	if resp.Data != nil {
		flags = resp.Data.Flags
	}
	r.add(fmt.Sprintf("respond %d flags %d", resp.Type, flags))
	return nil
}

func (r *recorder) Edit(ctx context.Context, e *discordgo.WebhookEdit) error {
	r.add("edit " + *e.Content)
	return nil
}

func (r *recorder) Delete(ctx context.Context) error {
	r.add("delete")
	return nil
}

func (r *recorder) Followup(ctx context.Context, p *discordgo.WebhookParams) error {
	r.add(fmt.Sprintf("followup %s flags %d", p.Content, p.Flags))
	return nil
}

func (r *recorder) ChannelName(id string) string { return id }

func TestExchangePicksTheCallback(t *testing.T) {
	ctx := context.Background()
	public, private := message("answer", false), message("error", true)
	cmd, click := discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent
	tests := []struct {
		name     string
		kind     discordgo.InteractionType
		eph      bool // the exchange's visibility before deferring
		deferred bool
		sends    []*discordgo.InteractionResponseData
		want     []string
	}{
		{"answer at once", cmd, true, false, []*discordgo.InteractionResponseData{private}, []string{"respond 4 flags 64"}},
		{"public answer at once", cmd, false, false, []*discordgo.InteractionResponseData{public}, []string{"respond 4 flags 0"}},
		{"private deferral, then the answer", cmd, true, true, []*discordgo.InteractionResponseData{public},
			[]string{"respond 5 flags 64", "edit answer"}},
		{"public deferral, then an error for the user alone", cmd, false, true, []*discordgo.InteractionResponseData{private},
			[]string{"respond 5 flags 0", "delete", "followup error flags 64"}},
		{"a second answer follows up", cmd, true, false, []*discordgo.InteractionResponseData{private, private},
			[]string{"respond 4 flags 64", "followup error flags 64"}},
		{"a click updates its message", click, true, false, []*discordgo.InteractionResponseData{public}, []string{"respond 7 flags 0"}},
		{"a refused click answers the clicker", click, true, false, []*discordgo.InteractionResponseData{private}, []string{"respond 4 flags 64"}},
		{"a deferred click edits its message", click, true, true, []*discordgo.InteractionResponseData{public},
			[]string{"respond 6 flags 0", "edit answer"}},
		{"a deferred click's error follows up", click, true, true, []*discordgo.InteractionResponseData{private},
			[]string{"respond 6 flags 0", "followup error flags 64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			x := newExchange(r, tt.kind, tt.eph)
			if tt.deferred {
				if err := x.deferNow(ctx); err != nil {
					t.Fatal(err)
				}
				if err := x.deferNow(ctx); err != nil { // a second deferral does nothing
					t.Fatal(err)
				}
			}
			for _, d := range tt.sends {
				if err := x.send(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			if got := r.got(); !slices.Equal(got, tt.want) {
				t.Errorf("calls = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExchangeDefersBySelfWhenSlow(t *testing.T) {
	r := &recorder{}
	x := newExchange(r, discordgo.InteractionApplicationCommand, true)
	stop := x.autoDefer(context.Background(), time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for len(r.got()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	if err := x.send(context.Background(), message("late", true)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.got(), "; "); got != "respond 5 flags 64; edit late" {
		t.Errorf("calls = %q, want a private deferral, then the edit", got)
	}
}
