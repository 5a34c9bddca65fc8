// Package render turns untrusted model text into safe terminal output,
// incrementally.
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
// [Stream] renders a growing markdown answer with glamour without
// re-rendering what is finished: blocks are cut at blank lines where no
// construct is open, each finished block is rendered once, and only the
// open tail is rendered again on an update, repaired so that half-written
// markup does not flash:
//
//	md := render.New(styles.DarkStyleConfig, 80)
//	for text := range growingAnswer {
//		md.Update(text)
//		draw(md.Stable(), md.Tail()) // Stable lines never change
//	}
//	final, _ := md.Final(text) // glamour's render of the whole answer
//
// render never imports Bubble Tea, tok's tui or cmd, or client.
package render
