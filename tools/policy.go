package tools

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/tokcli/tok/client"
)

// Decision is the user's answer to a [Prompt].
type Decision int

// The answers to a prompt: y, a, A and n in the chat.
const (
	Deny              Decision = iota // n: do not run it (the reason goes to the model)
	AllowOnce                         // y: run this call
	AllowConversation                 // a: run this tool without asking for the rest of the runner's life
	AllowAlways                       // A: and save it (Config.Save), for every conversation after
)

// Answer is the user's answer: a decision and, for Deny, a reason sent to
// the model as the call's result ("" for none).
type Answer struct {
	Decision Decision
	Reason   string
}

// Prompt asks whether a call may run. The chat shows it under the call
// (Call.ID is the call's) and answers it once.
type Prompt struct {
	Call   client.ToolCall // as the model made it, by its offered name
	Server string
	Tool   string // the tool's own name, as the server's allow list writes it

	r     *Runner
	reply chan Answer
	done  <-chan struct{}
	once  sync.Once
}

// Done is closed when the question no longer needs an answer: the answer
// it belongs to was stopped.
func (p *Prompt) Done() <-chan struct{} { return p.done }

// Answer answers the prompt; only the first answer counts. AllowAlways is
// saved (Config.Save) before the call runs, and a failure to save is
// returned; the call runs all the same, allowed for the conversation.
func (p *Prompt) Answer(a Answer) error {
	var err error
	p.once.Do(func() {
		if a.Decision >= AllowConversation {
			p.r.mu.Lock()
			p.r.conversed[p.Call.Name] = true
			p.r.mu.Unlock()
		}
		if a.Decision == AllowAlways && p.r.cfg.Save != nil {
			err = p.r.cfg.Save(p.Server, p.Tool)
		}
		p.reply <- a // buffered: never blocks
	})
	return err
}

// allowed reports whether t runs without asking.
func (r *Runner) allowed(t tool) bool {
	if r.cfg.YesAll || slices.Contains(r.cfg.Yes, t.name) || slices.Contains(r.cfg.Yes, t.own) ||
		slices.Contains(t.srv.cfg.Allow, t.own) {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conversed[t.name]
}

// approve decides whether call may run, asking when it must. When it may
// not, it returns the result the model reads.
func (r *Runner) approve(ctx context.Context, call client.ToolCall, t tool) (ok bool, denial string) {
	if r.allowed(t) {
		return true, ""
	}
	if !r.cfg.Ask {
		if r.cfg.Unasked != nil {
			return false, r.cfg.Unasked(t.name)
		}
		return false, "not run: " + t.name + " needs the user's approval, and tok could not ask for it"
	}
	p := &Prompt{Call: call, Server: t.srv.cfg.Name, Tool: t.own, r: r, reply: make(chan Answer, 1), done: ctx.Done()}
	select {
	case r.prompts <- p:
	case <-ctx.Done():
		return false, stopped
	}
	select {
	case a := <-p.reply:
		if a.Decision != Deny {
			return true, ""
		}
		if reason := strings.TrimSpace(a.Reason); reason != "" {
			return false, "the user denied this call: " + reason
		}
		return false, "the user denied this call"
	case <-ctx.Done():
		return false, stopped
	}
}

// stopped is the result of a call whose answer was stopped.
const stopped = "not run: the answer was stopped"
