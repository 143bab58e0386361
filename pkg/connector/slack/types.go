package slack

// The structs hold only the fields the tools show; Slack sends many more.

type authTest struct {
	URL    string `json:"url"`
	Team   string `json:"team"`
	User   string `json:"user"`
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
	BotID  string `json:"bot_id"`
}

type textValue struct {
	Value string `json:"value"`
}

type channel struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	IsChannel  bool      `json:"is_channel"`
	IsGroup    bool      `json:"is_group"`
	IsIM       bool      `json:"is_im"`
	IsMPIM     bool      `json:"is_mpim"`
	IsPrivate  bool      `json:"is_private"`
	IsArchived bool      `json:"is_archived"`
	IsMember   bool      `json:"is_member"`
	NumMembers int       `json:"num_members"`
	User       string    `json:"user"` // the other party of an im
	Topic      textValue `json:"topic"`
	Purpose    textValue `json:"purpose"`
}

type file struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Mimetype string `json:"mimetype"`
}

type message struct {
	Type       string `json:"type"`
	Subtype    string `json:"subtype"`
	User       string `json:"user"`
	BotID      string `json:"bot_id"`
	Username   string `json:"username"`
	Text       string `json:"text"`
	TS         string `json:"ts"`
	ThreadTS   string `json:"thread_ts"`
	ReplyCount int    `json:"reply_count"`
	Files      []file `json:"files"`
}

type profile struct {
	RealName    string `json:"real_name"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Title       string `json:"title"`
	Phone       string `json:"phone"`
	StatusText  string `json:"status_text"`
}

type user struct {
	ID       string  `json:"id"`
	TeamID   string  `json:"team_id"`
	Name     string  `json:"name"`
	Deleted  bool    `json:"deleted"`
	RealName string  `json:"real_name"`
	TZ       string  `json:"tz"`
	IsAdmin  bool    `json:"is_admin"`
	IsOwner  bool    `json:"is_owner"`
	IsBot    bool    `json:"is_bot"`
	IsGuest  bool    `json:"is_restricted"`
	Profile  profile `json:"profile"`
}

type responseMetadata struct {
	NextCursor string `json:"next_cursor"`
}

type channelList struct {
	Channels []channel        `json:"channels"`
	Meta     responseMetadata `json:"response_metadata"`
}

type messageList struct {
	Messages []message        `json:"messages"`
	HasMore  bool             `json:"has_more"`
	Meta     responseMetadata `json:"response_metadata"`
}

type userList struct {
	Members []user           `json:"members"`
	Meta    responseMetadata `json:"response_metadata"`
}

type userInfo struct {
	User user `json:"user"`
}

type postMessageRequest struct {
	Channel        string `json:"channel"`
	Text           string `json:"text"`
	ThreadTS       string `json:"thread_ts,omitempty"`
	ReplyBroadcast bool   `json:"reply_broadcast,omitempty"`
}

type postMessageResponse struct {
	Channel string  `json:"channel"`
	TS      string  `json:"ts"`
	Message message `json:"message"`
}
