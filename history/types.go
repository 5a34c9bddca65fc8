package history

import (
	"fmt"
	"time"
)

// Conversation is a saved conversation: what it talked to and, once
// loaded, its turns, oldest first.
type Conversation struct {
	ID      string
	Title   string // the first line of the first prompt, unless renamed
	Created time.Time
	Used    time.Time // when a turn was last asked
	// Endpoint is what answered, without secrets.
	Endpoint Endpoint
	System   string // the system prompt
	// Turns is every turn, retried ones included; Load fills it.
	Turns []Turn
}

// Endpoint is what a conversation talked to, as tok can ask it again:
// the config file's name for it, or its provider, API, address and
// model. Addresses are stored as client.RedactURL returns them.
type Endpoint struct {
	Label    string // what the chat's header calls it
	Name     string // the config file's endpoint, or ""
	Provider string // "" for a URL in tok's protocol, or the demo model
	API      string
	BaseURL  string
	URL      string
	Model    string // the model asked for
	Dialect  string // the dialect the last answer came in
}

// Turn is one question and its answer.
type Turn struct {
	Seq      int    // from 1 within the conversation
	Prompt   string // whole, piped input included
	Answer   string // the answer's markdown, as far as it came
	Thinking string
	Tools    []ToolCall
	Model    string // the model the server named
	Usage    Usage
	// FirstToken is the time to the first text; TokensPerSecond the
	// rate from the first text to the last.
	FirstToken      time.Duration
	TokensPerSecond float64
	Ending          Ending
	Error           string // the line the user saw, for EndError and EndCutOff
	Resumed         int    // the times the stream was resumed after breaking
	// Retried: the user asked the question again in the next turn, so
	// this answer is not part of the conversation sent on.
	Retried bool
	Started time.Time
	Ended   time.Time // zero while streaming
}

// Usage counts an answer's tokens, as the server reported them.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// ToolCall is a tool call the model made, in the order it came.
type ToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
	Result    string `json:"result"`
	// State is "called" (no one ran it), "running" or "done".
	State string `json:"state"`
	// Offset is how many bytes of the answer came before the call.
	Offset int `json:"offset"`
	// IsError: the result is an error (a failed or denied call).
	IsError bool `json:"is_error"`
	// Signature is an opaque token some APIs attach to a call and want
	// back with it (Gemini's thoughtSignature).
	Signature string `json:"signature,omitempty"`
}

// Ending is how an answer ended.
type Ending string

// The endings of an answer.
const (
	EndStreaming Ending = "streaming" // still arriving, or its process died
	EndComplete  Ending = "complete"
	EndStopped   Ending = "stopped" // the user stopped it (Esc, Ctrl+C)
	EndCutOff    Ending = "cut_off" // the stream broke before its end
	EndError     Ending = "error"   // the server or the request failed
	EndLength    Ending = "length"  // the model stopped at its token limit
)

// Words says how an answer ended, for a person: "" for a complete one.
func (e Ending) Words() string {
	switch e {
	case EndStreaming:
		return "unfinished (its tok stopped before it ended)"
	case EndStopped:
		return "stopped"
	case EndCutOff:
		return "cut off"
	case EndError:
		return "failed"
	case EndLength:
		return "cut at the token limit"
	}
	return ""
}

// Summary is a conversation as a list shows it.
type Summary struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Created time.Time `json:"created"`
	Used    time.Time `json:"used"`
	Turns   int       `json:"turns"`
	Model   string    `json:"model"`
	// Endpoint is the endpoint's label.
	Endpoint string `json:"endpoint"`
}

// Hit is a conversation a search found, by its best-matching turn:
// conversations whose prompts match come before those whose answers do.
type Hit struct {
	Summary
	Seq   int    `json:"seq"`   // the turn
	Field string `json:"field"` // "prompt" or "answer"
	// Snippet is the text around the match, the matched words between
	// [MarkStart] and [MarkEnd].
	Snippet string  `json:"snippet"`
	Rank    float64 `json:"rank"` // bm25 within its field's tier: lower is better
	turn    int64   // the turn's row
	part    int64   // the part that matched best, 0 for a turn saved whole
}

// MarkStart and MarkEnd surround a match in a [Hit]'s Snippet.
const (
	MarkStart = "«"
	MarkEnd   = "»"
)

// Notes say how the turn's answer went, when it did not simply
// complete: how it ended, the error line, the times it was resumed.
func (t Turn) Notes() []string {
	var notes []string
	if w := t.Ending.Words(); w != "" {
		notes = append(notes, w)
	}
	if t.Error != "" {
		notes = append(notes, t.Error)
	}
	if t.Resumed > 0 {
		notes = append(notes, fmt.Sprintf("resumed %d×", t.Resumed))
	}
	return notes
}
