package mapping

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/customer"
)

// Input is one record to filter or map: the source record and the current
// destination record, both as JSON-decoded wire documents in their own
// API's field names. Destination is nil when the destination has no record
// yet; formulas then see an empty map.
type Input struct {
	Source      map[string]any
	Destination map[string]any
}

// Result is a mapped record.
type Result struct {
	// Payload holds the fields to write, in their wire types.
	Payload customer.Payload
	// Omitted lists the destinations left out because their rule yielded no
	// value (custom fields cannot be empty), sorted, so dry runs can show them.
	Omitted []string
}

// activation hands the two records to every formula of one record without
// building a map per evaluation.
type activation struct {
	source, destination ref.Val
	src, dst            sizes
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "source":
		return a.source, true
	case "destination":
		return a.destination, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

var emptyRecord = map[string]any{}

func newActivation(in Input) *activation {
	src, dst := in.Source, in.Destination
	if src == nil {
		src = emptyRecord
	}
	if dst == nil {
		dst = emptyRecord
	}
	return &activation{
		source:      jsonObject(src),
		destination: jsonObject(dst),
		src:         sizes{rec: src},
		dst:         sizes{rec: dst},
	}
}

// Filter applies the mapping's filter, then its error filters. skip is true
// when the filter returns false: the record is Skipped with reason
// v1alpha1.ReasonFilteredOut and message. An error filter that returns true
// fails the record with a *customer.RecordError carrying that filter's reason and
// message; a filter that cannot be evaluated fails it with MappingFailed.
func (p *Program) Filter(in Input) (skip bool, message string, err error) {
	if p.filter == nil && len(p.errorFilters) == 0 {
		return false, "", nil
	}
	act := newActivation(in)
	if p.filter != nil {
		keep, err := evalBool(p.filter, act, "spec.filter")
		if err != nil {
			return false, "", err
		}
		if !keep {
			return true, "filtered out by spec.filter: " + shorten(p.filter.text, 120), nil
		}
	}
	for _, f := range p.errorFilters {
		hit, err := evalBool(f.expr, act, f.path)
		if err != nil {
			return false, "", err
		}
		if hit {
			return false, "", &customer.RecordError{Reason: f.reason, Message: f.message}
		}
	}
	return false, "", nil
}

func evalBool(e *expr, act *activation, path string) (bool, error) {
	out, err := e.eval(act)
	if err != nil {
		return false, &customer.RecordError{Reason: v1alpha1.ReasonMappingFailed,
			Message: path + " failed: " + err.Error()}
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, &customer.RecordError{Reason: v1alpha1.ReasonMappingFailed,
			Message: fmt.Sprintf("%s returned %s; a filter must return true or false", path, out.Type().TypeName())}
	}
	return bool(b), nil
}

// errAbsent marks a formula that failed because a field it reads is absent
// from the record.
var errAbsent = errors.New("a field the formula reads is absent")

// absentError is a formula's failure on an absent field; it is errAbsent.
type absentError struct{ msg string }

func (e *absentError) Error() string        { return e.msg }
func (e *absentError) Is(target error) bool { return target == errAbsent }

// eval runs a compiled expression and words its failure for the user.
func (e *expr) eval(act *activation) (ref.Val, error) {
	out, _, err := act.program(e).Eval(act)
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "cost limit exceeded"):
			msg = "exceeded its cost limit; simplify it or iterate over fewer items"
		case strings.HasPrefix(msg, "no such key: "):
			key := strings.TrimPrefix(msg, "no such key: ")
			rec := "source"
			if strings.Contains(e.text, "destination."+key) {
				rec = "destination"
			}
			return nil, &absentError{shorten(fmt.Sprintf(`no such key: %s; guard it with has(%s.%s) or use %s.?%s.orValue("")`, key, rec, key, rec, key), 200)}
		}
		return nil, errors.New(shorten(msg, 200))
	}
	if types.IsError(out) {
		return nil, errors.New(shorten(fmt.Sprint(out), 200))
	}
	return out, nil
}

// Map applies the chosen collection to one record. The first rule that
// fails stops the record with a *customer.RecordError (reason MappingFailed) naming
// the rule and saying what to fix.
func (p *Program) Map(in Input, set RuleSet) (Result, error) {
	rules := p.add
	if set == Update {
		rules = p.update
	}
	act := newActivation(in)
	res := Result{Payload: customer.Payload{
		Fields:       make(map[string]any, len(rules)),
		CustomFields: make(map[string]string, len(rules)),
	}}
	for _, r := range rules {
		v, err := r.value(in.Source, act)
		if err != nil {
			return Result{}, err
		}
		if r.target.custom != "" {
			s, _ := v.(string)
			if s == "" {
				res.Omitted = append(res.Omitted, r.target.String())
				continue
			}
			res.Payload.CustomFields[r.target.custom] = s
			continue
		}
		if v == nil {
			if r.wire == wireString {
				v = ""
			} else {
				res.Omitted = append(res.Omitted, r.target.String())
				continue
			}
		}
		res.Payload.Fields[string(r.target.field)] = v
	}
	sort.Strings(res.Omitted)
	return res, nil
}

// value computes one rule's wire value; nil means no value. A rule that
// writes a required destination field from an absent source field yields
// "", so that the destination's caveat reports the record with the seeds'
// reason (MissingEmailAddress, ...) rather than a formula failure.
func (r *rule) value(src map[string]any, act *activation) (any, error) {
	v, err := r.compute(src, act)
	if err != nil && r.required && errors.Is(err, errAbsent) {
		return "", nil
	}
	return v, err
}

func (r *rule) compute(src map[string]any, act *activation) (any, error) {
	var raw any
	switch r.kind {
	case v1alpha1.RuleStatic:
		return r.static, nil
	case v1alpha1.RuleField:
		v, found, missing := resolvePath(src, r.source)
		if !found {
			if r.hasDef {
				return r.def, nil
			}
			return nil, r.absent("source field %s is missing (at %s); add a default to the rule or fill it in the source", r.srcText, missing)
		}
		n, err := normalize(v)
		if err != nil {
			return nil, r.fail("source field %s: %v", r.srcText, err)
		}
		raw = n
	case v1alpha1.RuleDynamicFormula:
		out, err := r.formula.eval(act)
		if errors.Is(err, errAbsent) {
			return nil, r.absent("formula failed: %v", err)
		}
		if err != nil {
			return nil, r.fail("formula failed: %v", err)
		}
		if s, ok := out.(types.String); ok && s != "" && r.wire == wireString {
			return string(s), nil // the common case, without a detour through any
		}
		if raw, err = fromCEL(out); err != nil {
			return nil, r.fail("formula result: %v", err)
		}
	case v1alpha1.RuleLookupTranslation:
		return r.lookup(src)
	}
	if isEmpty(raw) && r.hasDef {
		return r.def, nil
	}
	w, err := toWire(r.wire, raw)
	if err != nil {
		return nil, r.fail("%v", err)
	}
	return w, nil
}

// lookup translates the source value through the rule's table.
func (r *rule) lookup(src map[string]any) (any, error) {
	v, found, missing := resolvePath(src, r.source)
	if found {
		n, err := normalize(v)
		if err != nil {
			return nil, r.fail("source field %s: %v", r.srcText, err)
		}
		v = n
	}
	if !found || isEmpty(v) {
		if r.hasDef {
			return r.def, nil
		}
		if !found {
			return nil, r.absent("source field %s is missing (at %s); add a default to the rule or fill it in the source", r.srcText, missing)
		}
		return nil, r.fail("source field %s is empty; add a default to the rule", r.srcText)
	}
	key, err := toText(v)
	if err != nil {
		return nil, r.fail("source field %s: %v", r.srcText, err)
	}
	if out, ok := r.table[key]; ok {
		return out, nil
	}
	if r.hasDef {
		return r.def, nil
	}
	return nil, r.fail("value %q of source field %s is not in the lookup %s; add it or set a default", shorten(key, 40), r.srcText, r.tableOf)
}

func (r *rule) fail(format string, args ...any) error {
	return &customer.RecordError{Reason: v1alpha1.ReasonMappingFailed, Field: r.target.String(),
		Message: r.path + " (" + r.target.String() + "): " + fmt.Sprintf(format, args...)}
}

// absent is fail for a value that could not be computed because a field it
// reads is absent; the error is also errAbsent.
func (r *rule) absent(format string, args ...any) error {
	return absentRecordError{r.fail(format, args...).(*customer.RecordError)}
}

// absentRecordError is a MappingFailed RecordError that is also errAbsent.
type absentRecordError struct{ *customer.RecordError }

func (e absentRecordError) Is(target error) bool { return target == errAbsent }
func (e absentRecordError) Unwrap() error        { return e.RecordError }

func isEmpty(v any) bool {
	s, isString := v.(string)
	return v == nil || (isString && s == "")
}
