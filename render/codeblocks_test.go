package render_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tokcli/tok/render"
)

func TestCodeBlocks(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		md   string
		want []render.CodeBlock
	}{
		{"none", "just *prose*, and `inline code`", nil},
		{"one", "Run:\n\n```sh\nls -l\n```\n", []render.CodeBlock{{Lang: "sh", Text: "ls -l", Closed: true}}},
		{"three in order", "```go\na\n```\ntext\n```py\nb\n```\n\n```\nc\n```", []render.CodeBlock{
			{Lang: "go", Text: "a", Closed: true}, {Lang: "py", Text: "b", Closed: true}, {Text: "c", Closed: true}}},
		{"tilde fence with info words", "~~~ python title=x.py\nprint(1)\n~~~\n", []render.CodeBlock{{Lang: "python", Text: "print(1)", Closed: true}}},
		{"longer closing fence, inner shorter fence", "````md\n```go\nx\n```\n`````\n", []render.CodeBlock{{Lang: "md", Text: "```go\nx\n```", Closed: true}}},
		{"indented fence", "  ```sh\n  echo a\n    echo b\n  ```\n", []render.CodeBlock{{Lang: "sh", Text: "echo a\n  echo b", Closed: true}}},
		{"in a list item", "1. Install:\n   ```bash\n   go install ./cmd/tok\n   ```\n2. Run it.\n", []render.CodeBlock{{Lang: "bash", Text: "go install ./cmd/tok", Closed: true}}},
		{"in a nested list", "- outer\n  - inner:\n    ```yaml\n    a: 1\n    b:\n      c: 2\n    ```\n- next\n", []render.CodeBlock{{Lang: "yaml", Text: "a: 1\nb:\n  c: 2", Closed: true}}},
		{"in a quote", "> ```py\n> if x:\n>     y()\n> ```\n", []render.CodeBlock{{Lang: "py", Text: "if x:\n    y()", Closed: true}}},
		{"dedented", "```\n    def f():\n        return 1\n\n    f()\n```", []render.CodeBlock{{Text: "def f():\n    return 1\n\nf()", Closed: true}}},
		{"tabs kept", "```go\nfunc f() {\n\treturn\n}\n```", []render.CodeBlock{{Lang: "go", Text: "func f() {\n\treturn\n}", Closed: true}}},
		{"CRLF", "text\r\n\r\n```sh\r\necho a\r\necho b\r\n```\r\n", []render.CodeBlock{{Lang: "sh", Text: "echo a\necho b", Closed: true}}},
		{"unterminated", "```go\nfunc f() {\n", []render.CodeBlock{{Lang: "go", Text: "func f() {", Closed: false}}},
		{"unterminated after a closed one", "```sh\nls\n```\n\n```sh\nrm -r bu", []render.CodeBlock{
			{Lang: "sh", Text: "ls", Closed: true}, {Lang: "sh", Text: "rm -r bu", Closed: false}}},
		{"a long line is not wrapped", "```\n" + long + "\n```", []render.CodeBlock{{Text: long, Closed: true}}},
		{"escape sequences stripped", "```sh\necho \x1b]52;c;aGk=\x07hi\x1b[31m!\n```", []render.CodeBlock{{Lang: "sh", Text: "echo hi!", Closed: true}}},
		{"empty block left out", "```\n\n```\n\n```sh\nx\n```", []render.CodeBlock{{Lang: "sh", Text: "x", Closed: true}}},
		{"indented code left out", "Text:\n\n    not a fence\n", nil},
		{"markdown inside kept as written", "```md\n# *Title*\n- [x](y)\n```", []render.CodeBlock{{Lang: "md", Text: "# *Title*\n- [x](y)", Closed: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := render.CodeBlocks(tt.md); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CodeBlocks(%q)\n got %#v\nwant %#v", tt.md, got, tt.want)
			}
		})
	}
}

func TestCodeBlockLines(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]int{"a": 1, "a\nb": 2, "a\n\nc": 3} {
		if got := (render.CodeBlock{Text: text}).Lines(); got != want {
			t.Errorf("Lines(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestJoinCode(t *testing.T) {
	t.Parallel()
	got := render.JoinCode([]render.CodeBlock{{Text: "a\nb"}, {Text: "c"}})
	if want := "a\nb\n\nc\n"; got != want {
		t.Errorf("JoinCode = %q, want %q", got, want)
	}
	if got := render.JoinCode(nil); got != "" {
		t.Errorf("JoinCode(nil) = %q, want nothing", got)
	}
}

func ExampleCodeBlocks() {
	answer := "Install it:\n\n1. Fetch:\n   ```sh\n   go install example.com/tool@latest\n   ```\n2. Check:\n   ```sh\n   tool --version\n"
	for _, b := range render.CodeBlocks(answer) {
		fmt.Printf("%s (closed: %v): %s\n", b.Lang, b.Closed, b.Text)
	}
	// Output:
	// sh (closed: true): go install example.com/tool@latest
	// sh (closed: false): tool --version
}

// BenchmarkCodeBlocks reads the blocks of a long answer (about 100 KB,
// 100 fences), as Alt+Y and --extract do once per answer.
func BenchmarkCodeBlocks(b *testing.B) {
	var sb strings.Builder
	for i := range 100 {
		fmt.Fprintf(&sb, "Step %d: some *prose* with `code` and a [link](http://x).\n\n1. In a list:\n   ```go\n", i)
		for range 10 {
			sb.WriteString("   fmt.Println(\"a line of code that is about eighty characters long, as code is\")\n")
		}
		sb.WriteString("   ```\n\n")
	}
	md := sb.String()
	b.SetBytes(int64(len(md)))
	for b.Loop() {
		if n := len(render.CodeBlocks(md)); n != 100 {
			b.Fatalf("%d blocks, want 100", n)
		}
	}
}
