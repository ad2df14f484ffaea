package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// versionCmd is `slotmesh version`: what this binary was built from, as the
// go command recorded it (runtime/debug.ReadBuildInfo).
func versionCmd(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("version", "", `
Print the module version, VCS revision, commit time and dirty flag this binary was built
from, and the Go version that built it. go build stamps the revision from git; go run and
go test (and -buildvcs=false) do not.`, stdout, stderr)
	if err := f.parse(args, 0); err != nil {
		return err
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{GoVersion: runtime.Version()}
	}
	fmt.Fprint(stdout, versionText(info))
	return nil
}

// versionText is the version line and the build details under it.
func versionText(info *debug.BuildInfo) string {
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	or := func(v, none string) string {
		if v == "" {
			return none
		}
		return v
	}
	dirty := "unknown"
	switch vcs["vcs.modified"] {
	case "true":
		dirty = "yes (uncommitted changes)"
	case "false":
		dirty = "no"
	}
	return fmt.Sprintf(`slotmesh %s
  module    %s
  revision  %s
  time      %s
  modified  %s
  go        %s %s/%s
`, or(info.Main.Version, "(unknown)"), or(info.Main.Path, "(unknown)"),
		or(vcs["vcs.revision"], "unknown (not stamped: go run, go test or -buildvcs=false)"),
		or(vcs["vcs.time"], "unknown"), dirty, or(info.GoVersion, runtime.Version()), runtime.GOOS, runtime.GOARCH)
}
