package client

import (
	"fmt"
	"time"
)

// Kind says what an [Event] carries.
type Kind uint8

// The kinds of [Event], whatever dialect the stream speaks.
const (
	KindStart         Kind = iota + 1 // the answer began: MessageID, Model
	KindText                          // a piece of the answer: Text
	KindThinking                      // a piece of reasoning: Text
	KindToolStart                     // the model began a tool call: Tool.Name, Tool.ID
	KindToolArgs                      // a piece of a tool call's arguments: Tool.ID, Text
	KindToolExecuting                 // the tool runs: Tool.Name (Tool.ID, Tool.Args when tok runs it)
	KindToolResult                    // the tool finished: Tool.Name, Tool.Result (Tool.IsError, Tool.Duration when tok ran it)
	KindUsage                         // token counts: Usage
	KindDone                          // the answer is complete: StopReason
	KindError                         // the server reported a failure: Err
	KindRetry                         // the request failed before its first token and is sent again: Retry
	KindReconnect                     // the stream broke after text arrived and is being resumed: Retry
)

var kindNames = [...]string{
	KindStart:         "start",
	KindText:          "text",
	KindThinking:      "thinking",
	KindToolStart:     "tool_start",
	KindToolArgs:      "tool_args",
	KindToolExecuting: "tool_executing",
	KindToolResult:    "tool_result",
	KindUsage:         "usage",
	KindDone:          "done",
	KindError:         "error",
	KindRetry:         "retry",
	KindReconnect:     "reconnect",
}

// String returns the kind's name as written by tok --events, such as "text".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Event is one normalised piece of a streamed answer. Which fields are set
// depends on Kind; the others are zero.
type Event struct {
	Kind Kind
	// Text is the answer text, reasoning text or tool-argument fragment.
	Text string
	// MessageID and Model come with KindStart when the dialect sends them.
	MessageID string
	Model     string
	// Tool describes the tool call of the KindTool* events.
	Tool Tool
	// Usage comes with KindUsage.
	Usage Usage
	// StopReason comes with KindDone when the dialect says why it stopped
	// ("end_turn", "stop", "max_tokens", "tool_use" …).
	StopReason string
	// Err comes with KindError.
	Err *ServerError
	// Retry comes with KindRetry and KindReconnect.
	Retry Retry
	// At is the time since the request began, on the monotonic clock.
	At time.Duration
}

// Tool is the tool call an event refers to.
type Tool struct {
	ID   string
	Name string
	// Result is the tool's output as the server sent it (JSON or text).
	Result string
	// Args is the call's whole arguments, on KindToolExecuting and
	// KindToolResult of a tool tok runs (KindToolArgs streams them).
	Args string
	// IsError and Duration come with KindToolResult of a tool tok runs:
	// the call failed (or was denied, or timed out), and how long it ran.
	IsError  bool
	Duration time.Duration
	// Signature is Gemini's thoughtSignature of a call, on KindToolStart.
	Signature string
}

// Usage counts the tokens of one answer, as the server reported them.
type Usage struct {
	InputTokens  int
	OutputTokens int
}

// ServerError is a failure the server reported inside a stream (an error
// event or an error field), or in the body of a non-2xx answer.
type ServerError struct {
	// Message is the server's own words.
	Message string
	// Type is the server's error class when it gives one, such as
	// "overloaded_error" or "rate_limit_exceeded".
	Type string
}

// Error returns the server's message, prefixed by its type when there is one.
func (e *ServerError) Error() string {
	if e.Type != "" && e.Message != "" {
		return e.Type + ": " + e.Message
	}
	if e.Message != "" {
		return e.Message
	}
	if e.Type != "" {
		return e.Type
	}
	return "the server reported an error without a message"
}

// terminal reports whether the event ends a stream.
func (e Event) terminal() bool { return e.Kind == KindDone || e.Kind == KindError }

// AtTokenLimit reports whether a [KindDone] event says the answer stopped
// because it reached the token limit (Anthropic's and Gemini's
// max_tokens, OpenAI's length, the Responses API's max_output_tokens):
// the text is complete only up to there.
func (e Event) AtTokenLimit() bool {
	switch e.StopReason {
	case "max_tokens", "MAX_TOKENS", "length", "max_output_tokens":
		return e.Kind == KindDone
	}
	return false
}
