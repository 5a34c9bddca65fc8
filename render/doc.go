// Package render turns untrusted model text into safe terminal output,
// incrementally.
//
// [Sanitizer] strips every terminal control sequence from text that
// arrives in pieces, so a model or a hostile endpoint cannot move the
// cursor, set the title or write the clipboard:
//
//	var s render.Sanitizer
//	for _, piece := range pieces { // model text, as it arrives
//		os.Stdout.WriteString(s.Clean(piece))
//	}
//	os.Stdout.WriteString(s.Flush())
//
// [Sanitize] does the same for a whole text, [Line] makes untrusted text
// one safe line (an error message, a header value) and [SafeJSON] escapes
// what a terminal would take for controls in JSON.
//
// [Stream] renders a growing markdown answer with glamour without
// re-rendering what is finished: blocks are cut at blank lines where no
// construct is open, each finished block is rendered once, and only the
// open tail is rendered again on an update, repaired so that half-written
// markup does not flash:
//
//	style, err := render.Style(render.Dark)
//	if err != nil {
//		return err
//	}
//	md := render.New(style, 80)
//	var answer strings.Builder
//	printed := 0
//	for _, token := range tokens { // model text, as it arrives
//		answer.WriteString(token)
//		if err := md.Update(answer.String()); err != nil {
//			return err
//		}
//		for _, line := range md.Stable()[printed:] {
//			fmt.Println(line) // printed once: stable lines never change
//		}
//		printed = len(md.Stable())
//		_ = md.Tail() // the open block: redraw it below the stable lines
//	}
//	final, err := md.Final(answer.String()) // glamour's render of the whole
//
// Stream's example runs it. [Live] does it on a terminal, in place: see
// [NewLive].
//
// render never imports Bubble Tea, tok's tui or cmd, or client.
package render
