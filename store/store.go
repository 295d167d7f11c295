// Package store persists newsbot's feeds, follows, articles, stories,
// digests, subscriptions and the delivery outbox, and searches articles.
//
// The backend is SQLite through modernc.org/sqlite (pure Go, FTS5 built
// in). Every method takes a context and wraps its errors with what it was
// doing; "not there" is newsbot.ErrNotFound and "already there"
// newsbot.ErrExists. The contract every backend meets is in
// store/storetest.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"newsbot"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is a newsbot store backed by one SQLite file.
type DB struct {
	// db reads; write writes, through a single connection. SQLite allows
	// one writer at a time, and writers that find the lock taken sleep
	// and poll (the busy handler); queueing them on Go's pool instead
	// keeps a busy poller from stalling in those sleeps.
	db    *sql.DB
	write *sql.DB
	path  string
	// Now is the clock used for created_at stamps and leases; tests fix it.
	Now func() time.Time
}

// Options tune Open. The zero value is the production setting.
type Options struct {
	// BusyTimeout is how long a statement waits for another writer's lock
	// before failing; default 5s.
	BusyTimeout time.Duration
}

// Open opens (creating if needed) the SQLite database at path and brings
// its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenOptions(ctx, path, Options{})
}

// OpenOptions is Open with options.
func OpenOptions(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("store: open: empty database path")
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if dir := filepath.Dir(path); dir != "." {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds())) // wait for a writer's lock instead of failing at once
	q.Add("_pragma", "journal_mode(WAL)")                                              // readers never block the writer, nor it them
	q.Add("_pragma", "synchronous(NORMAL)")                                            // with WAL: never corrupt, and a process crash loses nothing; only power loss may drop the last commits
	q.Add("_pragma", "foreign_keys(1)")                                                // removing a feed removes its follows and articles
	q.Add("_txlock", "immediate")                                                      // write transactions take the lock up front, so two never deadlock upgrading
	dsn := "file:" + path + "?" + q.Encode()
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// The writer keeps 32 MiB of pages: FTS5 merges reread the segments
	// just written.
	write, err := sql.Open("sqlite", dsn+"&_pragma="+url.QueryEscape("cache_size(-32768)"))
	if err != nil {
		read.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	db := &DB{db: read, write: write, path: path, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, explain(err))
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if err := errors.Join(db.write.Close(), db.db.Close()); err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.path, err)
	}
	return nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// SchemaVersion is the newest schema this build knows.
func SchemaVersion() int {
	n, _ := migrations()
	return len(n)
}

func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// migrate applies the embedded migrations that the file lacks, all in one
// transaction, and refuses a file written by a newer schema.
func (db *DB) migrate(ctx context.Context) error {
	names, err := migrations()
	if err != nil {
		return err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(names) {
		return fmt.Errorf("schema version %d, this newsbot knows up to %d: %w", version, len(names), newsbot.ErrSchemaTooNew)
	}
	for i := version; i < len(names); i++ {
		body, err := migrationFiles.ReadFile(names[i])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", filepath.Base(names[i]), err)
		}
	}
	if version != len(names) {
		// PRAGMA takes no parameters; the value is a number we made.
		if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(len(names))); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// explain turns SQLite's terse codes for an unusable file into sentences.
func explain(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("database is locked by another process (is another newsbot running?): %w", err)
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("file is not a newsbot database or is corrupt: %w", err)
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return fmt.Errorf("cannot open the file for writing: %w", err)
	}
	return err
}

// tx runs fn in a write transaction.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return explain(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return explain(tx.Commit())
}

// ms stores a time as Unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the inverse of ms, in UTC.
func fromMS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// isUnique reports a UNIQUE constraint violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// notFound turns sql.ErrNoRows into newsbot.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return newsbot.ErrNotFound
	}
	return err
}

// scanner is a row being read: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a read query and scans every row with scan; what names
// the query in errors.
func queryAll[T any](ctx context.Context, db *DB, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}

// placeholders returns "?,?,?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
