package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/tokcli/tok/render"
)

// keyCmdTimeout bounds key_cmd: a password manager that waits for a
// prompt nobody sees must not hang tok.
const keyCmdTimeout = 10 * time.Second

// keyCmdMax bounds what tok reads of key_cmd's output: a key is one line,
// and a command that prints without end must not fill memory.
const keyCmdMax = 64 << 10

// key returns the endpoint's API key: the output of key_cmd, else the
// value of key_env read through getenv, else "" (the caller then falls
// back to the provider's default variable).
//
// key_cmd runs with sh -c under ctx and [keyCmdTimeout], reading at most
// [keyCmdMax] bytes of its output; its stdout, trimmed, is the key. It
// does not run at all when the config file is writable by others (see
// [fileSafety]). An error names the endpoint, the exit status and the
// first line of stderr, and never carries stdout. No output, more than
// one line or more than keyCmdMax bytes is an error too.
func (e fileEndpoint) key(ctx context.Context, getenv func(string) string) (string, error) {
	switch {
	case e.KeyCmd != "":
		return e.runKeyCmd(ctx, keyCmdTimeout)
	case e.KeyEnv != "":
		return getenv(e.KeyEnv), nil
	}
	return "", nil
}

func (e fileEndpoint) runKeyCmd(ctx context.Context, timeout time.Duration) (string, error) {
	if e.unsafe != "" {
		return "", errors.New(e.unsafe)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stdout := &cappedBuffer{max: keyCmdMax, overflow: cancel}
	stderr := &cappedBuffer{max: 4 << 10}
	cmd := exec.CommandContext(cctx, "sh", "-c", e.KeyCmd)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second // a child holding the pipes open must not hang tok either
	err := cmd.Run()
	what := fmt.Sprintf("the key_cmd of endpoint %q", e.Name)
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("%s: %w", what, ctx.Err())
	case stdout.over:
		return "", fmt.Errorf("%s printed more than %d KiB, so tok stopped it; make it print only the key", what, keyCmdMax>>10)
	case cctx.Err() != nil:
		return "", fmt.Errorf("%s did not finish in %s; run it yourself to see why: %s", what, timeout, e.KeyCmd)
	case err != nil:
		msg := fmt.Sprintf("%s failed (%v)", what, err)
		if line := render.Line(firstLine(strings.TrimSpace(stderr.buf.String())), 200); line != "" {
			msg += ": " + line
		}
		return "", errors.New(msg)
	}
	key := strings.TrimSpace(stdout.buf.String())
	switch {
	case key == "":
		return "", fmt.Errorf("%s printed nothing; it should print the key", what)
	case strings.ContainsAny(key, "\r\n"):
		return "", fmt.Errorf("%s printed more than one line; make it print only the key (add | head -n 1)", what)
	}
	return key, nil
}

// errOutputCapped stops the copying of a command's output past its cap.
var errOutputCapped = errors.New("output past its cap")

// cappedBuffer keeps the first max bytes written to it. Past them it
// notes the overflow; with overflow set it calls it once and fails the
// write, so the copying stops (the command gets SIGPIPE, and overflow
// can stop it), else it drops the rest and keeps the command unblocked.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int
	over     bool
	overflow func()
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.max - b.buf.Len()
	if len(p) <= room {
		return b.buf.Write(p)
	}
	b.buf.Write(p[:max(room, 0)])
	if b.overflow == nil {
		b.over = true
		return len(p), nil
	}
	if !b.over {
		b.over = true
		b.overflow()
	}
	return 0, errOutputCapped
}

// readConfigFile reads c's file and notes in c.unsafe whether others may
// change it, from the same open file.
func readConfigFile(c *fileConfig) ([]byte, error) {
	f, err := os.Open(c.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	c.unsafe = fileSafety(c.Path, fi)
	return io.ReadAll(f)
}

// fileSafety says why the config file at path, described by fi, may not
// run commands, as ssh refuses a config that others can change: it is
// writable by its group or by everyone, or it belongs to another user
// than the one running tok (or root). "" means it may. On Windows, where
// the mode bits do not tell, it is always "".
func fileSafety(path string, fi fs.FileInfo) string {
	if runtime.GOOS == "windows" {
		return ""
	}
	if m := fi.Mode().Perm(); m&0o022 != 0 {
		return fmt.Sprintf("config %s is writable by others (mode %04o), so its key_cmd will not run: chmod go-w %s",
			path, m, shellQuote(path))
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() && uid != 0 {
		return fmt.Sprintf("config %s belongs to another user (uid %d), so its key_cmd will not run: make the file yours (cp it to a new file and mv that over it)",
			path, uid)
	}
	return ""
}
