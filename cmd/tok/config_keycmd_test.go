package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// keyCmdConfig writes a config whose endpoint gw runs key_cmd to get its
// key, and sets the file's mode.
func keyCmdConfig(t *testing.T, keyCmd string, mode os.FileMode) (dir, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("key_cmd runs sh, and Windows has no mode bits to check")
	}
	dir, path = writeConfigFile(t, "[endpoints.gw]\nurl = \"http://127.0.0.1:1/stream\"\nkey_cmd = "+tomlString(keyCmd)+"\n")
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func TestKeyCmdDoesNotRunFromAConfigOthersCanWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode   os.FileMode
		refuse bool
	}{
		{0o600, false},
		{0o644, false},
		{0o664, true},
		{0o620, true},
		{0o646, true},
		{0o666, true},
	}
	for _, tt := range tests {
		marker := filepath.Join(t.TempDir(), "ran")
		_, path := keyCmdConfig(t, "touch "+marker+"; echo sk-from-cmd", tt.mode)
		cfg, err := loadConfig(path)
		if err != nil {
			t.Fatalf("mode %04o: loadConfig: %v", tt.mode, err)
		}
		key, err := cfg.Endpoints["gw"].key(context.Background(), envOf(nil))
		_, statErr := os.Stat(marker)
		ran := statErr == nil
		want := "config " + path + " is writable by others (mode 0" + octal(tt.mode) + "), so its key_cmd will not run: chmod go-w " + path
		switch {
		case tt.refuse && (err == nil || err.Error() != want || ran || key != ""):
			t.Errorf("mode %04o: key() = %q, %v (ran %v); want it refused with %q", tt.mode, key, err, ran, want)
		case !tt.refuse && (err != nil || key != "sk-from-cmd" || !ran):
			t.Errorf("mode %04o: key() = %q, %v (ran %v); want the command's key", tt.mode, key, err, ran)
		}
	}
}

func octal(m os.FileMode) string {
	const digits = "01234567"
	return string([]byte{digits[m>>6&7], digits[m>>3&7], digits[m&7]})
}

func TestARefusedKeyCmdIsOneLineSayingHowToFixIt(t *testing.T) {
	t.Parallel()
	dir, path := keyCmdConfig(t, "echo sk-from-cmd", 0o666)
	r := runTokEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}, "", "-e", "gw", "hi")
	want := "tok: config " + path + " is writable by others (mode 0666), so its key_cmd will not run: chmod go-w " + path + "\n"
	if r.code != exitFailed || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want %d, %q", r.code, r.stderr, exitFailed, want)
	}
}

func TestKeyCmdOutputIsBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cmd string
	}{
		{"a command that prints without end", "yes"},
		// The shell ignores SIGPIPE, so only being stopped ends it.
		{"one that ignores SIGPIPE", "trap '' PIPE; while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 2>/dev/null; done"},
		{"a single line too long to be a key", "head -c 70000 /dev/zero | tr '\\0' a"},
	}
	for _, tt := range tests {
		_, path := keyCmdConfig(t, tt.cmd, 0o600)
		cfg, err := loadConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cfg.Endpoints["gw"].key(context.Background(), envOf(nil))
		if err == nil || err.Error() != `the key_cmd of endpoint "gw" printed more than 64 KiB, so tok stopped it; make it print only the key` {
			t.Errorf("%s: key() error = %v, want the 64 KiB limit named", tt.name, err)
		}
	}
}

func TestKeyCmdThatHangsTimesOut(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("key_cmd runs sh")
	}
	// exec, so the timeout kills the command itself and no child holds the
	// pipes for WaitDelay.
	for _, cmd := range []string{"exec sleep 30", "exec yes >&2"} { // silent, or printing to stderr without end
		_, err := fileEndpoint{Name: "gw", KeyCmd: cmd}.runKeyCmd(context.Background(), 50*time.Millisecond)
		if err == nil || !strings.Contains(err.Error(), `the key_cmd of endpoint "gw" did not finish in 50ms; run it yourself to see why: `+cmd) {
			t.Errorf("%s: runKeyCmd() error = %v, want the timeout", cmd, err)
		}
	}
}

func TestCappedBufferKeepsItsCap(t *testing.T) {
	t.Parallel()
	stopped := 0
	tests := []struct {
		name     string
		b        *cappedBuffer
		wantErr  bool
		wantStop int
	}{
		{"draining", &cappedBuffer{max: 10}, false, 0},
		{"stopping", &cappedBuffer{max: 10, overflow: func() { stopped++ }}, true, 1},
	}
	for _, tt := range tests {
		var err error
		for range 5 {
			if _, err = tt.b.Write([]byte("0123456")); err != nil {
				break
			}
		}
		if tt.b.buf.String() != "0123456012" || !tt.b.over || (err != nil) != tt.wantErr || stopped != tt.wantStop {
			t.Errorf("%s: kept %q, over %v, err %v, stopped %d", tt.name, tt.b.buf.String(), tt.b.over, err, stopped)
		}
	}
}

func TestKeyEnvHoldingAKeyIsRefusedWithoutPrintingIt(t *testing.T) {
	t.Parallel()
	dir, _ := writeConfigFile(t, "[endpoints.x]\nprovider = \"openai\"\nkey_env = \"sk-proj-abcdefghijkl1234\"\n")
	stdout, stderr, err := runConfigCmd(t, map[string]string{"XDG_CONFIG_HOME": dir}, "show")
	if err == nil || !strings.Contains(err.Error(), "line 3: key_env in [endpoints.x] must name an environment variable") {
		t.Errorf("tok config show: %v, want key_env refused", err)
	}
	if err != nil && strings.Contains(stdout+stderr+err.Error(), "abcdefghijkl") {
		t.Errorf("the key shows: %s%s%v", stdout, stderr, err)
	}
}
