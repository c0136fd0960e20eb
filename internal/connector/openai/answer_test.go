package openai_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	sim "github.com/customersync/customer-sync-operator/internal/simulator/openai"
)

// checkAnswerError asserts the identity every unusable answer shares, and
// that the answer still reports what was billed.
func checkAnswerError(t *testing.T, a *openai.Answer, err error, reason openai.Reason, sentinel error, usage openai.Usage) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; answer %+v", a)
	}
	if openai.ReasonOf(err) != reason || !errors.Is(err, sentinel) {
		t.Errorf("reason %q: %v", openai.ReasonOf(err), err)
	}
	for _, other := range []error{openai.ErrRefused, openai.ErrTruncated, openai.ErrContentFiltered, openai.ErrInvalidAnswer} {
		if other != sentinel && errors.Is(err, other) {
			t.Errorf("%v also matches %v", err, other)
		}
	}
	var ae *openai.AnswerError
	if !errors.As(err, &ae) || ae.Err.Code != string(reason) {
		t.Errorf("not an *AnswerError with code %s: %#v", reason, err)
	}
	if class, _ := connector.Classify(err); class != connector.Permanent || connector.KindOf(err) != connector.KindBadResponse ||
		!errors.Is(err, connector.ErrBadResponse) {
		t.Errorf("class %s kind %s", class, connector.KindOf(err))
	}
	if a == nil || a.Fields != nil || a.Usage != usage || a.Usage.PromptTokens == 0 {
		t.Errorf("answer %+v, want usage %+v", a, usage)
	}
	for _, leak := range []string{"Jane", "jane.doe@example.com", "CUST-10045", "bulleted", "simulated", sim.RefusalText} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error quotes %q: %v", leak, err)
		}
	}
}

func TestRefusal(t *testing.T) {
	s := start(t, sim.Options{})
	p := prompt + " " + sim.MarkerRefusal
	a, err := newClient(t, config(s)).Complete(ctx, request(p))
	checkAnswerError(t, a, err, openai.ReasonRefused, openai.ErrRefused, usageFor(p, sim.RefusalText))
	if !strings.Contains(err.Error(), "change the prompt") {
		t.Errorf("no advice: %v", err)
	}
}

func TestTruncatedByMarker(t *testing.T) {
	s := start(t, sim.Options{})
	p := prompt + " " + sim.MarkerLength
	full, _ := expectedContent(t, p)
	runes := []rune(full)
	a, err := newClient(t, config(s)).Complete(ctx, request(p))
	checkAnswerError(t, a, err, openai.ReasonTruncated, openai.ErrTruncated, usageFor(p, string(runes[:len(runes)/2])))
	if a.FinishReason != "length" || !strings.Contains(err.Error(), "maxCompletionTokens") {
		t.Errorf("finish %q: %v", a.FinishReason, err)
	}
}

func TestTruncatedByTokenLimit(t *testing.T) {
	s := start(t, sim.Options{})
	cfg := config(s)
	cfg.MaxCompletionTokens = 5
	a, err := newClient(t, cfg).Complete(ctx, request(prompt))
	if openai.ReasonOf(err) != openai.ReasonTruncated || a == nil || a.Usage.CompletionTokens == 0 || a.Usage.CompletionTokens > 5 {
		t.Fatalf("answer %+v: %v", a, err)
	}
}

func TestContentFiltered(t *testing.T) {
	s := start(t, sim.Options{})
	p := prompt + " " + sim.MarkerContentFilter
	a, err := newClient(t, config(s)).Complete(ctx, request(p))
	checkAnswerError(t, a, err, openai.ReasonContentFiltered, openai.ErrContentFiltered, usageFor(p, ""))
}

func TestNotJSON(t *testing.T) {
	s := start(t, sim.Options{})
	p := prompt + " " + sim.MarkerInvalidJSON
	a, err := newClient(t, config(s)).Complete(ctx, request(p))
	checkAnswerError(t, a, err, openai.ReasonInvalidAnswer, openai.ErrInvalidAnswer, usageFor(p, sim.InvalidJSONText))
	if !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("%v", err)
	}
}

func TestAnswerCheckedAgainstSchema(t *testing.T) {
	valid := `{"Comment":"- secret-summary","Known To Film":"TRUE","Score":4.0,"Ratio":0.5,"Vip":false}`
	cases := []struct{ name, content, problem string }{
		{"missing", `{"Comment":"- secret-summary","Known To Film":"TRUE","Score":4,"Ratio":0.5}`, `"Vip" is missing`},
		{"extra", `{"Comment":"- secret-summary","Known To Film":"TRUE","Score":4,"Ratio":0.5,"Vip":true,"secret-key":1}`, "1 property is not in the schema"},
		{"enum", `{"Comment":"- secret-summary","Known To Film":"secret-MAYBE","Score":4,"Ratio":0.5,"Vip":true}`, `"Known To Film" is not one of its enum values`},
		{"integer", `{"Comment":"- secret-summary","Known To Film":"TRUE","Score":4.5,"Ratio":0.5,"Vip":true}`, `"Score" is not of type integer`},
		{"string", `{"Comment":null,"Known To Film":"TRUE","Score":4,"Ratio":0.5,"Vip":true}`, `"Comment" is not of type string`},
		{"boolean", `{"Comment":"x","Known To Film":"TRUE","Score":4,"Ratio":0.5,"Vip":"secret-yes"}`, `"Vip" is not of type boolean`},
		{"number", `{"Comment":"x","Known To Film":"TRUE","Score":4,"Ratio":"secret-half","Vip":true}`, `"Ratio" is not of type number`},
		{"array", `["secret-list"]`, "not a JSON object"},
		{"empty", ` `, "the answer is empty"},
	}
	opts := sim.Options{Canned: []sim.Canned{{Match: "CANNED-valid", Content: valid}}}
	for _, tc := range cases {
		opts.Canned = append(opts.Canned, sim.Canned{Match: "CANNED-" + tc.name, Content: tc.content})
	}
	s := start(t, opts)
	c := newClient(t, config(s))

	a, err := c.Complete(ctx, request(prompt+" CANNED-valid"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Fields["Score"] != int64(4) || a.Fields["Ratio"] != 0.5 || a.Fields["Vip"] != false || a.Fields["Known To Film"] != "TRUE" {
		t.Errorf("fields %v", a.Fields)
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := prompt + " CANNED-" + tc.name
			a, err := c.Complete(ctx, request(p))
			checkAnswerError(t, a, err, openai.ReasonInvalidAnswer, openai.ErrInvalidAnswer, usageFor(p, tc.content))
			if !strings.Contains(err.Error(), tc.problem) || strings.Contains(err.Error(), "secret") {
				t.Errorf("%v", err)
			}
		})
	}
}

// expectedContent is the simulator's content for p and janeJSON.
func expectedContent(t *testing.T, p string) (string, error) {
	t.Helper()
	schema, err := openai.Schema(responseFields())
	if err != nil {
		t.Fatal(err)
	}
	return sim.ExpectedJSON(p, janeJSON, schema)
}
