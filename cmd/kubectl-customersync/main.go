// kubectl-customersync is the operator's kubectl plugin: put it on PATH
// and run `kubectl customersync`. See docs/cli.md.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/customersync/customer-sync-operator/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}
