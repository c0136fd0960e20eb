package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// parsed is an answer read to the end of its body.
type parsed struct {
	resp *http.Response
	body []byte
	err  error
	rest []byte // what is left for the next answer
}

// parseWith parses raw with readHead (fast) or http.ReadResponse and reads
// the body to its end; false when readHead declines.
func parseWith(raw []byte, req *http.Request, fast bool) (parsed, bool) {
	br := bufio.NewReaderSize(bytes.NewReader(raw), 4<<10)
	if _, err := br.Peek(1); err != nil {
		return parsed{err: err}, !fast
	}
	var p parsed
	if fast {
		resp, ok := readHead(br, req)
		if !ok {
			return parsed{}, false
		}
		p.resp = resp
	} else {
		p.resp, p.err = http.ReadResponse(br, req)
		if p.err != nil {
			return p, true
		}
	}
	p.body, p.err = io.ReadAll(p.resp.Body)
	p.rest, _ = io.ReadAll(br)
	return p, true
}

func checkHead(t *testing.T, raw []byte, method string) (accepted bool) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://example.com/x", nil)
	fast, ok := parseWith(raw, req, true)
	if !ok {
		return false
	}
	std, _ := parseWith(raw, req, false)
	if std.err != nil && std.resp == nil {
		t.Fatalf("readHead accepted what ReadResponse refuses (%v): %q", std.err, raw)
	}
	f, s := fast.resp, std.resp
	if f.Status != s.Status || f.StatusCode != s.StatusCode || f.Proto != s.Proto || f.ProtoMajor != s.ProtoMajor ||
		f.ProtoMinor != s.ProtoMinor || f.ContentLength != s.ContentLength || f.Close != s.Close ||
		!reflect.DeepEqual(f.Header, s.Header) || (f.Body == http.NoBody) != (s.Body == http.NoBody) {
		t.Fatalf("%q:\nreadHead     %d %q %s %d close=%v %v\nReadResponse %d %q %s %d close=%v %v", raw,
			f.StatusCode, f.Status, f.Proto, f.ContentLength, f.Close, f.Header,
			s.StatusCode, s.Status, s.Proto, s.ContentLength, s.Close, s.Header)
	}
	if !bytes.Equal(fast.body, std.body) || (fast.err == nil) != (std.err == nil) || !bytes.Equal(fast.rest, std.rest) {
		t.Fatalf("%q: body %q (%v) rest %q, ReadResponse's %q (%v) rest %q", raw, fast.body, fast.err, fast.rest, std.body, std.err, std.rest)
	}
	return true
}

var headSeeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
	"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Ratelimit-Remaining: 3\r\nx-request-id: req_1\r\n\r\n{}next",
	"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Length: 3\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nabc",
	"HTTP/1.1 200\r\nContent-Length: 5\r\nPragma: no-cache\r\n\r\nhello",
	"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	"HTTP/1.1 200 OK\r\nEmpty:\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length:  007 \t\r\n\r\n1234567",
	// The standard library's: each of these is refused by readHead.
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\n\r\nclose-delimited",
	"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
	"HTTP/1.1 200 OK\r\nFolded: a\r\n b\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
	"HTTP/1.1 200 OK\r\nBad Key: v\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nNul: a\x00b\r\n\r\nx",
}

// The fast path gives ReadResponse's answer for every common head and
// leaves the rest to it.
func TestReadHeadMatchesReadResponse(t *testing.T) {
	accepted := 0
	for i, raw := range headSeeds {
		ok := checkHead(t, []byte(raw), http.MethodGet)
		if ok {
			accepted++
		}
		if wantFast := i < 8; ok != wantFast {
			t.Errorf("%q: accepted %v, want %v", raw, ok, wantFast)
		}
	}
	if checkHead(t, []byte(headSeeds[0]), http.MethodHead) {
		t.Error("a HEAD request's answer took the fast path")
	}
	// A head longer than what is buffered goes to ReadResponse, which reads on.
	long := "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("a", 5000) + "\r\nContent-Length: 1\r\n\r\nx"
	if checkHead(t, []byte(long), http.MethodGet) {
		t.Error("a head longer than the buffer took the fast path")
	}
}

func FuzzReadHead(f *testing.F) {
	for _, s := range headSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkHead(t, raw, http.MethodGet) })
}

func BenchmarkReadHead(b *testing.B) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Tue, 01 Dec 2026 23:00:00 GMT\r\nContent-Length: 420\r\n\r\n" + strings.Repeat("x", 420))
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/x", nil)
	r := bytes.NewReader(raw)
	br := bufio.NewReaderSize(r, 4<<10)
	buf := make([]byte, 421)
	for _, fast := range []bool{true, false} {
		name := map[bool]string{true: "readHead", false: "ReadResponse"}[fast]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(raw)
				br.Reset(r)
				_, _ = br.Peek(1)
				var resp *http.Response
				if fast {
					resp, _ = readHead(br, req)
				} else {
					resp, _ = http.ReadResponse(br, req)
				}
				_, _ = io.ReadFull(resp.Body, buf)
				_ = resp.Body.Close()
			}
		})
	}
}
