package rouge

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// The expected figures were computed by rouge-score's algorithm in Python
// with NLTK's PorterStemmer.

func TestTokens(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"lower case and stems", "Running runners RAN generously", []string{"run", "runner", "ran", "gener"}},
		{"short tokens are not stemmed", "was has its", []string{"was", "has", "its"}},
		{"punctuation and symbols split", "TimeWarner's $1.13bn (£600m)", []string{"timewarn", "s", "1", "13bn", "600m"}},
		{"non-ascii letters split", "café naïve Zürich", []string{"caf", "na", "ve", "z", "rich"}},
		{"kelvin sign lowers to k", "\u212Aing", []string{"king"}},
		{"empty", " ... ", nil},
	}
	var s Scorer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Tokens(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func checkScore(t *testing.T, name string, got Score, want [3]float64) {
	t.Helper()
	if !near(got.Precision, want[0]) || !near(got.Recall, want[1]) || !near(got.F1, want[2]) {
		t.Errorf("%s = %+v, want P %.6f R %.6f F %.6f", name, got, want[0], want[1], want[2])
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name, ref, cand string
		r1, r2, rl      [3]float64
	}{
		{"one word changed",
			"the cat sat on the mat",
			"the cat was on the mat",
			[3]float64{0.833333, 0.833333, 0.833333}, [3]float64{0.600000, 0.600000, 0.600000}, [3]float64{0.833333, 0.833333, 0.833333}},
		{"stems and numbers",
			"Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn.",
			"TimeWarner's quarterly profits jumped by 76 percent, its chairman said.",
			[3]float64{0.454545, 0.416667, 0.434783}, [3]float64{0.100000, 0.090909, 0.095238}, [3]float64{0.363636, 0.333333, 0.347826}},
		{"stemming variants",
			"Running runners ran; the RUNNERS were running generously.",
			"A runner runs generously and relationally.",
			[3]float64{0.500000, 0.375000, 0.428571}, [3]float64{0.200000, 0.142857, 0.166667}, [3]float64{0.500000, 0.375000, 0.428571}},
	}
	var s Scorer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Score(tt.ref, tt.cand)
			checkScore(t, "ROUGE-1", got.R1, tt.r1)
			checkScore(t, "ROUGE-2", got.R2, tt.r2)
			checkScore(t, "ROUGE-L", got.RL, tt.rl)
		})
	}
}

// TestScoreArticle scores the first two paragraphs of a BBC article of
// the summarizer's test data against its reference summary.
func TestScoreArticle(t *testing.T) {
	f, err := os.Open("../testdata/articles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		t.Fatal("no article")
	}
	var a struct{ ID, Text, Summary string }
	if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	cand := "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.\nThe firm, which is now one of the biggest investors in Google, benefited from sales of high-speed internet connections and higher advert sales. TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn. Its profits were buoyed by one-off gains which offset a profit dip at Warner Bros, and less users for AOL."
	got := Compute(a.Summary, cand)
	checkScore(t, a.ID+" ROUGE-1", got.R1, [3]float64{0.827160, 0.437908, 0.572650})
	checkScore(t, a.ID+" ROUGE-2", got.R2, [3]float64{0.675000, 0.355263, 0.465517})
	checkScore(t, a.ID+" ROUGE-L", got.RL, [3]float64{0.592593, 0.313725, 0.410256})
}

func TestScoreEmpty(t *testing.T) {
	for _, tt := range []struct{ ref, cand string }{{"", "some words"}, {"some words", ""}, {"", ""}} {
		if got := Compute(tt.ref, tt.cand); got != (Scores{}) {
			t.Errorf("Compute(%q, %q) = %+v, want zero", tt.ref, tt.cand, got)
		}
	}
}

func TestScorerReuse(t *testing.T) {
	var s Scorer
	first := s.Score("the cat sat on the mat", "the cat was on the mat")
	s.Score("completely different words here", "nothing in common at all")
	if again := s.Score("the cat sat on the mat", "the cat was on the mat"); again != first {
		t.Errorf("Score after reuse = %+v, want %+v", again, first)
	}
}

func BenchmarkScore(b *testing.B) {
	ref := "TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn.\nFor the full-year, TimeWarner posted a profit of $3.36bn, up 27% from its 2003 performance, while revenues grew 6.4% to $42.09bn.\nQuarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.\nHowever, the company said AOL's underlying profit before exceptional items rose 8% on the back of stronger internet advertising revenues.\nIts profits were buoyed by one-off gains which offset a profit dip at Warner Bros, and less users for AOL.\nFor 2005, TimeWarner is projecting operating earnings growth of around 5%, and also expects higher revenue and wider profit margins.\nIt lost 464,000 subscribers in the fourth quarter profits were lower than in the preceding three quarters.\nTime Warner's fourth quarter profits were slightly better than analysts' expectations."
	cand := "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to December, from $639m year-earlier.\nThe firm, which is now one of the biggest investors in Google, benefited from sales of high-speed internet connections and higher advert sales. TimeWarner said fourth quarter sales rose 2% to $11.1bn from $10.9bn. Its profits were buoyed by one-off gains which offset a profit dip at Warner Bros, and less users for AOL."
	var s Scorer
	b.ReportAllocs()
	for b.Loop() {
		s.Score(ref, cand)
	}
}
