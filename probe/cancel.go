package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// statsRecord is what the check reads of a /_stats record: tok serve's
// and the rig's upstream both keep these.
type statsRecord struct {
	Started               time.Time `json:"started"`
	End                   string    `json:"end"`
	TokensSent            int       `json:"tokens_sent"`
	TokensPlanned         int       `json:"tokens_planned"`
	TokensAfterDisconnect int       `json:"tokens_after_disconnect"`
}

// statsClient reads /_stats and keeps no connection open after.
var statsClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// maxStats bounds the /_stats body read: tok serve keeps 1000 records.
const maxStats = 8 << 20

// serverStopped checks, for a step that cancelled requests, that the
// server stopped generating for them: in the /_stats records of statsURL
// (none: the check cannot tell), those that began during the step and
// ended with the client's disconnect must number at least the requests
// cancelled, and each must have generated at most one token after it
// noticed. The records are matched by time, so another client's
// requests in the same seconds count too.
func serverStopped(ctx context.Context, statsURL string, st *Step) *Check {
	c := &Check{Name: "server stop"}
	if statsURL == "" {
		c.Level, c.Detail = Warn, fmt.Sprintf("%d requests cancelled; pass --stats URL (the server's /_stats) to check that it stopped generating", st.Cancelled)
		return c
	}
	gone, worst, err := countGone(ctx, statsURL, st)
	if err != nil {
		c.Level, c.Detail = Warn, fmt.Sprintf("could not read %s: %v", statsURL, err)
		return c
	}
	switch {
	case gone < st.Cancelled:
		c.Level, c.Detail = Fail, fmt.Sprintf("%d requests cancelled, but the server saw only %d clients leave: it went on generating for the others", st.Cancelled, gone)
	case worst > 1:
		c.Level, c.Detail = Fail, fmt.Sprintf("the server went on generating after clients left: up to %d tokens after the disconnect", worst)
	default:
		c.Level, c.Detail = Pass, fmt.Sprintf("%d requests cancelled; the server saw %d clients leave and stopped at once (at most %d token after)", st.Cancelled, gone, worst)
	}
	return c
}

// stopWithin is how long a server has to notice that its clients left.
const stopWithin = 2 * time.Second

// countGone reads statsURL until the records of the step's time show as
// many clients gone as it cancelled, or stopWithin passes: how many did,
// and the most tokens one generated after it noticed.
func countGone(ctx context.Context, statsURL string, st *Step) (gone, worst int, err error) {
	from, to := st.Start.Add(-time.Second), st.Start.Add(st.Warmup+st.Wall+time.Second)
	deadline := time.Now().Add(stopWithin)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		records, err := readStats(ctx, statsURL)
		if err != nil {
			return 0, 0, err
		}
		gone, worst = 0, 0
		for _, r := range records {
			if r.End == "client_disconnect" && !r.Started.Before(from) && !r.Started.After(to) {
				gone++
				worst = max(worst, r.TokensAfterDisconnect)
			}
		}
		if gone >= st.Cancelled || time.Now().After(deadline) {
			return gone, worst, nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return gone, worst, nil
		}
	}
}

func readStats(ctx context.Context, url string) ([]statsRecord, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := statsClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var records []statsRecord
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxStats)).Decode(&records); err != nil {
		return nil, fmt.Errorf("not a list of records: %w", err)
	}
	return records, nil
}
