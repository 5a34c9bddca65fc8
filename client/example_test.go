package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tokcli/tok/client"
)

// A recorded Anthropic stream decodes to the same events as any other
// dialect's.
func ExampleNewStream() {
	body := `event: message_start
data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, "}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"world."}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}

event: message_stop
data: {"type":"message_stop"}

`
	s := client.NewStream(strings.NewReader(body))
	for ev, err := range s.Events() {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch ev.Kind {
		case client.KindText:
			fmt.Printf("text %q\n", ev.Text)
		case client.KindDone:
			fmt.Println("done:", ev.StopReason)
		default:
			fmt.Println(ev.Kind)
		}
	}
	fmt.Println("dialect:", s.Dialect())
	// Output:
	// start
	// text "Hello, "
	// text "world."
	// usage
	// done: end_turn
	// dialect: anthropic
}

// Chat asks a server in tok's protocol; a stream cut off mid-answer ends
// with a *CutOffError after the text that did arrive.
func ExampleClient_Chat() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"Half an \"}\n\n")
		fmt.Fprint(w, "data: {\"type\":\"token\",\"content\":\"answer\"}\n\n") // and then it closes
	}))
	defer srv.Close()

	c := client.New(client.Config{})
	s, err := c.Chat(context.Background(), client.Endpoint{URL: srv.URL}, []client.Message{{Role: "user", Content: "hi"}})
	if err != nil {
		fmt.Println("request failed:", err)
		return
	}
	var text strings.Builder
	for ev, err := range s.Events() {
		if err != nil {
			fmt.Printf("%q, then: %v\n", text.String(), err)
			return
		}
		text.WriteString(ev.Text)
	}
	// Output:
	// "Half an answer", then: the stream was cut off after 2 tokens
}

// FromEvents streams an answer with no wire, through the same contract.
func ExampleFromEvents() {
	evs := []client.Event{{Kind: client.KindText, Text: "in process"}, {Kind: client.KindDone}}
	s := client.FromEvents("test", func() (client.Event, error) {
		ev := evs[0]
		evs = evs[1:]
		return ev, nil
	}, nil)
	for ev, err := range s.Events() {
		fmt.Printf("%s %q %v\n", ev.Kind, ev.Text, err)
	}
	// Output:
	// text "in process" <nil>
	// done "" <nil>
}

// Question puts piped text, the text files (fenced, named by their path)
// and the prompt in one user turn; images go along as Images.
func ExampleQuestion() {
	q := client.Question("go: cannot find main module\n", []client.Attachment{
		{Name: "go.mod", Text: "module example.com/hello\n"},
		{Name: "shot.png", Image: &client.Image{Name: "shot.png", MIME: "image/png", Data: []byte("…")}},
	}, "why?")
	fmt.Println(q.Content)
	fmt.Println(len(q.Images), "image")
	// Output:
	// go: cannot find main module
	//
	// go.mod:
	// ```mod
	// module example.com/hello
	// ```
	//
	// why?
	// 1 image
}
