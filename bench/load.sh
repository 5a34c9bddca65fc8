#!/usr/bin/env bash
# bench/load.sh: N concurrent streams of TOKENS tokens against a fresh
# tok serve process on loopback; checks every byte and reports the server's
# peak memory (VmHWM) and what it holds after (VmRSS, goroutines via /_stats
# size as a sanity check).
#   bench/load.sh [N] [TOKENS] [INTERVAL_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500} tokens=${2:-200} interval=${3:-10}
bin=$(mktemp -d)/tok
go build -o "$bin" ./cmd/tok
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --addr "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/_stats" >/dev/null && break; sleep 0.1; done
mem() { awk -v k="$1" '$1==k":" {print $2" "$3}' "/proc/$pid/status"; }
echo "tok serve idle: VmRSS $(mem VmRSS)"
go run ./bench/load -url "http://127.0.0.1:$port" -n "$n" -tokens "$tokens" -interval "$interval"
echo "tok serve after $n streams: peak VmHWM $(mem VmHWM), now VmRSS $(mem VmRSS)"
go run ./bench/load -url "http://127.0.0.1:$port" -n "$n" -tokens "$tokens" -interval "$interval" >/dev/null
echo "tok serve after a second round: peak VmHWM $(mem VmHWM), now VmRSS $(mem VmRSS)"
