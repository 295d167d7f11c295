package summarize

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestWordTable(t *testing.T) {
	var tab wordTable
	var words []string
	for i := range 20000 {
		// Short and long words, and long words that share their first
		// eight bytes.
		w := fmt.Sprintf("w%d", i)
		switch i % 3 {
		case 1:
			w = "internationally" + w
		case 2:
			w = fmt.Sprintf("%x", i*7919)
		}
		words = append(words, w)
	}
	for round := range 2 {
		for i, w := range words {
			h, p := hashWord([]byte(w))
			id, attr := tab.find([]byte(w), h, p)
			if round == 0 {
				if id >= 0 {
					t.Fatalf("find(%q) = %d in an empty table, want -1", w, id)
				}
				if got := tab.add([]byte(w), h, uint16(i)); got != int32(i) {
					t.Fatalf("add(%q) = %d, want %d", w, got, i)
				}
				continue
			}
			if id != int32(i) || attr != uint16(i) {
				t.Errorf("find(%q) = %d, %d, want %d, %d", w, id, attr, i, uint16(i))
			}
			if got := string(tab.text.at(id)); got != w {
				t.Errorf("text of %d = %q, want %q", id, got, w)
			}
		}
	}
	if 4*tab.n > 3*len(tab.slots) {
		t.Errorf("table of %d slots holds %d words, want it at most three quarters full", len(tab.slots), tab.n)
	}
	for _, w := range []string{"absent", "internationallyw99999", "w20000"} {
		h, p := hashWord([]byte(w))
		if id, _ := tab.find([]byte(w), h, p); id >= 0 {
			t.Errorf("find(%q) = %d, want -1", w, id)
		}
	}
	tab.reset()
	h, p := hashWord([]byte(words[5]))
	if id, _ := tab.find([]byte(words[5]), h, p); id >= 0 || tab.n != 0 {
		t.Errorf("after reset find(%q) = %d with %d words, want -1 and none", words[5], id, tab.n)
	}
}

func TestWordTableReserve(t *testing.T) {
	var tab wordTable
	tab.reserve(50000)
	slots := len(tab.slots)
	if 3*slots < 4*50000 {
		t.Fatalf("reserve(50000) gave %d slots, want room for 50000 words", slots)
	}
	for i := range 50000 {
		w := []byte(fmt.Sprint("word", i))
		h, _ := hashWord(w)
		tab.add(w, h, 0)
	}
	if len(tab.slots) != slots {
		t.Errorf("table grew from %d to %d slots within its reserve", slots, len(tab.slots))
	}
}

func TestAlnumPrefix(t *testing.T) {
	for k := range 8 {
		for v := range 256 {
			b := []byte("abcdefgh")
			b[k] = byte(v)
			want := 0
			for want < 8 && asciiAlnum[b[want]] {
				want++
			}
			if got := alnumPrefix(load64(string(b), 0)); got != want {
				t.Errorf("alnumPrefix(%q) = %d, want %d", b, got, want)
			}
		}
	}
}

// TestGrowKeepsSummaries checks that a Summarizer whose caches were made
// room for at once summarizes as one whose caches grew word by word.
func TestGrowKeepsSummaries(t *testing.T) {
	articles := fixtures(t)
	plain, grown := New(), New()
	grown.Grow(1 << 15)
	grown.Grow(-1) // a smaller hint does not undo a larger one
	if grown.growTo != 1<<15 {
		t.Fatalf("Grow(1<<15) then Grow(-1) keep a hint of %d words, want %d", grown.growTo, 1<<15)
	}
	for round := range 2 {
		for _, a := range articles {
			o := Options{Title: a.Title}
			if got, want := grown.Text(a.Text, o), plain.Text(a.Text, o); !slices.Equal(got, want) {
				t.Errorf("after Grow Text(%q) = %q, want %q", strings.SplitN(a.Text, "\n", 2)[0], got, want)
			}
		}
		if round == 0 && len(grown.words) < growAfter {
			// Not enough words yet for the hint to be taken: read more.
			for i := range growAfter {
				grown.Text(fmt.Sprintf("Word%d and word%d.", i, i+growAfter), Options{})
				plain.Text(fmt.Sprintf("Word%d and word%d.", i, i+growAfter), Options{})
			}
		}
	}
	if slots := len(grown.wordIDs.slots); 3*slots < 4<<15 || cap(grown.words) < 1<<15 || grown.growTo != 0 {
		t.Errorf("Grow(1<<15) gave %d slots and room for %d words (hint %d left), want room for %d", slots, cap(grown.words), grown.growTo, 1<<15)
	}
	if len(plain.words) != len(grown.words) {
		t.Errorf("Grow(1<<15) cached %d words, want %d", len(grown.words), len(plain.words))
	}
}
