package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"newsbot"
)

const digestColumns = `id, guild_id, channel_id, cron, timezone, max_stories, next_run_at, last_run_at, created_by, created_at`

func scanDigest(row scanner) (newsbot.Digest, error) {
	var d newsbot.Digest
	var next, last, created int64
	err := row.Scan(&d.ID, &d.GuildID, &d.ChannelID, &d.Cron, &d.Timezone, &d.Max, &next, &last, &d.CreatedBy, &created)
	d.NextRunAt, d.LastRunAt, d.CreatedAt = fromMS(next), fromMS(last), fromMS(created)
	return d, err
}

// PutDigest creates or replaces the digest schedule of d.ChannelID. A
// replaced schedule keeps the end of its last window, so no story is sent
// twice nor skipped.
func (db *DB) PutDigest(ctx context.Context, d newsbot.Digest) (newsbot.Digest, error) {
	if err := d.Validate(); err != nil {
		return d, fmt.Errorf("store: schedule digest: %w", err)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = db.Now()
	}
	out, err := scanDigest(db.write.QueryRowContext(ctx, `INSERT INTO digests (guild_id, channel_id, cron, timezone,
		max_stories, next_run_at, last_run_at, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?)
		ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, cron = excluded.cron,
			timezone = excluded.timezone, max_stories = excluded.max_stories, next_run_at = excluded.next_run_at,
			created_by = excluded.created_by, lease_until = 0
		RETURNING `+digestColumns,
		d.GuildID, d.ChannelID, d.Cron, d.Timezone, d.Max, ms(d.NextRunAt), ms(d.LastRunAt), d.CreatedBy, ms(d.CreatedAt)))
	if err != nil {
		return d, fmt.Errorf("store: schedule digest in channel %s: %w", d.ChannelID, explain(err))
	}
	return out, nil
}

// ChannelDigest returns the digest schedule of a channel in guildID.
func (db *DB) ChannelDigest(ctx context.Context, guildID, channelID string) (newsbot.Digest, error) {
	d, err := scanDigest(db.db.QueryRowContext(ctx, `SELECT `+digestColumns+` FROM digests
		WHERE guild_id = ? AND channel_id = ?`, guildID, channelID))
	if err != nil {
		return d, fmt.Errorf("store: digest of channel %s: %w", channelID, notFound(err))
	}
	return d, nil
}

// DeleteDigest turns a channel's digest off.
func (db *DB) DeleteDigest(ctx context.Context, guildID, channelID string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM digests WHERE guild_id = ? AND channel_id = ?`, guildID, channelID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: delete digest of channel %s: %w", channelID, explain(err))
	}
	return nil
}

// ClaimDueDigests leases up to limit digests due at now that no other
// process holds, soonest first.
func (db *DB) ClaimDueDigests(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Digest, error) {
	var out []newsbot.Digest
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE digests SET lease_until = ?
			WHERE id IN (SELECT id FROM digests WHERE next_run_at <= ? AND lease_until <= ? ORDER BY next_run_at, id LIMIT ?)
			RETURNING `+digestColumns, ms(now.Add(lease)), ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDigest(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim due digests: %w", err)
	}
	slices.SortFunc(out, func(a, b newsbot.Digest) int {
		return cmp.Or(a.NextRunAt.Compare(b.NextRunAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// FinishDigest records a digest run in one transaction: its outbox rows,
// the end of the window it covered (lastRun; never moved back, so a late
// run cannot reopen a window another one closed) and when the next is due; the
// lease is released. Rows already in the outbox (a run repeated after a
// crash) are not written twice.
func (db *DB) FinishDigest(ctx context.Context, id int64, lastRun, nextRun time.Time, ds []newsbot.Delivery) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := enqueue(ctx, tx, ds, db.Now()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE digests SET last_run_at = max(last_run_at, ?), next_run_at = ?, lease_until = 0 WHERE id = ?`,
			ms(lastRun), ms(nextRun), id)
		if err == nil {
			err = mustAffect(res)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish digest %d: %w", id, explain(err))
	}
	return nil
}
