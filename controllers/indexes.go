package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/customersync/customer-sync-operator/api/v1alpha1"
	"github.com/customersync/customer-sync-operator/internal/mapping"
	"github.com/customersync/customer-sync-operator/internal/syncer"
)

// Field indexes, so that a changed Secret finds its mappings and a changed
// mapping finds its requests without listing everything.
const (
	indexMappingSecrets    = "spec.secretRefs"
	indexMappingConfigMaps = "spec.configMapRefs"
	indexRequestMapping    = "spec.mappingRef.name"
	indexMappingReferences = "spec.references"
)

func setupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.CustomerMapping{}, indexMappingSecrets,
		func(o client.Object) []string { return secretNames(o.(*v1alpha1.CustomerMapping)) }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.CustomerMapping{}, indexMappingConfigMaps,
		func(o client.Object) []string { return mapping.ConfigMapNames(o.(*v1alpha1.CustomerMapping).Spec) }); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.CustomerMapping{}, indexMappingReferences,
		func(o client.Object) []string {
			var names []string
			for _, ref := range syncer.References(o.(*v1alpha1.CustomerMapping).Spec) {
				names = append(names, ref.Name)
			}
			return names
		}); err != nil {
		return err
	}
	return mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.CustomerSyncRequest{}, indexRequestMapping,
		func(o client.Object) []string {
			return []string{o.(*v1alpha1.CustomerSyncRequest).Spec.MappingRef.Name}
		})
}

// secretNames lists every Secret a mapping reads.
func secretNames(m *v1alpha1.CustomerMapping) []string {
	var names []string
	for _, ep := range []v1alpha1.SystemEndpoint{m.Spec.Source, m.Spec.Destination} {
		if ep.CredentialsSecretRef != nil {
			names = append(names, ep.CredentialsSecretRef.Name)
		}
	}
	if t := m.Spec.Triggers; t != nil && t.Webhook != nil {
		names = append(names, t.Webhook.TokenSecretRef.Name)
		if t.Webhook.HMACSecretRef != nil {
			names = append(names, t.Webhook.HMACSecretRef.Name)
		}
	}
	return names
}
