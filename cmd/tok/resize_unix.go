//go:build unix

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// watchResize calls fn each time the terminal is resized, until ctx ends.
func watchResize(ctx context.Context, fn func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	go func() {
		defer signal.Stop(ch)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				fn()
			}
		}
	}()
}
