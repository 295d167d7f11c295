package bot

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"newsbot"
)

// Topic subscriptions are matched when an article is stored, against
// every subscription at once: a percolator. Each subscription is indexed
// under one anchor term, the rarest-looking of the words it requires; an
// article is tokenized once, each distinct term it holds looks up the
// subscriptions anchored on it, and only those are checked in full.
//
// A topic means what the same text means in /search, which SQLite FTS5
// answers with the tokenizer "porter unicode61 remove_diacritics 2" over
// title and text. So the tokenizer here is FTS5's, ported: the same token
// characters, case folding, diacritics removal and Porter stemmer (the
// original algorithm as FTS5 has it, not the summarizer's NLTK variant,
// which stems "says", "day" and "news" differently). Every word and
// phrase must occur, a phrase as adjacent words of one field (title or
// text); no excluded one may.

// Percolator matches articles against topic subscriptions. Add, Remove
// and Match may be called concurrently.
type Percolator struct {
	mu sync.RWMutex

	// Subscriptions live in slots, so that what Match walks holds no
	// pointers but to term lists: the garbage collector skips most of it.
	slots  map[int64]int32 // subscription ID → slot
	subs   []newsbot.Subscription
	topics []topicEntry
	free   []int32 // empty slots

	terms     map[string]int32 // stem → term id
	stems     []string         // by term id: the stem, "" when free
	refs      []int32          // by term id: topics that use the term
	freeTerms []int32
	anchors   [][]posting // by term id: topics anchored on the term

	guilds map[string]int32 // guild ID → small number

	// version changes with the terms, so that a scratch's cache of
	// what the terms of articles are can tell it is stale.
	version uint64

	scratch sync.Pool // *matchScratch
}

// topicEntry is a subscription's topic as Match checks it.
type topicEntry struct {
	// phrases holds the required phrases, then the excluded ones, each
	// as its length followed by its term ids; nMust counts the required.
	phrases []int32
	nMust   int32
	anchor  int32 // term id, or -1 when paused (not indexed)
	at      int32 // index in anchors[anchor]
	// source is the lower-cased source: filter, "" for none; feedID is
	// the same read as a feed ID (what autocomplete gives), or 0.
	source string
	feedID int64
}

// posting is a topic in its anchor's list, with what Match needs to
// decide the commonest topics (one or two words, nothing excluded, no
// source) without looking at the topic itself.
type posting struct {
	id    int64 // subscription ID
	slot  int32
	guild int32
	// also is the term id of the topic's other word when that and the
	// anchor are all it asks for; -1 when the anchor alone is; noShortcut
	// when the topic must be checked in full.
	also int32
}

// noShortcut marks a posting whose topic Match checks in full.
const noShortcut = -2

// Doc is an article as the percolator reads it, with its feed.
type Doc struct {
	FeedID int64
	// Source is the feed's title, Host the feed's (or the article's) host;
	// a source: filter matches either.
	Source string
	Host   string
	Title  string
	Text   string
	// Guilds are the guilds that follow the feed: only their members'
	// subscriptions can match.
	Guilds []string
}

// parsedTopic is a topic with its terms tokenized as FTS5 tokenizes them.
type parsedTopic struct {
	must, not [][]string
	source    string
}

// NewPercolator returns an empty Percolator.
func NewPercolator() *Percolator {
	return &Percolator{
		slots:  make(map[int64]int32),
		terms:  make(map[string]int32),
		guilds: make(map[string]int32),
	}
}

// CheckTopic reports whether topic can be a subscription's topic: the
// /search syntax with at least one word or phrase to require. The error
// wraps newsbot.ErrInvalid and says what is wrong.
func CheckTopic(topic string) error {
	_, err := parseTopic(topic)
	return err
}

// parseTopic reads a topic in the search syntax. since: is accepted and
// ignored: a subscription looks at new articles only.
func parseTopic(s string) (parsedTopic, error) {
	q, err := newsbot.ParseQuery(s, time.Time{})
	if err != nil {
		return parsedTopic{}, fmt.Errorf("topic %q: %w", s, err)
	}
	var t parsedTopic
	var tz tokenizer
	for _, w := range append(append([]string(nil), q.Words...), q.Phrases...) {
		if p := tz.phrase(w); len(p) > 0 {
			t.must = append(t.must, p)
		}
	}
	if len(t.must) == 0 {
		return parsedTopic{}, newsbot.Invalid(fmt.Errorf("topic %q has no word that search can match: give at least one word of letters or digits", s))
	}
	for _, w := range q.Not {
		if p := tz.phrase(w); len(p) > 0 {
			t.not = append(t.not, p)
		}
	}
	t.source = strings.ToLower(strings.TrimSpace(q.Source))
	return t, nil
}

// Add indexes s, replacing any subscription with the same ID. A paused
// subscription is kept but never matches. An invalid topic is an error
// wrapping newsbot.ErrInvalid, and leaves the percolator as it was.
func (p *Percolator) Add(s newsbot.Subscription) error {
	t, err := parseTopic(s.Topic)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.remove(s.ID)

	e := topicEntry{anchor: -1, nMust: int32(len(t.must)), source: t.source}
	if id, err := strconv.ParseInt(t.source, 10, 64); err == nil {
		e.feedID = id
	}
	for _, ph := range slices.Concat(t.must, t.not) {
		e.phrases = append(e.phrases, int32(len(ph)))
		for _, stem := range ph {
			e.phrases = append(e.phrases, p.intern(stem))
		}
	}

	var slot int32
	if n := len(p.free); n > 0 {
		slot, p.free = p.free[n-1], p.free[:n-1]
	} else {
		slot = int32(len(p.subs))
		p.subs = append(p.subs, newsbot.Subscription{})
		p.topics = append(p.topics, topicEntry{})
	}
	p.slots[s.ID] = slot
	p.subs[slot] = s

	if s.PausedAt.IsZero() {
		e.anchor = p.terms[p.anchorStem(t.must)]
		e.at = int32(len(p.anchors[e.anchor]))
		p.anchors[e.anchor] = append(p.anchors[e.anchor], posting{
			id: s.ID, slot: slot, guild: p.guild(s.GuildID), also: p.shortcut(t, e.anchor),
		})
	}
	p.topics[slot] = e
	return nil
}

// Remove drops the subscription with the given ID, if there is one.
func (p *Percolator) Remove(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.remove(id)
}

// Len returns how many subscriptions the percolator holds, paused ones
// included.
func (p *Percolator) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.slots)
}

func (p *Percolator) remove(id int64) {
	slot, ok := p.slots[id]
	if !ok {
		return
	}
	delete(p.slots, id)
	e := &p.topics[slot]
	if e.anchor >= 0 {
		list := p.anchors[e.anchor]
		last := list[len(list)-1]
		list[e.at] = last
		p.topics[last.slot].at = e.at
		p.anchors[e.anchor] = list[:len(list)-1]
	}
	for i := 0; i < len(e.phrases); i += 1 + int(e.phrases[i]) {
		for _, t := range e.phrases[i+1 : i+1+int(e.phrases[i])] {
			p.release(t)
		}
	}
	p.subs[slot] = newsbot.Subscription{}
	p.topics[slot] = topicEntry{}
	p.free = append(p.free, slot)
}

// guild returns the small number of a guild ID. Numbers are not reused:
// they are bounded by the guilds the bot has known.
func (p *Percolator) guild(id string) int32 {
	g, ok := p.guilds[id]
	if !ok {
		g = int32(len(p.guilds))
		p.guilds[id] = g
	}
	return g
}

// intern returns the term id of stem, counting one more use of it.
func (p *Percolator) intern(stem string) int32 {
	id, ok := p.terms[stem]
	if !ok {
		if n := len(p.freeTerms); n > 0 {
			id, p.freeTerms = p.freeTerms[n-1], p.freeTerms[:n-1]
		} else {
			id = int32(len(p.refs))
			p.refs = append(p.refs, 0)
			p.stems = append(p.stems, "")
			p.anchors = append(p.anchors, nil)
		}
		p.terms[stem] = id
		p.stems[id] = stem
		p.version++
	}
	p.refs[id]++
	return id
}

// shortcut returns the posting's also for a topic anchored on anchor.
func (p *Percolator) shortcut(t parsedTopic, anchor int32) int32 {
	if len(t.not) > 0 || t.source != "" {
		return noShortcut
	}
	others := int32(-1)
	for _, ph := range t.must {
		if len(ph) != 1 {
			return noShortcut
		}
		if id := p.terms[ph[0]]; id != anchor {
			if others >= 0 && others != id {
				return noShortcut
			}
			others = id
		}
	}
	return others
}

// release drops one use of a term, forgetting it at none.
func (p *Percolator) release(id int32) {
	if p.refs[id]--; p.refs[id] > 0 {
		return
	}
	delete(p.terms, p.stems[id])
	p.stems[id] = ""
	p.version++
	p.anchors[id] = nil
	p.freeTerms = append(p.freeTerms, id)
}

// anchorStem returns the required stem that looks rarest: not a common
// word, then the longest, then the first in byte order.
func (p *Percolator) anchorStem(must [][]string) string {
	best := ""
	for _, ph := range must {
		for _, stem := range ph {
			if best == "" || rarer(stem, best) {
				best = stem
			}
		}
	}
	return best
}

// rarer reports whether stem a is likely rarer in news than stem b.
func rarer(a, b string) bool {
	if ca, cb := commonStems[a], commonStems[b]; ca != cb {
		return cb
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a < b
}

// commonStems are stems of words too frequent in news to be good
// anchors: function words, reporting verbs and the commonest nouns.
var commonStems = func() map[string]bool {
	words := strings.Fields(`a about after again against all also an and any are as at
		be been before being between both but by can could did do does during each
		for from had has have he her here him his how i if in into is it its just
		me more most my new no not now of off on one only or other our out over own
		said same say says she should so some such than that the their them then
		there these they this those through to too two under up very was we were
		what when where which while who will with would year years you your
		people time told last first three week day government world
		percent per cent million billion us uk mr ms`)
	m := make(map[string]bool, len(words))
	var tz tokenizer
	for _, w := range words {
		for _, stem := range tz.phrase(w) {
			m[stem] = true
		}
	}
	return m
}()

// matchScratch is the per-call state of Match, pooled.
type matchScratch struct {
	gen     uint32
	seen    []uint32 // by term id: gen when the doc holds the term
	first   []int32  // by term id: first position of the term
	last    []int32  // by term id: last position of the term so far
	guildOK []uint32 // by guild number: gen when the doc's feed is followed there
	next    []int32  // by position: next position of the same term, or -1
	ids     []int32  // by position: term id, or -1 for a term no topic uses
	present []int32  // distinct term ids of the doc, in order of first use
	hits    []posting
	sorted  []posting // room for sorting hits
	tz      tokenizer
	// words caches the term id (-1 for none) of each word, as folded
	// before stemming, seen in articles while version was current: most
	// words of an article were in earlier ones, and a lookup costs less
	// than stemming.
	words   map[string]int32
	version uint64
}

// maxCachedWords bounds a scratch's word cache.
const maxCachedWords = 1 << 16

// Match returns the subscriptions that d matches, in ID order: those of
// the guilds in d.Guilds, not paused, whose topic d satisfies.
func (p *Percolator) Match(d Doc) []TopicHit {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if len(p.slots) == 0 {
		return nil
	}
	sc, _ := p.scratch.Get().(*matchScratch)
	if sc == nil {
		sc = &matchScratch{}
	}
	defer p.scratch.Put(sc)
	sc.reset(len(p.refs), len(p.guilds))
	if sc.words == nil || sc.version != p.version || len(sc.words) > maxCachedWords {
		if sc.words == nil {
			sc.words = make(map[string]int32)
		}
		clear(sc.words)
		sc.version = p.version
	}

	followed := false
	for _, g := range d.Guilds {
		if n, ok := p.guilds[g]; ok {
			sc.guildOK[n] = sc.gen
			followed = true
		}
	}
	if !followed {
		return nil
	}
	p.scan(sc, d.Title)
	sc.ids = append(sc.ids, -1) // a phrase does not run from title into text
	sc.next = append(sc.next, -1)
	p.scan(sc, d.Text)

	var source, host string
	for _, t := range sc.present {
		for _, ps := range p.anchors[t] {
			if sc.guildOK[ps.guild] != sc.gen {
				continue
			}
			switch {
			case ps.also == -1:
			case ps.also >= 0:
				if sc.seen[ps.also] != sc.gen {
					continue
				}
			default:
				e := &p.topics[ps.slot]
				if !sc.satisfies(e) {
					continue
				}
				if e.source != "" {
					if source == "" && host == "" {
						source, host = strings.ToLower(d.Source), strings.ToLower(d.Host)
					}
					if (e.feedID == 0 || e.feedID != d.FeedID) && !strings.Contains(source, e.source) && !strings.Contains(host, e.source) {
						continue
					}
				}
			}
			sc.hits = append(sc.hits, ps)
		}
	}
	if len(sc.hits) == 0 {
		return nil
	}
	sc.sortHits()
	out := make([]TopicHit, len(sc.hits))
	for i, h := range sc.hits {
		s := &p.subs[h.slot]
		out[i] = TopicHit{ID: s.ID, GuildID: s.GuildID, UserID: s.UserID}
	}
	return out
}

// TopicHit is a subscription an article matched: what a match record
// needs, without copying the whole subscription.
type TopicHit struct {
	ID      int64
	GuildID string
	UserID  string
}

// sortHits puts sc.hits in subscription ID order. An article can match
// thousands of topics, so it sorts by radix, a byte of the IDs at a
// time, skipping bytes that all IDs share.
func (sc *matchScratch) sortHits() {
	hits := sc.hits
	if len(hits) < 64 {
		slices.SortFunc(hits, func(a, b posting) int { return cmp.Compare(a.id, b.id) })
		return
	}
	key := func(h posting) uint64 { return uint64(h.id) ^ 1<<63 } // negative IDs first
	var and, or uint64 = ^uint64(0), 0
	for _, h := range hits {
		and &= key(h)
		or |= key(h)
	}
	if cap(sc.sorted) < len(hits) {
		sc.sorted = make([]posting, len(hits))
	}
	src, dst := hits, sc.sorted[:len(hits)]
	for shift := uint(0); shift < 64; shift += 8 {
		if (and^or)>>shift&0xFF == 0 {
			continue // every ID has the same byte here
		}
		var count [257]int
		for _, h := range src {
			count[key(h)>>shift&0xFF+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, h := range src {
			b := key(h) >> shift & 0xFF
			dst[count[b]] = h
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &hits[0] {
		copy(hits, src)
	}
}

// reset readies sc for a doc, with room for terms and guilds.
func (sc *matchScratch) reset(terms, guilds int) {
	if sc.gen++; sc.gen == 0 {
		clear(sc.seen)
		clear(sc.guildOK)
		sc.gen = 1
	}
	if len(sc.seen) < terms {
		sc.seen = append(sc.seen, make([]uint32, terms-len(sc.seen))...)
		sc.first = append(sc.first, make([]int32, terms-len(sc.first))...)
		sc.last = append(sc.last, make([]int32, terms-len(sc.last))...)
	}
	if len(sc.guildOK) < guilds {
		sc.guildOK = append(sc.guildOK, make([]uint32, guilds-len(sc.guildOK))...)
	}
	sc.ids, sc.next, sc.present, sc.hits = sc.ids[:0], sc.next[:0], sc.present[:0], sc.hits[:0]
}

// scan appends the tokens of text to sc's positions, noting the terms
// that topics use.
func (p *Percolator) scan(sc *matchScratch, text string) {
	sc.tz.reset(text)
	for {
		word, ok := sc.tz.nextWord()
		if !ok {
			return
		}
		pos := int32(len(sc.ids))
		id, cached := sc.words[string(word)]
		if !cached {
			key := string(word)
			var known bool
			if id, known = p.terms[string(porterStem(word))]; !known {
				id = -1
			}
			sc.words[key] = id
		}
		sc.ids = append(sc.ids, id)
		sc.next = append(sc.next, -1)
		if id < 0 {
			continue
		}
		if sc.seen[id] != sc.gen {
			sc.seen[id] = sc.gen
			sc.first[id], sc.last[id] = pos, pos
			sc.present = append(sc.present, id)
			continue
		}
		sc.next[sc.last[id]], sc.last[id] = pos, pos
	}
}

// satisfies reports whether the doc in sc holds every required phrase of
// e and no excluded one.
func (sc *matchScratch) satisfies(e *topicEntry) bool {
	n := int32(0)
	for i := 0; i < len(e.phrases); i += 1 + int(e.phrases[i]) {
		if sc.has(e.phrases[i+1:i+1+int(e.phrases[i])]) != (n < e.nMust) {
			return false
		}
		n++
	}
	return true
}

// has reports whether the doc holds the phrase: its terms at consecutive
// positions.
func (sc *matchScratch) has(ph []int32) bool {
	for _, t := range ph {
		if sc.seen[t] != sc.gen {
			return false
		}
	}
	if len(ph) == 1 {
		return true
	}
	for at := sc.first[ph[0]]; at >= 0; at = sc.next[at] {
		if int(at)+len(ph) > len(sc.ids) {
			return false
		}
		k := 1
		for k < len(ph) && sc.ids[int(at)+k] == ph[k] {
			k++
		}
		if k == len(ph) {
			return true
		}
	}
	return false
}

// The tokenizer is SQLite FTS5's "porter unicode61 remove_diacritics 2",
// ported from fts5_tokenize.c and fts5_unicode2.c: tokens are runs of
// letters (L*), numbers (N*) and private-use characters (Co), which may
// carry combining diacritics; each is case-folded, stripped of
// diacritics, and, when 3 to 64 bytes long, stemmed.
type tokenizer struct {
	s   string
	i   int
	buf []byte
}

func (tz *tokenizer) reset(s string) { tz.s, tz.i = s, 0 }

// phrase returns the stems of s as FTS5 reads a quoted string: a phrase.
func (tz *tokenizer) phrase(s string) []string {
	var out []string
	tz.reset(s)
	for {
		tok, ok := tz.next()
		if !ok {
			return out
		}
		out = append(out, string(tok))
	}
}

// next returns the next token, stemmed; it is valid until the next call.
func (tz *tokenizer) next() ([]byte, bool) {
	word, ok := tz.nextWord()
	if !ok {
		return nil, false
	}
	tz.buf = porterStem(word)
	return tz.buf, true
}

// nextWord returns the next token before stemming; it is valid until the
// next call.
func (tz *tokenizer) nextWord() ([]byte, bool) {
	s := tz.s
	out := tz.buf[:0]
	// Skip separators up to the first token character.
	i := tz.i
	for {
		if i >= len(s) {
			tz.i = i
			return nil, false
		}
		if c := s[i]; c < 0x80 {
			if asciiToken[c] {
				break
			}
			i++
			continue
		}
		r, n := decodeRune(s, i)
		i = n
		if isTokenRune(r) {
			out = appendFolded(out, r)
			break
		}
	}
	for i < len(s) {
		c := s[i]
		if c < 0x80 {
			if !asciiToken[c] {
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := decodeRune(s, i)
		if !isTokenRune(r) && !isDiacritic(r) {
			i = n // FTS5 steps over the separator that ends a token
			break
		}
		out = appendFolded(out, r)
		i = n
	}
	tz.i = i
	tz.buf = out
	return out, true
}

// asciiToken marks the ASCII letters and digits.
var asciiToken = func() (t [128]bool) {
	for c := range 128 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// utf8Trans1 decodes the first byte of a multi-byte UTF-8 sequence, as
// SQLite does.
var utf8Trans1 = [64]byte{
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
}

// decodeRune reads the character at s[i] (not ASCII) as SQLite's
// READ_UTF8 does, invalid sequences included, and returns it with the
// index after it.
func decodeRune(s string, i int) (rune, int) {
	c := uint32(s[i])
	i++
	if c >= 0xc0 {
		c = uint32(utf8Trans1[c-0xc0])
		for i < len(s) && s[i]&0xc0 == 0x80 {
			c = c<<6 + uint32(s[i]&0x3f)
			i++
		}
		if c < 0x80 || c&0xFFFFF800 == 0xD800 || c&0xFFFFFFFE == 0xFFFE {
			c = 0xFFFD
		}
	}
	return rune(c), i
}

// isTokenRune reports whether a non-ASCII character is a token
// character: one that FTS5's tables do not file as a separator.
func isTokenRune(r rune) bool {
	lo, hi := 0, len(fts5Separators)
	for lo < hi {
		mid := (lo + hi) / 2
		switch sep := fts5Separators[mid]; {
		case r < sep[0]:
			hi = mid
		case r > sep[1]:
			lo = mid + 1
		default:
			return false
		}
	}
	return true
}

// fts5Separators are the non-ASCII characters FTS5's unicode61 does not
// count as token characters, as ranges: those its tables (of an older
// Unicode) file under other categories than L*, N* and Co. A character
// they do not know, such as most emoji, is a token character there.
// TestTokenizerAgreesWithFTS5 checks every code point against SQLite.
var fts5Separators = [...][2]rune{
	{0x0080, 0x00A9}, {0x00AB, 0x00B1}, {0x00B4, 0x00B4}, {0x00B6, 0x00B8}, {0x00BB, 0x00BB}, {0x00BF, 0x00BF},
	{0x00D7, 0x00D7}, {0x00F7, 0x00F7}, {0x02C2, 0x02C5}, {0x02D2, 0x02DF}, {0x02E5, 0x02EB}, {0x02ED, 0x02ED},
	{0x02EF, 0x036F}, {0x0375, 0x0375}, {0x037E, 0x037E}, {0x0384, 0x0385}, {0x0387, 0x0387}, {0x03F6, 0x03F6},
	{0x0482, 0x0489}, {0x055A, 0x055F}, {0x0589, 0x058A}, {0x058F, 0x058F}, {0x0591, 0x05C7}, {0x05F3, 0x05F4},
	{0x0600, 0x0604}, {0x0606, 0x061B}, {0x061E, 0x061F}, {0x064B, 0x065F}, {0x066A, 0x066D}, {0x0670, 0x0670},
	{0x06D4, 0x06D4}, {0x06D6, 0x06E4}, {0x06E7, 0x06ED}, {0x06FD, 0x06FE}, {0x0700, 0x070D}, {0x070F, 0x070F},
	{0x0711, 0x0711}, {0x0730, 0x074A}, {0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x07F6, 0x07F9}, {0x0816, 0x0819},
	{0x081B, 0x0823}, {0x0825, 0x0827}, {0x0829, 0x082D}, {0x0830, 0x083E}, {0x0859, 0x085B}, {0x085E, 0x085E},
	{0x08E4, 0x08FE}, {0x0900, 0x0903}, {0x093A, 0x093C}, {0x093E, 0x094F}, {0x0951, 0x0957}, {0x0962, 0x0965},
	{0x0970, 0x0970}, {0x0981, 0x0983}, {0x09BC, 0x09BC}, {0x09BE, 0x09C4}, {0x09C7, 0x09C8}, {0x09CB, 0x09CD},
	{0x09D7, 0x09D7}, {0x09E2, 0x09E3}, {0x09F2, 0x09F3}, {0x09FA, 0x09FB}, {0x0A01, 0x0A03}, {0x0A3C, 0x0A3C},
	{0x0A3E, 0x0A42}, {0x0A47, 0x0A48}, {0x0A4B, 0x0A4D}, {0x0A51, 0x0A51}, {0x0A70, 0x0A71}, {0x0A75, 0x0A75},
	{0x0A81, 0x0A83}, {0x0ABC, 0x0ABC}, {0x0ABE, 0x0AC5}, {0x0AC7, 0x0AC9}, {0x0ACB, 0x0ACD}, {0x0AE2, 0x0AE3},
	{0x0AF0, 0x0AF1}, {0x0B01, 0x0B03}, {0x0B3C, 0x0B3C}, {0x0B3E, 0x0B44}, {0x0B47, 0x0B48}, {0x0B4B, 0x0B4D},
	{0x0B56, 0x0B57}, {0x0B62, 0x0B63}, {0x0B70, 0x0B70}, {0x0B82, 0x0B82}, {0x0BBE, 0x0BC2}, {0x0BC6, 0x0BC8},
	{0x0BCA, 0x0BCD}, {0x0BD7, 0x0BD7}, {0x0BF3, 0x0BFA}, {0x0C01, 0x0C03}, {0x0C3E, 0x0C44}, {0x0C46, 0x0C48},
	{0x0C4A, 0x0C4D}, {0x0C55, 0x0C56}, {0x0C62, 0x0C63}, {0x0C7F, 0x0C7F}, {0x0C82, 0x0C83}, {0x0CBC, 0x0CBC},
	{0x0CBE, 0x0CC4}, {0x0CC6, 0x0CC8}, {0x0CCA, 0x0CCD}, {0x0CD5, 0x0CD6}, {0x0CE2, 0x0CE3}, {0x0D02, 0x0D03},
	{0x0D3E, 0x0D44}, {0x0D46, 0x0D48}, {0x0D4A, 0x0D4D}, {0x0D57, 0x0D57}, {0x0D62, 0x0D63}, {0x0D79, 0x0D79},
	{0x0D82, 0x0D83}, {0x0DCA, 0x0DCA}, {0x0DCF, 0x0DD4}, {0x0DD6, 0x0DD6}, {0x0DD8, 0x0DDF}, {0x0DF2, 0x0DF4},
	{0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E3F, 0x0E3F}, {0x0E47, 0x0E4F}, {0x0E5A, 0x0E5B}, {0x0EB1, 0x0EB1},
	{0x0EB4, 0x0EB9}, {0x0EBB, 0x0EBC}, {0x0EC8, 0x0ECD}, {0x0F01, 0x0F1F}, {0x0F34, 0x0F3F}, {0x0F71, 0x0F87},
	{0x0F8D, 0x0F97}, {0x0F99, 0x0FBC}, {0x0FBE, 0x0FCC}, {0x0FCE, 0x0FDA}, {0x102B, 0x103E}, {0x104A, 0x104F},
	{0x1056, 0x1059}, {0x105E, 0x1060}, {0x1062, 0x1064}, {0x1067, 0x106D}, {0x1071, 0x1074}, {0x1082, 0x108D},
	{0x108F, 0x108F}, {0x109A, 0x109F}, {0x10FB, 0x10FB}, {0x135D, 0x1368}, {0x1390, 0x1399}, {0x1400, 0x1400},
	{0x166D, 0x166E}, {0x1680, 0x1680}, {0x169B, 0x169C}, {0x16EB, 0x16ED}, {0x1712, 0x1714}, {0x1732, 0x1736},
	{0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17D6}, {0x17D8, 0x17DB}, {0x17DD, 0x17DD}, {0x1800, 0x180E},
	{0x18A9, 0x18A9}, {0x1920, 0x192B}, {0x1930, 0x193B}, {0x1940, 0x1940}, {0x1944, 0x1945}, {0x19B0, 0x19C0},
	{0x19C8, 0x19C9}, {0x19DE, 0x19FF}, {0x1A17, 0x1A1B}, {0x1A1E, 0x1A1F}, {0x1A55, 0x1A5E}, {0x1A60, 0x1A7C},
	{0x1A7F, 0x1A7F}, {0x1AA0, 0x1AA6}, {0x1AA8, 0x1AAD}, {0x1B00, 0x1B04}, {0x1B34, 0x1B44}, {0x1B5A, 0x1B7C},
	{0x1B80, 0x1B82}, {0x1BA1, 0x1BAD}, {0x1BE6, 0x1BF3}, {0x1BFC, 0x1BFF}, {0x1C24, 0x1C37}, {0x1C3B, 0x1C3F},
	{0x1C7E, 0x1C7F}, {0x1CC0, 0x1CC7}, {0x1CD0, 0x1CE8}, {0x1CED, 0x1CED}, {0x1CF2, 0x1CF4}, {0x1DC0, 0x1DE6},
	{0x1DFC, 0x1DFF}, {0x1FBD, 0x1FBD}, {0x1FBF, 0x1FC1}, {0x1FCD, 0x1FCF}, {0x1FDD, 0x1FDF}, {0x1FED, 0x1FEF},
	{0x1FFD, 0x1FFE}, {0x2000, 0x2064}, {0x206A, 0x206F}, {0x207A, 0x207E}, {0x208A, 0x208E}, {0x20A0, 0x20B9},
	{0x20D0, 0x20F0}, {0x2100, 0x2101}, {0x2103, 0x2106}, {0x2108, 0x2109}, {0x2114, 0x2114}, {0x2116, 0x2118},
	{0x211E, 0x2123}, {0x2125, 0x2125}, {0x2127, 0x2127}, {0x2129, 0x2129}, {0x212E, 0x212E}, {0x213A, 0x213B},
	{0x2140, 0x2144}, {0x214A, 0x214D}, {0x214F, 0x214F}, {0x2190, 0x23F3}, {0x2400, 0x2426}, {0x2440, 0x244A},
	{0x249C, 0x24E9}, {0x2500, 0x26FF}, {0x2701, 0x2775}, {0x2794, 0x2B4C}, {0x2B50, 0x2B59}, {0x2CE5, 0x2CEA},
	{0x2CEF, 0x2CF1}, {0x2CF9, 0x2CFC}, {0x2CFE, 0x2CFF}, {0x2D70, 0x2D70}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2E2E},
	{0x2E30, 0x2E3B}, {0x2E80, 0x2E99}, {0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x2FF0, 0x2FFB}, {0x3000, 0x3004},
	{0x3008, 0x3020}, {0x302A, 0x3030}, {0x3036, 0x3037}, {0x303D, 0x303F}, {0x3099, 0x309C}, {0x30A0, 0x30A0},
	{0x30FB, 0x30FB}, {0x3190, 0x3191}, {0x3196, 0x319F}, {0x31C0, 0x31E3}, {0x3200, 0x321E}, {0x322A, 0x3247},
	{0x3250, 0x3250}, {0x3260, 0x327F}, {0x328A, 0x32B0}, {0x32C0, 0x32FE}, {0x3300, 0x33FF}, {0x4DC0, 0x4DFF},
	{0xA490, 0xA4C6}, {0xA4FE, 0xA4FF}, {0xA60D, 0xA60F}, {0xA66F, 0xA67E}, {0xA69F, 0xA69F}, {0xA6F0, 0xA6F7},
	{0xA700, 0xA716}, {0xA720, 0xA721}, {0xA789, 0xA78A}, {0xA802, 0xA802}, {0xA806, 0xA806}, {0xA80B, 0xA80B},
	{0xA823, 0xA82B}, {0xA836, 0xA839}, {0xA874, 0xA877}, {0xA880, 0xA881}, {0xA8B4, 0xA8C4}, {0xA8CE, 0xA8CF},
	{0xA8E0, 0xA8F1}, {0xA8F8, 0xA8FA}, {0xA926, 0xA92F}, {0xA947, 0xA953}, {0xA95F, 0xA95F}, {0xA980, 0xA983},
	{0xA9B3, 0xA9CD}, {0xA9DE, 0xA9DF}, {0xAA29, 0xAA36}, {0xAA43, 0xAA43}, {0xAA4C, 0xAA4D}, {0xAA5C, 0xAA5F},
	{0xAA77, 0xAA79}, {0xAA7B, 0xAA7B}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF},
	{0xAAC1, 0xAAC1}, {0xAADE, 0xAADF}, {0xAAEB, 0xAAF1}, {0xAAF5, 0xAAF6}, {0xABE3, 0xABED}, {0xFB1E, 0xFB1E},
	{0xFB29, 0xFB29}, {0xFBB2, 0xFBC1}, {0xFD3E, 0xFD3F}, {0xFDFC, 0xFDFD}, {0xFE00, 0xFE19}, {0xFE20, 0xFE26},
	{0xFE30, 0xFE52}, {0xFE54, 0xFE66}, {0xFE68, 0xFE6B}, {0xFEFF, 0xFEFF}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF20},
	{0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFE0, 0xFFE6}, {0xFFE8, 0xFFEE}, {0xFFF9, 0xFFFF}, {0x10100, 0x10102},
	{0x10137, 0x1013F}, {0x10179, 0x10189}, {0x10190, 0x1019B}, {0x101D0, 0x101FD}, {0x1039F, 0x1039F}, {0x103D0, 0x103D0},
	{0x10857, 0x10857}, {0x1091F, 0x1091F}, {0x1093F, 0x1093F}, {0x10A01, 0x10A03}, {0x10A05, 0x10A06}, {0x10A0C, 0x10A0F},
	{0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F}, {0x10A50, 0x10A58}, {0x10A7F, 0x10A7F}, {0x10B39, 0x10B3F}, {0x11000, 0x11002},
	{0x11038, 0x1104D}, {0x11080, 0x11082}, {0x110B0, 0x110C1}, {0x11100, 0x11102}, {0x11127, 0x11134}, {0x11140, 0x11143},
	{0x11180, 0x11182}, {0x111B3, 0x111C0}, {0x111C5, 0x111C8}, {0x116AB, 0x116B7}, {0x12470, 0x12473}, {0x16F51, 0x16F7E},
	{0x16F8F, 0x16F92}, {0x1D000, 0x1D0F5}, {0x1D100, 0x1D126}, {0x1D129, 0x1D1DD}, {0x1D200, 0x1D245}, {0x1D300, 0x1D356},
	{0x1D6C1, 0x1D6C1}, {0x1D6DB, 0x1D6DB}, {0x1D6FB, 0x1D6FB}, {0x1D715, 0x1D715}, {0x1D735, 0x1D735}, {0x1D74F, 0x1D74F},
	{0x1D76F, 0x1D76F}, {0x1D789, 0x1D789}, {0x1D7A9, 0x1D7A9}, {0x1D7C3, 0x1D7C3}, {0x1EEF0, 0x1EEF1}, {0x1F000, 0x1F02B},
	{0x1F030, 0x1F093}, {0x1F0A0, 0x1F0AE}, {0x1F0B1, 0x1F0BE}, {0x1F0C1, 0x1F0CF}, {0x1F0D1, 0x1F0DF}, {0x1F110, 0x1F12E},
	{0x1F130, 0x1F16B}, {0x1F170, 0x1F19A}, {0x1F1E6, 0x1F202}, {0x1F210, 0x1F23A}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251},
	{0x1F300, 0x1F320}, {0x1F330, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F380, 0x1F393}, {0x1F3A0, 0x1F3C4}, {0x1F3C6, 0x1F3CA},
	{0x1F3E0, 0x1F3F0}, {0x1F400, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4F7}, {0x1F4F9, 0x1F4FC}, {0x1F500, 0x1F53D},
	{0x1F540, 0x1F543}, {0x1F550, 0x1F567}, {0x1F5FB, 0x1F640}, {0x1F645, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F700, 0x1F773},
	{0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
}

// isDiacritic reports whether r is one of the combining marks FTS5 lets
// continue a token.
func isDiacritic(r rune) bool {
	const mask0, mask1 = 0x08029FDF, 0x000361F8
	switch {
	case r < 768 || r > 817:
		return false
	case r < 768+32:
		return mask0&(1<<(r-768)) != 0
	default:
		return mask1&(1<<(r-768-32)) != 0
	}
}

// appendFolded appends the case-folded, diacritic-free form of r, or
// nothing when that is 0 (a combining mark).
func appendFolded(out []byte, r rune) []byte {
	if r = foldRune(r); r == 0 {
		return out
	}
	// SQLite's WRITE_UTF8, on the code point as unsigned: a broken
	// sequence can read past 31 bits. Valid runes encode as Go encodes
	// them.
	switch c := uint32(r); {
	case c < 0x80:
		return append(out, byte(c))
	case c < 0x800:
		return append(out, byte(0xC0+(c>>6&0x1F)), byte(0x80+(c&0x3F)))
	case c < 0x10000:
		return append(out, byte(0xE0+(c>>12&0x0F)), byte(0x80+(c>>6&0x3F)), byte(0x80+(c&0x3F)))
	default:
		return append(out, byte(0xF0+(c>>18&0x07)), byte(0x80+(c>>12&0x3F)), byte(0x80+(c>>6&0x3F)), byte(0x80+(c&0x3F)))
	}
}

// foldRune is sqlite3Fts5UnicodeFold(r, 2): simple case folding of the
// BMP and Deseret, then diacritics removal.
func foldRune(r rune) rune {
	c := int(r)
	switch {
	case c < 128:
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return rune(c)
	case c < 65536:
		i, lo, hi := 0, 0, len(foldEntries)-1
		for lo <= hi {
			mid := (lo + hi) / 2
			if c >= int(foldEntries[mid].code) {
				i, lo = mid, mid+1
			} else {
				hi = mid - 1
			}
		}
		e := foldEntries[i]
		if c < int(e.code)+int(e.n) && (e.flags&1)&byte(int(e.code)^c) == 0 {
			c = (c + int(foldOffsets[e.flags>>1])) & 0xFFFF
		}
		return rune(removeDiacritic(c))
	case c >= 66560 && c < 66600:
		return rune(c + 40)
	}
	return r
}

// removeDiacritic is fts5_remove_diacritic(c, 1): the ASCII letter of a
// lower-case Latin letter with diacritics, 0 for some combining marks.
func removeDiacritic(c int) int {
	key := uint32(c)<<3 | 7
	i, lo, hi := 0, 0, len(diaKeys)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		if key >= uint32(diaKeys[mid]) {
			i, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	d := int(diaKeys[i])
	if c > d>>3+d&7 {
		return c
	}
	return int(diaChars[i] & 0x7F)
}

// foldEntry is a range of code points folded by adding foldOffsets[flags>>1];
// with flags&1, only every second one from code.
type foldEntry struct {
	code  uint16
	flags byte
	n     byte
}

var foldEntries = [...]foldEntry{
	{65, 14, 26}, {181, 64, 1}, {192, 14, 23},
	{216, 14, 7}, {256, 1, 48}, {306, 1, 6},
	{313, 1, 16}, {330, 1, 46}, {376, 116, 1},
	{377, 1, 6}, {383, 104, 1}, {385, 50, 1},
	{386, 1, 4}, {390, 44, 1}, {391, 0, 1},
	{393, 42, 2}, {395, 0, 1}, {398, 32, 1},
	{399, 38, 1}, {400, 40, 1}, {401, 0, 1},
	{403, 42, 1}, {404, 46, 1}, {406, 52, 1},
	{407, 48, 1}, {408, 0, 1}, {412, 52, 1},
	{413, 54, 1}, {415, 56, 1}, {416, 1, 6},
	{422, 60, 1}, {423, 0, 1}, {425, 60, 1},
	{428, 0, 1}, {430, 60, 1}, {431, 0, 1},
	{433, 58, 2}, {435, 1, 4}, {439, 62, 1},
	{440, 0, 1}, {444, 0, 1}, {452, 2, 1},
	{453, 0, 1}, {455, 2, 1}, {456, 0, 1},
	{458, 2, 1}, {459, 1, 18}, {478, 1, 18},
	{497, 2, 1}, {498, 1, 4}, {502, 122, 1},
	{503, 134, 1}, {504, 1, 40}, {544, 110, 1},
	{546, 1, 18}, {570, 70, 1}, {571, 0, 1},
	{573, 108, 1}, {574, 68, 1}, {577, 0, 1},
	{579, 106, 1}, {580, 28, 1}, {581, 30, 1},
	{582, 1, 10}, {837, 36, 1}, {880, 1, 4},
	{886, 0, 1}, {902, 18, 1}, {904, 16, 3},
	{908, 26, 1}, {910, 24, 2}, {913, 14, 17},
	{931, 14, 9}, {962, 0, 1}, {975, 4, 1},
	{976, 140, 1}, {977, 142, 1}, {981, 146, 1},
	{982, 144, 1}, {984, 1, 24}, {1008, 136, 1},
	{1009, 138, 1}, {1012, 130, 1}, {1013, 128, 1},
	{1015, 0, 1}, {1017, 152, 1}, {1018, 0, 1},
	{1021, 110, 3}, {1024, 34, 16}, {1040, 14, 32},
	{1120, 1, 34}, {1162, 1, 54}, {1216, 6, 1},
	{1217, 1, 14}, {1232, 1, 88}, {1329, 22, 38},
	{4256, 66, 38}, {4295, 66, 1}, {4301, 66, 1},
	{7680, 1, 150}, {7835, 132, 1}, {7838, 96, 1},
	{7840, 1, 96}, {7944, 150, 8}, {7960, 150, 6},
	{7976, 150, 8}, {7992, 150, 8}, {8008, 150, 6},
	{8025, 151, 8}, {8040, 150, 8}, {8072, 150, 8},
	{8088, 150, 8}, {8104, 150, 8}, {8120, 150, 2},
	{8122, 126, 2}, {8124, 148, 1}, {8126, 100, 1},
	{8136, 124, 4}, {8140, 148, 1}, {8152, 150, 2},
	{8154, 120, 2}, {8168, 150, 2}, {8170, 118, 2},
	{8172, 152, 1}, {8184, 112, 2}, {8186, 114, 2},
	{8188, 148, 1}, {8486, 98, 1}, {8490, 92, 1},
	{8491, 94, 1}, {8498, 12, 1}, {8544, 8, 16},
	{8579, 0, 1}, {9398, 10, 26}, {11264, 22, 47},
	{11360, 0, 1}, {11362, 88, 1}, {11363, 102, 1},
	{11364, 90, 1}, {11367, 1, 6}, {11373, 84, 1},
	{11374, 86, 1}, {11375, 80, 1}, {11376, 82, 1},
	{11378, 0, 1}, {11381, 0, 1}, {11390, 78, 2},
	{11392, 1, 100}, {11499, 1, 4}, {11506, 0, 1},
	{42560, 1, 46}, {42624, 1, 24}, {42786, 1, 14},
	{42802, 1, 62}, {42873, 1, 4}, {42877, 76, 1},
	{42878, 1, 10}, {42891, 0, 1}, {42893, 74, 1},
	{42896, 1, 4}, {42912, 1, 10}, {42922, 72, 1},
	{65313, 14, 26},
}

var foldOffsets = [...]uint16{
	1, 2, 8, 15, 16, 26, 28, 32,
	37, 38, 40, 48, 63, 64, 69, 71,
	79, 80, 116, 202, 203, 205, 206, 207,
	209, 210, 211, 213, 214, 217, 218, 219,
	775, 7264, 10792, 10795, 23228, 23256, 30204, 54721,
	54753, 54754, 54756, 54787, 54793, 54809, 57153, 57274,
	57921, 58019, 58363, 61722, 65268, 65341, 65373, 65406,
	65408, 65410, 65415, 65424, 65436, 65439, 65450, 65462,
	65472, 65476, 65478, 65480, 65482, 65488, 65506, 65511,
	65514, 65521, 65527, 65528, 65529,
}

// diaKeys are (first code point << 3 | count) of ranges whose
// diacritics come off to diaChars (high bit: a letter with two or more).
var diaKeys = [...]uint16{
	0, 1797, 1848, 1859, 1891, 1928, 1940, 1995,
	2024, 2040, 2060, 2110, 2168, 2206, 2264, 2286,
	2344, 2383, 2472, 2488, 2516, 2596, 2668, 2732,
	2782, 2842, 2894, 2954, 2984, 3000, 3028, 3336,
	3456, 3696, 3712, 3728, 3744, 3766, 3832, 3896,
	3912, 3928, 3944, 3968, 4008, 4040, 4056, 4106,
	4138, 4170, 4202, 4234, 4266, 4296, 4312, 4344,
	4408, 4424, 4442, 4472, 4488, 4504, 6148, 6198,
	6264, 6280, 6360, 6429, 6505, 6529, 61448, 61468,
	61512, 61534, 61592, 61610, 61642, 61672, 61688, 61704,
	61726, 61784, 61800, 61816, 61836, 61880, 61896, 61914,
	61948, 61998, 62062, 62122, 62154, 62184, 62200, 62218,
	62252, 62302, 62364, 62410, 62442, 62478, 62536, 62554,
	62584, 62604, 62640, 62648, 62656, 62664, 62730, 62766,
	62830, 62890, 62924, 62974, 63032, 63050, 63082, 63118,
	63182, 63242, 63274, 63310, 63368, 63390,
}

// diaMulti marks a letter with two or more diacritics.
const diaMulti = 0x80

var diaChars = [...]byte{
	0, 'a', 'c', 'e', 'i', 'n',
	'o', 'u', 'y', 'y', 'a', 'c',
	'd', 'e', 'e', 'g', 'h', 'i',
	'j', 'k', 'l', 'n', 'o', 'r',
	's', 't', 'u', 'u', 'w', 'y',
	'z', 'o', 'u', 'a', 'i', 'o',
	'u', 'u' | diaMulti, 'a' | diaMulti, 'g', 'k', 'o',
	'o' | diaMulti, 'j', 'g', 'n', 'a' | diaMulti, 'a',
	'e', 'i', 'o', 'r', 'u', 's',
	't', 'h', 'a', 'e', 'o' | diaMulti, 'o',
	'o' | diaMulti, 'y', 0, 0, 0, 0,
	0, 0, 0, 0, 'a', 'b',
	'c' | diaMulti, 'd', 'd', 'e' | diaMulti, 'e', 'e' | diaMulti,
	'f', 'g', 'h', 'h', 'i', 'i' | diaMulti,
	'k', 'l', 'l' | diaMulti, 'l', 'm', 'n',
	'o' | diaMulti, 'p', 'r', 'r' | diaMulti, 'r', 's',
	's' | diaMulti, 't', 'u', 'u' | diaMulti, 'v', 'w',
	'w', 'x', 'y', 'z', 'h', 't',
	'w', 'y', 'a', 'a' | diaMulti, 'a' | diaMulti, 'a' | diaMulti,
	'e', 'e' | diaMulti, 'e' | diaMulti, 'i', 'o', 'o' | diaMulti,
	'o' | diaMulti, 'o' | diaMulti, 'u', 'u' | diaMulti, 'u' | diaMulti, 'y',
}

// porterStem stems a folded token in place as FTS5's porter tokenizer
// does: Martin Porter's original algorithm, on bytes, for tokens of 3 to
// 64 bytes.
func porterStem(w []byte) []byte {
	if len(w) < 3 || len(w) > 64 {
		return w
	}
	w = porterStep1A(w)
	if w2, removed := porterStep1B(w); removed {
		w = w2
		if w2, ok := porterStep1B2(w); ok {
			w = w2
		} else if c := w[len(w)-1]; len(w) >= 2 && !porterVowel(c, false) && c != 'l' && c != 's' && c != 'z' && c == w[len(w)-2] {
			w = w[:len(w)-1]
		} else if porterMEq1(w) && porterOStar(w) {
			w = append(w, 'e')
		}
	} else {
		w = w2
	}
	if w[len(w)-1] == 'y' && porterHasVowel(w[:len(w)-1]) {
		w[len(w)-1] = 'i'
	}
	w = porterStep2(w)
	w = porterStep3(w)
	w = porterStep4(w)
	if n := len(w); w[n-1] == 'e' && (porterMGt1(w[:n-1]) || porterMEq1(w[:n-1]) && !porterOStar(w[:n-1])) {
		w = w[:n-1]
	}
	if n := len(w); n > 1 && w[n-1] == 'l' && w[n-2] == 'l' && porterMGt1(w[:n-1]) {
		w = w[:n-1]
	}
	return w
}

func porterVowel(c byte, yIsVowel bool) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || yIsVowel && c == 'y'
}

// porterGobbleVC returns the length of the shortest prefix of s holding a
// vowel followed by a consonant, or 0.
func porterGobbleVC(s []byte, prevCons bool) int {
	cons := prevCons
	i := 0
	for ; i < len(s); i++ {
		if cons = !porterVowel(s[i], cons); !cons {
			break
		}
	}
	for i++; i < len(s); i++ {
		if cons = !porterVowel(s[i], cons); cons {
			return i + 1
		}
	}
	return 0
}

func porterMGt0(s []byte) bool { return porterGobbleVC(s, false) != 0 }

func porterMGt1(s []byte) bool {
	n := porterGobbleVC(s, false)
	return n != 0 && porterGobbleVC(s[n:], true) != 0
}

func porterMEq1(s []byte) bool {
	n := porterGobbleVC(s, false)
	return n != 0 && porterGobbleVC(s[n:], true) == 0
}

// porterOStar: s ends consonant-vowel-consonant, the last not w, x or y.
func porterOStar(s []byte) bool {
	switch s[len(s)-1] {
	case 'w', 'x', 'y':
		return false
	}
	mask, cons := 0, false
	for _, c := range s {
		cons = !porterVowel(c, cons)
		mask <<= 1
		if cons {
			mask |= 1
		}
	}
	return mask&7 == 5
}

func porterHasVowel(s []byte) bool {
	for i, c := range s {
		if porterVowel(c, i > 0) {
			return true
		}
	}
	return false
}

func porterMGt1SorT(s []byte) bool {
	c := s[len(s)-1]
	return (c == 's' || c == 't') && porterMGt1(s)
}

func porterStep1A(w []byte) []byte {
	n := len(w)
	if w[n-1] != 's' {
		return w
	}
	switch {
	case w[n-2] == 'e':
		if n > 4 && w[n-4] == 's' && w[n-3] == 's' || n > 3 && w[n-3] == 'i' {
			return w[:n-2]
		}
		return w[:n-1]
	case w[n-2] != 's':
		return w[:n-1]
	}
	return w
}

// porterRule replaces suffix by output when the stem before it meets cond.
type porterRule struct {
	suffix, output string
	cond           func([]byte) bool
}

// porterApply tries the rules of one step, keyed by the next-to-last
// letter: the first rule whose suffix matches decides, applied or not.
func porterApply(w []byte, rules []porterRule) ([]byte, bool) {
	for _, r := range rules {
		if len(w) <= len(r.suffix) || string(w[len(w)-len(r.suffix):]) != r.suffix {
			continue
		}
		stem := w[:len(w)-len(r.suffix)]
		if r.cond != nil && !r.cond(stem) {
			return w, false
		}
		return append(stem, r.output...), true
	}
	return w, false
}

func porterStep(w []byte, table *[256][]porterRule) []byte {
	if len(w) < 2 {
		return w
	}
	w, _ = porterApply(w, table[w[len(w)-2]])
	return w
}

// porterStep1B removes -eed (to -ee), -ed and -ing; removed reports an
// -ed or -ing taken off.
func porterStep1B(w []byte) ([]byte, bool) {
	n := len(w)
	switch w[n-2] {
	case 'e':
		if n > 3 && string(w[n-3:]) == "eed" {
			if porterMGt0(w[:n-3]) {
				return w[:n-1], false
			}
			return w, false
		}
		if n > 2 && string(w[n-2:]) == "ed" && porterHasVowel(w[:n-2]) {
			return w[:n-2], true
		}
	case 'n':
		if n > 3 && string(w[n-3:]) == "ing" && porterHasVowel(w[:n-3]) {
			return w[:n-3], true
		}
	}
	return w, false
}

func porterStep1B2(w []byte) ([]byte, bool) {
	if len(w) < 2 {
		return w, false
	}
	return porterApply(w, porterStep1B2Rules[w[len(w)-2]])
}

func porterStep2(w []byte) []byte { return porterStep(w, &porterStep2Rules) }
func porterStep3(w []byte) []byte { return porterStep(w, &porterStep3Rules) }
func porterStep4(w []byte) []byte { return porterStep(w, &porterStep4Rules) }

var (
	porterStep1B2Rules = porterTable([]porterRule{
		{"at", "ate", nil}, {"bl", "ble", nil}, {"iz", "ize", nil},
	})
	porterStep2Rules = porterTable([]porterRule{
		{"ational", "ate", porterMGt0}, {"tional", "tion", porterMGt0},
		{"enci", "ence", porterMGt0}, {"anci", "ance", porterMGt0},
		{"izer", "ize", porterMGt0},
		{"logi", "log", porterMGt0},
		{"bli", "ble", porterMGt0}, {"alli", "al", porterMGt0}, {"entli", "ent", porterMGt0}, {"eli", "e", porterMGt0}, {"ousli", "ous", porterMGt0},
		{"ization", "ize", porterMGt0}, {"ation", "ate", porterMGt0}, {"ator", "ate", porterMGt0},
		{"alism", "al", porterMGt0}, {"iveness", "ive", porterMGt0}, {"fulness", "ful", porterMGt0}, {"ousness", "ous", porterMGt0},
		{"aliti", "al", porterMGt0}, {"iviti", "ive", porterMGt0}, {"biliti", "ble", porterMGt0},
	})
	porterStep3Rules = porterTable([]porterRule{
		{"ical", "ic", porterMGt0},
		{"ness", "", porterMGt0},
		{"icate", "ic", porterMGt0}, {"iciti", "ic", porterMGt0},
		{"ful", "", porterMGt0},
		{"ative", "", porterMGt0},
		{"alize", "al", porterMGt0},
	})
	porterStep4Rules = porterTable([]porterRule{
		{"al", "", porterMGt1},
		{"ance", "", porterMGt1}, {"ence", "", porterMGt1},
		{"er", "", porterMGt1},
		{"ic", "", porterMGt1},
		{"able", "", porterMGt1}, {"ible", "", porterMGt1},
		{"ant", "", porterMGt1}, {"ement", "", porterMGt1}, {"ment", "", porterMGt1}, {"ent", "", porterMGt1},
		{"ion", "", porterMGt1SorT}, {"ou", "", porterMGt1},
		{"ism", "", porterMGt1},
		{"ate", "", porterMGt1}, {"iti", "", porterMGt1},
		{"ous", "", porterMGt1},
		{"ive", "", porterMGt1},
		{"ize", "", porterMGt1},
	})
)

// porterTable groups rules by the next-to-last letter of their suffix,
// keeping their order, as FTS5's generated switch statements do.
func porterTable(rules []porterRule) (t [256][]porterRule) {
	for _, r := range rules {
		c := r.suffix[len(r.suffix)-2]
		t[c] = append(t[c], r)
	}
	return t
}
