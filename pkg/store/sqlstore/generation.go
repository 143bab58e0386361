package sqlstore

import (
	"context"
	"fmt"
)

// Generation reads the counter the schema's triggers move (migration 4).
// It is one statement outside any transaction: the row holds no user's
// data, and a reader that races a change sees the number before or after
// it, both of which are true.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var n int64
	err := tx{d: s.d, s: s}.queryRow(ctx, "SELECT n FROM generation WHERE id = 1").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read generation: %w", s.translate(err))
	}
	return n, nil
}
