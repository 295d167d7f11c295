package summarize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSentenceBytes bounds one sentence. Scraped text sometimes runs for
// thousands of bytes without a full stop (menus, tag lists, tables); a
// piece that long is never a useful summary sentence, so it is cut at the
// best break before the limit.
const maxSentenceBytes = 1200

// span is a byte range [start, end) of the input.
type span struct {
	start, end int
}

// Split returns the sentences of text in order, each an exact span of the
// input with its whitespace runs (line breaks included) folded to single
// spaces. It is the splitter the summarizer uses, without the cleaning
// of page chrome.
func Split(text string) []string {
	spans := appendSentences(nil, text, 0, len(text))
	out := make([]string, 0, len(spans))
	for _, sp := range spans {
		out = append(out, normalizeSpace(text[sp.start:sp.end]))
	}
	return out
}

// appendSentences appends to dst the sentences of text[lo:hi].
func appendSentences(dst []span, text string, lo, hi int) []span {
	start := -1
	i := lo
	for i < hi {
		c := text[i]
		if start < 0 {
			// Between sentences: skip space and list markers.
			if isSpaceByte(c) {
				i++
				continue
			}
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(text[i:hi])
				if unicode.IsSpace(r) {
					i += size
					continue
				}
			}
			if atLineStart(text, lo, i) {
				if n := bulletLen(text, i, hi); n > 0 {
					i += n
					continue
				}
			}
			start = i
		}
		if !splitStop[c] {
			// Most bytes are plain letters: skip them eight at a time.
			i++
			for i+8 <= hi && !hasSplitStop(load64(text, i)) {
				i += 8
			}
			for i < hi && !splitStop[text[i]] {
				i++
			}
			continue
		}
		switch {
		case c == '\n':
			j := i + 1
			for j < hi && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
				j++
			}
			if j >= hi || text[j] == '\n' || lineBreakEnds(text, j, hi) {
				dst = emit(dst, text, start, i)
				start = -1
			}
			i++
		case c == '.' || c == '!' || c == '?':
			end, next, ok := terminator(text, start, i, hi)
			if ok {
				dst = emit(dst, text, start, end)
				start = -1
				i = next
				continue
			}
			i = end
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(text[i:hi])
			if kind := terminatorKind(r); kind != notTerminator {
				end, next, ok := wideTerminator(text, i+size, hi, kind)
				if ok {
					dst = emit(dst, text, start, end)
					start = -1
					i = next
					continue
				}
				i = end
				continue
			}
			i += size
		default:
			i++
		}
	}
	if start >= 0 {
		dst = emit(dst, text, start, hi)
	}
	return dst
}

// splitStop marks the bytes the splitter must look at: line breaks,
// terminators and the lead bytes of multi-byte runes.
var splitStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '\n' || c == '.' || c == '!' || c == '?' || c >= utf8.RuneSelf
	}
	return t
}()

// hasSplitStop reports whether one of the eight bytes of x is marked in
// splitStop: a line break, a terminator or a byte beyond ASCII.
func hasSplitStop(x uint64) bool {
	const (
		ones = 0x0101010101010101
		high = 0x80 * ones
	)
	// A byte of x equal to c is a zero byte of x^(c*ones), which the
	// classic (v-ones)&^v&high finds.
	nl := x ^ '\n'*ones
	dot := x ^ '.'*ones
	bang := x ^ '!'*ones
	q := x ^ '?'*ones
	return ((nl-ones)&^nl|(dot-ones)&^dot|(bang-ones)&^bang|(q-ones)&^q|x)&high != 0
}

// atLineStart reports whether only spaces and tabs stand between the
// start of the line (or lo) and text[i].
func atLineStart(text string, lo, i int) bool {
	for k := i - 1; k >= lo; k-- {
		switch text[k] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// emit appends text[start:end] trimmed of space, cut into pieces when it
// is longer than maxSentenceBytes, and dropped when it holds no letter
// or digit.
func emit(dst []span, text string, start, end int) []span {
	for start < end {
		s, e := trimSpan(text, start, end)
		if s >= e {
			return dst
		}
		if e-s <= maxSentenceBytes {
			if hasAlnum(text[s:e]) {
				dst = append(dst, span{s, e})
			}
			return dst
		}
		cut := longCut(text, s, s+maxSentenceBytes)
		if hasAlnum(text[s:cut]) {
			if a, b := trimSpan(text, s, cut); a < b {
				dst = append(dst, span{a, b})
			}
		}
		start = cut
	}
	return dst
}

// longCut picks where to cut an over-long sentence: after the last
// semicolon, else the last comma, else the last space before limit, else
// at a rune boundary.
func longCut(text string, s, limit int) int {
	window := text[s:limit]
	floor := len(window) / 2
	for _, sep := range []string{"; ", ", ", " "} {
		if k := strings.LastIndex(window, sep); k >= floor {
			return s + k + len(sep)
		}
	}
	cut := limit
	for cut > s && !utf8.RuneStart(text[cut]) {
		cut--
	}
	if cut == s {
		return limit
	}
	return cut
}

func trimSpan(text string, s, e int) (int, int) {
	for s < e {
		c := text[s]
		if c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				break
			}
			s++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		s += size
	}
	for e > s {
		c := text[e-1]
		if c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				break
			}
			e--
			continue
		}
		r, size := utf8.DecodeLastRuneInString(text[s:e])
		if !unicode.IsSpace(r) {
			break
		}
		e -= size
	}
	return s, e
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

func hasAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				return true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
		i += size - 1
	}
	return false
}

// bulletLen returns the length of a list marker (and the space after it)
// at text[i:], or 0. Markers are bullets and dashes followed by a space,
// and "1." or "1)" numbering of up to three digits.
func bulletLen(text string, i, hi int) int {
	c := text[i]
	n := 0
	switch {
	case c == '-' || c == '*' || c == '+' || c == '>':
		n = 1
	case c >= '0' && c <= '9':
		k := i
		for k < hi && k-i < 3 && text[k] >= '0' && text[k] <= '9' {
			k++
		}
		if k < hi && (text[k] == '.' || text[k] == ')') {
			n = k + 1 - i
		}
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRuneInString(text[i:hi])
		switch r {
		case '•', '·', '▪', '▫', '◦', '‣', '∙', '●', '○', '■', '□', '►', '▸', '–', '—', '✓', '✔', '★', '☆':
			n = size
		}
	}
	if n == 0 || i+n >= hi {
		return 0
	}
	// A marker must be followed by a space (a hyphenated word or a number
	// such as "2004." starting a line is not one).
	if text[i+n] != ' ' && text[i+n] != '\t' {
		if text[i+n] < utf8.RuneSelf {
			return 0
		}
		r, size := utf8.DecodeRuneInString(text[i+n : hi])
		if !unicode.IsSpace(r) {
			return 0
		}
		return n + size
	}
	if c >= '0' && c <= '9' && text[i+n-1] == '.' {
		// "2. The plan" is a list item; "2004. The year" is a sentence
		// that happens to start a line after a broken line.
		if n-1 > 2 {
			return 0
		}
	}
	return n + 1
}

// lineBreakEnds reports whether a single line break before text[j:] ends
// the sentence. A new line starting with a lower-case letter continues
// the sentence (hard-wrapped text); anything else (a capital, a digit, a
// quote, a list marker) starts a new one, which keeps headlines and list
// items without final punctuation apart.
func lineBreakEnds(text string, j, hi int) bool {
	c := text[j]
	if c < utf8.RuneSelf {
		return !(c >= 'a' && c <= 'z')
	}
	r, _ := utf8.DecodeRuneInString(text[j:hi])
	return !unicode.IsLower(r)
}

// terminator decides whether the '.', '!' or '?' at text[i] ends the
// sentence that began at start. It returns where the sentence ends
// (after the punctuation and any closing quotes or brackets), where the
// next one may begin, and whether this is a boundary at all; when it is
// not, end is where scanning resumes.
func terminator(text string, start, i, hi int) (end, next int, ok bool) {
	j := i
	dots := 0
	other := false
	for j < hi {
		switch text[j] {
		case '.':
			dots++
		case '!', '?':
			other = true
		default:
			goto run
		}
		j++
	}
run:
	// ". . ." is an ellipsis too.
	for j+1 < hi && text[j] == ' ' && text[j+1] == '.' && dots > 0 && !other {
		k := j + 1
		for k < hi && text[k] == '.' {
			k++
			dots++
		}
		j = k
	}
	closed := false
	for j < hi {
		n := closerLen(text, j, hi)
		if n == 0 {
			break
		}
		closed = true
		j += n
	}
	end = j
	if j < hi && !isSpaceAt(text, j, hi) {
		// "3.5", "U.S.A", "bbc.co.uk", `."The`: no boundary.
		return end, end, false
	}
	k, newline := skipSpace(text, j, hi)
	if k >= hi {
		return end, k, true
	}
	r, _ := utf8.DecodeRuneInString(text[k:hi])
	if unicode.IsLower(r) {
		return end, end, false
	}
	if other {
		return end, k, true
	}
	if dots >= 2 {
		// An ellipsis ends a sentence at a line end or before a word
		// that usually starts one; "cut ... Ukraine" goes on.
		if newline || closed || startsSentence(text, k, hi) {
			return end, k, true
		}
		return end, end, false
	}
	if closed || newline {
		return end, k, true
	}
	if i > start && text[i-1] >= '0' && text[i-1] <= '9' && monthFollows(text, k, hi) {
		// "am 3. Oktober": a German ordinal date.
		return end, end, false
	}
	w := prevWord(text, start, i)
	switch abbreviation(w) {
	case abbrTitle:
		return end, end, false
	case abbrNumber:
		if r >= '0' && r <= '9' {
			return end, end, false
		}
		if startsSentence(text, k, hi) {
			return end, k, true
		}
		return end, end, false
	case abbrWeak:
		if startsSentence(text, k, hi) {
			return end, k, true
		}
		return end, end, false
	}
	if isAcronym(w) || isInitial(w) {
		// U.S., a.m., J. R. R. Tolkien: a boundary only before a word
		// that usually starts a sentence.
		if startsSentence(text, k, hi) {
			return end, k, true
		}
		return end, end, false
	}
	return end, k, true
}

// wideTerminator handles a non-ASCII terminator that ended just before
// text[j]. CJK full stops need no following space; the others (Devanagari
// danda, Arabic question mark, …) do.
func wideTerminator(text string, j, hi int, kind termKind) (end, next int, ok bool) {
	// Runs such as "？！" or "……".
	for j < hi {
		r, size := utf8.DecodeRuneInString(text[j:hi])
		if terminatorKind(r) == notTerminator {
			break
		}
		j += size
	}
	for j < hi {
		n := closerLen(text, j, hi)
		if n == 0 {
			break
		}
		j += n
	}
	end = j
	if kind == termEllipsis {
		if j < hi && !isSpaceAt(text, j, hi) {
			return end, end, false
		}
		k, newline := skipSpace(text, j, hi)
		if k >= hi || newline || startsSentence(text, k, hi) {
			return end, k, true
		}
		return end, end, false
	}
	if kind == termSpaced && j < hi && !isSpaceAt(text, j, hi) {
		return end, end, false
	}
	k, _ := skipSpace(text, j, hi)
	if kind == termSpaced && k < hi {
		if r, _ := utf8.DecodeRuneInString(text[k:hi]); unicode.IsLower(r) {
			return end, end, false
		}
	}
	return end, k, true
}

type termKind uint8

const (
	notTerminator termKind = iota
	termCJK                // 。！？: ends a sentence with or without a space
	termSpaced             // other scripts' stops: need a following space
	termEllipsis           // …: like "..."
)

func terminatorKind(r rune) termKind {
	switch r {
	case '。', '！', '？', '｡':
		return termCJK
	case '…':
		return termEllipsis
	case '‼', '⁇', '⁈', '⁉', '।', '॥', '؟', '۔', '።', '፧', '։', '။', '᠃', '\u037e', '՞', '．':
		return termSpaced
	}
	return notTerminator
}

// closerLen returns the byte length of a closing quote or bracket at
// text[j:], or 0.
func closerLen(text string, j, hi int) int {
	c := text[j]
	switch c {
	case '"', '\'', ')', ']', '}':
		return 1
	}
	if c < utf8.RuneSelf {
		return 0
	}
	r, size := utf8.DecodeRuneInString(text[j:hi])
	switch r {
	case '”', '’', '»', '›', '」', '』', '）', '】', '〕', '〉', '》', '］', '｝', '〟', '“', '„':
		return size
	}
	return 0
}

func isSpaceAt(text string, j, hi int) bool {
	c := text[j]
	if c < utf8.RuneSelf {
		return isSpaceByte(c)
	}
	r, _ := utf8.DecodeRuneInString(text[j:hi])
	return unicode.IsSpace(r)
}

// skipSpace returns the first non-space offset at or after j and whether
// a line break was crossed.
func skipSpace(text string, j, hi int) (int, bool) {
	newline := false
	for j < hi {
		c := text[j]
		if c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				break
			}
			if c == '\n' {
				newline = true
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:hi])
		if !unicode.IsSpace(r) {
			break
		}
		j += size
	}
	return j, newline
}

// prevWord returns the letters and dots just before text[i] (the word
// that a full stop ends), without leading dots.
func prevWord(text string, start, i int) string {
	k := i
	for k > start {
		c := text[k-1]
		if c < utf8.RuneSelf {
			if c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				k--
				continue
			}
			break
		}
		r, size := utf8.DecodeLastRuneInString(text[start:k])
		if !unicode.IsLetter(r) {
			break
		}
		k -= size
	}
	return strings.TrimLeft(text[k:i], ".")
}

// monthFollows reports whether a German month name starts text[k:].
func monthFollows(text string, k, hi int) bool {
	w, _ := firstWord(text[k:min(hi, k+12)])
	switch w {
	case "Januar", "Jänner", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
		"September", "Oktober", "November", "Dezember":
		return true
	}
	return false
}

// isAcronym reports whether w is dotted like "U.S", "a.m", "e.g" or
// "Ph.D": parts of one or two letters. A domain name ("example.com") is
// not one.
func isAcronym(w string) bool {
	if strings.IndexByte(w, '.') < 0 {
		return false
	}
	for part := range strings.SplitSeq(w, ".") {
		if n := utf8.RuneCountInString(part); n == 0 || n > 2 {
			return false
		}
	}
	return true
}

// isInitial reports whether w is a single capital letter, as in
// "J. R. R. Tolkien" or "George W. Bush".
func isInitial(w string) bool {
	r, size := utf8.DecodeRuneInString(w)
	return size == len(w) && unicode.IsUpper(r)
}

type abbrKind uint8

const (
	abbrNone   abbrKind = iota
	abbrTitle           // always followed by a name: never a boundary
	abbrNumber          // "No. 10", "Jan. 5": no boundary before a digit
	abbrWeak            // "Inc.", "St.": a boundary only before a sentence starter
)

func abbreviation(w string) abbrKind {
	switch w {
	case "Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "Gen", "Lt", "Col", "Sgt", "Capt", "Cpl", "Maj",
		"Adm", "Cmdr", "Cdr", "Sen", "Rep", "Gov", "Rev", "Hon", "Pres", "Supt", "Insp", "Det",
		"Fr", "Messrs", "Mme", "Mlle", "Brig", "Pvt", "Cllr", "Atty", "Amb", "Lieut", "Gens",
		"Sens", "Reps", "Hr", "Sra", "Srta", "Dra", "Sta", "Sto", "Mgr", "Mons", "Dott", "Sig",
		"mr", "mrs", "ms", "dr", "prof", "gen", "sen", "gov", "rep", "mt", "Mt", "Ft", "Pt":
		return abbrTitle
	case "No", "Nos", "Nr", "Art", "Vol", "Vols", "p", "pp", "Fig", "Figs", "Ch", "Sec", "Op",
		"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "no", "nr":
		return abbrNumber
	case "Inc", "Ltd", "Co", "Corp", "Plc", "Bros", "Jr", "Sr", "St", "Ave", "Rd", "Blvd", "Hwy",
		"etc", "vs", "v", "approx", "est", "Dept", "Univ", "Assn", "Mon", "Tue", "Tues", "Wed",
		"Thu", "Thur", "Thurs", "Fri", "Sat", "Sun", "al", "cf", "ca", "Ph", "Esq", "Cie", "Cia",
		"bzw", "usw", "ggf", "Str", "ff", "Abs", "Mio", "Mrd", "Tsd", "Bd", "Jh", "Jhd",
		"env", "av", "apr", "etc.", "Av", "Avda", "Uds", "Ud", "Vd", "Vds", "tel", "Tel":
		return abbrWeak
	}
	return abbrNone
}

// startsSentence reports whether the word at text[k:] is one that usually
// begins a sentence (a capitalised function word such as "The", "He",
// "But", "Der", "Le"), which tells a real boundary after an abbreviation
// or an ellipsis from a name that follows one.
func startsSentence(text string, k, hi int) bool {
	e := k
	for e < hi && e-k < 16 {
		c := text[e]
		if c < utf8.RuneSelf {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				break
			}
			e++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[e:hi])
		if !unicode.IsLetter(r) {
			break
		}
		e += size
	}
	if e == k {
		// A quote, a digit or an opening bracket: treat as a new sentence.
		c := text[k]
		return c == '"' || c == '\'' || c == '(' || c >= '0' && c <= '9' || c >= utf8.RuneSelf && closerLen(text, k, hi) > 0
	}
	w := text[k:e]
	var buf [16]byte
	lw := appendLower(buf[:0], w)
	return sentenceStarter(string(lw))
}

// appendLower appends the lower case of s to dst.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// normalizeSpace folds every run of white space in s to one space. It
// returns s itself when there is nothing to fold.
func normalizeSpace(s string) string {
	if !needsFold(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			space = true
			i += size
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		// Bytes, not runes: invalid UTF-8 stays as it was in the input.
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// needsFold reports whether normalizeSpace has anything to fold in s:
// two spaces in a row, or white space other than a space. Sentences are
// mostly ASCII words and single spaces, so it looks at eight bytes at a
// time while they are printable ASCII.
func needsFold(s string) bool {
	const (
		ones = 0x0101010101010101
		high = 0x80 * ones
		low7 = 0x7f * ones
	)
	prevSpace := false
	i := 0
	for i+8 <= len(s) {
		x := load64(s, i)
		if ((x-0x20*ones)|x)&high == 0 {
			// Printable ASCII: spaces alone may fold. The high bit of
			// each byte of z tells whether it is a space.
			y := x ^ 0x20*ones
			z := ^((y&low7 + low7) | y | low7)
			if z&(z>>8) != 0 || prevSpace && z&0x80 != 0 {
				return true
			}
			prevSpace = z>>63 != 0
			i += 8
			continue
		}
		for end := i + 8; i < end; i++ {
			if foldAt(s, i, &prevSpace) {
				return true
			}
		}
	}
	for ; i < len(s); i++ {
		if foldAt(s, i, &prevSpace) {
			return true
		}
	}
	return false
}

// foldAt is needsFold for the byte s[i], after a space when *prevSpace.
func foldAt(s string, i int, prevSpace *bool) bool {
	switch foldClass[s[i]] {
	case foldPlain:
		*prevSpace = false
	case foldSpace:
		if *prevSpace {
			return true
		}
		*prevSpace = true
	case foldAlways:
		return true
	case foldLead:
		// Lead bytes of the non-ASCII spaces (U+0085, U+00A0,
		// U+1680, U+2000–U+205F, U+3000).
		r, _ := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return true
		}
		*prevSpace = false
	}
	return false
}

const (
	foldPlain  = iota // a byte that stays
	foldSpace         // ' ': folds when doubled
	foldAlways        // tab, line break…: always folds
	foldLead          // may start a non-ASCII space
)

var foldClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c == ' ':
			t[c] = foldSpace
		case c < ' ' && isSpaceByte(byte(c)):
			t[c] = foldAlways
		case c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3:
			t[c] = foldLead
		}
	}
	return t
}()
