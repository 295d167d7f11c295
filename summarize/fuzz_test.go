package summarize

import (
	"slices"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	// Short seeds: the fuzzer minimizes every input that finds new
	// coverage, which is slow for whole articles.
	for _, a := range fixtures(f) {
		text := a.Text
		if len(text) > 400 {
			text = text[:400]
		}
		f.Add(text, a.Title, 3)
	}
	for _, s := range []string{
		"", " ", "\n\n\n", ".", "...", "Mr.", "U.S.", "(CNN) --", "By . ", "By . X . PUBLISHED: . 1",
		"Related Articles", "a\xffb. C\xfe d.", "東京。", "“‘«„", "1. 2. 3.", "• • •", "LONDON (Reuters) -",
		strings.Repeat("x", 1300), strings.Repeat("A. ", 100), "\u2028\u00a0\u3000.",
	} {
		f.Add(s, "", 2)
	}
}

// FuzzText checks what any input must keep to: no panic, at most n
// sentences, each a span of the input with white space folded, and the
// same output for the same input from a reused or a fresh Summarizer.
func FuzzText(f *testing.F) {
	fuzzSeeds(f)
	reused := New()
	f.Fuzz(func(t *testing.T, text, title string, n int) {
		n = n % 8
		got := reused.Text(text, Options{Sentences: n, Title: title})
		limit := n
		if limit <= 0 {
			limit = DefaultSentences
		}
		if len(got) > limit {
			t.Fatalf("Text(%q, %d) gave %d sentences", text, n, len(got))
		}
		checkSpans(t, text, got)
		again := reused.Text(text, Options{Sentences: n, Title: title})
		fresh := New().Text(text, Options{Sentences: n, Title: title})
		if !slices.Equal(got, again) || !slices.Equal(got, fresh) {
			t.Fatalf("Text(%q) is not deterministic: %q, again %q, fresh %q", text, got, again, fresh)
		}
	})
}

// FuzzSplit checks the splitter alone: sentences are non-empty spans of
// the input, in order, none longer than the cap.
func FuzzSplit(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text, _ string, _ int) {
		spans := appendSentences(nil, text, 0, len(text))
		end := 0
		for _, sp := range spans {
			if sp.start < end || sp.end <= sp.start || sp.end > len(text) {
				t.Fatalf("Split(%q): span %v after %d", text, sp, end)
			}
			if sp.end-sp.start > maxSentenceBytes+utf8MaxExtra {
				t.Fatalf("Split(%q): span of %d bytes", text, sp.end-sp.start)
			}
			end = sp.end
		}
		checkSpans(t, text, Split(text))
	})
}

// utf8MaxExtra allows a cut that had to move to a rune boundary.
const utf8MaxExtra = 3
