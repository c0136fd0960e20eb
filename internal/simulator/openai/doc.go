// Package openai simulates the OpenAI chat completions API, as github.com/sashabaranov/go-openai
// v1.43 calls it (shared/docs/external-apis.md §3): POST /v1/chat/completions with a bearer key,
// and the Azure form POST /openai/deployments/{deployment}/chat/completions?api-version=... with
// an api-key header.
//
// Answers are deterministic: the content is derived from a hash of the system and user messages
// and, with a json_schema response_format, is a JSON document valid against the schema.
// ExpectedContent and ExpectedJSON compute it, so tests can predict what the operator will write
// back. Markers in a prompt (MarkerRefusal, MarkerLength, ...) produce refusals, truncations,
// content filtering and API errors on demand.
package openai
