package dropbox

import "cmp"

// The structs hold only the fields the tools show; Dropbox sends more.

// metadata is files.Metadata: a file, folder or deleted entry, told apart
// by .tag (absent where the route returns FileMetadata alone).
type metadata struct {
	Tag            string `json:".tag"`
	Name           string `json:"name"`
	ID             string `json:"id"`
	PathLower      string `json:"path_lower"`
	PathDisplay    string `json:"path_display"`
	Size           int64  `json:"size"`
	ServerModified string `json:"server_modified"`
	Rev            string `json:"rev"`
	IsDownloadable *bool  `json:"is_downloadable"`
}

func (m metadata) path() string { return cmp.Or(m.PathDisplay, m.PathLower, m.Name) }

type listFolderArg struct {
	Path      string `json:"path"`
	Recursive bool   `json:"recursive"`
	Limit     int    `json:"limit"`
}

type listFolderResult struct {
	Entries []metadata `json:"entries"`
	Cursor  string     `json:"cursor"`
	HasMore bool       `json:"has_more"`
}

type searchOptions struct {
	Path       string `json:"path,omitempty"`
	MaxResults int    `json:"max_results"`
	FileStatus string `json:"file_status"`
}

type searchArg struct {
	Query   string        `json:"query"`
	Options searchOptions `json:"options"`
}

type searchResult struct {
	Matches []struct {
		Metadata struct {
			Tag      string   `json:".tag"`
			Metadata metadata `json:"metadata"`
		} `json:"metadata"`
	} `json:"matches"`
	HasMore bool `json:"has_more"`
}

type uploadArg struct {
	Path       string `json:"path"`
	Mode       string `json:"mode"`
	Autorename bool   `json:"autorename"`
	Mute       bool   `json:"mute"`
}

type tagged struct {
	Tag string `json:".tag"`
}

type sharedLink struct {
	Tag         string `json:".tag"`
	URL         string `json:"url"`
	Name        string `json:"name"`
	PathLower   string `json:"path_lower"`
	Expires     string `json:"expires"`
	Permissions struct {
		ResolvedVisibility tagged `json:"resolved_visibility"`
	} `json:"link_permissions"`
}

type listSharedLinksResult struct {
	Links []sharedLink `json:"links"`
}

type account struct {
	AccountID string `json:"account_id"`
	Email     string `json:"email"`
	Name      struct {
		DisplayName string `json:"display_name"`
	} `json:"name"`
}
