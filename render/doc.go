// Package render turns untrusted model text into safe terminal output.
//
// [Sanitizer] strips every terminal control sequence from text that
// arrives in pieces, so a model or a hostile endpoint cannot move the
// cursor, set the title or write the clipboard:
//
//	var s render.Sanitizer
//	for ev, err := range stream.Events() {
//		...
//		os.Stdout.WriteString(s.Clean(ev.Text))
//	}
//	os.Stdout.WriteString(s.Flush())
//
// render never imports Bubble Tea, tok's tui or cmd, or client.
package render
