package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

// A source path is the sourceField of Field and LookupTranslation rules: keys
// joined by dots, array indexes in brackets, and keys that contain dots or
// brackets quoted in brackets:
//
//	email   loyalty_cards[0].id   Known To Film   custom_fields[0]["value"]

// segment is one step of a path: a map key, or a list index when isIndex.
type segment struct {
	key     string
	index   int
	isIndex bool
}

// parsePath splits a sourceField into segments; the error names the
// 1-based column of the problem.
func parsePath(s string) ([]segment, error) {
	if s == "" {
		return nil, fmt.Errorf("sourceField is empty")
	}
	var segs []segment
	i := 0
	expectKey := true // at the start or after a dot
	for i < len(s) {
		switch c := s[i]; {
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("sourceField %q: unclosed [ at column %d", s, i+1)
			}
			inner := s[i+1 : i+end]
			if len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0] {
				segs = append(segs, segment{key: inner[1 : len(inner)-1]})
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || inner[0] == '+' {
					return nil, fmt.Errorf("sourceField %q: [%s] at column %d is neither an index nor a quoted key", s, inner, i+1)
				}
				segs = append(segs, segment{index: n, isIndex: true})
			}
			i += end + 1
			expectKey = false
		case c == '.':
			if expectKey {
				return nil, fmt.Errorf("sourceField %q: empty key at column %d", s, i+1)
			}
			i++
			expectKey = true
			if i == len(s) {
				return nil, fmt.Errorf("sourceField %q ends with a dot", s)
			}
		default:
			if !expectKey {
				return nil, fmt.Errorf("sourceField %q: expected . or [ at column %d", s, i+1)
			}
			end := strings.IndexAny(s[i:], ".[")
			if end < 0 {
				end = len(s) - i
			}
			segs = append(segs, segment{key: s[i : i+end]})
			i += end
			expectKey = false
		}
	}
	return segs, nil
}

// resolvePath walks a record along segs. When the path does not exist it
// returns found=false and the prefix that was missing, for the message.
func resolvePath(root any, segs []segment) (v any, found bool, missing string) {
	cur := root
	var b strings.Builder
	for _, sg := range segs {
		if sg.isIndex {
			fmt.Fprintf(&b, "[%d]", sg.index)
			l, ok := cur.([]any)
			if !ok || sg.index >= len(l) {
				return nil, false, b.String()
			}
			cur = l[sg.index]
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(sg.key)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, b.String()
		}
		cur, ok = m[sg.key]
		if !ok {
			return nil, false, b.String()
		}
	}
	return cur, true, ""
}
