package mapping

import (
	"maps"

	"github.com/customersync/customer-sync-operator/internal/customer"
)

// ApplyIPaaS returns a copy of an iPaaS.com customer document with a payload
// written into it, as iPaaS.com stores an update: standard fields replace,
// custom fields merge by name. The OpenAI flow uses it to know what the
// customer will look like after the answer is written back, so that the
// fingerprint it stores describes that state and the next sync of the
// unchanged customer does not call the model again.
func ApplyIPaaS(raw map[string]any, p customer.Payload) map[string]any {
	out := maps.Clone(raw)
	if out == nil {
		out = map[string]any{}
	}
	for name, v := range p.Fields {
		if json, ok := ipaasJSONNames[name]; ok {
			out[json] = v
		}
	}
	if len(p.CustomFields) == 0 {
		return out
	}
	var merged []any
	seen := map[string]bool{}
	if list, ok := out["custom_fields"].([]any); ok {
		for _, item := range list {
			f, ok := item.(map[string]any)
			if !ok {
				continue
			}
			name, _ := f["custom_field_name"].(string)
			if v, ok := p.CustomFields[name]; ok {
				f = map[string]any{"custom_field_name": name, "value": v}
				seen[name] = true
			}
			merged = append(merged, f)
		}
	}
	for _, name := range sortedKeys(p.CustomFields) {
		if !seen[name] {
			merged = append(merged, map[string]any{"custom_field_name": name, "value": p.CustomFields[name]})
		}
	}
	out["custom_fields"] = merged
	return out
}
