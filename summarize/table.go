package summarize

import "encoding/binary"

// wordTable maps lower-case words to ids in the Summarizer's word cache.
// It is an open-addressing table keyed by a hash that the tokenizer
// computes while it lower-cases the word. Each slot keeps the first eight
// bytes of its word, so most lookups compare within the slot and touch no
// other memory: with a warm cache of tens of thousands of words this is
// what bounds the speed of the summarizer.
type wordTable struct {
	slots []wordSlot // a power of two long; at most three quarters full
	n     int
}

type wordSlot struct {
	hash   uint32
	id     int32  // word id plus one; 0 marks an empty slot
	prefix uint64 // the word's first eight bytes, zero-padded
}

const hashPrime = 0x9E3779B97F4A7C15

// hashWord hashes w and returns its prefix too. A word of fewer than
// eight bytes is hashed from its prefix alone, with one multiply; the
// tokenizer computes that prefix straight from the input.
func hashWord(w []byte) (uint32, uint64) {
	p := prefix8(w)
	if len(w) < 8 {
		return hashShort(p), p
	}
	h := uint64(len(w)) * hashPrime
	i := 0
	for ; i+8 <= len(w); i += 8 {
		h = (h ^ binary.LittleEndian.Uint64(w[i:])) * hashPrime
		h ^= h >> 29
	}
	var tail uint64
	for k := i; k < len(w); k++ {
		tail |= uint64(w[k]) << (8 * (k - i))
	}
	h = (h ^ tail) * hashPrime
	h ^= h >> 32
	return uint32(h), p
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

// find returns the id of w (whose hash is h and prefix p), or -1. words
// gives the full text of the cached words, for those of eight bytes or
// more.
func (t *wordTable) find(w []byte, h uint32, p uint64, words []string) int32 {
	if len(t.slots) == 0 {
		return -1
	}
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.id == 0 {
			return -1
		}
		if sl.hash == h && sl.prefix == p && (len(w) < 8 || words[sl.id-1][8:] == string(w[8:])) {
			return sl.id - 1
		}
	}
}

// insert adds word w (hash h) as id; it must not be in the table.
func (t *wordTable) insert(w []byte, h uint32, id int32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	mask := uint32(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].id != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = wordSlot{hash: h, id: id + 1, prefix: prefix8(w)}
	t.n++
}

func (t *wordTable) grow() {
	old := t.slots
	size := max(1<<12, 2*len(old))
	t.slots = make([]wordSlot, size)
	mask := uint32(size - 1)
	for _, sl := range old {
		if sl.id == 0 {
			continue
		}
		i := sl.hash & mask
		for t.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = sl
	}
}

func (t *wordTable) reset() {
	clear(t.slots)
	t.n = 0
}
