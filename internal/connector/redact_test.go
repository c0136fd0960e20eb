package connector_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

func TestRequestLineRedacts(t *testing.T) {
	u, _ := url.Parse("https://user:pw@api.example.com/customers/v2/Customers?action=equals&EmailAddress=jane%40example.com&api_key=s3cr3t&pageNumber=2")
	got := connector.RequestLine("GET", u)
	want := "GET /customers/v2/Customers?EmailAddress=%5BREDACTED%5D&action=equals&api_key=%5BREDACTED%5D&pageNumber=2"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, leak := range []string{"s3cr3t", "jane", "user", "pw@", "api.example.com"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q leaked into %q", leak, got)
		}
	}
}

func TestScrubber(t *testing.T) {
	sc := connector.NewScrubber(func() []string { return []string{"tok_123456", "abc"} })
	e := &connector.Error{System: "s", Message: "bad token tok_123456", Request: "GET /x?t=tok_123456",
		FieldErrors: map[string][]string{"tok_123456": {"tok_123456 expired"}}}
	sc.Error(e)
	if strings.Contains(e.Error(), "tok_123456") {
		t.Errorf("secret left in %q", e.Error())
	}
	if got := sc.String("abc is short"); got != "abc is short" {
		t.Errorf("short values must not be scrubbed: %q", got)
	}
}

// A bearer key printed by mistake, with any verb, shows no key.
func TestBearerKeyDoesNotPrintItsKey(t *testing.T) {
	k := connector.Bearer("sk-secret-value")
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(out, "sk-secret-value") {
			t.Errorf("printed %q", out)
		}
	}
}
