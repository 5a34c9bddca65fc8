package history

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JSONVersion is the version of the JSON export's shape (see the README).
const JSONVersion = 1

// exportJSON is the JSON export's shape.
type exportJSON struct {
	Version  int          `json:"version"`
	ID       string       `json:"id"`
	Title    string       `json:"title"`
	Created  time.Time    `json:"created"`
	Used     time.Time    `json:"used"`
	Endpoint endpointJSON `json:"endpoint"`
	System   string       `json:"system"`
	Turns    []turnJSON   `json:"turns"`
}

type endpointJSON struct {
	Label    string `json:"label"`
	Name     string `json:"name"`
	Provider string `json:"provider"`
	API      string `json:"api"`
	BaseURL  string `json:"base_url"`
	URL      string `json:"url"`
	Model    string `json:"model"`
	Dialect  string `json:"dialect"`
}

type turnJSON struct {
	Seq             int        `json:"seq"`
	Prompt          string     `json:"prompt"`
	Answer          string     `json:"answer"`
	Thinking        string     `json:"thinking"`
	ToolCalls       []ToolCall `json:"tool_calls"`
	Model           string     `json:"model"`
	Usage           Usage      `json:"usage"`
	FirstTokenMS    int64      `json:"first_token_ms"`
	TokensPerSecond float64    `json:"tokens_per_second"`
	Ending          Ending     `json:"ending"`
	Error           string     `json:"error"`
	Resumed         int        `json:"resumed"`
	Retried         bool       `json:"retried"`
	Started         time.Time  `json:"started"`
	Ended           *time.Time `json:"ended"`
}

// JSON is the conversation in the JSON export's shape, indented.
func (c *Conversation) JSON() ([]byte, error) {
	e := c.Endpoint
	out := exportJSON{Version: JSONVersion, ID: c.ID, Title: c.Title, Created: c.Created.UTC(), Used: c.Used.UTC(),
		Endpoint: endpointJSON(e), System: c.System, Turns: []turnJSON{}}
	for _, t := range c.Turns {
		tj := turnJSON{Seq: t.Seq, Prompt: t.Prompt, Answer: t.Answer, Thinking: t.Thinking, ToolCalls: t.Tools,
			Model: t.Model, Usage: t.Usage, FirstTokenMS: t.FirstToken.Milliseconds(), TokensPerSecond: t.TokensPerSecond,
			Ending: t.Ending, Error: t.Error, Resumed: t.Resumed, Retried: t.Retried, Started: t.Started.UTC()}
		if tj.ToolCalls == nil {
			tj.ToolCalls = []ToolCall{}
		}
		if !t.Ended.IsZero() {
			ended := t.Ended.UTC()
			tj.Ended = &ended
		}
		out.Turns = append(out.Turns, tj)
	}
	return json.MarshalIndent(out, "", "  ")
}

// Markdown is the conversation as a Markdown document: front matter with
// its id, model and dates, then each turn under a heading of its own,
// the prompt, then the answer with its tool calls in fenced blocks where
// they came, then how it ended if it did not complete.
func (c *Conversation) Markdown() string {
	var b strings.Builder
	b.WriteString("---\n")
	front := [][2]string{{"id", c.ID}, {"title", c.Title}, {"model", c.Endpoint.Model}, {"endpoint", c.Endpoint.Label},
		{"created", c.Created.UTC().Format(time.RFC3339)}, {"used", c.Used.UTC().Format(time.RFC3339)}}
	for _, kv := range front {
		fmt.Fprintf(&b, "%s: %s\n", kv[0], strconv.Quote(kv[1]))
	}
	b.WriteString("---\n\n# " + oneLine(c.Title) + "\n")
	if c.System != "" {
		b.WriteString("\n**System:**\n\n" + strings.TrimRight(c.System, "\n") + "\n")
	}
	for _, t := range c.Turns {
		writeTurn(&b, t)
	}
	return b.String()
}

func writeTurn(b *strings.Builder, t Turn) {
	fmt.Fprintf(b, "\n## %d. %s\n\n", t.Seq, oneLine(Title(t.Prompt)))
	b.WriteString(strings.TrimRight(t.Prompt, "\n") + "\n\n### Answer\n\n")
	at := 0
	for _, k := range t.Tools {
		off := min(max(k.Offset, at), len(t.Answer))
		b.WriteString(t.Answer[at:off])
		at = off
		writeTool(b, k)
	}
	b.WriteString(strings.TrimRight(t.Answer[at:], "\n") + "\n")
	if fence := openFence(t.Answer); fence != "" { // an answer cut inside a code block
		b.WriteString(fence + "\n")
	}
	notes := t.Notes()
	if t.Retried {
		notes = append(notes, "asked again in the next turn")
	}
	if len(notes) > 0 {
		b.WriteString("\n> *" + oneLine(strings.Join(notes, " · ")) + "*\n")
	}
}

func writeTool(b *strings.Builder, k ToolCall) {
	if s := b.String(); s != "" && !strings.HasSuffix(s, "\n\n") {
		b.WriteString(strings.Repeat("\n", 2-min(2, trailingNewlines(s))))
	}
	fence := fenceFor(k.Arguments + k.Result)
	fmt.Fprintf(b, "%stool-call %s\n%s\n%s\n", fence, oneLine(k.Name), strings.TrimRight(k.Arguments, "\n"), fence)
	if k.State == "done" {
		fmt.Fprintf(b, "%stool-result\n%s\n%s\n", fence, strings.TrimRight(k.Result, "\n"), fence)
	}
	b.WriteString("\n")
}

func trailingNewlines(s string) int { return len(s) - len(strings.TrimRight(s, "\n")) }

// fenceFor is a code fence longer than any run of backticks in s.
func fenceFor(s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// oneLine makes s fit on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// openFence is the marker of a code fence md leaves open, or "".
func openFence(md string) string {
	open := ""
	for line := range strings.Lines(md) {
		t := strings.TrimLeft(strings.TrimRight(line, "\r\n"), " ")
		if t == "" || t[0] != '`' && t[0] != '~' {
			continue
		}
		run := len(t) - len(strings.TrimLeft(t, t[:1]))
		switch {
		case run < 3:
		case open == "":
			open = t[:run]
		case t[0] == open[0] && run >= len(open) && strings.TrimSpace(t[run:]) == "":
			open = ""
		}
	}
	return open
}

// Schema is the JSON export's JSON Schema (export.schema.json).
//
//go:embed export.schema.json
var Schema []byte
