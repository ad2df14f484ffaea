//go:build !unix

package loadgen

import "time"

// processCPU is unknown here.
func processCPU() time.Duration { return 0 }
