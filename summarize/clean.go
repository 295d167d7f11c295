package summarize

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scraped pages put the article between page chrome: a logo line, the
// headline (often twice), a source and date line, then after the story
// share buttons, "Comments", "Related Articles" and teasers of other
// stories. The cleaner keeps the lead article's paragraphs as blocks of
// the input and drops the rest; it never copies text.

// chromeWords is the length under which a line without sentence
// punctuation is taken for chrome ("Orange background", "DOWNLOAD THE
// APP") rather than text.
const chromeWords = 8

// headlineWords is the length under which an unpunctuated line before the
// body starts is taken for a headline, kicker or byline.
const headlineWords = 25

// bodyWords is the length from which a punctuated line counts as a
// paragraph of the story.
const bodyWords = 8

type line struct {
	start, end int // trimmed
	words      int // capped at headlineWords+1
	punct      bool
	gap        bool // a blank line precedes it
}

// appendBlocks appends the paragraphs of the lead article of text.
func (s *Summarizer) appendBlocks(dst []span, text, title string) []span {
	lines := s.lines[:0]
	gap := false
	for pos := 0; pos <= len(text); {
		nl := strings.IndexByte(text[pos:], '\n')
		end := len(text)
		if nl >= 0 {
			end = pos + nl
		}
		a, b := trimSpan(text, pos, end)
		if a < b {
			if n := len(lines); n > 0 && !gap && startsLower(text[a:b]) {
				// A hard-wrapped paragraph goes on: judge it whole.
				prev := &lines[n-1]
				prev.end = b
				prev.words = min(prev.words+lineWords(text[a:b]), headlineWords+1)
				prev.punct = endsSentence(text[a:b])
			} else {
				lines = append(lines, line{
					start: a, end: b,
					words: lineWords(text[a:b]),
					punct: endsSentence(text[a:b]),
					gap:   gap,
				})
			}
			gap = false
		} else {
			gap = true
		}
		if nl < 0 {
			break
		}
		pos = end + 1
	}
	s.lines = lines

	// Count repeats of short lines: a headline shown twice is chrome, and
	// after the story a repeated headline starts another story.
	seen := s.seen
	clear(seen)
	for _, ln := range lines {
		if ln.words <= headlineWords {
			seen[text[ln.start:ln.end]]++
		}
	}

	title = strings.TrimSpace(title)
	body := false
	first := len(dst)
	for _, ln := range lines {
		t := text[ln.start:ln.end]
		short := ln.words <= headlineWords
		if short && isBoundary(t) {
			if body {
				break
			}
			continue
		}
		repeated := short && seen[t] > 1
		if !ln.punct {
			if repeated && body {
				// Another story's headline: the lead article is over.
				break
			}
			if ln.words <= chromeWords || !body && short || repeated {
				continue
			}
		}
		if short && (title != "" && sameText(t, title) || isChromeLine(t)) {
			continue
		}
		if repeated {
			if seen[t] < 0 {
				continue // a later copy of a line already kept
			}
			seen[t] = -1
		}
		dst = append(dst, span{ln.start, ln.end})
		if ln.punct && ln.words >= bodyWords {
			body = true
		}
	}
	clear(seen)
	if len(dst) > first {
		b := &dst[first]
		b.start = stripLead(text, b.start, b.end)
		if b.start >= b.end {
			dst = append(dst[:first], dst[first+1:]...)
		}
	}
	return dst
}

// lineWords counts the words of a line up to headlineWords+1; a line
// too long to be a headline is not counted at all.
func lineWords(t string) int {
	// Counting spaces is much faster than counting words; a line with
	// many spaces is long whatever its exact count.
	if strings.Count(t, " ") > 2*headlineWords {
		return headlineWords + 1
	}
	return countWords(t, headlineWords+1)
}

// countWords counts space-separated words of s, stopping at limit.
func countWords(s string, limit int) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			in = false
			continue
		}
		if !in {
			n++
			if n >= limit {
				return n
			}
			in = true
		}
	}
	return n
}

// endsSentence reports whether s ends with sentence punctuation, possibly
// followed by closing quotes or brackets.
func endsSentence(s string) bool {
	for len(s) > 0 {
		r, size := utf8.DecodeLastRuneInString(s)
		switch r {
		case '"', '\'', ')', ']', '”', '’', '»', '」', '』', '）':
			s = s[:len(s)-size]
			continue
		case '.', '!', '?', '…', '。', '！', '？', '｡', '।', '؟', '۔':
			return true
		}
		return false
	}
	return false
}

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// sameText compares two short texts ignoring case, spacing and final
// punctuation.
func sameText(a, b string) bool {
	a = strings.TrimRight(a, " .!?:")
	b = strings.TrimRight(b, " .!?:")
	if d := len(a) - len(b); d > 16 || d < -16 {
		return false
	}
	if strings.EqualFold(a, b) {
		return true
	}
	return strings.EqualFold(normalizeSpace(a), normalizeSpace(b))
}

// boundaryPrefixes start the lines after which a page holds no more of
// the article.
var boundaryPrefixes = []string{
	"related articles", "related stories", "related content", "related news", "related coverage",
	"related topics", "related", "read more", "more on this story", "more stories", "more from",
	"more news", "comments", "most read", "most popular", "most viewed", "recommended",
	"you may also like", "you might also like", "you may be interested", "see also", "also read",
	"trending", "top stories", "latest stories", "latest news", "no comments", "leave a comment",
	"join the conversation", "share this article", "follow us", "sponsored", "around the web",
	"verwandte artikel", "mehr zum thema", "lesen sie auch", "kommentare", "à lire aussi",
	"lire aussi", "sur le même sujet", "commentaires", "noticias relacionadas", "te puede interesar",
	"comentarios", "leggi anche", "читайте также", "комментарии", "читайте також", "коментарі",
	"関連記事", "相关新闻", "相关阅读",
}

// isBoundary reports whether a short line marks the end of the article:
// "Related Articles", "Read more", "Comments (12)".
func isBoundary(t string) bool {
	if len(t) > 48 {
		return false
	}
	var buf [64]byte
	low := bytes.TrimLeft(appendLower(buf[:0], t), "0123456789 ")
	for _, p := range boundaryPrefixes {
		if bytes.HasPrefix(low, []byte(p)) {
			rest := bytes.TrimSpace(low[len(p):])
			if len(rest) == 0 || len(bytes.Trim(rest, ":()[]0123456789 ")) == 0 || rest[0] == ':' || p == "more from" || p == "follow us" {
				return true
			}
		}
	}
	return false
}

// isChromeLine catches punctuated lines that are still page furniture.
func isChromeLine(t string) bool {
	if len(t) > 80 {
		return false
	}
	var buf [96]byte
	low := appendLower(buf[:0], t)
	for _, p := range chromePrefixes {
		if bytes.HasPrefix(low, []byte(p)) {
			return true
		}
	}
	return false
}

var chromePrefixes = []string{"advertisement", "sign up", "subscribe", "click here", "share this", "all rights reserved", "copyright", "©", "cookie", "download the app", "loading", "skip to"}

// stripLead returns where the story proper starts in text[a:b], after
// datelines and bylines: "(CNN) -- ", "LONDON (Reuters) - ",
// "By . Daily Mail Reporter . PUBLISHED: . 12:03 EST, 25 October 2013 . |
// . UPDATED: . ...".
func stripLead(text string, a, b int) int {
	i := a
	for range 8 {
		n := sourceLen(text, i, b)
		if n == 0 {
			n = bylineLen(text, i, b)
		}
		if n == 0 {
			n = stampLen(text, i, b)
		}
		if n == 0 {
			n = datelineLen(text, i, b)
		}
		if n == 0 {
			break
		}
		i = skipSeparators(text, i+n, b)
	}
	if i == a {
		return a
	}
	// What is left must start like a sentence.
	if i < b {
		r, _ := utf8.DecodeRuneInString(text[i:b])
		if unicode.IsLower(r) {
			return a
		}
	}
	return i
}

func skipSeparators(text string, i, b int) int {
	for i < b {
		switch text[i] {
		case ' ', '\t', '\r', '\n', '.', '|', '-', ':', ',':
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:b])
		if r == '—' || r == '–' || r == '\u00a0' {
			i += size
			continue
		}
		break
	}
	return i
}

// sourceLen matches "(CNN)", "(Reuters)", "(EW.com)" at text[i:] when a
// dash, a capital or a quote follows.
func sourceLen(text string, i, b int) int {
	if i >= b || text[i] != '(' {
		return 0
	}
	lim := min(b, i+40)
	c := strings.IndexByte(text[i:lim], ')')
	if c < 2 {
		return 0
	}
	inner := text[i+1 : i+c]
	if countWords(inner, 6) > 4 || strings.ContainsAny(inner, "0123456789") || endsSentence(inner) {
		return 0
	}
	// A source is a name: every word capitalised ("CNN", "EW.com",
	// "CNN Student News").
	for _, w := range strings.Fields(inner) {
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return 0
		}
	}
	j := i + c + 1
	k, _ := skipSpace(text, j, b)
	if k >= b {
		return 0
	}
	if isDash(text, k, b) {
		return j - i
	}
	r, _ := utf8.DecodeRuneInString(text[k:b])
	if unicode.IsUpper(r) || r == '"' || r == '“' || r == '\'' {
		return j - i
	}
	return 0
}

func isDash(text string, k, b int) bool {
	if text[k] == '-' || text[k] == ':' {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[k:b])
	return r == '—' || r == '–'
}

// bylineLen matches "By John Smith", "By . Associated Press",
// "By Sam Webb, Reuters" and "By . Sara Malm . and Ap Reporter" at
// text[i:]. The name must end at a separator or a publication stamp, so
// that "By Tuesday the talks had failed" is left alone.
func bylineLen(text string, i, b int) int {
	if b-i < 4 || text[i] != 'B' || text[i+1] != 'y' && text[i+1] != 'Y' {
		return 0
	}
	j := i + 2
	if text[j] != ' ' && text[j] != '.' && text[j] != ':' {
		return 0
	}
	j = skipChars(text, j, b, " .:")
	names := 0
	for j < b {
		w, end := nextWord(text, j, b)
		r, _ := utf8.DecodeRuneInString(w)
		name := w != "" && unicode.IsUpper(r) && !isStampWord(w) && !strings.ContainsAny(w, "0123456789")
		if !name && !(names > 0 && isNameJoiner(w)) {
			break
		}
		if name {
			names++
			if names > 8 {
				return 0
			}
		}
		j = end
		if j < b && text[j] == ',' {
			j = skipChars(text, j, b, ", ")
			continue
		}
		k := skipChars(text, j, b, " ")
		if k < b && (text[k] == '.' || text[k] == '|') {
			// " . and Ap Reporter ." goes on; anything else ends it.
			k2 := skipChars(text, k, b, " .|")
			if w2, _ := nextWord(text, k2, b); w2 == "and" || w2 == "&" {
				j = k2
				continue
			}
			j = k
			break
		}
		j = k
	}
	if names == 0 {
		return 0
	}
	if j < b {
		w, _ := nextWord(text, j, b)
		switch {
		case strings.IndexByte(".|\n", text[j]) >= 0, isDash(text, j, b), isStampWord(w):
		default:
			return 0
		}
	}
	return j - i
}

func isNameJoiner(w string) bool {
	switch w {
	case "and", "&", "de", "da", "del", "van", "von", "der", "den", "la", "le", "al", "el", "bin", "y", "und", "et", "in", "for", "of":
		return true
	}
	return false
}

// isStampWord reports words that start a publication stamp.
func isStampWord(w string) bool {
	w = strings.TrimRight(w, ":")
	if len(w) > 9 {
		return false
	}
	var buf [16]byte
	switch string(appendLower(buf[:0], w)) {
	case "published", "updated", "last", "posted", "modified", "created":
		return true
	}
	return false
}

// stampLen matches "PUBLISHED: . 12:03 EST, 25 October 2013 . | .
// UPDATED: . 12:47 EST, 25 October 2013" and "Last updated at 5:30 PM on
// 5th October 2011" at text[i:]. Once a date has been read, a full stop
// ends the stamp unless another stamp follows.
func stampLen(text string, i, b int) int {
	w, end := nextWord(text, i, b)
	if !isStampWord(w) {
		return 0
	}
	last := end
	digits := false
	for j := end; j < b; {
		k := skipChars(text, j, b, " .|,:")
		w, e := nextWord(text, k, b)
		if w == "" {
			break
		}
		stamp := isStampWord(w)
		if digits && !stamp && strings.IndexByte(text[j:k], '.') >= 0 {
			break
		}
		if !stamp && !isDateWord(w) {
			break
		}
		if stamp {
			digits = false
		} else if strings.ContainsAny(w, "0123456789") {
			digits = true
		}
		j = e
		last = e
	}
	return last - i
}

// isDateWord reports words of dates and times: "12:03", "EST", "October",
// "5th", "on", "at", "PM".
func isDateWord(w string) bool {
	w = strings.TrimRight(w, ",:")
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= '0' && w[i] <= '9' {
			return true
		}
	}
	if len(w) > 9 {
		return false
	}
	var buf [16]byte
	switch string(appendLower(buf[:0], w)) {
	case "on", "at", "am", "pm", "a.m", "p.m", "est", "edt", "gmt", "bst", "utc", "cet", "cest", "pst", "pdt", "cst", "cdt",
		"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
		"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "updated", "published":
		return true
	}
	return false
}

// datelineLen matches "LONDON (Reuters) - ", "WASHINGTON (AP) — " and
// "LONDON, England (CNN) -- " at text[i:]: up to eight capitalised words
// opening with one in capitals, then a dash.
func datelineLen(text string, i, b int) int {
	lim := min(b, i+100)
	j := i
	words := 0
	caps := false
	for j < lim {
		k := skipChars(text, j, lim, " ,")
		if k >= lim {
			return 0
		}
		if isDash(text, k, lim) && text[k] != ':' && words > 0 {
			if !caps {
				return 0
			}
			// The dash must be followed by space and the story.
			e := k
			for e < lim && (text[e] == '-' || text[e] >= utf8.RuneSelf && isDash(text, e, lim)) {
				_, size := utf8.DecodeRuneInString(text[e:lim])
				e += size
			}
			if e >= lim || text[e] != ' ' {
				return 0
			}
			return e - i
		}
		if text[k] == '(' {
			c := strings.IndexByte(text[k:lim], ')')
			if c < 0 {
				return 0
			}
			j = k + c + 1
			continue
		}
		w, e := nextWord(text, k, lim)
		if w == "" {
			return 0
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !(r >= '0' && r <= '9') {
			return 0
		}
		if words == 0 {
			if !allCaps(w) {
				return 0
			}
			caps = true
		}
		words++
		if words > 8 {
			return 0
		}
		j = e
	}
	return 0
}

// allCaps reports whether w has at least two letters and no lower-case
// one ("LONDON", "U.S.").
func allCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 2
}

func skipChars(text string, j, b int, set string) int {
	for j < b && strings.IndexByte(set, text[j]) >= 0 {
		j++
	}
	return j
}

// nextWord returns the run of non-space, non-separator bytes at text[j:]
// and where it ends. A word may hold inner dots ("U.S.") and end with a
// colon ("PUBLISHED:").
func nextWord(text string, j, b int) (string, int) {
	e := j
	for e < b {
		c := text[e]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '|' || c == '(' || c == ')' {
			break
		}
		if c == '.' && (e+1 >= b || text[e+1] == ' ') {
			break
		}
		e++
	}
	return text[j:e], e
}
