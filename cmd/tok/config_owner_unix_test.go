//go:build unix

package main

import (
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
)

// ownedInfo is a file's mode and owner, all fileSafety reads.
type ownedInfo struct {
	fs.FileInfo
	mode fs.FileMode
	uid  int
}

func (f ownedInfo) Mode() fs.FileMode { return f.mode }
func (f ownedInfo) Sys() any          { return &syscall.Stat_t{Uid: uint32(f.uid)} }

func TestKeyCmdDoesNotRunFromAnotherUsersConfig(t *testing.T) {
	t.Parallel()
	me := os.Getuid()
	other := me + 1
	if me == 0 {
		other = 4242
	}
	tests := []struct {
		name string
		fi   ownedInfo
		want string
	}{
		{"mine", ownedInfo{mode: 0o600, uid: me}, ""},
		{"root's", ownedInfo{mode: 0o644, uid: 0}, ""},
		{"another user's", ownedInfo{mode: 0o600, uid: other}, "config /c/config.toml belongs to another user (uid "},
		{"another user's and writable", ownedInfo{mode: 0o666, uid: other}, "is writable by others (mode 0666)"},
	}
	for _, tt := range tests {
		got := fileSafety("/c/config.toml", tt.fi)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: fileSafety = %q, want %q", tt.name, got, tt.want)
		}
	}
}
