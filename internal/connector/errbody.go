package connector

import (
	"encoding/json"
	"fmt"
	"github.com/customersync/customer-sync-operator/internal/text"
	"strings"
)

// maxMessage caps a vendor message kept in an error; statuses stay small.
const maxMessage = 512

// ParseErrorBody reads the error bodies of the systems we know, tolerantly:
//
//	99minds:   {"code": 422, "message": "email is required"}
//	iPaaS.com: {"title": "...", "status": 400, "detail": "...", "errors": {"field": ["msg", ...]}}
//	OpenAI:    {"error": {"message", "type", "param", "code"}}
//
// Anything else (HTML from a proxy, plain text) yields no detail: undocumented
// text is never depended on, nor copied into statuses.
func ParseErrorBody(body []byte) ErrorDetail {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return ErrorDetail{}
	}
	var d ErrorDetail
	if raw, ok := doc["error"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil {
			d.Message = stringOf(inner["message"])
			d.Code = stringOf(inner["code"])
			if d.Code == "" {
				d.Code = stringOf(inner["type"])
			}
			if p := stringOf(inner["param"]); p != "" && d.Message != "" {
				d.FieldErrors = map[string][]string{p: {d.Message}}
			}
		} else {
			d.Message = stringOf(raw)
		}
	}
	if d.Message == "" {
		d.Message = stringOf(doc["message"])
	}
	if d.Message == "" { // a problem body: the detail says more than the title
		d.Message = stringOf(doc["detail"])
	}
	if d.Message == "" {
		d.Message = stringOf(doc["title"])
	}
	if raw, ok := doc["errors"]; ok {
		if fe := fieldErrors(raw); len(fe) > 0 {
			d.FieldErrors = fe
		}
	}
	d.Message = clip(d.Message)
	return d
}

// fieldErrors reads {"field": ["msg"]} or {"field": "msg"}.
func fieldErrors(raw json.RawMessage) map[string][]string {
	var multi map[string][]string
	if json.Unmarshal(raw, &multi) == nil {
		return clipAll(multi)
	}
	var single map[string]string
	if json.Unmarshal(raw, &single) == nil {
		out := make(map[string][]string, len(single))
		for k, v := range single {
			out[k] = []string{v}
		}
		return clipAll(out)
	}
	return nil
}

func clipAll(m map[string][]string) map[string][]string {
	for k, vs := range m {
		for i := range vs {
			vs[i] = clip(vs[i])
		}
		m[k] = vs
	}
	return m
}

// stringOf reads a JSON string or number as text ("" for anything else).
func stringOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return text.Truncate(s, maxMessage+len(text.Ellipsis)) + fmt.Sprintf(" (%d bytes)", len(s))
}
