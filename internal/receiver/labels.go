package receiver

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
)

// Labels on the CustomerSyncRequests that triggers create, so that users
// can list them (kubectl get customersyncrequests -l ...) and the polling
// trigger and the receiver mark their requests the same way.
// They are part of the API, so they live in api/v1alpha1.
const (
	// LabelMapping holds the mapping's name. It is left off when the name is
	// not a valid label value (longer than 63 characters); spec.mappingRef
	// always holds it.
	LabelMapping = v1alpha1.LabelMapping
	// LabelTrigger says which trigger created the request.
	LabelTrigger = v1alpha1.LabelTrigger
	// TriggerWebhook is LabelTrigger's value for the webhook receiver.
	TriggerWebhook = v1alpha1.TriggerWebhook
	// TriggerPolling is LabelTrigger's value for the polling trigger.
	TriggerPolling = v1alpha1.TriggerPolling
)

// Labels returns the labels of a request that trigger created for mapping.
func Labels(mapping, trigger string) map[string]string {
	l := map[string]string{LabelTrigger: trigger}
	if len(validation.IsValidLabelValue(mapping)) == 0 {
		l[LabelMapping] = mapping
	}
	return l
}

// LabelsFor are Labels plus the mapping's shard label, so that a triggered
// request is served by its mapping's shard.
func LabelsFor(m *v1alpha1.CustomerMapping, trigger string) map[string]string {
	l := Labels(m.Name, trigger)
	if v, ok := m.Labels[v1alpha1.LabelShard]; ok {
		l[v1alpha1.LabelShard] = v
	}
	return l
}

// maxGenerateName is how long a generateName prefix may be: the API server
// cuts prefixes to 58 characters before adding its 5 random ones.
const maxGenerateName = 58

// GenerateName returns a generateName prefix "<mapping>-<trigger>-". A long
// mapping name is shortened so that the trigger stays visible, without
// leaving a '.' or '-' that would make the name invalid.
func GenerateName(mapping, trigger string) string {
	suffix := "-" + trigger + "-"
	if keep := maxGenerateName - len(suffix); len(mapping) > keep {
		mapping = strings.TrimRight(mapping[:max(keep, 0)], ".-")
	}
	if mapping == "" {
		return strings.TrimPrefix(suffix, "-")
	}
	return mapping + suffix
}
