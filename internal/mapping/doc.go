// Package mapping is the rule engine that turns one source customer into a
// destination payload, as iPaaS.com mapping collections do: Static, Field,
// DynamicFormula (CEL) and LookupTranslation rules, a filter and error
// filters, the destination systems' caveats and a field-level diff.
//
// A CustomerMappingSpec is compiled once per generation into an immutable
// Program that is safe for concurrent use. One record then goes through
//
//	NormalizeSource → Program.Filter → Program.Map → Validate → Diff
//
// Every failure of a record is a *customer.RecordError with a stable reason; every
// problem of a spec is a *CompileError naming the rule and position.
// The package is pure Go: it never talks to Kubernetes or to the systems.
// docs/mapping.md is the user's reference.
package mapping
