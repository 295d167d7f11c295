package newsbot

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var now = time.Date(2025, 5, 25, 12, 0, 0, 0, time.UTC)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Query
	}{
		{"words", "prisoner exchange", Query{Words: []string{"prisoner", "exchange"}}},
		{"phrase", `"prisoner exchange" ukraine`, Query{Words: []string{"ukraine"}, Phrases: []string{"prisoner exchange"}}},
		{"quoted single word is a word", `"ukraine"`, Query{Words: []string{"ukraine"}}},
		{"exclusion", "ukraine -football -\"world cup\"", Query{Words: []string{"ukraine"}, Not: []string{"football", "world cup"}}},
		{"source", "ukraine source:nhk", Query{Words: []string{"ukraine"}, Source: "nhk"}},
		{"quoted source", `ukraine source:"japan times"`, Query{Words: []string{"ukraine"}, Source: "japan times"}},
		{"since days", "ukraine since:7d", Query{Words: []string{"ukraine"}, Since: now.Add(-7 * 24 * time.Hour)}},
		{"since hours", "ukraine since:24h", Query{Words: []string{"ukraine"}, Since: now.Add(-24 * time.Hour)}},
		{"since date", "ukraine since:2025-05-01", Query{Words: []string{"ukraine"}, Since: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)}},
		{"unclosed quote runs to the end", `"prisoner exchange`, Query{Phrases: []string{"prisoner exchange"}}},
		{"a lone dash is ignored", "ukraine - russia", Query{Words: []string{"ukraine", "russia"}}},
		{"other colons are text", "covid:19 news", Query{Words: []string{"covid:19", "news"}}},
		{"unicode", "Україна 捕虜交換", Query{Words: []string{"Україна", "捕虜交換"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in, now)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.in, err)
			}
			if !slices.Equal(got.Words, tt.want.Words) || !slices.Equal(got.Phrases, tt.want.Phrases) ||
				!slices.Equal(got.Not, tt.want.Not) || got.Source != tt.want.Source || !got.Since.Equal(tt.want.Since) {
				t.Errorf("ParseQuery(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "nothing to search for"},
		{"   ", "nothing to search for"},
		{"-ukraine", "nothing to search for"},
		{`"" - * ()`, "nothing to search for"},
		{"since:7d", "nothing to search for"},
		{"ukraine since:soon", "since:soon: want an age such as 24h, 7d or 2w"},
		{"ukraine since:0d", "since:0d"},
		{"ukraine source:", "source: needs a feed name"},
		{strings.Repeat("word ", 40), "too many terms"},
	}
	for _, tt := range tests {
		_, err := ParseQuery(tt.in, now)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseQuery(%q) error = %v, want ErrInvalid saying %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"prisoner exchange", `"a b" -c source:"x y" since:7d`, `-"`, "since:", "source:\"", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s, now)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseQuery(%q) error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if len(q.Words)+len(q.Phrases) == 0 {
			t.Fatalf("ParseQuery(%q) = %+v with no positive term and no error", s, q)
		}
		for _, term := range slices.Concat(q.Words, q.Phrases, q.Not) {
			if term == "" || strings.TrimSpace(term) != term || (utf8.ValidString(s) && !utf8.ValidString(term)) {
				t.Fatalf("ParseQuery(%q) gave a bad term %q", s, term)
			}
		}
	})
}
