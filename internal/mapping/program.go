package mapping

import (
	"sort"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Program is a compiled mapping: immutable and safe for concurrent use.
type Program struct {
	systems      Systems
	add, update  []*rule
	filter       *expr
	errorFilters []errorFilter
	written      []string
	custom       []string
	read         []string
}

type errorFilter struct {
	*expr
	path    string
	reason  string
	message string
}

// rule is one compiled rule; exactly one of static, source (Field),
// formula or table is used, by kind.
type rule struct {
	path    string // spec.addRules[3], for messages
	target  target
	wire    wireType
	kind    v1alpha1.RuleType
	static  any
	source  []segment
	srcText string
	formula *expr
	table   map[string]any
	tableOf string // "table" or `ConfigMap "x"`, for messages
	def     any
	hasDef  bool
	// required: the destination needs the field on a new record, so an
	// absent source field yields "" and the destination's caveat names it.
	required bool
}

// index computes the field lists the controller asks for.
func (p *Program) index() {
	written, custom, read := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, set := range [][]*rule{p.add, p.update} {
		for _, r := range set {
			if r.target.custom != "" {
				custom[r.target.custom] = true
			} else {
				written[string(r.target.field)] = true
			}
			if len(r.source) > 0 && !r.source[0].isIndex {
				read[r.source[0].key] = true
			}
			if r.formula != nil {
				for _, k := range r.formula.src.keys {
					read[k] = true
				}
			}
		}
	}
	if p.filter != nil {
		for _, k := range p.filter.src.keys {
			read[k] = true
		}
	}
	for _, f := range p.errorFilters {
		for _, k := range f.src.keys {
			read[k] = true
		}
	}
	p.written, p.custom, p.read = sortedKeys(written), sortedKeys(custom), sortedKeys(read)
}

// WrittenFields lists the standard destination fields either collection
// writes, sorted; with CustomFields it is what conflict detection compares.
func (p *Program) WrittenFields() []string { return append([]string(nil), p.written...) }

// CustomFields lists the custom fields either collection writes, sorted, so
// the controller can check that iPaaS.com defines each one.
func (p *Program) CustomFields() []string { return append([]string(nil), p.custom...) }

// SourceFieldsRead lists, best effort, the top-level source keys the
// mapping reads: Field and lookup sourceFields, and source.x / source["x"]
// selections in formulas and filters. A formula that hands source as a
// whole to a function (toJSON(source)) is not seen.
func (p *Program) SourceFieldsRead() []string { return append([]string(nil), p.read...) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
