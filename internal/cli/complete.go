package cli

import (
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// completeFirst completes a command's first argument with the names of
// the objects of list's kind in the namespace. Shell completion comes from
// cobra (kubectl customersync completion bash|zsh|fish|powershell); for
// kubectl's own plugin completion, install kubectl_complete-customersync
// (see docs/cli.md).
func (o *options) completeFirst(list client.ObjectList) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if err := o.connect(); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		l := list.DeepCopyObject().(client.ObjectList)
		if err := o.client.List(cmd.Context(), l, client.InNamespace(o.namespace)); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		names := make([]string, 0, len(items))
		for _, it := range items {
			if obj, ok := it.(client.Object); ok {
				names = append(names, obj.GetName())
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
