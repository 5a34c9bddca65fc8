package client

import (
	"fmt"
	"time"
)

// ExportGatewayLimit is gatewayLimit, for the external tests.
func ExportGatewayLimit(d time.Duration) string {
	s, _ := gatewayLimit(d)
	return s
}

// ExportRuns lists the runs of a result, for debugging the lump check.
func ExportRuns(res *ProbeResult) []string {
	var out []string
	for _, r := range res.runs() {
		out = append(out, fmt.Sprintf("%d tokens %s..%s after %s, %d B", r.tokens, r.start, r.end, r.gapBefore, r.bytes))
	}
	return append(out, fmt.Sprint("lump gap ", res.lumpGap(), " p50 ", res.Gaps.P50))
}
