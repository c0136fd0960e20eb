package openai

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// maxSchemaDepth bounds recursion through $ref and nesting.
const maxSchemaDepth = 16

// instance builds a value valid against a JSON schema, choosing each value from a hash of the
// seed and the value's path, so a property's value does not change when siblings are added.
type instance struct {
	seed []byte
	root map[string]any
}

func (g *instance) hash(path string) []byte {
	h := sha256.New()
	h.Write(g.seed)
	h.Write([]byte{0})
	h.Write([]byte(path))
	return h.Sum(nil)
}

func (g *instance) pick(path string, n int) int {
	if n <= 1 {
		return 0
	}
	return int(binary.BigEndian.Uint64(g.hash(path)[:8]) % uint64(n))
}

func (g *instance) value(s map[string]any, path string, depth int) any {
	if depth > maxSchemaDepth {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		return g.value(g.resolve(ref), path, depth+1)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[g.pick(path+"#enum", len(enum))]
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if opts, ok := s[k].([]any); ok && len(opts) > 0 {
			for _, o := range opts {
				if om, ok := o.(map[string]any); ok && typeOf(om) != "null" {
					return g.value(om, path, depth+1)
				}
			}
			return nil
		}
	}
	switch typeOf(s) {
	case "object":
		return g.object(s, path, depth)
	case "array":
		return g.array(s, path, depth)
	case "string":
		return g.str(s, path)
	case "boolean":
		return g.hash(path)[0]&1 == 1
	case "integer":
		return g.integer(s, path)
	case "number":
		return g.number(s, path)
	default:
		if _, ok := s["properties"]; ok {
			return g.object(s, path, depth)
		}
		return nil
	}
}

func (g *instance) object(s map[string]any, path string, depth int) any {
	props, _ := s["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		ps, _ := props[k].(map[string]any)
		out[k] = g.value(ps, path+"."+k, depth+1)
	}
	return out
}

func (g *instance) array(s map[string]any, path string, depth int) any {
	lo := intKeyword(s, "minItems", 1)
	hi := intKeyword(s, "maxItems", lo+2)
	if hi < lo {
		hi = lo
	}
	n := lo + g.pick(path+"#len", hi-lo+1)
	items, _ := s["items"].(map[string]any)
	out := make([]any, n)
	for i := range out {
		out[i] = g.value(items, fmt.Sprintf("%s[%d]", path, i), depth+1)
	}
	return out
}

func (g *instance) str(s map[string]any, path string) string {
	h := hex.EncodeToString(g.hash(path)[:4])
	var v string
	switch s["format"] {
	case "date-time":
		v = fmt.Sprintf("2025-%02d-%02dT12:00:00Z", 1+g.pick(path+"#m", 12), 1+g.pick(path+"#d", 28))
	case "date":
		v = fmt.Sprintf("2025-%02d-%02d", 1+g.pick(path+"#m", 12), 1+g.pick(path+"#d", 28))
	case "email":
		v = "sim-" + h + "@example.com"
	case "uuid":
		x := hex.EncodeToString(g.hash(path)[:16])
		v = x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
	default:
		name := path[strings.LastIndexAny(path, ".[")+1:]
		name = strings.TrimSuffix(name, "]")
		if name == "" || name == "$" {
			name = "value"
		}
		v = "simulated " + name + " " + h
	}
	if maxLen := intKeyword(s, "maxLength", -1); maxLen >= 0 && len(v) > maxLen {
		v = v[:maxLen]
	}
	if minLen := intKeyword(s, "minLength", 0); len(v) < minLen {
		v += strings.Repeat("x", minLen-len(v))
	}
	return v
}

func (g *instance) integer(s map[string]any, path string) int64 {
	lo, hi := bounds(s, 0, 100)
	lo, hi = math.Ceil(lo), math.Floor(hi)
	if hi < lo {
		return int64(lo)
	}
	return int64(lo) + int64(g.pick(path, int(math.Min(hi-lo+1, 1<<30))))
}

func (g *instance) number(s map[string]any, path string) float64 {
	lo, hi := bounds(s, 0, 100)
	if hi <= lo {
		return lo
	}
	v := lo + float64(g.pick(path, 10001))/10000*(hi-lo)
	return math.Round(v*100) / 100
}

// bounds reads minimum/maximum (and exclusive ones, nudged inwards) with defaults.
func bounds(s map[string]any, defLo, defHi float64) (float64, float64) {
	lo, hasLo := num(s["minimum"])
	hi, hasHi := num(s["maximum"])
	if v, ok := num(s["exclusiveMinimum"]); ok {
		lo, hasLo = v+1, true
	}
	if v, ok := num(s["exclusiveMaximum"]); ok {
		hi, hasHi = v-1, true
	}
	switch {
	case !hasLo && !hasHi:
		return defLo, defHi
	case !hasLo:
		return math.Min(defLo, hi), hi
	case !hasHi:
		return lo, lo + (defHi - defLo)
	}
	return lo, hi
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

func intKeyword(s map[string]any, k string, def int) int {
	if f, ok := num(s[k]); ok {
		return int(f)
	}
	return def
}

// typeOf returns the schema's type; for a list such as ["string","null"], the first non-null.
func typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if str, ok := x.(string); ok && str != "null" {
				return str
			}
		}
		return "null"
	}
	return ""
}

func (g *instance) resolve(ref string) map[string]any {
	for _, prefix := range []string{"#/$defs/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok {
			defs, _ := g.root[strings.Trim(prefix[1:], "/")].(map[string]any)
			s, _ := defs[name].(map[string]any)
			return s
		}
	}
	if ref == "#" {
		return g.root
	}
	return nil
}

// checkStrict applies OpenAI's strict-mode rules: every object lists additionalProperties:false
// and requires all its properties. It returns the first violation, phrased like OpenAI does.
func checkStrict(s map[string]any, context string) string {
	if s == nil {
		return ""
	}
	if typeOf(s) == "object" || s["properties"] != nil {
		if ap, ok := s["additionalProperties"].(bool); !ok || ap {
			return fmt.Sprintf("In context=(%s), 'additionalProperties' is required to be supplied and to be false.", context)
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !slices.Contains(req, any(k)) {
				return fmt.Sprintf("In context=(%s), 'required' is required to be supplied and to be an array including every key in properties. Missing '%s'.", context, k)
			}
		}
		for _, k := range keys {
			ps, _ := props[k].(map[string]any)
			if msg := checkStrict(ps, join(context, "'properties', '"+k+"'")); msg != "" {
				return msg
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if msg := checkStrict(items, join(context, "'items'")); msg != "" {
			return msg
		}
	}
	for _, k := range []string{"anyOf", "$defs", "definitions"} {
		switch v := s[k].(type) {
		case []any:
			for i, o := range v {
				om, _ := o.(map[string]any)
				if msg := checkStrict(om, join(context, fmt.Sprintf("'%s', '%d'", k, i))); msg != "" {
					return msg
				}
			}
		case map[string]any:
			for name, o := range v {
				om, _ := o.(map[string]any)
				if msg := checkStrict(om, join(context, fmt.Sprintf("'%s', '%s'", k, name))); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

// parseSchema decodes a schema document; it must be a JSON object.
func parseSchema(raw json.RawMessage) (map[string]any, error) {
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil || s == nil {
		return nil, fmt.Errorf("schema must be a JSON object")
	}
	return s, nil
}
