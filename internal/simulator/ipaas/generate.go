package ipaas

import (
	"fmt"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simdata"
)

var categories = []Category{{ID: 1, Name: "Retail"}, {ID: 12, Name: "VIP"}, {ID: 20, Name: "Wholesale"}}

// Generate adds n valid customers (customer numbers CUST-10001 onwards, names, emails, company,
// a comment and a category) for benchmarks and demos. Content comes from Options.Seed and the
// number already stored, ids are sequential, and timestamps fixed from 2025-01-01, so a fresh
// server with the same seed generates the same records. No hooks are sent.
func (s *Server) Generate(n int) []Customer {
	start := len(s.st.all())
	rng := simdata.NewRand(s.opts.Seed ^ uint64(start)*0x9e3779b97f4a7c15)
	base, _ := time.Parse(time.RFC3339, defaultGenerationStart)
	cs := make([]Customer, 0, n)
	for i := 0; i < n; i++ {
		k := start + i
		p := simdata.NewPerson(rng, k)
		cat := categories[rng.IntN(len(categories))]
		created := base.Add(time.Duration(k) * time.Minute)
		cs = append(cs, Customer{
			CustomerNumber: fmt.Sprintf("CUST-%05d", 10001+k), FirstName: p.First, LastName: p.Last,
			EmailAddress: p.Email, Company: p.Company, Comment: simdata.Note(rng),
			CategoryID: &cat.ID, Categories: []Category{cat},
			CreatedDatetime: Time{created}, UpdatedDatetime: Time{created.Add(time.Duration(rng.IntN(3600)) * time.Second)},
		})
	}
	d, _ := s.Seed(Data{Customers: cs})
	return d.Customers
}
