// Package ipaas connects to the iPaaS.com customers API (contract:
// shared/docs/external-apis.md §2): a Destination for the 99minds and
// OpenAI flows and a Source for the OpenAI flow. It signs in with a static
// company API key or with username, password and company id (Login →
// ChangeCompany, refreshed before expiry and once after a 401), maps the
// mapping's PascalCase field names to iPaaS.com's snake_case JSON, and keeps
// external-id links through LookupSpecial and UpdateExternalId.
//
// Behaviour the contract marks [assumed] sits in wire.go and auth.go, one
// small function per assumption.
package ipaas
