package probe

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tokcli/tok/render"
)

// WriteJSONL writes a line per request: its result as [Result.MarshalJSON]
// writes it (the schema's "result", with its step's index), step after
// step.
func (o *Outcome) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, res := range o.Results() {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// csvColumns are WriteCSV's columns: a request's load, outcome and
// figures (milliseconds from when it was sent; add delay_ms for the time
// from when it was due).
var csvColumns = []string{
	"step", "concurrency", "rate", "due_ms", "delay_ms", "lag_ms", "status", "error_kind", "cancelled", "good",
	"headers_ms", "first_byte_ms", "first_thinking_ms", "first_token_ms", "second_token_ms", "total_ms",
	"output_tokens", "tokens_from", "per_token_ms", "rate_tps", "gap_p50_ms", "gap_p99_ms", "gap_max_ms",
	"bytes", "passed", "failed_checks", "error",
}

// WriteCSV writes a header line and a line per request, step after step,
// with the columns of csvColumns; text from the server made safe to show.
func (o *Outcome) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvColumns)
	for _, st := range o.Steps {
		for _, res := range st.Results {
			if err := cw.Write(csvRow(st, res)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(st *Step, res *Result) []string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', -1, 64) }
	num := func(f float64) string { return strconv.FormatFloat(round2(f), 'f', -1, 64) }
	rate, good, errText := "", "", ""
	if st.Load.Open() {
		rate = num(st.Load.Rate)
	}
	if g := res.good(); g != nil {
		good = strconv.FormatBool(*g)
	}
	if res.Err != nil {
		errText = render.Line(res.Err.Error(), 500)
	}
	var failed []string
	for _, c := range res.Checks {
		if c.Level == Fail {
			failed = append(failed, c.Name)
		}
	}
	return []string{
		strconv.Itoa(st.Index), strconv.Itoa(st.Load.Concurrency), rate, ms(res.Schedule.Due), ms(res.Schedule.Delay),
		ms(res.Schedule.Lag), strconv.Itoa(res.Status), res.ErrorKind(), strconv.FormatBool(res.Schedule.Cancelled), good,
		ms(res.Headers), ms(res.FirstByte), ms(res.FirstThinking), ms(res.FirstToken), ms(res.secondToken()), ms(res.Total),
		strconv.Itoa(res.OutputTokens), res.TokensFrom, ms(res.PerToken), num(res.Rate), ms(res.Gaps.P50), ms(res.Gaps.P99),
		ms(res.Gaps.Max), strconv.FormatInt(res.Bytes, 10), strconv.FormatBool(!res.Failed()), strings.Join(failed, ";"), errText,
	}
}
