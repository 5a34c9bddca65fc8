package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestNewServeCmdParsesFlags(t *testing.T) {
	ios, _, _ := testStreams("")
	var got *serveOptions
	serve := newServeCmd(ios, func(_ context.Context, o *serveOptions) error { got = o; return nil })
	serve.SetArgs([]string{"--addr", "127.0.0.1:9999", "--replay", "testdata"})
	if err := serve.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Addr != "127.0.0.1:9999" || got.Replay != "testdata" {
		t.Errorf("options %+v", got)
	}
}

func TestServeListsEndpointsServesAndShutsDown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	pr, pw := io.Pipe()
	ios := &ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: pw}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, &serveOptions{IO: ios, Addr: addr}); pw.Close() }()

	lines := bufio.NewScanner(pr)
	var printed []string
	for lines.Scan() && !strings.Contains(lines.Text(), "/_stats") {
		printed = append(printed, lines.Text())
	}
	go io.Copy(io.Discard, pr)
	all := strings.Join(printed, "\n")
	for _, want := range []string{"listening on http://" + addr, "POST http://" + addr + "/v1/messages", "/api/chat/stream"} {
		if !strings.Contains(all, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, all)
		}
	}
	r := runTok(t, "", "--url", "http://"+addr+"/api/chat/stream", "-H", "X-Tok-Scenario: tokens=4,interval=0,first=0", "hi")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "## A demo") {
		t.Errorf("tok against tok serve: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tok serve did not shut down")
	}
}

func TestServeOnABusyPortSaysSo(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	r := runTok(t, "", "serve", "--addr", ln.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "address already in use; pick another with --addr") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
