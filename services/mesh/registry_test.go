package mesh

import (
	"os"
	"slices"
	"testing"
)

// TestEveryServiceIsRegistered: a directory under services/ is a service
// (but internal/ and mesh/), and every service is in the registry once,
// whole: a name, its configuration, its start, and a schema exactly when
// it has migrations.
func TestEveryServiceIsRegistered(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "internal" && e.Name() != "mesh" {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != len(Components) {
		t.Fatalf("%d service directories %v, %d registered components", len(dirs), dirs, len(Components))
	}
	var names []string
	for _, c := range Components {
		if c.Name == "" || c.Config == nil || c.Start == nil || (c.Schema == "") != (c.Migrate == nil) {
			t.Errorf("component %q is not whole: %+v", c.Name, c)
		}
		if slices.Contains(names, c.Name) {
			t.Errorf("component %q registered twice", c.Name)
		}
		names = append(names, c.Name)
		if got, ok := Component(c.Name); !ok || got.Name != c.Name {
			t.Errorf("Component(%q) = %v %v", c.Name, got.Name, ok)
		}
	}
	if !slices.Equal(Services, append(names, Gateway)) {
		t.Errorf("Services %v, want the registry then the gateway", Services)
	}
	cfg, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if cfg.Services[n] == nil {
			t.Errorf("no configuration read for %s", n)
		}
	}
}
