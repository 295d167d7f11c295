// Package rouge scores a summary against a reference with ROUGE-1,
// ROUGE-2 and ROUGE-L in the conventions of Google's rouge-score, so that
// figures compare with published ones: text is lower-cased, tokens are
// runs of [a-z0-9], tokens longer than three letters are Porter-stemmed
// (NLTK's variant), ROUGE-L is computed over the whole text, and each
// measure reports precision, recall and F1.
package rouge

import (
	"unicode"
	"unicode/utf8"

	"newsbot/summarize/internal/porter"
)

// Score is one ROUGE measure of a candidate against a reference.
type Score struct {
	Precision, Recall, F1 float64
}

// Scores holds the three measures of one candidate.
type Scores struct {
	R1, R2, RL Score
}

// Scorer computes ROUGE and remembers stems between calls, which makes
// scoring a data set much faster. The zero value is ready to use. A Scorer
// is not safe for concurrent use.
type Scorer struct {
	stems map[string]string
	buf   []byte
	lcs   []int
}

// Compute scores candidate against reference with a fresh Scorer.
func Compute(reference, candidate string) Scores {
	var s Scorer
	return s.Score(reference, candidate)
}

// Score returns ROUGE-1, ROUGE-2 and ROUGE-L of candidate against
// reference.
func (s *Scorer) Score(reference, candidate string) Scores {
	ref := s.Tokens(reference)
	cand := s.Tokens(candidate)
	return Scores{
		R1: ngramScore(ref, cand, 1),
		R2: ngramScore(ref, cand, 2),
		RL: s.lcsScore(ref, cand),
	}
}

// Tokens returns the tokens of text as rouge-score sees them: lower case,
// [a-z0-9]+ only, stemmed when longer than three bytes.
func (s *Scorer) Tokens(text string) []string {
	var toks []string
	buf := s.buf[:0]
	flush := func() {
		if len(buf) == 0 {
			return
		}
		toks = append(toks, s.stem(buf))
		buf = buf[:0]
	}
	for i := 0; i < len(text); {
		c := text[i]
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
			// Python's str.lower maps a few non-ASCII letters to ASCII
			// ones (the Kelvin sign to k, dotted capital I to i).
			r = unicode.ToLower(r)
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			buf = append(buf, byte(r))
		case r >= 'A' && r <= 'Z':
			buf = append(buf, byte(r)+'a'-'A')
		default:
			flush()
		}
	}
	flush()
	s.buf = buf
	return toks
}

func (s *Scorer) stem(tok []byte) string {
	if len(tok) <= 3 {
		return string(tok)
	}
	if st, ok := s.stems[string(tok)]; ok {
		return st
	}
	if s.stems == nil {
		s.stems = make(map[string]string)
	}
	st := porter.Stem(string(tok))
	s.stems[string(tok)] = st
	return st
}

func fmeasure(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

type bigram struct{ a, b string }

func ngramScore(ref, cand []string, n int) Score {
	var overlap, refCount, candCount int
	if n == 1 {
		counts := make(map[string]int, len(ref))
		for _, t := range ref {
			counts[t]++
		}
		refCount = len(ref)
		candCount = len(cand)
		for _, t := range cand {
			if counts[t] > 0 {
				counts[t]--
				overlap++
			}
		}
	} else {
		counts := make(map[bigram]int, len(ref))
		for i := 0; i+1 < len(ref); i++ {
			counts[bigram{ref[i], ref[i+1]}]++
			refCount++
		}
		for i := 0; i+1 < len(cand); i++ {
			candCount++
			k := bigram{cand[i], cand[i+1]}
			if counts[k] > 0 {
				counts[k]--
				overlap++
			}
		}
	}
	p := float64(overlap) / float64(max(candCount, 1))
	r := float64(overlap) / float64(max(refCount, 1))
	return Score{Precision: p, Recall: r, F1: fmeasure(p, r)}
}

// lcsScore is ROUGE-L: the longest common subsequence of the two token
// sequences.
func (s *Scorer) lcsScore(ref, cand []string) Score {
	if len(ref) == 0 || len(cand) == 0 {
		return Score{}
	}
	m := len(cand)
	if cap(s.lcs) < 2*(m+1) {
		s.lcs = make([]int, 2*(m+1))
	}
	prev := s.lcs[:m+1]
	cur := s.lcs[m+1 : 2*(m+1)]
	clear(prev)
	for _, rt := range ref {
		cur[0] = 0
		for j, ct := range cand {
			switch {
			case rt == ct:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	l := float64(prev[m])
	p := l / float64(len(cand))
	r := l / float64(len(ref))
	return Score{Precision: p, Recall: r, F1: fmeasure(p, r)}
}
