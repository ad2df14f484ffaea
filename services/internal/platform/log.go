// Package platform is the plumbing every slotmesh service shares: config,
// logging, the NATS micro endpoint adapter and the service runner.
package platform

import (
	"io"
	"log/slog"
	"strings"
)

// Log attribute keys, snake_case, from one place.
const (
	KeyService   = "service"
	KeyEndpoint  = "endpoint"
	KeySubject   = "subject"
	KeyRequestID = "request_id"
	KeyActor     = "actor"
	KeyError     = "error"
	KeyCode      = "code"
	KeyEventID   = "event_id"
	KeyElapsed   = "elapsed"
	KeyCount     = "count"
	KeyStream    = "stream"
	KeyJob       = "job"
)

// NewLogger builds the one logger of a binary: format "json" or "text", level
// "debug", "info", "warn" or "error".
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if strings.ToLower(format) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Discard is a logger that writes nothing (tests, benchmarks).
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
