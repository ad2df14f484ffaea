// Command slotmesh runs the reservation mesh: every service in one process
// (dev), one service per process (serve), the migrations (migrate), or a
// rebuild of the search index (search reindex).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/slotmesh/slotmesh/services/mesh"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `slotmesh — reservations for restaurants and hotels, as a mesh of NATS services.

usage:
  slotmesh dev               every service + gateway in one process, embedded NATS
  slotmesh serve <service>   one service against external NATS/Postgres/Redis (%v)
  slotmesh migrate           create the database if needed and apply all migrations
  slotmesh watch <topic>     print a Kafka topic's events as they arrive (KAFKA_BROKERS;
                             -from-beginning to replay what it holds)
  slotmesh booking dues      what bookings owe that payment has not given back yet (refunds,
                             voids), the stuck first (-stuck, -limit N; -retry: due now)
  slotmesh search reindex    rebuild the search index from the vendor and booking services
                             (-reset to empty it first: a new engine or a corrupted index)
  slotmesh seed              write the demo/benchmark catalogue: 500,000 vendors in 50 cities,
                             ~10M units (-scale 0.001 for a small one; -gateway URL to go
                             through HTTP); run it again to continue an interrupted seed
  slotmesh load              open-loop load against the gateway (-rate, -duration, -mix,
                             -gateway, -report DIR): HDR latencies, errors, JSON + Markdown
  slotmesh nats              the embedded nats-server (JetStream) as its own process (-port, -dir)
  slotmesh kafka             the in-process Kafka broker (kfake) as its own process (-port, -dir)
  slotmesh chaos             two replicas of every service as processes, load, and SIGKILL +
                             restart of one part at a time; reconciles after each (-short for CI)
  slotmesh version           the module version, VCS revision and Go version of this binary
  slotmesh help [command]    this text, or a command's usage and flags

Every command takes -h for its usage and flags. Exit status: 0 done, 1 failed, 2 a command
line it does not take.

Configuration is by environment: NATS_URL, PG_URL, REDIS_URL, REDIS_PREFIX, HTTP_ADDR,
LOG_LEVEL, LOG_FORMAT, JWT_PRIVATE_KEY_FILE, ... (see README.md). dev also reads
SLOTMESH_HOME (default .slotmesh), DEV_NATS_PORT (default 4223) and DEV_KAFKA_PORT
(default 9092; used when KAFKA_BROKERS is not set).
`

// command is a subcommand; args are what follows its name. It reads them
// with newFlags(...).parse before it does anything else.
type command func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands are the subcommands by the name typed after slotmesh; a two-word
// name is a command of a group ("booking dues").
var commands = map[string]command{
	"dev":            devCmd,
	"serve":          serveCmd,
	"migrate":        migrateCmd,
	"watch":          watchCmd,
	"booking dues":   duesCmd,
	"search reindex": reindexCmd,
	"seed":           seedCmd,
	"load":           loadCmd,
	"nats":           natsCmd,
	"kafka":          kafkaCmd,
	"chaos":          chaosCmd,
	"version":        versionCmd,
}

// run is the whole command line: it returns the exit status (0 done or
// -h, 1 failed, 2 a command line it does not take).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, usage, mesh.Services)
		return 2
	}
	switch {
	case isHelp(args[0]) || (args[0] == "help" && len(args) == 1):
		fmt.Fprintf(stdout, usage, mesh.Services)
		return 0
	case args[0] == "help": // help <command>: its -h
		return run(ctx, append(slices.Clone(args[1:]), "-h"), getenv, stdout, stderr)
	}
	cmd, rest := commands[args[0]], args[1:]
	if cmd == nil {
		group := groupOf(args[0])
		if len(group) == 0 {
			fmt.Fprintf(stderr, "unknown command %q\n\n"+usage, args[0], mesh.Services)
			return 2
		}
		if len(args) > 1 {
			cmd, rest = commands[args[0]+" "+args[1]], args[2:]
		}
		if cmd == nil {
			return groupUsage(args, group, stdout, stderr)
		}
	}
	err := cmd(ctx, rest, getenv, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp), errors.Is(err, context.Canceled):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "slotmesh:", err)
	return 1
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// groupOf lists the commands of a group such as "booking", by name.
func groupOf(group string) []string {
	var names []string
	for name := range commands {
		if strings.HasPrefix(name, group+" ") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// groupUsage answers a group without one of its commands (slotmesh booking,
// slotmesh booking -h, slotmesh booking owed) with its commands' usage:
// their -h on stdout for -h, their usage lines on stderr otherwise.
func groupUsage(args, group []string, stdout, stderr io.Writer) int {
	help := len(args) > 1 && isHelp(args[1])
	switch {
	case len(args) == 1:
		fmt.Fprintf(stderr, "slotmesh %s: which command?\n", args[0])
	case !help:
		fmt.Fprintf(stderr, "slotmesh %s: unknown command %q\n", args[0], args[1])
	}
	for i, name := range group {
		var text bytes.Buffer
		// -h only prints: the command line test holds every command to it.
		commands[name](context.Background(), []string{"-h"}, func(string) string { return "" }, &text, io.Discard)
		if help {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprint(stdout, text.String())
			continue
		}
		line, _, _ := strings.Cut(text.String(), "\n")
		fmt.Fprintln(stderr, line)
	}
	if help {
		return 0
	}
	return 2
}
