package client

import "strings"

type anthropicRequest struct {
	Model       string             `json:"model"`
	MaxTokens   int                `json:"max_tokens"`
	System      string             `json:"system,omitempty"`
	Messages    []anthropicMessage `json:"messages"`
	Tools       []anthropicTool    `json:"tools,omitempty"`
	Temperature *float64           `json:"temperature,omitempty"`
	Thinking    *anthropicThinking `json:"thinking,omitempty"`
	Stream      bool               `json:"stream"`
}

type anthropicThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

func (e Endpoint) anthropicBody(msgs []Message) anthropicRequest {
	r := anthropicRequest{Model: e.ModelName(), MaxTokens: e.MaxTokens, System: e.System, Messages: anthropicMessages(msgs),
		Tools: anthropicTools(e.Tools), Temperature: e.Temperature, Stream: true}
	if r.MaxTokens == 0 {
		r.MaxTokens = DefaultMaxTokens
	}
	if e.Thinking.on() {
		b := e.Thinking.budget(anthropicBudgets[0], anthropicBudgets[1], anthropicBudgets[2])
		r.Thinking = &anthropicThinking{Type: "enabled", BudgetTokens: b}
		if e.MaxTokens == 0 {
			r.MaxTokens = b + DefaultMaxTokens // the budget counts against max_tokens
		}
	}
	return r
}

type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	Tools               []chatTool    `json:"tools,omitempty"`
	MaxTokens           int           `json:"max_tokens,omitempty"`
	MaxCompletionTokens int           `json:"max_completion_tokens,omitempty"`
	Temperature         *float64      `json:"temperature,omitempty"`
	ReasoningEffort     string        `json:"reasoning_effort,omitempty"`
	Stream              bool          `json:"stream"`
	StreamOptions       streamOptions `json:"stream_options"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

func (e Endpoint) chatBody(msgs []Message) chatRequest {
	if e.System != "" {
		msgs = append([]Message{{Role: "system", Content: e.System}}, msgs...)
	}
	r := chatRequest{Model: e.ModelName(), Messages: chatMessages(msgs), Tools: chatTools(e.Tools), Temperature: e.Temperature, Stream: true,
		StreamOptions: streamOptions{IncludeUsage: true}}
	// OpenAI itself takes max_completion_tokens (reasoning models refuse
	// max_tokens); compatible servers know max_tokens.
	if e.BaseURL == "" || strings.Contains(e.BaseURL, "api.openai.com") {
		r.MaxCompletionTokens = e.MaxTokens
	} else {
		r.MaxTokens = e.MaxTokens
	}
	if e.Thinking.on() {
		r.ReasoningEffort = e.Thinking.Effort
	}
	return r
}

type responsesRequest struct {
	Model           string              `json:"model"`
	Input           []responsesItem     `json:"input"`
	Tools           []responsesTool     `json:"tools,omitempty"`
	Instructions    string              `json:"instructions,omitempty"`
	MaxOutputTokens int                 `json:"max_output_tokens,omitempty"`
	Temperature     *float64            `json:"temperature,omitempty"`
	Reasoning       *responsesReasoning `json:"reasoning,omitempty"`
	Stream          bool                `json:"stream"`
	Store           bool                `json:"store"`
}

type responsesReasoning struct {
	Effort  string `json:"effort"`
	Summary string `json:"summary"`
}

func (e Endpoint) responsesBody(msgs []Message) responsesRequest {
	r := responsesRequest{Model: e.ModelName(), Input: responsesInput(msgs), Tools: responsesTools(e.Tools), Instructions: e.System, MaxOutputTokens: e.MaxTokens,
		Temperature: e.Temperature, Stream: true}
	if e.Thinking.on() {
		r.Reasoning = &responsesReasoning{Effort: e.Thinking.Effort, Summary: "auto"}
	}
	return r
}

type geminiRequest struct {
	Contents          []geminiContent `json:"contents"`
	SystemInstruction *geminiContent  `json:"systemInstruction,omitempty"`
	Tools             []geminiTool    `json:"tools,omitempty"`
	GenerationConfig  geminiConfig    `json:"generationConfig"`
}

type geminiContent struct {
	Role  string       `json:"role,omitempty"`
	Parts []geminiPart `json:"parts"`
}

type geminiPart struct {
	Text             string                  `json:"text,omitempty"`
	FunctionCall     *geminiFunctionCall     `json:"functionCall,omitempty"`
	FunctionResponse *geminiFunctionResponse `json:"functionResponse,omitempty"`
	InlineData       *geminiBlob             `json:"inlineData,omitempty"`
	ThoughtSignature string                  `json:"thoughtSignature,omitempty"`
}

type geminiConfig struct {
	MaxOutputTokens int             `json:"maxOutputTokens,omitempty"`
	Temperature     *float64        `json:"temperature,omitempty"`
	ThinkingConfig  *geminiThinking `json:"thinkingConfig,omitempty"`
}

type geminiThinking struct {
	IncludeThoughts bool `json:"includeThoughts"`
	ThinkingBudget  *int `json:"thinkingBudget,omitempty"`
}

func (e Endpoint) geminiBody(msgs []Message) geminiRequest {
	r := geminiRequest{GenerationConfig: geminiConfig{MaxOutputTokens: e.MaxTokens, Temperature: e.Temperature},
		Tools: geminiTools(e.Tools)}
	for _, m := range msgs {
		role := "user"
		if m.Role == "assistant" {
			role = "model"
		}
		if n := len(r.Contents); n > 0 && r.Contents[n-1].Role == role { // results, then the user's words
			r.Contents[n-1].Parts = append(r.Contents[n-1].Parts, geminiParts(m)...)
			continue
		}
		r.Contents = append(r.Contents, geminiContent{Role: role, Parts: geminiParts(m)})
	}
	if e.System != "" {
		r.SystemInstruction = &geminiContent{Parts: []geminiPart{{Text: e.System}}}
	}
	switch {
	case e.Thinking.Off:
		zero := 0
		r.GenerationConfig.ThinkingConfig = &geminiThinking{ThinkingBudget: &zero}
	case e.Thinking.on():
		b := e.Thinking.budget(geminiBudgets[0], geminiBudgets[1], geminiBudgets[2])
		r.GenerationConfig.ThinkingConfig = &geminiThinking{IncludeThoughts: true, ThinkingBudget: &b}
	}
	return r
}
