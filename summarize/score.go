package summarize

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// params are the weights of the scorer. They were measured on BBC news
// with long extractive references, holding half of the articles out, and
// chosen among settings of equal quality for the ones that keep the lead
// of the story: short editor-written highlights reward the lead, and a
// summarizer tuned only to long references drifts away from it.
type params struct {
	maxCandidates int     // sentences considered, from the top
	minWords      int     // shorter sentences are not chosen
	wPos          float64 // weight of the lead prior 1/(1+i)^1.5
	wCent         float64 // weight of centrality, scaled to [0, 1]
	wTitle        float64 // weight of the share of title stems a sentence holds
	wLen          float64 // weight of length, saturating at lenFull words
	lenFull       float64
	redundancy    float64 // penalty per share of a sentence's stems already covered
	noPunct       float64 // factor for lines without final punctuation
	question      float64 // factor for questions
	quote         float64 // factor for sentences opening with a quotation
	colon         float64 // factor for sentences ending with a colon
	dangling      float64 // penalty for a connective whose sentence before is left out
}

var defaultParams = params{
	maxCandidates: 60,
	minWords:      5,
	wPos:          1.0,
	wCent:         3.0,
	wTitle:        1.0,
	wLen:          0.3,
	lenFull:       30,
	redundancy:    0.5,
	noPunct:       0.5,
	question:      0.8,
	quote:         0.9,
	colon:         0.5,
	dangling:      0.2,
}

// markSentences sets the flags of each candidate sentence: punctuation,
// openers, junk and duplicates. Only candidates can be chosen, so the
// sentences past them are left as they are, which keeps a page of
// thousands of tiny sentences linear.
func (s *Summarizer) markSentences(text, title string) {
	p := &s.p
	for i := range min(len(s.sents), p.maxCandidates) {
		st := &s.sents[i]
		t := text[st.start:st.end]
		if st.words < p.minWords {
			st.flags |= fSkip
		}
		if endsSentence(t) {
			st.flags |= fPunct
		}
		last := lastMark(t)
		switch last {
		case '?', '？', '؟':
			st.flags |= fQuestion
		case ':':
			st.flags |= fColon
		}
		opening, first := openingWord(t)
		var lb [24]byte
		lower := ""
		if len(first) <= len(lb) {
			lower = string(appendLower(lb[:0], first))
		}
		if len(opening) < len(t) {
			st.flags |= fQuote
		}
		st.flags |= openerFlags(lower, first, opening)
		if isJunk(opening, lower, st.flags&fJunkWord != 0) {
			st.flags |= fSkip
		}
		if title != "" && len(t) <= len(title)+8 && sameText(t, title) {
			st.flags |= fSkip
		}
		for j := range i {
			o := &s.sents[j]
			if o.end-o.start == st.end-st.start && text[o.start:o.end] == t {
				st.flags |= fSkip
				break
			}
		}
	}
}

// lastMark returns the last rune of t that is not a closing quote or
// bracket.
func lastMark(t string) rune {
	for len(t) > 0 {
		r, size := utf8.DecodeLastRuneInString(t)
		if closerLen(t, len(t)-size, len(t)) == 0 {
			return r
		}
		t = t[:len(t)-size]
	}
	return 0
}

// openingWord returns t without an opening quotation mark, and its first
// word.
func openingWord(t string) (opening, first string) {
	r, size := utf8.DecodeRuneInString(t)
	switch r {
	case '"', '“', '‘', '\'', '«', '„', '「', '『':
		t = t[size:]
	}
	w, _ := firstWord(t)
	return t, w
}

// openerFlags classifies how a sentence opens: with a connective that needs the sentence before ("But", "However",
// "He added"), or with a pronoun that needs an antecedent ("They",
// "This"). lower is the first word in lower case, first as written, and
// opening the sentence from its first word on.
func openerFlags(lower, first, opening string) sentFlag {
	var f sentFlag
	switch lower {
	case "":
		return f
	case "but", "and", "or", "yet", "so", "however", "also", "still", "instead", "nevertheless",
		"nonetheless", "moreover", "furthermore", "besides", "thus", "therefore", "hence",
		"otherwise", "indeed", "likewise", "similarly", "meanwhile", "then", "additionally",
		"aber", "doch", "jedoch", "allerdings", "mais", "cependant", "pourtant", "pero", "sin",
		"embargo", "но", "однако", "але", "проте", "ma", "però", "mas", "maar":
		f |= fConnective
	case "he", "she", "it", "they", "this", "that", "these", "those", "his", "her", "its",
		"their", "such", "there", "er", "sie", "es", "il", "elle", "ils", "elles", "él", "ella",
		"ellos", "он", "она", "они", "він", "вона", "вони", "це", "это":
		f |= fPronoun
		switch secondWord(opening, first) {
		case "added", "adds", "continued", "went", "later", "also", "too", "further":
			f |= fConnective
		}
	case "in":
		// "In addition", "In contrast", "In response" need what came before.
		switch secondWord(opening, first) {
		case "addition", "contrast", "response", "turn", "fact", "particular":
			f |= fConnective
		}
	}
	return f
}

// secondWord returns the word after first in opening, in lower case when
// it is ASCII.
func secondWord(opening, first string) string {
	i := strings.Index(opening, first)
	if i < 0 {
		return ""
	}
	w, _ := firstWord(opening[i+len(first):])
	return strings.ToLower(w)
}

// firstWord returns the first run of letters of t and what follows it.
func firstWord(t string) (string, string) {
	i := 0
	for i < len(t) {
		r, size := utf8.DecodeRuneInString(t[i:])
		if unicode.IsLetter(r) {
			break
		}
		if !unicode.IsSpace(r) {
			return "", t
		}
		i += size
	}
	j := i
	for j < len(t) {
		r, size := utf8.DecodeRuneInString(t[j:])
		if !unicode.IsLetter(r) {
			break
		}
		j += size
	}
	return t[i:j], t[j:]
}

// junkPrefixes open sentences that are page furniture inside the text.
var junkPrefixes = []string{
	"scroll down", "click here", "read more", "pictured:", "photo:", "photos:", "video:", "watch:",
	"see more", "sign up", "follow us", "follow @", "share this", "copyright", "all rights reserved",
	"advertisement", "subscribe", "listen to", "download the", "get started", "explore what",
	"try our", "image:", "images:", "picture:", "graphic:", "source:", "sources:", "related:",
	"editor's note", "editor’s note",
}

// junkByFirstWord groups junkPrefixes by their first word: only a
// sentence opening with one of them is compared with those prefixes.
var junkByFirstWord = func() map[string][][]byte {
	m := make(map[string][][]byte)
	for _, p := range junkPrefixes {
		w, _ := firstWord(p)
		m[w] = append(m[w], []byte(p))
	}
	return m
}()

// junkInside are phrases that mark a credit or a call to action anywhere
// in a short sentence.
var junkInside = [][]byte{
	[]byte("contributed to this report"), []byte("reporting by"), []byte("editing by"),
	[]byte("writing by"), []byte("all rights reserved"), []byte("click here"), []byte("scroll down"),
	[]byte("sign up for"), []byte("follow us on"), []byte("app store"), []byte("cookies"),
}

// junkTriggers are the rarest words of junkInside: only a sentence
// holding one of them is searched for the phrases. They have attrJunk.
var junkTriggers = []string{
	"contributed", "reporting", "editing", "writing", "reserved",
	"click", "scroll", "sign", "follow", "app", "cookies",
}

// isJunk reports whether sentence t is a credit, a caption label or a
// call to action. lower is its first word in lower case; triggered tells
// that it holds a word of junkInside.
func isJunk(t, lower string, triggered bool) bool {
	if prefixes := junkByFirstWord[lower]; prefixes != nil {
		var buf [40]byte
		n := min(len(t), 32)
		for n < len(t) && !utf8.RuneStart(t[n]) {
			n++
		}
		low := appendLower(buf[:0], t[:n])
		for _, p := range prefixes {
			if bytes.HasPrefix(low, p) {
				return true
			}
		}
	}
	if triggered && len(t) <= 200 {
		var buf [256]byte
		low := appendLower(buf[:0], t)
		for _, p := range junkInside {
			if bytes.Contains(low, p) {
				return true
			}
		}
	}
	return false
}

// log1pTable holds log(1+k) for the small counts that centrality sums.
var log1pTable = func() (t [64]float64) {
	for k := range t {
		t[k] = math.Log1p(float64(k))
	}
	return t
}()

func log1p(k int32) float64 {
	if k >= 0 && int(k) < len(log1pTable) {
		return log1pTable[k]
	}
	return math.Log1p(float64(k))
}

// score gives each candidate sentence its salience: a lead prior, a
// centrality, the overlap with the title and the length, then factors for
// the kinds of sentence that make poor summary lines.
//
// Centrality follows PacSum (Zheng and Lapata, 2019): in news a sentence
// matters when the sentences after it elaborate on it, so only overlap
// with later sentences counts. Overlap is counted per stem, without a
// pairwise similarity matrix: a stem held by the sentence and by k later
// ones adds log(1+k), which damps the few words that every sentence
// repeats. The sum is divided by the square root of the sentence's number
// of stems, between favouring long sentences and short ones.
func (s *Summarizer) score() {
	p := &s.p
	n := min(len(s.sents), p.maxCandidates)
	titleStems := 0
	for _, id := range s.title {
		if e := &s.words[id]; e.stemLang != noLang && e.stem >= 0 {
			titleStems++
		}
	}
	maxCent := 0.0
	for i := range n {
		st := &s.sents[i]
		fwd := 0.0
		inTitle := 0
		for k := st.termLo; k < st.termHi; k++ {
			ss := &s.stems[s.terms[k]]
			fwd += log1p(ss.df - 1 - s.before[k])
			if ss.title {
				inTitle++
			}
		}
		st.cent = 0
		if terms := st.termHi - st.termLo; terms > 0 {
			st.cent = fwd / math.Sqrt(float64(terms))
		}
		maxCent = max(maxCent, st.cent)
		st.title = 0
		if titleStems > 0 {
			st.title = float64(inTitle) / float64(titleStems)
		}
	}
	for i := range n {
		st := &s.sents[i]
		cent := 0.0
		if maxCent > 0 {
			cent = st.cent / maxCent
		}
		k := float64(1 + i)
		pos := 1 / (k * math.Sqrt(k))
		length := min(float64(st.words), p.lenFull) / p.lenFull
		v := p.wPos*pos + p.wCent*cent + p.wTitle*st.title + p.wLen*length
		if st.flags&fPunct == 0 {
			v *= p.noPunct
		}
		if st.flags&fQuestion != 0 {
			v *= p.question
		}
		if st.flags&fQuote != 0 {
			v *= p.quote
		}
		if st.flags&fColon != 0 {
			v *= p.colon
		}
		st.score = v
	}
}

// choose picks up to n sentences greedily by score less redundancy,
// within the word budget, never opening the summary with a sentence that
// leans on one left out. It returns their indexes in document order.
func (s *Summarizer) choose(n, budget int) []int {
	p := &s.p
	cand := min(len(s.sents), p.maxCandidates)
	chosen := s.chosen[:0]
	used := 0
	isChosen := func(i int) bool { return slices.Contains(chosen, i) }
	if n > 0 {
		// The lede of a news story is its best single sentence: take the
		// first one that is a full sentence of text and fits.
		for i := range min(cand, 3) {
			st := &s.sents[i]
			if st.flags&fSkip == 0 && st.flags&fPunct != 0 && st.words <= budget &&
				(i == 0 || st.flags&(fConnective|fPronoun) == 0) {
				chosen = append(chosen, i)
				used += st.words
				for k := st.termLo; k < st.termHi; k++ {
					s.stems[s.terms[k]].last = -1
				}
				break
			}
		}
	}
	for len(chosen) < n {
		best, bestV := -1, math.Inf(-1)
		for i := range cand {
			st := &s.sents[i]
			if st.flags&fSkip != 0 || used+st.words > budget || isChosen(i) {
				continue
			}
			opensSummary := true
			for _, j := range chosen {
				if j < i {
					opensSummary = false
					break
				}
			}
			if i > 0 && opensSummary && st.flags&(fConnective|fPronoun) != 0 {
				continue
			}
			dangling := st.flags&fConnective != 0 && i > 0 && !isChosen(i-1)
			// The redundancy penalty only lowers the value, so a sentence
			// that cannot beat the best so far without it is passed over
			// before its stems are counted. Rounding is monotonic, so
			// the bound holds in floating point too.
			bound := st.score
			if dangling {
				bound -= p.dangling
			}
			if bound <= bestV {
				continue
			}
			v := st.score
			if terms := st.termHi - st.termLo; terms > 0 && len(chosen) > 0 {
				covered := 0
				for k := st.termLo; k < st.termHi; k++ {
					if s.stems[s.terms[k]].last < 0 {
						covered++
					}
				}
				v -= p.redundancy * float64(covered) / float64(terms)
			}
			if dangling {
				v -= p.dangling
			}
			if v > bestV {
				best, bestV = i, v
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, best)
		st := &s.sents[best]
		used += st.words
		for k := st.termLo; k < st.termHi; k++ {
			s.stems[s.terms[k]].last = -1
		}
	}
	if len(chosen) == 0 {
		// Nothing fits: take the best sentence that is not a duplicate or
		// junk, whatever its length, so that a summary is never empty
		// when the text has sentences.
		best := -1
		for i := range cand {
			if s.sents[i].flags&fSkip == 0 && (best < 0 || s.sents[i].score > s.sents[best].score) {
				best = i
			}
		}
		if best < 0 && len(s.sents) > 0 {
			best = 0
		}
		if best >= 0 {
			chosen = append(chosen, best)
		}
	}
	slices.Sort(chosen)
	s.chosen = chosen
	return chosen
}
