package probe

import (
	"fmt"
	"time"
)

// The buffering check's thresholds.
const (
	// judgeTokens is the fewest text chunks the check judges: fewer cannot
	// tell a proxy's release from a short answer.
	judgeTokens = 5
	// atOnceGap is the gap of tokens that arrived back to back, in one
	// read or a few: 4,000 chunks a second, faster than any model decodes.
	atOnceGap = 250 * time.Microsecond
	// releaseSpan and releasePerToken bound how long one release takes to
	// read: 20 ms of scheduling hiccups, or 10,000 tokens a second for a
	// long one.
	releaseSpan     = 20 * time.Millisecond
	releasePerToken = 100 * time.Microsecond
	// heldWait is the shortest wait before a release that the check calls
	// held: a quicker answer may come from a fast server that wrote it at
	// once, and no reader could see the difference.
	heldWait = 200 * time.Millisecond
	// bufferingFix is what to do about a stream that something holds.
	bufferingFix = "send X-Accel-Buffering: no, set proxy_buffering off (nginx) and proxy_http_version 1.1, and flush after each event"
)

// wait is the silence before the first token, from the moment the request
// could be sent (after DNS, connect and TLS): the server spent it making
// the answer, or its start.
func (res *Result) wait() time.Duration {
	return res.FirstToken - (res.DNS + res.Connect + res.TLS)
}

// span is the time from the first token's arrival to the last's.
func (res *Result) span() time.Duration {
	if len(res.Arrivals) == 0 {
		return 0
	}
	return res.Arrivals[len(res.Arrivals)-1] - res.Arrivals[0]
}

// released reports whether the tokens, two or more, arrived as one
// release: back to back (three quarters of the gaps under atOnceGap), and
// all within the time one release takes to read. Their span then measures
// the network and the reader, not the server, so they have no rate.
func (res *Result) released() bool {
	n := len(res.Arrivals)
	if n < 2 {
		return false
	}
	tight := 0
	for i := 1; i < n; i++ {
		if res.Arrivals[i]-res.Arrivals[i-1] <= atOnceGap {
			tight++
		}
	}
	return tight*4 >= (n-1)*3 && res.span() <= max(releaseSpan, time.Duration(n)*releasePerToken)
}

// checkBuffering looks for tokens that arrive in lumps: the whole answer
// released at once after a wait (the headers too, when a proxy holds the
// whole response, as nginx does in front of an HTTP/1.0 upstream), or runs
// of kilobytes that arrive far faster than the silences between them, as
// a buffering proxy releases them. A slow stream with a pause (a tool
// call, a long thought) is not lumpy: its runs take longer than the
// pauses. An answer of a few chunks, or one that came at once too soon to
// have been held, cannot be judged, and the check says so.
func (res *Result) checkBuffering() {
	n := len(res.Arrivals)
	switch {
	case n == 0:
		res.add("buffering", Warn, "no text arrived, so there is nothing to judge")
		return
	case n < judgeTokens:
		res.add("buffering", Warn, "only %s: too few to tell whether a proxy holds the stream; ask for a longer answer", plural(n, "text chunk"))
		return
	case res.released() && res.wait() >= heldWait:
		if (res.FirstToken-res.Headers)*2 < res.wait() {
			res.add("buffering", Fail, "the headers and all %d tokens arrived at once, %s after the request: a proxy held the response; %s",
				n, fmtDur(res.FirstToken), bufferingFix)
		} else {
			res.add("buffering", Fail, "all %d tokens arrived at once, %s after the headers: a proxy held them (or the server); %s",
				n, fmtDur(res.FirstToken-res.Headers), bufferingFix)
		}
		return
	case res.released():
		res.add("buffering", Warn, "all %d tokens arrived at once (within %s), %s after the request: too soon to tell a buffering proxy from a quick server; ask for a longer answer",
			n, fmtDur(res.span()), fmtDur(res.FirstToken))
		return
	}
	var sizes, counts []int
	lumpTokens := 0
	for _, r := range res.runs() {
		if r.tokens >= 4 && (r.end-r.start)*4 <= r.gapBefore {
			sizes, counts = append(sizes, r.bytes), append(counts, r.tokens)
			lumpTokens += r.tokens
		}
	}
	if len(sizes) >= 2 && lumpTokens*2 >= n {
		res.add("buffering", Fail, "tokens arrive in %d lumps of ~%s (%d tokens each): buffered by a proxy; %s",
			len(sizes), fmtBytes(median(sizes)), median(counts), bufferingFix)
		return
	}
	res.add("buffering", Pass, "%d tokens, no lumps", n)
}

// noRate says why a result has no decode rate, or "" when it has one.
func (res *Result) noRate() string {
	switch {
	case res.Rate > 0:
		return ""
	case res.released():
		return "every token arrived at once"
	case len(res.Arrivals) < 2:
		return fmt.Sprintf("%s arrived", plural(len(res.Arrivals), "token"))
	}
	return "no tokens after the first"
}

// run is a stretch of token arrivals with no silence of the stream's
// lump gap in it, and the silence before it.
type run struct {
	tokens     int
	start, end time.Duration
	gapBefore  time.Duration
	bytes      int
}

// lumpGap is the silence that separates runs: eight typical gaps, and at
// least 30 ms, so a fast stream's scheduling jitter is not a lump.
func (res *Result) lumpGap() time.Duration { return max(30*time.Millisecond, 8*res.Gaps.P50) }

// runs groups the arrivals into runs, with the bytes read in each.
func (res *Result) runs() []run {
	gap := res.lumpGap()
	var rs []run
	var prev time.Duration // the request's start: a buffering proxy may hold the headers too
	for i, at := range res.Arrivals {
		if i == 0 || at-res.Arrivals[i-1] >= gap {
			rs = append(rs, run{start: at, gapBefore: at - prev})
		}
		r := &rs[len(rs)-1]
		r.tokens++
		r.end, prev = at, at
	}
	// A read counts in the last run that began (less half a gap) before
	// it; both are in time order.
	i := -1
	for _, rd := range res.Reads {
		for i+1 < len(rs) && rd.At >= rs[i+1].start-gap/2 {
			i++
		}
		if i >= 0 {
			rs[i].bytes += rd.Bytes
		}
	}
	return rs
}
