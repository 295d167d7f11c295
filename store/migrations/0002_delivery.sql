-- Delivery: the router's cursor, the stories posted per channel, topic
-- matches waiting for a DM, muted sources, and what channels were last
-- told about a feed's health.

-- cursors keeps how far a background job has read (the router: the last
-- article id it routed), so a restart resumes there.
CREATE TABLE cursors (
	name  TEXT    PRIMARY KEY,
	value INTEGER NOT NULL
);

-- posted records each story posted in a channel and the outbox row that
-- carried it: one story is posted once per channel, whichever feed brings
-- it, and /feed why can tell where it went.
CREATE TABLE posted (
	channel_id   TEXT    NOT NULL,
	story_id     INTEGER NOT NULL,
	delivery_key TEXT    NOT NULL,
	PRIMARY KEY (channel_id, story_id)
) WITHOUT ROWID;

-- matches holds articles that matched a subscription; delivery_key is
-- empty until a DM carries them. A user gets a story once.
CREATE TABLE matches (
	id              INTEGER PRIMARY KEY,
	subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	user_id         TEXT    NOT NULL,
	guild_id        TEXT    NOT NULL,
	article_id      INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	story_id        INTEGER NOT NULL,
	matched_at      INTEGER NOT NULL,
	delivery_key    TEXT    NOT NULL DEFAULT '',
	UNIQUE (user_id, story_id)
);
CREATE INDEX matches_waiting ON matches (user_id, subscription_id) WHERE delivery_key = '';
CREATE INDEX matches_article ON matches (article_id);

-- mutes are sources a user asked not to hear from in DMs.
CREATE TABLE mutes (
	user_id    TEXT    NOT NULL,
	feed_id    INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, feed_id)
) WITHOUT ROWID;

-- feed_health is what channels were last told about a feed ('ok' when
-- absent), so a failing feed is announced once, not once per failure.
CREATE TABLE feed_health (
	feed_id INTEGER PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
	state   TEXT    NOT NULL CHECK (state IN ('ok', 'failing', 'disabled'))
);

-- A user is told once that their subscriptions were paused.
ALTER TABLE subscriptions ADD COLUMN pause_told INTEGER NOT NULL DEFAULT 0;

-- An edit names the delivery whose message it replaces.
ALTER TABLE deliveries ADD COLUMN edit_of TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_edit_of ON deliveries (edit_of) WHERE edit_of != '';

-- DM pacing reads a user's recent DMs.
CREATE INDEX deliveries_dm ON deliveries (user_id, created_at) WHERE kind = 'dm';
CREATE INDEX deliveries_channel ON deliveries (channel_id) WHERE status = 'pending';

-- Articles stored before delivery existed count as routed: an upgrade
-- must not post a feed's whole history.
INSERT INTO cursors (name, value) SELECT 'route', coalesce(max(id), 0) FROM articles;
