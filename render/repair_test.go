package render

import "testing"

func TestRepairClosesWhatTheTailOpened(t *testing.T) {
	tests := []struct{ name, tail, fence, want string }{
		{"open fence", "```go\nx := 1", "```", "```go\nx := 1\n```\n"},
		{"open tilde fence", "~~~~\ncode\n", "~~~~", "~~~~text\ncode\n~~~~\n"},
		{"open code span", "use `go test", "", "use `go test`"},
		{"open strong", "this is **very", "", "this is **very**"},
		{"open emphasis", "this is *quite", "", "this is *quite*"},
		{"link text being written", "see [the spec", "", "see the spec"},
		{"link url being written", "see [the spec](https://exa", "", "see the spec"},
		{"whole link", "see [the spec](https://example.com) now", "", "see [the spec](https://example.com) now"},
		{"list stars are not emphasis", "* one\n* two", "", "* one\n* two"},
		{"only the last paragraph", "**done**\n\nnow `x", "", "**done**\n\nnow `x`"},
		{"half a table row", "| a | b |\n|---|---|\n| 1 | 2", "", "| a | b |\n|---|---|\n"},
		{"half a delimiter row", "| a | b |\n|--", "", "| a | b |\n"},
		{"a first row shows", "| a | b", "", "| a | b"},
		{"trailing space waits", "this is **very ", "", "this is **very "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := repair(tt.tail, tt.fence, ""); got != tt.want {
				t.Errorf("repair(%q) = %q, want %q", tt.tail, got, tt.want)
			}
		})
	}
}
