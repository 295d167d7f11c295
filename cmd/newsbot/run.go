package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"newsbot/config"
	"newsbot/store"
)

// setup loads the configuration and builds the logger every long-running
// command uses. Warnings about accepted-but-unwise settings are logged.
func setup(e *env, configPath string) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(configPath, e.getenv)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(e.stderr, cfg)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	return cfg, log, nil
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database.
func openStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	return store.Open(ctx, cfg.Database.Path)
}

func runBot(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "newsbot run [-config FILE]",
		"Run the bot until interrupted (SIGINT or SIGTERM). With no Discord token it runs in\nconsole mode: posts print here and slash commands are typed at a prompt.")
	configPath := fs.String("config", "", "YAML configuration `file` (default: built-in defaults)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, log, err := setup(e, *configPath)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			log.Error("close store", "error", err)
		}
	}()
	log.Info("store open", "database_path", db.Path(), "schema_version", store.SchemaVersion())
	return errors.Join(fmt.Errorf("run: the Discord bot and console mode are not built yet"))
}
