package store

import (
	"context"

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
