package cli

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/mapping"
	"github.com/customersync/customer-sync-operator/internal/schemacheck"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// Problem is one error validate found, where it is.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Object is kind/name of the manifest.
	Object string `json:"object,omitempty"`
	// Path is the field: spec.addRules[3].formula.
	Path string `json:"path,omitempty"`
	// Reason is the CustomerMapping's Ready reason the operator would
	// report (InvalidRule, InvalidFormula, UnsupportedDirection, ...), or
	// Invalid for what admission refuses.
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Object != "" {
		b.WriteString(p.Object + ": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	fmt.Fprintf(&b, "%s [%s]", p.Message, p.Reason)
	return b.String()
}

func (o *options) validateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check CustomerMapping manifests offline, as admission and the operator would",
		Long: `validate reads manifests (files, directories of *.yaml / *.yml, or - for stdin) and checks each
CustomerMapping and CustomerSyncRequest against the CRD's schema and rules, then compiles each
mapping with the operator's own compiler: rules, CEL formulas and filters, lookup tables (from the
ConfigMaps among the manifests) and whether its systems can run it. Errors name the file, line and
column, the field path and the reason the operator would report. It needs no cluster.
Exit code 1 on any error.`,
		Example: `  kubectl customersync validate config/samples/
  kustomize build overlays/prod | kubectl customersync validate -`,
		Args: cobra.MinimumNArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			return o.validOutput()
		},
		RunE: func(_ *cobra.Command, args []string) error {
			problems, checked, err := validateFiles(args, o.streams.In)
			if err != nil {
				return err
			}
			if o.output != "" {
				if problems == nil {
					problems = []Problem{}
				}
				if err := o.encode(problems); err != nil {
					return err
				}
			} else {
				for _, p := range problems {
					fmt.Fprintln(o.streams.Out, p)
				}
				fmt.Fprintf(o.streams.ErrOut, "%d objects checked, %d errors\n", checked, len(problems))
			}
			if len(problems) > 0 {
				return &ExitError{Code: ExitFailed}
			}
			return nil
		},
	}
	o.addOutputFlag(cmd)
	return cmd
}

// document is one manifest of a file, with its YAML tree for positions.
type document struct {
	file  string
	lines []string     // the file's, for positions inside formulas
	node  *yamlv3.Node // the document's mapping node
	obj   map[string]any
	gvk   schema.GroupVersionKind
	name  string
	ns    string
}

func (d *document) object() string { return strings.ToLower(d.gvk.Kind) + "/" + d.name }

// problem places a message at a field path of the document.
func (d *document) problem(path, reason, msg string) Problem {
	n := nodeAt(d.node, path)
	return Problem{File: d.file, Line: n.Line, Column: n.Column, Object: d.object(), Path: path, Reason: reason, Message: msg}
}

// validateFiles checks every manifest in the files; it returns the
// problems and how many objects of this operator it checked.
func validateFiles(args []string, stdin io.Reader) ([]Problem, int, error) {
	var docs []*document
	var problems []Problem
	for _, arg := range args {
		files, err := expand(arg)
		if err != nil {
			return nil, 0, err
		}
		for _, f := range files {
			var data []byte
			if f == "-" {
				data, err = io.ReadAll(stdin)
			} else {
				data, err = os.ReadFile(f)
			}
			if err != nil {
				return nil, 0, err
			}
			ds, ps := parse(f, data)
			docs, problems = append(docs, ds...), append(problems, ps...)
		}
	}
	configMaps := map[string]map[string]map[string]string{} // namespace → name → data
	for _, d := range docs {
		if d.gvk.Kind == "ConfigMap" && d.gvk.Group == "" {
			data := map[string]string{}
			if m, ok := d.obj["data"].(map[string]any); ok {
				for k, v := range m {
					data[k] = fmt.Sprint(v)
				}
			}
			if configMaps[d.ns] == nil {
				configMaps[d.ns] = map[string]map[string]string{}
			}
			configMaps[d.ns][d.name] = data
		}
	}
	checked := 0
	for _, d := range docs {
		if !schemacheck.Knows(d.gvk) {
			continue
		}
		checked++
		ps := checkSchema(d)
		if len(ps) == 0 && d.gvk.Kind == "CustomerMapping" {
			ps = compileMapping(d, configMaps[d.ns])
		}
		problems = append(problems, ps...)
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), a.Line-b.Line, a.Column-b.Column)
	})
	return problems, checked, nil
}

// expand lists a directory's YAML files, recursively; a file or - is itself.
func expand(arg string) ([]string, error) {
	if arg == "-" {
		return []string{arg}, nil
	}
	st, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{arg}, nil
	}
	var out []string
	err = filepath.WalkDir(arg, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// parse splits a file into its documents; what cannot be read as a
// Kubernetes object is a problem of the file.
func parse(file string, data []byte) ([]*document, []Problem) {
	var docs []*document
	lines := strings.Split(string(data), "\n")
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for {
		var root yamlv3.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, []Problem{{File: file, Reason: "InvalidYAML", Message: err.Error()}}
		}
		if len(root.Content) == 0 || root.Content[0].Kind != yamlv3.MappingNode {
			continue // an empty document, or not an object
		}
		n := root.Content[0]
		var obj map[string]any
		if err := n.Decode(&obj); err != nil {
			return docs, []Problem{{File: file, Line: n.Line, Column: n.Column, Reason: "InvalidYAML", Message: err.Error()}}
		}
		obj = jsonCompatible(obj).(map[string]any)
		d := &document{file: file, lines: lines, node: n, obj: obj}
		api, _ := obj["apiVersion"].(string)
		gv, _ := schema.ParseGroupVersion(api)
		kind, _ := obj["kind"].(string)
		d.gvk = gv.WithKind(kind)
		if md, ok := obj["metadata"].(map[string]any); ok {
			d.name, _ = md["name"].(string)
			d.ns, _ = md["namespace"].(string)
		}
		docs = append(docs, d)
	}
}

// jsonCompatible turns YAML's decoded values into what JSON decoding
// gives (float64 numbers, as the schema validators expect int64 or
// float64).
func jsonCompatible(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonCompatible(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = jsonCompatible(e)
		}
		return t
	case int:
		return int64(t)
	}
	return v
}

// checkSchema is what admission would refuse.
func checkSchema(d *document) []Problem {
	var ps []Problem
	if d.name == "" {
		if md, _ := d.obj["metadata"].(map[string]any); md["generateName"] == nil || d.gvk.Kind == "CustomerMapping" {
			ps = append(ps, d.problem("metadata.name", "Invalid", "metadata.name is required"))
		}
	}
	errs, err := schemacheck.Check(d.gvk, d.obj)
	if err != nil {
		return append(ps, d.problem("", "Invalid", err.Error()))
	}
	for _, e := range errs {
		msg := e.ErrorBody()
		if e.Type == field.ErrorTypeNotSupported && e.BadValue == "" {
			msg = "unknown field: the CRD has no such field; check its spelling and indentation"
		}
		ps = append(ps, d.problem(e.Field, "Invalid", msg))
	}
	return ps
}

// compileMapping compiles a schema-valid mapping as the operator does:
// whether its systems can run it, then its rules.
func compileMapping(d *document, configMaps map[string]map[string]string) []Problem {
	raw, err := yaml.Marshal(d.obj)
	if err != nil {
		return []Problem{d.problem("", "Invalid", err.Error())}
	}
	m := &v1alpha1.CustomerMapping{}
	if err := yaml.UnmarshalStrict(raw, m); err != nil {
		return []Problem{d.problem("", "Invalid", err.Error())}
	}
	err = syncer.Compile(m.Spec, configMaps)
	if err == nil {
		return nil
	}
	ces := mapping.CompileErrors(err)
	if len(ces) == 0 {
		var p *syncer.Problem
		if errors.As(err, &p) {
			return []Problem{d.problem("spec.destination.system", p.Reason, p.Message)}
		}
		return []Problem{d.problem("spec", v1alpha1.ReasonInvalidRule, err.Error())}
	}
	ps := make([]Problem, 0, len(ces))
	for _, ce := range ces {
		msg := ce.Message
		if ce.Destination != "" {
			msg = "(" + ce.Destination + ") " + msg
		}
		p := d.problem(ce.Path, ce.Reason, msg)
		if ce.Line > 0 {
			if n, path := formulaNode(d.node, ce.Path); n != nil {
				p.Path = path
				p.Line, p.Column = positionIn(n, d.lines, ce.Line, ce.Column)
			}
		}
		ps = append(ps, p)
	}
	return ps
}
