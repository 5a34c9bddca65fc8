#!/usr/bin/env bash
# bench/profile.sh: where the chat's CPU goes while an answer streams.
# Builds tok with -tags profile (cmd/tok/profile.go: TOK_CPUPROFILE and
# SIGUSR1, absent from release builds), runs bench/tui.py with
# --cpuprofile, which profiles the streaming window only, and prints the
# top of the profile. Extra arguments go to bench/tui.py (--rate 1000).
#
#   bench/profile.sh                  # 200 tokens/s for 20 s
#   bench/profile.sh --rate 1000
#   go tool pprof -http=: /tmp/tok-profile/tok /tmp/tok-profile/cpu.prof
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TOK_PROFILE_DIR:-/tmp/tok-profile}
mkdir -p "$out"
go build -tags profile -o "$out/tok" ./cmd/tok
python3 bench/tui.py --tok "$out/tok" --cpuprofile "$out/cpu.prof" "$@"
echo
go tool pprof -top -cum -nodecount=40 "$out/tok" "$out/cpu.prof" 2>/dev/null | sed -n '1,48p'
echo
echo "allocations in the window: go tool pprof -sample_index=alloc_space -top $out/tok $out/cpu.prof.allocs"
