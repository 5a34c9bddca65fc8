package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
)

// PanicError is a panic in the chat, recovered.
type PanicError struct {
	Value any    // what was passed to panic
	Where string // the function and line that panicked, if known
	Stack []byte // the panicking goroutine's stack
}

// Error says what panicked and where, in one line.
func (e *PanicError) Error() string {
	s := render.Line(fmt.Sprint(e.Value), errMax)
	if e.Where != "" {
		s += ", at " + e.Where
	}
	return s
}

// recovered describes the panic r; call it from the deferred function
// that recovered r.
func recovered(r any) *PanicError {
	return &PanicError{Value: r, Where: panicSite(), Stack: debug.Stack()}
}

// panicSite is the first frame below the panic that is not the
// runtime's: "tui.(*painter).tool (chat.go:131)".
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	panicking := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			panicking = true
		case panicking && !strings.HasPrefix(f.Function, "runtime."):
			fn := f.Function[strings.LastIndex(f.Function, "/")+1:]
			return fmt.Sprintf("%s (%s:%d)", fn, filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}

// Run runs the chat as a Bubble Tea program until the user quits, and
// returns it as it ended, for its Transcript. A panic anywhere in the
// chat (Update, View, a command, a stream's reader) ends the program the
// way quitting does, so the terminal is restored; Run then returns the
// chat as it was before the panic, its stream stopped, and a
// *PanicError.
func Run(m Model, opts ...tea.ProgramOption) (Model, error) {
	box := &crashBox{last: m}
	p := tea.NewProgram(guard{m: m, box: box}, opts...)
	box.quit = p.Quit
	final, err := p.Run()
	if g, ok := final.(guard); ok {
		box.last = g.m
	}
	m = box.last
	if box.err != nil || errors.Is(err, tea.ErrProgramPanic) {
		if m.cancel != nil {
			m.cancel()
		}
		if box.err == nil { // caught by Bubble Tea, which printed it
			box.err = &PanicError{Value: "a panic in Bubble Tea"}
		}
		return m, box.err
	}
	return m, err
}

// guard runs the chat and turns a panic in it into a quit.
type guard struct {
	m   Model
	box *crashBox
}

// crashBox is what the copies of a guard share, all on the program's
// event loop.
type crashBox struct {
	err  *PanicError // the first panic
	last Model       // the chat after its last whole Update
	quit func()      // the program's Quit
}

func (g guard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			_, cmd = g.crash(recovered(r))
		}
	}()
	return guardCmd(g.m.Init())
}

func (g guard) Update(msg tea.Msg) (next tea.Model, cmd tea.Cmd) {
	if msg, ok := msg.(crashMsg); ok {
		return g.crash(msg.err)
	}
	if g.box.err != nil {
		return g, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			next, cmd = g.crash(recovered(r))
		}
	}()
	m, c := g.m.Update(msg)
	g.m = m.(Model)
	g.box.last = g.m
	return g, guardCmd(c)
}

// View draws the chat; after a panic, nothing.
func (g guard) View() (v tea.View) {
	if g.box.err != nil {
		return tea.NewView("")
	}
	defer func() {
		if r := recover(); r != nil {
			g.box.err = recovered(r)
			go g.box.quit() // View cannot return a command
			v = tea.NewView("")
		}
	}()
	return g.m.View()
}

// crash keeps the first panic and quits, with the chat as it was.
func (g guard) crash(err *PanicError) (tea.Model, tea.Cmd) {
	if g.box.err == nil {
		g.box.err = err
	}
	return g, tea.Quit
}

// guardCmd makes a panic in cmd, or in the commands it returns in a
// batch or a sequence, a crashMsg.
func guardCmd(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = crashMsg{recovered(r)}
			}
		}()
		return guardCmds(cmd())
	}
}

var cmdType = reflect.TypeFor[tea.Cmd]()

// guardCmds guards the commands of a message that is a list of them:
// tea.BatchMsg, and the sequence Bubble Tea keeps unexported.
func guardCmds(msg tea.Msg) tea.Msg {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
		return msg
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for i := range v.Len() {
		cmd, _ := v.Index(i).Interface().(tea.Cmd)
		out.Index(i).Set(reflect.ValueOf(guardCmd(cmd)))
	}
	return out.Interface()
}

// crashTest reports whether the chat is to panic at place: it is set
// to (Config.Crash) and the question is "crash".
func (m *Model) crashTest(place, question string) bool {
	return m.cfg.Crash == place && question == "crash"
}

// crashOpener opens a stream whose reader panics.
func crashOpener(context.Context, []client.Message) (*client.Stream, error) {
	return client.NewStream(panicReader{}), nil
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("a crash test in the stream's reader") }
