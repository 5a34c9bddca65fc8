package demo_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tokcli/tok/client"
	"github.com/tokcli/tok/demo"
)

// The demo model answers through the same Stream contract as a server.
func ExampleStream() {
	msgs := []client.Message{{Role: "user", Content: "hi"}}
	s := demo.Stream(context.Background(), msgs, demo.Options{FirstToken: time.Millisecond, Interval: time.Microsecond})
	tokens := 0
	for ev, err := range s.Events() {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch ev.Kind {
		case client.KindStart:
			fmt.Println("model:", ev.Model)
		case client.KindText:
			tokens++
		case client.KindDone:
			fmt.Println("tokens:", tokens == len(demo.Tokens(demo.Text("hi", 1))))
		}
	}
	// Output:
	// model: tok-demo
	// tokens: true
}
