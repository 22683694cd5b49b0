package sqlstore

// CachedAccountIDs counts the account id cache's entries (tests only).
func (db *DB) CachedAccountIDs() int {
	n := 0
	db.accountIDs.Range(func(_, _ any) bool { n++; return true })
	return n
}

// SetMaxCachedAccounts changes the cache's bound until the returned func restores it.
func SetMaxCachedAccounts(n int64) (restore func()) {
	old := maxCachedAccounts
	maxCachedAccounts = n
	return func() { maxCachedAccounts = old }
}
