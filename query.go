package newsbot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Query is a search over stored articles, as typed by a user in /search
// or as a subscription's topic. Words and Phrases must all match; Not
// must not.
type Query struct {
	Words   []string
	Phrases []string
	Not     []string
	// Source is the text of a source: filter; the caller resolves it to
	// FeedIDs.
	Source string
	// Since drops articles published before it.
	Since time.Time

	// GuildID limits results to feeds followed in that guild; empty
	// searches every feed.
	GuildID string
	// FeedIDs limits results to these feeds.
	FeedIDs []int64
	// Limit and Offset page the results.
	Limit, Offset int
}

// SearchHit is one search result.
type SearchHit struct {
	Article   Article
	FeedTitle string
	// Snippet is a short extract around the match, matched terms between
	// SnippetOpen and SnippetClose.
	Snippet string
	// Score is higher for better matches.
	Score float64
}

// Snippet markers: control characters that feed text never holds, so a
// renderer can escape the snippet and then highlight.
const (
	SnippetOpen  = "\x02"
	SnippetClose = "\x03"
)

// maxQueryTerms bounds the work one query can ask for.
const maxQueryTerms = 32

// ParseQuery reads the search syntax: words, "quoted phrases", -word and
// -"phrase" to exclude, source:name (or source:"two words"), and
// since:7d / since:24h / since:2w / since:2025-05-01 (a date is UTC
// midnight). now anchors relative since values. A query with nothing to
// search for is ErrInvalid with a sentence saying so.
func ParseQuery(s string, now time.Time) (Query, error) {
	var q Query
	terms := 0
	for rest := strings.TrimSpace(s); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		neg := false
		if rest[0] == '-' && len(rest) > 1 && !unicode.IsSpace(rune(rest[1])) {
			neg, rest = true, rest[1:]
		}
		if !neg && len(rest) > 8 && strings.EqualFold(rest[:8], `source:"`) {
			var val string
			val, rest = cutQuoted(rest[7:])
			if strings.TrimSpace(val) == "" {
				return Query{}, fmt.Errorf("source: needs a feed name, e.g. source:nhk: %w", ErrInvalid)
			}
			q.Source = strings.TrimSpace(val)
			continue
		}
		var tok string
		quoted := rest[0] == '"'
		if quoted {
			tok, rest = cutQuoted(rest)
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			tok, rest = rest[:end], rest[end:]
		}
		if !quoted && !neg {
			if name, val, ok := strings.Cut(tok, ":"); ok {
				switch strings.ToLower(name) {
				case "source":
					if strings.TrimSpace(val) == "" {
						return Query{}, fmt.Errorf("source: needs a feed name, e.g. source:nhk: %w", ErrInvalid)
					}
					q.Source = val
					continue
				case "since":
					t, err := parseSince(val, now)
					if err != nil {
						return Query{}, err
					}
					q.Since = t
					continue
				}
			}
		}
		tok = strings.TrimSpace(tok)
		if !strings.ContainsFunc(tok, isWordRune) {
			continue // stray operators and punctuation
		}
		if terms++; terms > maxQueryTerms {
			return Query{}, fmt.Errorf("too many terms: at most %d: %w", maxQueryTerms, ErrInvalid)
		}
		switch {
		case neg:
			q.Not = append(q.Not, tok)
		case quoted && strings.ContainsFunc(tok, unicode.IsSpace):
			q.Phrases = append(q.Phrases, tok)
		default:
			q.Words = append(q.Words, tok)
		}
	}
	if len(q.Words) == 0 && len(q.Phrases) == 0 {
		return Query{}, fmt.Errorf("nothing to search for: give at least one word that is not excluded: %w", ErrInvalid)
	}
	return q, nil
}

// cutQuoted splits s, which starts with a double quote, into the quoted
// text and what follows the closing quote; an unclosed quote runs to the end.
func cutQuoted(s string) (quoted, rest string) {
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return s[1:], ""
	}
	return s[1 : 1+end], s[2+end:]
}

func parseSince(v string, now time.Time) (time.Time, error) {
	bad := fmt.Errorf("since:%s: want an age such as 24h, 7d or 2w, or a date such as 2025-05-01: %w", v, ErrInvalid)
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if len(v) < 2 {
		return time.Time{}, bad
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n <= 0 || n > 3650 {
		return time.Time{}, bad
	}
	unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[v[len(v)-1]]
	if unit == 0 {
		return time.Time{}, bad
	}
	return now.Add(-time.Duration(n) * unit), nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
