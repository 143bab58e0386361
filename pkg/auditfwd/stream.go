package auditfwd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
)

// maxStreamLine bounds one line of a received stream.
const maxStreamLine = 64 << 20

// Seen is a record as the receiver has it: enough to find it locally.
type Seen struct {
	UserID string
	Seq    int64
	Hash   string
}

// Stream is what a receiver got: the records and the checkpoints.
type Stream struct {
	Records     []Seen
	Checkpoints []audit.Checkpoint
}

// ParseStream reads a forwarded stream as received: either the webhook
// bodies, one JSON document per line, or the file a syslog server wrote
// with the RFC 5424 format (rsyslog's RSYSLOG_SyslogProtocol23Format),
// one message per line, where lines from other programs are skipped. Any
// line of mcpgate's that does not parse is an error naming its number.
func ParseStream(r io.Reader) (Stream, error) {
	var s Stream
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxStreamLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimRight(sc.Bytes(), "\r")
		var err error
		switch {
		case len(bytes.TrimSpace(line)) == 0:
		case line[0] == '{':
			err = s.addBatch(line)
		case line[0] == '<':
			err = s.addSyslog(string(line))
		default:
			err = errors.New("it is neither a webhook body (JSON) nor an RFC 5424 syslog message")
		}
		if err != nil {
			return s, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("read the stream: %w", err)
	}
	if len(s.Checkpoints) == 0 {
		return s, errors.New("the stream holds no checkpoint of mcpgate's: give the webhook bodies as JSON lines, or the file the syslog server wrote in RFC 5424 format")
	}
	return s, nil
}

func (s *Stream) addBatch(line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var b Batch
	if err := dec.Decode(&b); err != nil {
		return fmt.Errorf("parse webhook body: %w", err)
	}
	if dec.More() {
		return errors.New("parse webhook body: data after the JSON document")
	}
	if b.Format != BatchFormat {
		return fmt.Errorf("parse webhook body: format %q, not %q", b.Format, BatchFormat)
	}
	for _, r := range b.Records {
		s.Records = append(s.Records, Seen{UserID: r.UserID, Seq: r.Seq, Hash: r.Hash})
	}
	s.Checkpoints = append(s.Checkpoints, b.Checkpoints...)
	return nil
}

// addSyslog parses one message: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]".
func (s *Stream) addSyslog(line string) error {
	hdr, rest, err := syslogHeader(line)
	if err != nil {
		return err
	}
	if hdr[3] != appName {
		return nil // another program's message
	}
	id, params, err := parseElement(rest)
	if err != nil {
		return err
	}
	switch {
	case hdr[5] == "audit" && id == sdRecord:
		seq, err := strconv.ParseInt(params["seq"], 10, 64)
		if err != nil || params["user_id"] == "" || params["hash"] == "" {
			return errors.New("an audit message without user_id, seq or hash")
		}
		s.Records = append(s.Records, Seen{UserID: params["user_id"], Seq: seq, Hash: params["hash"]})
	case hdr[5] == "checkpoint" && id == sdCheckpoint:
		cp, err := checkpointFrom(params)
		if err != nil {
			return err
		}
		s.Checkpoints = append(s.Checkpoints, cp)
	default:
		return fmt.Errorf("an mcpgate message of id %q with element %q, which this mcpgate does not send", hdr[5], id)
	}
	return nil
}

// syslogHeader splits the six header fields after PRI and VERSION
// (TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID; [0] is "<PRI>1") and
// returns the rest, which starts with the structured data.
func syslogHeader(line string) ([6]string, string, error) {
	var h [6]string
	rest := line
	for i := range h {
		sp := bytes.IndexByte([]byte(rest), ' ')
		if sp <= 0 {
			return h, "", errors.New("an RFC 5424 header cut short")
		}
		h[i], rest = rest[:sp], rest[sp+1:]
	}
	if h[0][len(h[0])-2:] != ">1" {
		return h, "", errors.New("not RFC 5424 (version 1) syslog: configure the file with RSYSLOG_SyslogProtocol23Format")
	}
	return h, rest, nil
}

// parseElement reads the first SD-ELEMENT of sd: its id and parameters,
// unescaping '\"', '\\' and '\]'. A parameter named twice is an error.
func parseElement(sd string) (string, map[string]string, error) {
	if len(sd) == 0 || sd[0] != '[' {
		return "", nil, errors.New("an mcpgate message without structured data")
	}
	i := 1
	name := func() string {
		start := i
		for i < len(sd) && sd[i] != ' ' && sd[i] != '=' && sd[i] != ']' && sd[i] != '"' {
			i++
		}
		return sd[start:i]
	}
	id := name()
	params := map[string]string{}
	for {
		if i >= len(sd) {
			return "", nil, errors.New("structured data cut short")
		}
		if sd[i] == ']' {
			return id, params, nil
		}
		if sd[i] != ' ' {
			return "", nil, fmt.Errorf("structured data: unexpected %q at %d", sd[i], i)
		}
		i++
		key := name()
		if key == "" || i+1 >= len(sd) || sd[i] != '=' || sd[i+1] != '"' {
			return "", nil, fmt.Errorf("structured data: a parameter without name=\"value\" at %d", i)
		}
		i += 2
		var v []byte
		for {
			if i >= len(sd) {
				return "", nil, errors.New("structured data: a value cut short")
			}
			c := sd[i]
			if c == '\\' && i+1 < len(sd) && (sd[i+1] == '"' || sd[i+1] == '\\' || sd[i+1] == ']') {
				v = append(v, sd[i+1])
				i += 2
				continue
			}
			i++
			if c == '"' {
				break
			}
			v = append(v, c)
		}
		if _, dup := params[key]; dup {
			return "", nil, fmt.Errorf("structured data: parameter %s twice", key)
		}
		params[key] = string(v)
	}
}

func checkpointFrom(p map[string]string) (audit.Checkpoint, error) {
	seq, err1 := strconv.ParseInt(p["seq"], 10, 64)
	count, err2 := strconv.ParseInt(p["count"], 10, 64)
	t, err3 := time.Parse(time.RFC3339Nano, p["time"])
	if err := errors.Join(err1, err2, err3); err != nil {
		return audit.Checkpoint{}, fmt.Errorf("a checkpoint message with a bad number or time: %w", err)
	}
	if len(p) != 9 {
		return audit.Checkpoint{}, fmt.Errorf("a checkpoint message with %d parameters, not 9", len(p))
	}
	return audit.Checkpoint{
		Format: p["format"], UserID: p["user_id"], User: p["user"], Seq: seq, Hash: p["hash"], Count: count,
		Time: t, PublicKey: p["public_key"], Signature: p["signature"],
	}, nil
}

// Newest returns, per user, the checkpoint of the highest record in the
// stream (the latest made, among equals).
func (s Stream) Newest() []audit.Checkpoint {
	by := map[string]int{}
	var out []audit.Checkpoint
	for _, c := range s.Checkpoints {
		i, ok := by[c.UserID]
		switch {
		case !ok:
			by[c.UserID] = len(out)
			out = append(out, c)
		case c.Seq > out[i].Seq || (c.Seq == out[i].Seq && c.Time.After(out[i].Time)):
			out[i] = c
		}
	}
	return out
}
