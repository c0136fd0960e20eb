package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/google/cel-go/cel"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// RuleSet chooses between a mapping's two collections.
type RuleSet string

const (
	// Add is the "Customer Add" collection (spec.addRules).
	Add RuleSet = "Add"
	// Update is the "Customer Update" collection (spec.updateRules, or
	// spec.addRules when it is empty).
	Update RuleSet = "Update"
)

// Option tunes Compile.
type Option func(*options)

type options struct {
	configMaps map[string]map[string]string
	costLimit  uint64
}

// WithConfigMaps hands in the data of the ConfigMaps that
// lookupTranslation.configMapRef rules name, keyed by ConfigMap name. Tables
// are resolved at compile time, so a changed ConfigMap needs a new Compile;
// ConfigMapNames says which ConfigMaps to fetch and watch.
func WithConfigMaps(data map[string]map[string]string) Option {
	return func(o *options) { o.configMaps = data }
}

// WithCostLimit replaces DefaultCostLimit, the CEL cost one evaluation of
// one formula or filter may use.
func WithCostLimit(units uint64) Option {
	return func(o *options) {
		if units > 0 {
			o.costLimit = units
		}
	}
}

// compiler collects every problem of one spec instead of stopping at the first.
type compiler struct {
	env  *cel.Env
	opts options
	spec *v1alpha1.CustomerMappingSpec
	sys  Systems
	errs []error
}

func (c *compiler) fail(reason, path, dest, format string, args ...any) {
	c.errs = append(c.errs, &CompileError{Reason: reason, Path: path, Destination: dest, Message: fmt.Sprintf(format, args...)})
}

// Compile checks a mapping spec against its systems' descriptors and
// compiles its rules, filter and error filters once. The error joins one
// *CompileError per problem (see CompileErrors), each naming the rule, its
// destination and, inside a formula, the line and column.
func Compile(spec v1alpha1.CustomerMappingSpec, sys Systems, opts ...Option) (*Program, error) {
	o := options{costLimit: DefaultCostLimit}
	for _, opt := range opts {
		opt(&o)
	}
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("building the CEL environment: %w", err)
	}
	c := &compiler{env: env, opts: o, spec: &spec, sys: sys}
	p := &Program{systems: sys}

	if sys.Destination == nil {
		c.fail(v1alpha1.ReasonInvalidRule, "spec.destination.system", "", "unknown system %q", spec.Destination.System)
	}
	if len(spec.AddRules) == 0 {
		c.fail(v1alpha1.ReasonInvalidRule, "spec.addRules", "", "needs at least one rule")
	}
	p.add = c.rules("spec.addRules", spec.AddRules)
	p.update = p.add
	if len(spec.UpdateRules) > 0 {
		p.update = c.rules("spec.updateRules", spec.UpdateRules)
	}
	if spec.Filter != "" {
		p.filter = c.compile("spec.filter", "", spec.Filter, checkBool)
	}
	for i, f := range spec.ErrorFilters {
		path := fmt.Sprintf("spec.errorFilters[%d]", i)
		ef := errorFilter{path: path, reason: f.Reason, message: f.Message}
		if ef.reason == "" {
			ef.reason = "ErrorFilterMatched"
		}
		if !reasonPattern.MatchString(ef.reason) {
			c.fail(v1alpha1.ReasonInvalidRule, path, "", "reason %q must be one CamelCase word", shorten(ef.reason, 64))
		}
		if f.Message == "" {
			c.fail(v1alpha1.ReasonInvalidRule, path, "", "message is empty; say what to fix")
		}
		ef.expr = c.compile(path, "", f.Expression, checkBool)
		p.errorFilters = append(p.errorFilters, ef)
	}
	if sys.Destination != nil {
		for _, f := range sys.Destination.StaticFields {
			if !hasStatic(spec.AddRules, f) {
				c.fail(v1alpha1.ReasonInvalidRule, "spec.addRules", "", "a mapping to %s needs a Static rule whose destination field is %s", sys.Destination.Name, f)
			}
		}
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	p.index()
	return p, nil
}

// ConfigMapNames lists the ConfigMaps the spec's lookup rules read, sorted,
// so the caller can fetch them for WithConfigMaps and watch them.
func ConfigMapNames(spec v1alpha1.CustomerMappingSpec) []string {
	seen := map[string]bool{}
	for _, set := range [][]v1alpha1.Rule{spec.AddRules, spec.UpdateRules} {
		for _, r := range set {
			if r.LookupTranslation != nil && r.LookupTranslation.ConfigMapRef != nil {
				seen[r.LookupTranslation.ConfigMapRef.Name] = true
			}
		}
	}
	return sortedKeys(seen)
}

var reasonPattern = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

func hasStatic(rules []v1alpha1.Rule, field v1alpha1.DestinationField) bool {
	for _, r := range rules {
		if r.Type == v1alpha1.RuleStatic && r.Destination.Field == field {
			return true
		}
	}
	return false
}

// rules compiles one collection and rejects two rules writing one destination.
func (c *compiler) rules(prefix string, rules []v1alpha1.Rule) []*rule {
	out := make([]*rule, 0, len(rules))
	seen := map[target]string{}
	for i := range rules {
		path := fmt.Sprintf("%s[%d]", prefix, i)
		t := newTarget(rules[i].Destination)
		if prev, dup := seen[t]; dup {
			c.fail(v1alpha1.ReasonInvalidRule, path, t.String(), "%s already writes %s; keep one rule per destination", prev, t)
		} else {
			seen[t] = path
		}
		if r := c.rule(path, t, &rules[i]); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// rule compiles one rule; nil when it has errors (already recorded).
func (c *compiler) rule(path string, t target, r *v1alpha1.Rule) *rule {
	before := len(c.errs)
	dest := t.String()
	bad := func(format string, args ...any) { c.fail(v1alpha1.ReasonInvalidRule, path, dest, format, args...) }

	cr := &rule{path: path, target: t, kind: r.Type}
	if dst := c.sys.Destination; dst != nil {
		w, why := resolveTarget(dst, t)
		if why != "" {
			bad("%s", why)
		}
		cr.wire = w
		cr.required = required(dst, t)
	}
	set := 0
	for _, has := range []bool{r.Value != nil, r.SourceField != "", r.Formula != "", r.LookupTranslation != nil} {
		if has {
			set++
		}
	}
	if set != 1 {
		bad("set exactly one of value, sourceField, formula or lookupTranslation")
	}

	switch r.Type {
	case v1alpha1.RuleStatic:
		if r.Value == nil {
			bad("a Static rule needs value")
			break
		}
		v, err := staticToWire(cr.wire, *r.Value)
		switch {
		case err != nil:
			bad("value %s", err)
		case t.custom != "" && *r.Value == "":
			bad("value is empty; iPaaS.com rejects empty custom field values")
		}
		cr.static = v
	case v1alpha1.RuleField:
		if r.SourceField == "" {
			bad("a Field rule needs sourceField")
			break
		}
		cr.source, cr.srcText = c.sourcePath(path, dest, r.SourceField)
	case v1alpha1.RuleDynamicFormula:
		if r.Formula == "" {
			bad("a DynamicFormula rule needs formula")
			break
		}
		w := cr.wire
		cr.formula = c.compile(path, dest, r.Formula, func(t *cel.Type) string { return checkWire(w, t) })
	case v1alpha1.RuleLookupTranslation:
		if r.LookupTranslation == nil {
			bad("a LookupTranslation rule needs lookupTranslation")
			break
		}
		c.lookup(cr, r.LookupTranslation, bad)
	default:
		bad("unknown rule type %q; use Static, Field, DynamicFormula or LookupTranslation", shorten(string(r.Type), 32))
	}

	if r.Default != nil {
		v, err := staticToWire(cr.wire, *r.Default)
		if err != nil {
			bad("default %s", err)
		}
		cr.def, cr.hasDef = v, true
	}
	if len(c.errs) > before {
		return nil
	}
	return cr
}

// sourcePath parses a Field or lookup sourceField.
func (c *compiler) sourcePath(path, dest, s string) ([]segment, string) {
	segs, err := parsePath(s)
	if err != nil {
		c.fail(v1alpha1.ReasonInvalidRule, path, dest, "%s", err)
		return nil, s
	}
	if src := c.sys.Source; src != nil && !segs[0].isIndex {
		if json, ok := src.JSONNames[segs[0].key]; ok && json != segs[0].key {
			c.fail(v1alpha1.ReasonInvalidRule, path, dest, "%s records use JSON names: write sourceField %s, not %s", src.Name, json, segs[0].key)
		}
	}
	return segs, s
}

// lookup resolves a lookup table, inline or from a ConfigMap, and converts
// its values to the destination's wire type once.
func (c *compiler) lookup(cr *rule, lt *v1alpha1.LookupTranslation, bad func(string, ...any)) {
	cr.source, cr.srcText = c.sourcePath(cr.path, cr.target.String(), lt.SourceField)
	var data map[string]string
	switch {
	case lt.Table != nil && lt.ConfigMapRef != nil:
		bad("set exactly one of lookupTranslation.table or lookupTranslation.configMapRef")
		return
	case lt.ConfigMapRef != nil:
		cr.tableOf = "ConfigMap " + strconv.Quote(lt.ConfigMapRef.Name)
		d, ok := c.opts.configMaps[lt.ConfigMapRef.Name]
		if !ok {
			bad("lookup %s was not found; create it in the mapping's namespace", cr.tableOf)
			return
		}
		data = d
	default:
		cr.tableOf = "table"
		data = lt.Table
	}
	if len(data) == 0 {
		bad("lookup %s is empty", cr.tableOf)
		return
	}
	cr.table = make(map[string]any, len(data))
	for _, k := range sortedKeys(data) {
		v, err := staticToWire(cr.wire, data[k])
		if err != nil {
			bad("lookup %s entry %q: value %s", cr.tableOf, shorten(k, 40), err)
			return
		}
		cr.table[k] = v
	}
}
