package summarize

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// cleaned returns the blocks the cleaner keeps of text.
func cleaned(text, title string) []string {
	s := New()
	var out []string
	for _, b := range s.appendBlocks(nil, text, title) {
		out = append(out, text[b.start:b.end])
	}
	return out
}

func TestStripLead(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"cnn with dashes", "(CNN) -- A storm hit the coast.", "A storm hit the coast."},
		{"cnn glued to the text", "(CNN)Two years ago, the town flooded.", "Two years ago, the town flooded."},
		{"agency dateline", "LONDON (Reuters) - British inflation rose.", "British inflation rose."},
		{"city, country and source", "LONDON, England (CNN) -- Harry Potter star Daniel Radcliffe turns 18.", "Harry Potter star Daniel Radcliffe turns 18."},
		{"city and date dateline", "NEW YORK, March 5 (Reuters) - Stocks fell.", "Stocks fell."},
		{"city with em dash", "WASHINGTON — The Senate voted on Tuesday.", "The Senate voted on Tuesday."},
		{"daily mail byline and stamps",
			"By . Daily Mail Reporter . PUBLISHED: . 12:03 EST, 25 October 2013 . | . UPDATED: . 12:47 EST, 25 October 2013 . A man has been arrested.",
			"A man has been arrested."},
		{"two bylines",
			"By . Sara Malm . and Ap Reporter . PUBLISHED: . 08:30 EST, 5 December 2012 . | . UPDATED: . 08:31 EST, 5 December 2012 . The bishop resigned.",
			"The bishop resigned."},
		{"last updated stamp",
			"By . Mark Duell . Last updated at 5:24 PM on 26th September 2011 . On Monday, police said.",
			"On Monday, police said."},
		{"byline with comma and outlet", "By Sam Webb, Reuters . The talks failed.", "The talks failed."},
		{"by as a preposition", "By Tuesday the talks had failed.", "By Tuesday the talks had failed."},
		{"by with a number", "By 2030, most cars will be electric.", "By 2030, most cars will be electric."},
		{"capitalised word and dash in a sentence", "NASA - the space agency - said so.", "NASA - the space agency - said so."},
		{"parenthesis that is not a source", "(The figures were revised.) Shares rose.", "(The figures were revised.) Shares rose."},
		{"plain sentence", "Ukraine and Russia have completed their exchange.", "Ukraine and Russia have completed their exchange."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in[stripLead(tt.in, 0, len(tt.in)):]
			if got != tt.want {
				t.Errorf("stripLead(%q) leaves %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanPage(t *testing.T) {
	tests := []struct {
		name, title, in string
		want            []string
	}{
		{"chrome lines and repeated headline dropped", "",
			"logo\nStorm hits coast\n\nStorm hits coast\n\nBBC12-05-2025\n\nA storm hit the coast on Monday, cutting power to thousands of homes.\nCrews worked through the night to clear the roads.\n\nOrange background\n\nDOWNLOAD THE APP",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes.", "Crews worked through the night to clear the roads."}},
		{"related articles end the story", "",
			"A storm hit the coast on Monday, cutting power to thousands of homes.\n\nRelated Articles\n\nAnother story entirely, with a whole paragraph of its own text.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"read more ends the story", "",
			"A storm hit the coast on Monday, cutting power to thousands of homes.\nRead more:\nA teaser for another article that goes on and on for a while.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"comments end the story", "",
			"A storm hit the coast on Monday, cutting power to thousands of homes.\n\nComments (12)\n\nI think this is a long comment about the storm and the power cut.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"boundary before the story is only chrome", "",
			"Comments\nA storm hit the coast on Monday, cutting power to thousands of homes.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"another story's doubled headline ends the story", "",
			"A storm hit the coast on Monday, cutting power to thousands of homes.\n\nZelenskyy responds to Trump\nZelenskyy responds to Trump\n\nUkrainian President Volodymyr Zelenskyy has said a lot of things in an interview.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"title line dropped", "Storm Hits Coast",
			"Storm hits coast.\nA storm hit the coast on Monday, cutting power to thousands of homes.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"byline line dropped and dateline stripped", "",
			"By Jane Smith, Reuters\nPublished 3 hours ago\n\nLONDON (Reuters) - A storm hit the coast on Monday, cutting power to thousands of homes.",
			[]string{"A storm hit the coast on Monday, cutting power to thousands of homes."}},
		{"hard-wrapped paragraph joined", "",
			"A storm hit the coast on Monday, cutting power\nto thousands of homes across the region.",
			[]string{"A storm hit the coast on Monday, cutting power\nto thousands of homes across the region."}},
		{"plain text kept whole", "",
			"First paragraph of the story, long enough to be text.\n\nSecond paragraph of the story, also long enough.",
			[]string{"First paragraph of the story, long enough to be text.", "Second paragraph of the story, also long enough."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleaned(tt.in, tt.title)
			if !slices.Equal(got, tt.want) {
				t.Errorf("cleaned(%q, %q) = %q, want %q", tt.in, tt.title, got, tt.want)
			}
		})
	}
}

// TestCleanSeedPage checks the scraped page of the seed data: only the
// prisoner-exchange story may be left.
func TestCleanSeedPage(t *testing.T) {
	b, err := os.ReadFile("testdata/news-page.txt")
	if err != nil {
		t.Fatal(err)
	}
	blocks := cleaned(string(b), "")
	if len(blocks) != 11 {
		t.Errorf("cleaned(news-page.txt) kept %d paragraphs, want the story's 11: %q", len(blocks), blocks)
	}
	if len(blocks) > 0 && !strings.HasPrefix(blocks[0], "Ukraine and Russia have completed their three-day exchange") {
		t.Errorf("first paragraph = %q, want the story's first", blocks[0])
	}
	for _, bl := range blocks {
		for _, bad := range []string{"Orange background", "Comments", "Related Articles", "Zelenskyy responds", "Churchill", "WeChat", "DOWNLOAD", "NHK25"} {
			if strings.Contains(bl, bad) {
				t.Errorf("kept %q, which holds %q", bl, bad)
			}
		}
	}
}
