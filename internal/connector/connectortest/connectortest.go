// Package connectortest helps connector tests prove that no secret leaks:
// a logger that keeps every line at every verbosity, and a check that a
// set of texts holds none of a set of secrets.
package connectortest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

// TB is the part of testing.TB the helpers use.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// LogCapture records every log line, V(1) and deeper included.
type LogCapture struct {
	mu    sync.Mutex
	lines []string
}

// Logger returns a logger that writes into the capture.
func (c *LogCapture) Logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		c.mu.Lock()
		c.lines = append(c.lines, prefix+" "+args)
		c.mu.Unlock()
	}, funcr.Options{Verbosity: 10})
}

// Lines returns the lines logged so far.
func (c *LogCapture) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// AssertNoSecrets fails for every text that contains one of the secrets
// (secrets shorter than 4 bytes are skipped as too common to search for).
func AssertNoSecrets(t TB, texts []string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		for _, txt := range texts {
			if strings.Contains(txt, s) {
				t.Errorf("secret %q... leaked into %q", s[:4], txt)
			}
		}
	}
}

// TokenRecorder is a RoundTripper that remembers every bearer token sent
// through it and every "*_token" string field of a JSON response, so a
// test can search for tokens it never sees otherwise.
type TokenRecorder struct {
	Base http.RoundTripper

	mu     sync.Mutex
	tokens map[string]bool
}

// RoundTrip records the bearer token and sends the request on.
func (r *TokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer "); ok {
		r.mu.Lock()
		if r.tokens == nil {
			r.tokens = map[string]bool{}
		}
		r.tokens[tok] = true
		r.mu.Unlock()
	}
	base := r.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) == nil {
		r.mu.Lock()
		if r.tokens == nil {
			r.tokens = map[string]bool{}
		}
		for k, v := range doc {
			if s, ok := v.(string); ok && strings.HasSuffix(k, "_token") && s != "" {
				r.tokens[s] = true
			}
		}
		r.mu.Unlock()
	}
	return resp, nil
}

// Tokens returns the distinct bearer tokens seen.
func (r *TokenRecorder) Tokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.tokens))
	for t := range r.tokens {
		out = append(out, t)
	}
	return out
}
