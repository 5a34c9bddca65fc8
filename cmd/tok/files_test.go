package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokcli/tok/client"
)

// pngFile is the start of a PNG, enough for content sniffing.
var pngFile = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + strings.Repeat("\x07", 64)

// filesDir holds main.go and diagram.png.
func filesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "diagram.png"), []byte(pngFile), 0o600)
	return dir
}

func TestFilesGoInTheRequestAsEachAPIWants(t *testing.T) {
	t.Parallel()
	dir := filesDir(t)
	mainGo, png := filepath.Join(dir, "main.go"), filepath.Join(dir, "diagram.png")
	fenced := mainGo + ":\n```go\npackage main\n\nfunc main() {}\n```\n\nwhat is this?"
	b64 := base64.StdEncoding.EncodeToString([]byte(pngFile))
	for _, tc := range []struct {
		name string
		args []string
		env  func(url string) map[string]string
		want string // the question's content, as JSON
	}{
		{"anthropic", []string{"--provider", "anthropic"},
			func(url string) map[string]string {
				return map[string]string{"ANTHROPIC_API_KEY": "sk-ant-0123456789", "ANTHROPIC_BASE_URL": strings.TrimSuffix(url, "/v1")}
			},
			`[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"` + b64 + `"}},{"type":"text","text":` + quote(fenced) + `}]`},
		{"openai", []string{"--provider", "openai"},
			func(url string) map[string]string {
				return map[string]string{"OPENAI_API_KEY": "sk-0123456789", "OPENAI_BASE_URL": url}
			},
			`[{"type":"image_url","image_url":{"url":"data:image/png;base64,` + b64 + `"}},{"type":"text","text":` + quote(fenced) + `}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := newChatServer(t, func(n int, s sse) { delta(s, "a diagram"); finish(s) })
			args := append(tc.args, "-f", mainGo, "-f", png, "what is this?")
			if r := runTokEnv(t, tc.env(cs.URL), "", args...); r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			var body struct {
				Messages []struct{ Content json.RawMessage }
			}
			json.Unmarshal([]byte(cs.bodies[0]), &body)
			var got, want any
			json.Unmarshal(body.Messages[0].Content, &got)
			json.Unmarshal([]byte(tc.want), &want)
			if g, w := asString(got), asString(want); g != w {
				t.Errorf("the question =\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func asString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestFilesThatCannotGoAreOneLineAndExit2(t *testing.T) {
	t.Parallel()
	dir := filesDir(t)
	big := filepath.Join(dir, "big.go")
	f, _ := os.Create(big)
	f.WriteString(strings.Repeat("// a line of Go\n", 256))
	f.Truncate(50 << 20) // sparse: not written, and tok reads none of it
	f.Close()
	os.WriteFile(filepath.Join(dir, "a.out"), []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00"), 0o600)
	png := filepath.Join(dir, "diagram.png")
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"50 MB", "", []string{"-f", big, "hi"}, "tok: " + big + " is 50.0 MB; the limit for -f is 1 MiB for a text file: send a part of it, as in: tail -c 1000000 " + big + " | tok -f - … (see tok --help)\n"},
		{"missing", "", []string{"-f", filepath.Join(dir, "nope.go"), "hi"}, "tok: -f " + filepath.Join(dir, "nope.go") + " does not exist (see tok --help)\n"},
		{"binary", "", []string{"-f", filepath.Join(dir, "a.out"), "hi"}, "is a binary file"},
		{"an image for the demo", "", []string{"-f", png, "hi"}, "is an image, and the demo model takes text only: ask Anthropic, OpenAI or Gemini"},
		{"an image for a URL", "", []string{"--url", "http://127.0.0.1:1/chat", "-f", png, "hi"}, "and a --url endpoint (tok's protocol) takes text only"},
		{"stdin twice", "x", []string{"-f", "-", "-f", "-", "hi"}, "tok: -f - is given twice"},
		{"stdin over the limit", strings.Repeat("a", 1<<20+1), []string{"-f", "-", "hi"}, "tok: stdin is over 1 MiB, the limit of -f for a text file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runTok(t, tc.stdin, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

// -f - reads stdin as a file: an image there goes as an image, and the
// saved question keeps the text and names the image.
func TestStdinAsAFileAndTheSavedQuestion(t *testing.T) {
	t.Parallel()
	cs := newChatServer(t, func(n int, s sse) { delta(s, "a diagram"); finish(s) })
	env := historyEnv(t)
	dir := filesDir(t)
	r := runTokEnv(t, env, pngFile, "--base-url", cs.URL, "-f", "-", "-f", filepath.Join(dir, "main.go"), "what is this?")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(cs.bodies[0], `"image_url":{"url":"data:image/png;base64,`) {
		t.Errorf("the request has no image: %.300s", cs.bodies[0])
	}
	st := openStore(t, env)
	id, _ := st.Latest(t.Context())
	c, err := st.Load(t.Context(), id)
	if err != nil || len(c.Turns) != 1 {
		t.Fatalf("load: %v", err)
	}
	p := c.Turns[0].Prompt
	if !strings.HasSuffix(p, "what is this?\n\n[image stdin, image/png, 80 B: not kept]") || !strings.Contains(p, "```go\npackage main") ||
		c.Title != "what is this?" {
		t.Errorf("saved prompt %q, title %q", p, c.Title)
	}
	// -c sends the earlier question's text and the line for its image.
	if r := runTokEnv(t, env, "", "--base-url", cs.URL, "-c", "and?"); r.code != 0 {
		t.Fatalf("-c: exit %d, stderr %q", r.code, r.stderr)
	}
	if roles := cs.roles(t, 1); len(roles) != 3 || !strings.HasSuffix(roles[0], "what is this?\n\n[image stdin, image/png, 80 B: not kept]") {
		t.Errorf("-c sent %q", roles)
	}
}

func TestImageErrorIsDescribedWithWhatToDo(t *testing.T) {
	t.Parallel()
	got := describe(&client.ImageError{Image: "d.png", Where: "a --url endpoint (tok's protocol)"})
	if want := "d.png is an image, and a --url endpoint (tok's protocol) takes text only: ask Anthropic, OpenAI or Gemini"; !strings.HasPrefix(got, want) {
		t.Errorf("describe = %q, want %q…", got, want)
	}
}
