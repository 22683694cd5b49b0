package app

import (
	"sync"
	"time"

	"github.com/payport/payport/internal/org"
)

// APIKeyCacheTTL bounds how long a key read from the database answers for its secret without
// another read. Every API request authenticates, so the cache takes one query off each; the
// price is that a key revoked through another process is refused within this time (one
// revoked through this process is refused at once).
const APIKeyCacheTTL = time.Second

// maxCachedAPIKeys bounds the cache; past it the cache starts again empty.
const maxCachedAPIKeys = 10_000

// apiKeyCache holds live keys by the hash of their secret. Only keys that were found and not
// revoked are kept, so unknown secrets cannot grow it.
type apiKeyCache struct {
	mu   sync.Mutex
	keys map[string]cachedAPIKey
	// generation changes at every revocation: a read that began before one is not cached,
	// since it may have seen the key alive.
	generation uint64
}

type cachedAPIKey struct {
	key    org.APIKey
	readAt time.Time
}

// get answers a cached live key for the hash, if it was read within APIKeyCacheTTL, and the
// generation to hand to put after a database read otherwise.
func (c *apiKeyCache) get(hash string, now time.Time) (org.APIKey, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.keys[hash]
	if !ok || now.Sub(e.readAt) >= APIKeyCacheTTL || now.Before(e.readAt) {
		return org.APIKey{}, false, c.generation
	}
	return e.key, true, c.generation
}

// put caches a key read at readAt unless a revocation happened since generation was taken.
func (c *apiKeyCache) put(hash string, k org.APIKey, readAt time.Time, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		return
	}
	if c.keys == nil || len(c.keys) >= maxCachedAPIKeys {
		c.keys = map[string]cachedAPIKey{}
	}
	c.keys[hash] = cachedAPIKey{key: k, readAt: readAt}
}

// touch updates the last-used time of a cached key, keeping its read time.
func (c *apiKeyCache) touch(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.keys[hash]; ok {
		e.key.LastUsedAt = &at
		c.keys[hash] = e
	}
}

// forget drops a revoked key and fences reads in flight.
func (c *apiKeyCache) forget(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for h, e := range c.keys {
		if e.key.ID == keyID {
			delete(c.keys, h)
		}
	}
}
