// Package openai asks an OpenAI chat model (or Azure OpenAI, or any
// compatible server) for one customer's structured answer, through
// github.com/sashabaranov/go-openai and the shared connector transport
// (contract: shared/docs/external-apis.md §3; guide: docs/openai.md).
//
// One Complete call sends the mapping's prompt as the system message and
// only the mapped customer fields, as one JSON object, as the user message,
// with a strict json_schema response format built from the mapping's
// response fields. The answer is checked against that schema before it is
// returned, so the response mapping never reads a property it did not ask
// for. Refusals, truncated or filtered answers and schema violations are
// permanent *AnswerError values (see Reason); HTTP failures are the shared
// *connector.Error classes. Fingerprint lets the caller skip a call whose
// inputs did not change.
package openai
