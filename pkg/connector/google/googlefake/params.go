package googlefake

import (
	"maps"
	"net/http"
	"slices"
)

// standardParams are the query parameters every Google API method takes
// (the discovery documents' top-level "parameters").
var standardParams = []string{"$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token", "prettyPrint", "quotaUser", "uploadType", "upload_protocol"}

// queryParams are the query parameters each route takes besides the
// standard ones, from the Gmail v1 and Drive v3 references. Google answers
// 400 to any other ("Cannot bind query parameter").
var queryParams = map[string][]string{
	"GET /gmail/v1/users/{user}/profile":        nil,
	"GET /gmail/v1/users/{user}/messages":       {"includeSpamTrash", "labelIds", "maxResults", "pageToken", "q"},
	"GET /gmail/v1/users/{user}/messages/{id}":  {"format", "metadataHeaders"},
	"POST /gmail/v1/users/{user}/messages/send": nil,
	"POST /gmail/v1/users/{user}/drafts":        nil,
	"GET /gmail/v1/users/{user}/labels":         nil,
	"GET /drive/v3/about":                       nil,
	"GET /drive/v3/files": {"corpora", "corpus", "driveId", "includeItemsFromAllDrives", "includeLabels",
		"includePermissionsForView", "includeTeamDriveItems", "orderBy", "pageSize", "pageToken", "q", "spaces",
		"supportsAllDrives", "supportsTeamDrives", "teamDriveId"},
	"GET /drive/v3/files/{id}":        {"acknowledgeAbuse", "includeLabels", "includePermissionsForView", "supportsAllDrives", "supportsTeamDrives"},
	"GET /drive/v3/files/{id}/export": {"mimeType"},
	"POST /upload/drive/v3/files": {"enforceSingleParent", "ignoreDefaultVisibility", "includeLabels", "includePermissionsForView",
		"keepRevisionForever", "ocrLanguage", "supportsAllDrives", "supportsTeamDrives", "useContentAsIndexableText"},
}

// QueryParams returns, by route pattern, the query parameters the fake
// accepts besides the standard ones, for tests that hold them against
// Google's discovery documents.
func QueryParams() map[string][]string {
	out := maps.Clone(queryParams)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}

// knownParams refuses a query parameter the route does not take.
func knownParams(w http.ResponseWriter, r *http.Request) bool {
	allowed, ok := queryParams[r.Pattern]
	if !ok {
		return true
	}
	for name := range r.URL.Query() {
		if !slices.Contains(allowed, name) && !slices.Contains(standardParams, name) {
			badRequest(w, "Invalid JSON payload received. Unknown name \""+name+"\": Cannot bind query parameter. Field '"+name+"' could not be found in request message.", "")
			return false
		}
	}
	return true
}
