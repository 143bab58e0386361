package secret

// Scrub returns err with r's secrets, and any bearer credential quoted
// back (RedactBearer), removed from its message. It returns err itself when
// there is nothing to remove, and nil for nil. The error it returns keeps
// err as its cause, so errors.Is and errors.As still match the sentinels
// and types in err's chain: a caller must print only the returned error's
// message, never a cause taken out of the chain.
func (r *Redactor) Scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	text, _ := r.Redact(msg)
	text = RedactBearer(text)
	if text == msg {
		return err
	}
	return &scrubbedError{msg: text, err: err}
}

// scrubbedError is an error whose message was scrubbed of credentials.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Unwrap keeps the cause for errors.Is and errors.As.
func (e *scrubbedError) Unwrap() error { return e.err }
