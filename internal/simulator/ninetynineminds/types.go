package ninetynineminds

import (
	"encoding/json"
	"strconv"
	"time"
)

// Customer is a 99minds customer. name is one field holding the full name.
type Customer struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Email            string    `json:"email"`
	PhoneNumber      string    `json:"phone_number"`
	Company          string    `json:"company"`
	Notes            string    `json:"notes"`
	ClientCustomerID string    `json:"client_customer_id"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// LoyaltyCard is a customer's loyalty card.
type LoyaltyCard struct {
	ID           string    `json:"id"`
	CustomerID   string    `json:"customer_id"`
	PointBalance Number    `json:"point_balance,omitempty"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
}

// Transaction is one loyalty journal entry.
type Transaction struct {
	ID              string    `json:"id"`
	CardID          string    `json:"card_id"`
	CustomerID      string    `json:"customer_id"`
	TransactionType string    `json:"transaction_type"`
	Amount          Number    `json:"amount,omitempty"`
	ClientOrderID   string    `json:"client_order_id"`
	TransactionDate time.Time `json:"transaction_date"`
	Description     string    `json:"description"`
}

// Transaction types 99minds uses.
const (
	TxCredit     = "CREDIT"
	TxDebit      = "DEBIT"
	TxRedemption = "REDEMPTION"
	TxAdjustment = "ADJUSTMENT"
)

// Data is a set of records, the body of POST /_admin/seed and the result of Generate.
type Data struct {
	Customers    []Customer    `json:"customers,omitempty"`
	LoyaltyCards []LoyaltyCard `json:"loyalty_cards,omitempty"`
	Transactions []Transaction `json:"transactions,omitempty"`
}

// Number keeps a JSON number exactly as seeded, including as a string ("25") or absent, so
// tests can check that clients accept every form the contract allows. The zero value is absent.
type Number string

// Num is a plain JSON number.
func Num(f float64) Number { return Number(strconv.FormatFloat(f, 'f', -1, 64)) }

// NumText is a number sent as a JSON string, e.g. NumText("25") → "25".
func NumText(s string) Number { b, _ := json.Marshal(s); return Number(b) }

// MarshalJSON writes the raw JSON (null when absent).
func (n Number) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return []byte(n), nil
}

// UnmarshalJSON keeps the raw JSON.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = ""
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Number(b)
	return nil
}

// Float parses the number, accepting the string form; absent counts as 0 as the contract says.
func (n Number) Float() (float64, bool) {
	if n == "" {
		return 0, true
	}
	s := string(n)
	if s[0] == '"' {
		if err := json.Unmarshal([]byte(n), &s); err != nil {
			return 0, false
		}
		if s == "" {
			return 0, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// envelope is the body of every response.
type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
	Meta    *Meta  `json:"meta,omitempty"`
}

// Meta is the pagination block of a list response.
type Meta struct {
	PageNo     int `json:"page_no"`
	PageSize   int `json:"page_size"`
	TotalPages int `json:"total_pages"`
	TotalCount int `json:"total_count"`
}
