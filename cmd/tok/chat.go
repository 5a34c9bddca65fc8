package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2/ansi"
	"github.com/charmbracelet/colorprofile"
	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tui"
)

// wantsChat reports whether tok should open the interactive chat: a
// terminal on both ends, and no prompt, piped text or -E.
func (o *rootOptions) wantsChat() bool {
	return o.IO.StdinTTY && o.IO.StdoutTTY && !o.IO.StdinPiped && o.Prompt == "" && !o.Events && !o.Editor
}

// runChat runs the chat until the user quits, then prints the
// conversation, so it stays in the scrollback once the alternate screen
// is gone.
func runChat(ctx context.Context, o *rootOptions) error {
	if o.Verbose {
		return usageErrorf("--verbose writes on the terminal the chat draws on: give a prompt to see a request's details, as in: tok -v \"hi\"")
	}
	styles, err := chatStyles()
	if err != nil {
		return err
	}
	hc := o.chatHistory(ctx)
	problems := o.newRunner(true) // the chat draws while the servers start
	defer o.closeTools()
	m := tui.New(tui.Config{
		History:         hc.History,
		Save:            hc.Save,
		Conversation:    hc.Conversation,
		NewConversation: hc.NewConversation,
		Notice:          hc.Notice,
		Tools:           o.runner,
		ToolNotes:       problems,
		Open:            func(ctx context.Context, msgs []client.Message) (*client.Stream, error) { return o.open(ctx, msgs) },
		Endpoint:        o.endpointName(),
		Describe:        func(err error) string { return describe(o.failure(err)) },
		Reason:          o.retryReason,
		Style:           func(dark bool) ansi.StyleConfig { return styles[dark] },
		Dark:            true,
		Width:           o.Width,
		Crash:           o.IO.Getenv("TOK_CHAT_CRASH"), // for checking the recovery by hand; not in --help
		InterruptWait:   o.target.interruptWait,
		Programs:        o.programs(),
	})
	final, err := tui.Run(m, tea.WithContext(ctx), tea.WithInput(o.IO.In), tea.WithOutput(o.IO.Out))
	// Down to the colours the terminal has, as the TUI's own output is.
	transcript := final.Transcript()
	io.WriteString(colorprofile.NewWriter(o.IO.Out, os.Environ()), transcript)
	var pe *tui.PanicError
	switch {
	case errors.As(err, &pe) && strings.TrimSpace(transcript) != "":
		return fmt.Errorf("the chat crashed: %w; the conversation so far is above", pe)
	case errors.As(err, &pe):
		return fmt.Errorf("the chat crashed: %w", pe)
	case errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return errInterrupted
	case err != nil:
		return fmt.Errorf("run the chat: %w", err)
	}
	return nil
}

// chatStyles loads the markdown style for each background, so that a
// bad GLAMOUR_STYLE is a usage error before the screen changes.
func chatStyles() (map[bool]ansi.StyleConfig, error) {
	styles := map[bool]ansi.StyleConfig{}
	for _, dark := range []bool{true, false} {
		s, err := render.Style(render.StyleName(os.Getenv, dark))
		if err != nil {
			return nil, usageErrorf("GLAMOUR_STYLE: %v", err)
		}
		styles[dark] = s
	}
	return styles, nil
}

// endpointName is what the header says answers.
func (o *rootOptions) endpointName() string { return o.target.label() }
