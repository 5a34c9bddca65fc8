package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tokcli/tok/client"
)

// pngBytes is the start of a PNG: enough for content sniffing.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 100)...)

// imageQuestion is a question with a Go file and a PNG.
func imageQuestion() []client.Message {
	q := client.Question("", []client.Attachment{
		{Name: "main.go", Text: "package main\n"},
		{Name: "diagram.png", Image: &client.Image{Name: "diagram.png", MIME: "image/png", Data: pngBytes}},
	}, "what is this?")
	return []client.Message{q}
}

const wantText = "main.go:\n```go\npackage main\n```\n\nwhat is this?"

func dataURL() string { return "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes) }

func TestImagesAreSentAsAnthropicSDKWritesThem(t *testing.T) {
	t.Parallel()
	body := requestBody(t, client.Endpoint{Provider: client.Anthropic, Model: "m"}, imageQuestion())
	want := anthropic.NewUserMessage(anthropic.NewImageBlockBase64("image/png", base64.StdEncoding.EncodeToString(pngBytes)),
		anthropic.NewTextBlock(wantText))
	sameJSON(t, "the question", body["messages"].([]any)[0], asJSON(t, want))
	// And the SDK's own type reads it back.
	var p anthropic.MessageParam
	b, _ := json.Marshal(body["messages"].([]any)[0])
	if err := json.Unmarshal(b, &p); err != nil || p.Content[0].OfImage == nil || p.Content[0].OfImage.Source.OfBase64 == nil {
		t.Fatalf("anthropic.MessageParam reads %s as %+v (%v)", b, p, err)
	}
}

func TestImagesAreSentAsOpenAIChatSDKWritesThem(t *testing.T) {
	t.Parallel()
	body := requestBody(t, client.Endpoint{Provider: client.OpenAI, Model: "m"}, imageQuestion())
	want := openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
		openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: dataURL()}),
		openai.TextContentPart(wantText),
	})
	sameJSON(t, "the question", body["messages"].([]any)[0], asJSON(t, want))
}

func TestImagesAreSentAsOpenAIResponsesSDKWritesThem(t *testing.T) {
	t.Parallel()
	body := requestBody(t, client.Endpoint{Provider: client.OpenAI, API: client.APIResponses, Model: "m"}, imageQuestion())
	img := responses.ResponseInputContentParamOfInputImage(responses.ResponseInputImageDetailAuto)
	img.OfInputImage.ImageURL = openai.String(dataURL())
	want := responses.ResponseInputItemParamOfMessage(responses.ResponseInputMessageContentListParam{
		img, responses.ResponseInputContentParamOfInputText(wantText)}, responses.EasyInputMessageRoleUser)
	sameJSON(t, "the question", body["input"].([]any)[0], asJSON(t, want))
}

func TestImagesAreSentInGeminisDocumentedShape(t *testing.T) {
	t.Parallel()
	body := requestBody(t, client.Endpoint{Provider: client.Gemini, Model: "m"}, imageQuestion())
	// https://ai.google.dev/gemini-api/docs/image-understanding: inline_data
	// (inlineData in the REST API's JSON names) with mime_type and data.
	var want any
	json.Unmarshal([]byte(`[{"role":"user","parts":[{"inlineData":{"mimeType":"image/png","data":"`+
		base64.StdEncoding.EncodeToString(pngBytes)+`"}},{"text":`+jsonString(wantText)+`}]}]`), &want)
	sameJSON(t, "contents", body["contents"], want)
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// A text-only conversation is sent as it always was: content a string.
func TestTextOnlyTurnsKeepTheirPlainShape(t *testing.T) {
	t.Parallel()
	msgs := []client.Message{{Role: "user", Content: "hi"}}
	for _, ep := range []client.Endpoint{{Provider: client.Anthropic, Model: "m"}, {Provider: client.OpenAI, Model: "m"}} {
		if got := requestBody(t, ep, msgs)["messages"].([]any)[0]; !sameValue(got, map[string]any{"role": "user", "content": "hi"}) {
			t.Errorf("%s: the question = %v, want content a string", ep.Provider, got)
		}
	}
	in := requestBody(t, client.Endpoint{Provider: client.OpenAI, API: client.APIResponses, Model: "m"}, msgs)["input"].([]any)[0]
	if !sameValue(in, map[string]any{"role": "user", "content": "hi"}) {
		t.Errorf("responses: the question = %v", in)
	}
}

func sameValue(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestImagesAreRefusedWhereTheyCannotGo(t *testing.T) {
	t.Parallel()
	for _, ep := range []client.Endpoint{{URL: "http://127.0.0.1:1/chat"}, {URL: "ws://127.0.0.1:1/ws"}} {
		_, err := client.New(client.Config{}).Chat(context.Background(), ep, imageQuestion())
		var ie *client.ImageError
		if !errors.As(err, &ie) || ie.Image != "diagram.png" {
			t.Errorf("%s: err = %v, want an *ImageError naming diagram.png", ep.URL, err)
		}
	}
}

func TestQuestionJoinsStdinFilesAndPrompt(t *testing.T) {
	t.Parallel()
	q := client.Question("piped", []client.Attachment{{Name: "a.txt", Text: "x"}}, "prompt")
	if want := "piped\n\na.txt:\n```txt\nx\n```\n\nprompt"; q.Content != want {
		t.Errorf("Content = %q, want %q", q.Content, want)
	}
}

func TestFencedOutlastsTheBackticksInside(t *testing.T) {
	t.Parallel()
	a := client.Attachment{Name: "README.md", Text: "a\n````go\nx\n````\n"}
	if want := "README.md:\n`````md\na\n````go\nx\n````\n`````\n"; a.Fenced() != want {
		t.Errorf("Fenced = %q, want %q", a.Fenced(), want)
	}
}

func TestReadAttachment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := filepath.Join(dir, "big.go")
	f, _ := os.Create(big)
	f.WriteString(strings.Repeat("// a line of Go\n", 256))
	f.Truncate(50 << 20) // sparse: no 50 MB written, and none read
	f.Close()
	for _, tc := range []struct {
		name, path string
		image      string // the MIME type, for an image
		err        string
	}{
		{name: "text", path: write("main.go", []byte("package main\n"))},
		{name: "png named .txt", path: write("x.txt", pngBytes), image: "image/png"},
		{name: "missing", path: filepath.Join(dir, "nope.go"), err: "nope.go does not exist"},
		{name: "directory", path: dir, err: "is a directory"},
		{name: "too big", path: big, err: "big.go is 50.0 MB; the limit is 1 MiB for a text file"},
		{name: "binary", path: write("a.out", []byte("\x7fELF\x02\x01\x01\x00\x00\x00")), err: "is a binary file"},
		{name: "pdf", path: write("x.pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")), err: "(application/pdf)"},
		{name: "latin-1", path: write("l.txt", []byte("caf\xe9\n")), err: "is not UTF-8 text"},
		{name: "big image", path: write("big.png", append(pngBytes, make([]byte, client.MaxImage)...)), err: "the limit is 3.75 MiB for an image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := client.ReadAttachment(tc.path)
			var fe *client.FileError
			switch {
			case tc.err != "" && (!errors.As(err, &fe) || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("err = %v, want a *FileError with %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Errorf("err = %v", err)
			case tc.image != "" && (a.Image == nil || a.Image.MIME != tc.image):
				t.Errorf("image = %+v, want %s", a.Image, tc.image)
			case tc.err == "" && tc.image == "" && (a.Text != "package main\n" || a.Image != nil):
				t.Errorf("attachment = %+v", a)
			}
		})
	}
}

// A stream over the limit is refused after a byte past it, not read whole.
func TestReadAttachmentFromStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	r := &countingReader{r: io.LimitReader(zeroText{}, 50<<20)}
	_, err := client.ReadAttachmentFrom("stdin", r)
	var fe *client.FileError
	if !errors.As(err, &fe) || fe.Limit != client.MaxText {
		t.Fatalf("err = %v, want the text limit", err)
	}
	if r.n > client.MaxText+1 {
		t.Errorf("read %d bytes, want at most %d", r.n, client.MaxText+1)
	}
}

type zeroText struct{}

func (zeroText) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// The bodies read into the SDKs' request types and write back the same:
// nothing in them is a field the SDKs do not know. (openai-go cannot read
// a Responses input back: it writes a message item without its type, as
// tok does, and reads the union by type; the test above compares what it
// writes.)
func TestImageRequestsRoundTripThroughTheSDKTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ep    client.Endpoint
		key   string
		parse func([]byte) (any, error)
	}{
		{client.Endpoint{Provider: client.Anthropic, Model: "m", System: "be brief"}, "messages", func(b []byte) (any, error) {
			var p anthropic.MessageNewParams
			return &p, json.Unmarshal(b, &p)
		}},
		{client.Endpoint{Provider: client.OpenAI, Model: "m", System: "be brief"}, "messages", func(b []byte) (any, error) {
			var p openai.ChatCompletionNewParams
			return &p, json.Unmarshal(b, &p)
		}},
	} {
		body := requestBody(t, tc.ep, imageQuestion())
		b, _ := json.Marshal(body)
		p, err := tc.parse(b)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.ep.Provider, tc.ep.API, err)
		}
		back := asJSON(t, p).(map[string]any)
		sameJSON(t, string(tc.ep.Provider)+" "+tc.ep.API+" "+tc.key, back[tc.key], body[tc.key])
	}
}
