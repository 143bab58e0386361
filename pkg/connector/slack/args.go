package slack

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	channelID   = regexp.MustCompile(`^[CGD][A-Z0-9]{2,20}$`)
	channelName = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}_.-]{0,79}$`)
	userID      = regexp.MustCompile(`^[UWB][A-Z0-9]{2,20}$`)
	slackTS     = regexp.MustCompile(`^[0-9]{1,12}\.[0-9]{1,8}$`)
	cursorText  = regexp.MustCompile(`^[A-Za-z0-9+/=_%-]{1,512}$`)
)

// normChannel rewrites a channel argument into its canonical form: an id
// as is, a name lower-cased and without its leading #.
func normChannel(v *string) error {
	ref, _, err := channelArg(*v)
	*v = ref
	return err
}

// channelArg reads a channel argument: an id (C0123ABCD) or a name with or
// without its leading #. isID says which it is; names are lower-cased as
// Slack stores them.
func channelArg(v string) (ref string, isID bool, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false, errors.New("channel is required: a channel id such as C0123ABCD, or a name such as #general")
	}
	if channelID.MatchString(v) {
		return v, true, nil
	}
	name := strings.ToLower(strings.TrimPrefix(v, "#"))
	if !channelName.MatchString(name) {
		return "", false, fmt.Errorf("channel %q is neither a Slack channel id (C0123ABCD) nor a channel name", v)
	}
	return name, false, nil
}

func tsArg(name, v string, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			return "", fmt.Errorf("%s is required: the Slack timestamp of a message, e.g. 1712345678.123456", name)
		}
		return "", nil
	}
	if !slackTS.MatchString(v) {
		return "", fmt.Errorf("%s %q is not a Slack message timestamp (digits, a dot, digits, e.g. 1712345678.123456)", name, v)
	}
	return v, nil
}

// timeArg accepts a Slack timestamp or an RFC 3339 time / a date and
// returns a Slack timestamp, for oldest and latest.
func timeArg(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || slackTS.MatchString(v) {
		return v, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
		return strconv.FormatInt(n, 10) + ".000000", nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			if t.Unix() < 0 {
				// Slack has no messages before 1970, and a negative
				// timestamp is not one Slack (or a second pass here) takes.
				return "", fmt.Errorf("%s %q is before 1970: give a later date", name, v)
			}
			return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000), nil
		}
	}
	return "", fmt.Errorf("%s %q must be a Slack timestamp (1712345678.123456), a Unix time, or a date/time such as 2024-05-01 or 2024-05-01T09:30:00Z", name, v)
}

func cursorArg(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v != "" && !cursorText.MatchString(v) {
		return "", errors.New("cursor is not one Slack gave out; pass the cursor value from a previous result unchanged")
	}
	return v, nil
}

func textArg(v string) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", errors.New("text is required: the message to post (Slack mrkdwn is allowed)")
	}
	if n := len([]rune(v)); n > maxText {
		return "", fmt.Errorf("text is %d characters; Slack accepts at most %d in one message, so split it", n, maxText)
	}
	return v, nil
}

// maxText is chat.postMessage's documented limit.
const maxText = 40000

func userArg(v string) (string, error) {
	v = strings.TrimSpace(v)
	if !userID.MatchString(v) {
		return "", fmt.Errorf("user %q is not a Slack user id (such as U0123ABCD); list_users shows them, or pass email instead", v)
	}
	return v, nil
}

func emailArg(v string) (string, error) {
	v = strings.TrimSpace(v)
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return "", fmt.Errorf("email %q is not an email address", v)
	}
	return v, nil
}
