package main

import (
	"time"

	"sigs.k8s.io/yaml"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
	"github.com/customersync/customer-sync-operator/internal/simulator/ninetynineminds"
)

// The customers the sample requests name: config/samples/*request*.yaml.
const (
	janeID    = "customer_35b4d7776af9ac875a"
	omarID    = "customer_8f2c1e9a0b7d6c5e4f"
	liID      = "customer_0a1b2c3d4e5f607182"
	openaiCNo = "CUST-10045"
	// ritaID is the iPaaS.com customer the reverse sample (iPaaS.com →
	// 99minds) names by its iPaaS.com id.
	ritaID = "158200"
)

// simConfig is the part of cmd/simulator's -config file the demo uses (the
// simulator reads it strictly, so a renamed key fails loudly at start).
type simConfig struct {
	Seed            uint64     `json:"seed"`
	NinetyNineMinds *simNN     `json:"ninetynineminds"`
	IPaaS           *simIPaaS  `json:"ipaas"`
	OpenAI          *simOpenAI `json:"openai"`
}

type simNN struct {
	Addr    string                `json:"addr"`
	APIKeys []string              `json:"apiKeys"`
	Data    *ninetynineminds.Data `json:"data"`
	Webhook *simWebhook           `json:"webhook,omitempty"`
}

// simWebhook is hook.Config, which has no JSON tags (the simulator matches
// url and token case-insensitively).
type simWebhook struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

type simIPaaS struct {
	Addr    string      `json:"addr"`
	APIKeys []string    `json:"apiKeys"`
	Data    *ipaas.Data `json:"data"`
}

type simOpenAI struct {
	Addr    string   `json:"addr"`
	APIKeys []string `json:"apiKeys"`
}

// simAddrs are the simulators' listen addresses.
type simAddrs struct{ nn, ipaas, openai string }

// simulatorConfig is the -config file for cmd/simulator: the three systems
// on the chosen ports with their keys and the sample data.
func simulatorConfig(addrs simAddrs, k keys, webhook *simWebhook) ([]byte, error) {
	cfg := simConfig{
		Seed:            42,
		NinetyNineMinds: &simNN{Addr: addrs.nn, APIKeys: []string{k.nn}, Data: ninetyNineMindsData(), Webhook: webhook},
		IPaaS:           &simIPaaS{Addr: addrs.ipaas, APIKeys: []string{k.ipaas}, Data: ipaasData()},
		OpenAI:          &simOpenAI{Addr: addrs.openai, APIKeys: []string{k.openai}},
	}
	return yaml.Marshal(cfg)
}

var day = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// ninetyNineMindsData are the 99minds customers of the sample requests, each
// with loyalty cards and a transaction journal. They satisfy the seed's
// caveats (email, name, phone format), so every sample sync can succeed.
func ninetyNineMindsData() *ninetynineminds.Data {
	num, text := ninetynineminds.Num, ninetynineminds.NumText
	return &ninetynineminds.Data{
		Customers: []ninetynineminds.Customer{
			{ID: janeID, Name: "Jane van Doe", Email: "jane@example.com", PhoneNumber: "+15555550123",
				Company: "Acme", Notes: "VIP since 2023", CreatedAt: day, UpdatedAt: day},
			{ID: omarID, Name: "Omar Haddad", Email: "omar.haddad@example.com", PhoneNumber: "+442071838750",
				Company: "Haddad Imports", CreatedAt: day, UpdatedAt: day},
			{ID: liID, Name: "Li Wei", Email: "li.wei@example.com", PhoneNumber: "+8613800138000",
				Notes: "Prefers email", CreatedAt: day, UpdatedAt: day},
		},
		LoyaltyCards: []ninetynineminds.LoyaltyCard{
			{ID: "loyaltycard_3a7c01d2e4f5a6b7c8", CustomerID: janeID, PointBalance: num(120), Active: true, CreatedAt: day},
			{ID: "loyaltycard_3a7c01d2e4f5a6b7c9", CustomerID: janeID, PointBalance: text("50"), Active: false, CreatedAt: day},
			{ID: "loyaltycard_8f2c1e9a0b7d6c5e41", CustomerID: omarID, PointBalance: num(340), Active: true, CreatedAt: day},
			{ID: "loyaltycard_0a1b2c3d4e5f607101", CustomerID: liID, PointBalance: num(75), Active: true, CreatedAt: day},
		},
		Transactions: []ninetynineminds.Transaction{
			{ID: "transaction_5d1e2f3a4b5c6d7e01", CardID: "loyaltycard_3a7c01d2e4f5a6b7c8", CustomerID: janeID,
				TransactionType: ninetynineminds.TxCredit, Amount: num(25), ClientOrderID: "1001", TransactionDate: day},
			// No amount: the seed says the mapping counts it as 0.
			{ID: "transaction_5d1e2f3a4b5c6d7e02", CardID: "loyaltycard_3a7c01d2e4f5a6b7c8", CustomerID: janeID,
				TransactionType: ninetynineminds.TxRedemption, TransactionDate: day.Add(48 * time.Hour)},
			{ID: "transaction_8f2c1e9a0b7d6c5e01", CardID: "loyaltycard_8f2c1e9a0b7d6c5e41", CustomerID: omarID,
				TransactionType: ninetynineminds.TxCredit, Amount: num(300), ClientOrderID: "2001", TransactionDate: day},
			// An amount sent as a JSON string, as 99minds sometimes does.
			{ID: "transaction_8f2c1e9a0b7d6c5e02", CardID: "loyaltycard_8f2c1e9a0b7d6c5e41", CustomerID: omarID,
				TransactionType: ninetynineminds.TxCredit, Amount: text("40"), ClientOrderID: "2002", TransactionDate: day.Add(24 * time.Hour)},
			{ID: "transaction_0a1b2c3d4e5f607101", CardID: "loyaltycard_0a1b2c3d4e5f607101", CustomerID: liID,
				TransactionType: ninetynineminds.TxCredit, Amount: num(100), ClientOrderID: "3001", TransactionDate: day},
			{ID: "transaction_0a1b2c3d4e5f607102", CardID: "loyaltycard_0a1b2c3d4e5f607101", CustomerID: liID,
				TransactionType: ninetynineminds.TxRedemption, Amount: num(25), TransactionDate: day.Add(72 * time.Hour)},
		},
	}
}

// ipaasData are the iPaaS.com customers the sample requests name: the one
// the OpenAI sample names by the seed's example CustomerNumber (its id is
// left to the simulator), then the one the reverse sample names by its id.
func ipaasData() *ipaas.Data {
	return &ipaas.Data{Customers: []ipaas.Customer{{
		CustomerNumber: openaiCNo, FirstName: "Maria", LastName: "Lopez", EmailAddress: "maria.lopez@example.com",
		Company: "Lopez Catering", Comment: "Met at the Berlin film festival",
		Categories:      []ipaas.Category{{ID: 12, Name: "VIP"}},
		CreatedDatetime: ipaas.Time{Time: day}, UpdatedDatetime: ipaas.Time{Time: day},
	}, {
		ID: ritaID, CustomerNumber: "CUST-20001", FirstName: "Rita", LastName: "Reverse", EmailAddress: "rita.reverse@example.com",
		Company: "Reverse Records", Comment: "Signed up in the iPaaS.com portal",
		CreatedDatetime: ipaas.Time{Time: day}, UpdatedDatetime: ipaas.Time{Time: day},
	}}}
}
