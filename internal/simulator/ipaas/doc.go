// Package ipaas simulates the iPaaS.com customers API and its sign-in as the contract in
// shared/docs/external-apis.md §2 describes them: static API keys and the Login → ChangeCompany →
// Refresh token flow, snake_case customers with custom fields and external-id links, search and
// paged listing with the X-Pagination header, the ASP.NET-style 400 validation body, and an
// outbound hook emitter that POSTs customer/created and customer/updated events.
//
// Start one for a test with StartForTest, or mount New(...).Handler(). Admin routes live under
// /_admin/ (admin.go); Go methods on Server do the same for in-process tests.
package ipaas
