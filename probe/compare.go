package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Comparison is how one probe's outcome differs from another's, figure
// by figure, step by step ([Compare]).
type Comparison struct {
	// Tolerance is the change a figure may make for the worse before it
	// counts as a regression, as a share: 0.1 is 10%.
	Tolerance float64
	// Changes are the figures compared, step by step.
	Changes []Change
	// Unmatched names the steps of one outcome the other lacks.
	Unmatched []string
}

// Change is one figure of one step in both outcomes.
type Change struct {
	Step     string // the step's load: "8 concurrent streams"
	Figure   string // "ttft p90", "output tokens/s"
	Old, New float64
	// Unit is "ms", "/s" or "" (a share).
	Unit string
	// Delta is the relative change, (New − Old) / Old; ±Inf from 0.
	Delta float64
	// Worse: the change is for the worse; Regression: beyond the tolerance.
	Worse, Regression bool
}

// Regressions are the changes beyond the tolerance.
func (c *Comparison) Regressions() []Change {
	var out []Change
	for _, ch := range c.Changes {
		if ch.Regression {
			out = append(out, ch)
		}
	}
	return out
}

// latencyFloor is the least change of a latency that can be a
// regression: below it, a loopback's jitter is no server's doing.
const latencyFloor = time.Millisecond

// InputError is [Compare]'s error for an outcome it cannot read.
type InputError struct {
	// Second: the second outcome (the new one), else the first.
	Second bool
	Err    error
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ErrNotOutcome is the error of a file that is no tok probe --json
// outcome of version 2 or later.
var ErrNotOutcome = errors.New("not the JSON of tok probe --json (version 2): write it again with this tok")

// Compare compares two outcomes as tok probe --json wrote them, step by
// step (matched by their load), figure by figure: ttft, itl and e2e at
// p50, p90 and p99 (lower is better; a change under a millisecond is
// noise), requests and output tokens a second, the good fraction (higher
// is better) and the share of errors (lower). A figure worse by more than
// tolerance (0.1 is 10%) is a regression; the share of errors regresses
// once it grows by a point and by the tolerance.
func Compare(oldJSON, newJSON []byte, tolerance float64) (*Comparison, error) {
	var older, newer compareDoc
	if err := decodeOutcome(oldJSON, &older); err != nil {
		return nil, &InputError{Second: false, Err: err}
	}
	if err := decodeOutcome(newJSON, &newer); err != nil {
		return nil, &InputError{Second: true, Err: err}
	}
	c := &Comparison{Tolerance: tolerance}
	matched := map[string]bool{}
	for _, a := range older.Steps {
		b, ok := newer.find(a.load())
		if !ok {
			c.Unmatched = append(c.Unmatched, a.load().String()+" (only in the first)")
			continue
		}
		matched[a.load().String()] = true
		c.compareStep(a, b)
	}
	for _, b := range newer.Steps {
		if !matched[b.load().String()] {
			c.Unmatched = append(c.Unmatched, b.load().String()+" (only in the second)")
		}
	}
	return c, nil
}

func decodeOutcome(b []byte, doc *compareDoc) error {
	if err := json.Unmarshal(b, doc); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if doc.Version < 2 || doc.Steps == nil {
		return ErrNotOutcome
	}
	return nil
}

// compareDoc is what Compare reads of an outcome's JSON.
type compareDoc struct {
	Version int           `json:"version"`
	Steps   []compareStep `json:"steps"`
}

type compareStep struct {
	Concurrency     int            `json:"concurrency"`
	Rate            *float64       `json:"rate"`
	Requests        int            `json:"requests"`
	Errors          int            `json:"errors"`
	PerSecond       float64        `json:"requests_per_second"`
	TokensPerSecond float64        `json:"output_tokens_per_second"`
	TTFT            compareDist    `json:"ttft_ms"`
	ITL             compareDist    `json:"itl_ms"`
	E2E             compareDist    `json:"e2e_ms"`
	GoodFraction    *float64       `json:"good_fraction"`
	ErrorKinds      map[string]int `json:"errors_by_kind"`
}

type compareDist struct {
	N   int      `json:"n"`
	P50 *float64 `json:"p50"`
	P90 *float64 `json:"p90"`
	P99 *float64 `json:"p99"`
}

func (s compareStep) load() Load {
	l := Load{Concurrency: s.Concurrency}
	if s.Rate != nil {
		l.Rate = *s.Rate
	}
	return l
}

func (d compareDoc) find(l Load) (compareStep, bool) {
	for _, s := range d.Steps {
		if s.load() == l {
			return s, true
		}
	}
	return compareStep{}, false
}

// compareStep adds the changes of one step's figures.
func (c *Comparison) compareStep(a, b compareStep) {
	step := a.load().String()
	for _, f := range []struct {
		name   string
		da, db compareDist
	}{{"ttft", a.TTFT, b.TTFT}, {"itl", a.ITL, b.ITL}, {"e2e", a.E2E, b.E2E}} {
		if f.da.N == 0 || f.db.N == 0 {
			continue
		}
		pairs := [][3]any{{"p50", f.da.P50, f.db.P50}, {"p90", f.da.P90, f.db.P90}, {"p99", f.da.P99, f.db.P99}}
		for _, p := range pairs {
			old, new := p[1].(*float64), p[2].(*float64)
			if old != nil && new != nil {
				c.add(step, f.name+" "+p[0].(string), *old, *new, "ms", false)
			}
		}
	}
	c.add(step, "requests/s", a.PerSecond, b.PerSecond, "/s", true)
	c.add(step, "output tokens/s", a.TokensPerSecond, b.TokensPerSecond, "/s", true)
	if a.GoodFraction != nil && b.GoodFraction != nil {
		c.add(step, "good fraction", *a.GoodFraction, *b.GoodFraction, "", true)
	}
	if a.Requests > 0 && b.Requests > 0 {
		c.add(step, "error share", float64(a.Errors)/float64(a.Requests), float64(b.Errors)/float64(b.Requests), "", false)
	}
}

// add notes one figure's change; higher says whether more is better.
func (c *Comparison) add(step, figure string, old, new float64, unit string, higher bool) {
	ch := Change{Step: step, Figure: figure, Old: old, New: new, Unit: unit}
	switch {
	case old != 0:
		ch.Delta = (new - old) / math.Abs(old)
	case new != 0:
		ch.Delta = math.Inf(int(math.Copysign(1, new)))
	}
	ch.Worse = (higher && new < old) || (!higher && new > old)
	beyond := math.Abs(ch.Delta) > c.Tolerance
	switch {
	case unit == "ms":
		beyond = beyond && math.Abs(new-old) >= float64(latencyFloor)/1e6
	case figure == "error share":
		beyond = beyond && new-old >= 0.01
	}
	ch.Regression = ch.Worse && beyond
	c.Changes = append(c.Changes, ch)
}

// Report writes the comparison for a terminal: a row a figure with its
// old and new values and the change, the regressions marked, and a last
// line that counts them. With color false it has no escape sequences.
func (c *Comparison) Report(w io.Writer, oldName, newName string, color bool) error {
	st := newReportStyles(color)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s → %s · tolerance %s\n", st.dim("tok probe compare"), oneLine(oldName), oneLine(newName), percent(c.Tolerance))
	step := ""
	for _, ch := range c.Changes {
		if ch.Step != step {
			step = ch.Step
			fmt.Fprintf(&b, "\n%s\n", st.dim(fmt.Sprintf("%-22s%12s%12s%10s", step, "old", "new", "change")))
		}
		line := fmt.Sprintf("  %-20s%12s%12s%10s", ch.Figure, ch.value(ch.Old), ch.value(ch.New), ch.change())
		switch {
		case ch.Regression:
			line = st.fail(line + "  worse")
		case ch.Worse && math.Abs(ch.Delta) > c.Tolerance:
			line += st.dim("  (noise)")
		}
		b.WriteString(line + "\n")
	}
	for _, u := range c.Unmatched {
		fmt.Fprintf(&b, "\n  %s\n", st.warn("not compared: "+u))
	}
	regs := c.Regressions()
	if len(regs) == 0 {
		fmt.Fprintf(&b, "\n  %s\n", st.pass(fmt.Sprintf("no regression beyond %s", percent(c.Tolerance))))
	} else {
		first := regs[0]
		fmt.Fprintf(&b, "\n  %s\n", st.fail(fmt.Sprintf("%s beyond %s, the first: %s %s %s", plural(len(regs), "regression"),
			percent(c.Tolerance), first.Step, first.Figure, first.change())))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (ch Change) value(v float64) string {
	switch ch.Unit {
	case "ms":
		return fmtDur(time.Duration(v * 1e6))
	case "/s":
		return fmt.Sprintf("%.1f", v)
	}
	return percent(round4(v))
}

func (ch Change) change() string {
	switch {
	case math.IsInf(ch.Delta, 0):
		return "new"
	case ch.Delta == 0:
		return "="
	}
	return fmt.Sprintf("%+.1f%%", ch.Delta*100)
}
