//go:build !unix

package main

// darkBackground says dark where tok does not ask the terminal.
func darkBackground() bool { return true }
