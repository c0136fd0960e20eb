package connector

import (
	"fmt"
	"hash/maphash"
	"strconv"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"
)

// ParseJSON parses one JSON value into the generic tree DecodeJSON gives:
// map[string]any, []any, string, bool, nil, and numbers as int64 when they
// are whole and fit, float64 otherwise (a number too large for float64
// stays its text). Every system answer is decoded this way, so it is one
// pass over the bytes with no reflection and no json.Number step: about a
// third of encoding/json's CPU. It accepts exactly what json.Valid accepts,
// and treats strings as encoding/json does (invalid UTF-8 and lone
// surrogates become U+FFFD); FuzzParseJSON holds it to both.
func ParseJSON(data []byte) (any, error) {
	p := parser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.data) {
		return nil, p.errorf("invalid character %q after top-level value", p.data[p.i])
	}
	return v, nil
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

type parser struct {
	data []byte
	i    int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("json: "+format+" at offset %d", append(args, p.i)...)
}

func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.data) {
		return nil, p.errorf("unexpected end of JSON input")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	default:
		return nil, p.errorf("invalid character %q looking for beginning of value", c)
	}
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.i < len(word) || string(p.data[p.i:p.i+len(word)]) != word {
		return p.errorf("invalid literal, want %q", word)
	}
	p.i += len(word)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("exceeded max depth")
	}
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return m, nil
	}
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.errorf("object key must be a string")
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.errorf("want ':' after object key")
		}
		p.i++
		p.space()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if more, err := p.next('}', "object key:value pair"); !more {
			return m, err
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("exceeded max depth")
	}
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if more, err := p.next(']', "array element"); !more {
			return a, err
		}
	}
}

// next reads what follows a member of an object or array: a comma (more
// to come) or the closing bracket.
func (p *parser) next(closing byte, member string) (more bool, err error) {
	p.space()
	if p.i >= len(p.data) {
		return false, p.errorf("unexpected end of JSON input")
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		p.space()
		return true, nil
	case closing:
		p.i++
		return false, nil
	}
	return false, p.errorf("invalid character %q after %s", p.data[p.i], member)
}

// number scans the JSON number grammar, then converts the text as
// NormalizeNumbers does.
func (p *parser) number() (any, error) {
	start, d := p.i, p.data
	whole := true
	if d[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(d) && d[p.i] == '0':
		p.i++
	case p.i < len(d) && d[p.i] >= '1' && d[p.i] <= '9':
		p.digits()
	default:
		return nil, p.errorf("invalid number")
	}
	if p.i < len(d) && d[p.i] == '.' {
		whole = false
		p.i++
		if !p.digits() {
			return nil, p.errorf("invalid number: want a digit after the decimal point")
		}
	}
	if p.i < len(d) && (d[p.i] == 'e' || d[p.i] == 'E') {
		whole = false
		p.i++
		if p.i < len(d) && (d[p.i] == '+' || d[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return nil, p.errorf("invalid number: want a digit in the exponent")
		}
	}
	text := string(d[start:p.i])
	if whole {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, nil
	}
	return text, nil
}

func (p *parser) digits() bool {
	start := p.i
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// str reads a string; the common case (no escapes, valid UTF-8) is one
// scan and one copy.
func (p *parser) str() (string, error) {
	p.i++ // "
	start, d := p.i, p.data
	ascii := true
	for p.i < len(d) {
		c := d[p.i]
		switch {
		case c == '"':
			s := d[start:p.i]
			p.i++
			if ascii || utf8.Valid(s) {
				return string(s), nil
			}
			return string(toValidUTF8(nil, s)), nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", p.errorf("invalid character %q in string literal", c)
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return "", p.errorf("unexpected end of JSON input")
}

// key reads an object key. The systems' answers repeat the same few dozen
// keys in every object, so a short plain key is taken from keyCache when
// it was seen before, rather than allocated again: a tenth of the
// allocations of decoding an answer.
func (p *parser) key() (string, error) {
	start, d := p.i+1, p.data
	for j := start; j < len(d) && j-start <= maxCachedKey; j++ {
		switch c := d[j]; {
		case c == '"':
			p.i = j + 1
			return cachedKey(d[start:j]), nil
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return p.str()
		}
	}
	return p.str()
}

// keyCache holds object keys by hash, the last one seen in each slot: it
// never grows, and a key that lost its slot is only allocated again.
var (
	keyCache [1024]atomic.Pointer[string]
	keySeed  = maphash.MakeSeed()
)

const maxCachedKey = 32

func cachedKey(b []byte) string {
	slot := &keyCache[maphash.Bytes(keySeed, b)%uint64(len(keyCache))]
	if k := slot.Load(); k != nil && *k == string(b) {
		return *k
	}
	k := string(b)
	slot.Store(&k)
	return k
}

// escaped finishes a string that holds an escape, from its first byte.
func (p *parser) escaped(start int) (string, error) {
	d := p.data
	b := toValidUTF8(make([]byte, 0, p.i-start+16), d[start:p.i])
	for p.i < len(d) {
		c := d[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.errorf("invalid character %q in string literal", c)
		case c == '\\':
			p.i++
			if p.i >= len(d) {
				return "", p.errorf("unexpected end of JSON input")
			}
			switch e := d[p.i]; {
			case unescape[e] != 0:
				b = append(b, unescape[e])
				p.i++
			case e == 'u':
				r, ok := hex4(d, p.i+1)
				if !ok {
					return "", p.errorf("invalid \\u escape in string literal")
				}
				p.i += 5
				if utf16.IsSurrogate(r) {
					// A pair makes one rune; a lone half is U+FFFD and
					// what follows it is read on its own.
					if p.i+1 < len(d) && d[p.i] == '\\' && d[p.i+1] == 'u' {
						if r2, ok := hex4(d, p.i+2); ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b = utf8.AppendRune(b, dec)
								p.i += 6
								break
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", p.errorf("invalid escape %q in string literal", e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(d[p.i:])
			b = utf8.AppendRune(b, r) // RuneError for an invalid byte, as encoding/json
			p.i += size
		}
	}
	return "", p.errorf("unexpected end of JSON input")
}

// unescape maps the byte after a backslash to what it stands for, but \u.
var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// toValidUTF8 appends s to b with each invalid byte replaced by U+FFFD,
// as encoding/json does (strings.ToValidUTF8 would merge runs of them).
func toValidUTF8(b, s []byte) []byte {
	for len(s) > 0 {
		if s[0] < utf8.RuneSelf {
			b = append(b, s[0])
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRune(s)
		b = utf8.AppendRune(b, r)
		s = s[size:]
	}
	return b
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
