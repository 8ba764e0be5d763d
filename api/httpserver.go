package api

import (
	"net/http"
	"time"
)

// Timeouts of the HTTP server a node serves its API with (HTTPServer).
const (
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, body included (the
	// largest is a FHIR document or a batch of 1,000 transactions).
	ReadTimeout = 60 * time.Second
	// WriteTimeout bounds a request from the end of its headers to the
	// end of its answer: longer than DefaultCommitTimeout, which a commit
	// request waits for. Commit streams lift it (CommitFeed).
	WriteTimeout = DefaultCommitTimeout + 60*time.Second
	// IdleTimeout closes a kept-alive connection that sends nothing.
	IdleTimeout = 120 * time.Second
)

// HTTPServer is the http.Server a node serves h with: every timeout set,
// so that a slow or stalled client cannot hold a connection forever. A
// server of a Server's routes MUST also call its CloseStreams when it
// shuts down (RegisterOnShutdown).
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout, WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout}
}
