package openai

import (
	"encoding/json"
	"errors"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/customersync/customer-sync-operator/internal/connector"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Answer is the model's answer for one customer.
type Answer struct {
	// Fields is the answer, checked against the response schema: one value
	// per response field (string, bool, int64 or float64). Nil when the
	// answer was unusable.
	Fields map[string]any
	// Usage is what the call was billed, also when the answer was unusable.
	Usage Usage
	// Model is the model that answered, as the server names it.
	Model string
	// FinishReason is choices[0].finish_reason ("stop", "length", ...).
	FinishReason string
}

// Usage is the token accounting of one call. CachedPromptTokens is the
// part of PromptTokens read from OpenAI's prompt cache.
type Usage struct {
	PromptTokens, CachedPromptTokens, CompletionTokens, TotalTokens int
}

// Reason says why an answer the server returned could not be used.
type Reason string

// The reasons of an AnswerError. All are permanent: asking again with the
// same prompt and fields gets the same kind of answer.
const (
	// ReasonRefused: message.refusal was set instead of content.
	ReasonRefused Reason = v1alpha1.ReasonRefused
	// ReasonTruncated: finish_reason "length", the token limit cut it off.
	ReasonTruncated Reason = v1alpha1.ReasonTruncated
	// ReasonContentFiltered: finish_reason "content_filter".
	ReasonContentFiltered Reason = v1alpha1.ReasonContentFiltered
	// ReasonInvalidAnswer: no choice, no content, not JSON, or JSON that
	// violates the response schema.
	ReasonInvalidAnswer Reason = v1alpha1.ReasonInvalidAnswer
)

// Sentinels for errors.Is, one per Reason.
var (
	ErrRefused         = errors.New("the model refused to answer")
	ErrTruncated       = errors.New("the answer was cut off")
	ErrContentFiltered = errors.New("the content filter withheld the answer")
	ErrInvalidAnswer   = errors.New("the answer does not match the response schema")
)

var reasonSentinel = map[Reason]error{
	ReasonRefused: ErrRefused, ReasonTruncated: ErrTruncated,
	ReasonContentFiltered: ErrContentFiltered, ReasonInvalidAnswer: ErrInvalidAnswer,
}

// AnswerError is a 2xx answer that cannot be used. It wraps a permanent
// *connector.Error of kind BadResponse whose Code is the Reason, so
// connector.Classify, KindOf and errors.Is(err, connector.ErrPermanent)
// work as for any connector error, and matches the Reason's sentinel
// (errors.Is(err, ErrRefused)). Its text says what to change and never
// holds the prompt, the customer's fields or the model's words.
type AnswerError struct {
	Reason Reason
	Err    *connector.Error
}

// Error is the connector error's text.
func (e *AnswerError) Error() string { return e.Err.Error() }

// Unwrap exposes the connector error.
func (e *AnswerError) Unwrap() error { return e.Err }

// Is matches the sentinel of the Reason.
func (e *AnswerError) Is(target error) bool { return reasonSentinel[e.Reason] == target }

// ReasonOf returns the Reason of an *AnswerError in err's chain, or "".
func ReasonOf(err error) Reason {
	var ae *AnswerError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return ""
}

// What the caller can do about each reason.
var reasonAdvice = map[Reason]string{
	ReasonRefused:         "the model refused to answer; change the prompt or the fields sent",
	ReasonTruncated:       "the answer was cut off at the token limit (finish_reason length); raise openAI.maxCompletionTokens or ask for a shorter answer",
	ReasonContentFiltered: "the content filter withheld the answer (finish_reason content_filter); change the prompt or the fields sent",
	ReasonInvalidAnswer:   "the answer does not match the response schema",
}

func (c *Client) answerError(r Reason, detail string) *AnswerError {
	msg := reasonAdvice[r]
	if detail != "" {
		msg += ": " + detail
	}
	if r == ReasonInvalidAnswer {
		msg += "; make the prompt ask for exactly openAI.responseFields, or use a model that supports structured outputs"
	}
	return &AnswerError{Reason: r, Err: &connector.Error{
		System: System, Operation: OperationComplete, Request: c.callLine,
		Class: connector.Permanent, Kind: connector.KindBadResponse, Code: string(r), Message: msg,
	}}
}

// read turns a response into an Answer. An unusable answer returns both
// the Answer (usage, model, finish reason; no fields) and an *AnswerError.
func (c *Client) read(resp goopenai.ChatCompletionResponse, sc *schema) (*Answer, error) {
	a := &Answer{Model: resp.Model, Usage: Usage{
		PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, TotalTokens: resp.Usage.TotalTokens,
	}}
	if d := resp.Usage.PromptTokensDetails; d != nil {
		a.Usage.CachedPromptTokens = d.CachedTokens
	}
	if len(resp.Choices) == 0 {
		return a, c.answerError(ReasonInvalidAnswer, "the response has no choices")
	}
	ch := resp.Choices[0]
	a.FinishReason = string(ch.FinishReason)
	switch {
	case strings.TrimSpace(ch.Message.Refusal) != "":
		return a, c.answerError(ReasonRefused, "")
	case ch.FinishReason == goopenai.FinishReasonContentFilter:
		return a, c.answerError(ReasonContentFiltered, "")
	case ch.FinishReason == goopenai.FinishReasonLength:
		return a, c.answerError(ReasonTruncated, "")
	case ch.FinishReason != goopenai.FinishReasonStop && ch.FinishReason != goopenai.FinishReasonNull && ch.FinishReason != "":
		return a, c.answerError(ReasonInvalidAnswer, "finish_reason is "+quoteReason(ch.FinishReason))
	case strings.TrimSpace(ch.Message.Content) == "":
		return a, c.answerError(ReasonInvalidAnswer, "the answer is empty")
	}
	fields, problems := sc.check(ch.Message.Content)
	if len(problems) > 0 {
		return a, c.answerError(ReasonInvalidAnswer, strings.Join(problems, "; "))
	}
	a.Fields = fields
	return a, nil
}

// readResponse turns a Responses API answer into an Answer, as read does a
// chat completion: incomplete for max_output_tokens is Truncated, for
// content_filter ContentFiltered; a refusal part is Refused.
func (c *Client) readResponse(resp goopenai.CreateResponseResponse, sc *schema) (*Answer, error) {
	a := &Answer{Model: resp.Model, FinishReason: string(resp.Status)}
	if u := resp.Usage; u != nil {
		a.Usage = Usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
		if u.InputTokensDetails != nil {
			a.Usage.CachedPromptTokens = u.InputTokensDetails.CachedTokens
		}
	}
	var text strings.Builder
	for _, raw := range resp.Output {
		b, err := json.Marshal(raw)
		if err != nil {
			continue
		}
		var item goopenai.ResponseOutputItem
		if json.Unmarshal(b, &item) != nil || item.Type != "message" {
			continue
		}
		for _, part := range item.Content {
			switch part.Type {
			case "refusal":
				return a, c.answerError(ReasonRefused, "")
			case "output_text":
				text.WriteString(part.Text)
			}
		}
	}
	switch {
	case resp.Status == goopenai.ResponseStatusIncomplete && resp.IncompleteDetails != nil && resp.IncompleteDetails.Reason == "content_filter":
		return a, c.answerError(ReasonContentFiltered, "")
	case resp.Status == goopenai.ResponseStatusIncomplete:
		return a, c.answerError(ReasonTruncated, "")
	case resp.Status != goopenai.ResponseStatusCompleted && resp.Status != "":
		return a, c.answerError(ReasonInvalidAnswer, "status is "+quoteReason(goopenai.FinishReason(resp.Status)))
	case strings.TrimSpace(text.String()) == "":
		return a, c.answerError(ReasonInvalidAnswer, "the answer is empty")
	}
	fields, problems := sc.check(text.String())
	if len(problems) > 0 {
		return a, c.answerError(ReasonInvalidAnswer, strings.Join(problems, "; "))
	}
	a.Fields = fields
	return a, nil
}

// quoteReason keeps an unexpected finish_reason short and printable.
func quoteReason(r goopenai.FinishReason) string {
	s := string(r)
	if len(s) > 32 {
		s = s[:32]
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r > 0x7e {
			return '?'
		}
		return r
	}, s) + `"`
}
