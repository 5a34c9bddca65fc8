package probe

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Frame is one frame as it arrived, or a comment (a heartbeat).
type Frame struct {
	At    time.Duration
	Event string
	// Data is the frame's data, cut to [MaxFrameData] bytes; Size is
	// its whole length.
	Data    string
	Size    int
	ID      string
	Comment bool
}

// keepFrame adds f to the frames kept, within [MaxFrames] and with
// its data (and its event name and ID) cut to [MaxFrameData] bytes.
func (res *Result) keepFrame(f Frame) {
	if len(res.Frames) >= MaxFrames {
		return
	}
	f.Size = len(f.Data)
	f.Data, f.Event, f.ID = cutBytes(f.Data), cutBytes(f.Event), cutBytes(f.ID)
	res.Frames = append(res.Frames, f)
}

// cutBytes cuts s to MaxFrameData bytes at a character's start, and
// copies the part kept, so it does not pin the whole.
func cutBytes(s string) string {
	if len(s) <= MaxFrameData {
		return s
	}
	cut := MaxFrameData
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.Clone(s[:cut])
}

// WriteFrames writes the frames [Options.Frames] kept, one a line,
// with the time each arrived:
//
//	+302.114ms  event=delta id=7  data="{\"text\":\"Hi\"}"
//	+310.020ms  : (comment)
//
// The frames are the evidence, so they are escaped rather than sanitised:
// the data is quoted as a Go string, so every control character (C0, DEL,
// C1, the bidirectional controls) and every invalid byte shows as an
// escape and none reaches the terminal; an event name or ID that holds
// spaces or such characters is quoted too. Data cut to
// [MaxFrameData] bytes ends with its whole size, and frames past
// [MaxFrames] are counted in a last line. A probe without
// [Options.Frames] writes nothing.
func (res *Result) WriteFrames(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, f := range res.Frames {
		at := "+" + strconv.FormatFloat(float64(f.At)/float64(time.Millisecond), 'f', 3, 64) + "ms"
		fmt.Fprintf(bw, "%12s  ", at)
		if f.Comment {
			bw.WriteString(": (comment)\n")
			continue
		}
		var tags []string
		if f.Event != "" {
			tags = append(tags, "event="+quoteOdd(f.Event))
		}
		if f.ID != "" {
			tags = append(tags, "id="+quoteOdd(f.ID))
		}
		if len(tags) > 0 {
			bw.WriteString(strings.Join(tags, " ") + "  ")
		}
		bw.WriteString("data=" + strconv.Quote(f.Data))
		if f.Size > len(f.Data) {
			fmt.Fprintf(bw, "… (%s in all)", fmtBytes(f.Size))
		}
		bw.WriteString("\n")
	}
	if more := res.FrameCount + res.Heartbeats - len(res.Frames); len(res.Frames) >= MaxFrames && more > 0 {
		fmt.Fprintf(bw, "… and %d more frames and comments, not kept (a probe keeps the first %d)\n", more, MaxFrames)
	}
	return bw.Flush()
}

// quoteOdd quotes s when it holds anything but printable, non-space text.
func quoteOdd(s string) string {
	for _, r := range s {
		if r == ' ' || r == '"' || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
