package feeds

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"already canonical", "https://example.com/a/b?x=1", "https://example.com/a/b?x=1"},
		{"scheme and host lower-cased", "HTTPS://WWW.Example.COM/Path/Kept", "https://www.example.com/Path/Kept"},
		{"default https port removed", "https://example.com:443/a", "https://example.com/a"},
		{"default http port removed", "http://example.com:80/a", "http://example.com/a"},
		{"other port kept", "https://example.com:8443/a", "https://example.com:8443/a"},
		{"https port on http kept", "http://example.com:443/a", "http://example.com:443/a"},
		{"fragment removed", "https://example.com/a#comments", "https://example.com/a"},
		{"hashbang route kept", "https://example.com/#!/story/42", "https://example.com/#!/story/42"},
		{"utm parameters removed", "https://example.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x", "https://example.com/a"},
		{"click ids removed", "https://example.com/a?fbclid=IwAR&gclid=Cj0&dclid=1&msclkid=2&yclid=3&igshid=4", "https://example.com/a"},
		{"newsletter ids removed", "https://example.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&ref_src=twsrc", "https://example.com/a"},
		{"publisher analytics removed", "https://www.bbc.com/news/articles/c0k7?at_medium=RSS&at_campaign=rss", "https://www.bbc.com/news/articles/c0k7"},
		{"other parameters kept and sorted", "https://example.com/a?z=1&utm_source=x&b=2&a=3", "https://example.com/a?a=3&b=2&z=1"},
		{"repeated parameters keep their order", "https://example.com/a?tag=b&tag=a", "https://example.com/a?tag=b&tag=a"},
		{"empty query removed", "https://example.com/a?", "https://example.com/a"},
		{"empty parameters removed", "https://example.com/a?&&id=1&", "https://example.com/a?id=1"},
		{"empty path becomes slash", "https://example.com", "https://example.com/"},
		{"trailing slash kept", "https://example.com/a/", "https://example.com/a/"},
		{"no trailing slash added", "https://example.com/a", "https://example.com/a"},
		{"path case kept", "https://example.com/Articles/ABC", "https://example.com/Articles/ABC"},
		{"percent escapes upper-cased", "https://example.com/caf%c3%a9?q=%e2%82%ac", "https://example.com/caf%C3%A9?q=%E2%82%AC"},
		{"raw unicode path escaped", "https://example.com/café", "https://example.com/caf%C3%A9"},
		{"encoded slash kept", "https://example.com/a%2Fb", "https://example.com/a%2Fb"},
		{"userinfo dropped", "https://user:secret@example.com/a", "https://example.com/a"},
		{"trailing dot of host removed", "https://example.com./a", "https://example.com/a"},
		{"IDN host lower-cased", "https://BÜCHER.example/Straße", "https://bücher.example/Stra%C3%9Fe"},
		{"punycode host kept", "https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"},
		{"IPv6 host", "http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"},
		{"surrounding white space trimmed", "\n  https://example.com/a \t", "https://example.com/a"},
		{"tracking-only query with fragment", "https://example.com/a?utm_source=x#top", "https://example.com/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.in)
			if err != nil {
				t.Fatalf("CanonicalURL(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again, _ := CanonicalURL(got); again != got {
				t.Errorf("CanonicalURL(%q) = %q: not idempotent", got, again)
			}
		})
	}
}

func TestCanonicalURLRefuses(t *testing.T) {
	for _, in := range []string{
		"", "/relative/path", "example.com/a", "//example.com/a", "ftp://example.com/a",
		"javascript:alert(1)", "mailto:news@example.com", "https://", "http://:80/", "https://exa mple.com/",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := CanonicalURL(in)
			if !errors.Is(err, ErrNotHTTP) {
				t.Errorf("CanonicalURL(%q) = %q, %v, want ErrNotHTTP", in, got, err)
			}
		})
	}
}

func TestDedupeKey(t *testing.T) {
	tests := []struct {
		name                    string
		guid, link, title, text string
		want                    string
	}{
		{"opaque guid", "tag:example.com,2025:post-1", "https://example.com/p1", "T", "x", "guid:tag:example.com,2025:post-1"},
		{"guid trimmed", "  t3_1kv0q2x\n", "", "", "", "guid:t3_1kv0q2x"},
		{"url guid without scheme", "https://example.com/a?id=1", "", "", "", "url:example.com/a?id=1"},
		{"url guid canonicalized", "HTTP://Example.com:80/a?utm_source=rss&id=1#0", "", "", "", "url:example.com/a?id=1"},
		{"guid wins over link", "guid-1", "https://example.com/a", "", "", "guid:guid-1"},
		{"link when no guid", "", "https://example.com/a?fbclid=x", "", "", "url:example.com/a"},
		{"neither guid nor link", "", "", "Gale warning", "Force 8", "hash:"},
		{"relative link is not a key", "", "/a", "Title", "Text", "hash:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DedupeKey(tt.guid, tt.link, tt.title, tt.text)
			if strings.HasPrefix(tt.want, "hash:") {
				if !strings.HasPrefix(got, "hash:") || len(got) != len("hash:")+64 {
					t.Errorf("DedupeKey(%q, %q, %q, %q) = %q, want a hash key", tt.guid, tt.link, tt.title, tt.text, got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("DedupeKey(%q, %q, %q, %q) = %q, want %q", tt.guid, tt.link, tt.title, tt.text, got, tt.want)
			}
		})
	}
}

func TestDedupeKeyStability(t *testing.T) {
	same := []struct {
		name string
		a, b [4]string // guid, link, title, text
	}{
		{"guid moves to https", [4]string{"http://news.example/a", "", "", ""}, [4]string{"https://news.example/a", "", "", ""}},
		{"guid host case changes", [4]string{"https://news.example/a", "", "", ""}, [4]string{"https://NEWS.Example/a", "", "", ""}},
		{"guid gains tracking parameters", [4]string{"https://news.example/a?id=7", "", "", ""}, [4]string{"https://news.example/a?utm_source=rss&id=7", "", "", ""}},
		{"guid update counter in fragment", [4]string{"https://www.bbc.com/news/articles/c0k7#0", "", "", ""}, [4]string{"https://www.bbc.com/news/articles/c0k7#1", "", "", ""}},
		{"permalink guid dropped for the same link", [4]string{"https://news.example/a", "", "", ""}, [4]string{"", "https://news.example/a", "", ""}},
		{"title edited under the same guid", [4]string{"g1", "", "Old title", "x"}, [4]string{"g1", "", "New title", "y"}},
		{"hash ignores case and reflowed space", [4]string{"", "", "Gale warning", "Force 8\nlater."}, [4]string{"", "", "GALE  warning", "Force 8 later. "}},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			ka := DedupeKey(tt.a[0], tt.a[1], tt.a[2], tt.a[3])
			kb := DedupeKey(tt.b[0], tt.b[1], tt.b[2], tt.b[3])
			if ka != kb {
				t.Errorf("DedupeKey(%q) = %q, DedupeKey(%q) = %q, want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
	differ := []struct {
		name string
		a, b [4]string
	}{
		{"different paths", [4]string{"https://news.example/a", "", "", ""}, [4]string{"https://news.example/b", "", "", ""}},
		{"different query values", [4]string{"", "https://news.example/story?id=1", "", ""}, [4]string{"", "https://news.example/story?id=2", "", ""}},
		{"different hosts", [4]string{"https://a.example/x", "", "", ""}, [4]string{"https://b.example/x", "", "", ""}},
		{"guids that differ in case", [4]string{"ABC", "", "", ""}, [4]string{"abc", "", "", ""}},
		{"untitled items with different text", [4]string{"", "", "", "Fog warning"}, [4]string{"", "", "", "Gale warning"}},
	}
	for _, tt := range differ {
		t.Run(tt.name, func(t *testing.T) {
			ka := DedupeKey(tt.a[0], tt.a[1], tt.a[2], tt.a[3])
			kb := DedupeKey(tt.b[0], tt.b[1], tt.b[2], tt.b[3])
			if ka == kb {
				t.Errorf("DedupeKey(%q) = DedupeKey(%q) = %q, want different", tt.a, tt.b, ka)
			}
		})
	}
}

func TestDedupeKeyLong(t *testing.T) {
	guid := strings.Repeat("x", 2000)
	k := DedupeKey(guid, "", "", "")
	if len(k) > normalizeMaxKey || !strings.HasPrefix(k, "guid:sha256:") {
		t.Errorf("DedupeKey(2000-byte guid) = %q (%d bytes), want a guid:sha256: key of at most %d bytes", k, len(k), normalizeMaxKey)
	}
	if k2 := DedupeKey(guid+"y", "", "", ""); k2 == k {
		t.Errorf("DedupeKey of two long guids = %q for both", k)
	}
}

// TestGUIDChurn serves a feed twice: the second time its GUIDs moved to
// https, changed host case, gained a port, tracking parameters and a
// fragment; its links gained tracking parameters; items were re-dated and
// retitled. Every item must keep its key.
func TestGUIDChurn(t *testing.T) {
	now := time.Date(2025, 5, 26, 0, 0, 0, 0, time.UTC)
	read := func(name string) *Parsed {
		b, err := os.ReadFile("testdata/feeds/" + name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(b, "application/rss+xml", "https://www.northerncourier.example/feed/", now)
		if err != nil {
			t.Fatalf("Parse(%s): %v", name, err)
		}
		return p
	}
	first, second := read("guid-churn-1.xml"), read("guid-churn-2.xml")
	if len(first.Items) != 4 || len(second.Items) != 4 {
		t.Fatalf("items = %d and %d, want 4 and 4", len(first.Items), len(second.Items))
	}
	for i := range first.Items {
		a, b := first.Items[i], second.Items[i]
		if a.DedupeKey != b.DedupeKey {
			t.Errorf("item %d (%q): key %q, then %q after GUID churn", i, a.Title, a.DedupeKey, b.DedupeKey)
		}
		if a.PublishedAt.Equal(b.PublishedAt) {
			t.Errorf("item %d (%q): both serves dated %v; the test needs a re-dated item", i, a.Title, a.PublishedAt)
		}
	}
	if first.Items[0].Title == second.Items[0].Title {
		t.Errorf("first item's title did not change; the test needs a retitled item")
	}
	// The keys are also distinct within one serve.
	seen := map[string]bool{}
	for _, it := range second.Items {
		if seen[it.DedupeKey] {
			t.Errorf("key %q used twice", it.DedupeKey)
		}
		seen[it.DedupeKey] = true
	}
}
