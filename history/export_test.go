package history

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/tokcli/tok/client"
)

func TestJSONExportMatchesItsSchema(t *testing.T) {
	t.Parallel()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	if err := c.AddResource("export.schema.json", bytes.NewReader(Schema)); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("export.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	s := openTemp(t)
	r, _ := s.Begin(t.Context(), Ask{Conversation: Conversation{Title: "t", System: "be brief",
		Endpoint: Endpoint{Label: "openai · gpt", Provider: "openai", Model: "gpt"}}, Prompt: "q"})
	r.Add(client.Event{Kind: client.KindText, Text: "a"})
	r.Add(client.Event{Kind: client.KindToolStart, Tool: client.Tool{ID: "1", Name: "f"}})
	r.End(Outcome{Stopped: true})
	streaming, _ := s.Begin(t.Context(), Ask{Conversation: Conversation{ID: r.ConversationID()}, Prompt: "q2"})
	conv, err := s.Load(t.Context(), r.ConversationID())
	if err != nil {
		t.Fatal(err)
	}
	b, err := conv.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("the export does not match export.schema.json: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), `"ending": "stopped"`) || !strings.Contains(string(b), `"ended": null`) {
		t.Errorf("export lacks the stopped turn or the unended one:\n%s", b)
	}
	streaming.End(Outcome{})
}
