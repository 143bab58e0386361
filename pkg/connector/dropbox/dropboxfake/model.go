package dropboxfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

type token struct {
	scopes  []string
	expires time.Time // zero: never
	revoked bool
	refresh string // the refresh token it came from, if any
}

// hasAny reports whether the token has one of the "|"-separated scopes.
func (t *token) hasAny(scopes string) bool {
	for _, s := range strings.Split(scopes, "|") {
		if slices.Contains(t.scopes, s) {
			return true
		}
	}
	return false
}

type entry struct {
	folder       bool
	display      string // path_display
	id           string
	rev          string
	content      []byte
	modified     time.Time
	downloadable bool
}

func (e *entry) name() string { return path.Base(e.display) }

// view is files.Metadata; tag adds the ".tag" the union carries where a
// route returns Metadata rather than FileMetadata.
func (e *entry) view(tag bool) map[string]any {
	v := map[string]any{"name": e.name(), "path_lower": strings.ToLower(e.display), "path_display": e.display, "id": e.id}
	if e.folder {
		v[".tag"] = "folder"
		return v
	}
	if tag {
		v[".tag"] = "file"
	}
	ts := e.modified.UTC().Format(time.RFC3339)
	v["client_modified"], v["server_modified"] = ts, ts
	v["rev"], v["size"], v["is_downloadable"] = e.rev, len(e.content), e.downloadable
	v["content_hash"] = contentHash(e.content)
	return v
}

// contentHash is Dropbox's content_hash: SHA-256 over the concatenated
// SHA-256 digests of each 4 MiB block.
func contentHash(b []byte) string {
	const block = 4 << 20
	var sums []byte
	for len(b) > 0 {
		n := min(block, len(b))
		sum := sha256.Sum256(b[:n])
		sums = append(sums, sum[:]...)
		b = b[n:]
	}
	sum := sha256.Sum256(sums)
	return hex.EncodeToString(sum[:])
}

// lookup finds an entry by path ("/a/b", case-insensitive) or "id:…".
func (s *Server) lookup(p string) *entry {
	if strings.HasPrefix(p, "id:") {
		for _, e := range s.entries {
			if e.id == p {
				return e
			}
		}
		return nil
	}
	return s.entries[strings.ToLower(p)]
}

// put stores a file or folder, creating missing parent folders; the
// caller holds s.mu and has checked for conflicts.
func (s *Server) put(display string, folder bool, content []byte) *entry {
	if dir := path.Dir(display); dir != "/" && s.entries[strings.ToLower(dir)] == nil {
		s.put(dir, true, nil)
	}
	s.nextID++
	e := &entry{folder: folder, display: display, content: content, modified: s.now(), downloadable: true,
		id: fmt.Sprintf("id:fAkEiD%08dAAAA", s.nextID), rev: fmt.Sprintf("%015x", 0x5f0000000+s.nextID)}
	if old := s.entries[strings.ToLower(display)]; old != nil {
		e.id = old.id // an overwrite keeps the file's id
	}
	s.entries[strings.ToLower(display)] = e
	return e
}

// children lists what is under dir ("" for the root), sorted by path.
func (s *Server) children(dir string, recursive bool) []*entry {
	prefix := strings.ToLower(dir) + "/"
	var out []*entry
	for key, e := range s.entries {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		if recursive || !strings.Contains(key[len(prefix):], "/") {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *entry) int { return strings.Compare(strings.ToLower(a.display), strings.ToLower(b.display)) })
	return out
}

// File returns the content of the file at p, for tests to inspect.
func (s *Server) File(p string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(p)
	if e == nil || e.folder {
		return nil, false
	}
	return slices.Clone(e.content), true
}

// AddFile stores a file at p (creating its folders), replacing any file
// there, for tests that need more content than the seed.
func (s *Server) AddFile(p string, content []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(p, false, slices.Clone(content))
}
