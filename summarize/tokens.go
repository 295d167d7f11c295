package summarize

import (
	"encoding/binary"
	"math/bits"
	"slices"
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
// itself is in Summarizer.wordIDs, apart, and so are its stopword bits,
// to keep these entries small: the summarizer reads one for every word
// of every article.
type wordEntry struct {
	stem     int32 // stem id when stemLang is set; -1 for a stopword
	kind     wordKind
	runes    uint8 // rune count, capped
	stemLang lang  // lang of stem, or noLang
}

// The word table keeps with each word what the tokenizer needs of it, so
// that it need not look the entry up: a bit per lang in which the word
// is a stopword, and attrJunk for a word of a credit or call to action ("reporting",
// "click").
const attrJunk uint16 = 1 << 15

// The stopword bits must leave room for attrJunk.
const _ = uint(15 - numLangs)

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
	fJunkWord                        // holds a word of a credit or call to action
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
		var junk bool
		s.toks, words, cjk, junk = s.appendTokens(s.toks, text[sp.start:sp.end], true)
		st.tokHi = int32(len(s.toks))
		if junk {
			st.flags |= fJunkWord
		}
		st.words = words + cjk/2
		s.sents = append(s.sents, st)
	}
	mark := len(s.toks)
	s.toks, _, _, _ = s.appendTokens(s.toks, title, false)
	s.title = append(s.title[:0], s.toks[mark:]...)
	s.toks = s.toks[:mark]
}

// appendTokens appends the word ids of t to dst. It returns the words
// of t as a reader counts them (runs of non-space), the CJK characters
// seen, which count as half a word each, and whether a word of t has
// attrJunk. With count, its words count towards the guess of the
// language.
//
// The loop is written for its common case, an ASCII word of fewer than
// eight bytes found at the first place the word table looks; the other
// cases are in functions of their own, which keeps the loop's state in
// registers.
func (s *Summarizer) appendTokens(dst []int32, t string, count bool) ([]int32, int, int, bool) {
	var (
		words, cjk, latin int
		attrs             uint16
	)
	space := true
	for i := 0; i < len(t); {
		c := t[i]
		if c >= utf8.RuneSelf {
			var (
				isSpace bool
				runes   int
				attr    uint16
			)
			dst, i, isSpace, runes, attr = s.appendWide(dst, t, i, count)
			if !isSpace && space {
				words++
			}
			space = isSpace
			cjk += runes
			attrs |= attr
			continue
		}
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
		for {
			// A word starts at t[i], which is c.
			var (
				id   int32 = -1
				attr uint16
				j    int
			)
			if i+8 <= len(t) {
				x := load64(t, i)
				if n := alnumPrefix(x); n < 8 && x>>(8*n)&0x80 == 0 {
					// A word of fewer than eight bytes followed by an
					// ASCII byte: lower-case and hash it from the one
					// load (ASCII letters and digits lower-case with bit
					// 5 set). A one-letter word ("a", "I") is not
					// indexed.
					j = i + n
					if n > 1 || c <= '9' {
						p := (x | 0x2020202020202020) & (1<<(8*n) - 1)
						h := hashShort(p)
						if sl := s.wordIDs.home(h); sl.prefix == p && sl.tag == uint16(h>>16) {
							id, attr = sl.id-1, sl.attr
						} else {
							id, attr = s.shortWordID(t[i:j], p, h)
						}
					}
				} else {
					id, attr, j = s.asciiWordID(t, i)
				}
			} else {
				id, attr, j = s.asciiWordID(t, i)
			}
			i = j
			if id >= 0 {
				dst = append(dst, id)
				attrs |= attr
				if count {
					latin++
					s.countLang(attr)
				}
			}
			// Most words are followed by a space and another word: go
			// on with it here.
			if i+1 < len(t) && t[i] == ' ' && asciiAlnum[t[i+1]] {
				i++
				words++
				c = t[i]
				continue
			}
			break
		}
	}
	s.script[scriptLatin] += latin
	return dst, words, cjk, attrs&attrJunk != 0
}

// asciiWordID returns the word id and attr of the word that starts with
// the ASCII letter or digit t[i], and where it ends: the cases the loop
// of appendTokens leaves, words of eight bytes or more, at the end of t,
// or going on beyond ASCII.
func (s *Summarizer) asciiWordID(t string, i int) (int32, uint16, int) {
	// Lower-case and hash the word eight bytes at a time while there are
	// eight, as hashWord would.
	buf := s.buf[:0]
	h, p, tail := uint64(hashSeed), uint64(0), uint64(0)
	j := i
	for j+8 <= len(t) {
		x := load64(t, j)
		n := alnumPrefix(x)
		x |= 0x2020202020202020
		if j == i {
			p = x
		}
		k := len(buf)
		buf = binary.LittleEndian.AppendUint64(buf, x)[:k+n]
		j += n
		if n < 8 {
			tail = x & (1<<(8*n) - 1)
			break
		}
		h = hashMix(h, x)
	}
	if j+8 > len(t) {
		for j < len(t) && asciiAlnum[t[j]] {
			c := alnumLower[t[j]]
			tail |= uint64(c) << (8 * (len(buf) % 8))
			buf = append(buf, c)
			j++
		}
	}
	ascii := j == len(t) || t[j] < utf8.RuneSelf
	if j-i == 1 && t[i] > '9' && ascii {
		s.buf = buf
		return -1, 0, j
	}
	var id int32
	var attr uint16
	switch {
	case !ascii:
		// The word goes on with letters beyond ASCII ("café").
		var n int
		buf, n = s.appendWideWord(buf, t[j:])
		j += n
		id, attr = s.wordID(buf)
	case len(buf) < 8:
		p = prefix8(buf)
		id, attr = s.hashedWordID(buf, hashShort(p), p)
	default:
		id, attr = s.hashedWordID(buf, hashEnd(h, tail, len(buf)), p)
	}
	s.buf = buf
	return id, attr, j
}

// appendWide reads what starts with the non-ASCII rune at t[i]: white
// space, a run of CJK characters, a word, or a symbol. It appends the
// ids of the words it finds to dst and returns where it stopped, whether
// it read space, the CJK characters it read and the attrs of its words.
func (s *Summarizer) appendWide(dst []int32, t string, i int, count bool) ([]int32, int, bool, int, uint16) {
	r, size := utf8.DecodeRuneInString(t[i:])
	switch {
	case unicode.IsSpace(r):
		return dst, i + size, true, 0, 0
	case isHan(r) || isKana(r):
		dst, n, runes := s.appendCJK(dst, t[i:], count)
		return dst, i + n, false, runes, 0
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
		id, attr := s.wordID(buf)
		if id < 0 {
			return dst, i + n, false, 0, 0
		}
		if count {
			s.countLang(attr)
		}
		return append(dst, id), i + n, false, 0, attr
	}
	return dst, i + size, false, 0, 0
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
			if id, _ := s.wordID(buf); id >= 0 {
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
		if id, _ := s.wordID(buf); id >= 0 {
			dst = append(dst, id)
		}
	}
	return dst, i, len(runes)
}

// langSample is how many words of an article count towards the guess
// of its language.
const langSample = 200

// countLang adds the stopword evidence of a word, whose attr is given, to
// the language guess.
func (s *Summarizer) countLang(attr uint16) {
	if s.sampled >= langSample {
		return
	}
	s.sampled++
	for m := attr &^ attrJunk; m != 0; m &= m - 1 {
		s.langVotes[trailingZeros16(m)]++
	}
}

// alnumPrefix returns how many of the eight bytes of x (little-endian)
// are ASCII letters and digits before the first that is not: the length
// of a word of fewer than eight bytes in one step, without a branch per
// byte.
func alnumPrefix(x uint64) int {
	const (
		ones = 0x0101010101010101
		high = 0x80 * ones
	)
	// Each byte of y is below 0x80, so adding at most 0x50 to it never
	// carries into the next byte; the high bit of a sum tells whether
	// the byte passed a bound.
	y := x &^ high
	l := y | 0x20*ones // ASCII letters in lower case
	digit := (y + (0x80-'0')*ones) &^ (y + (0x7f-'9')*ones)
	letter := (l + (0x80-'a')*ones) &^ (l + (0x7f-'z')*ones)
	alnum := (digit | letter) &^ x & high
	return bits.TrailingZeros64(^alnum&high) >> 3
}

// load64 reads eight bytes of s at i, little-endian; the compiler makes
// it a single load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// shortWordID is wordID for an ASCII word w of fewer than eight bytes
// whose lower-case prefix is p and hash h.
func (s *Summarizer) shortWordID(w string, p uint64, h uint32) (int32, uint16) {
	if id, attr := s.wordIDs.find(nil, h, p); id >= 0 {
		return id, attr
	}
	buf := s.buf[:0]
	for k := 0; k < len(w); k++ {
		buf = append(buf, alnumLower[w[k]])
	}
	s.buf = buf
	return s.hashedWordID(buf, h, p)
}

// wordID returns the cache id of the lower-case word w, adding it when
// new, and its attr. One-letter words are not indexed and give -1.
func (s *Summarizer) wordID(w []byte) (int32, uint16) {
	h, p := hashWord(w)
	return s.hashedWordID(w, h, p)
}

// hashedWordID is wordID for w whose hash is h and prefix p.
func (s *Summarizer) hashedWordID(w []byte, h uint32, p uint64) (int32, uint16) {
	if id, attr := s.wordIDs.find(w, h, p); id >= 0 {
		return id, attr
	}
	n := utf8.RuneCount(w)
	if n < 2 && !(len(w) == 1 && w[0] >= '0' && w[0] <= '9') && !(n == 1 && len(w) == 3 && isHanBytes(w)) {
		return -1, 0
	}
	attr := attrOf(w, h, p)
	e := wordEntry{stemLang: noLang, runes: uint8(min(n, 255))}
	switch {
	case isDigits(w):
		e.kind = wordNumber
	case w[0] >= utf8.RuneSelf && isHanOrKanaBytes(w):
		e.kind = wordBigram
	}
	s.words = append(grow(s.words, 1), e)
	return s.wordIDs.add(w, h, attr), attr
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
	// First the stem of every token, in a loop whose loads do not wait
	// on one another, then the counts. A sentence has no more terms
	// than tokens, which sizes the slices once.
	n := len(s.toks)
	stems := slices.Grow(s.tokStems[:0], n)[:n]
	for k, id := range s.toks {
		e := &s.words[id]
		stem := e.stem
		if e.stemLang != l {
			stem = s.stemOf(id, l)
		}
		stems[k] = stem
	}
	s.tokStems = stems
	terms := slices.Grow(s.terms[:0], n)[:n]
	before := slices.Grow(s.before[:0], n)[:n]
	nt := int32(0)
	for i := range s.sents {
		st := &s.sents[i]
		st.termLo = nt
		for _, stem := range stems[st.tokLo:st.tokHi] {
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
			terms[nt] = stem
			before[nt] = ss.df
			nt++
			ss.df++
		}
		st.termHi = nt
	}
	s.terms, s.before = terms[:nt], before[:nt]
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

// stopword reports whether word id is a stopword in language l.
func (s *Summarizer) stopword(id int32, l lang) bool {
	w := s.wordIDs.text.at(id)
	h, p := hashWord(w)
	return attrOf(w, h, p)&(1<<l) != 0
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
	case l != langNone && s.stopword(id, l):
		e.stem = -1
		return -1
	case l == langNone && e.runes <= 2:
		e.stem = -1
		return -1
	}
	var buf []byte
	if e.kind == wordPlain {
		buf = appendStem(s.buf[:0], s.wordIDs.text.at(id), l)
	} else {
		buf = append(s.buf[:0], s.wordIDs.text.at(id)...)
	}
	s.buf = buf
	h, p := hashWord(buf)
	sid, _ := s.stemIDs.find(buf, h, p)
	if sid < 0 {
		s.stems = append(grow(s.stems, 1), stemState{})
		sid = s.stemIDs.add(buf, h, 0)
	}
	e.stem = sid
	return sid
}
