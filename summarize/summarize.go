// Package summarize picks the key sentences of a news article.
//
// It is extractive: every sentence it returns is a span of the input,
// with white space folded. The work has four steps, all pure and
// deterministic:
//
//   - cleaning: a scraped page is reduced to its lead article, without
//     page chrome, repeated headlines, related-article teasers, datelines
//     and bylines;
//   - splitting into sentences that survive abbreviations, initials,
//     decimals, quotes, lists, headlines and CJK punctuation;
//   - tokens: words are lower-cased, stopwords dropped and stems taken for
//     the language of the text, which is guessed when not given;
//   - scoring: a lead prior, a position-aware centrality (a sentence that
//     later sentences elaborate on matters, after PacSum), overlap with
//     the title, sentence length, then a greedy choice under a word budget
//     that avoids redundancy and sentences that open with a dangling
//     reference ("But…", "He added…") to one left out.
//
// Text and Options.Text are safe for concurrent use; a Summarizer reuses
// its buffers and caches between calls and is the fastest way to
// summarize many articles on one goroutine (Summarizer.Grow readies it
// for a long run).
package summarize

import (
	"slices"
	"sync"
)

// DefaultSentences is the number of sentences of a summary when none is
// asked for.
const DefaultSentences = 3

// DefaultMaxWords is the word budget of a summary when none is given.
// Three sentences of news make about 60 to 90 words.
const DefaultMaxWords = 90

// Options are the knobs of a summary. The zero value gives
// DefaultSentences sentences within DefaultMaxWords words, with the
// language guessed.
type Options struct {
	// Sentences is the most sentences to return; 0 means DefaultSentences.
	Sentences int
	// MaxWords is the word budget of the whole summary; 0 means
	// DefaultMaxWords. A sentence longer than the budget is chosen only
	// when no sentence fits, so that a summary is never empty when the
	// text has sentences.
	MaxWords int
	// Title is the article's headline, when known. It helps find the key
	// sentences, and a copy of it in the text is not repeated.
	Title string
	// Language is an ISO 639-1 code ("en", "de", "fr", "es", "it", "pt",
	// "nl", "ru", "uk", "ja", "zh"); empty or unknown means guess it from
	// the text.
	Language string
}

// Text returns up to n key sentences of text in document order. n <= 0
// means DefaultSentences.
func Text(text string, n int) []string {
	return Options{Sentences: n}.Text(text)
}

// Text returns the key sentences of text under these options, in
// document order.
func (o Options) Text(text string) []string {
	s := pool.Get().(*Summarizer)
	out := s.Text(text, o)
	pool.Put(s)
	return out
}

// pool holds Summarizers for Text, so that concurrent callers each reuse
// buffers and caches without sharing them.
var pool = sync.Pool{New: func() any { return New() }}

// Summarizer holds the buffers and the word and stem caches of the
// summarizer. Reusing one between articles avoids allocation and
// repeated stemming. A Summarizer must not be used by two goroutines at
// once; the zero value is not usable, call New.
type Summarizer struct {
	// Per article; reset by each call.
	blocks   []span
	spans    []span
	sents    []sent
	toks     []int32 // word ids of each sentence
	tokStems []int32 // the stem of each entry of toks
	terms    []int32 // content stems of each sentence, unique within it
	before   []int32 // for each entry of terms, how many earlier sentences hold the stem
	lines    []line
	seen     map[string]int
	title    []int32
	chosen   []int
	runes    []rune
	buf      []byte
	gen      uint32
	script   [numScripts]int
	p        params

	langVotes [numLangs]int // stopwords seen per language
	sampled   int           // words counted into langVotes
	growTo    int           // a Grow hint not taken yet

	// Caches kept between articles.
	wordIDs wordTable // ids of words, and their text
	words   []wordEntry
	stemIDs wordTable // ids of stems, and their text
	stems   []stemState
}

// New returns a Summarizer ready for use.
func New() *Summarizer {
	s := &Summarizer{
		p:    defaultParams,
		seen: make(map[string]int),
	}
	// The tokenizer looks at a word's first slot before anything else,
	// so the table has slots from the start.
	s.wordIDs.grow()
	return s
}

// Grow tells a Summarizer about to read many articles to make room in its
// word and stem caches for n distinct words, so that it does not grow
// them step by step, copying them into fresh memory each time. It is a
// hint: the room is made once the caches hold growAfter words, a few
// articles in, so that a run that reads only a few pays nothing for it;
// the caches grow past n when they need to, and never past
// maxCachedWords.
func (s *Summarizer) Grow(n int) {
	s.growTo = max(s.growTo, min(n, maxCachedWords))
}

// growAfter is how many words the caches hold before a Grow hint is
// taken.
const growAfter = 1 << 10

// reserve makes room in the caches for n words.
func (s *Summarizer) reserve(n int) {
	// Words that share a stem make the stems fewer: about two in three
	// in English news.
	stems := n * 3 / 4
	s.wordIDs.reserve(n)
	s.stemIDs.reserve(stems)
	s.words = slices.Grow(s.words, max(0, n-len(s.words)))
	s.stems = slices.Grow(s.stems, max(0, stems-len(s.stems)))
}

// maxCachedWords bounds the word cache; past it the caches start afresh,
// so a long-running process does not grow without end.
const maxCachedWords = 1 << 17

// Text returns the key sentences of text under o, in document order.
func (s *Summarizer) Text(text string, o Options) []string {
	n := o.Sentences
	if n <= 0 {
		n = DefaultSentences
	}
	budget := o.MaxWords
	if budget <= 0 {
		budget = DefaultMaxWords
	}
	s.reset()

	s.blocks = s.appendBlocks(s.blocks[:0], text, o.Title)
	s.spans = s.spans[:0]
	for _, b := range s.blocks {
		s.spans = appendSentences(s.spans, text, b.start, b.end)
	}
	if len(s.spans) == 0 {
		// Cleaning left nothing (a headline alone, a list of links):
		// summarize what there is rather than nothing.
		s.spans = appendSentences(s.spans, text, 0, len(text))
	}
	if len(s.spans) == 0 {
		return nil
	}
	s.tokenize(text, o.Title)
	l, ok := parseLang(o.Language)
	if !ok {
		l = s.guessLang()
	}
	s.resolve(l)
	s.markSentences(text, o.Title)
	s.score()
	chosen := s.choose(n, budget)
	out := make([]string, 0, len(chosen))
	for _, i := range chosen {
		st := &s.sents[i]
		out = append(out, normalizeSpace(text[st.start:st.end]))
	}
	return out
}

// reset starts a new article, dropping the caches when they grew too big.
func (s *Summarizer) reset() {
	if s.growTo > 0 && len(s.words) >= growAfter {
		s.reserve(s.growTo)
		s.growTo = 0
	}
	if len(s.words) > maxCachedWords {
		s.wordIDs.reset()
		s.stemIDs.reset()
		s.words = s.words[:0]
		s.stems = s.stems[:0]
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 {
		// The stamps wrapped around: clear them once.
		for i := range s.stems {
			s.stems[i] = stemState{}
		}
		s.gen = 1
	}
	s.script = [numScripts]int{}
	s.langVotes = [numLangs]int{}
	s.sampled = 0
}
