package google

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// idPattern is what Gmail message ids (hex) and Drive file ids (base64url
// alphabet) are made of; anything else could change which endpoint a
// request reaches instead of naming one thing on it.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// driveURLID finds the file id in a Drive or Docs link such as
// https://docs.google.com/document/d/ID/edit or ...open?id=ID, since a
// person often hands the model a link rather than an id.
var driveURLID = regexp.MustCompile(`/d/([A-Za-z0-9_-]+)`)

// normMessageID trims a Gmail message id and refuses anything else.
func normMessageID(v *string) error {
	id := strings.TrimSpace(*v)
	if id == "" {
		return errors.New("id is required (a message id from gmail_search, e.g. 18c2f0a1b2c3d4e5)")
	}
	if !idPattern.MatchString(id) {
		return fmt.Errorf("id %q is not a Gmail message id (ids come from gmail_search, e.g. 18c2f0a1b2c3d4e5)", id)
	}
	*v = id
	return nil
}

// normFileID rewrites a file_id argument (an id, or a Drive/Docs link)
// into the bare id.
func normFileID(v *string) error {
	id, err := fileID(*v)
	*v = id
	return err
}

func fileID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", errors.New("file_id is required (a file id from drive_search, or the file's Drive link)")
	}
	if strings.Contains(id, "://") {
		if u, err := url.Parse(id); err == nil {
			if m := driveURLID.FindStringSubmatch(u.Path); m != nil {
				id = m[1]
			} else if q := u.Query().Get("id"); q != "" {
				id = q
			}
		}
	}
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("file_id %q is not a Drive file id (ids come from drive_search, e.g. 1AbC_dEf-123)", id)
	}
	return id, nil
}

// noLineBreaks refuses CR, LF and other control characters in a value that
// goes into a mail header, where a line break would start a new header
// (header injection) or end the header section.
func noLineBreaks(name, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("%s must not contain line breaks (CR or LF)", name)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		return fmt.Errorf("%s must not contain control characters", name)
	}
	return nil
}
