package main

import (
	"context"
	"testing"
)

func TestChatOpensOnlyOnATerminalWithNoPrompt(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		piped    bool
		args     []string
		wantChat bool
	}{
		{"terminal, no prompt", true, false, nil, true},
		{"terminal, a prompt", true, false, []string{"hi"}, false},
		{"text piped in", true, true, nil, false},
		{"not a terminal", false, false, nil, false},
		{"--events", true, false, []string{"--events"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _ := testStreams("")
			ios.StdinTTY, ios.StdoutTTY, ios.StdinPiped = tt.tty, tt.tty, tt.piped
			var got bool
			cmd := newRootCmd(ios, func(_ context.Context, o *rootOptions) error {
				got = o.wantsChat()
				return nil
			})
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got != tt.wantChat {
				t.Errorf("wantsChat = %v, want %v", got, tt.wantChat)
			}
		})
	}
}

func TestVerboseChatIsAUsageError(t *testing.T) {
	ios, _, errOut := testStreams("")
	ios.StdinTTY, ios.StdoutTTY = true, true
	if code := execute(context.Background(), ios, []string{"-v"}); code != exitUsage {
		t.Errorf("exit = %d, want %d (stderr %q)", code, exitUsage, errOut)
	}
}
