// Package openai simulates the OpenAI API as github.com/sashabaranov/go-openai v1.43 calls it
// (shared/docs/external-apis.md §3): POST /v1/chat/completions with a bearer key, and the Azure
// form POST /openai/deployments/{deployment}/chat/completions?api-version=... with an api-key
// header; POST /v1/responses (§3.1), whose prompt cache reports the instructions as cached input
// once a prompt_cache_key and instructions pair has been seen; and the Files and Batch APIs
// (§3.2): /v1/files, /v1/files/{id}/content, /v1/batches (create, list, get, cancel). A batch
// ends when it is read after BatchBehavior.Delay: completed, expired with only some lines
// answered, or failed; each line is answered by the same code as the direct call, so markers
// give per-line errors. Restricted keys (Options.RestrictedKeys) may call only the named routes.
//
// Answers are deterministic: the content is derived from a hash of the system and user messages
// and, with a json_schema response_format, is a JSON document valid against the schema.
// ExpectedContent and ExpectedJSON compute it, so tests can predict what the operator will write
// back. Markers in a prompt (MarkerRefusal, MarkerLength, ...) produce refusals, truncations,
// content filtering and API errors on demand.
package openai
