package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// errUsage is what a subcommand returns for a command line it refuses: an
// unknown flag, a bad value, a missing or a stray argument. The problem and
// the usage line are printed already; run exits 2.
var errUsage = errors.New("usage error")

// cmdFlags is a subcommand's flag set with the texts its -h prints. Every
// subcommand reads its command line through parse, before it does anything
// else, so that all of them treat -h, unknown flags and stray arguments alike.
type cmdFlags struct {
	*flag.FlagSet
	name     string // as typed after slotmesh: "search reindex"
	synopsis string // what follows the name on the usage line: "[-reset]"
	about    string // what the command does, printed by -h
	stdout   io.Writer
	stderr   io.Writer
}

func newFlags(name, synopsis, about string, stdout, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse prints the problem and the usage itself
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, name: name, synopsis: synopsis, about: about, stdout: stdout, stderr: stderr}
}

// parse reads args: the flags, then exactly nargs arguments. -h, -help or
// --help (among the flags, or after the arguments: slotmesh serve user -h)
// prints the usage to stdout and returns flag.ErrHelp (run exits 0); anything
// else it cannot take is printed with the usage line to stderr and refused
// with errUsage (run exits 2).
func (f *cmdFlags) parse(args []string, nargs int) error {
	err := f.Parse(args)
	rest := f.Args()
	terminated := len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" // what follows -- is not a flag
	if errors.Is(err, flag.ErrHelp) || (err == nil && !terminated && slices.ContainsFunc(rest, isHelp)) {
		f.help()
		return flag.ErrHelp
	} else if err != nil {
		return f.fail(err.Error())
	}
	switch n := len(rest); {
	case n > nargs:
		return f.fail(fmt.Sprintf("unexpected argument %q", f.Arg(nargs)))
	case n < nargs:
		return f.fail("missing argument")
	}
	return nil
}

// fail refuses the command line with problem: for a flag value the command
// checks itself (e.g. -workers 0).
func (f *cmdFlags) fail(problem string) error {
	fmt.Fprintf(f.stderr, "slotmesh %s: %s\n%s\n(slotmesh %s -h for more)\n", f.name, problem, f.usageLine(), f.name)
	return errUsage
}

func (f *cmdFlags) usageLine() string {
	return strings.TrimSpace("usage: slotmesh " + f.name + " " + f.synopsis)
}

func (f *cmdFlags) help() {
	fmt.Fprintln(f.stdout, f.usageLine())
	if f.about != "" {
		fmt.Fprintf(f.stdout, "\n%s\n", strings.TrimSpace(f.about))
	}
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(f.stdout, "\nflags:")
		f.SetOutput(f.stdout)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
}
