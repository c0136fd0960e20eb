package ipaas

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/customersync/customer-sync-operator/internal/simulator/simhttp"
)

// token is an access token; company tokens open the customers API, user tokens only
// ChangeCompany.
type token struct {
	user      string
	companyID string // "" for a user token
	expires   time.Time
	refresh   string
}

type refreshGrant struct {
	access  string
	expires time.Time
}

// authority issues and checks tokens and static keys.
type authority struct {
	now func() time.Time

	mu         sync.RWMutex // read-locked on every API call, so calls do not queue on each other
	keys       []string
	users      []User
	ttl        time.Duration
	refreshTTL time.Duration
	tokens     map[string]*token
	refreshes  map[string]refreshGrant
	gen        *simhttp.IDGen
}

func newAuthority(o Options, now func() time.Time) *authority {
	a := &authority{now: now, gen: simhttp.NewIDGen(o.Seed ^ 0x5bd1e995)}
	a.reset(o)
	return a
}

func (a *authority) reset(o Options) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys = append([]string(nil), o.APIKeys...)
	if len(a.keys) == 0 {
		a.keys = []string{DefaultAPIKey}
	}
	a.users = append([]User(nil), o.Users...)
	if len(a.users) == 0 {
		a.users = []User{{EmailAddress: DefaultUser, Password: DefaultPassword}}
	}
	a.ttl = o.TokenTTL
	if a.ttl <= 0 {
		a.ttl = DefaultTokenTTL
	}
	a.refreshTTL = o.RefreshTTL
	if a.refreshTTL <= 0 {
		a.refreshTTL = 24 * time.Hour
	}
	a.tokens = map[string]*token{}
	a.refreshes = map[string]refreshGrant{}
}

// issue makes a token pair; the caller holds mu.
func (a *authority) issue(user, companyID string) TokenResponse {
	now := a.now()
	access, refresh := "sim_at_"+a.gen.Hex(24), "sim_rt_"+a.gen.Hex(24)
	t := &token{user: user, companyID: companyID, expires: now.Add(a.ttl), refresh: refresh}
	a.tokens[access] = t
	a.refreshes[refresh] = refreshGrant{access: access, expires: now.Add(a.refreshTTL)}
	return TokenResponse{AccessToken: access, AccessTokenExpiration: t.expires.UTC().Format(time.RFC3339), RefreshToken: refresh}
}

// live returns the token if it exists and has not expired; the caller holds mu.
func (a *authority) live(access string) (*token, string) {
	t, ok := a.tokens[access]
	switch {
	case access == "":
		return nil, "An access token is required."
	case !ok:
		return nil, "The access token is invalid."
	case !a.now().Before(t.expires):
		return nil, "The access token has expired."
	}
	return t, ""
}

// checkAPI returns "" when the bearer may call the customers API, else why not.
func (a *authority) checkAPI(bearer string) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	match := 0
	for _, k := range a.keys {
		match |= subtle.ConstantTimeCompare([]byte(k), []byte(bearer))
	}
	if bearer != "" && match == 1 {
		return ""
	}
	t, msg := a.live(bearer)
	if msg != "" {
		return msg
	}
	if t.companyID == "" {
		return "A company token is required: call /sso/v2/User/ChangeCompany/{companyId} first."
	}
	return ""
}

func bearer(r *http.Request) string {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		EmailAddress string `json:"email_address"`
		Password     string `json:"password"`
	}
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	errs := map[string][]string{}
	if in.EmailAddress == "" {
		errs["email_address"] = []string{"The email_address field is required."}
	}
	if in.Password == "" {
		errs["password"] = []string{"The password field is required."}
	}
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.users {
		if strings.EqualFold(u.EmailAddress, in.EmailAddress) &&
			subtle.ConstantTimeCompare([]byte(u.Password), []byte(in.Password)) == 1 {
			simhttp.WriteJSON(w, http.StatusOK, a.issue(u.EmailAddress, ""))
			return
		}
	}
	writeProblem(w, http.StatusUnauthorized, "Unauthorized", "Invalid email address or password.")
}

func (s *Server) changeCompany(w http.ResponseWriter, r *http.Request) {
	companyID := r.PathValue("companyId")
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	t, msg := a.live(bearer(r))
	if msg != "" {
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", msg)
		return
	}
	for _, u := range a.users {
		if !strings.EqualFold(u.EmailAddress, t.user) {
			continue
		}
		if len(u.CompanyIDs) > 0 && !slices.Contains(u.CompanyIDs, companyID) {
			writeProblem(w, http.StatusForbidden, "Forbidden", "The user has no access to company "+companyID+".")
			return
		}
		simhttp.WriteJSON(w, http.StatusOK, a.issue(t.user, companyID))
		return
	}
	writeProblem(w, http.StatusUnauthorized, "Unauthorized", "The user no longer exists.")
}

// refresh trades a refresh token (with its access token, expired or not) for a new pair of
// the same kind; both old tokens stop working.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := simhttp.ReadJSON(r, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	a := s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.refreshes[in.RefreshToken]
	if !ok || g.access != in.AccessToken || !a.now().Before(g.expires) {
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", "The refresh token is invalid or expired.")
		return
	}
	old := a.tokens[g.access]
	delete(a.refreshes, in.RefreshToken)
	delete(a.tokens, g.access)
	simhttp.WriteJSON(w, http.StatusOK, a.issue(old.user, old.companyID))
}

// SetTokenTTL changes the lifetime of tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.auth.mu.Lock()
	s.auth.ttl = d
	s.auth.mu.Unlock()
}

// ExpireTokens makes every access token issued so far expire now (refresh tokens stay valid),
// so tests can drive the refresh-once path without waiting.
func (s *Server) ExpireTokens() {
	a := s.auth
	a.mu.Lock()
	now := a.now()
	for _, t := range a.tokens {
		t.expires = now
	}
	a.mu.Unlock()
}

// SetAPIKeys replaces the accepted static keys (DefaultAPIKey when none).
func (s *Server) SetAPIKeys(keys ...string) {
	a := s.auth
	a.mu.Lock()
	a.keys = append([]string(nil), keys...)
	if len(a.keys) == 0 {
		a.keys = []string{DefaultAPIKey}
	}
	a.mu.Unlock()
}
