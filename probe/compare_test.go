package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// sweepOutcome is a sweep of three steps whose ttft grows with the load,
// from a server whose header and check detail hold terminal controls.
func sweepOutcome(scale float64) *Outcome {
	slo := &SLO{TTFT: 800 * time.Millisecond}
	var steps []*Step
	for i, c := range []int{1, 2, 4} {
		var rs []*Result
		for j := range 10 {
			ttft := time.Duration(float64(time.Duration(300*(i+1)+10*j)*time.Millisecond) * scale)
			res := request(0, ttft, 25*time.Millisecond, 20)
			res.URL, res.Method = "http://127.0.0.1:8080/api/chat/stream\x1b[2J", "POST"
			for k := range 20 {
				res.Arrivals = append(res.Arrivals, ttft+time.Duration(k)*25*time.Millisecond)
			}
			res.Checks = append(res.Checks, Check{"buffering", Warn, "lumps <script>alert(1)</script>\u009b31m"})
			res.Schedule = Schedule{Step: i, Due: time.Duration(j) * 100 * time.Millisecond}
			rs = append(rs, res)
		}
		st := stepOf(Load{Concurrency: c}, slo, rs...)
		st.Index = i
		steps = append(steps, st)
	}
	out := &Outcome{Kind: KindSweep, Shape: Shape{Concurrency: []int{1, 2, 4}, Requests: 10, SLO: slo}, Steps: steps,
		Generator: &Generator{Cores: 2, CPU: time.Second, Wall: 10 * time.Second, CPUCores: 0.1}}
	out.finish()
	return out
}

func marshalOutcome(t *testing.T, o *Outcome) []byte {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompareFindsARegressionBeyondTheTolerance(t *testing.T) {
	t.Parallel()
	base := marshalOutcome(t, sweepOutcome(1))
	tests := []struct {
		scale float64
		regs  int
	}{
		{1, 0},
		{1.05, 0}, // within 10%
		{1.3, 9},  // ttft p50, p90, p99 in each of the three steps (e2e moves less)
	}
	for _, tt := range tests {
		c, err := Compare(base, marshalOutcome(t, sweepOutcome(tt.scale)), 0.1)
		if err != nil {
			t.Fatal(err)
		}
		regs := 0
		for _, r := range c.Regressions() {
			if strings.HasPrefix(r.Figure, "ttft") {
				regs++
			}
		}
		if regs != tt.regs {
			t.Errorf("ttft %.0f%% worse: %d ttft regressions, want %d: %+v", (tt.scale-1)*100, regs, tt.regs, c.Regressions())
		}
	}
	c, _ := Compare(base, marshalOutcome(t, sweepOutcome(1.3)), 0.1)
	var b bytes.Buffer
	c.Report(&b, "old.json", "new.json", false)
	if !strings.Contains(b.String(), "worse") || !strings.Contains(b.String(), "regressions beyond 10%") {
		t.Errorf("the report does not name the regressions:\n%s", b.String())
	}
}

func TestCompareRefusesWhatIsNoOutcome(t *testing.T) {
	t.Parallel()
	good := marshalOutcome(t, sweepOutcome(1))
	v1, _ := json.Marshal(healthyProbe()) // a result as version 1 wrote it
	for name, pair := range map[string][2][]byte{
		"not JSON":  {[]byte("{"), good},
		"version 1": {good, v1},
	} {
		_, err := Compare(pair[0], pair[1], 0.1)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Second != (name == "version 1") {
			t.Errorf("%s: err = %v, want an InputError naming the file", name, err)
		}
	}
}

func TestCompareMatchesStepsByLoad(t *testing.T) {
	t.Parallel()
	one := sweepOutcome(1)
	one.Steps = one.Steps[:2]
	c, err := Compare(marshalOutcome(t, one), marshalOutcome(t, sweepOutcome(1)), 0.1)
	if err != nil || len(c.Unmatched) != 1 || !strings.Contains(c.Unmatched[0], "4 concurrent streams (only in the second)") {
		t.Errorf("unmatched = %q, %v", c.Unmatched, err)
	}
}
