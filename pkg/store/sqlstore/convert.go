package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"
)

// Timestamps are stored as unix microseconds, 0 for the zero time, and read
// back in UTC; micros(fromMicros(x)) == x, so what is returned is exactly
// what a later read returns (which the audit hash chain relies on).
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// asStored returns t as a read would return it.
func asStored(t time.Time) time.Time { return fromMicros(micros(t)) }

// Byte columns are NOT NULL: nil is written as empty and read back as nil.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nullBlob stores an absent optional blob (a MAC) as NULL.
func nullBlob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func unblob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Scope lists are JSON arrays; an empty list reads back as nil.
func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("decode list: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
