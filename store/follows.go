package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"newsbot"
)

const followColumns = `id, guild_id, channel_id, feed_id, mode, include, exclude, created_by, created_at, stopped_at, stopped_reason`

func scanFollow(row scanner) (newsbot.Follow, error) {
	var f newsbot.Follow
	var created, stopped int64
	err := row.Scan(&f.ID, &f.GuildID, &f.ChannelID, &f.FeedID, &f.Mode, &f.Include, &f.Exclude,
		&f.CreatedBy, &created, &stopped, &f.StoppedReason)
	f.CreatedAt, f.StoppedAt = fromMS(created), fromMS(stopped)
	return f, err
}

// AddFollow makes a channel follow a feed. A channel follows a feed once:
// a second follow is newsbot.ErrExists, unless the first was stopped
// (the bot had lost access to the channel), which it then replaces.
func (db *DB) AddFollow(ctx context.Context, f newsbot.Follow) (newsbot.Follow, error) {
	if err := f.Validate(); err != nil {
		return f, fmt.Errorf("store: add follow: %w", err)
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = db.Now()
	}
	f.CreatedAt = fromMS(ms(f.CreatedAt))
	err := db.write.QueryRowContext(ctx, `INSERT INTO follows (guild_id, channel_id, feed_id, mode, include, exclude,
		created_by, created_at, stopped_at, stopped_reason) VALUES (?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (channel_id, feed_id) DO UPDATE SET guild_id = excluded.guild_id, mode = excluded.mode,
			include = excluded.include, exclude = excluded.exclude, created_by = excluded.created_by,
			created_at = excluded.created_at, stopped_at = excluded.stopped_at, stopped_reason = excluded.stopped_reason
			WHERE follows.stopped_at > 0
		RETURNING id`,
		f.GuildID, f.ChannelID, f.FeedID, f.Mode, f.Include, f.Exclude, f.CreatedBy, ms(f.CreatedAt),
		ms(f.StoppedAt), f.StoppedReason).Scan(&f.ID)
	if errors.Is(err, sql.ErrNoRows) {
		err = newsbot.ErrExists
	}
	if err != nil {
		return f, fmt.Errorf("store: channel %s follow feed %d: %w", f.ChannelID, f.FeedID, explain(err))
	}
	return f, nil
}

// GuildFollows returns the follows of one guild, by channel and feed.
func (db *DB) GuildFollows(ctx context.Context, guildID string) ([]newsbot.Follow, error) {
	return db.queryFollows(ctx, "guild "+guildID+" follows",
		`SELECT `+followColumns+` FROM follows WHERE guild_id = ? ORDER BY channel_id, feed_id`, guildID)
}

// FeedFollows returns every follow of one feed, across guilds.
func (db *DB) FeedFollows(ctx context.Context, feedID int64) ([]newsbot.Follow, error) {
	return db.queryFollows(ctx, fmt.Sprintf("feed %d follows", feedID),
		`SELECT `+followColumns+` FROM follows WHERE feed_id = ? ORDER BY id`, feedID)
}

func (db *DB) queryFollows(ctx context.Context, what, query string, args ...any) ([]newsbot.Follow, error) {
	return queryAll(ctx, db, what, scanFollow, query, args...)
}

// RemoveFollow deletes a follow of guildID; another guild's follow is
// newsbot.ErrNotFound.
func (db *DB) RemoveFollow(ctx context.Context, guildID string, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM follows WHERE id = ? AND guild_id = ?`, id, guildID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: remove follow %d: %w", id, explain(err))
	}
	return nil
}

// StopFollow records that delivery to the follow's channel is impossible,
// and why; an empty reason resumes it.
func (db *DB) StopFollow(ctx context.Context, id int64, reason string, at time.Time) error {
	if reason == "" {
		at = time.Time{}
	}
	res, err := db.write.ExecContext(ctx, `UPDATE follows SET stopped_at = ?, stopped_reason = ? WHERE id = ?`, ms(at), reason, id)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: stop follow %d: %w", id, explain(err))
	}
	return nil
}
