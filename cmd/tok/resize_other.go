//go:build !unix

package main

import "context"

// watchResize does nothing where there is no SIGWINCH: the width stays
// as it was at the start.
func watchResize(context.Context, func()) {}
