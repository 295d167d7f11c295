// Package feeds brings news in: it fetches feeds and web pages over guarded
// HTTP, parses RSS, Atom and JSON feeds, normalizes their items (canonical
// URLs, dedupe keys), extracts the full text of articles whose feed only
// carries a teaser, groups articles from several sources into stories, and
// polls due feeds on a schedule. It also discovers the feeds of a web page
// and reads and writes OPML subscription lists.
//
// All outbound HTTP goes through a Fetcher, which refuses non-HTTP schemes
// and private, loopback, link-local and cloud-metadata addresses after DNS
// resolution, and caps body size, redirects, time and per-host concurrency.
package feeds
