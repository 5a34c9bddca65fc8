package render

import "strings"

// standIn returns a cheaper block that glamour spaces like block, to render
// the open tail after on every update. After a paragraph, a heading, a
// table or a code block, glamour puts one blank line and starts the next
// block the same way, so one word stands in for all of them; lists and
// block quotes (whose nesting shows in the margins after them) stay as
// they are, and so does a block that may define a link reference. The property tests check that the stable lines are the start
// of the final render, which holds only if the stand-ins space like the
// blocks.
func standIn(block string) string {
	first := block[:strings.IndexByte(block+"\n", '\n')]
	t := strings.TrimLeft(first, " ")
	if t == "" || len(first)-len(t) > 3 || t[0] == '>' || t[0] == '<' || t[0] == '[' || listRe.MatchString(first) {
		return block
	}
	return standInWord
}

// standInWord is the stand-in for most blocks: see standIn.
const standInWord = "x\n\n"
