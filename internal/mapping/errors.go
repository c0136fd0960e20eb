package mapping

import (
	"errors"
	"fmt"
	"github.com/customersync/customer-sync-operator/internal/text"
	"strings"
)

// CompileError is one problem of a mapping spec found by Compile. Reason is
// v1alpha1.ReasonInvalidRule or v1alpha1.ReasonInvalidFormula, so the
// controller can copy it into the Ready condition as is.
type CompileError struct {
	// Reason is InvalidRule or InvalidFormula.
	Reason string
	// Path locates the rule or filter in the spec: spec.addRules[3],
	// spec.filter, spec.errorFilters[0].
	Path string
	// Destination is the field the rule writes (FirstName, or
	// customField "Known To Film"); empty for filters.
	Destination string
	// Line and Column are the 1-based position inside the formula; 0 when
	// the problem is not inside a formula.
	Line, Column int
	// Message says what is wrong and, where it helps, what to do.
	Message string
}

// Error reads "spec.addRules[3] (FirstName): 1:12: undeclared reference to 'sourc'".
func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Destination != "" {
		b.WriteString(" (")
		b.WriteString(e.Destination)
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	}
	b.WriteString(e.Message)
	return b.String()
}

// CompileErrors lists the *CompileError values inside an error returned by
// Compile (which joins them), in spec order.
func CompileErrors(err error) []*CompileError {
	var out []*CompileError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if ce, ok := err.(*CompileError); ok {
			out = append(out, ce)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// shorten bounds a value quoted in a message, so a message never carries a
// whole document.
func shorten(s string, n int) string { return text.Truncate(s, n+len(text.Ellipsis)) }
