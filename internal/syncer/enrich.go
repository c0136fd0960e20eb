package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/connector"
	"github.com/customersync/customer-sync-operator/internal/connector/openai"
	"github.com/customersync/customer-sync-operator/internal/customer"
	"github.com/customersync/customer-sync-operator/internal/mapping"
)

// Model is a system that answers a prompt about one customer with a
// structured answer (Capabilities.Model).
type Model interface {
	connector.Validator
	Complete(ctx context.Context, req openai.Request) (*openai.Answer, error)
	Fingerprint(req openai.Request) (string, error)
}

// DefaultFingerprintField is used when the mapping names none.
const DefaultFingerprintField = "OpenAI Request Fingerprint"

// FingerprintStore keeps, per customer (by its id in the source), the
// fingerprint of what was last sent to the model, for a source without a
// custom field for it. It is safe for concurrent use.
type FingerprintStore interface {
	// Get returns the fingerprint, "" when none is stored.
	Get(ctx context.Context, id string) (string, error)
	Put(ctx context.Context, id, fingerprint string) error
	// Where names the store in messages.
	Where() string
}

// enrich is the second seed flow, iPaaS.com → OpenAI → iPaaS.com: the
// request mapping (program) builds the model's input from a customer of the
// source system, and the response mapping (answer) writes the answer back to
// the same customer.
type enrich struct {
	program *mapping.Program
	model   Model
	// store reads the customer (the request mapping's source) and apply says
	// how it stores an update.
	store connector.Destination
	src   connector.Source
	apply func(map[string]any, customer.Payload) map[string]any
	// answer writes the answer back.
	answer *writeBack
	// responseFields are the properties of the structured answer.
	responseFields []v1alpha1.ResponseField
	// fingerprintField is the custom field holding the hash of what was last
	// sent, so that an unchanged customer is not sent (and billed) twice;
	// fingerprints holds them where iPaaS.com does not define the field.
	fingerprintField string
	fingerprints     FingerprintStore
	// fieldOrder is the order of the request fields, as the rules list them.
	fieldOrder []string
	target     string
	validators []named
	quick      int
	// batch is the mapping's Batch API settings; nil never batches.
	batch *v1alpha1.OpenAIBatch
}

// writeBack is a response mapping: it maps a model's answer and writes it to
// a customer of its destination. On its own it is the runtime of a mapping
// whose source is a model; sync requests use it through the mapping that
// names it.
type writeBack struct {
	program    *mapping.Program
	dest       connector.Destination
	validators []named
}

// checkWriteBack refuses a response mapping whose destination cannot take
// the answer.
func checkWriteBack(sys mapping.Systems) error {
	if !sys.Destination.Capabilities.Update {
		return unsupported("%s → %s: %s cannot update records, so the answer cannot be written back",
			sys.Source.Name, sys.Destination.Name, sys.Destination.Name)
	}
	return nil
}

func buildWriteBack(in Inputs, sys mapping.Systems, prog *mapping.Program) (*writeBack, error) {
	if err := checkWriteBack(sys); err != nil {
		return nil, err
	}
	conn, err := connect(sys.Destination, in.Spec.Destination, &in.Spec, in)
	if err != nil {
		return nil, err
	}
	dest, err := as[connector.Destination](sys.Destination, conn, "Destination")
	if err != nil {
		return nil, err
	}
	w := &writeBack{program: prog, dest: dest, validators: []named{{"destination", conn}}}
	if sys.Destination.Capabilities.CustomFields && len(prog.CustomFields()) > 0 {
		w.validators = append(w.validators, named{"destination", customFieldCheck{dest, sys.Destination.Name, prog.CustomFields()}})
	}
	return w, nil
}

func (w *writeBack) Validate(ctx context.Context) error { return validateAll(ctx, w.validators) }

func (w *writeBack) Syncable() error {
	return &Problem{Reason: v1alpha1.ReasonMappingNotSyncable, Stalled: true,
		Message: "this mapping writes a model's answers back and is used through the responseMappingRef of the mapping that asks the model; " +
			"create the request for that mapping instead"}
}

func (w *writeBack) List(context.Context, time.Time) ([]string, error) { return nil, w.Syncable() }

func (w *writeBack) Sync(_ context.Context, id string, _ Options) Outcome {
	return Outcome{ID: id}.fail(stageFetch, w.Syncable())
}

// checkEnrich refuses a model flow whose source cannot take the answer and
// its fingerprint back.
func checkEnrich(sys mapping.Systems) error {
	src := sys.Source
	if c := src.Capabilities; !c.ReadByID || !c.Update || !c.CustomFields || src.Apply == nil {
		return unsupported("%s → %s: asking a model needs a source that is read by id, updated and has custom fields "+
			"(the answer and its fingerprint are written back to it); %s has %s",
			src.Name, sys.Destination.Name, src.Name, strings.Join(src.Capabilities.List(), ", "))
	}
	return nil
}

func buildEnrich(in Inputs, sys mapping.Systems, prog *mapping.Program) (*enrich, error) {
	src := sys.Source
	dir := src.Name + " → " + sys.Destination.Name
	settings := in.Spec.OpenAI
	if settings == nil || in.Spec.ResponseMappingRef == nil {
		return nil, unsupported("%s: a mapping to a model needs spec.openAI and spec.responseMappingRef", dir)
	}
	name := in.Spec.ResponseMappingRef.Name
	respSpec := in.Mappings[name]
	if respSpec == nil {
		return nil, &Problem{Reason: v1alpha1.ReasonResponseMappingInvalid,
			Message: fmt.Sprintf("CustomerMapping %q named by spec.responseMappingRef was not found; create it (source %s, destination %s)", name, sys.Destination.Type, src.Type)}
	}
	if respSpec.Source.System != sys.Destination.Type || respSpec.Destination.System != src.Type {
		return nil, &Problem{Reason: v1alpha1.ReasonResponseMappingInvalid,
			Message: fmt.Sprintf("CustomerMapping %q named by spec.responseMappingRef must have source %s and destination %s, not %s and %s",
				name, sys.Destination.Type, src.Type, respSpec.Source.System, respSpec.Destination.System)}
	}
	respSys, err := lookup(*respSpec)
	if err != nil {
		return nil, err
	}
	respProg, err := mapping.Compile(*respSpec, respSys, mapping.WithConfigMaps(in.ConfigMaps))
	if err != nil {
		return nil, fmt.Errorf("response mapping: %w", err)
	}
	answer, err := buildWriteBack(Inputs{Spec: *respSpec, Secrets: in.Secrets, Concurrency: in.Concurrency, Logger: in.Logger, Registry: in.Registry}, respSys, respProg)
	if err != nil {
		return nil, err
	}
	srcConn, err := connect(src, in.Spec.Source, &in.Spec, in)
	if err != nil {
		return nil, err
	}
	modelConn, err := connect(sys.Destination, in.Spec.Destination, &in.Spec, in)
	if err != nil {
		return nil, err
	}
	e := &enrich{
		program: prog, answer: answer, apply: src.Apply,
		responseFields: settings.ResponseFields, fingerprintField: settings.FingerprintField,
		target: target(src, in.Spec.Source), quick: in.QuickRetries, fingerprints: in.Fingerprints,
		batch: settings.Batch,
	}
	if e.model, err = as[Model](sys.Destination, modelConn, "Model"); err != nil {
		return nil, err
	}
	if e.store, err = as[connector.Destination](src, srcConn, "Destination"); err != nil {
		return nil, err
	}
	if e.src, err = as[connector.Source](src, srcConn, "Source"); err != nil {
		return nil, err
	}
	if e.fingerprintField == "" {
		e.fingerprintField = DefaultFingerprintField
	}
	for _, r := range in.Spec.AddRules {
		if r.Destination.Field != "" {
			e.fieldOrder = append(e.fieldOrder, string(r.Destination.Field))
		} else {
			e.fieldOrder = append(e.fieldOrder, r.Destination.CustomField)
		}
	}
	e.validators = []named{{"source", srcConn}, {"destination", modelConn}, {"response mapping destination", answer.dest}}
	return e, nil
}

// Validate checks the three connections, then that the response mapping
// reads only what the answer will hold.
func (e *enrich) Validate(ctx context.Context) error {
	if err := validateAll(ctx, e.validators); err != nil {
		return err
	}
	declared := map[string]bool{}
	for _, f := range e.responseFields {
		declared[f.Name] = true
	}
	var extra []string
	for _, r := range e.answer.program.SourceFieldsRead() {
		if !declared[r] {
			extra = append(extra, fmt.Sprintf("%q", r))
		}
	}
	if len(extra) > 0 {
		return &Problem{Reason: v1alpha1.ReasonResponseMappingInvalid, Stalled: true,
			Message: fmt.Sprintf("the response mapping reads %s, which spec.openAI.responseFields does not declare; "+
				"declare them so the model is asked for them, or fix the response mapping", strings.Join(extra, ", "))}
	}
	return nil
}

func (e *enrich) Syncable() error { return nil }

func (e *enrich) List(ctx context.Context, since time.Time) ([]string, error) {
	return e.src.ListChanged(ctx, since)
}

// Sync sends one customer to the model and writes the answer back. The
// model is called only when the fingerprint of what would be sent differs
// from the one stored for the customer; writing the answer stores the new
// fingerprint, so the write-back (and the update event it causes) never
// leads to a second call.
func (e *enrich) Sync(ctx context.Context, id string, opts Options) Outcome {
	return attempt(ctx, e.target, id, e.quick, func() Outcome { return e.once(ctx, id, opts) })
}

// once is one try: at most one model call.
func (e *enrich) once(ctx context.Context, id string, opts Options) Outcome {
	p, out, done := e.prepare(ctx, id)
	if done {
		return out
	}
	if opts.DryRun {
		out.Action = v1alpha1.ActionWouldUpdate
		out.Message = "would send the mapped fields to the model and write its answer back"
		return out
	}
	return e.complete(ctx, p, out)
}

// pending is a customer whose request differs from what was last sent.
type pending struct {
	rec *customer.Record
	req openai.Request
	fp  string
	// inField is true when the fingerprint is kept in the customer's custom
	// field, false when in the Fingerprints store.
	inField bool
}

// prepare reads the customer and maps its request. It is done (with the
// outcome) when no model call is needed: filtered, invalid, or unchanged
// since the last call.
func (e *enrich) prepare(ctx context.Context, id string) (*pending, Outcome, bool) {
	out := Outcome{ID: id}
	rec, err := e.findCustomer(ctx, id)
	if err != nil {
		return nil, out.fail(stageFetch, err), true
	}
	out.DestinationID = rec.ID
	in := mapping.Input{Source: rec.Raw}
	if out, done := filtered(e.program, in, out); done {
		return nil, out, true
	}
	mapped, err := e.program.Map(in, mapping.Add)
	if err != nil {
		return nil, out.fail(stageMap, err), true
	}
	if err := e.program.Validate(mapped.Payload, mapping.Add); err != nil {
		return nil, out.fail(stageMap, err), true
	}
	inField, err := e.checkResponseFields(ctx)
	if err != nil {
		return nil, out.fail(stageObserve, err), true
	}
	p := &pending{rec: rec, req: e.request(mapped.Payload), inField: inField}
	if p.fp, err = e.model.Fingerprint(p.req); err != nil {
		return nil, out.fail(stageMap, err), true
	}
	stored, err := e.stored(ctx, p)
	if err != nil {
		return nil, out.fail(stageObserve, err), true
	}
	if stored == p.fp {
		out.Action = v1alpha1.ActionUnchanged
		return nil, out, true
	}
	return p, out, false
}

// stored is the fingerprint last stored for the customer: its custom
// field's, else the store's.
func (e *enrich) stored(ctx context.Context, p *pending) (string, error) {
	if v := p.rec.CustomFields[e.fingerprintField]; v != "" || e.fingerprints == nil {
		return v, nil
	}
	return e.fingerprints.Get(ctx, p.rec.ID)
}

// complete asks the model and writes the answer back.
func (e *enrich) complete(ctx context.Context, p *pending, out Outcome) Outcome {
	ans, err := e.model.Complete(ctx, p.req)
	out.Usage = usageOf(ans, err, false)
	if err != nil {
		return out.failModel(err)
	}
	return e.write(ctx, p, ans, out)
}

// usageOf is one call's usage and outcome; an unusable answer was still
// billed.
func usageOf(ans *openai.Answer, err error, batched bool) *Usage {
	t := Tokens{ModelCalls: 1}
	if ans != nil {
		t.PromptTokens, t.CachedPromptTokens = int64(ans.Usage.PromptTokens), int64(ans.Usage.CachedPromptTokens)
		t.CompletionTokens, t.TotalTokens = int64(ans.Usage.CompletionTokens), int64(ans.Usage.TotalTokens)
	}
	u := &Usage{Tokens: t, Calls: []Call{{Batched: batched, Outcome: callOutcome(err)}}}
	if batched {
		u.Batched = t
	}
	return u
}

func callOutcome(err error) string {
	if err == nil {
		return "Answered"
	}
	if r := openai.ReasonOf(err); r != "" {
		return string(r)
	}
	if k := connector.KindOf(err); k != "" {
		return string(k)
	}
	return "Error"
}

// write maps the answer and writes it, with the new fingerprint, back to
// the customer.
func (e *enrich) write(ctx context.Context, p *pending, ans *openai.Answer, out Outcome) Outcome {
	rec := p.rec
	answer, err := e.answer.program.Map(mapping.Input{Source: ans.Fields, Destination: rec.Raw}, mapping.Update)
	if err != nil {
		return out.fail(stageMap, err)
	}
	w := answer.Payload
	if w.CustomFields == nil {
		w.CustomFields = map[string]string{}
	}
	// The stored fingerprint describes the customer as it will be after
	// this write: when the answer changes a field that is also sent (the
	// seed maps Comment both ways), the next sync still finds nothing new.
	after, err := e.program.Map(mapping.Input{Source: e.apply(rec.Raw, w)}, mapping.Add)
	if err != nil {
		return out.fail(stageMap, err)
	}
	fp, err := e.model.Fingerprint(e.request(after.Payload))
	if err != nil {
		return out.fail(stageMap, err)
	}
	if p.inField {
		w.CustomFields[e.fingerprintField] = fp
	}
	out.Action = v1alpha1.ActionUnchanged
	if len(mapping.Diff(w, rec)) > 0 {
		if _, err := e.answer.dest.Update(ctx, rec.ID, w); err != nil {
			return out.fail(stageWrite, err)
		}
		out.Action = v1alpha1.ActionUpdated
	}
	if !p.inField && e.fingerprints != nil {
		// After the write: a crash in between costs one more call for this
		// customer, never a lost answer.
		if err := e.fingerprints.Put(ctx, rec.ID, fp); err != nil {
			out.Message = shorten("the answer was written, but its fingerprint was not stored, so the next sync asks the model again: " + err.Error())
		}
	}
	return out
}

// findCustomer finds a customer by the seed's identifier, its
// CustomerNumber (the store's natural key), or else by its own id (what
// iPaaS.com's hooks send).
func (e *enrich) findCustomer(ctx context.Context, id string) (*customer.Record, error) {
	byNumber := customer.Payload{Fields: map[string]any{string(v1alpha1.FieldCustomerNumber): id}}
	matches, err := e.store.FindByNaturalKey(ctx, connector.NaturalKey{SourceID: id, Payload: byNumber})
	if err != nil && !errors.Is(err, connector.ErrUnsupported) {
		return nil, err
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return e.store.Get(ctx, id)
	default:
		return nil, &customer.RecordError{Reason: v1alpha1.ReasonCollision, Field: "CustomerNumber",
			Message: fmt.Sprintf("%d iPaaS.com customers share CustomerNumber %q; merge or renumber them", len(matches), id)}
	}
}

// checkResponseFields is the seed's Invalid Prompt Request check, made
// before the model is called: every custom field the answer is written to
// must exist in iPaaS.com. It reports whether the fingerprint field exists
// too; without it the fingerprint goes to the Fingerprints store, and only
// without a store is the field required.
func (e *enrich) checkResponseFields(ctx context.Context) (fingerprintInField bool, err error) {
	defs, err := e.answer.dest.CustomFieldDefinitions(ctx)
	if err != nil {
		return false, err
	}
	have := make(map[string]bool, len(defs))
	for _, d := range defs {
		have[d.Name] = true
	}
	need := e.answer.program.CustomFields()
	if e.fingerprints == nil {
		need = append(need, e.fingerprintField)
	}
	var missing []string
	for _, f := range need {
		if !have[f] {
			missing = append(missing, fmt.Sprintf("%q", f))
		}
	}
	if len(missing) == 0 {
		return have[e.fingerprintField], nil
	}
	return false, &customer.RecordError{Reason: v1alpha1.ReasonInvalidPromptRequest, Field: strings.Join(missing, ", "),
		Message: "request field not found: the answer is written to custom field(s) " + strings.Join(missing, ", ") +
			" that iPaaS.com does not define for customers; create them in iPaaS.com (or fix the prompt and the response mapping); the model was not called"}
}

// FingerprintHome says where the fingerprints are kept, for the mapping's
// Fingerprints condition: the reason and a message.
func (e *enrich) FingerprintHome(ctx context.Context) (string, string, error) {
	defs, err := e.answer.dest.CustomFieldDefinitions(ctx)
	if err != nil {
		return "", "", err
	}
	for _, d := range defs {
		if d.Name == e.fingerprintField {
			return v1alpha1.ReasonFingerprintCustomField, fmt.Sprintf("the fingerprint of what was last sent to the model is kept in the customer's custom field %q", e.fingerprintField), nil
		}
	}
	if e.fingerprints == nil {
		return "", "", &Problem{Reason: v1alpha1.ReasonMissingCustomField,
			Message: fmt.Sprintf("iPaaS.com defines no customer custom field %q (spec.openAI.fingerprintField) and no other fingerprint store is configured; create the field", e.fingerprintField)}
	}
	return v1alpha1.ReasonFingerprintConfigMap, fmt.Sprintf("iPaaS.com defines no customer custom field %q (spec.openAI.fingerprintField), so the fingerprints of what was sent to the model are kept in %s; "+
		"define the field in iPaaS.com to keep them on the customer instead", e.fingerprintField, e.fingerprints.Where()), nil
}

// request orders the mapped fields as the rules list them; PromptText
// becomes the system message and is not repeated among the fields.
func (e *enrich) request(p customer.Payload) openai.Request {
	req := openai.Request{ResponseFields: e.responseFields}
	if v, ok := p.Fields[string(v1alpha1.FieldPromptText)]; ok {
		req.Prompt = fmt.Sprint(v)
	}
	for _, name := range e.fieldOrder {
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
