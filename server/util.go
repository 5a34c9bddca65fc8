package server

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// randomID returns 12 random hex digits for message and call ids.
func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
