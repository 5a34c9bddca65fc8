#!/usr/bin/env python3
"""bench/tui.py: tok's chat TUI in a pseudo-terminal, fed RATE tokens/s for
SECONDS by a local SSE server. Reports tok's CPU (% of one core) over the
streaming window and each token's latency from the server's write to its
text first appearing in the pty output. See bench/tui.md. Stdlib only."""
import argparse, codecs, fcntl, http.server, json, math, os, re, select, signal, socket
import statistics, struct, subprocess, sys, tempfile, termios, threading, time
from vt import VT

P99_TARGET = 33.0  # ms (issue 23)


def cpu_target(rate):
    """% of one core (issue 23): 10 at 200 tokens/s, 25 at 1,000."""
    return 10.0 if rate <= 200 else 25.0
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
    def __init__(self, pid_fn, count, interval, profile=False):
        self.pid_fn, self.count, self.interval = pid_fn, count, interval
        self.profile = profile             # SIGUSR1 at the window's ends
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
        if self.profile:
            os.kill(pid, signal.SIGUSR1)
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
        if self.profile:
            os.kill(pid, signal.SIGUSR1)
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
    """Reads the pty master until EOF into a screen (vt.py): the time each
    marker first shows on it."""
    def __init__(self, fd, cols, rows, dump=None):
        self.fd, self.dump, self.vt = fd, dump, VT(cols, rows)
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
        self.vt.feed(s)
        if self.recording:
            for m in MARKER_RE.finditer(self.vt.text()):
                self.seen.setdefault(m.group(0), t)

    def wait_for(self, word, timeout):
        deadline = time.monotonic() + timeout
        while word not in self.text and time.monotonic() < deadline:
            time.sleep(0.02)
        return word in self.text


# Each binary keeps a history of its own, out of the user's: a tok that
# migrated the file to a newer schema would leave an older one refusing it.
DATA = tempfile.TemporaryDirectory(prefix="tok-bench-tui-")


def spawn(tok, url, cols, rows, profile=None):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    env["XDG_DATA_HOME"] = os.path.join(DATA.name, re.sub(r"\W", "_", os.path.abspath(tok)))
    if profile:
        env["TOK_CPUPROFILE"] = profile
    proc = subprocess.Popen([tok, "--url", url], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True, close_fds=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    return proc, master


def percentile(xs, p):
    return xs[min(len(xs), max(1, math.ceil(p / 100 * len(xs)))) - 1]  # nearest rank


def run(args, tok, profile=None):
    count, interval = args.seconds * args.rate, 1.0 / args.rate
    proc, serving, idle = None, False, None
    feed = Feed(lambda: proc.pid, count, interval, profile=bool(profile))
    srv = start_server(feed)
    url = f"http://127.0.0.1:{srv.server_address[1]}/api/chat/stream"
    dump = open(args.dump, "wb") if args.dump else None
    try:
        proc, master = spawn(tok, url, args.cols, args.rows, profile)  # before any thread starts
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        serving = True
        screen = Screen(master, args.cols, args.rows, dump)
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
        if args.idle:
            ticks = cpu_ticks(proc.pid)
            time.sleep(args.idle)
            idle = (cpu_ticks(proc.pid) - ticks) / os.sysconf("SC_CLK_TCK") * 1000
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
        "cpu_target_pct": cpu_target(args.rate),
        "latency_ms": {**pct, "max": round(lat[-1], 1) if lat else None,
                       "min": round(lat[0], 1) if lat else None},
        "p99_target_ms": P99_TARGET,
        "tokens_sent": len(feed.sent), "tokens_seen": len(lat),
        "send_max_lag_ms": round(feed.max_lag * 1000, 1),
        "requests": feed.requests, "peak_rss_kb": rss, "tok_exit": code,
        "idle_seconds": args.idle, "idle_cpu_ms": idle,
    }


def report(r):
    ok = lambda good: "ok" if good else "OVER"
    lat = r["latency_ms"]
    print(f"tok chat TUI, {r['cols']}x{r['rows']} pty, {r['rate']} tokens/s for {r['seconds']} s"
          f" ({r['cores']} cores)")
    print(f"  CPU            {r['cpu_pct']:6.1f} % of a core   target <= {r['cpu_target_pct']:g} %"
          f"  [{ok(r['cpu_pct'] <= r['cpu_target_pct'])}]")
    for k in ("p50", "p90", "p99", "max") if lat["max"] is not None else ():
        target = f"           target <= {P99_TARGET:g} ms  [{ok(lat[k] <= P99_TARGET)}]"
        print(f"  latency {k:<6} {lat[k]:6.1f} ms" + (target if k == "p99" else ""))
    print(f"  tokens seen    {r['tokens_seen']} of {r['tokens_sent']} sent"
          f" ({r['tokens_sent'] - r['tokens_seen']} never on the screen)")
    print(f"  peak RSS       {(r['peak_rss_kb'] or 0) / 1024:.1f} MiB (VmHWM)")
    if r["idle_cpu_ms"] is not None:
        print(f"  idle CPU       {r['idle_cpu_ms']:6.0f} ms in {r['idle_seconds']} s after the answer")
    print(f"  harness        send lag max {r['send_max_lag_ms']} ms, {r['requests']} request(s),"
          f" tok exit {r['tok_exit']}")


def summary(label, rs):
    """One line of medians over runs of one binary."""
    med = lambda f: statistics.median(x for x in map(f, rs) if x is not None) if any(
        f(r) is not None for r in rs) else float("nan")
    return (f"  {label:<14} CPU {med(lambda r: r['cpu_pct']):5.1f} %   p50 {med(lambda r: r['latency_ms']['p50']):5.1f}"
            f"  p99 {med(lambda r: r['latency_ms']['p99']):5.1f} ms   unseen {med(lambda r: r['tokens_sent'] - r['tokens_seen']):g}"
            f"   idle {med(lambda r: r['idle_cpu_ms']):4.0f} ms   RSS {med(lambda r: r['peak_rss_kb']) / 1024:.1f} MiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tok", action="append", help="a tok binary (default: go build ./cmd/tok);"
                    " given more than once, the binaries take turns, run after run")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--rate", type=int, default=200, help="tokens a second")
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("--runs", type=int, default=1, help="runs of each binary; medians are printed")
    ap.add_argument("--idle", type=float, default=0, metavar="S",
                    help="also measure tok's CPU over S seconds of idle after the answer")
    ap.add_argument("--cpuprofile", metavar="FILE", help="profile the streaming window into FILE"
                    " (a build with -tags profile; see bench/profile.sh)")
    ap.add_argument("--json", action="store_true", help="print one JSON object a run")
    ap.add_argument("--dump", metavar="FILE", help="save tok's raw pty output to FILE")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        toks = args.tok
        try:
            if not toks:
                toks = [os.path.join(tmp, "tok")]
                tags = ["-tags", "profile"] if args.cpuprofile else []
                subprocess.run(["go", "build", *tags, "-o", toks[0], "./cmd/tok"], cwd=ROOT, check=True)
            for i in range(args.runs):
                for tok in toks:
                    r = run(args, tok, args.cpuprofile and os.path.abspath(args.cpuprofile))
                    r["tok"] = tok
                    results.setdefault(tok, []).append(r)
                    if args.json:
                        print(json.dumps(r), flush=True)
                    else:
                        if len(toks) > 1 or args.runs > 1:
                            print(f"== {tok}, run {i + 1} of {args.runs}")
                        report(r)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            sys.exit(f"bench/tui.py: {e}")
    if not args.json and (len(toks) > 1 or args.runs > 1):
        print(f"medians of {args.runs} run(s), {args.rate} tokens/s for {args.seconds} s:")
        for tok, rs in results.items():
            print(summary(os.path.basename(tok), rs))


if __name__ == "__main__":
    main()
