package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// Model is the part of the OpenAI client the enrichment uses.
type Model interface {
	connector.Validator
	Complete(ctx context.Context, req openai.Request) (*openai.Answer, error)
	Fingerprint(req openai.Request) (string, error)
}

// Enrichment is the second seed flow, iPaaS.com → OpenAI → iPaaS.com: the
// request mapping (Syncer.Program) builds the model's input from an iPaaS.com
// customer, and the response mapping writes the answer back to the same
// customer.
type Enrichment struct {
	Model Model
	// Response is the compiled response mapping (source OpenAI, destination
	// IPaaS).
	Response *mapping.Program
	// ResponseFields are the properties of the structured answer.
	ResponseFields []v1alpha1.ResponseField
	// FingerprintField is the custom field holding the hash of what was last
	// sent, so that an unchanged customer is not sent (and billed) twice.
	FingerprintField string
	// Store reads the customer (the request mapping's source) and Writer
	// writes the answer (the response mapping's destination); both are
	// iPaaS.com.
	Store  connector.Destination
	Writer connector.Destination
	// FieldOrder is the order of the request fields, as the rules list them.
	FieldOrder []string
}

// Usage is what one record cost in model calls and tokens.
type Usage struct {
	ModelCalls                                  int64
	PromptTokens, CompletionTokens, TotalTokens int64
}

// enrich sends one customer to the model and writes the answer back. The
// model is called only when the fingerprint of what would be sent differs
// from the one stored on the customer; writing the answer stores the new
// fingerprint, so the write-back (and the update event it causes) never
// leads to a second call.
func (s *Syncer) enrich(ctx context.Context, id string, opts Options) Outcome {
	e := s.Enrichment
	out := Outcome{ID: id}
	rec, err := s.findCustomer(ctx, id)
	if err != nil {
		return out.fail(stageFetch, err)
	}
	out.DestinationID = rec.ID
	in := mapping.Input{Source: rec.Raw}
	if skip, msg, err := s.Program.Filter(in); err != nil {
		return out.fail(stageMap, err)
	} else if skip {
		out.Action, out.Reason, out.Message = v1alpha1.ActionSkipped, v1alpha1.ReasonFilteredOut, msg
		return out
	}
	mapped, err := s.Program.Map(in, mapping.Add)
	if err != nil {
		return out.fail(stageMap, err)
	}
	if err := mapping.Validate(v1alpha1.SystemOpenAI, mapped.Payload, mapping.Add); err != nil {
		return out.fail(stageMap, err)
	}
	if err := s.checkResponseFields(ctx); err != nil {
		return out.fail(stageObserve, err)
	}
	req := e.request(mapped.Payload)
	fp, err := e.Model.Fingerprint(req)
	if err != nil {
		return out.fail(stageMap, err)
	}
	if rec.CustomFields[e.FingerprintField] == fp {
		out.Action = v1alpha1.ActionUnchanged
		return out
	}
	if opts.DryRun {
		out.Action = v1alpha1.ActionWouldUpdate
		out.Message = "would send the mapped fields to the model and write its answer back"
		return out
	}

	ans, err := e.Model.Complete(ctx, req)
	out.Usage = &Usage{ModelCalls: 1}
	if ans != nil { // an unusable answer was still billed
		out.Usage.PromptTokens = int64(ans.Usage.PromptTokens)
		out.Usage.CompletionTokens = int64(ans.Usage.CompletionTokens)
		out.Usage.TotalTokens = int64(ans.Usage.TotalTokens)
	}
	if err != nil {
		return out.failModel(err)
	}
	answer, err := e.Response.Map(mapping.Input{Source: ans.Fields, Destination: rec.Raw}, mapping.Update)
	if err != nil {
		return out.fail(stageMap, err)
	}
	p := answer.Payload
	if p.CustomFields == nil {
		p.CustomFields = map[string]string{}
	}
	// The stored fingerprint describes the customer as it will be after
	// this write: when the answer changes a field that is also sent (the
	// seed maps Comment both ways), the next sync still finds nothing new.
	after, err := s.Program.Map(mapping.Input{Source: mapping.ApplyIPaaS(rec.Raw, p)}, mapping.Add)
	if err != nil {
		return out.fail(stageMap, err)
	}
	if fp, err = e.Model.Fingerprint(e.request(after.Payload)); err != nil {
		return out.fail(stageMap, err)
	}
	p.CustomFields[e.FingerprintField] = fp
	if len(mapping.Diff(p, rec)) == 0 {
		out.Action = v1alpha1.ActionUnchanged
		return out
	}
	if _, err := e.Writer.Update(ctx, rec.ID, p); err != nil {
		return out.fail(stageWrite, err)
	}
	out.Action = v1alpha1.ActionUpdated
	return out
}

// findCustomer finds an iPaaS.com customer by the seed's identifier, its
// CustomerNumber, or else by its iPaaS.com id (what iPaaS.com's hooks send).
func (s *Syncer) findCustomer(ctx context.Context, id string) (*customer.Record, error) {
	store := s.Enrichment.Store
	matches, err := store.FindByNaturalKey(ctx, connector.NaturalKey{Field: connector.KeyCustomerNumber, Value: id})
	if err != nil && !errors.Is(err, connector.ErrUnsupported) {
		return nil, err
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return store.Get(ctx, id)
	default:
		return nil, &mapping.RecordError{Reason: v1alpha1.ReasonCollision, Field: "CustomerNumber",
			Message: fmt.Sprintf("%d iPaaS.com customers share CustomerNumber %q; merge or renumber them", len(matches), id)}
	}
}

// checkResponseFields is the seed's Invalid Prompt Request check, made
// before the model is called: every custom field the answer is written to,
// and the fingerprint field, must exist in iPaaS.com.
func (s *Syncer) checkResponseFields(ctx context.Context) error {
	e := s.Enrichment
	defs, err := e.Writer.CustomFieldDefinitions(ctx)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(defs))
	for _, d := range defs {
		have[d.Name] = true
	}
	var missing []string
	for _, f := range append(e.Response.CustomFields(), e.FingerprintField) {
		if !have[f] {
			missing = append(missing, fmt.Sprintf("%q", f))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &mapping.RecordError{Reason: v1alpha1.ReasonInvalidPromptRequest, Field: strings.Join(missing, ", "),
		Message: "request field not found: the answer is written to custom field(s) " + strings.Join(missing, ", ") +
			" that iPaaS.com does not define for customers; create them in iPaaS.com (or fix the prompt and the response mapping); the model was not called"}
}

// request orders the mapped fields as the rules list them; PromptText
// becomes the system message and is not repeated among the fields.
func (e *Enrichment) request(p customer.Payload) openai.Request {
	req := openai.Request{ResponseFields: e.ResponseFields}
	if v, ok := p.Fields[string(v1alpha1.FieldPromptText)]; ok {
		req.Prompt = fmt.Sprint(v)
	}
	for _, name := range e.FieldOrder {
		if name == string(v1alpha1.FieldPromptText) {
			continue
		}
		if v, ok := p.Fields[name]; ok {
			req.Fields = append(req.Fields, openai.Field{Name: name, Value: v})
		} else if v, ok := p.CustomFields[name]; ok {
			req.Fields = append(req.Fields, openai.Field{Name: name, Value: v})
		}
	}
	return req
}

// failModel records a failed model call with the seed's reason.
func (o Outcome) failModel(err error) Outcome {
	o = o.fail(stageWrite, err)
	if o.Action == v1alpha1.ActionFailed {
		o.Reason = v1alpha1.ReasonOpenAIAPIError
		if r := openai.ReasonOf(err); r != "" {
			o.Reason = string(r)
		}
		o.Message = shorten("OpenAI API error: " + err.Error())
	}
	return o
}
