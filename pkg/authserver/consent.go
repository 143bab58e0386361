package authserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// maxConsentBytes bounds the consent form: a name a line for every
// connection a person may have.
const maxConsentBytes = 64 << 10

// readOnlyPolicy is the grant's own policy when the person chose
// read-only; it only adds to the user's default policy.
const readOnlyPolicy = "version: 1\nread_only: true\n"

// consentChoice is the consent form's answer, checked.
type consentChoice struct {
	allow    bool
	readOnly bool
	scope    []string // the connections chosen; nil for all of them
}

// policy is the grant key's own policy ("" none).
func (c consentChoice) policy() string {
	if c.readOnly {
		return readOnlyPolicy
	}
	return ""
}

// consentFields are the fields the consent page sends; connection may
// repeat, the others appear at most once.
var consentFields = map[string]bool{"csrf": true, "decision": true, "read_only": true, "connections": true, "connection": true}

// readConsent checks the consent form against what the page offered for
// req: a field it does not have, a value it does not offer, or a
// connection the user does not have is refused, whatever the decision
// but deny, which is always honoured. The error is a *formError.
func (s *Server) readConsent(ctx context.Context, req store.OAuthRequest, form url.Values) (consentChoice, error) {
	if form.Get("decision") == "deny" {
		return consentChoice{}, nil
	}
	for k, v := range form {
		if !consentFields[k] || (k != "connection" && len(v) > 1) {
			return consentChoice{}, errForm("it has a field the consent page does not send (" + k + ")")
		}
	}
	if form.Get("decision") != "allow" {
		return consentChoice{}, errForm("its decision is neither allow nor deny")
	}
	c := consentChoice{allow: true}
	switch form.Get("read_only") {
	case "on":
		c.readOnly = true
	case "":
		if _, sent := form["read_only"]; sent {
			return consentChoice{}, errForm("its read-only choice is not one the page offers")
		}
	default:
		return consentChoice{}, errForm("its read-only choice is not one the page offers")
	}
	chosen := form["connection"]
	if req.Resource != "/mcp" {
		// The endpoint is one connection already: nothing to choose.
		if _, sent := form["connections"]; sent || len(chosen) > 0 {
			return consentChoice{}, errForm("it chooses connections for an application that asked for one")
		}
		return c, nil
	}
	switch form.Get("connections") {
	case "all":
		if len(chosen) > 0 {
			return consentChoice{}, &formError{http.StatusBadRequest, "You ticked connections but chose \"all your connections\": choose \"only these\" to limit the application to them. Nothing was granted."}
		}
		return c, nil
	case "chosen":
	default:
		return consentChoice{}, errForm("it chooses neither all connections nor some")
	}
	if len(chosen) == 0 {
		return consentChoice{}, &formError{http.StatusBadRequest, "You chose \"only these\" connections but ticked none: go back and tick at least one, or choose all. Nothing was granted."}
	}
	conns, err := s.st.User(req.UserID).ListConnections(ctx)
	if err != nil {
		s.log.Error("authorization server: list connections", "err", err.Error())
		return consentChoice{}, &formError{http.StatusServiceUnavailable, "mcpgate cannot read your connections right now; try again."}
	}
	for _, name := range chosen {
		if !slices.ContainsFunc(conns, func(c store.Connection) bool { return c.Name == name }) {
			return consentChoice{}, errForm(fmt.Sprintf("it names a connection you do not have (%q)", cleanName(name)))
		}
		if slices.Contains(c.scope, name) {
			return consentChoice{}, errForm(fmt.Sprintf("it names the connection %q twice", name))
		}
		c.scope = append(c.scope, name)
	}
	slices.Sort(c.scope)
	return c, nil
}

// formError is a refused consent form: the status and the page's sentence.
type formError struct {
	status int
	msg    string
}

func (e *formError) Error() string { return e.msg }

func errForm(why string) error {
	return &formError{http.StatusBadRequest, "The consent form was refused: " + why + ". Nothing was granted; reload the page and choose again."}
}
