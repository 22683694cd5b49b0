package sqlstore

// CachedAccountIDs counts the account id cache's entries (tests only).
func (db *DB) CachedAccountIDs() int { return db.accountIDs.Len() }

// LimitAccountIDCache sets the account id cache's bound (tests only; before any use).
func (db *DB) LimitAccountIDCache(n int64) { db.accountIDs.Limit = n }
