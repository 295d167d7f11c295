package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"newsbot"
)

const articleColumns = `a.id, a.feed_id, coalesce(a.story_id, 0), a.dedupe_key, a.url, a.title, a.author, a.text,
	a.summary, a.image_url, a.fingerprint, a.published_at, a.fetched_at, a.backlog`

func scanArticle(row scanner, extra ...any) (newsbot.Article, error) {
	var a newsbot.Article
	var summary string
	var fp, published, fetched int64
	dest := append([]any{&a.ID, &a.FeedID, &a.StoryID, &a.DedupeKey, &a.URL, &a.Title, &a.Author, &a.Text,
		&summary, &a.ImageURL, &fp, &published, &fetched, &a.Backlog}, extra...)
	if err := row.Scan(dest...); err != nil {
		return a, err
	}
	a.Fingerprint = uint64(fp)
	a.PublishedAt, a.FetchedAt = fromMS(published), fromMS(fetched)
	if err := json.Unmarshal([]byte(summary), &a.Summary); err != nil {
		return a, fmt.Errorf("article %d summary: %w", a.ID, err)
	}
	return a, nil
}

// SaveArticles stores the articles of one feed that it does not have yet
// (by dedupe key) and returns those, with their ids, in the order given;
// see SaveBatch.
func (db *DB) SaveArticles(ctx context.Context, feedID int64, articles []newsbot.Article) ([]newsbot.Article, error) {
	batch := make([]newsbot.Article, len(articles))
	for i, a := range articles {
		a.FeedID = feedID
		batch[i] = a
	}
	saved, err := db.SaveBatch(ctx, batch)
	if err != nil {
		return nil, fmt.Errorf("store: save articles of feed %d: %w", feedID, errors.Unwrap(err))
	}
	return saved, nil
}

// SaveBatch stores, in one transaction, the articles (of any feeds, each
// named by its FeedID) that their feed does not have yet, by dedupe key,
// and returns those with their ids, in the order given. An article
// already stored is left as it is: an edit by the publisher is not news.
//
// StoryID says which story an article belongs to: a positive id joins
// that story; 0 starts a story of its own; a negative id starts a story
// new in this call, shared by every article of the call with the same
// negative id. Saved articles carry their real story id.
func (db *DB) SaveBatch(ctx context.Context, articles []newsbot.Article) ([]newsbot.Article, error) {
	now := db.Now()
	var saved []newsbot.Article
	err := db.tx(ctx, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO articles (feed_id, story_id, dedupe_key, url, title, author,
			text, summary, image_url, fingerprint, published_at, fetched_at, backlog)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (feed_id, dedupe_key) DO NOTHING RETURNING id`)
		if err != nil {
			return err
		}
		defer insert.Close()
		story, err := tx.PrepareContext(ctx, `INSERT INTO stories (title, fingerprint, first_seen_at) VALUES (?,?,?)`)
		if err != nil {
			return err
		}
		defer story.Close()
		setStory, err := tx.PrepareContext(ctx, `UPDATE articles SET story_id = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer setStory.Close()
		newStories := map[int64]int64{} // negative id in the call -> story id
		for _, a := range articles {
			if err := a.Validate(); err != nil {
				return err
			}
			if a.FetchedAt.IsZero() {
				a.FetchedAt = now
			}
			if a.PublishedAt.IsZero() {
				a.PublishedAt = a.FetchedAt
			}
			summary, err := json.Marshal(nonNil(a.Summary))
			if err != nil {
				return err
			}
			if a.StoryID < 0 && newStories[a.StoryID] != 0 {
				a.StoryID = newStories[a.StoryID]
			}
			var storyID any
			if a.StoryID > 0 {
				storyID = a.StoryID
			}
			err = insert.QueryRowContext(ctx, a.FeedID, storyID, a.DedupeKey, a.URL, a.Title, a.Author, a.Text,
				summary, a.ImageURL, int64(a.Fingerprint), ms(a.PublishedAt), ms(a.FetchedAt), a.Backlog).Scan(&a.ID)
			if err == sql.ErrNoRows {
				continue // stored before
			}
			if err != nil {
				return fmt.Errorf("article %q of feed %d: %w", a.DedupeKey, a.FeedID, err)
			}
			if a.StoryID <= 0 {
				res, err := story.ExecContext(ctx, a.Title, int64(a.Fingerprint), ms(a.FetchedAt))
				if err != nil {
					return err
				}
				id, err := res.LastInsertId()
				if err != nil {
					return err
				}
				if a.StoryID < 0 {
					newStories[a.StoryID] = id
				}
				a.StoryID = id
				if _, err := setStory.ExecContext(ctx, a.StoryID, a.ID); err != nil {
					return err
				}
			}
			a.PublishedAt, a.FetchedAt = fromMS(ms(a.PublishedAt)), fromMS(ms(a.FetchedAt))
			saved = append(saved, a)
		}
		if len(saved) == 0 {
			return nil
		}
		// Index the new rows in one statement (see the schema). They hold
		// every id from the first to the last: this transaction is the
		// only writer, and new rowids count up.
		_, err = tx.ExecContext(ctx, `INSERT INTO articles_fts (rowid, title, text)
			SELECT id, title, text FROM articles WHERE id BETWEEN ? AND ?`, saved[0].ID, saved[len(saved)-1].ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: save articles: %w", explain(err))
	}
	return saved, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Article returns the article with id.
func (db *DB) Article(ctx context.Context, id int64) (newsbot.Article, error) {
	a, err := scanArticle(db.db.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles a WHERE a.id = ?`, id))
	if err != nil {
		return a, fmt.Errorf("store: article %d: %w", id, notFound(err))
	}
	return a, nil
}

// ArticlesByURL returns every stored article with the canonical url, from
// any feed, oldest first.
func (db *DB) ArticlesByURL(ctx context.Context, url string) ([]newsbot.Article, error) {
	return db.queryArticles(ctx, "articles at "+url,
		`SELECT `+articleColumns+` FROM articles a WHERE a.url = ? ORDER BY a.id`, url)
}

// StoryArticles returns the articles of one story, first seen first.
func (db *DB) StoryArticles(ctx context.Context, storyID int64) ([]newsbot.Article, error) {
	return db.queryArticles(ctx, fmt.Sprintf("story %d articles", storyID),
		`SELECT `+articleColumns+` FROM articles a WHERE a.story_id = ? ORDER BY a.fetched_at, a.id`, storyID)
}

func (db *DB) queryArticles(ctx context.Context, what, query string, args ...any) ([]newsbot.Article, error) {
	return queryAll(ctx, db, what, func(r scanner) (newsbot.Article, error) { return scanArticle(r) }, query, args...)
}

// Story returns the story with id.
func (db *DB) Story(ctx context.Context, id int64) (newsbot.Story, error) {
	var s newsbot.Story
	var fp, first int64
	err := db.db.QueryRowContext(ctx, `SELECT id, title, fingerprint, first_seen_at FROM stories WHERE id = ?`, id).
		Scan(&s.ID, &s.Title, &fp, &first)
	if err != nil {
		return s, fmt.Errorf("store: story %d: %w", id, notFound(err))
	}
	s.Fingerprint, s.FirstSeenAt = uint64(fp), fromMS(first)
	return s, nil
}

// RecentArticles returns the articles first stored at or after since,
// oldest first, for rebuilding the in-memory story grouping index at
// start. Only ID, FeedID, StoryID, Title, Fingerprint, FetchedAt and the
// first leadChars characters of Text are filled.
func (db *DB) RecentArticles(ctx context.Context, since time.Time, leadChars int) ([]newsbot.Article, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, feed_id, story_id, title, substr(text, 1, ?), fingerprint, fetched_at
		FROM articles WHERE fetched_at >= ? AND story_id IS NOT NULL ORDER BY fetched_at, id`, leadChars, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: recent articles: %w", err)
	}
	defer rows.Close()
	var out []newsbot.Article
	for rows.Next() {
		var a newsbot.Article
		var fp, at int64
		if err := rows.Scan(&a.ID, &a.FeedID, &a.StoryID, &a.Title, &a.Text, &fp, &at); err != nil {
			return nil, fmt.Errorf("store: recent articles: %w", err)
		}
		a.Fingerprint, a.FetchedAt = uint64(fp), fromMS(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent articles: %w", err)
	}
	return out, nil
}

// KnownKeys reports which of keys a feed has stored already, so the poller
// extracts and summarizes only what is new.
func (db *DB) KnownKeys(ctx context.Context, feedID int64, keys []string) (map[string]bool, error) {
	known := make(map[string]bool)
	// SQLite allows 32766 parameters; feeds carry far fewer items, but
	// chunk anyway so a huge feed cannot fail here.
	for chunk := range slices.Chunk(keys, 500) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, feedID)
		for _, k := range chunk {
			args = append(args, k)
		}
		rows, err := db.db.QueryContext(ctx, `SELECT dedupe_key FROM articles WHERE feed_id = ? AND dedupe_key IN (`+
			placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: known keys of feed %d: %w", feedID, err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: known keys of feed %d: %w", feedID, err)
			}
			known[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: known keys of feed %d: %w", feedID, err)
		}
	}
	return known, nil
}

// recencyHalfLife is the age at which an article's relevance counts half.
const recencyHalfLife = 14 * 24 * time.Hour

// Search ranks articles by BM25 (a title match weighs four times a text
// match), scaled down with age, and returns a page of hits.
//
// Ranking every match is what makes common words slow: FTS5 scores each
// matching row, and each needs its article's age. So Search ranks the
// searchPool newest matches in the query's scope (article IDs grow with
// time, and FTS5 walks them newest first at no cost); a query with fewer
// matches is ranked whole. An article older than the pool would have
// needed a far better match to outrank thousands of newer ones after the
// recency boost. The pool does not depend on the page asked for, so
// paging is consistent.
func (db *DB) Search(ctx context.Context, q newsbot.Query) ([]newsbot.SearchHit, error) {
	match, err := ftsMatch(q)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	if q.Limit <= 0 {
		q.Limit = 5
	}
	ranked, err := db.rank(ctx, q, match, db.Now(), max(searchPool, q.Offset+q.Limit), q.Offset+q.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: search %q: %w", match, err)
	}
	hits, err := db.hits(ctx, match, ranked[min(q.Offset, len(ranked)):])
	if err != nil {
		return nil, fmt.Errorf("store: search %q: %w", match, err)
	}
	return hits, nil
}

// ftsMatch builds the FTS5 expression: every term a quoted string, so
// operators and column filters in user input are only text.
func ftsMatch(q newsbot.Query) (string, error) {
	var pos []string
	for _, w := range append(append([]string(nil), q.Words...), q.Phrases...) {
		if t := ftsString(w); t != "" {
			pos = append(pos, t)
		}
	}
	if len(pos) == 0 {
		return "", fmt.Errorf("query has no words to search for: %w", newsbot.ErrInvalid)
	}
	expr := "(" + strings.Join(pos, " AND ") + ")"
	for _, w := range q.Not {
		if t := ftsString(w); t != "" {
			expr += " NOT " + t
		}
	}
	return expr, nil
}

// ftsString quotes s as an FTS5 string, or returns "" when s holds no
// letter or digit (FTS5 would find nothing or fail on it).
func ftsString(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsFunc(s, isWordRune) {
		return ""
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
