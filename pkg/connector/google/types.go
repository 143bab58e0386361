package google

import "strings"

// The structs below decode only the fields the tools show; Google sends
// more, and encoding/json ignores the rest. Field names follow Gmail API
// v1 and Drive API v3.

// gmailMessage is users.messages.get (format full or metadata).
type gmailMessage struct {
	ID           string      `json:"id"`
	ThreadID     string      `json:"threadId"`
	LabelIDs     []string    `json:"labelIds"`
	Snippet      string      `json:"snippet"`
	InternalDate string      `json:"internalDate"` // ms since the epoch, as a string
	SizeEstimate int64       `json:"sizeEstimate"`
	Payload      messagePart `json:"payload"`
}

type messagePart struct {
	PartID   string          `json:"partId"`
	MimeType string          `json:"mimeType"`
	Filename string          `json:"filename"`
	Headers  []messageHeader `json:"headers"`
	Body     partBody        `json:"body"`
	Parts    []messagePart   `json:"parts"`
}

type messageHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type partBody struct {
	AttachmentID string `json:"attachmentId"`
	Size         int64  `json:"size"`
	Data         string `json:"data"` // base64url
}

// header returns the first header named name (case-insensitively).
func (p messagePart) header(name string) string {
	for _, h := range p.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

type messageList struct {
	Messages []struct {
		ID       string `json:"id"`
		ThreadID string `json:"threadId"`
	} `json:"messages"`
	NextPageToken      string `json:"nextPageToken"`
	ResultSizeEstimate int    `json:"resultSizeEstimate"`
}

type gmailLabel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"` // system or user
}

type labelList struct {
	Labels []gmailLabel `json:"labels"`
}

// gmailProfile is users.getProfile.
type gmailProfile struct {
	EmailAddress string `json:"emailAddress"`
}

// driveAbout is about.get with fields user(displayName,emailAddress).
type driveAbout struct {
	User struct {
		EmailAddress string `json:"emailAddress"`
		DisplayName  string `json:"displayName"`
	} `json:"user"`
}

// sentMessage is what messages.send and the message inside drafts.create
// answer: ids and labels only.
type sentMessage struct {
	ID       string   `json:"id"`
	ThreadID string   `json:"threadId"`
	LabelIDs []string `json:"labelIds"`
}

type gmailDraft struct {
	ID      string      `json:"id"`
	Message sentMessage `json:"message"`
}

// driveFile is a Drive v3 File resource. size is an int64 sent as a JSON
// string, and absent for Google Docs, Sheets and folders.
type driveFile struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	MimeType     string   `json:"mimeType"`
	Description  string   `json:"description"`
	Size         string   `json:"size"`
	CreatedTime  string   `json:"createdTime"`
	ModifiedTime string   `json:"modifiedTime"`
	WebViewLink  string   `json:"webViewLink"`
	Parents      []string `json:"parents"`
	Owners       []struct {
		DisplayName  string `json:"displayName"`
		EmailAddress string `json:"emailAddress"`
	} `json:"owners"`
	Trashed bool `json:"trashed"`
	Starred bool `json:"starred"`
	Shared  bool `json:"shared"`
}

type fileList struct {
	Files            []driveFile `json:"files"`
	NextPageToken    string      `json:"nextPageToken"`
	IncompleteSearch bool        `json:"incompleteSearch"`
}

// The fields asked of Drive: without a fields parameter it answers only
// id, name and mimeType.
const (
	fileFields     = "id,name,mimeType,description,size,createdTime,modifiedTime,webViewLink,parents,owners(displayName,emailAddress),trashed,starred,shared"
	listFileFields = "id,name,mimeType,size,modifiedTime,webViewLink"
	fileListFields = "nextPageToken,incompleteSearch,files(" + listFileFields + ")"
)
