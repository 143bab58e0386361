package sqlstore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// A user's passkeys, enrolment links and browser sessions (version 12).

const passkeyCols = `id, user_id, credential_id, public_key, attestation_type, aaguid, transports, flags, sign_count,
	clone_warning, created_at, last_used_at`

func scanPasskey(sc scanner) (store.Passkey, error) {
	var p store.Passkey
	var credID, transports string
	var aaguid []byte
	var flags, count, clone, created, used int64
	err := sc.Scan(&p.ID, &p.UserID, &credID, &p.PublicKey, &p.AttestationType, &aaguid, &transports, &flags, &count,
		&clone, &created, &used)
	if err != nil {
		return store.Passkey{}, err
	}
	if p.CredentialID, err = base64.RawURLEncoding.DecodeString(credID); err != nil {
		return store.Passkey{}, fmt.Errorf("passkey %s: credential id: %w", p.ID, err)
	}
	if p.Transports, err = decodeList(transports); err != nil {
		return store.Passkey{}, fmt.Errorf("passkey %s: %w", p.ID, err)
	}
	p.AAGUID = unblob(aaguid)
	p.Flags, p.SignCount, p.CloneWarning = uint8(flags), uint32(count), clone != 0
	p.CreatedAt, p.LastUsedAt = fromMicros(created), fromMicros(used)
	return p, nil
}

func (u *userStore) AddPasskeyEnrolment(ctx context.Context, e store.PasskeyEnrolment) error {
	if err := u.owns(e.UserID); err != nil {
		return fmt.Errorf("add passkey enrolment: %w", err)
	}
	if e.Hash == "" || e.ExpiresAt.IsZero() {
		return errors.New("add passkey enrolment: a hash and an expiry are required")
	}
	err := u.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, "DELETE FROM passkey_enrolments WHERE user_id = ? AND (used_at <> 0 OR expires_at <= ?)",
			u.userID, micros(e.CreatedAt)); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO passkey_enrolments (hash, user_id, expires_at, used_at, created_at) VALUES (?, ?, ?, 0, ?)",
			e.Hash, u.userID, micros(e.ExpiresAt), micros(e.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("add passkey enrolment: %w", err)
	}
	return nil
}

func scanEnrolment(sc scanner) (store.PasskeyEnrolment, error) {
	var e store.PasskeyEnrolment
	var exp, used, created int64
	if err := sc.Scan(&e.Hash, &e.UserID, &exp, &used, &created); err != nil {
		return store.PasskeyEnrolment{}, err
	}
	e.ExpiresAt, e.UsedAt, e.CreatedAt = fromMicros(exp), fromMicros(used), fromMicros(created)
	return e, nil
}

func (u *userStore) PasskeyEnrolment(ctx context.Context, hash string, now time.Time) (store.PasskeyEnrolment, error) {
	e, err := one(ctx, u.read, scanEnrolment, `SELECT hash, user_id, expires_at, used_at, created_at FROM passkey_enrolments
		WHERE hash = ? AND user_id = ? AND used_at = 0 AND expires_at > ?`, hash, u.userID, micros(now))
	if err != nil {
		return store.PasskeyEnrolment{}, fmt.Errorf("get passkey enrolment: %w", err)
	}
	return e, nil
}

func (u *userStore) EnrolPasskey(ctx context.Context, hash string, p store.Passkey, now time.Time) error {
	if err := u.owns(p.UserID); err != nil {
		return fmt.Errorf("enrol passkey: %w", err)
	}
	if p.ID == "" || len(p.CredentialID) == 0 || len(p.PublicKey) == 0 {
		return errors.New("enrol passkey: an id, a credential id and a public key are required")
	}
	transports, err := encodeList(p.Transports)
	if err != nil {
		return fmt.Errorf("enrol passkey: %w", err)
	}
	err = u.write(ctx, func(t tx) error {
		if err := t.execOne(ctx, "UPDATE passkey_enrolments SET used_at = ? WHERE hash = ? AND user_id = ? AND used_at = 0 AND expires_at > ?",
			micros(now), hash, u.userID, micros(now)); err != nil {
			return err
		}
		clone := 0
		if p.CloneWarning {
			clone = 1
		}
		_, err := t.exec(ctx, "INSERT INTO passkeys ("+passkeyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			p.ID, u.userID, base64.RawURLEncoding.EncodeToString(p.CredentialID), p.PublicKey, p.AttestationType,
			blob(p.AAGUID), transports, int64(p.Flags), int64(p.SignCount), clone, micros(p.CreatedAt), micros(p.LastUsedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("enrol passkey: %w", err)
	}
	return nil
}

func (u *userStore) Passkeys(ctx context.Context) ([]store.Passkey, error) {
	ps, err := all(ctx, u.read, scanPasskey, "SELECT "+passkeyCols+" FROM passkeys WHERE user_id = ? ORDER BY created_at, id", u.userID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	return ps, nil
}

func (u *userStore) UsePasskey(ctx context.Context, id string, signCount uint32, cloneWarning bool, flags uint8, at time.Time) error {
	clone := 0
	if cloneWarning {
		clone = 1
	}
	err := u.write(ctx, func(t tx) error {
		return t.execOne(ctx, "UPDATE passkeys SET sign_count = ?, clone_warning = ?, flags = ?, last_used_at = ? WHERE id = ? AND user_id = ?",
			int64(signCount), clone, int64(flags), micros(at), id, u.userID)
	})
	if err != nil {
		return fmt.Errorf("use passkey: %w", err)
	}
	return nil
}

func (u *userStore) DeletePasskey(ctx context.Context, id string) error {
	err := u.write(ctx, func(t tx) error {
		if err := t.execOne(ctx, "DELETE FROM passkeys WHERE id = ? AND user_id = ?", id, u.userID); err != nil {
			return err
		}
		_, err := t.exec(ctx, "DELETE FROM browser_sessions WHERE passkey_id = ? AND user_id = ?", id, u.userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete passkey: %w", err)
	}
	return nil
}

const sessionCols = "id, hash, user_id, passkey_id, expires_at, created_at"

func scanSession(sc scanner) (store.BrowserSession, error) {
	var s store.BrowserSession
	var exp, created int64
	if err := sc.Scan(&s.ID, &s.Hash, &s.UserID, &s.PasskeyID, &exp, &created); err != nil {
		return store.BrowserSession{}, err
	}
	s.ExpiresAt, s.CreatedAt = fromMicros(exp), fromMicros(created)
	return s, nil
}

func (u *userStore) CreateBrowserSession(ctx context.Context, s store.BrowserSession) error {
	if err := u.owns(s.UserID); err != nil {
		return fmt.Errorf("create browser session: %w", err)
	}
	if s.ID == "" || s.Hash == "" || s.ExpiresAt.IsZero() {
		return errors.New("create browser session: an id, a hash and an expiry are required")
	}
	err := u.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, "DELETE FROM browser_sessions WHERE user_id = ? AND expires_at <= ?", u.userID, micros(s.CreatedAt)); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO browser_sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?)",
			s.ID, s.Hash, u.userID, s.PasskeyID, micros(s.ExpiresAt), micros(s.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create browser session: %w", err)
	}
	return nil
}

func (u *userStore) BrowserSession(ctx context.Context, hash string) (store.BrowserSession, error) {
	s, err := one(ctx, u.read, scanSession, "SELECT "+sessionCols+" FROM browser_sessions WHERE hash = ? AND user_id = ?", hash, u.userID)
	if err != nil {
		return store.BrowserSession{}, fmt.Errorf("get browser session: %w", err)
	}
	return s, nil
}

func (u *userStore) BrowserSessions(ctx context.Context) ([]store.BrowserSession, error) {
	ss, err := all(ctx, u.read, scanSession, "SELECT "+sessionCols+" FROM browser_sessions WHERE user_id = ? ORDER BY created_at, id", u.userID)
	if err != nil {
		return nil, fmt.Errorf("list browser sessions: %w", err)
	}
	return ss, nil
}

func (u *userStore) DeleteBrowserSession(ctx context.Context, id string) error {
	err := u.write(ctx, func(t tx) error {
		return t.execOne(ctx, "DELETE FROM browser_sessions WHERE id = ? AND user_id = ?", id, u.userID)
	})
	if err != nil {
		return fmt.Errorf("revoke browser session: %w", err)
	}
	return nil
}

func (u *userStore) DeleteBrowserSessions(ctx context.Context) (int64, error) {
	var n int64
	err := u.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, "DELETE FROM browser_sessions WHERE user_id = ?", u.userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke browser sessions: %w", err)
	}
	return n, nil
}

// The ceremonies in progress belong to no user.

func (a *authStore) PutPasskeyCeremony(ctx context.Context, c store.PasskeyCeremony, now time.Time) error {
	if c.ID == "" || c.Kind == "" || c.ExpiresAt.IsZero() {
		return errors.New("put passkey ceremony: an id, a kind and an expiry are required")
	}
	err := a.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, "DELETE FROM passkey_ceremonies WHERE expires_at <= ?", micros(now)); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO passkey_ceremonies (id, kind, user_id, data, expires_at) VALUES (?, ?, ?, ?, ?)",
			c.ID, c.Kind, c.UserID, c.Data, micros(c.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put passkey ceremony: %w", err)
	}
	return nil
}

func (a *authStore) TakePasskeyCeremony(ctx context.Context, id string, now time.Time) (store.PasskeyCeremony, error) {
	var c store.PasskeyCeremony
	err := a.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, "DELETE FROM passkey_ceremonies WHERE expires_at <= ?", micros(now)); err != nil {
			return err
		}
		var exp int64
		if err := t.queryRow(ctx, "SELECT id, kind, user_id, data, expires_at FROM passkey_ceremonies WHERE id = ?", id).
			Scan(&c.ID, &c.Kind, &c.UserID, &c.Data, &exp); err != nil {
			return err
		}
		c.ExpiresAt = fromMicros(exp)
		// Two finishes racing: only one deletes the row.
		return t.execOne(ctx, "DELETE FROM passkey_ceremonies WHERE id = ?", id)
	})
	if err != nil {
		return store.PasskeyCeremony{}, fmt.Errorf("take passkey ceremony: %w", err)
	}
	return c, nil
}
