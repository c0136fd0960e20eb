package cli

import (
	"encoding/json"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// print writes requests as -o asks: one object, or a v1 List of several,
// as kubectl get does. Without -o it prints nothing (the command has
// already said what it did).
func (o *options) print(reqs []*v1alpha1.CustomerSyncRequest) error {
	if o.output == "" {
		return nil
	}
	for _, r := range reqs {
		r.APIVersion, r.Kind = v1alpha1.GroupVersion.String(), "CustomerSyncRequest"
	}
	if len(reqs) == 1 {
		return o.encode(reqs[0])
	}
	list := struct {
		metav1.TypeMeta `json:",inline"`
		Items           []*v1alpha1.CustomerSyncRequest `json:"items"`
	}{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}, Items: reqs}
	return o.encode(list)
}

// encode writes v as JSON or YAML.
func (o *options) encode(v any) error {
	return encode(o.streams.Out, o.output, v)
}

func encode(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("unknown output format %q", format)
}

// colours for terminals; plain text elsewhere.
type colours struct{ on bool }

func (c colours) paint(code, s string) string {
	if !c.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (c colours) red(s string) string   { return c.paint("31", s) }
func (c colours) green(s string) string { return c.paint("32", s) }
func (c colours) bold(s string) string  { return c.paint("1", s) }
