package ipaas

import (
	"fmt"
	"strings"
)

// requiredFields are the fields iPaaS.com insists on, in the order errors are reported.
var requiredFields = []string{"customer_number", "first_name", "last_name", "email_address"}

// apply copies the given fields onto c (standard fields replace, custom fields merge by name)
// and returns the validation errors, keyed as ASP.NET keys them. create demands every required
// field; an update only rejects required fields given empty.
func (s *Server) apply(c *Customer, in customerInput, create bool) map[string][]string {
	errs := map[string][]string{}
	std := map[string]*string{
		"customer_number": in.CustomerNumber, "first_name": in.FirstName,
		"last_name": in.LastName, "email_address": in.EmailAddress,
	}
	for _, name := range requiredFields {
		v := std[name]
		if (v == nil && create) || (v != nil && strings.TrimSpace(*v) == "") {
			errs[name] = []string{fmt.Sprintf("The %s field is required.", name)}
		}
	}
	if in.EmailAddress != nil && *in.EmailAddress != "" && !strings.Contains(*in.EmailAddress, "@") {
		errs["email_address"] = []string{"The email_address field is not a valid e-mail address."}
	}
	defs := s.CustomFieldDefinitions()
	merged := c.CustomFields
	for i, f := range in.CustomFields {
		def, ok := findDefinition(defs, f.Name)
		switch {
		case strings.TrimSpace(f.Name) == "":
			errs[fmt.Sprintf("custom_fields[%d].custom_field_name", i)] = []string{"The custom_field_name field is required."}
		case !ok:
			errs[fmt.Sprintf("custom_fields[%d].custom_field_name", i)] = []string{
				fmt.Sprintf("The custom field '%s' is not defined for the customer collection.", f.Name)}
		case strings.TrimSpace(f.Value) == "":
			errs[fmt.Sprintf("custom_fields[%d].value", i)] = []string{
				fmt.Sprintf("The value of custom field '%s' must not be empty.", f.Name)}
		default:
			merged = mergeField(merged, CustomField{Name: def.Name, Value: f.Value})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.CustomerNumber, in.CustomerNumber)
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	set(&c.EmailAddress, in.EmailAddress)
	set(&c.Company, in.Company)
	set(&c.Comment, in.Comment)
	if in.CategoryID != nil {
		c.CategoryID = in.CategoryID
	}
	if in.Categories != nil {
		c.Categories = *in.Categories
	}
	c.CustomFields = merged
	return nil
}

// findDefinition matches a custom field name case-insensitively.
func findDefinition(defs []CustomFieldDefinition, name string) (CustomFieldDefinition, bool) {
	for _, d := range defs {
		if strings.EqualFold(d.Name, strings.TrimSpace(name)) {
			return d, true
		}
	}
	return CustomFieldDefinition{}, false
}

func mergeField(fields []CustomField, f CustomField) []CustomField {
	out := make([]CustomField, 0, len(fields)+1)
	replaced := false
	for _, old := range fields {
		if strings.EqualFold(old.Name, f.Name) {
			out = append(out, f)
			replaced = true
			continue
		}
		out = append(out, old)
	}
	if !replaced {
		out = append(out, f)
	}
	return out
}
