package bot

import (
	"strings"
	"time"
	"unicode"

	"newsbot"
)

// A follow's filters use the search syntax. Include: every word and
// phrase must be in the article's title or text, and no -excluded one.
// Exclude: any of its words or phrases keeps the article out. Words match
// whole words, case-folded, with a plural s folded away.

// filterReason says why the follow keeps the article out, or "" when it
// lets it in.
func filterReason(fl newsbot.Follow, a newsbot.Article) string {
	if fl.Include == "" && fl.Exclude == "" {
		return ""
	}
	words := tokens(a.Title + "\n" + a.Text)
	if fl.Include != "" {
		if q, err := newsbot.ParseQuery(fl.Include, time.Time{}); err == nil {
			for _, w := range q.Words {
				if !hasPhrase(words, w) {
					return "the include filter " + quoteQuery(fl.Include) + " does not match (no " + quoteQuery(w) + ")"
				}
			}
			for _, p := range q.Phrases {
				if !hasPhrase(words, p) {
					return "the include filter " + quoteQuery(fl.Include) + " does not match (no " + quoteQuery(p) + ")"
				}
			}
			for _, n := range q.Not {
				if hasPhrase(words, n) {
					return "the include filter " + quoteQuery(fl.Include) + " excludes " + quoteQuery(n)
				}
			}
		}
	}
	if fl.Exclude != "" {
		if q, err := newsbot.ParseQuery(fl.Exclude, time.Time{}); err == nil {
			for _, w := range append(append([]string(nil), q.Words...), q.Phrases...) {
				if hasPhrase(words, w) {
					return "the exclude filter " + quoteQuery(fl.Exclude) + " matches " + quoteQuery(w)
				}
			}
		}
	}
	return ""
}

// tokens splits text into folded words.
func tokens(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range f {
		f[i] = fold(w)
	}
	return f
}

// fold drops a plural s, so "exchanges" matches "exchange".
func fold(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

// hasPhrase reports whether the words of p appear in order, next to each
// other, in words.
func hasPhrase(words []string, p string) bool {
	want := tokens(p)
	if len(want) == 0 {
		return false
	}
outer:
	for i := 0; i+len(want) <= len(words); i++ {
		for j, w := range want {
			if words[i+j] != w {
				continue outer
			}
		}
		return true
	}
	return false
}
