package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"newsbot"
)

const deliveryColumns = `id, key, kind, guild_id, channel_id, user_id, payload, status, attempts, next_attempt_at,
	last_error, message_id, created_at, sent_at, edit_of`

func scanDelivery(row scanner) (newsbot.Delivery, error) {
	var d newsbot.Delivery
	var next, created, sent int64
	err := row.Scan(&d.ID, &d.Key, &d.Kind, &d.GuildID, &d.ChannelID, &d.UserID, &d.Payload, &d.Status,
		&d.Attempts, &next, &d.LastError, &d.MessageID, &created, &sent, &d.EditOf)
	d.NextAttemptAt, d.CreatedAt, d.SentAt = fromMS(next), fromMS(created), fromMS(sent)
	return d, err
}

// Enqueue writes deliveries to the outbox in one transaction. A delivery
// whose key is already there is skipped, so producers may enqueue the
// same thing again after a crash. It returns how many were new.
func (db *DB) Enqueue(ctx context.Context, ds []newsbot.Delivery) (int, error) {
	added := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = enqueue(ctx, tx, ds, db.Now())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: enqueue deliveries: %w", explain(err))
	}
	return added, nil
}

// ClaimDeliveries leases up to limit pending deliveries whose next attempt
// is due at now, oldest first, and counts the attempt. A sender that
// crashes leaves its lease to run out; the rows are then claimed again.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]newsbot.Delivery, error) {
	var out []newsbot.Delivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND lease_until <= ?
				ORDER BY id LIMIT ?)
			RETURNING `+deliveryColumns, ms(now.Add(lease)), ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	sortDeliveries(out)
	return out, nil
}

// Delivery returns the outbox row with key.
func (db *DB) Delivery(ctx context.Context, key string) (newsbot.Delivery, error) {
	d, err := scanDelivery(db.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE key = ?`, key))
	if err != nil {
		return d, fmt.Errorf("store: delivery %q: %w", key, notFound(err))
	}
	return d, nil
}

// LatestVersion returns the newest version of the message of delivery
// key: its latest edit, or the delivery itself.
func (db *DB) LatestVersion(ctx context.Context, key string) (newsbot.Delivery, error) {
	d, err := scanDelivery(db.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE key = ? OR edit_of = ? ORDER BY id DESC LIMIT 1`, key, key))
	if err != nil {
		return d, fmt.Errorf("store: latest version of %q: %w", key, notFound(err))
	}
	return d, nil
}

// MarkSent records that a delivery reached Discord as messageID.
func (db *DB) MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	return db.finishDelivery(ctx, id, "mark sent", `UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?,
		last_error = '', lease_until = 0 WHERE id = ?`, messageID, ms(at), id)
}

// MarkRetry records a failed attempt that may work later, at next.
func (db *DB) MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error {
	return db.finishDelivery(ctx, id, "retry", `UPDATE deliveries SET last_error = ?, next_attempt_at = ?, lease_until = 0
		WHERE id = ? AND status = 'pending'`, reason, ms(next), id)
}

// ReturnDelivery hands a claimed delivery back unsent, due at next: the
// claim does not count as an attempt (the sender kept the row back to
// keep a channel's order, or is shutting down).
func (db *DB) ReturnDelivery(ctx context.Context, id int64, next time.Time) error {
	return db.finishDelivery(ctx, id, "return", `UPDATE deliveries SET attempts = max(attempts - 1, 0), next_attempt_at = ?,
		lease_until = 0 WHERE id = ? AND status = 'pending'`, ms(next), id)
}

// MarkFailed records a delivery that can never succeed, and why.
func (db *DB) MarkFailed(ctx context.Context, id int64, reason string) error {
	return db.finishDelivery(ctx, id, "mark failed", `UPDATE deliveries SET status = 'failed', last_error = ?, lease_until = 0
		WHERE id = ?`, reason, id)
}

func (db *DB) finishDelivery(ctx context.Context, id int64, what, query string, args ...any) error {
	res, err := db.write.ExecContext(ctx, query, args...)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: %s delivery %d: %w", what, id, explain(err))
	}
	return nil
}
