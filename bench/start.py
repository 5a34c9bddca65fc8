#!/usr/bin/env python3
"""bench/start.py: tok's start and memory next to curl's. Medians of N runs:
`tok --version` against `curl --version` (wall), a pipe one-shot's first text
against curl's first byte from the same loopback server, and tok's peak RSS
after a 1 MB answer on a pipe and on a terminal (a pty). See bench/start.md.
Linux, Python 3.11+, stdlib only."""
import argparse, fcntl, http.server, json, os, re, select, socket, statistics, struct
import shutil, subprocess, sys, tempfile, termios, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION_GAP, FIRST_GAP, RSS_MAX = 5.0, 5.0, 40 * 1024  # ms, ms, KiB
BG_QUERY, BG_REPLY = b"\x1b]11;?", b"\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62c"

# A markdown section of the kinds an answer holds; the 1 MB answer repeats it.
SECTION = """## Step {n}: what the code does

The function below reads a **stream** of events and keeps the *last* one of
each kind, so a reader that comes late still sees the state. It runs in
`O(n)` time and holds one entry per kind, which is [cheap](https://go.dev).

```go
func latest(events []Event) map[Kind]Event {
	out := map[Kind]Event{}
	for _, ev := range events {
		out[ev.Kind] = ev // a later event replaces an earlier one
	}
	return out
}
```

- the map never grows past the number of kinds;
- a nil slice gives an empty map, not nil;
- order is lost: sort the keys when it matters.

| kind | kept | note |
|------|------|------|
| text | last | the answer so far |
| done | once | usage and stop reason |

> A quoted note, to show that quotes wrap like paragraphs do when the
> terminal is narrow.

"""


def answer(size):
    parts, n, total = [], 0, 0
    while total < size:
        s = SECTION.replace("{n}", str(n))
        parts.append(s)
        total, n = total + len(s), n + 1
    return "".join(parts)[:size]


class Server:
    """A loopback SSE server speaking tok's protocol (PROTOCOL.md). /first
    sends start and one token in one write at once, then done; /big streams
    the 1 MB answer in ~24-byte tokens, as fast as the socket takes them."""
    def __init__(self, big):
        self.tokens = [big[i:i + 24] for i in range(0, len(big), 24)]
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def setup(self):
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            def log_message(self, *args):
                pass
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                for k, v in (("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                             ("Connection", "close")):
                    self.send_header(k, v)
                self.end_headers()
                self.close_connection = True
                try:
                    server.serve(self.path, self.wfile)
                except OSError:
                    pass  # the client went away

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def serve(self, path, w):
        frame = lambda obj: f"data: {json.dumps(obj)}\n\n"
        start = frame({"type": "start", "messageId": "msg_bench"})
        end = frame({"type": "done", "usage": {"inputTokens": 1, "outputTokens": 1}}) + "data: [DONE]\n\n"
        if path.startswith("/first"):
            w.write((start + frame({"type": "token", "content": "hi"})).encode())
            w.flush()
            w.write(end.encode())
            return
        w.write(start.encode())
        batch = []
        for i, t in enumerate(self.tokens):
            batch.append(frame({"type": "token", "content": t}))
            if len(batch) == 64:
                w.write("".join(batch).encode())
                batch = []
        w.write(("".join(batch) + end).encode())


def spawn_wall(argv, env):
    """Runs argv with stdout on /dev/null: wall ms, and CPU ms (user+sys)."""
    t = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError(f"{argv[0]} {argv[1]} failed (status {status})")
    return (time.perf_counter() - t) * 1000, (ru.ru_utime + ru.ru_stime) * 1000


def first_byte(argv, env):
    """Runs argv with stdout on a pipe: ms from spawn to its first byte."""
    r, w = os.pipe()
    t = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_CLOSE, r)])
    os.close(w)
    first = os.read(r, 65536)
    ms = (time.perf_counter() - t) * 1000
    while os.read(r, 65536):
        pass
    os.close(r)
    _, status, _ = os.wait4(pid, 0)
    if not first or status != 0:
        raise RuntimeError(f"{argv[0]} printed nothing or failed (status {status})")
    return ms


def rss_pipe(argv, env):
    """Peak RSS (KiB) of argv writing to a drained pipe, and bytes read."""
    r, w = os.pipe()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_CLOSE, r)])
    os.close(w)
    n, hwm = 0, 0
    while chunk := os.read(r, 1 << 16):
        n += len(chunk)
        hwm = max(hwm, vm_hwm(pid))
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError(f"{argv[0]} failed on a pipe (status {status})")
    return max(ru.ru_maxrss, hwm), n


def rss_pty(argv, env, cols=100, rows=30):
    """Peak RSS (KiB) of argv on a pty cols×rows, drained; answers the
    background-colour query. Returns the KiB and the bytes tok wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                         close_fds=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    n, hwm = 0, 0
    while True:
        try:
            ready, _, _ = select.select([master], [], [], 1)
            data = os.read(master, 1 << 16) if ready else b"?"
        except OSError:
            break  # EIO: tok exited and the pty is gone
        if not data:
            break
        if BG_QUERY in data:
            os.write(master, BG_REPLY)
        n += len(data)
        hwm = max(hwm, vm_hwm(p.pid))
    os.close(master)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        raise RuntimeError(f"{argv[0]} failed on a pty (status {status})")
    return max(ru.ru_maxrss, hwm), n


def vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"^VmHWM:\s*(\d+)", f.read(), re.M).group(1))
    except (OSError, AttributeError):
        return 0  # exited, or a zombie already


def median(f, runs):
    return statistics.median(f() for _ in range(runs))


def measure(toks, args, env, srv):
    """Each figure for curl and every tok, runs interleaved so that load on
    the machine falls on all alike."""
    curl = subprocess.run(["sh", "-c", "command -v curl"], capture_output=True, text=True).stdout.strip()
    body = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    first = lambda p: [p, "--url", srv.url + "/first", "hi"]
    big = lambda p: [p, "--url", srv.url + "/big", "go"]
    jobs = {"version": {"curl": lambda: spawn_wall([curl, "--version"], env)},
            "first": {"curl": lambda: first_byte([curl, "-sN", "-H", "Content-Type: application/json",
                                                   "-d", body, srv.url + "/first"], env)}}
    for name, p in toks.items():
        jobs["version"][name] = lambda p=p: spawn_wall([p, "--version"], env)
        jobs["first"][name] = lambda p=p, e=dict(env, XDG_DATA_HOME=env["XDG_DATA_HOME"] + "-" + name): first_byte(first(p), e)
    samples = {k: {n: [] for n in v} for k, v in jobs.items()}
    # A history of its own for each tok: one that migrated the file to a
    # newer schema would leave an older tok refusing it, and not saving.
    envs = {n: dict(env, XDG_DATA_HOME=env["XDG_DATA_HOME"] + "-" + n) for n in toks}
    for _ in range(args.runs):
        for k, v in jobs.items():
            for n, f in v.items():
                samples[k][n].append(f())
    cpu = {n: [c for _, c in xs] for n, xs in samples["version"].items()}
    samples["version"] = {n: [w for w, _ in xs] for n, xs in samples["version"].items()}
    samples["version_cpu"] = cpu
    out = {k: {n: round(statistics.median(xs), 2) for n, xs in v.items()} for k, v in samples.items()}
    rss = {k: {} for k in RSS_ROWS}
    for _ in range(args.rss_runs):
        for name, p in toks.items():
            for k, (_, run, extra) in RSS_ROWS.items():
                rss[k].setdefault(name, []).append(run(big(p) + extra, envs[name])[0])
    for k, v in rss.items():
        out[k] = {n: int(statistics.median(xs)) for n, xs in v.items()}
    return out


# The peak RSS rows: label, how tok runs, extra flags. The default saves
# the answer in the history (SQLite), as a user's first run does.
RSS_ROWS = {
    "rss_pipe_kib": ("peak RSS 1 MB, pipe (MiB)", rss_pipe, []),
    "rss_pty_kib": ("peak RSS 1 MB, pty (MiB)", rss_pty, []),
    "rss_pipe_nosave_kib": ("  pipe, --no-save", rss_pipe, ["--no-save"]),
    "rss_pty_nosave_kib": ("  pty, --no-save", rss_pty, ["--no-save"]),
}


def report(r, names):
    ok = lambda good: "ok" if good else "OVER"
    print(f"tok start and memory, medians of {r['runs']} runs ({r['rss_runs']} for RSS),"
          f" {os.cpu_count()} cores, load {r['load']}")
    print(f"  {'':28}" + "".join(f"{n:>14}" for n in ["curl"] + names))
    for k, label, gap in (("version", "--version wall (ms)", VERSION_GAP), ("first", "pipe first text (ms)", FIRST_GAP)):
        row = r[k]
        gaps = "  ".join(f"{n} {row[n] - row['curl']:+.1f} [{ok(row[n] - row['curl'] <= gap)}]"
                         for n in names)
        print(f"  {label:28}" + "".join(f"{row[n]:14.2f}" for n in ["curl"] + names) + "   vs curl: " + gaps)
    row = r["version_cpu"]
    print(f"  {'  --version CPU (ms)':28}" + "".join(f"{row[n]:14.2f}" for n in ["curl"] + names)
          + "   user+sys: the machine's load does not stretch it")
    for k, (label, _, _) in RSS_ROWS.items():
        row = r[k]
        print(f"  {label:28}{'':14}" + "".join(f"{row[n] / 1024:14.1f}" for n in names) + "   "
              + "  ".join(f"{n} [{ok(row[n] <= RSS_MAX)}]" for n in names))


def fresh_copies(toks, tmp):
    """Copies each binary into tmp and returns the copies' paths. How much
    of its file a process maps depends on how the file came into the page
    cache (in large folios, mapped whole, or in small pages): measured
    here on a pipe, a tok the linker had just written peaked at 33.1 MiB,
    a copy of it at 30.8; one linked 40 minutes before at 40.5, a copy of
    it at 30.3. Copied alike just before the runs, binaries compare alike."""
    out = {}
    for i, (name, path) in enumerate(toks.items()):
        out[name] = os.path.join(tmp, f"bin{i}-{os.path.basename(path)}")
        shutil.copyfile(path, out[name])
        os.chmod(out[name], 0o755)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tok", action="append", metavar="[NAME=]PATH",
                    help="a tok binary, repeatable (default: go build ./cmd/tok)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rss-runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=1 << 20, help="the big answer's bytes")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        toks = {}
        for spec in args.tok or []:
            name, _, path = spec.rpartition("=")
            toks[name or os.path.basename(path)] = os.path.abspath(path)
        if not toks:
            toks["tok"] = os.path.join(tmp, "tok")
            subprocess.run(["go", "build", "-o", toks["tok"], "./cmd/tok"], cwd=ROOT, check=True)
        toks = fresh_copies(toks, tmp)
        # A fresh home: no config, an empty history that the one-shot
        # writes, as a first run does.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") and not k.startswith("TOK_")}
        env.update(HOME=tmp, XDG_CONFIG_HOME=tmp + "/config", XDG_DATA_HOME=tmp + "/data", TERM="xterm-256color")
        srv = Server(answer(args.size))
        try:
            r = measure(toks, args, env, srv)
        except (RuntimeError, OSError) as e:
            sys.exit(f"bench/start.py: {e}")
        finally:
            srv.srv.shutdown()
    r.update(runs=args.runs, rss_runs=args.rss_runs, load=" ".join(open("/proc/loadavg").read().split()[:3]))
    print(json.dumps(r) if args.json else "", end="\n" if args.json else "")
    if not args.json:
        report(r, list(toks))


if __name__ == "__main__":
    main()
