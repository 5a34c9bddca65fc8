package client

import (
	"strconv"
	"strings"
)

// Thinking asks for reasoning: an effort (low, medium, high) or a token
// budget. The zero value leaves the model's default.
type Thinking struct {
	Off    bool
	Effort string
	Budget int
}

// ParseThinking reads off, low, medium, high, or a token budget; anything
// else is a [*FieldError] of the field "thinking".
func ParseThinking(s string) (Thinking, error) {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "":
		return Thinking{}, nil
	case "off", "none", "0":
		return Thinking{Off: true}, nil
	case "low", "medium", "high":
		return Thinking{Effort: s}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Thinking{}, &FieldError{Field: "thinking", Value: strconv.Quote(s),
			Reason: " is not a level: give off, low, medium, high or a token budget such as 4096"}
	}
	return Thinking{Budget: n}, nil
}

// on reports whether reasoning was asked for.
func (t Thinking) on() bool { return !t.Off && (t.Effort != "" || t.Budget > 0) }

// budget is the token budget for APIs that take one.
func (t Thinking) budget(low, medium, high int) int {
	switch t.Effort {
	case "low":
		return low
	case "medium":
		return medium
	case "high":
		return high
	}
	return t.Budget
}

// String is the flag's value back.
func (t Thinking) String() string {
	switch {
	case t.Off:
		return "off"
	case t.Effort != "":
		return t.Effort
	case t.Budget > 0:
		return strconv.Itoa(t.Budget)
	}
	return ""
}
