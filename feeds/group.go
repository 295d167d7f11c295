package feeds

import (
	"slices"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Story grouping finds reports of one event from several publishers. Each
// report is reduced to the key words of its headline and lead; two reports
// are the same story when they share enough of them (SameStory), and a
// StoryIndex finds, among the reports of the last 48 hours, the one a new
// report shares most with.
//
// Why not a 64-bit SimHash compared by Hamming distance: measured on
// differently worded reports of one event (group_test.go), SimHash put
// same-story pairs 10 to 28 bits apart and different stories on the same
// topic from 14 bits: the noise of a 64-bit sketch (about ±4 bits) is
// larger than the gap between "shares 40 % of its key words" and "shares
// 30 %". Exact word sets separate them; see StoryOverlap.

// Story grouping parameters, measured on the reports in group_test.go.
const (
	// StoryOverlap is the least overlap coefficient of the same story:
	// the share of the smaller signature's key words found in the other.
	// Same-story pairs measured 0.36 and 0.41 to 1; different events on
	// the same topic and day at most 0.32.
	StoryOverlap = float64(groupOverlapNum) / groupOverlapDen
	// StoryMinShared is the fewest key words two reports of one story
	// share, so that a short headline-only item does not match every
	// article containing its four words.
	StoryMinShared = 6
	// StoryWindow is how long a story stays open to new reports.
	StoryWindow = 48 * time.Hour

	// StoryOverlap as a fraction, for exact integer arithmetic.
	groupOverlapNum, groupOverlapDen = 2, 5

	// groupLeadWords is how much of the text, after the headline, is
	// read: the lead sentences carry the event's key words, later
	// paragraphs drift to background each publisher tells differently
	// (measured: 40 words separated best; 20 too few, 60–80 no better).
	groupLeadWords = 40
	// groupStem is the length in runes words are cut to: a stemmer that
	// needs no language ("prisoners", "prisoner" → "prison";
	// "exchanged", "exchange" → "exchan").
	groupStem = 6
	// groupExtraScan is how many posting lists Match reads past those
	// every match must be found by. Each one read raises the count a
	// candidate needs before its words are looked up, and those lookups
	// miss the cache: measured at 100,000 reports, 0 extra lists cost
	// 170 µs a match, 1 or 2 about 65 µs, 4 about 85 µs.
	groupExtraScan = 2
	// groupTitleWeight counts a headline word this many times a lead
	// word in the SimHash fingerprint.
	groupTitleWeight = 3
)

// Signature is the set of key words of an article's headline and lead,
// what story grouping compares. The zero Signature has no words and
// matches nothing.
type Signature struct {
	terms []uint32 // hashes of the key words, sorted, unique
	fp    uint64
}

// Sign returns the signature of an article's title and text: the key
// words of the title and of the first 40 words of the text.
//
// Words are lower-cased letters and digits of any script ("1,000" reads
// as one number); words of scripts written without spaces (Chinese,
// Japanese, Thai…) are read as overlapping pairs of characters. Words are
// cut to six characters, which stems most inflections in most languages,
// and function words (words under three letters, common English and
// European ones, pairs of hiragana) are skipped.
func Sign(title, text string) Signature {
	var acc [64]int32
	terms := make([]uint32, 0, 64)
	var buf [4 * groupStem]byte
	add := func(w int32) func([]byte) {
		return func(tok []byte) {
			h := groupHash(tok)
			terms = append(terms, uint32(h))
			for b := range 64 {
				if h&(1<<b) != 0 {
					acc[b] += w
				} else {
					acc[b] -= w
				}
			}
		}
	}
	groupWords(title, buf[:0], -1, add(groupTitleWeight))
	groupWords(text, buf[:0], groupLeadWords, add(1))
	if len(terms) == 0 {
		return Signature{}
	}
	slices.Sort(terms)
	terms = slices.Compact(terms)
	var fp uint64
	for b := range 64 {
		if acc[b] > 0 {
			fp |= 1 << b
		}
	}
	return Signature{terms: slices.Clip(terms), fp: fp}
}

// Fingerprint returns the 64-bit SimHash of the key words of an
// article's title and lead (headline words weigh three times), for
// Article.Fingerprint. Copies of one text (a wire story republished, an
// item edited by its publisher) are within a few bits of each other;
// reworded reports of one event are not, which is why stories are
// grouped by Signature. An article with no words has fingerprint 0.
func Fingerprint(title, text string) uint64 { return Sign(title, text).fp }

// Fingerprint returns the signature's SimHash; see the function
// Fingerprint.
func (s Signature) Fingerprint() uint64 { return s.fp }

// Len returns the number of distinct key words.
func (s Signature) Len() int { return len(s.terms) }

// Shared returns the number of key words s and t have in common.
func (s Signature) Shared(t Signature) int {
	a, b := s.terms, t.terms
	n := 0
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] == b[0]:
			n++
			a, b = a[1:], b[1:]
		case a[0] < b[0]:
			a = a[1:]
		default:
			b = b[1:]
		}
	}
	return n
}

// Overlap returns the overlap coefficient of s and t: the share of the
// smaller one's key words that the other contains, from 0 to 1. It is
// kinder than Jaccard's index to a short teaser beside a long report.
func (s Signature) Overlap(t Signature) float64 {
	m := min(len(s.terms), len(t.terms))
	if m == 0 {
		return 0
	}
	return float64(s.Shared(t)) / float64(m)
}

// SameStory reports whether two signatures are reports of one story:
// they share at least StoryMinShared key words and an overlap of at
// least StoryOverlap.
func SameStory(a, b Signature) bool {
	return groupSame(a.Shared(b), len(a.terms), len(b.terms))
}

func groupSame(shared, la, lb int) bool {
	return shared >= StoryMinShared && shared >= groupNeeded(la, lb)
}

// groupNeeded returns the fewest shared words that reach StoryOverlap
// for signatures of la and lb words: ⌈StoryOverlap·min(la, lb)⌉.
func groupNeeded(la, lb int) int {
	return (groupOverlapNum*min(la, lb) + groupOverlapDen - 1) / groupOverlapDen
}

// groupHash hashes a token: FNV-1a, then a finalizer so every output bit
// depends on every input byte (SimHash needs independent bits; FNV's high
// bits are weak on short input).
func groupHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// groupWords splits s into stemmed, lower-cased key words and calls emit
// for each, stopping after limit words (-1: no limit; in scripts written
// without spaces two character pairs count as one word). buf is scratch
// space for building tokens.
func groupWords(s string, buf []byte, limit int, emit func([]byte)) {
	words := 0 // in character pairs for spaceless scripts, words otherwise, doubled
	tok := buf[:0]
	runes := 0     // runes in tok
	digits := true // tok is all digits
	var prev rune  // previous rune, when of a spaceless script
	prevSpaceless := false
	full := func() bool { return limit >= 0 && words >= 2*limit }
	flush := func() bool {
		if len(tok) > 0 && groupKeep(tok, runes, digits) {
			words += 2
			emit(tok)
		}
		tok, runes, digits = tok[:0], 0, true
		return !full()
	}
	for i, r := range s {
		if groupSpaceless(r) {
			if !flush() {
				return
			}
			// Pairs of hiragana are mostly particles and inflections
			// (は, を, ました): Japanese function words.
			if prevSpaceless && !(unicode.Is(unicode.Hiragana, prev) && unicode.Is(unicode.Hiragana, r)) {
				var pair [2 * utf8.UTFMax]byte
				n := utf8.EncodeRune(pair[:], prev)
				n += utf8.EncodeRune(pair[n:], r)
				words++
				emit(pair[:n])
				if full() {
					return
				}
			}
			prev, prevSpaceless = r, true
			continue
		}
		prevSpaceless = false
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if runes < groupStem {
				tok = utf8.AppendRune(tok, unicode.ToLower(r))
				runes++
			}
			if !unicode.IsDigit(r) {
				digits = false
			}
		case (r == ',' || r == '.') && digits && runes > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			// Thousands separators and decimal points inside numbers.
		default:
			if !flush() {
				return
			}
		}
	}
	flush()
}

// groupSpaceless reports whether r belongs to a script written without
// spaces between words.
func groupSpaceless(r rune) bool {
	return r >= 0x0E00 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// groupKeep reports whether a word carries meaning: numbers of two digits
// or more, other words of three letters or more that are not function
// words.
func groupKeep(tok []byte, runes int, digits bool) bool {
	if digits {
		return runes >= 2
	}
	return runes >= 3 && !groupStop[string(tok)]
}

// groupStop lists function words (cut to groupStem runes) of English and
// the main European languages, and the reporting words every news lead
// uses whatever it reports.
var groupStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{
		// English
		"the", "and", "for", "with", "that", "this", "from", "have", "has", "had", "was", "were",
		"are", "been", "being", "will", "would", "should", "could", "can", "may", "might", "must",
		"its", "their", "they", "them", "his", "her", "hers", "she", "him", "who", "whom", "whose",
		"what", "which", "when", "where", "why", "how", "than", "then", "there", "these", "those",
		"about", "after", "before", "into", "onto", "over", "under", "also", "but", "not", "more",
		"most", "some", "such", "only", "other", "our", "out", "all", "any", "each", "both", "few",
		"one", "two", "new", "just", "very", "while", "during", "since", "until", "between",
		"against", "through", "because", "does", "did", "done", "per", "via", "yet", "nor", "off",
		"said", "says", "say", "told", "tells", "according", "reported", "reports", "report",
		"news", "agency", "official", "officials", "monday", "tuesday", "wednesday", "thursday",
		"friday", "saturday", "sunday", "year", "years", "week", "day", "days", "time", "first",
		"last", "earlier", "later", "people", "including", "least", "sources", "statement", "you",
		"your",
		// French, Spanish, Portuguese, Italian, German, Dutch
		"les", "des", "une", "pour", "dans", "est", "qui", "que", "par", "sur", "avec", "pas",
		"plus", "son", "ses", "aux", "los", "las", "del", "una", "por", "para", "con", "como",
		"más", "sus", "uma", "não", "dos", "das", "com", "della", "delle", "degli", "nel",
		"che", "gli", "der", "die", "und", "den", "dem", "ein", "eine", "einen", "nicht", "mit",
		"von", "auf", "für", "ist", "sich", "auch", "het", "een", "van", "voor", "met", "niet",
		"zijn",
	} {
		r := []rune(w)
		m[string(r[:min(len(r), groupStem)])] = true
	}
	return m
}()

// StoryIndex finds the story a new report belongs to among the reports of
// the last StoryWindow. It is an inverted index from key word to reports,
// split by the reports' sizes.
//
// A report of m words is the same story as a query of n words only if
// they share need(n, m) = max(StoryMinShared, ⌈StoryOverlap·min(n, m)⌉)
// words; so among reports of at least m words, every match contains one
// of the query's n - need(n, m) + 1 rarest words (all but the need-1 most
// common). Match reads only those postings, per size class, and never the
// long lists of the words every report on the topic shares ("ukraine",
// "russia"). Candidates are then checked exactly, so Match agrees with
// SameStory.
//
// Matches may run at once; Add must run alone (a sync.RWMutex around the
// index fits: Match under the read lock, Add under the write lock).
type StoryIndex struct {
	entries []groupEntry
	// sizes and blooms are per entry, kept apart from the (much larger)
	// entries so that pruning candidates reads little memory.
	sizes  []uint16
	blooms []groupBloom
	// postings maps a word to the entries holding it, by size class.
	postings map[uint32]*groupPostings
	head     int // entries[:head] were evicted
	dead     int // evicted entries not yet compacted away

	// scratch holds *groupScratch values, so that Matches can run at once.
	scratch sync.Pool
}

// groupScratch is the working space of one Match.
type groupScratch struct {
	counts  []uint16
	touched []int32
	query   []groupQueryWord
	byDF    []groupDF
	rest    [len(groupClasses)][]uint32 // per class, the query words not scanned
}

type groupPostings [len(groupClasses)][]int32

type groupQueryWord struct {
	term uint32
	p    *groupPostings
}

type groupDF struct {
	df   int
	term uint32
	list []int32
}

// groupBloom is a 256-bit Bloom filter of a report's words (three bits
// each): a word whose bits are not all set is not among them. For a
// report of 35 words, 4 % of other words pass.
type groupBloom [4]uint64

func (b *groupBloom) add(t uint32) {
	for h := range 3 {
		bit := t >> (8 * h) & 255
		b[bit>>6] |= 1 << (bit & 63)
	}
}

func (b *groupBloom) has(t uint32) bool {
	for h := range 3 {
		bit := t >> (8 * h) & 255
		if b[bit>>6]&(1<<(bit&63)) == 0 {
			return false
		}
	}
	return true
}

type groupEntry struct {
	story int64
	sig   Signature
	at    time.Time
	live  bool
}

// groupClasses are the lower bounds of the size classes, in words.
var groupClasses = [...]int{StoryMinShared, 15, 20, 25, 30, 35, 45, 60}

// groupClass returns the size class of a signature of m words.
func groupClass(m int) uint8 {
	c := 0
	for c+1 < len(groupClasses) && m >= groupClasses[c+1] {
		c++
	}
	return uint8(c)
}

// NewStoryIndex returns an empty index.
func NewStoryIndex() *StoryIndex {
	return &StoryIndex{postings: map[uint32]*groupPostings{}}
}

// Len returns the number of reports held.
func (x *StoryIndex) Len() int { return len(x.entries) - x.dead }

// Add records that story has a report with signature sig seen at at, and
// evicts reports seen more than StoryWindow before at. A signature of
// fewer than StoryMinShared words can match nothing and is not kept.
// Reports are expected roughly in time order; one added late is matched
// correctly and evicted once the reports added before it are.
func (x *StoryIndex) Add(story int64, sig Signature, at time.Time) {
	x.evict(at)
	m := len(sig.terms)
	if m < StoryMinShared {
		return
	}
	x.entries = append(x.entries, groupEntry{story: story, sig: sig, at: at, live: true})
	x.index(len(x.entries) - 1)
}

// index adds entry pos to the postings, sizes and blooms.
func (x *StoryIndex) index(pos int) {
	terms := x.entries[pos].sig.terms
	class := groupClass(len(terms))
	var bloom groupBloom
	for _, t := range terms {
		p := x.postings[t]
		if p == nil {
			p = new(groupPostings)
			x.postings[t] = p
		}
		p[class] = append(p[class], int32(pos))
		bloom.add(t)
	}
	x.sizes = append(x.sizes, uint16(min(len(terms), 1<<16-1)))
	x.blooms = append(x.blooms, bloom)
}

// Match returns the story of the report most like sig (highest overlap,
// then most shared words, then seen first) among those seen within
// StoryWindow up to now that are the same story as sig. ok is false when
// there is none.
func (x *StoryIndex) Match(sig Signature, now time.Time) (story int64, ok bool) {
	n := len(sig.terms)
	if n < StoryMinShared {
		return 0, false
	}
	sc, _ := x.scratch.Get().(*groupScratch)
	if sc == nil {
		sc = new(groupScratch)
	}
	defer x.scratch.Put(sc)
	if cap(sc.counts) < len(x.entries) {
		sc.counts = make([]uint16, len(x.entries), cap(x.entries))
	}
	sc.counts = sc.counts[:len(x.entries)]

	// One lookup per word; scan reads each class's lists from here.
	sc.query = sc.query[:0]
	for _, t := range sig.terms {
		if p := x.postings[t]; p != nil {
			sc.query = append(sc.query, groupQueryWord{t, p})
		}
	}
	for c := range groupClasses {
		need := max(StoryMinShared, groupNeeded(n, groupClasses[c]))
		x.scan(sc, sig, uint8(c), n-need+1)
	}

	since := now.Add(-StoryWindow)
	best := int32(-1)
	bestShared, bestLen := 0, 0
	for _, pos := range sc.touched {
		shared := int(sc.counts[pos])
		sc.counts[pos] = 0
		m := int(x.sizes[pos])
		need := max(StoryMinShared, groupNeeded(n, m))
		rest := sc.rest[groupClass(m)]
		// The scanned words are counted; look the others up in the
		// report's words, stopping as soon as need is out of reach.
		if shared+len(rest) < need {
			continue
		}
		bloom := &x.blooms[pos]
		var e *groupEntry
		for i, t := range rest {
			if shared+len(rest)-i < need {
				break
			}
			if !bloom.has(t) {
				continue
			}
			if e == nil {
				e = &x.entries[pos]
			}
			if _, found := slices.BinarySearch(e.sig.terms, t); found {
				shared++
			}
		}
		if shared < need {
			continue
		}
		if e == nil {
			e = &x.entries[pos]
		}
		if !e.live || e.at.Before(since) || e.at.After(now) {
			continue
		}
		if best < 0 || groupBetter(shared, min(n, m), e, bestShared, bestLen, &x.entries[best]) {
			best, bestShared, bestLen = pos, shared, min(n, m)
		}
	}
	sc.touched = sc.touched[:0]
	if best < 0 {
		return 0, false
	}
	return x.entries[best].story, true
}

// scan counts, for every report of size class c, how many of the k
// rarest (in that class) words of sig it holds, and keeps the other words
// of sig found in the class in sc.rest[c].
func (x *StoryIndex) scan(sc *groupScratch, sig Signature, c uint8, k int) {
	sc.rest[c] = sc.rest[c][:0]
	sc.byDF = sc.byDF[:0]
	for _, w := range sc.query {
		if list := w.p[c]; len(list) > 0 {
			sc.byDF = append(sc.byDF, groupDF{len(list), w.term, list})
		}
	}
	slices.SortFunc(sc.byDF, func(a, b groupDF) int { return a.df - b.df })
	// Words absent from the class are the rarest of all: they use up
	// part of the k without anything to scan.
	k -= len(sig.terms) - len(sc.byDF)
	for i, w := range sc.byDF {
		if i >= k+groupExtraScan {
			sc.rest[c] = append(sc.rest[c], w.term)
			continue
		}
		for _, pos := range w.list {
			if sc.counts[pos] == 0 {
				sc.touched = append(sc.touched, pos)
			}
			sc.counts[pos]++
		}
	}
}

// groupBetter orders candidates: higher overlap, then more shared words,
// then seen earlier, then the lower story id.
func groupBetter(shared, length int, e *groupEntry, bShared, bLength int, b *groupEntry) bool {
	// Compare shared/length with bShared/bLength without division.
	if l, r := shared*bLength, bShared*length; l != r {
		return l > r
	}
	if shared != bShared {
		return shared > bShared
	}
	if !e.at.Equal(b.at) {
		return e.at.Before(b.at)
	}
	return e.story < b.story
}

// evict marks reports seen more than StoryWindow before now as gone, and
// compacts the index once they are as many as the live ones.
func (x *StoryIndex) evict(now time.Time) {
	since := now.Add(-StoryWindow)
	for x.head < len(x.entries) && x.entries[x.head].at.Before(since) {
		if x.entries[x.head].live {
			x.entries[x.head].live = false
			x.dead++
		}
		x.head++
	}
	if x.dead > 1024 && x.dead*2 > len(x.entries) {
		x.compact()
	}
}

// compact drops evicted reports and rebuilds the postings.
func (x *StoryIndex) compact() {
	kept := x.entries[:0]
	for _, e := range x.entries {
		if e.live {
			kept = append(kept, e)
		}
	}
	clear(x.entries[len(kept):])
	x.entries = kept
	x.sizes, x.blooms = x.sizes[:0], x.blooms[:0]
	x.head, x.dead = 0, 0
	x.postings = make(map[uint32]*groupPostings, len(x.postings))
	for pos := range x.entries {
		x.index(pos)
	}
}
