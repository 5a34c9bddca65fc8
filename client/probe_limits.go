package client

import (
	"cmp"
	"fmt"
	"time"
)

// A probe keeps every token's arrival time and every read of the body, to
// judge the stream as a whole. These bound what it keeps, so a stream that
// never ends (or never stops sending bytes or heartbeats) ends the probe
// with a verdict instead of growing it until it is killed: at any of them
// the probe stops reading, and the result's Err is a [*ProbeLimitError].
// What a probe keeps then takes under 3 MB, and the frame reader's buffer
// stays within the bytes read. A stream that goes on slowly is ended by
// the client's total timeout (tok probe --timeout, 5 minutes).
const (
	// ProbeMaxTokens is the most text events a probe reads.
	ProbeMaxTokens = 100_000
	// ProbeMaxReads is the most reads of the body a probe makes.
	ProbeMaxReads = 100_000
	// ProbeMaxBytes is the most body bytes a probe reads.
	ProbeMaxBytes = 32 << 20
	// ProbeMaxFrames is the most frames and comments [ProbeOptions.Frames]
	// keeps, each with at most ProbeMaxFrameData bytes of its data; the
	// probe counts the rest but does not keep them.
	ProbeMaxFrames = 10_000
	// ProbeMaxFrameData is the most bytes of a kept frame's data.
	ProbeMaxFrameData = 4 << 10
)

// ProbeLimitError ends a probe that reached one of its limits
// ([ProbeMaxTokens], [ProbeMaxReads], [ProbeMaxBytes]) before the stream
// ended.
type ProbeLimitError struct {
	// What names the limit reached: "100000 tokens", "32 MiB".
	What string
	// After is when the probe stopped, from the request's start.
	After time.Duration
}

func (e *ProbeLimitError) Error() string {
	return fmt.Sprintf("stopped reading after %s (%s), the most a probe reads of one stream", e.What, fmtDur(e.After))
}

// probeLimits are the limits a probe applies; the zero value is the
// defaults above (tests set lower ones).
type probeLimits struct {
	tokens, reads int
	bytes         int64
}

// probeLimit counts a probe's reads and tokens and stops the stream at a
// limit. Its methods run on the goroutine that reads the body.
type probeLimit struct {
	probeLimits
	res  *ProbeResult
	rec  *recorder
	stop func() // closes the body; nil until the stream opens
	hit  *ProbeLimitError
}

func newProbeLimit(res *ProbeResult, rec *recorder, lims probeLimits) *probeLimit {
	l := &probeLimit{probeLimits: lims, res: res, rec: rec}
	l.tokens = cmp.Or(l.tokens, ProbeMaxTokens)
	l.reads = cmp.Or(l.reads, ProbeMaxReads)
	l.bytes = cmp.Or(l.bytes, ProbeMaxBytes)
	return l
}

// read notes one read of the body.
func (l *probeLimit) read(r Read) {
	res := l.res
	res.Reads = append(res.Reads, r)
	res.Bytes += int64(r.Bytes)
	switch {
	case len(res.Reads) >= l.reads:
		l.reach(fmt.Sprintf("%d reads", l.reads))
	case res.Bytes >= l.bytes:
		l.reach(fmtBytes(int(l.bytes)))
	}
}

// token checks the count of tokens after one more.
func (l *probeLimit) token() {
	if l.res.Tokens >= l.tokens {
		l.reach(fmt.Sprintf("%d tokens", l.tokens))
	}
}

// reach stops the stream at a limit; the first limit reached is the one
// reported.
func (l *probeLimit) reach(what string) {
	if l.hit != nil {
		return
	}
	l.hit = &ProbeLimitError{What: what, After: l.rec.since()}
	if l.stop != nil {
		l.stop()
	}
}
