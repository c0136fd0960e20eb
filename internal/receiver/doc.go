// Package receiver serves the webhook trigger of CustomerMappings: source
// systems (99minds, iPaaS.com) POST customer events to
// /hooks/{namespace}/{mapping}, and the receiver turns the accepted ones into
// CustomerSyncRequests, coalescing the events of one mapping that arrive
// within its coalesce window into one request.
//
// The receiver is a controller-runtime Runnable that needs leader election:
// every event of a mapping must land in the same in-memory batch, or a
// burst would make one request per replica instead of a handful, and a
// standby replica could hold ids that nothing flushes when it is killed
// instead of stopped. With leader election on, only the leader listens;
// senders that reach a standby get a refused connection and retry (both
// 99minds and iPaaS.com redeliver failed calls). See docs/triggers.md.
//
// Nothing here logs tokens, signatures or customer payloads; customer ids
// are logged only at V(2).
package receiver

// RBAC the receiver needs: read mappings and their Secrets, create requests.
// +kubebuilder:rbac:groups=sync.customersync.io,resources=customermappings,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=sync.customersync.io,resources=customersyncrequests,verbs=create
