package summarize

import (
	"unicode"
	"unicode/utf8"
)

// wordKind tells how a cached word takes part in scoring.
type wordKind uint8

const (
	wordPlain  wordKind = iota // a word to stem
	wordNumber                 // digits: kept as they are
	wordBigram                 // two CJK characters
)

// noLang marks a word whose stem has not been taken yet.
const noLang lang = 255

// wordEntry is what the cache knows of one lower-case word; the word
// itself is in Summarizer.wordText, apart, to keep these entries small.
type wordEntry struct {
	stop     uint16 // a bit per lang in which the word is a stopword
	kind     wordKind
	junk     bool  // a word of a credit or call to action ("reporting", "click")
	runes    uint8 // rune count, capped
	stemLang lang  // lang of stem, or noLang
	stem     int32 // stem id when stemLang is set; -1 for a stopword
}

// stemState is the per-article state of one stem. Fields are valid only
// when gen equals the Summarizer's gen; stale entries read as zero.
type stemState struct {
	gen   uint32
	df    int32 // sentences holding the stem
	last  int32 // last sentence counted, plus one; -1 once a chosen sentence covers it
	title bool  // the stem is in the title
}

type script uint8

const (
	scriptLatin script = iota
	scriptCyrillic
	scriptHan
	scriptKana
	scriptOther
	numScripts
)

// sent is one sentence of the article and what scoring knows of it.
type sent struct {
	start, end     int
	words          int // words as a reader counts them
	tokLo, tokHi   int32
	termLo, termHi int32
	flags          sentFlag
	cent, title    float64 // centrality and title overlap
	score          float64
}

type sentFlag uint16

const (
	fPunct      sentFlag = 1 << iota // ends with sentence punctuation
	fQuestion                        // ends with a question mark
	fQuote                           // opens with a quotation mark
	fConnective                      // opens with "But", "However", "He added"…
	fPronoun                         // opens with "He", "They", "This"…
	fSkip                            // never chosen: junk, duplicate, too short or long
	fColon                           // ends with a colon
	fLeadPara                        // first sentence of a block
)

// asciiAlnum marks ASCII letters and digits; alnumLower maps them to
// lower case and every other byte to zero.
var asciiAlnum, alnumLower = asciiTables()

func asciiTables() (alnum [256]bool, lower [256]byte) {
	for c := range 128 {
		b := byte(c)
		alnum[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		if alnum[c] {
			lower[c] = b
			if b >= 'A' && b <= 'Z' {
				lower[c] = b + 'a' - 'A'
			}
		}
	}
	return alnum, lower
}

// tokenize fills s.sents from s.spans with their tokens, and the title's
// tokens into s.title (as word ids, stems come later).
func (s *Summarizer) tokenize(text, title string) {
	s.sents = s.sents[:0]
	s.toks = s.toks[:0]
	blockIdx := 0
	for _, sp := range s.spans {
		st := sent{start: sp.start, end: sp.end}
		for blockIdx < len(s.blocks) && s.blocks[blockIdx].end <= sp.start {
			blockIdx++
		}
		if blockIdx < len(s.blocks) && s.blocks[blockIdx].start == sp.start {
			st.flags |= fLeadPara
		}
		st.tokLo = int32(len(s.toks))
		var words, cjk int
		s.toks, words, cjk = s.appendTokens(s.toks, text[sp.start:sp.end], true)
		st.tokHi = int32(len(s.toks))
		st.words = words + cjk/2
		s.sents = append(s.sents, st)
	}
	mark := len(s.toks)
	s.toks, _, _ = s.appendTokens(s.toks, title, false)
	s.title = append(s.title[:0], s.toks[mark:]...)
	s.toks = s.toks[:mark]
}

// appendTokens appends the word ids of t to dst. It returns the words
// of t as a reader counts them (runs of non-space) and the CJK characters
// seen, which count as half a word each.
func (s *Summarizer) appendTokens(dst []int32, t string, count bool) ([]int32, int, int) {
	cjk, words := 0, 0
	space := true
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			if !asciiAlnum[c] {
				if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
					space = true
				} else if space {
					words++
					space = false
				}
				i++
				continue
			}
			if space {
				words++
				space = false
			}
			// The common case: an ASCII word.
			j := i + 1
			for j < len(t) && asciiAlnum[t[j]] {
				j++
			}
			var id int32
			if n := j - i; n < 8 && i+8 <= len(t) && (j == len(t) || t[j] < utf8.RuneSelf) {
				// Fewer than eight bytes: lower-case and hash them from
				// one load (ASCII letters and digits lower-case with
				// bit 5 set).
				p := (load64(t, i) | 0x2020202020202020) & (1<<(8*n) - 1)
				id = s.shortWordID(t[i:j], p)
			} else {
				buf := s.buf[:0]
				for k := i; k < j; k++ {
					buf = append(buf, alnumLower[t[k]])
				}
				if j < len(t) && t[j] >= utf8.RuneSelf {
					// The word goes on with letters beyond ASCII ("café").
					var n int
					buf, n = s.appendWideWord(buf, t[j:])
					j += n
				}
				s.buf = buf
				id = s.wordID(buf)
			}
			if id >= 0 {
				dst = append(dst, id)
				if count {
					s.script[scriptLatin]++
					s.countLang(id)
				}
			}
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(t[i:])
		if unicode.IsSpace(r) {
			space = true
			i += size
			continue
		}
		if space {
			words++
			space = false
		}
		switch {
		case isHan(r) || isKana(r):
			var n, runes int
			dst, n, runes = s.appendCJK(dst, t[i:], count)
			cjk += runes
			i += n
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if count {
				switch {
				case unicode.Is(unicode.Cyrillic, r):
					s.script[scriptCyrillic]++
				case unicode.Is(unicode.Latin, r):
					s.script[scriptLatin]++
				default:
					s.script[scriptOther]++
				}
			}
			buf, n := s.appendWideWord(s.buf[:0], t[i:])
			s.buf = buf
			if id := s.wordID(buf); id >= 0 {
				dst = append(dst, id)
				if count {
					s.countLang(id)
				}
			}
			i += n
		default:
			i += size
		}
	}
	return dst, words, cjk
}

// appendWideWord appends the lower case of the word at the start of t
// (letters, digits and combining marks, in any script but CJK) and
// returns how many bytes it took.
func (s *Summarizer) appendWideWord(buf []byte, t string) ([]byte, int) {
	i := 0
	for i < len(t) {
		c := t[i]
		if c < utf8.RuneSelf {
			if !asciiAlnum[c] {
				break
			}
			buf = append(buf, alnumLower[c])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(t[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) || isHan(r) || isKana(r) {
			break
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
		i += size
	}
	return buf, i
}

// appendCJK indexes a run of Han and kana characters as overlapping
// pairs. It returns the bytes and the characters it took.
func (s *Summarizer) appendCJK(dst []int32, t string, count bool) ([]int32, int, int) {
	runes := s.runes[:0]
	i := 0
	for i < len(t) {
		r, size := utf8.DecodeRuneInString(t[i:])
		if !isHan(r) && !isKana(r) {
			break
		}
		if count {
			if isKana(r) {
				s.script[scriptKana]++
			} else {
				s.script[scriptHan]++
			}
		}
		runes = append(runes, r)
		i += size
	}
	s.runes = runes
	if len(runes) == 1 {
		if isHan(runes[0]) && !cjkStop(runes[0]) {
			buf := utf8.AppendRune(s.buf[:0], runes[0])
			s.buf = buf
			if id := s.wordID(buf); id >= 0 {
				dst = append(dst, id)
			}
		}
		return dst, i, 1
	}
	for k := 0; k+1 < len(runes); k++ {
		if bigramStop(runes[k], runes[k+1]) {
			continue
		}
		buf := utf8.AppendRune(s.buf[:0], runes[k])
		buf = utf8.AppendRune(buf, runes[k+1])
		s.buf = buf
		if id := s.wordID(buf); id >= 0 {
			dst = append(dst, id)
		}
	}
	return dst, i, len(runes)
}

// langSample is how many words of an article count towards the guess
// of its language.
const langSample = 200

// countLang adds the stopword evidence of word id to the language guess.
func (s *Summarizer) countLang(id int32) {
	if s.sampled >= langSample {
		return
	}
	s.sampled++
	for m := s.words[id].stop; m != 0; m &= m - 1 {
		s.langVotes[trailingZeros16(m)]++
	}
}

// load64 reads eight bytes of s at i, little-endian; the compiler makes
// it a single load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// shortWordID is wordID for an ASCII word w of fewer than eight bytes
// whose lower-case prefix is p.
func (s *Summarizer) shortWordID(w string, p uint64) int32 {
	h := hashShort(p)
	if id := s.wordIDs.find(nil, h, p, nil); id >= 0 {
		return id
	}
	buf := s.buf[:0]
	for k := 0; k < len(w); k++ {
		buf = append(buf, alnumLower[w[k]])
	}
	s.buf = buf
	return s.wordID(buf)
}

// wordID returns the cache id of the lower-case word w, adding it when
// new. One-letter words are not indexed and give -1.
func (s *Summarizer) wordID(w []byte) int32 {
	h, p := hashWord(w)
	if id := s.wordIDs.find(w, h, p, s.wordText); id >= 0 {
		return id
	}
	n := utf8.RuneCount(w)
	if n < 2 && !(len(w) == 1 && w[0] >= '0' && w[0] <= '9') && !(n == 1 && len(w) == 3 && isHanBytes(w)) {
		return -1
	}
	key := string(w)
	e := wordEntry{stop: stopwords[key], stemLang: noLang, runes: uint8(min(n, 255)), junk: junkTriggers[key]}
	switch {
	case isDigits(w):
		e.kind = wordNumber
	case w[0] >= utf8.RuneSelf && isHanOrKanaBytes(w):
		e.kind = wordBigram
	}
	id := int32(len(s.words))
	s.words = append(s.words, e)
	s.wordText = append(s.wordText, key)
	s.wordIDs.insert(w, h, id)
	return id
}

func isDigits(w []byte) bool {
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isHanBytes(w []byte) bool {
	r, _ := utf8.DecodeRune(w)
	return isHan(r)
}

func isHanOrKanaBytes(w []byte) bool {
	r, _ := utf8.DecodeRune(w)
	return isHan(r) || isKana(r)
}

// guessLang picks the language of the article from its scripts and the
// stopwords of its first words.
func (s *Summarizer) guessLang() lang {
	sc := &s.script
	if cjk := sc[scriptHan] + sc[scriptKana]; cjk > sc[scriptLatin]+sc[scriptCyrillic] {
		if sc[scriptKana]*20 >= cjk {
			return langJA
		}
		return langZH
	}
	counts := &s.langVotes
	n := s.sampled
	first, last := langEN, langNL
	if sc[scriptCyrillic] > sc[scriptLatin] {
		first, last = langRU, langUK
	}
	best := langNone
	for l := first; l <= last; l++ {
		if counts[l] > counts[best] || best == langNone && counts[l] > 0 {
			best = l
		}
	}
	// Too few stopwords to trust: a list, or a language without a list.
	if best != langNone && (counts[best] < 3 || counts[best]*20 < n) {
		return langNone
	}
	return best
}

func trailingZeros16(m uint16) lang {
	l := lang(0)
	for m&1 == 0 {
		m >>= 1
		l++
	}
	return l
}

// resolve gives every cached word of this article its stem in language l
// and fills s.terms with each sentence's distinct content stems.
func (s *Summarizer) resolve(l lang) {
	s.terms = s.terms[:0]
	s.before = s.before[:0]
	for i := range s.sents {
		st := &s.sents[i]
		st.termLo = int32(len(s.terms))
		for _, id := range s.toks[st.tokLo:st.tokHi] {
			stem := s.words[id].stem
			if s.words[id].stemLang != l {
				stem = s.stemOf(id, l)
			}
			if stem < 0 {
				continue
			}
			ss := &s.stems[stem]
			if ss.gen != s.gen {
				*ss = stemState{gen: s.gen}
			}
			if ss.last == int32(i)+1 {
				continue
			}
			ss.last = int32(i) + 1
			s.terms = append(s.terms, stem)
			s.before = append(s.before, ss.df)
			ss.df++
		}
		st.termHi = int32(len(s.terms))
	}
	for _, id := range s.title {
		stem := s.stemOf(id, l)
		if stem < 0 {
			continue
		}
		ss := &s.stems[stem]
		if ss.gen != s.gen {
			*ss = stemState{gen: s.gen}
		}
		ss.title = true
	}
}

// stemOf returns the stem id of word id in language l, or -1 for a
// stopword.
func (s *Summarizer) stemOf(id int32, l lang) int32 {
	e := &s.words[id]
	if e.stemLang == l {
		return e.stem
	}
	e.stemLang = l
	switch {
	case e.kind != wordPlain:
		// Numbers and CJK pairs are indexed as they are, whatever the
		// language.
	case e.stop&(1<<l) != 0 && l != langNone:
		e.stem = -1
		return -1
	case l == langNone && e.runes <= 2:
		e.stem = -1
		return -1
	}
	var buf []byte
	if e.kind == wordPlain {
		buf = appendStem(s.buf[:0], []byte(s.wordText[id]), l)
		s.buf = buf
	} else {
		buf = append(s.buf[:0], s.wordText[id]...)
		s.buf = buf
	}
	if sid, ok := s.stemIDs[string(buf)]; ok {
		e.stem = sid
		return sid
	}
	sid := int32(len(s.stems))
	s.stems = append(s.stems, stemState{})
	s.stemIDs[string(buf)] = sid
	e.stem = sid
	return sid
}
