package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestCommandLine holds every subcommand to the command line conventions:
// -h and --help print its usage and run nothing (exit 0); an unknown flag or
// a stray argument is refused with its usage line (exit 2). The environment
// points every client at a tripwire and the working directory starts empty,
// so a command that runs anyway is caught even when it exits 0: it connects,
// listens on a taken address, or writes files.
func TestCommandLine(t *testing.T) {
	// Not parallel (t.Chdir); it needs no servers and takes well under a second.
	dir := t.TempDir()
	t.Chdir(dir)
	trip, dials := tripwire(t)
	env := map[string]string{
		"NATS_URL": "nats://" + trip, "PG_URL": "postgres://slotmesh@" + trip + "/slotmesh?sslmode=disable&connect_timeout=2",
		"REDIS_URL": "redis://" + trip, "KAFKA_BROKERS": trip, "SEARCH_URL": "elastic+http://" + trip, "SMTP_URL": "smtp://" + trip,
		"HTTP_ADDR": trip, "SLOTMESH_HOME": filepath.Join(dir, "home"), "LOG_LEVEL": "error",
	}
	try := func(t *testing.T, args ...string) (code int, stdout, stderr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		var out, errOut syncBuffer
		before := dials()
		code = run(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
		if n := dials() - before; n > 0 {
			t.Errorf("slotmesh %s ran: %d connections to the servers of the environment", strings.Join(args, " "), n)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			t.Errorf("slotmesh %s ran: it wrote %s into the working directory", strings.Join(args, " "), e.Name())
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
		return code, out.String(), errOut.String()
	}

	type cmdline struct {
		cmd      string   // as typed after slotmesh
		operands []string // the arguments it needs besides its flags
	}
	cases := []cmdline{
		{"dev", nil},
		{"serve", []string{"user"}},
		{"migrate", nil},
		{"watch", []string{"new_booking"}},
		{"booking dues", nil},
		{"search reindex", nil},
		{"seed", nil},
		{"load", nil},
		{"nats", nil},
		{"kafka", nil},
		{"chaos", nil},
		{"version", nil},
	}
	for name := range commands {
		if !slices.ContainsFunc(cases, func(c cmdline) bool { return c.cmd == name }) {
			t.Errorf("command %q is missing from this test's table", name)
		}
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.cmd, " ", "_"), func(t *testing.T) {
			words := strings.Fields(tc.cmd)
			with := func(more ...[]string) []string {
				args := slices.Clone(words)
				for _, m := range more {
					args = append(args, m...)
				}
				return args
			}
			for _, args := range [][]string{
				with([]string{"-h"}),
				with([]string{"--help"}),
				with(tc.operands, []string{"-h"}), // a flag after the operands is an argument, but -h is help wherever it is
				append([]string{"help"}, words...),
			} {
				code, out, errOut := try(t, args...)
				if code != 0 || !strings.HasPrefix(out, "usage: slotmesh "+tc.cmd) {
					t.Errorf("slotmesh %s: exit %d (want 0), stdout %q (want its usage), stderr %q", strings.Join(args, " "), code, out, errOut)
				}
			}
			for _, bad := range []struct {
				args []string
				why  string
			}{
				{with([]string{"-no-such-flag"}, tc.operands), "flag provided but not defined: -no-such-flag"},
				{with(tc.operands, []string{"stray"}), `unexpected argument "stray"`},
			} {
				code, out, errOut := try(t, bad.args...)
				if code != 2 || !strings.Contains(errOut, bad.why) || !strings.Contains(errOut, "usage: slotmesh "+tc.cmd) {
					t.Errorf("slotmesh %s: exit %d (want 2), stderr %q (want %q and the usage line), stdout %q",
						strings.Join(bad.args, " "), code, errOut, bad.why, out)
				}
			}
			if len(tc.operands) > 0 {
				if code, _, errOut := try(t, words...); code != 2 || !strings.Contains(errOut, "missing argument") {
					t.Errorf("slotmesh %s without its argument: exit %d (want 2), stderr %q", tc.cmd, code, errOut)
				}
			}
		})
	}

	t.Run("overview", func(t *testing.T) {
		for _, arg := range []string{"-h", "--help", "help"} {
			code, out, errOut := try(t, arg)
			if code != 0 || !strings.HasPrefix(out, "slotmesh — ") {
				t.Fatalf("slotmesh %s: exit %d, stdout %q, stderr %q", arg, code, out, errOut)
			}
			for name := range commands {
				if !strings.Contains(out, "slotmesh "+name) {
					t.Errorf("slotmesh %s does not list %q", arg, name)
				}
			}
		}
	})
	t.Run("groups", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			code int
			out  string // on stdout for exit 0, on stderr otherwise
		}{
			{[]string{"booking", "-h"}, 0, "usage: slotmesh booking dues"},
			{[]string{"help", "search"}, 0, "usage: slotmesh search reindex"},
			{[]string{"booking"}, 2, "usage: slotmesh booking dues"},
			{[]string{"search", "rebuild"}, 2, `unknown command "rebuild"`},
			{[]string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`},
		} {
			code, out, errOut := try(t, tc.args...)
			if tc.code != 0 {
				out = errOut
			}
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("slotmesh %s: exit %d (want %d), output %q (want %q)", strings.Join(tc.args, " "), code, tc.code, out, tc.out)
			}
		}
	})
	t.Run("version_output", func(t *testing.T) {
		code, out, errOut := try(t, "version")
		if code != 0 || !regexp.MustCompile(`^slotmesh \S+\n`).MatchString(out) || !strings.Contains(out, "go1.") {
			t.Fatalf("slotmesh version: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		// go build in a git checkout stamps these; the test binary is not stamped.
		got := versionText(&debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Path: "github.com/slotmesh/slotmesh", Version: "v0.0.0-20260102150405-885bfd6c1234+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "885bfd6c1234abcd"},
				{Key: "vcs.time", Value: "2026-01-02T15:04:05Z"}, {Key: "vcs.modified", Value: "true"}}})
		for _, want := range []string{"slotmesh v0.0.0-20260102150405-885bfd6c1234+dirty\n", "revision  885bfd6c1234abcd\n",
			"time      2026-01-02T15:04:05Z\n", "modified  yes", "go        go1.26.8 "} {
			if !strings.Contains(got, want) {
				t.Errorf("version text lacks %q:\n%s", want, got)
			}
		}
	})
}

// tripwire listens on a local address and counts the connections made to
// it, closing each at once: a client pointed there fails fast, and shows
// that it ran.
func tripwire(t *testing.T) (addr string, dials func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), n.Load
}
