//go:build profile

package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
)

// A bench build (go build -tags profile) profiles a window of its run for
// bench/profile.sh: with TOK_CPUPROFILE=FILE set, the first SIGUSR1
// starts a CPU profile (and samples allocations finely from then on), the
// second writes it to FILE and the allocations profile to FILE.allocs.
// Release builds have none of this.
func init() {
	path := os.Getenv("TOK_CPUPROFILE")
	if path == "" {
		return
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1)
	go profileWindow(path, sig)
}

func profileWindow(path string, sig <-chan os.Signal) {
	<-sig
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tok: TOK_CPUPROFILE:", err)
		return
	}
	runtime.MemProfileRate = 64 << 10
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "tok: TOK_CPUPROFILE:", err)
		return
	}
	<-sig
	pprof.StopCPUProfile()
	f.Close()
	if a, err := os.Create(path + ".allocs"); err == nil {
		pprof.Lookup("allocs").WriteTo(a, 0)
		a.Close()
	}
}
