// Package ninetynineminds simulates the 99minds loyalty and gift card API as the contract in
// shared/docs/external-apis.md §1 describes it: bearer key auth, the {"code","message","data"}
// envelope, customers, loyalty cards and transactions, and its validation rules.
//
// Start one for a test with StartForTest, or mount New(...).Handler() anywhere. Admin routes
// live under /_admin/ (see admin.go); Go methods on Server do the same for in-process tests.
package ninetynineminds
