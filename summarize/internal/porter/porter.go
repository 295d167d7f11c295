// Package porter is the Porter stemmer in the variant that NLTK calls
// NLTK_EXTENSIONS, which Google's rouge-score uses. Matching it exactly
// keeps ROUGE figures comparable with published ones, and it serves as
// the English stemmer of the summarizer.
//
// The stemmer works on lower-case ASCII bytes; other bytes count as
// consonants, as in the reference implementation.
package porter

import (
	"cmp"
	"slices"
)

// Stem returns the stem of a lower-case word.
func Stem(word string) string {
	var buf [64]byte
	out := AppendStem(buf[:0], []byte(word))
	if string(out) == word {
		return word
	}
	return string(out)
}

// AppendStem appends the stem of the lower-case word to dst and returns
// the extended buffer. It allocates only when dst lacks room.
func AppendStem(dst, word []byte) []byte {
	start := len(dst)
	if irr, ok := irregular(word); ok {
		return append(dst, irr...)
	}
	dst = append(dst, word...)
	if len(word) <= 2 {
		return dst
	}
	// Each step may grow the word by at most one byte.
	w := dst[start:]
	w = step1a(w)
	w = step1b(w)
	w = step1c(w)
	w = step2(w)
	w = step3(w)
	w = step4(w)
	w = step5a(w)
	w = step5b(w)
	return append(dst[:start], w...)
}

// irregular holds the forms that NLTK maps by table.
func irregular(w []byte) (string, bool) {
	switch string(w) {
	case "sky", "skies":
		return "sky", true
	case "dying":
		return "die", true
	case "lying":
		return "lie", true
	case "tying":
		return "tie", true
	case "news":
		return "news", true
	case "innings", "inning":
		return "inning", true
	case "outings", "outing":
		return "outing", true
	case "cannings", "canning":
		return "canning", true
	case "howe":
		return "howe", true
	case "proceed":
		return "proceed", true
	case "exceed":
		return "exceed", true
	case "succeed":
		return "succeed", true
	}
	return "", false
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// isCons reports whether w[i] is a consonant: not a vowel, and not a y
// that follows a consonant.
func isCons(w []byte, i int) bool {
	c := w[i]
	if isVowel(c) {
		return false
	}
	if c == 'y' && i > 0 {
		return !isCons(w, i-1)
	}
	return true
}

// measure counts the VC sequences of w. It is isCons in one pass: a y
// after the first letter is a consonant when the letter before it is not.
func measure(w []byte) int {
	m := 0
	prevVowel := false
	for i, c := range w {
		cons := !isVowel(c) && !(c == 'y' && i > 0 && !prevVowel)
		if cons && prevVowel {
			m++
		}
		prevVowel = !cons
	}
	return m
}

func containsVowel(w []byte) bool {
	for i := range w {
		if !isCons(w, i) {
			return true
		}
	}
	return false
}

func endsDoubleCons(w []byte) bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && isCons(w, n-1)
}

func endsCVC(w []byte) bool {
	n := len(w)
	if n >= 3 && isCons(w, n-3) && !isCons(w, n-2) && isCons(w, n-1) {
		c := w[n-1]
		return c != 'w' && c != 'x' && c != 'y'
	}
	return n == 2 && !isCons(w, 0) && isCons(w, 1)
}

func hasSuffix(w []byte, s string) bool {
	return len(w) >= len(s) && string(w[len(w)-len(s):]) == s
}

// endsWith is hasSuffix for a suffix that is not a constant, which the
// compiler would compare with a call: suffixes are a few bytes, and a
// loop is faster.
func endsWith(w []byte, s string) bool {
	if len(w) < len(s) {
		return false
	}
	w = w[len(w)-len(s):]
	for i := 0; i < len(s); i++ {
		if w[i] != s[i] {
			return false
		}
	}
	return true
}

// replace swaps suffix (known to be present) for rep.
func replace(w []byte, suffix, rep string) []byte {
	return append(w[:len(w)-len(suffix)], rep...)
}

type cond uint8

const (
	always cond = iota
	mGt0
	mGt1
	mGt1ST   // m > 1 and the stem ends in s or t
	logiCond // m > 0 of the word less "ogi"
)

type rule struct {
	suffix, rep string
	cond        cond
}

// ruleSet holds the rules of a step grouped by the last letter of their
// suffix: only the rules that end in the word's last letter can match,
// and within a group the rules keep their order, so the first match is
// the one the whole list gives.
type ruleSet [26][]rule

func groupRules(rules []rule) *ruleSet {
	last := func(r rule) byte { return r.suffix[len(r.suffix)-1] }
	sorted := slices.Clone(rules)
	slices.SortStableFunc(sorted, func(a, b rule) int { return cmp.Compare(last(a), last(b)) })
	var rs ruleSet
	for i := 0; i < len(sorted); {
		j := i + 1
		for j < len(sorted) && last(sorted[j]) == last(sorted[i]) {
			j++
		}
		rs[last(sorted[i])-'a'] = sorted[i:j:j]
		i = j
	}
	return &rs
}

// applyRules applies the first rule whose suffix matches; when its
// condition fails the word is left as it is.
func applyRules(w []byte, rules *ruleSet) []byte {
	if len(w) == 0 {
		return w
	}
	c := w[len(w)-1] - 'a'
	if c >= byte(len(rules)) {
		return w
	}
	for _, r := range rules[c] {
		if !endsWith(w, r.suffix) {
			continue
		}
		stem := w[:len(w)-len(r.suffix)]
		ok := false
		switch r.cond {
		case always:
			ok = true
		case mGt0:
			ok = measure(stem) > 0
		case mGt1:
			ok = measure(stem) > 1
		case mGt1ST:
			ok = measure(stem) > 1 && len(stem) > 0 && (stem[len(stem)-1] == 's' || stem[len(stem)-1] == 't')
		case logiCond:
			ok = measure(w[:len(w)-3]) > 0
		}
		if ok {
			return append(stem, r.rep...)
		}
		return w
	}
	return w
}

var step1aRules = groupRules([]rule{
	{"sses", "ss", always},
	{"ies", "i", always},
	{"ss", "ss", always},
	{"s", "", always},
})

func step1a(w []byte) []byte {
	if len(w) == 4 && hasSuffix(w, "ies") {
		return replace(w, "ies", "ie")
	}
	return applyRules(w, step1aRules)
}

func step1b(w []byte) []byte {
	if hasSuffix(w, "ied") {
		if len(w) == 4 {
			return replace(w, "ied", "ie")
		}
		return replace(w, "ied", "i")
	}
	if hasSuffix(w, "eed") {
		if measure(w[:len(w)-3]) > 0 {
			return replace(w, "eed", "ee")
		}
		return w
	}
	var inter []byte
	switch {
	case hasSuffix(w, "ed") && containsVowel(w[:len(w)-2]):
		inter = w[:len(w)-2]
	case hasSuffix(w, "ing") && containsVowel(w[:len(w)-3]):
		inter = w[:len(w)-3]
	default:
		return w
	}
	switch {
	case hasSuffix(inter, "at"):
		return replace(inter, "at", "ate")
	case hasSuffix(inter, "bl"):
		return replace(inter, "bl", "ble")
	case hasSuffix(inter, "iz"):
		return replace(inter, "iz", "ize")
	case endsDoubleCons(inter):
		c := inter[len(inter)-1]
		if c != 'l' && c != 's' && c != 'z' {
			return inter[:len(inter)-1]
		}
		return inter
	case measure(inter) == 1 && endsCVC(inter):
		return append(inter, 'e')
	}
	return inter
}

func step1c(w []byte) []byte {
	if hasSuffix(w, "y") {
		stem := w[:len(w)-1]
		if len(stem) > 1 && isCons(stem, len(stem)-1) {
			return append(stem, 'i')
		}
	}
	return w
}

var step2Rules = groupRules([]rule{
	{"ational", "ate", mGt0},
	{"tional", "tion", mGt0},
	{"enci", "ence", mGt0},
	{"anci", "ance", mGt0},
	{"izer", "ize", mGt0},
	{"bli", "ble", mGt0},
	{"alli", "al", mGt0},
	{"entli", "ent", mGt0},
	{"eli", "e", mGt0},
	{"ousli", "ous", mGt0},
	{"ization", "ize", mGt0},
	{"ation", "ate", mGt0},
	{"ator", "ate", mGt0},
	{"alism", "al", mGt0},
	{"iveness", "ive", mGt0},
	{"fulness", "ful", mGt0},
	{"ousness", "ous", mGt0},
	{"aliti", "al", mGt0},
	{"iviti", "ive", mGt0},
	{"biliti", "ble", mGt0},
	{"fulli", "ful", mGt0},
	{"logi", "log", logiCond},
})

func step2(w []byte) []byte {
	// NLTK applies ALLI -> AL first and runs the step again on success.
	if hasSuffix(w, "alli") && measure(w[:len(w)-4]) > 0 {
		return step2(replace(w, "alli", "al"))
	}
	return applyRules(w, step2Rules)
}

var step3Rules = groupRules([]rule{
	{"icate", "ic", mGt0},
	{"ative", "", mGt0},
	{"alize", "al", mGt0},
	{"iciti", "ic", mGt0},
	{"ical", "ic", mGt0},
	{"ful", "", mGt0},
	{"ness", "", mGt0},
})

func step3(w []byte) []byte { return applyRules(w, step3Rules) }

var step4Rules = groupRules([]rule{
	{"al", "", mGt1},
	{"ance", "", mGt1},
	{"ence", "", mGt1},
	{"er", "", mGt1},
	{"ic", "", mGt1},
	{"able", "", mGt1},
	{"ible", "", mGt1},
	{"ant", "", mGt1},
	{"ement", "", mGt1},
	{"ment", "", mGt1},
	{"ent", "", mGt1},
	{"ion", "", mGt1ST},
	{"ou", "", mGt1},
	{"ism", "", mGt1},
	{"ate", "", mGt1},
	{"iti", "", mGt1},
	{"ous", "", mGt1},
	{"ive", "", mGt1},
	{"ize", "", mGt1},
})

func step4(w []byte) []byte { return applyRules(w, step4Rules) }

func step5a(w []byte) []byte {
	if hasSuffix(w, "e") {
		stem := w[:len(w)-1]
		m := measure(stem)
		if m > 1 || (m == 1 && !endsCVC(stem)) {
			return stem
		}
	}
	return w
}

func step5b(w []byte) []byte {
	if hasSuffix(w, "ll") && measure(w[:len(w)-1]) > 1 {
		return w[:len(w)-1]
	}
	return w
}
