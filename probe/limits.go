package probe

import (
	"cmp"
	"fmt"
	"time"
)

// A probe keeps every token's arrival time and every read of the body, to
// judge the stream as a whole. These bound what it keeps, so a stream that
// never ends (or never stops sending bytes or heartbeats) ends the probe
// with a verdict instead of growing it until it is killed: at any of them
// the probe stops reading, and the result's Err is a [*LimitError]. So
// does an answer past [client.MaxAnswerSize], the most tok reads of one.
// What a probe keeps then takes under 3 MB, and the frame reader's buffer
// stays within the bytes read. A stream that goes on slowly is ended by
// the client's total timeout (tok probe --timeout, 5 minutes).
const (
	// MaxTokens is the most text events a probe reads.
	MaxTokens = 100_000
	// MaxReads is the most reads of the body a probe makes.
	MaxReads = 100_000
	// MaxBytes is the most body bytes a probe reads.
	MaxBytes = 32 << 20
	// MaxFrames is the most frames and comments [Options.Frames]
	// keeps, each with at most MaxFrameData bytes of its data; the
	// probe counts the rest but does not keep them.
	MaxFrames = 10_000
	// MaxFrameData is the most bytes of a kept frame's data.
	MaxFrameData = 4 << 10
)

// LimitError ends a probe that reached one of its limits ([MaxTokens],
// [MaxReads], [MaxBytes], or [client.MaxAnswerSize] of answer text)
// before the stream ended.
type LimitError struct {
	// What names the limit reached: "100000 tokens", "32 MiB".
	What string
	// After is when the probe stopped, from the request's start.
	After time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("stopped reading after %s (%s), the most a probe reads of one stream", e.What, fmtDur(e.After))
}

// limits are the limits a probe applies; the zero value is the defaults
// above (tests set lower ones).
type limits struct {
	tokens, reads int
	bytes         int64
}

func (l limits) orDefaults() limits {
	l.tokens = cmp.Or(l.tokens, MaxTokens)
	l.reads = cmp.Or(l.reads, MaxReads)
	l.bytes = cmp.Or(l.bytes, MaxBytes)
	return l
}

func tokensLimit(n int) string { return fmt.Sprintf("%d tokens", n) }
func readsLimit(n int) string  { return fmt.Sprintf("%d reads", n) }
