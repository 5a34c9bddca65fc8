package server

import (
	"testing"
	"time"
)

func TestParseScenario(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string
		check   func(s Scenario) bool
	}{
		{"", "", func(s Scenario) bool { return s.Interval == 25*time.Millisecond && s.DropAfter == -1 && s.Tokens == 0 }},
		{"tokens=5,interval=0,first=10", "", func(s Scenario) bool { return s.Tokens == 5 && s.Interval == 0 && s.First == 10*time.Millisecond }},
		{"tool,thinking,crlf,gzip", "", func(s Scenario) bool { return s.Tool && s.Thinking && s.CRLF && s.Gzip }},
		{"tokens=3+drop-after=2", "", func(s Scenario) bool { return s.Tokens == 3 && s.DropAfter == 2 }},
		{"status=429,retry-after=7", "", func(s Scenario) bool { return s.Status == 429 && s.RetryAfter == 7 && s.retryable() }},
		{"heartbeat=15,buffer=4096", "", func(s Scenario) bool { return s.Heartbeat == 15*time.Millisecond && s.Buffer == 4096 }},
		{"drop-after=5,once,no-index,forget,sse-retry=0", "", func(s Scenario) bool {
			return s.DropAfter == 5 && s.Once && s.NoIndex && s.Forget && s.SSERetry == 0 && s.calm().DropAfter == -1
		}},
		{"", "", func(s Scenario) bool { return !s.Once && !s.NoIndex && !s.Forget && s.SSERetry == -1 }},
		{"bogus=1", "unknown scenario knob bogus; knobs are tokens, interval, first, tool, thinking, drop-after, error-after, stall-after, status, retry-after, heartbeat, sse-retry, crlf, gzip, buffer, once, no-index, forget, no-ack, late, max-conn", nil},
		{"no-ack,late=3,max-conn=250", "", func(s Scenario) bool { return s.NoAck && s.Late == 3 && s.MaxConn == 250*time.Millisecond }},
		{"", "", func(s Scenario) bool { return !s.NoAck && s.Late == 0 && s.MaxConn == 0 }},
		{"late=100001", "scenario knob late is at most 100000, not 100001", nil},
		{"tokens=lots", `scenario knob tokens wants a whole number, not "lots"`, nil},
		{"interval=-5", `scenario knob interval wants a whole number, not "-5"`, nil},
		{"tool=yes", "scenario knob tool is a flag: write it alone", nil},
		{"status=999", "scenario knob status wants an HTTP status, not 999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			s, err := ParseScenario(tt.raw)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(s) {
				t.Errorf("ParseScenario(%q) = %+v, %v", tt.raw, s, err)
			}
		})
	}
}
