package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var bareKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// joinKey writes a dotted key as TOML does, quoting the parts that need it.
func joinKey(k []string) string {
	parts := make([]string, len(k))
	for i, p := range k {
		parts[i] = p
		if !bareKeyRE.MatchString(p) {
			parts[i] = tomlString(p)
		}
	}
	return strings.Join(parts, ".")
}

// describeKey names a key for a message: max_tokens in [endpoints.x].
func describeKey(k []string) string {
	name := joinKey(k[len(k)-1:])
	if len(k) == 1 {
		return name
	}
	return name + " in [" + joinKey(k[:len(k)-1]) + "]"
}

// splitKey splits a dotted key as written in the file (endpoints."my.ep")
// into its parts. Best effort: escapes inside quotes stay as written.
func splitKey(s string) []string {
	var parts []string
	var b strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			b.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
		case r == '.':
			parts = append(parts, b.String())
			b.Reset()
		case r != ' ' && r != '\t': // TOML allows blanks only around the dots
			b.WriteRune(r)
		}
	}
	return append(parts, b.String())
}

// keyLine returns the line, from 1, where key is set or its table opens,
// or 0 when it cannot tell. It reads lines, not TOML, so it is best
// effort: a table header or a dotted key under the current table, else the
// key's last part followed by = on a line after its parent's (for keys
// inside inline tables).
func keyLine(src string, key []string) int {
	lines := strings.Split(src, "\n")
	var table []string
	for i, line := range lines {
		line = strings.TrimSpace(line)
		var path []string
		if end := strings.Index(line, "]"); strings.HasPrefix(line, "[") && end > 0 {
			table = splitKey(strings.Trim(line[:end], "[ \t"))
			path = table
		} else if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			path = append(slices.Clip(table), splitKey(k)...)
		}
		if len(path) >= len(key) && slices.Equal(path[:len(key)], key) {
			return i + 1
		}
	}
	from := 1
	if len(key) > 1 {
		from = max(keyLine(src, key[:len(key)-1]), 1)
	}
	re := regexp.MustCompile(`(^|[\s{,.])["']?` + regexp.QuoteMeta(key[len(key)-1]) + `["']?\s*=`)
	for i := from - 1; i < len(lines); i++ {
		if l := strings.TrimSpace(lines[i]); !strings.HasPrefix(l, "#") && re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// nearLine is the line of key or, failing that, of the nearest table that holds it.
func nearLine(src string, key []string) int {
	for n := len(key); n > 0; n-- {
		if line := keyLine(src, key[:n]); line > 0 {
			return line
		}
	}
	return 0
}

// closest returns the one of names within two edits of s, or "".
func closest(s string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
