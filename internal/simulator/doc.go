// Package simulator holds local stand-ins for 99minds, iPaaS.com and OpenAI.
//
// They serve the API contract in shared/docs/external-apis.md over real HTTP, so that sandbox
// mode, tests, the demo and the benchmarks exercise the same wire format as production. Where
// the contract marks behaviour [assumed], the simulators implement that assumption and nothing
// more clever.
//
// Packages:
//
//   - ninetynineminds: customers, loyalty cards and transactions behind a bearer key, in the
//     {"code","message","data"} envelope.
//   - ipaas: customers, custom fields, external-id links, static keys and the sign-in token
//     flow, and an outbound hook emitter.
//   - openai: chat completions (OpenAI and Azure paths) with deterministic, schema-valid answers
//     and prompt markers for refusals, truncation and API errors.
//   - fault: latency, 5xx, 429, an RPS ceiling, hung requests and per-record failures, as HTTP
//     middleware shared by all three.
//   - simhttp: the shared plumbing (recording, admin guard, JSON, ids, loopback listener).
//   - simdata: reproducible people for generated data sets.
//
// In a test:
//
//	nn := ninetynineminds.StartForTest(t, ninetynineminds.Options{APIKeys: []string{"k"}, Seed: 1})
//	nn.Seed(ninetynineminds.Data{Customers: []ninetynineminds.Customer{{Name: "No Email"}}}) // unvalidated
//	_ = nn.SetFaults(fault.Config{Targets: []fault.Target{{ID: "customer_...", Status: 503, Times: 1}}})
//	... point the connector at nn.URL ...
//	if nn.CountFor(ninetynineminds.RouteGetCustomer) != 1 { ... }
//
// Every server also answers admin calls under /_admin/ (loopback clients only unless
// AllowRemoteAdmin): GET/PUT faults, GET counters, GET requests?n=N, POST reset, plus seeding
// and inspection routes listed in each package's admin.go. The cmd/simulator binary serves all
// three from flags or a YAML file.
package simulator
