package porter

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestStemMatchesNLTK checks the stemmer against the stems that NLTK's
// PorterStemmer gives for a vocabulary of news words and the examples of
// Porter's paper.
func TestStemMatchesNLTK(t *testing.T) {
	f, err := os.Open("testdata/vocabulary.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		word, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		n++
		if got := Stem(word); got != want {
			t.Errorf("Stem(%q) = %q, want %q", word, got, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 1000 {
		t.Fatalf("read %d words, want a full vocabulary", n)
	}
}

func TestStemRules(t *testing.T) {
	tests := []struct {
		name, word, want string
	}{
		{"plural sses", "caresses", "caress"},
		{"plural ies of four letters", "ties", "tie"},
		{"plural ies", "ponies", "poni"},
		{"past tense with measure", "agreed", "agre"},
		{"eed without measure", "feed", "feed"},
		{"ing with double consonant", "hopping", "hop"},
		{"ing keeps double l", "falling", "fall"},
		{"restores e on cvc", "filing", "file"},
		{"y after consonant", "happy", "happi"},
		{"y after vowel", "enjoy", "enjoy"},
		{"irregular form", "dying", "die"},
		{"step 2 ational", "relational", "relat"},
		{"step 4 ion after t", "adoption", "adopt"},
		{"logi keeps l", "geology", "geolog"},
		{"short word untouched", "is", "is"},
		{"digits untouched", "2004", "2004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Stem(tt.word); got != tt.want {
				t.Errorf("Stem(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestAppendStemKeepsPrefix(t *testing.T) {
	dst := []byte("prefix:")
	got := string(AppendStem(dst, []byte("running")))
	if got != "prefix:run" {
		t.Errorf("AppendStem(%q, %q) = %q, want %q", "prefix:", "running", got, "prefix:run")
	}
}

func BenchmarkAppendStem(b *testing.B) {
	words := [][]byte{[]byte("generously"), []byte("relational"), []byte("government"), []byte("said"), []byte("companies")}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		for _, w := range words {
			buf = AppendStem(buf[:0], w)
		}
	}
}
