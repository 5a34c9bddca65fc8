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
	"github.com/tokcli/tok/render"
	"github.com/tokcli/tok/tui"
)

// wantsChat reports whether tok should open the interactive chat: a
// terminal on both ends, and no prompt, piped text or -E.
func (o *rootOptions) wantsChat() bool {
	return o.IO.StdinTTY && o.IO.StdoutTTY && !o.IO.StdinPiped && o.Prompt == "" && !o.Events && !o.oneShotOnly() && !o.Editor
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
	atts, err := o.readFiles(ctx) // -f: for the first question
	if err != nil {
		return err
	}
	hc := o.chatHistory(ctx)
	problems := o.newRunner(true) // the chat draws while the servers start
	defer o.closeTools()
	first := o.chatTarget(o.target, o.client)
	switcher := &chatEndpoints{o: o}
	defer switcher.close()
	choices, none := endpointChoices(o.IO.env)
	m := tui.New(tui.Config{
		History:         hc.History,
		Save:            hc.Save,
		Conversation:    hc.Conversation,
		NewConversation: hc.NewConversation,
		Notice:          hc.Notice,
		Tools:           o.runner,
		ToolNotes:       problems,
		Open:            first.Open,
		Endpoint:        first.Label,
		Describe:        first.Describe,
		Reason:          first.Reason,
		Style:           func(dark bool) ansi.StyleConfig { return styles[dark] },
		Dark:            true,
		Width:           o.Width,
		Crash:           o.IO.Getenv("TOK_CHAT_CRASH"), // for checking the recovery by hand; not in --help
		InterruptWait:   first.InterruptWait,
		Endpoints:       choices,
		EndpointName:    o.target.name,
		Switch:          switcher.switchTo,
		NoEndpoints:     none,
		Attach:          atts,
		Images:          first.Images,
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
