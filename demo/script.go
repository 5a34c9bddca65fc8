package demo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns the markdown the demo model answers prompt with on the
// given turn of a conversation: headings, emphasis, a list, a link, a fenced
// code block, a table, CJK and emoji, and a mention of the prompt.
func Text(prompt string, turn int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## A demo answer\n\nYou asked: *“%s”*", mention(prompt))
	if turn > 1 {
		fmt.Fprintf(&b, " (turn %d of our conversation)", turn)
	}
	b.WriteString(body)
	return b.String()
}

// mention is the prompt's last line (piped text comes first, the question
// last), short and without markdown that would change the sentence around it.
func mention(prompt string) string {
	prompt = strings.TrimSpace(prompt)
	line := prompt[strings.LastIndexByte(prompt, '\n')+1:]
	line = strings.Map(func(r rune) rune {
		if strings.ContainsRune("*_`[]<>#|\\", r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, line)
	if r := []rune(line); len(r) > 60 {
		line = strings.TrimSpace(string(r[:60])) + "…"
	}
	if line == "" {
		line = "nothing in particular"
	}
	return line
}

const body = `. This is **tok's built-in demo model**: no server, no API key and no network. It streams a scripted answer at a realistic pace, so you can see how tok shows an answer as it arrives.

### What tok can talk to

- **tok's own protocol** over Server-Sent Events: ` + "`tok --url http://localhost:8080/api/chat/stream`" + `
- The *Anthropic*, *OpenAI* and *Gemini* streaming APIs, detected from the frames
- Anything that streams plain text

Read more in the [README](https://github.com/tokcli/tok#readme).

` + "```go" + `
for ev, err := range stream.Events() {
	if err != nil {
		return err // the text so far is already on screen
	}
	fmt.Print(ev.Text)
}
` + "```" + `

| Dialect | Ends with |
|---|---|
| Anthropic | ` + "`message_stop`" + ` |
| OpenAI | ` + "`[DONE]`" + ` |
| Gemini | ` + "`finishReason`" + ` |

Every script streams too: 日本語のテキスト、中文、한국어, and emoji 🚀✨.

> Tip: pipe anything in, as in ` + "`git diff | tok \"write a commit message\"`" + `.
`

// Tokens splits text into the pieces the demo model streams: a word
// with the spaces after it, long words cut in two, and each newline run a
// token of its own, so markdown syntax is split as a real model splits it.
func Tokens(text string) []string {
	var toks []string
	for len(text) > 0 {
		n := tokenLen(text)
		toks = append(toks, text[:n])
		text = text[n:]
	}
	return toks
}

// tokenLen returns the byte length of the token at the start of s.
func tokenLen(s string) int {
	if s[0] == '\n' {
		return len(s) - len(strings.TrimLeft(s, "\n"))
	}
	runes, i := 0, 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\n' || (r == ' ' || r == '\t') && runes > 0 {
			break
		}
		if runes == 6 || runes > 0 && r >= 0x2E80 { // CJK: a character or two a token
			break
		}
		runes++
		i += size
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
