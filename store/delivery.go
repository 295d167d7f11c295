package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"newsbot"
)

// maxParams bounds the ids bound in one statement, well within SQLite's
// limit on parameters.
const maxParams = 500

// Cursor returns how far the job name has read; 0 when it never ran.
func (db *DB) Cursor(ctx context.Context, name string) (int64, error) {
	var v int64
	err := db.db.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: cursor %s: %w", name, err)
	}
	return v, nil
}

// ArticlesAfter returns up to limit articles whose id is above afterID,
// in id order: the order they were stored.
func (db *DB) ArticlesAfter(ctx context.Context, afterID int64, limit int) ([]newsbot.Article, error) {
	return db.queryArticles(ctx, "articles to route",
		`SELECT `+articleColumns+` FROM articles a WHERE a.id > ? ORDER BY a.id LIMIT ?`, afterID, limit)
}

// PostedStories reports which of storyIDs were posted in a channel.
func (db *DB) PostedStories(ctx context.Context, channelID string, storyIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool)
	for chunk := range slices.Chunk(storyIDs, maxParams) {
		args := append([]any{channelID}, anySlice(chunk)...)
		rows, err := db.db.QueryContext(ctx, `SELECT story_id FROM posted WHERE channel_id = ? AND story_id IN (`+
			placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: stories posted in channel %s: %w", channelID, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: stories posted in channel %s: %w", channelID, err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: stories posted in channel %s: %w", channelID, err)
		}
	}
	return out, nil
}

// PostedStory returns the outbox row that posted a story in a channel.
func (db *DB) PostedStory(ctx context.Context, channelID string, storyID int64) (newsbot.Delivery, error) {
	d, err := scanDelivery(db.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE key = (SELECT delivery_key FROM posted WHERE channel_id = ? AND story_id = ?)`, channelID, storyID))
	if err != nil {
		return d, fmt.Errorf("store: story %d in channel %s: %w", storyID, channelID, notFound(err))
	}
	return d, nil
}

// CommitRoute records in one transaction what the router made of the
// articles up to id to: the outbox rows (with the stories each post
// carries), the subscription matches (skipping sources the user muted
// and stories the user has had), and the cursor. It returns how many
// outbox rows were new.
func (db *DB) CommitRoute(ctx context.Context, cursor string, to int64, ds []newsbot.Delivery, ms []newsbot.Match) (int, error) {
	added := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if added, err = enqueue(ctx, tx, ds, db.Now()); err != nil {
			return err
		}
		if err := insertMatches(ctx, tx, ms); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cursors (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, cursor, to)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: commit route to article %d: %w", to, explain(err))
	}
	return added, nil
}

// enqueue inserts outbox rows and, for posts, the stories they carry;
// rows whose key exists are skipped.
func enqueue(ctx context.Context, tx *sql.Tx, ds []newsbot.Delivery, now time.Time) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (key, kind, guild_id, channel_id, user_id, payload,
		status, next_attempt_at, created_at, edit_of) VALUES (?,?,?,?,?,?,'pending',?,?,?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	added := 0
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			return added, err
		}
		if d.Payload == nil {
			d.Payload = []byte{}
		}
		res, err := stmt.ExecContext(ctx, d.Key, d.Kind, d.GuildID, d.ChannelID, d.UserID, d.Payload,
			ms(d.NextAttemptAt), ms(now), d.EditOf)
		if err != nil {
			return added, fmt.Errorf("delivery %q: %w", d.Key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return added, err
		}
		added += int(n)
		for _, story := range d.Stories {
			if _, err := tx.ExecContext(ctx, `INSERT INTO posted (channel_id, story_id, delivery_key) VALUES (?,?,?)
				ON CONFLICT DO NOTHING`, d.ChannelID, story, d.Key); err != nil {
				return added, fmt.Errorf("delivery %q story %d: %w", d.Key, story, err)
			}
		}
	}
	return added, nil
}

func insertMatches(ctx context.Context, tx *sql.Tx, matches []newsbot.Match) error {
	if len(matches) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO matches (subscription_id, user_id, guild_id, article_id, story_id, matched_at)
		SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM mutes m JOIN articles a ON a.feed_id = m.feed_id
			WHERE m.user_id = ? AND a.id = ?)
		ON CONFLICT (user_id, story_id) DO NOTHING`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, m := range matches {
		if _, err := stmt.ExecContext(ctx, m.SubscriptionID, m.UserID, m.GuildID, m.ArticleID, m.StoryID, ms(m.MatchedAt),
			m.UserID, m.ArticleID); err != nil {
			return fmt.Errorf("match of subscription %d: %w", m.SubscriptionID, err)
		}
	}
	return nil
}

// DueDMUsers returns the users with matches of instant subscriptions
// waiting, who had no DM since quietSince and fewer than dailyCap since
// dayAgo.
func (db *DB) DueDMUsers(ctx context.Context, quietSince, dayAgo time.Time, dailyCap int) ([]string, error) {
	return queryAll(ctx, db, "users due a DM", func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT m.user_id FROM matches m JOIN subscriptions s ON s.id = m.subscription_id
		WHERE m.delivery_key = '' AND s.cadence = 'instant' AND s.paused_at = 0
		GROUP BY m.user_id
		HAVING coalesce((SELECT max(d.created_at) FROM deliveries d WHERE d.kind = 'dm' AND d.user_id = m.user_id), 0) <= ?
			AND (SELECT count(*) FROM deliveries d WHERE d.kind = 'dm' AND d.user_id = m.user_id AND d.created_at > ?) < ?
		ORDER BY m.user_id`, ms(quietSince), ms(dayAgo), dailyCap)
}

// WaitingMatches returns a user's matches that no DM carried yet, with
// their articles and topics, oldest first: those of instant
// subscriptions when subscriptionID is 0, else those of that one.
func (db *DB) WaitingMatches(ctx context.Context, userID string, subscriptionID int64) ([]newsbot.Match, error) {
	filter, arg := `s.cadence = 'instant'`, any(nil)
	if subscriptionID != 0 {
		filter, arg = `s.id = ?`, subscriptionID
	}
	args := []any{userID}
	if arg != nil {
		args = append(args, arg)
	}
	return queryAll(ctx, db, "waiting matches of user "+userID, func(r scanner) (newsbot.Match, error) {
		var m newsbot.Match
		var at int64
		a, err := scanArticle(r, &m.ID, &m.SubscriptionID, &m.UserID, &m.GuildID, &m.StoryID, &at, &m.Topic)
		m.Article, m.ArticleID, m.MatchedAt = a, a.ID, fromMS(at)
		return m, err
	}, `SELECT `+articleColumns+`, m.id, m.subscription_id, m.user_id, m.guild_id, m.story_id, m.matched_at, s.topic
		FROM matches m JOIN subscriptions s ON s.id = m.subscription_id JOIN articles a ON a.id = m.article_id
		WHERE m.user_id = ? AND m.delivery_key = '' AND s.paused_at = 0 AND `+filter+`
		ORDER BY m.id`, args...)
}

// DueSubscriptions returns the daily subscriptions whose DM is due at
// now and not paused, soonest first.
func (db *DB) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]newsbot.Subscription, error) {
	return db.querySubscriptions(ctx, "due subscriptions", `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE cadence = 'daily' AND paused_at = 0 AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?`, ms(now), limit)
}

// CommitDM records in one transaction a DM made of matchIDs: its outbox
// rows, the matches marked as carried by the first row's key, and, for a
// daily subscription (subscriptionID not 0), its next run. A match that
// another process carried already makes it newsbot.ErrConflict, and nothing is
// written.
func (db *DB) CommitDM(ctx context.Context, matchIDs []int64, ds []newsbot.Delivery, subscriptionID int64, next time.Time) error {
	if len(matchIDs) > 0 && len(ds) == 0 {
		return fmt.Errorf("store: commit DM: %d matches and no message: %w", len(matchIDs), newsbot.ErrInvalid)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := enqueue(ctx, tx, ds, db.Now()); err != nil {
			return err
		}
		for chunk := range slices.Chunk(matchIDs, maxParams) {
			args := append([]any{ds[0].Key}, anySlice(chunk)...)
			res, err := tx.ExecContext(ctx, `UPDATE matches SET delivery_key = ? WHERE delivery_key = '' AND id IN (`+
				placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || int(n) != len(chunk) {
				return cmp.Or(err, newsbot.ErrConflict)
			}
		}
		if subscriptionID != 0 {
			res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET next_run_at = ? WHERE id = ?`, ms(next), subscriptionID)
			if err == nil {
				err = mustAffect(res)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: commit DM: %w", explain(err))
	}
	return nil
}

// MuteFeed stops DMs to a user about articles of a feed; matches already
// waiting from it are dropped.
func (db *DB) MuteFeed(ctx context.Context, userID string, feedID int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mutes (user_id, feed_id, created_at) VALUES (?,?,?)
			ON CONFLICT DO NOTHING`, userID, feedID, ms(db.Now())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM matches WHERE user_id = ? AND delivery_key = ''
			AND article_id IN (SELECT id FROM articles WHERE feed_id = ?)`, userID, feedID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: mute feed %d for user %s: %w", feedID, userID, explain(err))
	}
	return nil
}

// MutedFeeds returns the feeds a user muted, by title.
func (db *DB) MutedFeeds(ctx context.Context, userID string) ([]newsbot.Feed, error) {
	return db.queryFeeds(ctx, "feeds muted by user "+userID, `SELECT `+feedColumns+` FROM feeds
		WHERE id IN (SELECT feed_id FROM mutes WHERE user_id = ?) ORDER BY title, id`, userID)
}

// UnmuteFeed lets a feed's articles reach a user's DMs again.
func (db *DB) UnmuteFeed(ctx context.Context, userID string, feedID int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM mutes WHERE user_id = ? AND feed_id = ?`, userID, feedID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: unmute feed %d for user %s: %w", feedID, userID, explain(err))
	}
	return nil
}

// Subscription returns a user's subscription by id.
func (db *DB) Subscription(ctx context.Context, userID string, id int64) (newsbot.Subscription, error) {
	s, err := scanSubscription(db.db.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE id = ? AND user_id = ?`, id, userID))
	if err != nil {
		return s, fmt.Errorf("store: subscription %d: %w", id, notFound(err))
	}
	return s, nil
}

// RemoveSubscriptionID deletes a user's subscription by id.
func (db *DB) RemoveSubscriptionID(ctx context.Context, userID string, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ? AND user_id = ?`, id, userID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: remove subscription %d: %w", id, explain(err))
	}
	return nil
}

// TakePauseNote returns why a user's subscriptions were paused, once:
// the first call after a pause returns the reason, later ones "".
func (db *DB) TakePauseNote(ctx context.Context, userID string) (string, error) {
	var reason string
	err := db.write.QueryRowContext(ctx, `UPDATE subscriptions SET pause_told = 1
		WHERE user_id = ? AND paused_at > 0 AND pause_told = 0 RETURNING paused_reason`, userID).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: pause note of user %s: %w", userID, explain(err))
	}
	return reason, nil
}

// StopChannel records that nothing can be sent to a channel: its follows
// stop with reason, and its pending outbox rows fail with it.
func (db *DB) StopChannel(ctx context.Context, channelID, reason string, at time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE follows SET stopped_at = ?, stopped_reason = ?
			WHERE channel_id = ? AND stopped_at = 0`, ms(at), reason, channelID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', last_error = ?, lease_until = 0
			WHERE channel_id = ? AND status = 'pending'`, reason, channelID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: stop channel %s: %w", channelID, explain(err))
	}
	return nil
}

// HealthChanges returns the followed feeds whose health differs from
// what their channels were last told: failing after failingAfter
// consecutive failures, disabled, or recovered.
func (db *DB) HealthChanges(ctx context.Context, failingAfter int) ([]newsbot.HealthChange, error) {
	return queryAll(ctx, db, "feed health changes", func(r scanner) (newsbot.HealthChange, error) {
		var c newsbot.HealthChange
		f, err := scanFeed(&prefixScanner{r, []any{&c.From, &c.To}})
		c.Feed = f
		return c, err
	}, `SELECT * FROM (SELECT coalesce(h.state, 'ok') AS told,
			CASE WHEN f.disabled_at > 0 THEN 'disabled' WHEN f.failures >= ? THEN 'failing'
				WHEN f.failures = 0 THEN 'ok' ELSE coalesce(h.state, 'ok') END AS now_state, `+feedColumns+`
		FROM feeds f LEFT JOIN feed_health h ON h.feed_id = f.id
		WHERE EXISTS (SELECT 1 FROM follows fl WHERE fl.feed_id = f.id AND fl.stopped_at = 0))
		WHERE told != now_state ORDER BY id`, failingAfter)
}

// prefixScanner scans leading columns into extra, then the rest into the
// destinations given to Scan.
type prefixScanner struct {
	r     scanner
	extra []any
}

func (p *prefixScanner) Scan(dest ...any) error { return p.r.Scan(append(p.extra, dest...)...) }

// CommitHealth records in one transaction the notices about a feed's new
// health and that its channels were told.
func (db *DB) CommitHealth(ctx context.Context, feedID int64, to newsbot.Health, ds []newsbot.Delivery) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := enqueue(ctx, tx, ds, db.Now()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO feed_health (feed_id, state) VALUES (?, ?)
			ON CONFLICT (feed_id) DO UPDATE SET state = excluded.state`, feedID, string(to))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: feed %d health %s: %w", feedID, to, explain(err))
	}
	return nil
}

// DigestArticles returns the articles of feedIDs first stored in
// (since, until], without backlog, newest first, at most limit.
func (db *DB) DigestArticles(ctx context.Context, feedIDs []int64, since, until time.Time, limit int) ([]newsbot.Article, error) {
	if len(feedIDs) == 0 {
		return nil, nil
	}
	args := append(anySlice(feedIDs), ms(since), ms(until), limit)
	return db.queryArticles(ctx, "digest articles", `SELECT `+articleColumns+` FROM articles a
		WHERE a.feed_id IN (`+placeholders(len(feedIDs))+`) AND a.fetched_at > ? AND a.fetched_at <= ? AND a.backlog = 0
		ORDER BY a.fetched_at DESC, a.id DESC LIMIT ?`, args...)
}

// StoriesArticles returns every article of the given stories, first seen
// first.
func (db *DB) StoriesArticles(ctx context.Context, storyIDs []int64) ([]newsbot.Article, error) {
	var out []newsbot.Article
	for chunk := range slices.Chunk(storyIDs, maxParams) {
		as, err := db.queryArticles(ctx, "stories articles", `SELECT `+articleColumns+` FROM articles a
			WHERE a.story_id IN (`+placeholders(len(chunk))+`) ORDER BY a.fetched_at, a.id`, anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

func anySlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
