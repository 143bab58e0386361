package googlefake

import (
	"errors"
	"strings"
)

// fieldTree is a parsed partial-response selector such as
// "nextPageToken,files(id,name,owners(emailAddress))": each name maps to
// the selection inside it, or nil for the whole value.
type fieldTree map[string]fieldTree

func parseFields(s string) (fieldTree, error) {
	i := 0
	t, err := parseFieldList(s, &i, false)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func parseFieldList(s string, i *int, nested bool) (fieldTree, error) {
	t := fieldTree{}
	for {
		start := *i
		for *i < len(s) && !strings.ContainsRune(",()", rune(s[*i])) {
			*i++
		}
		name := strings.TrimSpace(s[start:*i])
		if name == "" {
			return nil, errors.New("empty field name")
		}
		var sub fieldTree
		if *i < len(s) && s[*i] == '(' {
			*i++
			var err error
			if sub, err = parseFieldList(s, i, true); err != nil {
				return nil, err
			}
			if *i >= len(s) || s[*i] != ')' {
				return nil, errors.New("unclosed parenthesis")
			}
			*i++
		}
		t.insert(strings.Split(name, "/"), sub)
		if *i >= len(s) {
			if nested {
				return nil, errors.New("unclosed parenthesis")
			}
			return t, nil
		}
		switch s[*i] {
		case ',':
			*i++
		case ')':
			if !nested {
				return nil, errors.New("unbalanced parenthesis")
			}
			return t, nil
		default:
			return nil, errors.New("unexpected character")
		}
	}
}

func (t fieldTree) insert(path []string, sub fieldTree) {
	name := strings.TrimSpace(path[0])
	if len(path) == 1 {
		if cur, ok := t[name]; ok && cur == nil {
			return // already the whole value
		}
		if sub == nil {
			t[name] = nil
			return
		}
		if t[name] == nil {
			t[name] = fieldTree{}
		}
		for k, v := range sub {
			t[name][k] = v
		}
		return
	}
	if cur, ok := t[name]; ok && cur == nil {
		return
	}
	if t[name] == nil {
		t[name] = fieldTree{}
	}
	t[name].insert(path[1:], sub)
}

// apply keeps the selected parts of v (decoded JSON).
func (t fieldTree) apply(v any) any {
	if t == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		if _, all := t["*"]; all {
			for k, val := range x {
				out[k] = val
			}
		}
		for k, sub := range t {
			if val, ok := x[k]; ok {
				out[k] = sub.apply(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = t.apply(e)
		}
		return out
	}
	return v
}

// unknown returns the first name in t (not "*") that is not in known.
func (t fieldTree) unknown(known map[string]bool) string {
	for k := range t {
		if k != "*" && !known[k] {
			return k
		}
	}
	return ""
}

func setOf(names string) map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Split(names, ",") {
		m[n] = true
	}
	return m
}

// fileFieldNames are the Drive v3 File fields; asking for another name is
// a 400, as with Drive.
var fileFieldNames = setOf("kind,driveId,fileExtension,copyRequiresWriterPermission,md5Checksum,contentHints," +
	"writersCanShare,viewedByMe,mimeType,exportLinks,parents,thumbnailLink,iconLink,shared,lastModifyingUser," +
	"owners,headRevisionId,sharingUser,webViewLink,webContentLink,size,viewersCanCopyContent,permissions," +
	"hasThumbnail,spaces,folderColorRgb,id,name,description,starred,trashed,explicitlyTrashed,createdTime," +
	"modifiedTime,modifiedByMeTime,viewedByMeTime,sharedWithMeTime,quotaBytesUsed,version,originalFilename," +
	"ownedByMe,fullFileExtension,properties,appProperties,isAppAuthorized,teamDriveId,capabilities," +
	"hasAugmentedPermissions,trashingUser,thumbnailVersion,trashedTime,modifiedByMe,permissionIds," +
	"imageMediaMetadata,videoMediaMetadata,shortcutDetails,contentRestrictions,resourceKey,linkShareMetadata," +
	"labelInfo,sha1Checksum,sha256Checksum,inheritedPermissionsDisabled,downloadRestrictions")

var fileListFieldNames = setOf("kind,nextPageToken,incompleteSearch,files")
