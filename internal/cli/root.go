// Package cli is kubectl customersync: the commands that create, follow,
// retry and explain CustomerSyncRequests, and validate CustomerMappings
// offline, for people and for CI. It talks to the API server only, as
// kubectl does; the operator does the syncing.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Exit codes, the same for every command that waits for requests.
const (
	ExitSucceeded = 0
	ExitFailed    = 1 // failed, timed out, or an error before anything ran
	ExitPartial   = 2 // finished, some records failed
)

// ExitError ends a command with a code; an empty message prints nothing
// more (the command already said what happened).
type ExitError struct {
	Code    int
	Message string
}

func (e *ExitError) Error() string { return e.Message }

// Main runs the plugin with args (without the program name) and returns
// the process's exit code.
func Main(args []string, streams genericiooptions.IOStreams) int {
	cmd := NewCommand(streams)
	cmd.SetArgs(args)
	err := cmd.Execute()
	var ee *ExitError
	switch {
	case err == nil:
		return ExitSucceeded
	case errors.As(err, &ee):
		if ee.Message != "" {
			fmt.Fprintln(streams.ErrOut, "Error:", ee.Message)
		}
		return ee.Code
	default:
		fmt.Fprintln(streams.ErrOut, "Error:", err)
		return ExitFailed
	}
}

// options are the flags every command shares, and what they build.
type options struct {
	streams genericiooptions.IOStreams
	kube    *genericclioptions.ConfigFlags
	output  string
	// pollInterval is how often waiting commands read the requests; the
	// operator writes progress every two seconds.
	pollInterval time.Duration

	client    client.Client // set by PersistentPreRunE for commands that need the API server
	namespace string
}

// NewCommand builds kubectl-customersync's command tree.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &options{streams: streams, kube: genericclioptions.NewConfigFlags(true)}
	root := &cobra.Command{
		Use:   "kubectl-customersync",
		Short: "Sync customers with CustomerMappings, follow and retry CustomerSyncRequests",
		Long: `kubectl customersync creates CustomerSyncRequests and follows them live, explains their
failures, retries failed records, previews a sync as a diff, traces one customer through every
request, and validates CustomerMapping manifests offline.

Exit codes of the commands that wait: 0 succeeded, 2 partially succeeded (some records failed),
1 failed or timed out.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	o.kube.AddFlags(root.PersistentFlags())
	root.PersistentFlags().DurationVar(&o.pollInterval, "poll-interval", time.Second, "how often to read the requests while waiting")
	_ = root.PersistentFlags().MarkHidden("poll-interval")
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)

	root.AddCommand(
		o.syncCommand(),
		o.statusCommand(),
		o.retryCommand(),
		o.diffCommand(),
		o.traceCommand(),
		o.validateCommand(),
		o.reconcileCommand(),
	)
	return root
}

// connect builds the client and namespace from the kubeconfig flags.
func (o *options) connect() error {
	if o.client != nil {
		return nil
	}
	cfg, err := o.kube.ToRESTConfig()
	if err != nil {
		return err
	}
	// Following a few requests reads each once a poll: more than client-go's
	// default 5 per second when several are followed quickly.
	cfg.QPS, cfg.Burst = 50, 100
	ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme()})
	if err != nil {
		return err
	}
	o.client, o.namespace = c, ns
	return nil
}

// needsCluster is a PreRunE that connects.
func (o *options) needsCluster(*cobra.Command, []string) error {
	if err := o.validOutput(); err != nil {
		return err
	}
	return o.connect()
}

func scheme() *kruntime.Scheme {
	s := kruntime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = v1alpha1.AddToScheme(s)
	return s
}

// addOutputFlag adds -o for commands whose result a machine may read.
func (o *options) addOutputFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "output format: json or yaml (default: human-readable text)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
}

func (o *options) validOutput() error {
	switch o.output {
	case "", "json", "yaml":
		return nil
	}
	return &ExitError{Code: ExitFailed, Message: fmt.Sprintf("--output %q: use json or yaml", o.output)}
}

// isTerminal reports whether w is a terminal, for the progress bar and
// colours.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
