package cli

import (
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// advice is the "what to do" column of the README's table of record
// failure reasons, in its Markdown; TestAdviceMatchesTheREADME keeps the
// two the same.
var advice = map[string]string{
	v1alpha1.ReasonMissingEmailAddress:   "provide a valid email in the source",
	v1alpha1.ReasonMissingNameFields:     "make sure both are populated (99minds: the full name has two words; iPaaS.com → 99minds: both names)",
	v1alpha1.ReasonMissingCustomerNumber: "populate it in the source (the OpenAI flow's scenario 2)",
	v1alpha1.ReasonInvalidPhoneNumber:    "fix the number in the source (`+1XXXXXXXXXX`)",
	v1alpha1.ReasonInvalidAmount:         "fix it in 99minds; a missing amount counts as 0",
	v1alpha1.ReasonSourceRecordNotFound:  "check the ID: the source system's own id (99minds: `customer_` and 18 hex digits; iPaaS.com: its customer id)",
	v1alpha1.ReasonDestinationRejected:   "fix the named field, or the rule that fills it",
	v1alpha1.ReasonCollision:             "link or merge them, or change `collisionHandling` / `operation`",
	v1alpha1.ReasonInvalidPromptRequest:  "create the field in iPaaS.com, or fix the prompt and response mapping",
	v1alpha1.ReasonOpenAIAPIError:        modelAdvice,
	v1alpha1.ReasonRefused:               modelAdvice,
	v1alpha1.ReasonTruncated:             modelAdvice,
	v1alpha1.ReasonContentFiltered:       modelAdvice,
	v1alpha1.ReasonInvalidAnswer:         modelAdvice,
	v1alpha1.ReasonUnauthorized:          "fix the Secret; rotated Secrets are used without a restart",
	v1alpha1.ReasonMappingFailed:         "the message names the rule; guard missing fields with `has()` or a `default`",
	v1alpha1.ReasonFilteredOut:           "nothing, or change the filter",
	v1alpha1.ReasonBackoffLimitExceeded:  "check the system's health and rate limits, then retry the records: `kubectl customersync retry REQUEST`",
	v1alpha1.ReasonDeadlineExceeded:      "raise it, or split the request; `kubectl customersync retry REQUEST` syncs the rest",
}

const modelAdvice = "check credentials and quota; adjust the prompt or `maxCompletionTokens`"

// Advice is what to do about a record failure reason, as plain text; a
// reason of the mapping's own error filters has its advice in the
// record's message.
func Advice(reason string) string {
	a, ok := advice[reason]
	if !ok {
		return "see the records' messages"
	}
	return strings.ReplaceAll(a, "`", "")
}
