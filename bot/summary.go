package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"newsbot"
	"newsbot/summarize"
)

// maxSentences bounds /summarize's sentences option.
const maxSentences = 10

// summarize answers /summarize: it defers at once, fetches the page
// through the guarded fetcher, extracts the article and edits the answer
// with its key sentences.
func (b *Bot) summarize(ctx context.Context, ix *discordgo.Interaction, x *exchange) (*discordgo.InteractionResponseData, error) {
	opts := optionsOf(commandData(ix).Options)
	raw := opts.str("url")
	if err := checkURL("url", raw); err != nil {
		return nil, err
	}
	n := opts.int("sentences", b.sentences)
	if n < 1 || n > maxSentences {
		return nil, invalidf("sentences: %d is out of range; give 1 to %d", n, maxSentences)
	}
	if err := x.deferNow(ctx); err != nil {
		return nil, err
	}
	a, err := b.web.FetchArticle(ctx, raw)
	if err != nil {
		if errors.Is(err, newsbot.ErrInvalid) {
			p, _ := phrase(err)
			return nil, invalidf("could not summarize %s: %s. Check that the address opens an article in a browser", truncate(raw, 200), p)
		}
		return nil, fmt.Errorf("fetch article %q: %w", raw, err)
	}
	if a.URL == "" {
		a.URL = raw
	}
	sents := summarize.Options{Sentences: n, Title: a.Title}.Text(a.Text)
	if len(sents) == 0 {
		return nil, invalidf("found no article text to summarize at %s; newsbot reads articles, not index pages or videos", truncate(raw, 200))
	}
	return renderSummary(summaryView{Article: a, Sentences: sents}), nil
}
