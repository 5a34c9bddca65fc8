package server

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// Defaults of [Config]: the time a client has to send a request's body,
// and to take each write of a stream.
const (
	BodyTimeout  = 10 * time.Second
	WriteTimeout = 30 * time.Second
)

// maxBody is the largest request body the server reads; larger is a 413.
const maxBody = 1 << 20

// Limits of the connection that [Server.HTTPServer] sets.
const (
	headerTimeout = 10 * time.Second
	idleTimeout   = 60 * time.Second
	maxHeader     = 64 << 10
)

// HTTPServer returns an http.Server for s with the limits a server facing
// a network needs: a request's headers within 10 s and 64 KiB (larger is
// Go's 431), an idle keep-alive connection closed after 60 s. It sets no
// ReadTimeout or WriteTimeout, which would cut long streams: s bounds the
// reading of a body itself, and each write of a stream.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{Handler: s, ReadHeaderTimeout: headerTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeader}
}

// body reads a POST's JSON body, within its bounds of size and time.
func (s *Server) body(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.Method != http.MethodPost {
		return nil, nil
	}
	if e := checkJSON(r); e != nil {
		return nil, e
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &apiError{http.StatusRequestEntityTooLarge, "request_too_large", "the request body is over 1 MiB"}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, &apiError{http.StatusRequestTimeout, "invalid_request_error", "the request body did not arrive within " + s.cfg.BodyTimeout.String()}
	case err != nil:
		return nil, &apiError{http.StatusBadRequest, "invalid_request_error", "could not read the request body: " + err.Error()}
	}
	http.NewResponseController(w).SetReadDeadline(time.Time{})
	return body, nil
}
