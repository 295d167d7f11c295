package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// ErrNotHTTP means a URL is relative, malformed, or not http or https.
var ErrNotHTTP = errors.New("not an absolute http or https URL")

// CanonicalURL returns the form of an http or https URL that two links to
// the same article share, for dedupe keys and for posting:
//
//   - scheme and host lower case (internationalized hosts too), a trailing
//     dot and the default port (80, 443) removed, user info dropped;
//   - an empty path becomes "/"; any other path is kept as it is, with its
//     percent escapes in upper case (no trailing-slash guessing);
//   - tracking parameters removed (utm_*, fbclid, gclid, … see
//     normalizeTracking), the remaining query parameters sorted by name
//     (stable, so repeated names keep their order), an empty query removed;
//   - the fragment removed, unless it is a "#!" route of a script-driven
//     page, where it names the article.
//
// It fails with ErrNotHTTP for relative URLs and other schemes.
func CanonicalURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("canonical url %q: %w", raw, ErrNotHTTP)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("canonical url %q: %w", raw, ErrNotHTTP)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("canonical url %q: %w", raw, ErrNotHTTP)
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host += ":" + port
	}

	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if p := u.EscapedPath(); p == "" {
		b.WriteByte('/')
	} else {
		normalizeWriteEscaped(&b, p)
	}
	if q := normalizeQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		normalizeWriteEscaped(&b, q)
	}
	if f := u.EscapedFragment(); strings.HasPrefix(f, "!") {
		b.WriteByte('#')
		b.WriteString(f)
	}
	return b.String(), nil
}

// normalizeWriteEscaped writes s with the hex digits of its percent
// escapes in upper case, so %c3%a9 and %C3%A9 compare equal.
func normalizeWriteEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && normalizeIsHex(s[i+1]) && normalizeIsHex(s[i+2]) {
			b.WriteByte('%')
			b.WriteByte(normalizeUpperHex(s[i+1]))
			b.WriteByte(normalizeUpperHex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(c)
	}
}

func normalizeIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func normalizeUpperHex(c byte) byte {
	if c >= 'a' && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

// normalizeQuery drops empty and tracking parameters from a raw query and
// sorts the rest by name. Parameters stay as the publisher escaped them:
// decoding and re-encoding would change what some servers see.
func normalizeQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if normalizeTracking(name) {
			continue
		}
		kept = append(kept, p)
	}
	slices.SortStableFunc(kept, func(a, b string) int {
		an, _, _ := strings.Cut(a, "=")
		bn, _, _ := strings.Cut(b, "=")
		return strings.Compare(an, bn)
	})
	return strings.Join(kept, "&")
}

// normalizeTrackingNames are query parameters that identify a campaign,
// a click or a subscriber, never the article. Compared in lower case.
var normalizeTrackingNames = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"igshid": true, "igsh": true, "srsltid": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "__hssc": true, "__hstc": true,
	"__hsfp": true, "hsctatracking": true, "mkt_tok": true, "vero_id": true, "vero_conv": true,
	"oly_anon_id": true, "oly_enc_id": true, "wickedid": true, "rb_clickid": true, "s_kwcid": true,
	"_ga": true, "_gl": true, "ref_src": true, "ref_url": true, "__twitter_impression": true,
	"xtor": true, "at_medium": true, "at_campaign": true, "at_custom1": true, "at_custom2": true,
	"at_custom3": true, "at_custom4": true, "at_link": true, "at_link_id": true, "at_link_origin": true,
	"at_link_type": true, "at_ptr_name": true, "at_format": true, "at_bbc_team": true,
	"ns_mchannel": true, "ns_source": true, "ns_campaign": true, "ns_linkname": true, "ns_fee": true,
}

// normalizeTracking reports whether a query parameter name is tracking.
func normalizeTracking(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "utm_") || normalizeTrackingNames[n]
}

// normalizeMaxKey bounds a dedupe key; a longer key is replaced by its
// SHA-256 under the same prefix, so keys stay index-friendly.
const normalizeMaxKey = 512

// DedupeKey returns the key that identifies an item within its feed across
// publisher edits and polls: the GUID, else the canonical link, else a hash
// of the title and text. The item's date never enters the key, so a
// re-dated item is not new.
//
//   - A GUID that is an http(s) URL is canonicalized like a link and keyed
//     without its scheme ("url:example.com/a?id=1"): a feed that moves to
//     https, changes host case or adds tracking parameters to its GUIDs
//     keeps its keys, and so does one that drops a permalink GUID for the
//     same link.
//   - Any other GUID is keyed as given, trimmed: "guid:tag:example.com,2025:1".
//   - With neither, "hash:" and the SHA-256 of the lower-cased title and
//     text with white space collapsed.
//
// Keys longer than 512 bytes are hashed under their prefix.
func DedupeKey(guid, link, title, text string) string {
	if guid = strings.TrimSpace(guid); guid != "" {
		if k, ok := normalizeURLKey(guid); ok {
			return k
		}
		return normalizeCap("guid:", guid)
	}
	if k, ok := normalizeURLKey(link); ok {
		return k
	}
	h := sha256.New()
	normalizeHashWrite(h, title)
	h.Write([]byte{'\n'})
	normalizeHashWrite(h, text)
	return "hash:" + hex.EncodeToString(h.Sum(nil))
}

// normalizeURLKey returns the "url:" key of an http(s) URL: its canonical
// form without the scheme.
func normalizeURLKey(raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	c, err := CanonicalURL(raw)
	if err != nil {
		return "", false
	}
	_, rest, _ := strings.Cut(c, "://")
	return normalizeCap("url:", rest), true
}

func normalizeCap(prefix, s string) string {
	if len(prefix)+len(s) <= normalizeMaxKey {
		return prefix + s
	}
	sum := sha256.Sum256([]byte(s))
	return prefix + "sha256:" + hex.EncodeToString(sum[:])
}

// normalizeHashWrite writes s lower-cased with runs of white space as one
// space, so reflowing text does not change the hash.
func normalizeHashWrite(h io.Writer, s string) {
	h.Write([]byte(strings.Join(strings.Fields(strings.ToLower(s)), " ")))
}

// normalizeResolve resolves ref against base and returns it only when the
// result is an absolute http or https URL. It does not canonicalize: feed
// and image addresses are fetched as the publisher wrote them.
func normalizeResolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil && !u.IsAbs() {
		u = base.ResolveReference(u)
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" || u.Host == "" {
		return ""
	}
	return u.String()
}

// normalizeBase parses an absolute http(s) URL to resolve against, or
// returns nil.
func normalizeBase(raw string) *url.URL {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return u
}
