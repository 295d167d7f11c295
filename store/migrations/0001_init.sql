-- Times are Unix milliseconds in UTC; 0 means "never" / unset.

CREATE TABLE feeds (
	id              INTEGER PRIMARY KEY,
	url             TEXT    NOT NULL UNIQUE,
	site_url        TEXT    NOT NULL DEFAULT '',
	title           TEXT    NOT NULL DEFAULT '',
	image_url       TEXT    NOT NULL DEFAULT '',
	etag            TEXT    NOT NULL DEFAULT '',
	last_modified   TEXT    NOT NULL DEFAULT '',
	interval_ms     INTEGER NOT NULL DEFAULT 0,
	next_check_at   INTEGER NOT NULL DEFAULT 0,
	lease_until     INTEGER NOT NULL DEFAULT 0,
	last_checked_at INTEGER NOT NULL DEFAULT 0,
	last_success_at INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	last_error_at   INTEGER NOT NULL DEFAULT 0,
	failures        INTEGER NOT NULL DEFAULT 0,
	disabled_at     INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL
);
-- The poller's claim: active feeds by due time.
CREATE INDEX feeds_due ON feeds (next_check_at) WHERE disabled_at = 0;

CREATE TABLE follows (
	id             INTEGER PRIMARY KEY,
	guild_id       TEXT    NOT NULL,
	channel_id     TEXT    NOT NULL,
	feed_id        INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	mode           TEXT    NOT NULL CHECK (mode IN ('instant', 'digest')),
	include        TEXT    NOT NULL DEFAULT '',
	exclude        TEXT    NOT NULL DEFAULT '',
	created_by     TEXT    NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	stopped_at     INTEGER NOT NULL DEFAULT 0,
	stopped_reason TEXT    NOT NULL DEFAULT '',
	UNIQUE (channel_id, feed_id)
);
CREATE INDEX follows_guild ON follows (guild_id, feed_id);
CREATE INDEX follows_feed ON follows (feed_id);

CREATE TABLE stories (
	id            INTEGER PRIMARY KEY,
	title         TEXT    NOT NULL DEFAULT '',
	fingerprint   INTEGER NOT NULL DEFAULT 0,
	first_seen_at INTEGER NOT NULL
);

CREATE TABLE articles (
	id           INTEGER PRIMARY KEY,
	feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	story_id     INTEGER REFERENCES stories (id),
	dedupe_key   TEXT    NOT NULL,
	url          TEXT    NOT NULL DEFAULT '',
	title        TEXT    NOT NULL DEFAULT '',
	author       TEXT    NOT NULL DEFAULT '',
	text         TEXT    NOT NULL DEFAULT '',
	summary      TEXT    NOT NULL DEFAULT '[]', -- JSON array of sentences
	image_url    TEXT    NOT NULL DEFAULT '',
	fingerprint  INTEGER NOT NULL DEFAULT 0,
	published_at INTEGER NOT NULL DEFAULT 0,
	fetched_at   INTEGER NOT NULL,
	backlog      INTEGER NOT NULL DEFAULT 0,
	UNIQUE (feed_id, dedupe_key)
);
CREATE INDEX articles_url ON articles (url);
CREATE INDEX articles_story ON articles (story_id);
-- Narrow covering index for search filters and digests: feed and age
-- without reading the wide rows.
CREATE INDEX articles_feed_time ON articles (feed_id, published_at);

-- Full-text index over title and text; external content. Inserts are
-- indexed by SaveBatch in one statement per transaction, not by a trigger:
-- FTS5 flushes its pending terms to disk at every statement of a
-- transaction, so a row-by-row trigger writes a segment per article and
-- spends its time merging them. Deletes and edits are kept in step here.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
	title,
	text,
	content = 'articles',
	content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
	INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;

CREATE TABLE digests (
	id          INTEGER PRIMARY KEY,
	guild_id    TEXT    NOT NULL,
	channel_id  TEXT    NOT NULL UNIQUE,
	cron        TEXT    NOT NULL,
	timezone    TEXT    NOT NULL,
	max_stories INTEGER NOT NULL,
	next_run_at INTEGER NOT NULL,
	last_run_at INTEGER NOT NULL DEFAULT 0,
	lease_until INTEGER NOT NULL DEFAULT 0,
	created_by  TEXT    NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);
CREATE INDEX digests_due ON digests (next_run_at);

CREATE TABLE subscriptions (
	id            INTEGER PRIMARY KEY,
	guild_id      TEXT    NOT NULL,
	user_id       TEXT    NOT NULL,
	topic         TEXT    NOT NULL,
	cadence       TEXT    NOT NULL CHECK (cadence IN ('instant', 'daily')),
	time_of_day   TEXT    NOT NULL DEFAULT '',
	timezone      TEXT    NOT NULL DEFAULT '',
	next_run_at   INTEGER NOT NULL DEFAULT 0,
	paused_at     INTEGER NOT NULL DEFAULT 0,
	paused_reason TEXT    NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	UNIQUE (guild_id, user_id, topic)
);
CREATE INDEX subscriptions_user ON subscriptions (user_id);

-- The outbox: everything sent to Discord is written here first.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	key             TEXT    NOT NULL UNIQUE,
	kind            TEXT    NOT NULL,
	guild_id        TEXT    NOT NULL DEFAULT '',
	channel_id      TEXT    NOT NULL DEFAULT '',
	user_id         TEXT    NOT NULL DEFAULT '',
	payload         BLOB    NOT NULL,
	status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL DEFAULT 0,
	lease_until     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	message_id      TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
