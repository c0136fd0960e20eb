package cli

import (
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// nodeAt is the node of a field path (spec.addRules[3].formula) in a
// document, or the deepest one that exists, so that every problem has a
// line to point at.
func nodeAt(n *yamlv3.Node, path string) *yamlv3.Node {
	for _, seg := range splitPath(path) {
		next := child(n, seg)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// splitPath splits "spec.addRules[3].formula" into spec, addRules, [3],
// formula.
func splitPath(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		for part != "" {
			i := strings.IndexByte(part, '[')
			switch {
			case i < 0:
				out, part = append(out, part), ""
			case i > 0:
				out, part = append(out, part[:i]), part[i:]
			default:
				j := strings.IndexByte(part, ']')
				if j < 0 {
					return append(out, part)
				}
				out, part = append(out, part[:j+1]), part[j+1:]
			}
		}
	}
	return out
}

func child(n *yamlv3.Node, seg string) *yamlv3.Node {
	if strings.HasPrefix(seg, "[") {
		i, err := strconv.Atoi(strings.Trim(seg, "[]"))
		if err != nil || n.Kind != yamlv3.SequenceNode || i < 0 || i >= len(n.Content) {
			return nil
		}
		return n.Content[i]
	}
	if n.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == seg {
			return n.Content[i+1]
		}
	}
	return nil
}

// formulaNode is the scalar holding the CEL text of a compile error's
// path: a rule's formula, an error filter's expression, or spec.filter.
func formulaNode(doc *yamlv3.Node, path string) (*yamlv3.Node, string) {
	for _, p := range []string{path + ".formula", path + ".expression", path} {
		if n := nodeAt(doc, p); n != nil && n.Kind == yamlv3.ScalarNode && n == exactNode(doc, p) {
			return n, p
		}
	}
	return nil, ""
}

// exactNode is the node of the path, or nil when part of it is missing.
func exactNode(n *yamlv3.Node, path string) *yamlv3.Node {
	for _, seg := range splitPath(path) {
		if n = child(n, seg); n == nil {
			return nil
		}
	}
	return n
}

// positionIn maps a 1-based line and column inside a scalar's value to
// the file, whose lines are given. A block scalar's value starts on the
// line after its | or > indicator, indented; a folded one (>) joins its
// lines with spaces, so one formula line may span several file lines. A
// one-line flow scalar is on its node's line (one column further for a
// quote).
func positionIn(n *yamlv3.Node, lines []string, line, col int) (int, int) {
	switch n.Style {
	case yamlv3.LiteralStyle, yamlv3.FoldedStyle:
		return blockPosition(n, lines, line, col)
	case yamlv3.DoubleQuotedStyle, yamlv3.SingleQuotedStyle:
		if line == 1 {
			return n.Line, n.Column + col
		}
	default:
		if line == 1 {
			return n.Line, n.Column + col - 1
		}
	}
	return n.Line, n.Column
}

func blockPosition(n *yamlv3.Node, lines []string, line, col int) (int, int) {
	indent := -1
	celLine, offset, prevText := 1, 0, false
	for i := n.Line; i < len(lines); i++ { // lines[n.Line] is the line after the indicator
		raw := lines[i]
		text := strings.TrimLeft(raw, " ")
		if text == "" {
			celLine, offset, prevText = celLine+1, 0, false
			continue
		}
		lead := len(raw) - len(text)
		if indent < 0 {
			indent = lead
		}
		if lead < indent {
			break // the next key
		}
		text = raw[indent:]
		if n.Style == yamlv3.LiteralStyle {
			if celLine == line {
				return i + 1, indent + col
			}
			celLine++
			continue
		}
		if prevText {
			offset++ // the space that folding put here
		}
		if celLine == line && col <= offset+len(text) {
			return i + 1, indent + max(col-offset, 1)
		}
		offset += len(text)
		prevText = true
	}
	return n.Line, n.Column
}
