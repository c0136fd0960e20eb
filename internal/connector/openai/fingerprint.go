package openai

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// fingerprintVersion is hashed first; change it when what goes in changes,
// so that no old fingerprint matches by accident.
const fingerprintVersion = "customer-sync-operator/openai-fingerprint/v1"

// Fingerprint is what decides that a customer need not be sent again: the
// hex SHA-256 of the compact JSON document
//
//	{"v": fingerprintVersion, "model": model, "prompt": req.Prompt,
//	 "schema": Schema(req.ResponseFields), "fields": UserMessage(req.Fields)}
//
// that is, of the model (trimmed; empty means DefaultModel), the system
// message and the user message exactly as Complete sends them, and the
// canonical response schema (so the order of the response fields and of
// their enum values does not count; their names, types, enums and
// descriptions do). The order of req.Fields counts, since it changes the
// message the model reads. Temperature, maxCompletionTokens, the endpoint
// and the Azure deployment are left out: they tune how the model answers,
// not what it is asked. The error is Complete's for the same request.
func Fingerprint(model string, req Request) (string, error) {
	p, err := prepare(req)
	if err != nil {
		return "", err
	}
	if model = strings.TrimSpace(model); model == "" {
		model = DefaultModel
	}
	doc, err := json.Marshal(struct {
		V      string          `json:"v"`
		Model  string          `json:"model"`
		Prompt string          `json:"prompt"`
		Schema json.RawMessage `json:"schema"`
		Fields json.RawMessage `json:"fields"`
	}{fingerprintVersion, model, p.prompt, p.schema.raw, json.RawMessage(p.user)})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:]), nil
}

// Fingerprint is the package's Fingerprint for the client's model.
func (c *Client) Fingerprint(req Request) (string, error) { return Fingerprint(c.model, req) }
