package summarize

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"titles are not sentence ends",
			"Mr. Smith met Dr. Jones and Gen. Ward at St. Paul's. They talked.",
			[]string{"Mr. Smith met Dr. Jones and Gen. Ward at St. Paul's.", "They talked."}},
		{"dotted acronyms before a name",
			"U.S. Defense Secretary Pete Hegseth met U.K. Prime Minister Keir Starmer. They agreed.",
			[]string{"U.S. Defense Secretary Pete Hegseth met U.K. Prime Minister Keir Starmer.", "They agreed."}},
		{"dotted acronym ends a sentence",
			"He moved to the U.S. The move paid off.",
			[]string{"He moved to the U.S.", "The move paid off."}},
		{"acronym before a lower-case word",
			"Whose side is the U.S. on? Doubts strain alliances",
			[]string{"Whose side is the U.S. on?", "Doubts strain alliances"}},
		{"month and number abbreviations",
			"Gen. Smith arrived on Jan. 5 with No. 10 staff. He left.",
			[]string{"Gen. Smith arrived on Jan. 5 with No. 10 staff.", "He left."}},
		{"initials",
			"J. R. R. Tolkien wrote it. George W. Bush read it.",
			[]string{"J. R. R. Tolkien wrote it.", "George W. Bush read it."}},
		{"decimals and money",
			"Profits rose 3.5% to $1.13bn (£600m). Sales fell 0.4%.",
			[]string{"Profits rose 3.5% to $1.13bn (£600m).", "Sales fell 0.4%."}},
		{"ellipsis inside a sentence",
			"He said the talks were... difficult. Then he left.",
			[]string{"He said the talks were... difficult.", "Then he left."}},
		{"ellipsis before a sentence starter",
			"We waited... The bus never came.",
			[]string{"We waited...", "The bus never came."}},
		{"ellipsis before a name",
			"Russia would be ready to present ... Ukraine with a draft.",
			[]string{"Russia would be ready to present ... Ukraine with a draft."}},
		{"unicode ellipsis and mixed marks",
			"Wait… What happened? Really?! Yes.",
			[]string{"Wait…", "What happened?", "Really?!", "Yes."}},
		{"straight quote ends a sentence",
			`She said it was "a game for kids." He disagreed.`,
			[]string{`She said it was "a game for kids."`, "He disagreed."}},
		{"curly quotes end sentences",
			"She called it ‘a game for kids.’ He disagreed. “No.” She left.",
			[]string{"She called it ‘a game for kids.’", "He disagreed.", "“No.”", "She left."}},
		{"question inside a quote goes on",
			`"Why?" he asked. Nobody knew.`,
			[]string{`"Why?" he asked.`, "Nobody knew."}},
		{"parentheses",
			"The deal (worth $5bn) closed. (The figures were revised.) Shares rose.",
			[]string{"The deal (worth $5bn) closed.", "(The figures were revised.)", "Shares rose."}},
		{"urls and e-mail addresses",
			"Visit www.bbc.co.uk/news for more. Write to news@example.com. See https://example.org/a.b?c=1 too.",
			[]string{"Visit www.bbc.co.uk/news for more.", "Write to news@example.com.", "See https://example.org/a.b?c=1 too."}},
		{"bullet list",
			"Key points:\n• Prices rose\n• Wages fell\n- Rents doubled",
			[]string{"Key points:", "Prices rose", "Wages fell", "Rents doubled"}},
		{"numbered list",
			"1. First item\n2) Second item",
			[]string{"First item", "Second item"}},
		{"headline without final punctuation",
			"Ukraine and Russia swap prisoners\nThe exchange took three days.",
			[]string{"Ukraine and Russia swap prisoners", "The exchange took three days."}},
		{"hard-wrapped line goes on",
			"The company said its profits\nrose sharply.",
			[]string{"The company said its profits rose sharply."}},
		{"paragraphs",
			"First paragraph here.\n\nSecond one without a stop",
			[]string{"First paragraph here.", "Second one without a stop"}},
		{"white space folded",
			"One\tsentence  here.\r\nTwo\u00a0words.",
			[]string{"One sentence here.", "Two words."}},
		{"lower case after a full stop goes on",
			"Use a tool, e.g. a hammer. It works.",
			[]string{"Use a tool, e.g. a hammer.", "It works."}},
		{"german ordinal date",
			"Am 3. Oktober feiern wir. Das ist gut.",
			[]string{"Am 3. Oktober feiern wir.", "Das ist gut."}},
		{"japanese terminators need no space",
			"東京は晴れです。明日は雨でしょう！本当？",
			[]string{"東京は晴れです。", "明日は雨でしょう！", "本当？"}},
		{"chinese with closing bracket",
			"他说：「我们赢了。」比赛结束了。",
			[]string{"他说：「我们赢了。」", "比赛结束了。"}},
		{"devanagari danda",
			"यह एक वाक्य है। यह दूसरा है।",
			[]string{"यह एक वाक्य है।", "यह दूसरा है।"}},
		{"arabic question mark",
			"هل هذا صحيح؟ نعم.",
			[]string{"هل هذا صحيح؟", "نعم."}},
		{"nothing but punctuation", "... --- ...", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSpans(t, tt.in, got)
		})
	}
}

func TestSplitVeryLongLine(t *testing.T) {
	in := strings.Repeat("word, another word and more words ", 200) + "end. Next sentence."
	got := Split(in)
	if len(got) < 3 {
		t.Fatalf("Split(long line) gave %d sentences, want the line cut into pieces", len(got))
	}
	for _, s := range got {
		if len(s) > maxSentenceBytes {
			t.Errorf("sentence of %d bytes, want at most %d", len(s), maxSentenceBytes)
		}
	}
	if last := got[len(got)-1]; last != "Next sentence." {
		t.Errorf("last sentence = %q, want %q", last, "Next sentence.")
	}
	checkSpans(t, in, got)
}

func TestSplitLongRunOfMultibyteText(t *testing.T) {
	in := strings.Repeat("日本語のテキスト", 400)
	got := Split(in)
	for _, s := range got {
		if !utf8.ValidString(s) {
			t.Fatalf("Split cut a rune in two: %q", s[:20])
		}
	}
	checkSpans(t, in, got)
}

// checkSpans fails unless every sentence is a span of in with its white
// space folded.
func checkSpans(t *testing.T, in string, sentences []string) {
	t.Helper()
	folded := strings.Join(strings.Fields(in), " ")
	for _, s := range sentences {
		if s == "" || s != strings.Join(strings.Fields(s), " ") || !strings.Contains(folded, s) {
			t.Errorf("sentence %q is not a span of the input", s)
		}
	}
}

func BenchmarkSplit(b *testing.B) {
	articles := benchArticles(b)
	var bytes int64
	for _, a := range articles {
		bytes += int64(len(a.Text))
	}
	b.SetBytes(bytes / int64(len(articles)))
	b.ReportAllocs()
	var spans []span
	i := 0
	for b.Loop() {
		a := articles[i%len(articles)]
		spans = appendSentences(spans[:0], a.Text, 0, len(a.Text))
		i++
	}
}

// needsFoldBytewise is needsFold one byte at a time, as the reference
// for the eight-byte steps of needsFold.
func needsFoldBytewise(s string) bool {
	prevSpace := false
	for i := 0; i < len(s); i++ {
		if foldAt(s, i, &prevSpace) {
			return true
		}
	}
	return false
}

func TestNeedsFold(t *testing.T) {
	pieces := []string{"a", "word", " ", "  ", "\t", "\n", "\r", "\x01", "\x7f", "é", "\u00a0", "\u2028", "\u3000", "\u2000", "東", "\xe2", "\xc2", "\xff", ".", "ab cd ef gh"}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for range 20000 {
		b.Reset()
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := needsFold(s), needsFoldBytewise(s); got != want {
			t.Fatalf("needsFold(%q) = %v, want %v", s, got, want)
		}
	}
	// A space on each side of every eight-byte boundary.
	for n := 1; n < 20; n++ {
		s := strings.Repeat("x", n) + "  " + strings.Repeat("y", 20)
		if !needsFold(s) {
			t.Errorf("needsFold(%q) = false, want true", s)
		}
		if s := strings.Repeat("x", n) + " " + strings.Repeat("y", 20); needsFold(s) {
			t.Errorf("needsFold(%q) = true, want false", s)
		}
	}
}

func TestHasSplitStop(t *testing.T) {
	// Every byte value at every position, among bytes that never stop.
	for k := range 8 {
		for v := range 256 {
			var b [8]byte
			for i := range b {
				b[i] = 'a' + byte(i)
			}
			b[k] = byte(v)
			x := load64(string(b[:]), 0)
			if got, want := hasSplitStop(x), slices.ContainsFunc(b[:], func(c byte) bool { return splitStop[c] }); got != want {
				t.Errorf("hasSplitStop(%q) = %v, want %v", b, got, want)
			}
		}
	}
}
