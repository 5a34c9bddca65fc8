"""bench/vt.py: a small terminal screen for bench/tui.py (stdlib only)."""
import re, unicodedata

class VT:
    """A small VT100/xterm screen: enough of what Bubble Tea's renderer
    writes (cursor moves, erases, scroll regions, scrolls, repeats) to
    know which text is on the screen after each read."""
    SEQ = re.compile(r"\x1b\[([0-9;?:<=>]*)[ -/]*([@-~])|\x1b[\]P_^X][^\x07\x1b]*(?:\x07|\x1b\\)"
                     r"|\x1b[()*+][ -/]*[0-~]|\x1b([ -/]*[0-~])|([\x00-\x1f])|([^\x00-\x1f\x1b]+)")

    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.clear()
        self.top, self.bot = 0, rows - 1
        self.x = self.y = 0
        self.wrap, self.last, self.saved = False, " ", (0, 0)

    def clear(self):
        self.grid = [[" "] * self.cols for _ in range(self.rows)]

    def text(self):
        return "\n".join("".join(r) for r in self.grid)

    def scroll(self, n, top=None, bot=None):   # n > 0: up
        top = self.top if top is None else top
        bot = self.bot if bot is None else bot
        for _ in range(min(abs(n), bot - top + 1)):
            if n > 0:
                del self.grid[top]; self.grid.insert(bot, [" "] * self.cols)
            else:
                del self.grid[bot]; self.grid.insert(top, [" "] * self.cols)

    def lf(self):
        if self.y == self.bot:
            self.scroll(1)
        elif self.y < self.rows - 1:
            self.y += 1

    def put(self, s):
        for ch in s:
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else (0 if unicodedata.combining(ch) else 1)
            if w == 0:
                continue
            if self.wrap or self.x + w > self.cols:
                self.x, self.wrap = 0, False
                self.lf()
            self.grid[self.y][self.x] = ch
            if w == 2 and self.x + 1 < self.cols:
                self.grid[self.y][self.x + 1] = ""
            self.x += w
            self.last = ch
            if self.x >= self.cols:
                self.x, self.wrap = self.cols - 1, True

    def feed(self, s):
        for m in self.SEQ.finditer(s):
            if m.group(5) is not None:
                self.put(m.group(5))
            elif m.group(4) is not None:
                self.ctl(m.group(4))
            elif m.group(2) is not None:
                self.csi(m.group(1), m.group(2))
            elif m.group(3) is not None:
                self.esc(m.group(3))

    def ctl(self, c):
        if c == "\r":
            self.x, self.wrap = 0, False
        elif c in "\n\x0b\x0c":
            self.wrap = False
            self.lf()
        elif c == "\b":
            self.x, self.wrap = max(self.x - 1, 0), False
        elif c == "\t":
            self.x = min((self.x // 8 + 1) * 8, self.cols - 1)

    def esc(self, c):
        if c == "M":                               # RI
            if self.y == self.top:
                self.scroll(-1)
            else:
                self.y = max(self.y - 1, 0)
        elif c == "D":
            self.lf()
        elif c == "E":
            self.x = 0; self.lf()
        elif c == "7":
            self.saved = (self.x, self.y)
        elif c == "8":
            self.x, self.y = self.saved
        self.wrap = False

    def csi(self, params, f):
        if params.startswith("?"):
            if f in "hl" and any(p in ("1049", "47", "1047") for p in params[1:].split(";")):
                self.clear()
            return
        if params[:1] in "<=>" and params:
            return
        ps = [int(p) if p.isdigit() else 0 for p in params.replace(":", ";").split(";")] if params else []
        a = lambda i, d=1: ps[i] if len(ps) > i and ps[i] else d
        self.wrap = False
        row = self.grid[self.y]
        if f in "Hf":
            self.y, self.x = min(a(0), self.rows) - 1, min(a(1), self.cols) - 1
        elif f == "A":
            self.y = max(self.y - a(0), 0)
        elif f in "Be":
            self.y = min(self.y + a(0), self.rows - 1)
        elif f in "Ca":
            self.x = min(self.x + a(0), self.cols - 1)
        elif f == "D":
            self.x = max(self.x - a(0), 0)
        elif f in "G`":
            self.x = min(a(0), self.cols) - 1
        elif f == "d":
            self.y = min(a(0), self.rows) - 1
        elif f == "E":
            self.x, self.y = 0, min(self.y + a(0), self.rows - 1)
        elif f == "F":
            self.x, self.y = 0, max(self.y - a(0), 0)
        elif f == "K":
            lo, hi = {0: (self.x, self.cols), 1: (0, self.x + 1), 2: (0, self.cols)}.get(a(0, 0), (0, 0))
            row[lo:hi] = [" "] * (hi - lo)
        elif f == "J":
            n = a(0, 0)
            rows = range(self.y + 1, self.rows) if n == 0 else range(0, self.y) if n == 1 else range(self.rows)
            for r in rows:
                self.grid[r] = [" "] * self.cols
            if n == 0:
                row[self.x:] = [" "] * (self.cols - self.x)
            elif n == 1:
                row[:self.x + 1] = [" "] * (self.x + 1)
        elif f == "X":
            n = min(a(0), self.cols - self.x)
            row[self.x:self.x + n] = [" "] * n
        elif f == "P":
            n = min(a(0), self.cols - self.x)
            del row[self.x:self.x + n]; row.extend([" "] * n)
        elif f == "@":
            n = min(a(0), self.cols - self.x)
            row[self.x:self.x] = [" "] * n; del row[self.cols:]
        elif f == "S":
            self.scroll(a(0))
        elif f == "T":
            self.scroll(-a(0))
        elif f in "LM" and self.top <= self.y <= self.bot:
            self.scroll(a(0) if f == "M" else -a(0), top=self.y)
            self.x = 0
        elif f == "b":
            self.put(self.last * a(0))
        elif f == "r":
            self.top, self.bot = a(0) - 1, min(a(1, self.rows), self.rows) - 1
            self.x = self.y = 0
        elif f == "s":
            self.saved = (self.x, self.y)
        elif f == "u":
            self.x, self.y = self.saved
