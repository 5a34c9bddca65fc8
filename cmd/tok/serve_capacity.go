package main

// capacityHelp is tok serve --help's account of --capacity and --pause:
// the model server/capacity.go follows.
const capacityHelp = `A model under load, to test a load test against (tok probe -c 1,2,4,8,16):
  --capacity N   continuous batching, as vLLM, TGI and TensorRT-LLM decode:
                 at most N streams are in the batch; a request that comes
                 when it is full waits (its headers go out at once, its
                 first token after the wait), first come first served.
                 Each wait of a stream in the batch (the first token's and
                 every one after) is scaled by the batch's size b:
                   wait(b) = wait × (1 + (b − 1) / N)
                 so one stream keeps the scenario's pace (first=300,
                 interval=25 by default) and a full batch runs at nearly
                 half of it. Throughput rises up to N streams, then stays
                 flat while time to first token climbs. Targets for a
                 sweep: a full batch waits 2 − 1/N intervals a token, at N
                 streams and beyond, so itl holds with some room (2.4 ×
                 interval); ttft ≤ 3 × first holds up to N and fails
                 beyond, where half the requests wait a whole answer for a
                 slot. With the defaults:
                 tok probe URL -c 1,2,4,8,16,32 --slo ttft=900ms,itl=60ms
  --pause D      once, --pause-after (5s) after the first request, the whole
                 server stalls for D, as in a garbage-collection pause or a
                 failover: no stream writes a token; a token due during it
                 comes when it ends. The requests that arrive during it
                 see it in their time to first token.
They shape the demo model, not a --provider relay.
`

// checkModel refuses --capacity and --pause where they cannot apply.
func (o *serveOptions) checkModel(relay bool) error {
	switch {
	case o.Capacity < 0 || o.Pause < 0 || o.PauseAfter < 0:
		return usageErrorf("--capacity, --pause and --pause-after take 0 or more")
	case relay && (o.Capacity > 0 || o.Pause > 0):
		return usageErrorf("--capacity and --pause shape the demo model; a --provider relay goes at the upstream's pace: leave them out")
	}
	return nil
}
