package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tokcli/tok/client"
)

// hostileText is what a server could send to take over a terminal or
// forge a line of tok's own: CSI, OSC (a title, a clipboard write), DCS,
// APC, the 8-bit CSI raw (invalid UTF-8) and C1 controls encoded as
// UTF-8, DEL, a bidi override, and line breaks.
var hostileText = []string{
	"\x1b[2J\x1b[H",
	"\x1b]0;pwned-title\x07",
	"\x1b]52;c;cHduZWQ=\x1b\\",
	"\x1bPq#0;2;0;0;0\x1b\\",
	"\x1b_Gf=100;AAAA\x1b\\",
	"\x9b31m",
	"\u009b2J\u0085\u009d0;c1-title\u009c",
	"\x7f\u202eevil\u202c",
	"ok\r\ntok: forged line\n\rFAIL  end            forged\x0b\x0c",
}

// hostileResult carries the hostile text in every field a server fills.
func hostileResult(reached bool) *Result {
	bad := strings.Join(hostileText, " ")
	if !reached {
		return &Result{URL: "http://127.0.0.1:8080/x" + bad, Method: "POST", Status: 401, Total: 9 * msec,
			Err: &client.HTTPError{StatusCode: 401, Status: "401 " + bad, Message: bad}}
	}
	res := healthyProbe()
	res.Dialect = client.Dialect("tok" + bad)
	res.Proto = "HTTP/1.1" + bad
	for _, h := range []string{"Content-Type", "Cache-Control", "Content-Length", "Content-Encoding", "X-Accel-Buffering"} {
		res.Header = http.Header(res.Header)
		res.Header.Set(h, "v"+bad)
	}
	res.ServerError = &client.ServerError{Message: bad, Type: bad}
	res.Err = fmt.Errorf("%w tok frame %s: %w", client.ErrMalformedFrame, bad, errors.New(bad))
	res.Frames = []Frame{{At: msec, Event: bad, ID: bad, Data: bad, Size: len(bad)}, {At: 2 * msec, Comment: true}}
	return res
}

// unsafeRune finds what a terminal could act on in out: a C0 control
// other than the newline, DEL, a C1 control, a bidi control, or a byte
// that is not UTF-8.
func unsafeRune(out string) (int, rune, bool) {
	for i, r := range out {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidi(r) ||
			(r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD")) {
			return i, r, true
		}
	}
	return 0, 0, false
}

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

func TestProbeOutputsShowNoServerControls(t *testing.T) {
	t.Parallel()
	outputs := map[string]func() string{}
	for _, reached := range []bool{true, false} {
		name := map[bool]string{true: "stream", false: "401"}[reached]
		outputs[name+" report"] = func() string {
			res := hostileResult(reached)
			res.check(Options{MinRate: 1, MaxTTFT: time.Second})
			return report(t, res, false)
		}
		outputs[name+" colour report"] = func() string {
			res := hostileResult(reached)
			res.check(Options{MinRate: 1, MaxTTFT: time.Second})
			return stripStyle(report(t, res, true))
		}
		outputs[name+" json"] = func() string {
			res := hostileResult(reached)
			res.check(Options{})
			b, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		outputs[name+" summary"] = func() string {
			return report(t, Summarize([]*Result{hostileResult(reached)}, time.Second), false)
		}
		outputs[name+" summary json"] = func() string {
			b, err := json.Marshal(Summarize([]*Result{hostileResult(reached)}, time.Second))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	outputs["frames"] = func() string {
		var b bytes.Buffer
		if err := hostileResult(true).WriteFrames(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	checkLine := regexp.MustCompile(`^  (PASS|WARN|FAIL)  `)
	frameLine := regexp.MustCompile(`^ *\+[0-9.]+ms  `)
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			got := out()
			if i, r, bad := unsafeRune(got); bad {
				t.Errorf("holds %U at %d: %q", r, i, got[max(i-20, 0):min(i+20, len(got))])
			}
			if strings.Contains(got, "pwned-title") && !strings.Contains(name, "json") && name != "frames" {
				t.Errorf("an OSC sequence's text was kept:\n%s", got)
			}
			// A server's line break must not start a line of its own: every
			// line is tok's (a check's line only for a check).
			checks := 0
			for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				switch {
				case strings.Contains(name, "json"):
				case name == "frames" && !frameLine.MatchString(l):
					t.Errorf("a frame line starts %q", l)
				case l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "tok probe  "):
					t.Errorf("a report line starts %q", l)
				case checkLine.MatchString(l):
					checks++
				}
			}
			if strings.HasSuffix(name, "report") && checks != len(hostileChecks(name)) {
				t.Errorf("%d check lines for %d checks:\n%s", checks, len(hostileChecks(name)), got)
			}
			if strings.Contains(name, "json") && !json.Valid([]byte(got)) {
				t.Errorf("not JSON: %s", got)
			}
		})
	}
}

// hostileChecks are the checks of the hostile result a report shows.
func hostileChecks(name string) []Check {
	res := hostileResult(strings.HasPrefix(name, "stream"))
	res.check(Options{MinRate: 1, MaxTTFT: time.Second})
	return res.Checks
}

// stripStyle drops the report's own SGR sequences (ESC [ … m), which are
// tok's, so what is left must hold none from the server.
func stripStyle(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] == ';' || s[j] == ':' || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestProbeJSONKeepsServerTextIntact(t *testing.T) {
	t.Parallel()
	res := hostileResult(false)
	res.check(Options{})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Error string }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// The escapes change the bytes, not the value (the raw 0x9b, not
	// UTF-8, reads back as U+FFFD as encoding/json makes it).
	if want := strings.ToValidUTF8(res.Err.Error(), "\uFFFD"); doc.Error != want {
		t.Errorf("error read back as %q, want %q", doc.Error, want)
	}
}
