package ipaas_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/ipaas"
)

func tokens(t *testing.T, r reply) ipaas.TokenResponse {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	var tr ipaas.TokenResponse
	if err := json.Unmarshal([]byte(r.raw), &tr); err != nil || tr.AccessToken == "" || tr.RefreshToken == "" {
		t.Fatalf("token body %s", r.raw)
	}
	if _, err := time.Parse(time.RFC3339, tr.AccessTokenExpiration); err != nil {
		t.Fatalf("access_token_expiration %q: %v", tr.AccessTokenExpiration, err)
	}
	return tr
}

func TestSignInFlow(t *testing.T) {
	s := seeded(t, ipaas.Options{Users: []ipaas.User{{EmailAddress: "ops@example.com", Password: "pw", CompanyIDs: []string{"42"}}}})
	get := func(tok string) int { return call(t, "GET", s.URL+"/customers/v2/Customer/158056", tok, "").status }

	if r := call(t, "POST", s.URL+"/sso/v2/Auth/Login", "", `{"email_address":"ops@example.com","password":"wrong"}`); r.status != 401 {
		t.Fatalf("wrong password: %d", r.status)
	}
	if r := call(t, "POST", s.URL+"/sso/v2/Auth/Login", "", `{"email_address":"ops@example.com"}`); r.status != 400 {
		t.Fatalf("missing password: %d", r.status)
	}
	user := tokens(t, call(t, "POST", s.URL+"/sso/v2/Auth/Login", "", `{"email_address":"OPS@example.com","password":"pw"}`))
	if get(user.AccessToken) != 401 {
		t.Error("a user token opened the customers API; it needs a company token")
	}
	if r := call(t, "GET", s.URL+"/sso/v2/User/ChangeCompany/7", user.AccessToken, ""); r.status != 403 {
		t.Errorf("foreign company: %d", r.status)
	}
	if r := call(t, "GET", s.URL+"/sso/v2/User/ChangeCompany/42", "", ""); r.status != 401 {
		t.Errorf("ChangeCompany without token: %d", r.status)
	}
	company := tokens(t, call(t, "GET", s.URL+"/sso/v2/User/ChangeCompany/42", user.AccessToken, ""))
	if get(company.AccessToken) != 200 {
		t.Fatal("company token refused")
	}

	s.ExpireTokens()
	r := call(t, "GET", s.URL+"/customers/v2/Customer/158056", company.AccessToken, "")
	if r.status != 401 || r.obj(t)["detail"] != "The access token has expired." {
		t.Fatalf("expired token: %d %s", r.status, r.raw)
	}
	if r := call(t, "POST", s.URL+"/sso/v2/Auth/Refresh", "", `{"access_token":"x","refresh_token":"`+company.RefreshToken+`"}`); r.status != 401 {
		t.Errorf("refresh with a mismatched access token: %d", r.status)
	}
	fresh := tokens(t, call(t, "POST", s.URL+"/sso/v2/Auth/Refresh", "", `{"access_token":"`+company.AccessToken+`","refresh_token":"`+company.RefreshToken+`"}`))
	if get(fresh.AccessToken) != 200 {
		t.Error("refreshed company token refused")
	}
	if r := call(t, "POST", s.URL+"/sso/v2/Auth/Refresh", "", `{"access_token":"`+company.AccessToken+`","refresh_token":"`+company.RefreshToken+`"}`); r.status != 401 {
		t.Errorf("a refresh token worked twice: %d", r.status)
	}
	if s.CountFor(ipaas.RouteRefresh) != 3 || s.CountFor(ipaas.RouteLogin) != 3 {
		t.Errorf("counts %v", s.Counts())
	}
}

func TestShortTokenTTL(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := seeded(t, ipaas.Options{TokenTTL: time.Minute, Now: clock})
	user := tokens(t, call(t, "POST", s.URL+"/sso/v2/Auth/Login", "", `{"email_address":"`+ipaas.DefaultUser+`","password":"`+ipaas.DefaultPassword+`"}`))
	company := tokens(t, call(t, "GET", s.URL+"/sso/v2/User/ChangeCompany/"+ipaas.DefaultCompanyID, user.AccessToken, ""))
	if company.AccessTokenExpiration != "2025-01-01T00:01:00Z" {
		t.Errorf("expiration %s", company.AccessTokenExpiration)
	}
	s.SetTokenTTL(0) // tokens issued from now on are born expired
	short := tokens(t, call(t, "GET", s.URL+"/sso/v2/User/ChangeCompany/"+ipaas.DefaultCompanyID, user.AccessToken, ""))
	if r := call(t, "GET", s.URL+"/customers/v2/Customer/158056", short.AccessToken, ""); r.status != 401 {
		t.Errorf("zero-TTL token accepted: %d", r.status)
	}
	if r := call(t, "GET", s.URL+"/customers/v2/Customer/158056", company.AccessToken, ""); r.status != 200 {
		t.Errorf("earlier token refused: %d", r.status)
	}
}

func TestStaticKeyRotation(t *testing.T) {
	s := seeded(t, ipaas.Options{})
	s.SetAPIKeys("k2")
	if r := call(t, "GET", s.URL+"/customers/v2/Customer/158056", key, ""); r.status != 401 {
		t.Errorf("old key: %d", r.status)
	}
	if r := call(t, "GET", s.URL+"/customers/v2/Customer/158056", "k2", ""); r.status != 200 {
		t.Errorf("new key: %d", r.status)
	}
}
