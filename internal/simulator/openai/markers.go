package openai

import "strings"

// Markers that, found in any message, make the simulator misbehave on purpose.
const (
	// MarkerRefusal: message.refusal is set, content is null, finish_reason "stop".
	MarkerRefusal = "SIMULATE_REFUSAL"
	// MarkerLength: finish_reason "length", content cut to its first half (invalid JSON).
	MarkerLength = "SIMULATE_LENGTH"
	// MarkerContentFilter: finish_reason "content_filter", content null.
	MarkerContentFilter = "SIMULATE_CONTENT_FILTER"
	// MarkerInvalidJSON: finish_reason "stop" but the content is not JSON.
	MarkerInvalidJSON = "SIMULATE_INVALID_JSON"
	// MarkerRateLimit: 429 rate_limit_exceeded with retry-after and x-ratelimit-* headers.
	MarkerRateLimit = "SIMULATE_RATE_LIMIT"
	// MarkerInsufficientQuota: 429 insufficient_quota (not retryable).
	MarkerInsufficientQuota = "SIMULATE_INSUFFICIENT_QUOTA"
	// MarkerServerError: 500 server_error.
	MarkerServerError = "SIMULATE_SERVER_ERROR"
)

// RefusalText is the refusal MarkerRefusal produces.
const RefusalText = "I'm sorry, but I can't help with that request."

// InvalidJSONText is the content MarkerInvalidJSON produces.
const InvalidJSONText = "Sure! Here is the answer you asked for: {comment: not json"

func hasMarker(msgs []Message, marker string) bool {
	for _, m := range msgs {
		if strings.Contains(m.Content, marker) {
			return true
		}
	}
	return false
}
