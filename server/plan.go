package server

import (
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
)

// chatRequest is what every dialect's request comes down to.
type chatRequest struct {
	model        string
	messages     []client.Message
	system       string
	maxTokens    int  // 0: no cap
	includeUsage bool // OpenAI's stream_options.include_usage
	thinking     bool // the request asked for reasoning
	toolResult   bool // the last turn carries a tool's result
	sessionID    string
	resumeFrom   int
	lastEventID  string // the Last-Event-ID header a resume sent
	resumed      bool   // the request continues a session (resumeFrom or Last-Event-ID)

	previousResponseID string // the Responses WebSocket mode's, which the response names
}

// stop says why an answer ended; each dialect spells it its own way.
type stop int

const (
	stopEnd stop = iota
	stopMaxTokens
	stopToolUse
)

type stepKind int

const (
	stepThinking stepKind = iota
	stepText
	stepToolStart
	stepToolArgs
	stepToolEnd
)

// step is one thing the scripted model does. Thinking, text and tool
// argument steps are tokens: the *-after knobs count them.
type step struct {
	kind stepKind
	text string
}

func (s step) isToken() bool { return s.kind != stepToolStart && s.kind != stepToolEnd }

// toolCall is the scripted model's one tool call.
type toolCall struct {
	ID, Name, Args, Result string
}

var demoCall = toolCall{
	ID:     "call_tok_1",
	Name:   "get_weather",
	Args:   `{"city":"Paris","unit":"celsius"}`,
	Result: `{"city":"Paris","temperature":18,"unit":"celsius","conditions":"sunny"}`,
}

// plan is a whole scripted answer.
type plan struct {
	steps  []step
	tokens int // token steps
	stop   stop
	call   toolCall
}

// newPlan scripts the answer to req under sc. With the tool knob the model
// says a few words and calls a tool: dialects whose server runs tools
// (serverTools) carry on with the answer after the result, the others end
// the turn there, as the real APIs do, unless the request already carries
// the tool's result.
func newPlan(req chatRequest, sc Scenario, serverTools bool) plan {
	prompt, turn := lastUserTurn(req.messages)
	text := demo.Tokens(demo.Text(prompt, turn))
	if sc.Tokens > 0 {
		text = cycle(text, sc.Tokens)
	}
	p := plan{call: demoCall}
	if sc.Thinking || req.thinking {
		for _, t := range demo.Tokens("The user wrote “" + firstWords(prompt) + "”. A short tour of tok, in markdown, answers it best.") {
			p.add(step{stepThinking, t})
		}
	}
	if req.maxTokens > 0 && req.maxTokens < len(text) {
		text, p.stop = text[:req.maxTokens], stopMaxTokens
	}
	lead := text
	if sc.Tool && !req.toolResult {
		lead, text = text[:min(3, len(text))], text[min(3, len(text)):]
	}
	for _, t := range lead {
		p.add(step{stepText, t})
	}
	if sc.Tool && !req.toolResult {
		p.addToolCall()
		if !serverTools {
			p.stop = stopToolUse
			return p
		}
		for _, t := range text {
			p.add(step{stepText, t})
		}
	}
	return p
}

func (p *plan) add(s step) {
	p.steps = append(p.steps, s)
	if s.isToken() {
		p.tokens++
	}
}

func (p *plan) addToolCall() {
	p.add(step{kind: stepToolStart})
	args := p.call.Args
	for len(args) > 0 {
		n := min(12, len(args))
		p.add(step{stepToolArgs, args[:n]})
		args = args[n:]
	}
	p.add(step{kind: stepToolEnd})
}

func cycle(toks []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = toks[i%len(toks)]
	}
	return out
}

func lastUserTurn(msgs []client.Message) (prompt string, turn int) {
	for _, m := range msgs {
		if m.Role == "user" {
			prompt, turn = m.Content, turn+1
		}
	}
	return prompt, turn
}

func firstWords(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// text returns the answer text the plan streams, for tests.
func (p plan) text() string {
	var s string
	for _, st := range p.steps {
		if st.kind == stepText {
			s += st.text
		}
	}
	return s
}
