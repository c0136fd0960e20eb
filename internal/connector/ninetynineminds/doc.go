// Package ninetynineminds connects to the 99minds loyalty and gift card API
// (contract: shared/docs/external-apis.md §1). As a Source it assembles one
// document per customer, the customer with its loyalty_cards and
// transactions arrays, for the 99minds → iPaaS.com flow; as a Destination
// it creates and updates customers and issues loyalty cards, so that the
// reverse flow can be declared.
//
// Behaviour the contract marks [assumed] sits in wire.go, one small
// function per assumption.
package ninetynineminds
