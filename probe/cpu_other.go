//go:build !unix

package probe

import "time"

// processCPU is 0 where the system does not say: the report leaves CPU out.
func processCPU() time.Duration { return 0 }
