package ipaas

import (
	"encoding/json"
	"strings"
	"time"
)

// Customer is an iPaaS.com customer, in the vendor SDK's snake_case shape.
type Customer struct {
	ID              string        `json:"id"`
	CustomerNumber  string        `json:"customer_number"`
	FirstName       string        `json:"first_name"`
	LastName        string        `json:"last_name"`
	EmailAddress    string        `json:"email_address"`
	Company         string        `json:"company"`
	Comment         string        `json:"comment"`
	CategoryID      *int          `json:"category_id"`
	Categories      []Category    `json:"categories"`
	CreatedDatetime Time          `json:"created_datetime"`
	UpdatedDatetime Time          `json:"updated_datetime"`
	CustomFields    []CustomField `json:"custom_fields"`
	ExternalIDs     []ExternalID  `json:"external_ids"`
}

// CustomFieldValue returns the value of the named custom field, if set.
func (c Customer) CustomFieldValue(name string) (string, bool) {
	for _, f := range c.CustomFields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Category is an embedded customer category.
type Category struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// CustomField is one custom field value; values are strings on the wire.
type CustomField struct {
	Name  string `json:"custom_field_name"`
	Value string `json:"value"`
}

// ExternalID links the customer to a record in another system.
type ExternalID struct {
	SystemID   int    `json:"system_id"`
	ExternalID string `json:"external_id"`
	InternalID string `json:"internal_id"`
}

// CustomFieldDefinition is a custom field defined for the customer collection.
type CustomFieldDefinition struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	DataType string `json:"data_type"`
}

// DefaultCustomFieldDefinitions are the fields the two seed mappings write, used when
// Options.CustomFieldDefinitions is nil.
func DefaultCustomFieldDefinitions() []CustomFieldDefinition {
	return []CustomFieldDefinition{
		{ID: 1, Name: "99minds Loyalty Points Synced", DataType: "bool"},
		{ID: 2, Name: "99minds Loyalty Points Balance", DataType: "number"},
		{ID: 3, Name: "99minds Loyalty Card ID", DataType: "string"},
		{ID: 4, Name: "99minds Transaction Journal", DataType: "string"},
		{ID: 5, Name: "Known To Film", DataType: "bool"},
		// The OpenAI flow's default spec.openAI.fingerprintField.
		{ID: 6, Name: "OpenAI Request Fingerprint", DataType: "string"},
	}
}

// Link is an external-id link, the body of UpdateExternalId.
type Link struct {
	TableName  string `json:"table_name"`
	SystemID   int    `json:"system_id"`
	ExternalID string `json:"external_id"`
	InternalID string `json:"internal_id"`
}

// Data is a set of records: the body of POST /_admin/seed.
type Data struct {
	Customers []Customer `json:"customers,omitempty"`
	Links     []Link     `json:"links,omitempty"`
}

// TokenResponse is the body of Login, ChangeCompany and Refresh.
type TokenResponse struct {
	AccessToken           string `json:"access_token"`
	AccessTokenExpiration string `json:"access_token_expiration"`
	RefreshToken          string `json:"refresh_token"`
}

// Pagination is the JSON in the X-Pagination header, with the vendor's mixed-case keys.
type Pagination struct {
	CurrentPage int `json:"current_Page"`
	TotalPages  int `json:"total_Pages"`
	PageSize    int `json:"page_Size"`
	TotalCount  int `json:"total_Count"`
}

// problem is the ASP.NET-style error body iPaaS.com answers with.
type problem struct {
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors map[string][]string `json:"errors,omitempty"`
}

// timeLayout writes UTC as "+00:00", as the vendor's samples show.
const timeLayout = "2006-01-02T15:04:05.999999-07:00"

// Time is a timestamp written as "2025-06-01T12:00:00+00:00".
type Time struct{ time.Time }

// MarshalJSON writes the vendor layout in UTC (null when zero).
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(timeLayout))
}

// UnmarshalJSON reads RFC 3339, with or without a zone (no zone means UTC).
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil || s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

func parseTime(s string) (time.Time, error) {
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
}
