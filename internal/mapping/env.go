package mapping

import (
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"
)

// DefaultCostLimit bounds one evaluation of one formula or filter, in CEL
// cost units (roughly one per operation, more for string and list work). It
// stops a runaway formula long before it costs a noticeable share of a CPU.
const DefaultCostLimit uint64 = 1_000_000

// maxFormulaLength bounds the text Compile parses; the CRD allows 4096.
const maxFormulaLength = 16384

var (
	envOnce sync.Once
	baseEnv *cel.Env
	envErr  error
)

// celEnv is the one environment every formula and filter compiles in. It is
// built once: building it costs milliseconds, and an Env is safe to share.
func celEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		record := cel.MapType(cel.StringType, cel.DynType)
		baseEnv, envErr = cel.NewEnv(
			// Records reach formulas as jsonObject values; the adapter hands
			// them through without the registry's long type switch.
			cel.CustomTypeAdapter(jsonAdapter),
			cel.Variable("source", record),
			cel.Variable("destination", record),
			cel.OptionalTypes(),
			// Macro accumulators are named @result, which formulas cannot
			// write (decorators.go relies on it).
			cel.EnableHiddenAccumulatorName(true),
			cel.CrossTypeNumericComparisons(true),
			cel.ParserExpressionSizeLimit(maxFormulaLength),
			ext.Strings(ext.StringsValidateFormatCalls(true)),
			cel.Lib(functionLib{}),
		)
	})
	return baseEnv, envErr
}
