package ipaas

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/connector"
)

// Sign-in paths [doc].
const (
	pathLogin         = "/sso/v2/Auth/Login"
	pathChangeCompany = "/sso/v2/User/ChangeCompany/"
	pathRefresh       = "/sso/v2/Auth/Refresh"
)

// tokenResponse is the body of Login, ChangeCompany and Refresh [doc].
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	AccessTokenExpiration any    `json:"access_token_expiration"`
	RefreshToken          string `json:"refresh_token"`
}

// token is a company token and when to replace it.
type token struct {
	access, refresh string
	renewAt         time.Time
}

// tokenAuth signs in with username, password and company id and keeps a
// company token fresh. Only one goroutine signs in or refreshes at a time;
// the others wait for its token. Tokens and the password never leave this
// type except in the Authorization header.
type tokenAuth struct {
	signIn                    *connector.Client // sends no credentials of its own
	user, password, companyID string
	now                       func() time.Time

	sem chan struct{} // held while signing in or refreshing

	mu    sync.Mutex
	tok   *token
	stale string // an access token the server rejected
}

func newTokenAuth(cfg Config, tr http.RoundTripper) (*tokenAuth, error) {
	a := &tokenAuth{
		user: cfg.Credential(CredentialUsername), password: cfg.Credential(CredentialPassword),
		companyID: cfg.Credential(CredentialCompanyID), now: cfg.Now, sem: make(chan struct{}, 1),
	}
	if _, err := connector.PathSegment(System, "Configure", a.companyID); err != nil {
		return nil, connector.InvalidConfig(System, "companyId is not a valid company id")
	}
	c, err := connector.NewClient(connector.ClientConfig{
		System: System, BaseURL: cfg.BaseURL, Transport: tr, Secrets: a.Secrets,
	})
	if err != nil {
		return nil, err
	}
	a.signIn = c
	return a, nil
}

// Authorize sets a live company token, signing in or refreshing first when
// there is none, it is due for renewal, or the server rejected it.
func (a *tokenAuth) Authorize(ctx context.Context, req *http.Request) error {
	access, err := a.current(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	return nil
}

// Rejected marks the token the request carried as stale, so the retry the
// client makes once gets a refreshed one.
func (a *tokenAuth) Rejected(_ context.Context, req *http.Request) bool {
	used := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	if a.tok != nil && a.tok.access == used {
		a.stale = used
	}
	a.mu.Unlock()
	return true
}

// Secrets returns the password and the live tokens.
func (a *tokenAuth) Secrets() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []string{a.password, a.user}
	if a.tok != nil {
		out = append(out, a.tok.access, a.tok.refresh)
	}
	if a.stale != "" {
		out = append(out, a.stale)
	}
	return out
}

func (a *tokenAuth) usable() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == nil || a.tok.access == a.stale || !a.now().Before(a.tok.renewAt) {
		return "", false
	}
	return a.tok.access, true
}

func (a *tokenAuth) current(ctx context.Context) (string, error) {
	if access, ok := a.usable(); ok {
		return access, nil
	}
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		return "", connector.FromCause(System, "SignIn", "", ctx.Err())
	}
	defer func() { <-a.sem }()
	if access, ok := a.usable(); ok { // another goroutine renewed it meanwhile
		return access, nil
	}
	a.mu.Lock()
	old := a.tok
	a.mu.Unlock()
	var tok *token
	var err error
	if old != nil {
		tok, err = a.refreshToken(ctx, old)
	}
	if old == nil || err != nil {
		if ctx.Err() != nil {
			return "", connector.FromCause(System, "SignIn", "", ctx.Err())
		}
		tok, err = a.login(ctx)
	}
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.tok, a.stale = tok, ""
	a.mu.Unlock()
	return tok.access, nil
}

// login signs in and switches to the company: two calls, two tokens.
func (a *tokenAuth) login(ctx context.Context) (*token, error) {
	var user tokenResponse
	body := map[string]string{"email_address": a.user, "password": a.password}
	if err := a.signIn.Do(ctx, connector.Call{Operation: "SignIn", Method: http.MethodPost, Path: pathLogin,
		Body: body, Out: &user, Public: true, Sensitive: true}); err != nil {
		return nil, signInFailed(err, "sign-in failed: check the username and password")
	}
	if user.AccessToken == "" {
		return nil, connector.BadResponse(System, "SignIn", "POST "+pathLogin, errors.New("no access_token"))
	}
	var company tokenResponse
	if err := a.signIn.Do(ctx, connector.Call{Operation: "ChangeCompany", Method: http.MethodGet,
		Path: pathChangeCompany + url.PathEscape(a.companyID), Out: &company, Sensitive: true,
		Auth: connector.Bearer(user.AccessToken)}); err != nil {
		return nil, signInFailed(err, "switching to the company failed: check companyId and the user's access to it")
	}
	return a.newToken(company, "ChangeCompany")
}

// refreshToken trades the refresh token for a new company token.
func (a *tokenAuth) refreshToken(ctx context.Context, old *token) (*token, error) {
	var out tokenResponse
	body := map[string]string{"access_token": old.access, "refresh_token": old.refresh}
	if err := a.signIn.Do(ctx, connector.Call{Operation: "RefreshToken", Method: http.MethodPost, Path: pathRefresh,
		Body: body, Out: &out, Public: true, Sensitive: true}); err != nil {
		return nil, err
	}
	return a.newToken(out, "RefreshToken")
}

func (a *tokenAuth) newToken(r tokenResponse, op string) (*token, error) {
	if r.AccessToken == "" {
		return nil, connector.BadResponse(System, op, "", errors.New("no access_token"))
	}
	now := a.now()
	return &token{access: r.AccessToken, refresh: r.RefreshToken, renewAt: renewAt(now, tokenExpiry(r.AccessTokenExpiration, now))}, nil
}

// signInFailed keeps the classified error and says what to check.
func signInFailed(err error, hint string) error {
	var e *connector.Error
	if errors.As(err, &e) && e.Class == connector.Permanent {
		e.Message = hint
	}
	return err
}

// renewAt is when to replace a token expiring at exp: a fifth of its
// lifetime early, at most a minute, so a slow call never carries a token
// that expires in flight.
func renewAt(now, exp time.Time) time.Time {
	margin := min(exp.Sub(now)/5, time.Minute)
	return exp.Add(-margin)
}
