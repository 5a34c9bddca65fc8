#!/usr/bin/env bash
# bench/proxy-check.sh: puts nginx in front of a fresh tok serve (buffered,
# unbuffered and stock locations, settings as in ../shared/rig/nginx.conf)
# and checks, directly and through each location, that a client leaving
# mid-stream stops generation: /_stats must say client_disconnect with at
# most one token generated after it. Needs nginx (apt-get install nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx)"; exit 2; }
work=$(mktemp -d)
go build -o "$work/tok" ./cmd/tok
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sport=$(free) nport=$(free)
"$work/tok" serve --addr "127.0.0.1:$sport" 2>/dev/null &
spid=$!
mkdir -p "$work/nginx"
cat > "$work/nginx.conf" <<CONF
daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn; worker_processes 1;
events { worker_connections 256; }
http {
  access_log off; client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  proxy_read_timeout 300s; proxy_max_temp_file_size 0;
  server {
    listen 127.0.0.1:$nport;
    location /unbuffered/ { proxy_pass http://127.0.0.1:$sport/; proxy_buffering off; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /buffered/   { proxy_pass http://127.0.0.1:$sport/; proxy_buffering on; proxy_ignore_headers X-Accel-Buffering; }
    location /default/    { proxy_pass http://127.0.0.1:$sport/; }
  }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" &
npid=$!
trap 'kill $spid $npid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$sport/_stats" >/dev/null && curl -s "http://127.0.0.1:$nport/" >/dev/null && break; sleep 0.1; done

fail=0
for base in "http://127.0.0.1:$sport" "http://127.0.0.1:$nport/unbuffered" "http://127.0.0.1:$nport/buffered" "http://127.0.0.1:$nport/default"; do
  curl -s "http://127.0.0.1:$sport/_reset" >/dev/null
  # The client reads for 1 s of a 4 s answer, then stops (timeout sends SIGINT: tok's stop).
  timeout -s INT 1 "$work/tok" --url "$base/api/chat/stream" \
    -H 'X-Tok-Scenario: tokens=200,first=0,interval=20' "hi" >/dev/null 2>&1 || true
  sleep 0.5
  rec=$(curl -s "http://127.0.0.1:$sport/_stats" | jq -c '.[-1] | {"end": .end, sent: .tokens_sent, planned: .tokens_planned, after: .tokens_after_disconnect}')
  verdict=PASS
  echo "$rec" | jq -e '.end == "client_disconnect" and .after <= 1 and .sent < .planned' >/dev/null || { verdict=FAIL; fail=1; }
  printf '%-5s %-40s %s\n' "$verdict" "$base" "$rec"
done
exit $fail
