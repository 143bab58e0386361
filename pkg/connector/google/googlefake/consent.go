package googlefake

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// knownScope accepts the identity scopes and Google API scope URLs.
func knownScope(sc string) bool {
	switch sc {
	case "openid", "email", "profile", ScopeMail:
		return true
	}
	return strings.HasPrefix(sc, "https://www.googleapis.com/auth/") && len(sc) > len("https://www.googleapis.com/auth/")
}

// grantedName is how Google reports a scope it granted: the short
// identity scopes come back as userinfo URLs.
func grantedName(sc string) string {
	switch sc {
	case "email":
		return "https://www.googleapis.com/auth/userinfo.email"
	case "profile":
		return "https://www.googleapis.com/auth/userinfo.profile"
	}
	return sc
}

var challengeChars = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// authorize is the authorization endpoint. Like Google, it shows an error
// page (and never redirects) for an unknown client or a redirect URI that
// is not registered, and for other malformed requests.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.auth.clients[q.Get("client_id")]
	redirect := q.Get("redirect_uri")
	scopes := strings.Fields(q.Get("scope"))
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method == "" {
		method = "plain" // RFC 7636's default
	}
	switch {
	case q.Get("client_id") == "":
		errorPage(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: client_id")
		return
	case !ok:
		errorPage(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	case redirect == "":
		errorPage(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: redirect_uri")
		return
	case !c.allows(redirect):
		errorPage(w, http.StatusBadRequest, "redirect_uri_mismatch", "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri="+redirect)
		return
	case q.Get("response_type") != "code":
		errorPage(w, http.StatusBadRequest, "unsupported_response_type", "Unsupported response type: "+q.Get("response_type"))
		return
	case len(scopes) == 0:
		errorPage(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: scope")
		return
	case method != "" && method != "S256" && method != "plain":
		errorPage(w, http.StatusBadRequest, "invalid_request", "Invalid code_challenge_method value.")
		return
	case method != "" && !challengeChars.MatchString(challenge):
		errorPage(w, http.StatusBadRequest, "invalid_request", "Invalid code_challenge value.")
		return
	}
	for i, sc := range scopes {
		if !knownScope(sc) {
			errorPage(w, http.StatusBadRequest, "invalid_scope", "Some requested scopes were invalid. {invalid=["+sc+"]}")
			return
		}
		scopes[i] = grantedName(sc)
	}
	req := AuthRequest{
		ClientID: q.Get("client_id"), RedirectURI: redirect, Scopes: scopes, State: q.Get("state"),
		CodeChallenge: challenge, CodeChallengeMethod: method, Offline: q.Get("access_type") == "offline",
	}
	if s.auth.autoApprove {
		http.Redirect(w, r, s.approvedURL(req), http.StatusFound)
		return
	}
	id := randomToken("consent-")
	s.auth.pending[id] = req
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = consentPage.Execute(w, map[string]any{"ID": id, "Email": Email, "Scopes": scopes})
}

// approve receives the consent page's form.
func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.auth.pending[r.PostForm.Get("request")]
	delete(s.auth.pending, r.PostForm.Get("request"))
	if !ok {
		errorPage(w, http.StatusBadRequest, "invalid_request", "This consent request is no longer valid; start again.")
		return
	}
	if r.PostForm.Get("decision") != "allow" {
		http.Redirect(w, r, withQuery(req.RedirectURI, "error", "access_denied", "state", req.State), http.StatusFound)
		return
	}
	http.Redirect(w, r, s.approvedURL(req), http.StatusFound)
}

// approvedURL issues a code and returns the redirect Google sends the
// browser to; mu is held.
func (s *Server) approvedURL(req AuthRequest) string {
	code := s.issueCodeLocked(req)
	return withQuery(req.RedirectURI, "state", req.State, "code", code,
		"scope", strings.Join(req.Scopes, " "), "authuser", "0", "prompt", "consent")
}

func withQuery(base string, kv ...string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func errorPage(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorTmpl.Execute(w, map[string]any{"Status": status, "Code": code, "Message": msg})
}

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in - Google Accounts</title></head>
<body><h1>The app wants access to your Google Account</h1>
<p id="account">{{.Email}}</p>
<ul id="scopes">{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="/o/oauth2/v2/auth/approve">
<input type="hidden" name="request" value="{{.ID}}">
<button type="submit" id="deny" name="decision" value="deny">Cancel</button>
<button type="submit" id="allow" name="decision" value="allow">Allow</button>
</form></body></html>
`))

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Error {{.Status}} ({{.Code}})</title></head>
<body><h1>Access blocked: authorization error</h1><p id="error">Error {{.Status}}: {{.Code}}</p><p>{{.Message}}</p></body></html>
`))
