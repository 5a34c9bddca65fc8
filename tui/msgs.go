package tui

import (
	"time"

	"github.com/tokcli/tok/client"
)

// streamMsg carries what one stream delivered since the last one: every
// event that had already arrived (a burst costs one render), then, once
// the stream has ended, done and the error that ended it, if any. id
// tells the streams apart: messages of a stopped stream are dropped.
type streamMsg struct {
	id      int
	events  []client.Event
	dialect client.Dialect
	done    bool
	err     error
	saveErr error // the history could not save the question
}

// frameMsg asks for the live answer to be drawn now. The chat draws its
// frames as the events come (handleStream); tests send it to draw one.
type frameMsg struct{}

// blinkMsg flips the answer's cursor. It ticks only while stream id
// streams, so an idle tok runs no timer.
type blinkMsg struct {
	id  int
	now time.Time // the tick's time: a running tool's clock
}

// copiedMsg reports the copy of an answer, or of what says, to the
// system clipboard.
type copiedMsg struct {
	chars int
	what  string // "copied block 2/3 · go · 14 lines"; "" for the answer
	err   error
}

// disarmMsg ends the time in which a second Ctrl+C quits, for the
// Ctrl+C numbered id.
type disarmMsg struct{ id int }

// crashMsg is a panic recovered in a command or a stream's reader; Run
// ends the chat with it.
type crashMsg struct{ err *PanicError }
