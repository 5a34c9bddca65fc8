package client

import (
	"encoding/json"
	"strings"
)

// The conversation and the offered tools in each API's own shape: tool
// calls are an assistant turn's, and their results follow in the next
// turn, in the calls' order. A turn without tools keeps the plain shape
// ({"role", "content": "text"}) every API also takes.

// anthropicMessage is a Messages API turn: content is a string, or a
// list of blocks when the turn has tool calls or results.
type anthropicMessage struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

type anthropicBlock struct {
	Type      string           `json:"type"`
	Text      string           `json:"text,omitempty"`
	ID        string           `json:"id,omitempty"`
	Name      string           `json:"name,omitempty"`
	Input     json.RawMessage  `json:"input,omitempty"`
	ToolUseID string           `json:"tool_use_id,omitempty"`
	Content   []anthropicBlock `json:"content,omitempty"` // a tool_result's: text blocks, none when empty
	IsError   bool             `json:"is_error,omitempty"`
	Source    *anthropicSource `json:"source,omitempty"` // an image's
}

type anthropicSource struct {
	Type      string `json:"type"` // base64
	MediaType string `json:"media_type"`
	Data      []byte `json:"data"` // base64, as encoding/json writes []byte
}

type anthropicTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

// anthropicMessages: tool calls are tool_use blocks after the text;
// results are tool_result blocks in a user turn, which the user's next
// words (if they follow at once) join, after the results, as the API
// wants.
func anthropicMessages(msgs []Message) []anthropicMessage {
	out := make([]anthropicMessage, 0, len(msgs))
	for _, m := range msgs {
		if !m.hasTools() {
			if n := len(out); n > 0 && m.Role == "user" && out[n-1].Role == "user" {
				if blocks, ok := out[n-1].Content.([]anthropicBlock); ok {
					out[n-1].Content = append(blocks, anthropicContent(m)...)
					continue
				}
			}
			if len(m.Images) > 0 {
				out = append(out, anthropicMessage{Role: m.Role, Content: anthropicContent(m)})
				continue
			}
			out = append(out, anthropicMessage{Role: m.Role, Content: m.Content})
			continue
		}
		var blocks []anthropicBlock
		if strings.TrimSpace(m.Content) != "" {
			blocks = append(blocks, anthropicBlock{Type: "text", Text: m.Content})
		}
		for _, c := range m.ToolCalls {
			blocks = append(blocks, anthropicBlock{Type: "tool_use", ID: c.ID, Name: c.Name, Input: objectArgs(c.Args)})
		}
		for _, r := range m.ToolResults {
			b := anthropicBlock{Type: "tool_result", ToolUseID: r.ID, IsError: r.IsError}
			if r.Content != "" { // a text block may not be empty
				b.Content = []anthropicBlock{{Type: "text", Text: r.Content}}
			}
			blocks = append(blocks, b)
		}
		role := m.Role
		if role == RoleTool {
			role = "user"
		}
		out = append(out, anthropicMessage{Role: role, Content: blocks})
	}
	return out
}

// anthropicContent is a turn's words as blocks: its images first, as
// Anthropic advises, then its text (a text block may not be empty).
func anthropicContent(m Message) []anthropicBlock {
	var blocks []anthropicBlock
	for _, im := range m.Images {
		blocks = append(blocks, anthropicBlock{Type: "image", Source: &anthropicSource{Type: "base64", MediaType: im.MIME, Data: im.Data}})
	}
	if strings.TrimSpace(m.Content) != "" || len(blocks) == 0 {
		blocks = append(blocks, anthropicBlock{Type: "text", Text: m.Content})
	}
	return blocks
}

func anthropicTools(specs []ToolSpec) []anthropicTool {
	var out []anthropicTool
	for _, t := range specs {
		out = append(out, anthropicTool{Name: t.Name, Description: t.Description, InputSchema: schemaOf(t)})
	}
	return out
}

// chatMessage is a Chat Completions message: an assistant's tool_calls
// (content null when it said nothing), and one message of role tool per
// result.
type chatMessage struct {
	Role string `json:"role"`
	// Content is a *string, or []chatPart for a turn with images.
	Content    any            `json:"content,omitempty"`
	ToolCalls  []chatToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

// chatPart is a part of a Chat Completions user message: text, or an
// image as a data: URL.
type chatPart struct {
	Type     string        `json:"type"` // text or image_url
	Text     string        `json:"text,omitempty"`
	ImageURL *chatImageURL `json:"image_url,omitempty"`
}

type chatImageURL struct {
	URL string `json:"url"`
}

type chatToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function chatFunction `json:"function"`
}

type chatFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type chatTool struct {
	Type     string           `json:"type"`
	Function chatFunctionSpec `json:"function"`
}

type chatFunctionSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

func chatMessages(msgs []Message) []chatMessage {
	out := make([]chatMessage, 0, len(msgs))
	for _, m := range msgs {
		if m.Role == RoleTool {
			for _, r := range m.ToolResults {
				content := r.Content
				out = append(out, chatMessage{Role: RoleTool, Content: &content, ToolCallID: r.ID})
			}
			continue
		}
		cm := chatMessage{Role: m.Role}
		if content := m.Content; len(m.Images) > 0 {
			cm.Content = chatParts(m)
		} else if strings.TrimSpace(content) != "" || len(m.ToolCalls) == 0 {
			cm.Content = &content
		}
		for _, c := range m.ToolCalls {
			cm.ToolCalls = append(cm.ToolCalls, chatToolCall{ID: c.ID, Type: "function",
				Function: chatFunction{Name: c.Name, Arguments: string(objectArgs(c.Args))}})
		}
		out = append(out, cm)
	}
	return out
}

// chatParts is a turn with images: the images, then the text.
func chatParts(m Message) []chatPart {
	var parts []chatPart
	for _, im := range m.Images {
		parts = append(parts, chatPart{Type: "image_url", ImageURL: &chatImageURL{URL: im.dataURL()}})
	}
	if strings.TrimSpace(m.Content) != "" {
		parts = append(parts, chatPart{Type: "text", Text: m.Content})
	}
	return parts
}

func chatTools(specs []ToolSpec) []chatTool {
	var out []chatTool
	for _, t := range specs {
		out = append(out, chatTool{Type: "function", Function: chatFunctionSpec{Name: t.Name, Description: t.Description, Parameters: schemaOf(t)}})
	}
	return out
}

// responsesItem is an item of a Responses API input: a message, a
// function_call, or a function_call_output.
type responsesItem struct {
	Type string `json:"type,omitempty"`
	Role string `json:"role,omitempty"`
	// Content is a *string, or []responsesPart for a turn with images.
	Content   any     `json:"content,omitempty"`
	CallID    string  `json:"call_id,omitempty"`
	Name      string  `json:"name,omitempty"`
	Arguments string  `json:"arguments,omitempty"`
	Output    *string `json:"output,omitempty"`
}

// responsesPart is a part of a Responses input message: input_text, or
// input_image with a data: URL.
type responsesPart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	Detail   string `json:"detail,omitempty"` // an image's: auto
}

type responsesTool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
	// Strict is sent false: the API's default, true, refuses the
	// schemas most MCP servers write.
	Strict bool `json:"strict"`
}

func responsesInput(msgs []Message) []responsesItem {
	out := make([]responsesItem, 0, len(msgs))
	for _, m := range msgs {
		if m.Role != RoleTool && len(m.Images) > 0 {
			out = append(out, responsesItem{Role: m.Role, Content: responsesParts(m)})
		} else if m.Role != RoleTool && (strings.TrimSpace(m.Content) != "" || len(m.ToolCalls) == 0) {
			content := m.Content
			out = append(out, responsesItem{Role: m.Role, Content: &content})
		}
		for _, c := range m.ToolCalls {
			out = append(out, responsesItem{Type: "function_call", CallID: c.ID, Name: c.Name, Arguments: string(objectArgs(c.Args))})
		}
		for _, r := range m.ToolResults {
			output := r.Content
			out = append(out, responsesItem{Type: "function_call_output", CallID: r.ID, Output: &output})
		}
	}
	return out
}

// responsesParts is a turn with images: the images, then the text.
func responsesParts(m Message) []responsesPart {
	var parts []responsesPart
	for _, im := range m.Images {
		parts = append(parts, responsesPart{Type: "input_image", ImageURL: im.dataURL(), Detail: "auto"})
	}
	if strings.TrimSpace(m.Content) != "" {
		parts = append(parts, responsesPart{Type: "input_text", Text: m.Content})
	}
	return parts
}

func responsesTools(specs []ToolSpec) []responsesTool {
	var out []responsesTool
	for _, t := range specs {
		out = append(out, responsesTool{Type: "function", Name: t.Name, Description: t.Description, Parameters: schemaOf(t)})
	}
	return out
}

type geminiFunctionCall struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type geminiFunctionResponse struct {
	ID       string         `json:"id,omitempty"`
	Name     string         `json:"name"`
	Response map[string]any `json:"response"`
}

// geminiBlob is an image part's inlineData.
type geminiBlob struct {
	MIMEType string `json:"mimeType"`
	Data     []byte `json:"data"` // base64, as encoding/json writes []byte
}

type geminiTool struct {
	FunctionDeclarations []geminiFunction `json:"functionDeclarations"`
}

type geminiFunction struct {
	Name                 string          `json:"name"`
	Description          string          `json:"description,omitempty"`
	ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema"`
}

// geminiParts is a turn's parts: its text, then a functionCall per call
// (with its thoughtSignature), or a functionResponse per result, whose
// response is {"output": …} or {"error": …} as Gemini's docs say.
// Gemini's decoder names a call that came without an id by its name: that
// stand-in is not sent back.
func geminiParts(m Message) []geminiPart {
	var parts []geminiPart
	for _, im := range m.Images {
		parts = append(parts, geminiPart{InlineData: &geminiBlob{MIMEType: im.MIME, Data: im.Data}})
	}
	if strings.TrimSpace(m.Content) != "" || !m.hasTools() && len(m.Images) == 0 {
		parts = append(parts, geminiPart{Text: m.Content})
	}
	for _, c := range m.ToolCalls {
		parts = append(parts, geminiPart{FunctionCall: &geminiFunctionCall{ID: geminiID(c.ID, c.Name), Name: c.Name,
			Args: objectArgs(c.Args)}, ThoughtSignature: c.Signature})
	}
	for _, r := range m.ToolResults {
		key := "output"
		if r.IsError {
			key = "error"
		}
		parts = append(parts, geminiPart{FunctionResponse: &geminiFunctionResponse{ID: geminiID(r.ID, r.Name), Name: r.Name,
			Response: map[string]any{key: r.Content}}})
	}
	return parts
}

func geminiID(id, name string) string {
	if id == name {
		return ""
	}
	return id
}

func geminiTools(specs []ToolSpec) []geminiTool {
	if len(specs) == 0 {
		return nil
	}
	var fns []geminiFunction
	for _, t := range specs {
		fns = append(fns, geminiFunction{Name: t.Name, Description: t.Description, ParametersJSONSchema: schemaOf(t)})
	}
	return []geminiTool{{FunctionDeclarations: fns}}
}
