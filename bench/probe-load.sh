#!/usr/bin/env bash
# bench/probe-load.sh: tok probe as a load generator. STREAMS concurrent
# streams of TOKENS tokens at INTERVAL_MS apart (50 tokens/s by default)
# from one tok probe process, against a tok serve in another process, so
# each process's CPU is its own. Prints the inter-token latency the probe
# measured next to the server's pace, and both processes' CPU.
#   bench/probe-load.sh [STREAMS] [SECONDS] [INTERVAL_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${1:-2000} secs=${2:-20} interval=${3:-20}
ulimit -n "$(ulimit -Hn)" # a socket a stream on each side; Go raises its own soft limit too
dir=$(mktemp -d)
bin=$dir/tok
go build -o "$bin" ./cmd/tok
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --addr "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/_stats" >/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# One stream a worker, SECONDS long: all of them open at once, each at
# the server's pace.
tokens=$(( secs * 1000 / interval ))
before=$(ticks $pid)
"$bin" probe "http://127.0.0.1:$port/api/chat/stream" -c "$streams" -n "$streams" \
  -H "X-Tok-Scenario: tokens=$tokens,interval=$interval,first=0" --timeout 10m --json >"$dir/out.json" || true
after=$(ticks $pid)
wall=$(jq '.generator.wall_ms/1000' "$dir/out.json")
# The pace the server kept (it falls behind when the machine is short of
# CPU): each stream's time from its first token to its end over its gaps,
# from /_stats (the last 1000 streams), median.
kept=$(curl -s "http://127.0.0.1:$port/_stats" | jq '[.[] | select(.tokens_sent > 1) | (.ended_ms - .first_token_ms) / (.tokens_sent - 1)] | sort | .[length/2|floor]')
jq -r --arg pace "$interval" --argjson kept "$kept" --argjson srvcpu "$(( after - before ))" --argjson hz "$hz" --argjson wall "$wall" '
  .steps[0] as $s | .generator as $g |
  "streams            \($s.concurrency) (closed loop, \($s.requests) requests measured, \($s.errors) errors)",
  "server pace        \($pace)ms a token asked (\(1000/($pace|tonumber)) tokens/s a stream); kept \(($kept*1000|round)/1000)ms (median of its streams)",
  "itl (per request)  p50 \($s.itl_ms.p50)ms  p90 \($s.itl_ms.p90)ms  p99 \($s.itl_ms.p99)ms",
  "icl (every gap)    p50 \($s.icl_ms.p50)ms  p90 \($s.icl_ms.p90)ms  p99 \($s.icl_ms.p99)ms  (n \($s.icl_ms.n))",
  "itl p50 - pace     \((($s.itl_ms.p50 - ($pace|tonumber))*1000|round)/1000)ms asked, \((($s.itl_ms.p50 - $kept)*1000|round)/1000)ms kept",
  "throughput         \($s.output_tokens_per_second) output tokens/s",
  "generator          \($g.cpu_cores) of \($g.cores) cores (cpu \($g.cpu_ms/1000)s over \($g.wall_ms/1000)s), sched p99 \($g.sched_p99_ms)ms, \($g.connections) dialled, \($g.reused) reused, bottleneck \($g.bottleneck)",
  "tok serve          \((($srvcpu/$hz)/$wall*100|round)/100) cores (cpu \($srvcpu/$hz)s)",
  ($g.warnings[] | "warning            \(.)")' "$dir/out.json"
