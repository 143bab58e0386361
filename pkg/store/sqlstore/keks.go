package sqlstore

import (
	"context"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// PutKEK records (or updates) where a KEK lives. An entry's wrapped MAC
// key, once set, is kept: two processes that create the registry key at
// once agree on the first one stored.
func (p *privileged) PutKEK(ctx context.Context, k store.KEK) error {
	err := p.write(ctx, func(t tx) error {
		_, err := t.exec(ctx, `INSERT INTO keks (id, url, mac_key, mac, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url, mac = excluded.mac,
				mac_key = COALESCE(keks.mac_key, excluded.mac_key)`,
			k.ID, k.URL, nullBlob(k.MACKey), nullBlob(k.MAC), micros(k.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("record KEK: %w", err)
	}
	return nil
}

// KEKs lists the recorded KEKs, oldest first.
func (p *privileged) KEKs(ctx context.Context) ([]store.KEK, error) {
	ks, err := all(ctx, p.read, func(s scanner) (store.KEK, error) {
		var k store.KEK
		var created int64
		err := s.Scan(&k.ID, &k.URL, &k.MACKey, &k.MAC, &created)
		k.MACKey, k.MAC = unblob(k.MACKey), unblob(k.MAC)
		k.CreatedAt = fromMicros(created)
		return k, err
	}, "SELECT id, url, mac_key, mac, created_at FROM keks ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list KEKs: %w", err)
	}
	return ks, nil
}
