// Command ferretdb runs FerretDB v1 with the SQLite handler, embedded as a library.
//
// The stock cmd/ferretdb binary built with `go install` panics at start
// (FerretDB issue #2982), so the Vigie dev stack embeds the library instead.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "directory holding the SQLite databases")
	verbose := flag.Bool("verbose", false, "also log every connection and every failed command")
	// normal: a commit is in the write-ahead log before it is acknowledged, so it survives the
	// server being killed (kill -9); full: also fsync'ed at every commit, so it survives the
	// machine losing power, at the cost of one fsync per write.
	synchronous := flag.String("synchronous", "normal", "SQLite synchronous mode: normal or full")
	// FerretDB's live heap is small (tens of MB) and allocates per document; collecting less
	// often trades a little memory for CPU (Go's default is 100).
	gcPercent := flag.Int("gc-percent", 400, "Go garbage collector target percentage (GOGC)")
	flag.Parse()

	debug.SetGCPercent(*gcPercent)

	var handler slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if !*verbose {
		handler = quietHandler{inner: handler, min: slog.LevelInfo}
	}

	logger := slog.New(handler)

	if *synchronous != "normal" && *synchronous != "full" {
		logger.Error("-synchronous must be normal or full", "got", *synchronous)
		os.Exit(2)
	}

	if err := run(*listen, *dataDir, *synchronous, logger); err != nil {
		logger.Error("ferretdb failed", "error", err)
		os.Exit(1)
	}
}

func run(listen, dataDir, synchronous string, logger *slog.Logger) error {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}

	// The SQLite handler refuses a directory that does not exist yet.
	if err = os.MkdirAll(abs, 0o755); err != nil {
		return err
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  "sqlite",
		// FerretDB adds its own defaults (WAL journal, busy timeout) to these.
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + synchronous + ")",
	})
	if err != nil {
		return err
	}

	// SIGTERM (sent by `vigie stack down`) or Ctrl-C cancel the context,
	// and Run closes the listener and the SQLite databases before returning.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	logger.Info("ferretdb listening", "addr", listen, "data", abs, "synchronous", synchronous)

	return f.Run(ctx)
}

// quietHandler keeps a long-lived dev log readable: FerretDB logs every connection at INFO
// and dumps every failed command at WARN from per-connection loggers (named "// <conn>"),
// e.g. each pymongo client close sends endSessions, which FerretDB does not implement.
// The client sees those errors anyway; -verbose restores them.
//
// It is also lazy: FerretDB derives a logger (slog's With) for each connection and command,
// and the text handler formats the added attributes at once, whether or not anything is ever
// logged (~7% of the server's CPU under the pipeline benchmark, by perf). Here the attributes
// and groups are kept as they come and applied only to a record that is actually written.
type quietHandler struct {
	inner slog.Handler
	steps []derivation
	min   slog.Level
}

// derivation is one WithAttrs (attrs set) or WithGroup (group set) not applied yet.
type derivation struct {
	attrs []slog.Attr
	group string
}

func (h quietHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.inner.Enabled(ctx, level)
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn && strings.HasPrefix(r.Message, "Connection ") {
		return nil
	}

	inner := h.inner
	for _, step := range h.steps {
		if step.attrs != nil {
			inner = inner.WithAttrs(step.attrs)
		} else {
			inner = inner.WithGroup(step.group)
		}
	}

	return inner.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}

	level := h.min

	for _, a := range attrs {
		if a.Key == "name" && strings.HasPrefix(a.Value.String(), "// ") {
			level = slog.LevelError
		}
	}

	return quietHandler{inner: h.inner, steps: h.then(derivation{attrs: attrs}), min: level}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}

	return quietHandler{inner: h.inner, steps: h.then(derivation{group: name}), min: h.min}
}

// then is the steps with one more, never sharing the backing array of another handler's.
func (h quietHandler) then(step derivation) []derivation {
	return append(slices.Clip(h.steps), step)
}
