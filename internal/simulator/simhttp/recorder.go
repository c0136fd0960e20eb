package simhttp

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRecordLimit is how many recent requests a Recorder keeps when not told otherwise.
const DefaultRecordLimit = 256

// maxRecordedBody caps the body kept per recorded request.
const maxRecordedBody = 64 << 10

// Request is one request as the simulator received it, with secrets redacted.
type Request struct {
	Time    time.Time   `json:"time"`
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Query   string      `json:"query,omitempty"`
	Pattern string      `json:"pattern"`
	Header  http.Header `json:"header"`
	Body    string      `json:"body,omitempty"`
}

// Recorder counts requests per route and keeps the last few, so tests can assert that a call
// was (or was not) made and what it carried.
type Recorder struct {
	total atomic.Int64

	mu     sync.Mutex
	counts map[string]int64
	ring   []Request
	next   int
	full   bool
}

// NewRecorder keeps the last limit requests (DefaultRecordLimit when limit <= 0).
func NewRecorder(limit int) *Recorder {
	if limit <= 0 {
		limit = DefaultRecordLimit
	}
	return &Recorder{counts: map[string]int64{}, ring: make([]Request, limit)}
}

// Wrap records each request to next under pattern before next sees it.
func (rc *Recorder) Wrap(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := Request{
			Time: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Pattern: pattern, Header: r.Header, // redacted when read: cloning here would cost every request
		}
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody))
			if err == nil {
				r.Body = io.NopCloser(bytes.NewReader(b))
				if len(b) > maxRecordedBody {
					b = b[:maxRecordedBody]
				}
				rec.Body = string(b)
			}
		}
		rc.add(rec)
		next.ServeHTTP(w, r)
	})
}

func (rc *Recorder) add(r Request) {
	rc.total.Add(1)
	rc.mu.Lock()
	rc.counts[r.Pattern]++
	rc.ring[rc.next] = r
	rc.next++
	if rc.next == len(rc.ring) {
		rc.next, rc.full = 0, true
	}
	rc.mu.Unlock()
}

// Count is the number of API requests received since the last Reset, faulted or not.
func (rc *Recorder) Count() int64 { return rc.total.Load() }

// CountFor is the number of requests received on one route pattern, e.g.
// "GET /api/v1/ipaas/customers/{id}".
func (rc *Recorder) CountFor(pattern string) int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.counts[pattern]
}

// Counts returns the per-pattern counts.
func (rc *Recorder) Counts() map[string]int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make(map[string]int64, len(rc.counts))
	for k, v := range rc.counts {
		out[k] = v
	}
	return out
}

// Last returns up to n most recent requests, oldest first; n <= 0 returns all kept.
func (rc *Recorder) Last(n int) []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	size := rc.next
	if rc.full {
		size = len(rc.ring)
	}
	if n <= 0 || n > size {
		n = size
	}
	out := make([]Request, 0, n)
	for i := n; i > 0; i-- {
		r := rc.ring[(rc.next-i+len(rc.ring))%len(rc.ring)]
		r.Header = redact(r.Header)
		out = append(out, r)
	}
	return out
}

// Reset forgets counts and recorded requests.
func (rc *Recorder) Reset() {
	rc.mu.Lock()
	rc.total.Store(0)
	rc.counts = map[string]int64{}
	clear(rc.ring)
	rc.next, rc.full = 0, false
	rc.mu.Unlock()
}

var secretHeaders = []string{"Authorization", "Api-Key", "X-Api-Key", "Cookie", "Proxy-Authorization"}

// redact copies h with credentials masked, keeping the scheme so tests can see which auth was used.
func redact(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range secretHeaders {
		vs := out[k]
		for i, v := range vs {
			if scheme, _, ok := cutSpace(v); ok {
				vs[i] = scheme + " <redacted>"
			} else {
				vs[i] = "<redacted>"
			}
		}
	}
	return out
}

func cutSpace(s string) (before, after string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
