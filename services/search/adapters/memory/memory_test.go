package memory_test

import (
	"sync"
	"testing"

	"github.com/slotmesh/slotmesh/services/search/adapters/indextest"
	"github.com/slotmesh/slotmesh/services/search/adapters/memory"
	"github.com/slotmesh/slotmesh/services/search/app"
)

func TestConformance(t *testing.T) {
	var once sync.Once
	var ix *memory.Index
	indextest.Run(t, func(*testing.T) app.Index {
		once.Do(func() { ix = memory.New() })
		return ix
	})
}
