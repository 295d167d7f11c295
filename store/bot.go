package store

import (
	"context"
	"strings"
	"time"

	"newsbot"
)

// GuildFeeds returns the feeds followed in a guild, each once however many
// of its channels follow it, by title (case folded) then id. It is what
// /feed list, source autocomplete and /feed why may show to that guild.
func (db *DB) GuildFeeds(ctx context.Context, guildID string) ([]newsbot.Feed, error) {
	return db.queryFeeds(ctx, "guild "+guildID+" feeds",
		`SELECT `+feedColumns+` FROM feeds
		WHERE id IN (SELECT feed_id FROM follows WHERE guild_id = ?)
		ORDER BY lower(title), id`, guildID)
}

// searchPool is how many of the newest matches Search ranks; see Search.
const searchPool = 1000

// rankedHit is an article's place in a ranking.
type rankedHit struct {
	id    int64
	score float64
}

// rank returns up to limit of the pool newest matches within the query's
// guild, feeds and since, best first.
func (db *DB) rank(ctx context.Context, q newsbot.Query, match string, now time.Time, pool, limit int) ([]rankedHit, error) {
	narrow, err := db.narrowScope(ctx, q)
	if err != nil {
		return nil, err
	}
	// col names a column of the scope's rows: of the articles subquery
	// for a narrow scope, of each match's own row (a) otherwise, where the
	// unary + keeps SQLite from probing the feed list per match.
	col := func(name string) string { return "+a." + name }
	if narrow {
		col = func(name string) string { return name }
	}
	var scope []string
	var args []any
	if q.GuildID != "" {
		scope = append(scope, col("feed_id")+` IN (SELECT feed_id FROM follows WHERE guild_id = ?)`)
		args = append(args, q.GuildID)
	}
	if len(q.FeedIDs) > 0 {
		scope = append(scope, col("feed_id")+` IN (`+placeholders(len(q.FeedIDs))+`)`)
		for _, id := range q.FeedIDs {
			args = append(args, id)
		}
	}
	if !q.Since.IsZero() {
		scope = append(scope, col("published_at")+` >= ?`)
		args = append(args, ms(q.Since))
	}
	filter := ""
	switch {
	case len(scope) == 0:
	case narrow:
		// A few feeds: the IDs of their articles come from the narrow
		// (feed_id, published_at) index, and the unary + makes them a
		// filter on the matches FTS5 walks, not a list of rows to probe
		// the full-text index with one by one.
		filter = ` AND +articles_fts.rowid IN (SELECT id FROM articles WHERE ` + strings.Join(scope, " AND ") + `)`
	default:
		// Most feeds: check each match's own row.
		filter = ` AND ` + strings.Join(scope, " AND ")
	}
	args = append([]any{ms(now), float64(recencyHalfLife.Milliseconds()), match}, args...)
	args = append(args, pool, limit)
	// The inner query walks the matches newest first (article IDs grow
	// with time) and stops at the pool's size, so BM25 is computed for
	// those rows only; snippets and whole rows are read for the page
	// alone (hits).
	rows, err := db.db.QueryContext(ctx, `SELECT id, score FROM (
			SELECT articles_fts.rowid AS id,
				-bm25(articles_fts, 4.0, 1.0) / (1.0 + max(0, ? - a.published_at) / ?) AS score
			FROM articles_fts
			JOIN articles a ON a.id = articles_fts.rowid
			WHERE articles_fts MATCH ?`+filter+`
			ORDER BY articles_fts.rowid DESC
			LIMIT ?)
		ORDER BY score DESC, id DESC
		LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rankedHit
	for rows.Next() {
		var r rankedHit
		if err := rows.Scan(&r.id, &r.score); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// narrowScope reports whether a query is limited to under a tenth of the
// feeds. Then listing the scope's articles is cheaper than checking the
// feed of every match; for wider scopes it is the other way round.
func (db *DB) narrowScope(ctx context.Context, q newsbot.Query) (bool, error) {
	if q.GuildID == "" && len(q.FeedIDs) == 0 {
		return false, nil
	}
	var total, followed int
	err := db.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM feeds),
		(SELECT count(DISTINCT feed_id) FROM follows WHERE guild_id = ?)`, q.GuildID).Scan(&total, &followed)
	if err != nil {
		return false, err
	}
	inScope := followed
	if q.GuildID == "" || (len(q.FeedIDs) > 0 && len(q.FeedIDs) < inScope) {
		inScope = len(q.FeedIDs)
	}
	return inScope*10 < total, nil
}

// hits reads the ranked articles with their feed titles and snippets, in
// the ranking's order.
func (db *DB) hits(ctx context.Context, match string, ranked []rankedHit) ([]newsbot.SearchHit, error) {
	if len(ranked) == 0 {
		return nil, nil
	}
	args := []any{newsbot.SnippetOpen, newsbot.SnippetClose, match}
	for _, r := range ranked {
		args = append(args, r.id)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+articleColumns+`, f.title,
			snippet(articles_fts, 1, ?, ?, '…', 24)
		FROM articles_fts
		JOIN articles a ON a.id = articles_fts.rowid
		JOIN feeds f ON f.id = a.feed_id
		WHERE articles_fts MATCH ? AND articles_fts.rowid IN (`+placeholders(len(ranked))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]newsbot.SearchHit, len(ranked))
	for rows.Next() {
		var h newsbot.SearchHit
		if h.Article, err = scanArticle(rows, &h.FeedTitle, &h.Snippet); err != nil {
			return nil, err
		}
		byID[h.Article.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]newsbot.SearchHit, 0, len(ranked))
	for _, r := range ranked {
		if h, ok := byID[r.id]; ok { // gone if deleted in between
			h.Score = r.score
			out = append(out, h)
		}
	}
	return out, nil
}
