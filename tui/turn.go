package tui

import (
	"strings"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// state is where a turn's answer is.
type state int

const (
	stateWaiting   state = iota // asked; nothing has arrived yet
	stateStreaming              // the answer is arriving
	stateDone                   // it completed
	stateStopped                // the user stopped it
	stateFailed                 // an error ended it
)

// live reports whether the answer may still grow.
func (s state) live() bool { return s == stateWaiting || s == stateStreaming }

// partKind is what a piece of an answer is.
type partKind int

const (
	partText partKind = iota
	partThinking
	partTool
)

// part is a piece of an answer: a run of text, a run of reasoning, or a
// tool call. Text is kept as it arrived; it is sanitised when rendered.
type part struct {
	kind partKind
	text strings.Builder // the text, the reasoning, or the tool's arguments
	tool client.Tool
	// running: the server (or tok) said it runs the tool, since began;
	// Tool.Result is set when it finished.
	running bool
	done    bool
	began   time.Time
	// asking: the chat asks whether it may run; reasoning: the user said
	// no and types why.
	asking, reasoning bool
	md                *render.Stream // renders a text part
	doc               *render.Doc    // a finished text part, cut into pieces
	mdWidth           int            // the width and style generation md renders at
	mdGen             int
}

// turn is one question and its answer.
type turn struct {
	question string
	files    []client.Attachment // sent with the question (files.go)
	parts    []*part
	reply    client.Answer // the turns the next request carries (conversation.go)
	state    state
	err      string // the failure, in one line, for stateFailed
	atLimit  bool   // the done event said the token limit stopped it
	// retried: the question was asked again; this answer is left out of
	// the conversation.
	retried bool
	// loaded: the turn came from the history, not from this chat.
	loaded bool
	// streamID is the stream that answered; stopHow, once a stopped
	// WebSocket answer's stream ended, how: "interrupted" (the server
	// acknowledged) or "connection closed".
	streamID int
	stopHow  string

	tokens    int           // text and reasoning events so far
	texts     int           // text events so far
	usage     client.Usage  // as the server reported it
	model     string        // from the start event
	firstText time.Duration // time to the first text, or 0
	lastText  time.Duration // the time of the latest text
	elapsed   time.Duration // the latest event's time
	retry     client.Retry  // the latest retry before the first token
	reconnect client.Retry  // the reconnect under way, if the stream broke
	outages   time.Duration // text-less time spent reconnecting, left out of the rate
	shown     progress      // the live answer's progress as of the last frame

	blocks     []*block // the finished turn's blocks (see block)
	liveBlocks []*block // the streaming turn's blocks: head, body, end
	cache      []string // the finished turn's lines, at cacheWidth
	cacheWidth int
	cacheGen   int
}

// add applies one event to the turn. An error event is the model's to
// describe (see Model.fail).
func (t *turn) add(ev client.Event) {
	t.elapsed = max(t.elapsed, ev.At)
	t.reply.Add(ev)
	switch ev.Kind {
	case client.KindStart:
		t.model = ev.Model
	case client.KindText, client.KindThinking:
		t.addText(ev)
	case client.KindToolStart:
		t.parts = append(t.parts, &part{kind: partTool, tool: ev.Tool})
	case client.KindToolArgs:
		if p := t.toolPart(ev.Tool); p != nil {
			p.text.WriteString(ev.Text)
		}
	case client.KindToolExecuting:
		p := t.tool(ev.Tool)
		p.running, p.began = true, time.Now()
		if ev.Tool.Args != "" {
			p.tool.Args = ev.Tool.Args
		}
	case client.KindToolResult:
		p := t.tool(ev.Tool)
		p.running, p.done = false, true
		p.tool.Result, p.tool.IsError, p.tool.Duration = ev.Tool.Result, ev.Tool.IsError, ev.Tool.Duration
	case client.KindUsage:
		t.usage = ev.Usage
	case client.KindRetry:
		t.retry = ev.Retry
	case client.KindReconnect:
		t.reconnect = ev.Retry
	case client.KindDone:
		t.state, t.atLimit = stateDone, ev.AtTokenLimit()
	}
}

func (t *turn) addText(ev client.Event) {
	if ev.Text == "" {
		return
	}
	if t.reconnect.Attempt > 0 && ev.Kind == client.KindText && t.lastText > 0 {
		t.outages += ev.At - t.lastText
	}
	t.reconnect = client.Retry{}
	kind := partText
	if ev.Kind == client.KindThinking {
		kind = partThinking
	}
	t.tokens++
	if kind == partText && t.firstText == 0 {
		t.firstText = max(ev.At, 1)
	}
	if kind == partText {
		t.texts++
		t.lastText = ev.At
	}
	t.state = stateStreaming
	last := t.last()
	if last == nil || last.kind != kind {
		last = &part{kind: kind}
		t.parts = append(t.parts, last)
	}
	last.text.WriteString(ev.Text)
}

// redraw drops the turn's cached lines, after a change to a finished turn.
func (t *turn) redraw() { t.cache, t.blocks = nil, nil }

// toolPart finds the tool call an event refers to: by ID, else the
// latest call.
func (t *turn) toolPart(tool client.Tool) *part {
	for i := len(t.parts) - 1; i >= 0; i-- {
		p := t.parts[i]
		if p.kind == partTool && (tool.ID == "" || p.tool.ID == tool.ID || p.tool.ID == "") {
			return p
		}
	}
	return nil
}

// tool is toolPart, or a new entry for a call the stream did not start
// (some dialects only report execution).
func (t *turn) tool(tool client.Tool) *part {
	if p := t.toolPart(tool); p != nil && (tool.Name == "" || p.tool.Name == tool.Name) {
		return p
	}
	p := &part{kind: partTool, tool: tool}
	t.parts = append(t.parts, p)
	return p
}

func (t *turn) last() *part {
	if len(t.parts) == 0 {
		return nil
	}
	return t.parts[len(t.parts)-1]
}

// answer is the answer's markdown: its text parts, joined.
func (t *turn) answer() string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.kind == partText {
			b.WriteString(p.text.String())
		}
	}
	return b.String()
}

// outputTokens is the server's count once it reported one, else the
// events counted so far.
func (t *turn) outputTokens() int {
	if t.usage.OutputTokens > 0 {
		return t.usage.OutputTokens
	}
	return t.tokens
}

// rate is the answer's speed in tokens a second, from the first text to
// the latest, or 0 before there is a span to measure.
func (t *turn) rate() float64 {
	span := t.lastText - t.firstText - t.outages
	if t.texts < 2 || span <= 0 {
		return 0
	}
	return float64(t.texts-1) / span.Seconds()
}

// progress is what the status line says of an answer's progress.
type progress struct {
	tokens int
	first  time.Duration // time to the first text
	rate   float64       // tokens a second
}

// progress is the answer's progress now, or, while it streams, as of
// the last frame: the status line changes with the transcript.
func (t *turn) progress() progress {
	if t.state.live() {
		return t.shown
	}
	return progress{t.outputTokens(), t.firstText, t.rate()}
}
