package connector_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func TestParseErrorBody(t *testing.T) {
	cases := []struct {
		name string
		body string
		want connector.ErrorDetail
	}{
		{"99minds", `{"code": 422, "message": "email is required"}`,
			connector.ErrorDetail{Message: "email is required"}},
		{"iPaaS", `{"title": "One or more validation errors occurred.", "status": 400, "errors": {"email_address": ["The email_address field is required."]}}`,
			connector.ErrorDetail{Message: "One or more validation errors occurred.",
				FieldErrors: map[string][]string{"email_address": {"The email_address field is required."}}}},
		{"openai", `{"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}`,
			connector.ErrorDetail{Message: "You exceeded your current quota", Code: "insufficient_quota"}},
		{"openai param", `{"error": {"message": "bad model", "type": "invalid_request_error", "param": "model", "code": null}}`,
			connector.ErrorDetail{Message: "bad model", Code: "invalid_request_error", FieldErrors: map[string][]string{"model": {"bad model"}}}},
		{"html", `<html><body>502 Bad Gateway</body></html>`, connector.ErrorDetail{}},
		{"empty", ``, connector.ErrorDetail{}},
		{"single-string errors", `{"title":"x","errors":{"a":"b"}}`,
			connector.ErrorDetail{Message: "x", FieldErrors: map[string][]string{"a": {"b"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := connector.ParseErrorBody([]byte(c.body))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
	long := connector.ParseErrorBody([]byte(`{"message":"` + strings.Repeat("é", 1000) + `"}`))
	if len(long.Message) > 600 {
		t.Errorf("message not clipped: %d bytes", len(long.Message))
	}
}
