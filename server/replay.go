package server

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// serveReplay serves ReplayDir/NAME.sse as a stream, written in chunks of
// ?chunk=N bytes with ?delay=MS between them (default: whole, at once), so
// framing can be tested through real proxies.
func (s *Server) serveReplay(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ReplayDir == "" {
		http.Error(w, "no replay directory: start tok serve with --replay DIR", http.StatusNotFound)
		return
	}
	name := r.PathValue("name")
	if !filepath.IsLocal(name) || filepath.Base(name) != name {
		http.Error(w, "bad transcript name", http.StatusBadRequest)
		return
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.ReplayDir, name+".sse"))
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "no transcript "+name+".sse in "+s.cfg.ReplayDir, http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	chunk, delay, err := replayPace(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sc, err := scenarioOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	streamHeaders(w.Header())
	fw := s.newFrameWriter(w, sc)
	for len(b) > 0 {
		n := min(chunk, len(b))
		if fw.write(b[:n]) != nil {
			return
		}
		b = b[n:]
		if len(b) > 0 && delay > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(delay):
			}
		}
	}
	fw.close()
}

func replayPace(r *http.Request) (chunk int, delay time.Duration, err error) {
	q := r.URL.Query()
	chunk = 1 << 30
	if v := q.Get("chunk"); v != "" {
		if chunk, err = strconv.Atoi(v); err != nil || chunk < 1 {
			return 0, 0, errors.New("chunk must be a positive number of bytes")
		}
	}
	if v := q.Get("delay"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 {
			return 0, 0, errors.New("delay must be a number of milliseconds")
		}
		delay = time.Duration(ms) * time.Millisecond
	}
	return chunk, delay, nil
}
