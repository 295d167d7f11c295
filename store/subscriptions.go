package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"newsbot"
)

const subscriptionColumns = `id, guild_id, user_id, topic, cadence, time_of_day, timezone, next_run_at, paused_at, paused_reason, created_at`

func scanSubscription(row scanner) (newsbot.Subscription, error) {
	var s newsbot.Subscription
	var next, paused, created int64
	err := row.Scan(&s.ID, &s.GuildID, &s.UserID, &s.Topic, &s.Cadence, &s.Time, &s.Timezone, &next, &paused, &s.PausedReason, &created)
	s.NextRunAt, s.PausedAt, s.CreatedAt = fromMS(next), fromMS(paused), fromMS(created)
	return s, err
}

// AddSubscription stores a user's topic. The same topic twice is
// newsbot.ErrExists; more than newsbot.MaxSubscriptionsPerUser topics in a
// guild is newsbot.ErrInvalid.
func (db *DB) AddSubscription(ctx context.Context, s newsbot.Subscription) (newsbot.Subscription, error) {
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("store: subscribe: %w", err)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.Now()
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM subscriptions WHERE guild_id = ? AND user_id = ?`,
			s.GuildID, s.UserID).Scan(&n); err != nil {
			return err
		}
		if n >= newsbot.MaxSubscriptionsPerUser {
			return fmt.Errorf("at most %d topics per user: %w", newsbot.MaxSubscriptionsPerUser, newsbot.ErrInvalid)
		}
		// DMs reach a user, not a topic: while the user's other topics are
		// paused because Discord refused a DM, a new one is paused too.
		told := 0
		if s.PausedAt.IsZero() {
			var paused int64
			err := tx.QueryRowContext(ctx, `SELECT paused_at, paused_reason, pause_told FROM subscriptions
				WHERE user_id = ? AND paused_at > 0 ORDER BY paused_at DESC LIMIT 1`, s.UserID).Scan(&paused, &s.PausedReason, &told)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			s.PausedAt = fromMS(paused)
		}
		var err error
		s, err = scanSubscription(tx.QueryRowContext(ctx, `INSERT INTO subscriptions (guild_id, user_id, topic, cadence,
			time_of_day, timezone, next_run_at, paused_at, paused_reason, pause_told, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)
			RETURNING `+subscriptionColumns, s.GuildID, s.UserID, s.Topic, s.Cadence, s.Time, s.Timezone,
			ms(s.NextRunAt), ms(s.PausedAt), s.PausedReason, told, ms(s.CreatedAt)))
		if isUnique(err) {
			return newsbot.ErrExists
		}
		return err
	})
	if err != nil {
		return s, fmt.Errorf("store: subscribe user %s to %q: %w", s.UserID, s.Topic, explain(err))
	}
	return s, nil
}

// UserSubscriptions returns a user's topics in one guild, oldest first.
func (db *DB) UserSubscriptions(ctx context.Context, guildID, userID string) ([]newsbot.Subscription, error) {
	return db.querySubscriptions(ctx, "subscriptions of user "+userID,
		`SELECT `+subscriptionColumns+` FROM subscriptions WHERE guild_id = ? AND user_id = ? ORDER BY id`, guildID, userID)
}

// AllSubscriptions returns every subscription, for building the matcher.
func (db *DB) AllSubscriptions(ctx context.Context) ([]newsbot.Subscription, error) {
	return db.querySubscriptions(ctx, "all subscriptions", `SELECT `+subscriptionColumns+` FROM subscriptions ORDER BY id`)
}

func (db *DB) querySubscriptions(ctx context.Context, what, query string, args ...any) ([]newsbot.Subscription, error) {
	return queryAll(ctx, db, what, scanSubscription, query, args...)
}

// RemoveSubscription deletes a user's topic in a guild.
func (db *DB) RemoveSubscription(ctx context.Context, guildID, userID, topic string) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM subscriptions WHERE guild_id = ? AND user_id = ? AND topic = ?`,
		guildID, userID, topic)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("store: unsubscribe user %s from %q: %w", userID, topic, explain(err))
	}
	return nil
}

// PauseSubscriptions pauses (or, with an empty reason, resumes) every
// subscription of a user, in every guild: DMs reach a user, not a guild.
func (db *DB) PauseSubscriptions(ctx context.Context, userID, reason string, at time.Time) error {
	if reason == "" {
		at = time.Time{}
	}
	// A new pause is told anew, even after an earlier one was.
	if _, err := db.write.ExecContext(ctx, `UPDATE subscriptions SET paused_at = ?, paused_reason = ?, pause_told = 0
		WHERE user_id = ?`, ms(at), reason, userID); err != nil {
		return fmt.Errorf("store: pause subscriptions of user %s: %w", userID, explain(err))
	}
	return nil
}
