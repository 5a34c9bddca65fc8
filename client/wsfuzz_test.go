package client

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// decodeMessages decodes a WebSocket's messages as the transport does:
// each one a frame for the WebSocket detector, then the dialect's rule
// at a normal close. It returns the events and whether a decoder refused
// a message.
func decodeMessages(msgs []string) (evs []Event, d Dialect, refused bool) {
	det := &wsDetector{}
	for _, m := range msgs {
		var err error
		if evs, err = det.decode(evs, Frame{Event: "message", Data: m}); err != nil {
			return evs, det.dialect(), true
		}
		if n := len(evs); n > 0 && evs[n-1].terminal() {
			return evs, det.dialect(), false
		}
	}
	return append(evs, det.end()...), det.dialect(), false
}

// wsSeeds are message sequences of each dialect a socket carries.
var wsSeeds = []string{
	"{\"type\":\"token\",\"content\":\"Hello, \"}\n{\"type\":\"token\",\"content\":\"wörld 🚀\"}\n{\"type\":\"stream_end\",\"interrupted\":false}",
	"{\"type\":\"token\",\"content\":\"Hi\"}\n{\"type\":\"stream_end\",\"interrupted\":true}\n{\"type\":\"token\",\"content\":\"late\"}",
	"{\"type\":\"start\",\"messageId\":\"m\"}\n{\"type\":\"token\",\"content\":\"a\"}\n{\"type\":\"tool_start\",\"name\":\"f\"}\n{\"type\":\"done\"}",
	"{\"type\":\"token\",\"content\":\"x\"}\n{\"type\":\"error\",\"message\":\"boom\"}",
	"{\"type\":\"response.created\",\"response\":{\"id\":\"r\"}}\n{\"type\":\"response.output_text.delta\",\"delta\":\"yo\"}\n{\"type\":\"response.completed\",\"response\":{}}",
	"plain text\n over \na socket",
	"\n\n{\"type\":\"token\"}\n{}\n[1,2]\n{\"type\":\"stream_end\"}",
}

// FuzzWSMessagesSplitInvariant: any sequence of messages decodes without
// a panic, never yields an event of no kind or an error event without
// its error, and, for the dialects whose text may come in any pieces
// (the chat protocol's and tok's token messages, plain text), gives the
// same answer whatever the message boundaries: each token message cut in
// two, or the plain text cut elsewhere.
func FuzzWSMessagesSplitInvariant(f *testing.F) {
	for _, s := range wsSeeds {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, in string, cut uint8) {
		msgs := strings.Split(in, "\n")
		whole, dialect, refused := decodeMessages(msgs)
		for _, ev := range whole {
			if ev.Kind == 0 || ev.Kind > KindError || ev.Kind == KindError && ev.Err == nil {
				t.Fatalf("bad event %+v", ev)
			}
		}
		if refused {
			return
		}
		split, ok := resplit(msgs, dialect, int(cut))
		if !ok {
			return
		}
		got, _, refused := decodeMessages(split)
		if refused || !reflect.DeepEqual(merged(whole), merged(got)) {
			t.Fatalf("decoding depends on the message boundaries:\nwhole %q\n  -> %+v\nsplit %q\n  -> %+v", msgs, whole, split, got)
		}
	})
}

// resplit cuts the text of msgs at other boundaries: each token message
// in two at the cut-th character of its content (the other fields kept),
// or, for plain text, the whole text into pieces of cut+1 bytes. It
// reports false for a dialect, or messages, it cannot cut without
// changing them.
func resplit(msgs []string, d Dialect, cut int) ([]string, bool) {
	switch d {
	case DialectWSChat, DialectTok:
	case DialectText:
		if slicesContainJSON(msgs) {
			return nil, false
		}
		for len(msgs) > 0 && strings.TrimSpace(msgs[0]) == "" {
			msgs = msgs[1:] // a keep-alive before the answer: no text
		}
		text := strings.Join(msgs, "")
		if text == "" || !utf8.ValidString(text) || strings.Contains(text, doneSentinel) {
			return nil, false
		}
		var out []string
		for n := cut%16 + 1; text != ""; {
			i := min(n, len(text))
			if out == nil {
				// The first piece holds text: a blank first message is
				// a keep-alive, not the answer's start.
				i = max(i, strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })+utf8.RuneLen(firstNonSpace(text)))
			}
			for i < len(text) && !utf8.RuneStart(text[i]) {
				i++
			}
			out = append(out, text[:i])
			text = text[i:]
		}
		return out, true
	default:
		return nil, false
	}
	var out []string
	var p fastjson.Parser
	for _, m := range msgs {
		v, err := p.Parse(m)
		if err != nil || v.Type() != fastjson.TypeObject || str(v, "type") != "token" || v.Exists("index") {
			out = append(out, m)
			continue
		}
		if !utf8.ValidString(str(v, "content")) {
			return nil, false // re-encoding would change it
		}
		content := []rune(str(v, "content"))
		i := cut % (len(content) + 1)
		for _, part := range []string{string(content[:i]), string(content[i:])} {
			b, _ := json.Marshal(map[string]string{"type": "token", "content": part})
			out = append(out, string(b))
		}
	}
	return out, true
}

// firstNonSpace is the first character of s that is not a space.
func firstNonSpace(s string) rune {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return r
		}
	}
	return ' '
}

// slicesContainJSON reports whether a message looks like JSON, which the
// plain-text cut would change the meaning of.
func slicesContainJSON(msgs []string) bool {
	for _, m := range msgs {
		if looksLikeJSON(m) {
			return true
		}
	}
	return false
}
