package summarize

import (
	"encoding/binary"
	"slices"
)

// wordTable maps lower-case words (or stems) to ids in the Summarizer's
// caches, ids given in the order the words were added. It is an
// open-addressing table keyed by a hash that the tokenizer computes
// while it lower-cases the word. Each slot keeps the first eight bytes of
// its word and a few bits of what the word is, so most lookups compare
// within the slot and touch no other memory: with a warm cache of tens
// of thousands of words this is what bounds the speed of the summarizer.
type wordTable struct {
	slots []wordSlot // a power of two long; at most three quarters full
	n     int
	text  arena // the text of each entry, by id
}

type wordSlot struct {
	prefix uint64 // the word's first eight bytes, zero-padded
	id     int32  // word id plus one; 0 marks an empty slot
	tag    uint16 // the high bits of the word's hash
	attr   uint16 // what the caller keeps with the word
}

const hashPrime = 0x9E3779B97F4A7C15

// hashWord hashes w and returns its prefix too. A word of fewer than
// eight bytes is hashed from its prefix alone, with one multiply; the
// tokenizer computes that prefix straight from the input. A longer word
// is hashed eight bytes at a time, its length last, so that the
// tokenizer can hash it while it lower-cases it (see asciiWordID).
func hashWord(w []byte) (uint32, uint64) {
	p := prefix8(w)
	if len(w) < 8 {
		return hashShort(p), p
	}
	h := uint64(hashSeed)
	i := 0
	for ; i+8 <= len(w); i += 8 {
		h = hashMix(h, binary.LittleEndian.Uint64(w[i:]))
	}
	var tail uint64
	for k := i; k < len(w); k++ {
		tail |= uint64(w[k]) << (8 * (k - i))
	}
	return hashEnd(h, tail, len(w)), p
}

const hashSeed = 0x5bd1e9955bd1e995

// hashMix adds the eight bytes x of a long word to its hash h.
func hashMix(h, x uint64) uint64 {
	h = (h ^ x) * hashPrime
	return h ^ h>>29
}

// hashEnd adds the last bytes of a long word (tail, fewer than eight)
// and its length n to its hash h.
func hashEnd(h, tail uint64, n int) uint32 {
	h = (h ^ tail) * hashPrime
	h = (h ^ uint64(n)) * hashPrime
	return uint32(h ^ h>>32)
}

// hashShort hashes the prefix of a word of fewer than eight bytes.
func hashShort(p uint64) uint32 {
	h := (p ^ 0x5bd1e995) * hashPrime
	return uint32(h ^ h>>32)
}

// prefix8 returns the first eight bytes of w, zero-padded. Words hold no
// zero byte, so for a word of up to seven bytes the prefix is the word.
func prefix8(w []byte) uint64 {
	if len(w) >= 8 {
		return binary.LittleEndian.Uint64(w)
	}
	var p uint64
	for k, c := range w {
		p |= uint64(c) << (8 * k)
	}
	return p
}

// home returns the slot where the search for a word of hash h starts.
// The table must have slots.
func (t *wordTable) home(h uint32) *wordSlot {
	return &t.slots[h&uint32(len(t.slots)-1)]
}

// find returns the id and attr of w (whose hash is h and prefix p), or
// -1 when w is not in the table.
func (t *wordTable) find(w []byte, h uint32, p uint64) (int32, uint16) {
	if len(t.slots) == 0 {
		return -1, 0
	}
	mask := uint32(len(t.slots) - 1)
	tag := uint16(h >> 16)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.id == 0 {
			return -1, 0
		}
		// A word of fewer than eight bytes is its prefix.
		if sl.tag == tag && sl.prefix == p && (len(w) < 8 || equalTail(t.text.at(sl.id-1), w)) {
			return sl.id - 1, sl.attr
		}
	}
}

// equalTail reports whether the words a and b, whose first eight bytes
// are equal, are equal. What is left of a word is short: a loop does it
// faster than a call to compare memory.
func equalTail(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 8; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// add adds w (whose hash is h), which must not be in the table, with
// attr, and returns its id: the number of words added before it.
func (t *wordTable) add(w []byte, h uint32, attr uint16) int32 {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	id := int32(t.n)
	t.text.add(w)
	t.place(wordSlot{prefix: prefix8(w), id: id + 1, tag: uint16(h >> 16), attr: attr}, h)
	t.n++
	return id
}

// place puts sl in the first free slot from h on.
func (t *wordTable) place(sl wordSlot, h uint32) {
	mask := uint32(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].id != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = sl
}

// grow doubles the table.
func (t *wordTable) grow() {
	t.resize(max(1<<12, 2*len(t.slots)))
}

// reserve makes room for n words in all.
func (t *wordTable) reserve(n int) {
	size := max(1<<12, len(t.slots))
	for 3*size < 4*n {
		size *= 2
	}
	if size > len(t.slots) {
		t.resize(size)
	}
	// Words of news average fewer than eight bytes.
	t.text.text = slices.Grow(t.text.text, max(0, 8*n-len(t.text.text)))
	t.text.offs = slices.Grow(t.text.offs, max(0, n+1-len(t.text.offs)))
}

// resize moves the words to a table of size slots, a power of two. Slots
// keep only a few bits of their hash, so it is computed again: from the
// prefix alone for most words.
func (t *wordTable) resize(size int) {
	old := t.slots
	t.slots = make([]wordSlot, size)
	// Fresh memory from the system reads as zero without being written;
	// the probes of a new table would then fault each page in twice,
	// once to read it and again to write it. Writing it first, in order,
	// takes one fault per page.
	clear(t.slots)
	for _, sl := range old {
		if sl.id == 0 {
			continue
		}
		var h uint32
		if sl.prefix>>56 == 0 {
			h = hashShort(sl.prefix)
		} else {
			h, _ = hashWord(t.text.at(sl.id - 1))
		}
		t.place(sl, h)
	}
}

func (t *wordTable) reset() {
	clear(t.slots)
	t.n = 0
	t.text.reset()
}

// arena holds the text of the entries of a cache end to end: entry i is
// text[offs[i]:offs[i+1]]. A few large blocks without pointers cost the
// garbage collector nothing to scan, and a cold cache fills without an
// allocation per word.
type arena struct {
	text []byte
	offs []uint32
}

// add appends w as the next entry.
func (a *arena) add(w []byte) {
	if len(a.offs) == 0 {
		a.offs = append(a.offs, 0)
	}
	a.text = append(grow(a.text, len(w)), w...)
	a.offs = append(grow(a.offs, 1), uint32(len(a.text)))
}

// at returns entry i.
func (a *arena) at(i int32) []byte {
	return a.text[a.offs[i]:a.offs[i+1]]
}

func (a *arena) reset() {
	a.text = a.text[:0]
	a.offs = a.offs[:0]
}

// grow returns s with room for n more elements, doubling its capacity
// when it must grow. The caches grow to tens of thousands of entries,
// and append's gentler growth past a few hundred would copy them many
// times over, into fresh memory each time.
func grow[S ~[]E, E any](s S, n int) S {
	if len(s)+n <= cap(s) {
		return s
	}
	return slices.Grow(s, max(n, cap(s)))
}
