package fakekit

import (
	"encoding/json"
	"net/http"
)

// WriteJSON sends v as JSON with status. contentType is the provider's own
// label (with or without a charset, in its spelling), since a fake must be
// faithful to the wire format down to the headers a client may check.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
