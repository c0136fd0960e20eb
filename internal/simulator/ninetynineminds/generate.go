package ninetynineminds

import (
	"fmt"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simdata"
)

// Generate adds n valid customers, each with 0–3 loyalty cards and 0–5 transactions (none
// without a card), for benchmarks and demos. Names, emails, phones, amounts and dates come from
// Options.Seed and the number of customers already stored, and ids from the server's id stream,
// so a fresh server with the same seed generates the same records. Timestamps are fixed
// (from 2025-01-01), not wall-clock.
func (s *Server) Generate(n int) Data {
	start := len(s.st.allCustomers())
	rng := simdata.NewRand(s.opts.Seed ^ uint64(start)*0x9e3779b97f4a7c15)
	base, _ := time.Parse(time.RFC3339, defaultGenerationBase)
	var d Data
	for i := 0; i < n; i++ {
		k := start + i
		p := simdata.NewPerson(rng, k)
		created := base.Add(time.Duration(k) * time.Minute)
		c := Customer{
			ID: s.newID("customer_"), Name: p.Full(), Email: p.Email, PhoneNumber: p.Phone,
			Company: p.Company, Notes: simdata.Note(rng), ClientCustomerID: fmt.Sprintf("%d", 7695268800000+k),
			CreatedAt: created, UpdatedAt: created.Add(time.Duration(rng.IntN(3600)) * time.Second),
		}
		d.Customers = append(d.Customers, c)
		cards := rng.IntN(4)
		var cardIDs []string
		for j := 0; j < cards; j++ {
			card := LoyaltyCard{ID: s.newID("loyaltycard_"), CustomerID: c.ID, Active: rng.IntN(10) > 0, CreatedAt: created}
			cardIDs = append(cardIDs, card.ID)
			d.LoyaltyCards = append(d.LoyaltyCards, card)
		}
		if cards == 0 {
			continue
		}
		balance := make(map[string]float64)
		for j, txs := 0, rng.IntN(6); j < txs; j++ {
			card := cardIDs[rng.IntN(len(cardIDs))]
			t := Transaction{
				ID: s.newID("transaction_"), CardID: card, CustomerID: c.ID,
				ClientOrderID:   fmt.Sprintf("%d", 1001+k*10+j),
				TransactionDate: created.Add(time.Duration(j+1) * time.Hour),
			}
			amount := float64(1 + rng.IntN(200))
			switch rng.IntN(5) {
			case 0:
				t.TransactionType, t.Description = TxRedemption, "Points redeemed"
				amount = min(amount, balance[card])
				balance[card] -= amount
			case 1:
				t.TransactionType, t.Description = TxAdjustment, "Manual adjustment"
				balance[card] += amount
			default:
				t.TransactionType, t.Description = TxCredit, "Order points"
				balance[card] += amount
			}
			t.Amount = Num(amount)
			d.Transactions = append(d.Transactions, t)
		}
		for j := range d.LoyaltyCards[len(d.LoyaltyCards)-cards:] {
			card := &d.LoyaltyCards[len(d.LoyaltyCards)-cards+j]
			card.PointBalance = Num(balance[card.ID])
		}
	}
	_, _ = s.Seed(d)
	return d
}
