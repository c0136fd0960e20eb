// Package simdata makes plausible, reproducible people for the simulators' generated data sets,
// so that benchmarks and demos run on realistic names, emails and phone numbers.
package simdata

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var firstNames = []string{
	"Jane", "John", "Maria", "Ahmed", "Yuki", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Sofia", "Lucas",
	"Amara", "Chen", "Priya", "Omar", "Elena", "Kwame", "Ingrid", "Diego", "Hana", "Tomás", "Aisha", "Felix",
	"Zoe", "Rafael", "Nora", "Ivan", "Leila", "Samuel", "Freya", "Kenji", "Chloe", "Arjun", "Mia", "Jonas",
}

var lastNames = []string{
	"Doe", "Smith", "Garcia", "Müller", "Tanaka", "Okafor", "Rossi", "Nguyen", "Kowalski", "Johansson",
	"Silva", "Haddad", "Patel", "O'Brien", "Novak", "Dubois", "Kim", "Andersen", "Moreau", "Schmidt",
	"Ibrahim", "Costa", "Lindqvist", "Fischer", "Mensah", "Yilmaz", "Park", "Lopez", "Walker", "Ivanova",
}

var companies = []string{
	"Acme", "Globex", "Initech", "Umbrella Retail", "Stark Outfitters", "Wayne Gifts", "Hooli", "Vandelay Imports",
	"Soylent Foods", "Wonka Sweets", "Tyrell Home", "Cyberdyne Sports", "", "", "",
}

var domains = []string{"example.com", "example.org", "example.net", "mail.example.com"}

// Person is one generated customer.
type Person struct {
	First, Last, Email, Phone, Company string
}

// Full is "First Last", the 99minds name field.
func (p Person) Full() string { return p.First + " " + p.Last }

// NewRand returns the RNG the generators use, so the same seed gives the same data.
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d)) }

// NewPerson draws a person; n makes the email unique within one generated set.
func NewPerson(r *rand.Rand, n int) Person {
	p := Person{
		First:   firstNames[r.IntN(len(firstNames))],
		Last:    lastNames[r.IntN(len(lastNames))],
		Company: companies[r.IntN(len(companies))],
	}
	p.Email = fmt.Sprintf("%s.%s.%d@%s", emailPart(p.First), emailPart(p.Last), n, domains[r.IntN(len(domains))])
	// Valid by the 99minds rule: "+" then 8..15 digits, or plain digits.
	switch r.IntN(3) {
	case 0:
		p.Phone = fmt.Sprintf("+1%03d555%04d", 200+r.IntN(800), r.IntN(10000))
	case 1:
		p.Phone = fmt.Sprintf("+44%010d", r.Int64N(1e10))
	default:
		p.Phone = fmt.Sprintf("%010d", r.Int64N(1e10))
	}
	return p
}

// emailPart folds a name into ASCII letters for an email local part.
func emailPart(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
		case c == 'ü':
			b.WriteString("ue")
		case c == 'á':
			b.WriteRune('a')
		}
	}
	return b.String()
}

// Note returns a short free-text note, or "" for about half of the people.
func Note(r *rand.Rand) string {
	notes := []string{"", "", "", "VIP since 2023", "Prefers email contact", "Wholesale buyer", "Birthday in May", ""}
	return notes[r.IntN(len(notes))]
}
