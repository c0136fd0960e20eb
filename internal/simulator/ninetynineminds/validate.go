package ninetynineminds

import (
	"regexp"
	"strings"
)

// phonePattern is the 99minds rule: numeric, or international ("+" then 8 to 15 digits).
var phonePattern = regexp.MustCompile(`^(\+[0-9]{8,15}|[0-9]+)$`)

// ValidPhone reports whether p passes the 99minds phone rule; empty is allowed.
func ValidPhone(p string) bool { return p == "" || phonePattern.MatchString(p) }

// validateCustomer returns the 422 message for a customer 99minds would reject, or "".
// Records seeded through the admin API skip this, so tests can plant bad data.
func validateCustomer(c Customer) string {
	switch {
	case strings.TrimSpace(c.Email) == "":
		return "email is required"
	case !strings.Contains(c.Email, "@"):
		return "email is invalid"
	case strings.TrimSpace(c.Name) == "":
		return "name is required"
	case !ValidPhone(c.PhoneNumber):
		return "phone_number must be numeric or in international format (+ followed by 8 to 15 digits)"
	}
	return ""
}
