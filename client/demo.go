package client

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DemoOptions paces the demo model. Zero fields take the defaults, which
// feel like a real model: 300 ms to the first token, then 40 tokens a second.
type DemoOptions struct {
	FirstToken time.Duration
	Interval   time.Duration
}

// The demo model's default pace.
const (
	DemoFirstToken = 300 * time.Millisecond
	DemoInterval   = 25 * time.Millisecond
)

// Demo answers the conversation with tok's built-in scripted model, in
// process, through the same [Stream] contract as a server: a start event,
// the answer's tokens at the configured pace, usage, done. Cancelling ctx
// stops it as it would stop a request.
func Demo(ctx context.Context, msgs []Message, opts DemoOptions) *Stream {
	if opts.FirstToken <= 0 {
		opts.FirstToken = DemoFirstToken
	}
	if opts.Interval <= 0 {
		opts.Interval = DemoInterval
	}
	ctx, cancel := context.WithCancel(ctx)
	prompt := lastUserTurn(msgs)
	tokens := DemoTokens(DemoAnswer(prompt, countTurns(msgs)))
	p := &demoProducer{ctx: ctx, opts: opts, tokens: tokens, input: max(1, utf8.RuneCountInString(prompt)/4)}
	return &Stream{
		prod:  p,
		rec:   newRecorder(),
		fail:  func(err error) error { return err },
		close: cancel,
	}
}

func lastUserTurn(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}

func countTurns(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == "user" {
			n++
		}
	}
	return n
}

// demoProducer yields the scripted answer one token per step.
type demoProducer struct {
	ctx    context.Context
	opts   DemoOptions
	tokens []string
	input  int
	i      int // the next token; -1 before the start event
	timer  *time.Timer
	begun  bool
}

func (p *demoProducer) next(dst []Event) ([]Event, error) {
	if !p.begun {
		p.begun = true
		return append(dst, Event{Kind: KindStart, MessageID: "demo-1", Model: "tok-demo"}), nil
	}
	wait := p.opts.Interval
	if p.i == 0 {
		wait = p.opts.FirstToken
	}
	if err := p.sleep(wait); err != nil {
		return dst, err
	}
	if p.i < len(p.tokens) {
		p.i++
		return append(dst, Event{Kind: KindText, Text: p.tokens[p.i-1]}), nil
	}
	return append(dst,
		Event{Kind: KindUsage, Usage: Usage{InputTokens: p.input, OutputTokens: len(p.tokens)}},
		Event{Kind: KindDone, StopReason: "end_turn"}), nil
}

func (p *demoProducer) sleep(d time.Duration) error {
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-p.ctx.Done():
		p.timer.Stop()
		return context.Cause(p.ctx)
	case <-p.timer.C:
		return nil
	}
}

func (p *demoProducer) end() []Event { return nil }

func (p *demoProducer) dialect() Dialect { return DialectDemo }

// DemoAnswer returns the markdown the demo model answers prompt with on the
// given turn of a conversation: headings, emphasis, a list, a link, a fenced
// code block, a table, CJK and emoji, and a mention of the prompt.
func DemoAnswer(prompt string, turn int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## A demo answer\n\nYou asked: *“%s”*", mention(prompt))
	if turn > 1 {
		fmt.Fprintf(&b, " (turn %d of our conversation)", turn)
	}
	b.WriteString(demoBody)
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

const demoBody = `. This is **tok's built-in demo model**: no server, no API key and no network. It streams a scripted answer at a realistic pace, so you can see how tok shows an answer as it arrives.

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

// DemoTokens splits text into the pieces the demo model streams: a word
// with the spaces after it, long words cut in two, and each newline run a
// token of its own, so markdown syntax is split as a real model splits it.
func DemoTokens(text string) []string {
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
