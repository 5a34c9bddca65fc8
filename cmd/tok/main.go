// Command tok is a terminal chat client for streaming LLM endpoints.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time by goreleaser (-X main.version=…).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl+C ends tok the hard way
	}()
	os.Exit(execute(ctx, systemStreams(), os.Args[1:]))
}

// execute runs tok with args and returns the exit code.
func execute(ctx context.Context, ios *ioStreams, args []string) int {
	if _, ok := ios.Out.(*tailWriter); !ok && !ios.StdoutTTY {
		// A pipe: note where its last line ends (see errLine). A terminal
		// is left as it is, for the chat and the colour profile.
		ios.Out = &tailWriter{w: ios.Out}
	}
	cmd := newRootCmd(ios, nil)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return reportError(ios, err)
}
