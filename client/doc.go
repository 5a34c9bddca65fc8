// Package client reads streamed chat answers: it sends the request,
// reads Server-Sent Events (or the AI SDK data stream, or plain text),
// detects the dialect from the first frames (tok's own protocol,
// Anthropic Messages, OpenAI Chat Completions and Responses, Gemini, the
// Vercel AI SDK streams, plain text) and yields one kind of [Event]
// whatever the wire spoke. It retries a request that fails before its
// first token, resumes a tok-protocol stream that breaks after text
// arrived, records timings, and never imports a terminal library.
//
// A ws:// or wss:// address is a WebSocket: each text message is a frame
// for the same detection and decoders, so the events are the same
// whichever transport carried them. [Client.Chat] keeps one socket per
// conversation across its turns (the chat protocol's server holds the
// history; OpenAI's Responses API chains by previous_response_id), and
// [Stream.Interrupt] stops an answer the way its transport allows: the
// chat protocol's interrupt and acknowledgement, or the close.
//
// There are four ways in, each giving a [Stream]:
//
//   - [NewStream] reads a body already at hand, such as a recorded
//     transcript.
//   - [Client.Stream] sends any *http.Request and reads its answer.
//   - [Client.Chat] asks an [Endpoint] (an LLM API by its [Provider], or a
//     URL in tok's protocol) to answer a conversation, in the API's own
//     request shape, with retries and resume as [Config] sets them.
//   - [FromEvents] streams an answer that has no wire (a model in
//     process, as package demo's).
//
// A Stream's [Stream.Events] is a range-over-func sequence: events until
// a terminal one, and a non-nil error when the answer failed (a cut-off,
// a server's error event, a timeout), after whatever arrived:
//
//	s, err := client.New(client.Config{}).Chat(ctx, ep, msgs)
//	if err != nil {
//		return err // the request failed: no answer
//	}
//	for ev, err := range s.Events() {
//		if err != nil {
//			return err // the text so far was yielded already
//		}
//		fmt.Print(ev.Text)
//	}
//
// A [Trace] on the request's context watches the wire as it is read
// (reads, frames, comments, what follows the end), as net/http/httptrace
// watches a request; tok probe measures streams through it.
package client
