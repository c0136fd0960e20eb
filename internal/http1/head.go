package http1

import (
	"bufio"
	"io"
	"net/http"
	"net/textproto"
	"strings"
)

// readHead parses the common answer without http.ReadResponse: an
// HTTP/1.1 status line and plain "Key: value" headers, all already in the
// buffer, and a body framed by one Content-Length. It only looks at the
// buffered bytes (Peek) and consumes them only once it has accepted the
// whole head; anything else (a 1xx, a bodiless status or a HEAD request,
// chunked or close-delimited bodies, Connection headers, folded or unusual
// lines, a head longer than the buffer) returns false with the reader
// untouched, and http.ReadResponse parses it. FuzzReadHead holds it to
// ReadResponse's results wherever it accepts.
//
// It takes two thirds of ReadResponse's time and 6 of its 10 allocations
// (BenchmarkReadHead): one string holds the whole head, the keys and
// values are slices of it, and the body reads straight from the
// connection's buffer.
func readHead(br *bufio.Reader, req *http.Request) (*http.Response, bool) {
	buf, _ := br.Peek(br.Buffered())
	end := headEnd(buf)
	if end < 0 || req.Method == http.MethodHead {
		return nil, false
	}
	head := string(buf[:end])                     // one allocation for every key and value
	line, rest, ok := cutLine(head[:len(head)-2]) // the blank line ends the headers
	if !ok || len(line) < len("HTTP/1.1 200") || line[:len("HTTP/1.1 ")] != "HTTP/1.1 " {
		return nil, false
	}
	status := line[len("HTTP/1.1 "):]
	code := 0
	for i := range 3 {
		c := status[i]
		if c < '0' || c > '9' {
			return nil, false
		}
		code = code*10 + int(c-'0')
	}
	if len(status) > 3 && status[3] != ' ' || code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		return nil, false
	}
	if !validValue(status) {
		return nil, false
	}

	// Count the lines first, so that every value shares one backing array,
	// as textproto does.
	n := 0
	for i := 0; i < len(rest); i++ {
		if rest[i] == '\n' {
			n++
		}
	}
	h := make(http.Header, n)
	values := make([]string, n)
	length := int64(-1)
	for rest != "" {
		line, rest, ok = cutLine(rest)
		if !ok || line == "" {
			return nil, false
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || !validName(line[:colon]) {
			return nil, false
		}
		v := trimSpaceTab(line[colon+1:])
		if !validValue(v) {
			return nil, false
		}
		key := textproto.CanonicalMIMEHeaderKey(line[:colon])
		switch key {
		case "Transfer-Encoding", "Connection", "Trailer":
			return nil, false
		case "Content-Length":
			if length >= 0 {
				return nil, false // a second one: let the standard library judge
			}
			if length = parseLength(v); length < 0 {
				return nil, false
			}
		}
		if vv := h[key]; vv != nil {
			h[key] = append(vv, v)
		} else {
			vv, values = values[:1:1], values[1:]
			vv[0] = v
			h[key] = vv
		}
	}
	if length < 0 {
		return nil, false
	}
	// As ReadResponse does (net/http's fixPragmaCacheControl).
	if p := h["Pragma"]; len(p) > 0 && p[0] == "no-cache" {
		if _, ok := h["Cache-Control"]; !ok {
			h["Cache-Control"] = []string{"no-cache"}
		}
	}
	_, _ = br.Discard(end)
	resp := &http.Response{
		Status: status, StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: length, Request: req, Body: http.NoBody,
	}
	if length > 0 {
		resp.Body = &sizedBody{br: br, n: length}
	}
	return resp, true
}

// headEnd is the length of the head up to and including its blank line,
// or -1 when the buffer does not hold all of it.
func headEnd(b []byte) int {
	for i := 3; i < len(b); i++ {
		if b[i] == '\n' && b[i-1] == '\r' && b[i-2] == '\n' && b[i-3] == '\r' {
			return i + 1
		}
	}
	return -1
}

// cutLine splits off a line ending in CRLF; a bare LF is refused.
func cutLine(s string) (line, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			if i == 0 || s[i-1] != '\r' {
				return "", "", false
			}
			return s[:i-1], s[i+1:], true
		}
		if s[i] == '\r' && (i+1 >= len(s) || s[i+1] != '\n') {
			return "", "", false
		}
	}
	return "", "", false
}

func trimSpaceTab(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseLength accepts 1-18 decimal digits, nothing else.
func parseLength(s string) int64 {
	if s == "" || len(s) > 18 {
		return -1
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// sizedBody reads a Content-Length body from the connection's buffer, and
// reports io.EOF with its last bytes, as net/http's body does.
type sizedBody struct {
	br *bufio.Reader
	n  int64
}

func (b *sizedBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	k, err := b.br.Read(p)
	b.n -= int64(k)
	switch {
	case b.n == 0:
		return k, io.EOF
	case err == io.EOF:
		return k, io.ErrUnexpectedEOF
	}
	return k, err
}

func (b *sizedBody) Close() error { return nil }
