package kmsfake

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
	maxClockSkew = 5 * time.Minute
)

// verify checks r's SigV4 signature the way KMS does: the credential scope
// must name the fake's access key, today's date, its region and "kms", and
// the signature recomputed with the fake's secret over the received
// method, path, query, signed headers and body hash must match.
func (s *Server) verify(r *http.Request, body []byte) *apiError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errorf("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	got, ok := parseAuthorization(auth)
	if !ok {
		return errorf("IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
	}
	scope := strings.Split(got.credential, "/")
	if len(scope) != 5 {
		return errorf("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.")
	}
	if scope[0] != s.creds.AccessKeyID {
		return errorf("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	at, err := time.Parse(amzDateFmt, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return errorf("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	switch {
	case scope[1] != at.Format("20060102"):
		return errorf("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
	case scope[2] != s.region:
		return errorf("InvalidSignatureException", "Credential should be scoped to a valid region, not '%s'.", scope[2])
	case scope[3] != "kms" || scope[4] != "aws4_request":
		return errorf("InvalidSignatureException", "Credential should be scoped to correct service: 'kms'.")
	}
	if skew := time.Since(at); skew > maxClockSkew || skew < -maxClockSkew {
		return errorf("InvalidSignatureException", "Signature expired: %s is now earlier than %s (5 min. skew allowed).",
			at.Format(amzDateFmt), time.Now().UTC().Add(-maxClockSkew).Format(amzDateFmt))
	}
	if tok := s.creds.SessionToken; tok != "" && r.Header.Get("X-Amz-Security-Token") != tok {
		return errorf("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	if !slices.Contains(got.signedHeaders, "host") {
		return errorf("InvalidSignatureException", "'Host' must be a signed header field.")
	}

	// Rebuild the request from exactly the headers the client signed and
	// sign it again with the secret only the fake and the client know.
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	re, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return errorf("InvalidSignatureException", "cannot rebuild request: %s", err.Error())
	}
	re.Host = r.Host
	for _, h := range got.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			re.ContentLength = int64(len(body))
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return errorf("InvalidSignatureException", "signed header %s is missing from the request", h)
			}
			re.Header[textproto.CanonicalMIMEHeaderKey(h)] = vals
		}
	}
	sum := sha256.Sum256(body)
	creds := s.creds
	if r.Header.Get("X-Amz-Security-Token") == "" {
		creds.SessionToken = ""
	}
	err = v4.NewSigner().SignHTTP(context.Background(), creds, re, hex.EncodeToString(sum[:]), "kms", scope[2], at)
	if err != nil {
		return errorf("InvalidSignatureException", "cannot recompute signature: %s", err.Error())
	}
	want, ok := parseAuthorization(re.Header.Get("Authorization"))
	if !ok || !slices.Equal(want.signedHeaders, got.signedHeaders) ||
		!hmac.Equal([]byte(want.signature), []byte(got.signature)) {
		return errorf("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

type authorization struct {
	credential    string
	signedHeaders []string
	signature     string
}

// parseAuthorization splits "AWS4-HMAC-SHA256 Credential=..,
// SignedHeaders=..;.., Signature=..".
func parseAuthorization(h string) (authorization, bool) {
	algo, rest, ok := strings.Cut(h, " ")
	if !ok || algo != sigAlgorithm {
		return authorization{}, false
	}
	var a authorization
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			a.credential = v
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	return a, a.credential != "" && len(a.signedHeaders) > 0 && a.signature != ""
}
