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

const feedColumns = `id, url, site_url, title, image_url, etag, last_modified, interval_ms,
	next_check_at, last_checked_at, last_success_at, last_error, last_error_at,
	failures, disabled_at, created_at`

func scanFeed(row scanner) (newsbot.Feed, error) {
	var f newsbot.Feed
	var interval, next, checked, success, errAt, disabled, created int64
	err := row.Scan(&f.ID, &f.URL, &f.SiteURL, &f.Title, &f.ImageURL, &f.ETag, &f.LastModified,
		&interval, &next, &checked, &success, &f.LastError, &errAt, &f.Failures, &disabled, &created)
	if err != nil {
		return f, err
	}
	f.Interval = time.Duration(interval) * time.Millisecond
	f.NextCheckAt, f.LastCheckedAt, f.LastSuccessAt = fromMS(next), fromMS(checked), fromMS(success)
	f.LastErrorAt, f.DisabledAt, f.CreatedAt = fromMS(errAt), fromMS(disabled), fromMS(created)
	return f, nil
}

// EnsureFeed returns the feed with f.URL, creating it from f if there is
// none. created reports which happened.
func (db *DB) EnsureFeed(ctx context.Context, f newsbot.Feed) (feed newsbot.Feed, created bool, err error) {
	if err := f.Validate(); err != nil {
		return feed, false, fmt.Errorf("store: add feed: %w", err)
	}
	now := db.Now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		feed, err = scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE url = ?`, f.URL))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if f.CreatedAt.IsZero() {
			f.CreatedAt = now
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO feeds (url, site_url, title, image_url, etag, last_modified,
			interval_ms, next_check_at, last_checked_at, last_success_at, last_error, last_error_at,
			failures, disabled_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			f.URL, f.SiteURL, f.Title, f.ImageURL, f.ETag, f.LastModified, f.Interval.Milliseconds(),
			ms(f.NextCheckAt), ms(f.LastCheckedAt), ms(f.LastSuccessAt), f.LastError, ms(f.LastErrorAt),
			f.Failures, ms(f.DisabledAt), ms(f.CreatedAt))
		if err != nil {
			return err
		}
		f.ID, err = res.LastInsertId()
		feed, created = f, true
		feed.CreatedAt = fromMS(ms(f.CreatedAt))
		return err
	})
	if err != nil {
		return newsbot.Feed{}, false, fmt.Errorf("store: add feed %q: %w", f.URL, err)
	}
	return feed, created, nil
}

// Feed returns the feed with id.
func (db *DB) Feed(ctx context.Context, id int64) (newsbot.Feed, error) {
	f, err := scanFeed(db.db.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE id = ?`, id))
	if err != nil {
		return f, fmt.Errorf("store: feed %d: %w", id, notFound(err))
	}
	return f, nil
}

// FeedByURL returns the feed polled at url.
func (db *DB) FeedByURL(ctx context.Context, url string) (newsbot.Feed, error) {
	f, err := scanFeed(db.db.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE url = ?`, url))
	if err != nil {
		return f, fmt.Errorf("store: feed %q: %w", url, notFound(err))
	}
	return f, nil
}

// Feeds returns every feed, by id.
func (db *DB) Feeds(ctx context.Context) ([]newsbot.Feed, error) {
	return db.queryFeeds(ctx, "list feeds", `SELECT `+feedColumns+` FROM feeds ORDER BY id`)
}

func (db *DB) queryFeeds(ctx context.Context, what, query string, args ...any) ([]newsbot.Feed, error) {
	return queryAll(ctx, db, what, scanFeed, query, args...)
}

// UpdateFeed saves everything about f but its URL and creation time, and
// releases the poller's lease on it.
func (db *DB) UpdateFeed(ctx context.Context, f newsbot.Feed) error {
	res, err := db.write.ExecContext(ctx, `UPDATE feeds SET site_url = ?, title = ?, image_url = ?, etag = ?,
		last_modified = ?, interval_ms = ?, next_check_at = ?, last_checked_at = ?, last_success_at = ?,
		last_error = ?, last_error_at = ?, failures = ?, disabled_at = ?, lease_until = 0 WHERE id = ?`,
		f.SiteURL, f.Title, f.ImageURL, f.ETag, f.LastModified, f.Interval.Milliseconds(), ms(f.NextCheckAt),
		ms(f.LastCheckedAt), ms(f.LastSuccessAt), f.LastError, ms(f.LastErrorAt), f.Failures, ms(f.DisabledAt), f.ID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: update feed %d: %w", f.ID, explain(err))
	}
	return nil
}

// ClaimDueFeeds leases up to limit active feeds whose next check is due at
// now and that no other poller holds, soonest first. A lease that runs out
// (its poller crashed) makes the feed claimable again.
func (db *DB) ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Feed, error) {
	return db.claimFeeds(ctx, now, lease, limit, "")
}

// ClaimFollowedFeeds is ClaimDueFeeds for the feeds some channel follows
// (and can be posted to): a feed nobody follows any more is not read,
// and is due at once when a channel follows it again.
func (db *DB) ClaimFollowedFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Feed, error) {
	return db.claimFeeds(ctx, now, lease, limit,
		`AND EXISTS (SELECT 1 FROM follows fl WHERE fl.feed_id = feeds.id AND fl.stopped_at = 0)`)
}

// claimFeeds leases due feeds; filter (SQL we wrote, not input) narrows
// which.
func (db *DB) claimFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int, filter string) ([]newsbot.Feed, error) {
	var feeds []newsbot.Feed
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE feeds SET lease_until = ?
			WHERE id IN (SELECT id FROM feeds WHERE disabled_at = 0 AND next_check_at <= ? AND lease_until <= ? `+filter+`
				ORDER BY next_check_at, id LIMIT ?)
			RETURNING `+feedColumns, ms(now.Add(lease)), ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFeed(rows)
			if err != nil {
				return err
			}
			feeds = append(feeds, f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim due feeds: %w", err)
	}
	sortFeedsByDue(feeds)
	return feeds, nil
}

// EnableFeed clears a feed's disabled state and failure count and makes
// it due at once.
func (db *DB) EnableFeed(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, `UPDATE feeds SET disabled_at = 0, failures = 0, next_check_at = 0, lease_until = 0 WHERE id = ?`, id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: enable feed %d: %w", id, explain(err))
	}
	return nil
}

// DeleteFeed removes a feed with its follows and articles.
func (db *DB) DeleteFeed(ctx context.Context, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: delete feed %d: %w", id, explain(err))
	}
	return nil
}

func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return newsbot.ErrNotFound
	}
	return nil
}

// sortFeedsByDue orders claimed feeds soonest first: RETURNING gives no
// order.
func sortFeedsByDue(feeds []newsbot.Feed) {
	slices.SortFunc(feeds, func(a, b newsbot.Feed) int {
		return cmp.Or(a.NextCheckAt.Compare(b.NextCheckAt), cmp.Compare(a.ID, b.ID))
	})
}

// sortDeliveries orders claimed deliveries oldest first.
func sortDeliveries(ds []newsbot.Delivery) {
	slices.SortFunc(ds, func(a, b newsbot.Delivery) int { return cmp.Compare(a.ID, b.ID) })
}
