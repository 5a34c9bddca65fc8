package tui

import (
	"context"
	"time"

	"charm.land/glamour/v2/ansi"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/history"
	"github.com/tokcli/tok/tools"
)

// Config is what the chat talks to and how it looks.
type Config struct {
	// Open starts a streamed answer; the conversation so far is its input.
	Open Opener
	// Endpoint names what answers, for the header: "demo model", a URL.
	Endpoint string
	// Describe turns an error into the one line shown under the answer.
	Describe func(error) string
	// Reason says in a few words why a request is retried (a status, an
	// error event); nil uses Describe.
	Reason func(error) string
	// Style returns the markdown style for a dark or light background.
	Style func(dark bool) ansi.StyleConfig
	// Dark is the background until the terminal reports its own.
	Dark bool
	// Width is the markdown's wrap width; 0 is the terminal's, at most
	// render.MaxWidth.
	Width int
	// History is where conversations are kept: the picker (Ctrl+S)
	// lists them, and with Save the chat saves its own as they stream.
	// Nil: no history.
	History *history.Store
	Save    bool
	// Conversation is a saved conversation the chat continues, or nil.
	Conversation *history.Conversation
	// NewConversation describes a new conversation for the history,
	// titled after its first question (what answers, the system
	// prompt); nil saves the title alone.
	NewConversation func(title string) history.Conversation
	// Notice is shown on the status line at the start: why nothing is
	// saved, say.
	Notice string
	// Tools runs the model's tool calls and asks, through its prompts,
	// whether a call may run; nil when no tools run. ToolNotes are its
	// servers' start-up failures, shown before the first question.
	Tools     *tools.Runner
	ToolNotes []string
	// InterruptWait is how long the stop key waits for a WebSocket
	// server to acknowledge the interrupt before it closes the socket.
	InterruptWait time.Duration
	// Endpoints are the config file's endpoints, which Ctrl+L offers for
	// the next question; EndpointName is the one in use, or "". Switch
	// makes the Target of the one picked; it runs in a command (it may
	// run a key_cmd). NoEndpoints is what the status line says when
	// there are none: how to name some.
	Endpoints    []EndpointChoice
	EndpointName string
	Switch       func(ctx context.Context, name string) (Target, error)
	NoEndpoints  string
	// Clipboard writes the system clipboard, besides the terminal's
	// (OSC 52); nil is atotto/clipboard's (xclip, pbcopy …).
	Clipboard func(string) error
	// Attach are files for the first question (tok -f); Images: the
	// endpoint reads images, so /file may attach one (files.go).
	Attach []client.Attachment
	Images bool
	// Programs are the editor and the pager (editor.go).
	Programs Programs
	// Crash is for testing the recovery from a panic, and empty in use:
	// asking "crash" then panics in Update ("update"), in drawing the
	// question ("draw", in Update and in Transcript), in View ("view"), a
	// command ("cmd") or the stream's reader ("stream").
	Crash string
}
