package demo

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tokcli/tok/client"
)

var quick = Options{FirstToken: time.Microsecond, Interval: time.Microsecond}

func TestTheDemoStreamsItsScriptToTheEnd(t *testing.T) {
	s := Stream(context.Background(), []client.Message{{Role: "user", Content: "what is tok?"}}, quick)
	var text strings.Builder
	var kinds []client.Kind
	for ev, err := range s.Events() {
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, ev.Kind)
		text.WriteString(ev.Text)
	}
	if text.String() != Text("what is tok?", 1) {
		t.Errorf("text differs from the script")
	}
	if kinds[0] != client.KindStart || kinds[len(kinds)-2] != client.KindUsage || kinds[len(kinds)-1] != client.KindDone {
		t.Errorf("kinds = %v, want start … usage done", kinds)
	}
	if s.Dialect() != client.DialectDemo {
		t.Errorf("dialect = %s", s.Dialect())
	}
}

func TestStoppingTheDemoEndsItWithTheCause(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := Stream(ctx, []client.Message{{Role: "user", Content: "hi"}}, Options{FirstToken: time.Hour})
	var err error
	for ev, e := range s.Events() {
		if ev.Kind == client.KindStart {
			cancel()
		}
		err = e
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestTokensSplitAsAModelDoes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello ", "world"}},
		{"**bold** text\n\nnext", []string{"**bold", "** ", "text", "\n\n", "next"}},
		{"日本語", []string{"日", "本", "語"}},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
