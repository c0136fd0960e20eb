package openai

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// ExpectedContent is the content the simulator answers for these messages and response format
// when no marker, canned answer or token limit interferes. Only system and user messages count,
// in order; every other role and request field is ignored.
//
//   - json_schema: a JSON document valid against the schema: enums pick a member, booleans and
//     numbers are drawn within their bounds, strings read "simulated <property> <8 hex>";
//     keys are sorted.
//   - json_object: {"answer":"simulated answer <8 hex>"}.
//   - text or no format: "Simulated answer <8 hex>."
func ExpectedContent(messages []Message, format *ResponseFormat) (string, error) {
	seed := Seed(messages)
	tag := hex.EncodeToString(seed[:4])
	if format == nil || format.Type == "" || format.Type == FormatText {
		return "Simulated answer " + tag + ".", nil
	}
	if format.Type == FormatJSONObject {
		return `{"answer":"simulated answer ` + tag + `"}`, nil
	}
	if format.Type != FormatJSONSchema || format.JSONSchema == nil {
		return "", fmt.Errorf("unsupported response_format type %q", format.Type)
	}
	schema, err := parseSchema(format.JSONSchema.Schema)
	if err != nil {
		return "", err
	}
	g := &instance{seed: seed, root: schema}
	b, err := simhttp.Marshal(g.value(schema, "$", 0))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// ExpectedJSON is ExpectedContent for the operator's usual request: one system message (the
// prompt), one user message (the customer fields as JSON) and a json_schema response format.
func ExpectedJSON(system, user string, schema []byte) (string, error) {
	return ExpectedContent([]Message{{Role: "system", Content: system}, {Role: "user", Content: user}},
		&ResponseFormat{Type: FormatJSONSchema, JSONSchema: &JSONSchema{Name: "answer", Schema: schema, Strict: true}})
}

// Seed is the SHA-256 of the system and user messages (role, NUL, content, NUL each), the root
// of every deterministic choice in an answer.
func Seed(messages []Message) []byte {
	h := sha256.New()
	for _, m := range messages {
		if m.Role != "system" && m.Role != "user" {
			continue
		}
		h.Write([]byte(m.Role))
		h.Write([]byte{0})
		h.Write([]byte(m.Content))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// CountTokens approximates a tokenizer deterministically: each run of letters and digits counts
// one token per 4 characters (rounded up), and every other non-space character counts one.
func CountTokens(s string) int {
	n, run := 0, 0
	flush := func() {
		n += (run + 3) / 4
		run = 0
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			run++
		case unicode.IsSpace(r):
			flush()
		default:
			flush()
			n++
		}
	}
	flush()
	return n
}

// ExpectedUsage is the usage the simulator reports: prompt tokens are 3 plus, per message,
// 3 plus CountTokens(content); completion tokens are CountTokens of the content or refusal
// (times n choices).
func ExpectedUsage(messages []Message, completion string, n int) Usage {
	if n < 1 {
		n = 1
	}
	p := 3
	for _, m := range messages {
		p += 3 + CountTokens(m.Content)
	}
	c := CountTokens(completion) * n
	return Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c}
}

// truncateTokens cuts s to the longest prefix of at most limit tokens.
func truncateTokens(s string, limit int) string {
	if CountTokens(s) <= limit {
		return s
	}
	lo, hi := 0, len(s)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if CountTokens(s[:mid]) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for lo > 0 && lo < len(s) && !utf8.RuneStart(s[lo]) {
		lo--
	}
	return s[:lo]
}

var errNoSchema = errors.New("response_format json_schema needs json_schema.schema")
