#!/usr/bin/env python3
"""bench/tui.py: tok's chat TUI in a pseudo-terminal, fed RATE tokens/s for
SECONDS by a local SSE server. Reports tok's CPU (% of one core) over the
streaming window and each token's latency from the server's write to its
text first appearing in the pty output. See bench/tui.md. Stdlib only."""
import argparse, codecs, fcntl, http.server, json, math, os, re, select, signal, socket
import struct, subprocess, sys, tempfile, termios, threading, time

CPU_TARGET, P99_TARGET = 15.0, 50.0  # % of one core; ms
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Terminal control sequences. SGR (colour) and string sequences vanish; any
# other escape (a cursor move, an erase) becomes "\n", so text drawn in
# separate places never joins into a false marker.
ESC_RE = re.compile(
    r"\x1b\[([0-9;?:<=>]*)([ -/]*)([@-~])"           # CSI
    r"|\x1b[\]P_^X][^\x07\x1b]*(?:\x07|\x1b\\)"     # OSC, DCS, APC, PM, SOS
    r"|\x1b[()*+][ -/]*[0-~]"                        # DEC charset selects
    r"|\x1b(?![\[\]P_^X])[ -/]*[0-~]")                # other 2-byte ESC
MARKER_RE = re.compile(r"w\d{5}")
BG_QUERY, BG_REPLY = b"\x1b]11;?", b"\x1b]11;rgb:0000/0000/0000\x1b\\"


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmHWM:\s*(\d+)", f.read(), re.M).group(1))


def token_text(i):
    return ("\n\n" if i and i % 20 == 0 else "") + f"w{i:05d} "


class Feed:
    """The SSE server's side: tokens sent, their times, tok's CPU window."""
    def __init__(self, pid_fn, count, interval):
        self.pid_fn, self.count, self.interval = pid_fn, count, interval
        self.sent = {}                     # marker -> monotonic time written
        self.requests, self.max_lag = 0, 0.0
        self.cpu = None                    # (t0, ticks0, t1, ticks1)
        self.started, self.done, self.error = threading.Event(), threading.Event(), None

    def serve(self, w):
        frame = lambda obj: w.write(chunk(f"data: {json.dumps(obj)}\n\n"))
        chunk = lambda s: b"%x\r\n%s\r\n" % (len(s.encode()), s.encode())
        frame({"type": "start", "messageId": "msg_bench"})
        pid, start = self.pid_fn(), time.monotonic()
        t0, ticks0 = start, cpu_ticks(pid)
        for i in range(self.count):
            target = start + i * self.interval
            now = time.monotonic()
            if target > now:
                time.sleep(target - now)
            self.max_lag = max(self.max_lag, time.monotonic() - target)
            frame({"type": "token", "content": token_text(i)})
            w.flush()
            self.sent[f"w{i:05d}"] = time.monotonic()
        self.cpu = (t0, ticks0, time.monotonic(), cpu_ticks(pid))
        frame({"type": "done", "usage": {"inputTokens": 1, "outputTokens": self.count}})
        w.write(chunk("data: [DONE]\n\n") + b"0\r\n\r\n")
        w.flush()


def start_server(feed):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def setup(self):
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        def log_message(self, *args):
            pass
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            feed.requests += 1
            feed.started.set()
            self.send_response(200)
            for k, v in (("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                         ("Transfer-Encoding", "chunked"), ("X-Accel-Buffering", "no")):
                self.send_header(k, v)
            self.end_headers()
            self.close_connection = True
            try:
                feed.serve(self.wfile)
            except Exception as e:  # tok hung up, or the harness failed
                feed.error = e
            finally:
                feed.done.set()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    return srv


class Screen:
    """Reads the pty master until EOF: first-seen time of each marker."""
    def __init__(self, fd, dump=None):
        self.fd, self.dump = fd, dump
        self.text, self.tail, self.pending = "", "", ""
        self.seen, self.recording = {}, True
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while True:
            try:
                r, _, _ = select.select([self.fd], [], [], 0.5)
                data = os.read(self.fd, 65536) if r else None
            except OSError:                # EIO: tok and its pty are gone
                return
            if data == b"":
                return
            if data is None:
                continue
            t = time.monotonic()
            if self.dump:
                self.dump.write(data)
            if BG_QUERY in data:
                os.write(self.fd, BG_REPLY)
            self.feed(self.decoder.decode(data), t)

    def feed(self, s, t):
        s = self.pending + s
        i = s.rfind("\x1b")                # hold back a sequence cut in two
        if i >= 0 and not ESC_RE.match(s, i) and len(s) - i < 4096:
            s, self.pending = s[:i], s[i:]
        else:
            self.pending = ""
        plain = ESC_RE.sub(lambda m: "" if m.group(3) in (None, "m") and
                           m.group(0)[1] not in "78DEM" else "\n", s)
        if len(self.text) < 200_000:
            self.text += plain
        if self.recording:
            for m in MARKER_RE.finditer(self.tail + plain):
                self.seen.setdefault(m.group(0), t)
        self.tail = (self.tail + plain)[-5:]

    def wait_for(self, word, timeout):
        deadline = time.monotonic() + timeout
        while word not in self.text and time.monotonic() < deadline:
            time.sleep(0.02)
        return word in self.text


def spawn(tok, url, cols, rows):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen([tok, "--url", url], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True, close_fds=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    return proc, master


def percentile(xs, p):
    return xs[min(len(xs), max(1, math.ceil(p / 100 * len(xs)))) - 1]  # nearest rank


def run(args, tok):
    count, interval = args.seconds * args.rate, 1.0 / args.rate
    proc, serving = None, False
    feed = Feed(lambda: proc.pid, count, interval)
    srv = start_server(feed)
    url = f"http://127.0.0.1:{srv.server_address[1]}/api/chat/stream"
    dump = open(args.dump, "wb") if args.dump else None
    try:
        proc, master = spawn(tok, url, args.cols, args.rows)  # before any thread starts
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        serving = True
        screen = Screen(master, dump)
        screen.thread.start()
        if not screen.wait_for("ready", 10):
            raise RuntimeError(f"tok showed no 'ready' in 10 s; it printed: {screen.text[-500:]!r}")
        os.write(master, b"go\r")
        if not feed.started.wait(10):
            raise RuntimeError(f"tok sent no request within 10 s of Enter; screen: {screen.text[-500:]!r}")
        if not feed.done.wait(args.seconds + 30):
            raise RuntimeError("the stream did not finish in time")
        if feed.error or not feed.cpu:
            raise RuntimeError(f"the stream failed: {feed.error!r}")
        time.sleep(1)
        rss = vm_hwm_kb(proc.pid)
        screen.recording = False
        for key in (b"\x03", b"\x03", b"\x04"):
            try:
                os.write(master, key)
            except OSError:
                pass
            time.sleep(0.2)
        try:
            code = proc.wait(5)
        except subprocess.TimeoutExpired:
            code = "killed after 5 s"
        screen.thread.join(2)
    finally:
        if proc and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if serving:
            srv.shutdown()
        srv.server_close()
        if dump:
            dump.close()
    t0, ticks0, t1, ticks1 = feed.cpu
    lat = sorted((screen.seen[k] - t) * 1000 for k, t in feed.sent.items() if k in screen.seen)
    pct = {f"p{p}": round(percentile(lat, p), 1) if lat else None for p in (50, 90, 99)}
    return {
        "cores": os.cpu_count(), "seconds": args.seconds, "rate": args.rate,
        "cols": args.cols, "rows": args.rows,
        "cpu_pct": round((ticks1 - ticks0) / os.sysconf("SC_CLK_TCK") / (t1 - t0) * 100, 1),
        "cpu_target_pct": CPU_TARGET,
        "latency_ms": {**pct, "max": round(lat[-1], 1) if lat else None,
                       "min": round(lat[0], 1) if lat else None},
        "p99_target_ms": P99_TARGET,
        "tokens_sent": len(feed.sent), "tokens_seen": len(lat),
        "send_max_lag_ms": round(feed.max_lag * 1000, 1),
        "requests": feed.requests, "peak_rss_kb": rss, "tok_exit": code,
    }


def report(r):
    ok = lambda good: "ok" if good else "OVER"
    lat = r["latency_ms"]
    print(f"tok chat TUI, {r['cols']}x{r['rows']} pty, {r['rate']} tokens/s for {r['seconds']} s"
          f" ({r['cores']} cores)")
    print(f"  CPU            {r['cpu_pct']:6.1f} % of a core   target <= {CPU_TARGET:g} %"
          f"  [{ok(r['cpu_pct'] <= CPU_TARGET)}]")
    for k in ("p50", "p90", "p99", "max") if lat["max"] is not None else ():
        target = f"           target <= {P99_TARGET:g} ms  [{ok(lat[k] <= P99_TARGET)}]"
        print(f"  latency {k:<6} {lat[k]:6.1f} ms" + (target if k == "p99" else ""))
    print(f"  tokens seen    {r['tokens_seen']} of {r['tokens_sent']} sent")
    print(f"  peak RSS       {(r['peak_rss_kb'] or 0) / 1024:.1f} MiB (VmHWM)")
    print(f"  harness        send lag max {r['send_max_lag_ms']} ms, {r['requests']} request(s),"
          f" tok exit {r['tok_exit']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tok", help="a tok binary (default: go build ./cmd/tok)")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--rate", type=int, default=200, help="tokens a second")
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--dump", metavar="FILE", help="save tok's raw pty output to FILE")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tok = args.tok
        try:
            if not tok:
                tok = os.path.join(tmp, "tok")
                subprocess.run(["go", "build", "-o", tok, "./cmd/tok"], cwd=ROOT, check=True)
            r = run(args, tok)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            sys.exit(f"bench/tui.py: {e}")
    if args.json:
        print(json.dumps(r))
    else:
        report(r)


if __name__ == "__main__":
    main()
