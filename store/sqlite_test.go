package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"newsbot"
	"newsbot/store"
	"newsbot/store/storetest"
)

var _ storetest.Store = (*store.DB)(nil)

func openSQLite(t *testing.T, now func() time.Time) storetest.Store {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Now = now
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, openSQLite)
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrateEmptyFileAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fresh.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(empty file): %v", err)
	}
	if _, _, err := db.EnsureFeed(ctx, newsbot.Feed{URL: "https://example.com/feed"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if v := userVersion(t, path); v != store.SchemaVersion() || v < 1 {
		t.Errorf("user_version after Open = %d, want %d", v, store.SchemaVersion())
	}

	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if _, err := db.FeedByURL(ctx, "https://example.com/feed"); err != nil {
		t.Errorf("feed lost across reopen: %v", err)
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newer.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	_, err = store.Open(ctx, path)
	if !errors.Is(err, newsbot.ErrSchemaTooNew) {
		t.Fatalf("Open(newer schema) = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), "999") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q should name the file and its version", err)
	}
	if v := userVersion(t, path); v != 999 {
		t.Errorf("user_version after refusal = %d, want it untouched (999)", v)
	}
}

func TestCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "corrupt.db")
	garbage := []byte(strings.Repeat("this is not a database file at all\n", 200))
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(context.Background(), path)
	if err == nil {
		t.Fatal("Open(garbage) succeeded")
	}
	if !strings.Contains(err.Error(), "not a newsbot database or is corrupt") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open(garbage) error = %q, want it to say the file is not a database and name it", err)
	}
}

func TestLockedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locked.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Another process holds the write lock.
	holder, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")

	_, err = store.OpenOptions(ctx, path, store.Options{BusyTimeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("Open(locked) succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("Open(locked) error = %q, want it to say the database is locked", err)
	}
}

func TestMissingDirectory(t *testing.T) {
	_, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("Open(missing dir) = %v, want a clear error", err)
	}
}
