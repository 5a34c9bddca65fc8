package main

import (
	"strings"
	"testing"
	"time"
)

func TestBackgroundFromTheEnvironment(t *testing.T) {
	tests := []struct {
		env      map[string]string
		dark, ok bool
	}{
		{map[string]string{}, true, false},
		{map[string]string{"COLORFGBG": "15;0"}, true, true},
		{map[string]string{"COLORFGBG": "0;15"}, false, true},
		{map[string]string{"COLORFGBG": "0;default;7"}, false, true},
		{map[string]string{"COLORFGBG": "7;8"}, true, true},
		{map[string]string{"COLORFGBG": "nonsense"}, true, false},
		{map[string]string{"NO_COLOR": "1"}, true, true},
		{map[string]string{"GLAMOUR_STYLE": "light"}, true, true},
		{map[string]string{"TERM": "dumb"}, true, true},
	}
	for _, tt := range tests {
		dark, ok := backgroundFromEnv(func(k string) string { return tt.env[k] })
		if dark != tt.dark || ok != tt.ok {
			t.Errorf("%v: dark %v ok %v, want %v %v", tt.env, dark, ok, tt.dark, tt.ok)
		}
	}
}

func TestParseBackgroundReply(t *testing.T) {
	tests := []struct {
		reply             string
		dark, known, done bool
	}{
		{"\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c", true, true, true},
		{"\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?1;2c", false, true, true},
		{"\x1b]11;rgb:fdfd/f6f6/e3e3\x07", false, true, false},
		{"\x1b[?6c", false, false, true}, // the Linux console: DA1 only
		{"\x1b]11;rgb:00", false, false, false},
	}
	for _, tt := range tests {
		dark, known, done := parseBackgroundReply([]byte(tt.reply))
		if dark != tt.dark || known != tt.known || done != tt.done {
			t.Errorf("%q: %v %v %v, want %v %v %v", tt.reply, dark, known, done, tt.dark, tt.known, tt.done)
		}
	}
}

// TestTheOneShotNeverWaitsLongForTheColourQuery: a terminal that never
// answers the colour query holds the answer back for at most a moment.
func TestTheOneShotNeverWaitsLongForTheColourQuery(t *testing.T) {
	srv := serve(t, func(s sse) {
		s.token("fast")
		s.send("data: {\"type\":\"done\"}\n\n")
	})
	ios, out, errOut := testStreams("")
	ios.StdoutTTY = true
	ios.Size = func() (int, int) { return 80, 24 }
	block := make(chan struct{})
	defer close(block)
	ios.DarkBackground = func() bool { <-block; return true }
	start := time.Now()
	code := execute(t.Context(), ios, []string{"--url", srv.URL, "hi"})
	if code != 0 || !strings.Contains(out.String(), "fast") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the answer took %s", d)
	}
}
