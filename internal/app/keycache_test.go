package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/store/storetest"
)

// TestAPIKeyCacheRevocation: a key revoked through this process is refused at once, though
// the previous request cached it; one revoked through another process (here another App on
// the same database, with its own cache) is refused once the cache entry ages out.
func TestAPIKeyCacheRevocation(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a := app.New(e.Open(t), nil, "http://127.0.0.1:8080")
			ctx := context.Background()
			o, admin, err := a.CreateOrg(ctx, "Acme Energy", false)
			if err != nil {
				t.Fatal(err)
			}
			other := app.New(a.Store, nil, "http://127.0.0.1:8080")

			// Revoked here: refused by the very next request.
			k, err := a.CreateAPIKey(ctx, admin.Key.Scope, "org-admin", []string{"rewards"}, "here")
			if err != nil {
				t.Fatal(err)
			}
			for range 3 { // the first read fills the cache; the others are answered from it
				if _, err := a.Authenticate(ctx, k.Secret); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.RevokeAPIKey(ctx, o.ID, k.Key.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Authenticate(ctx, k.Secret); !errors.Is(err, app.ErrUnauthenticated) {
				t.Fatalf("revoked key accepted by the process that revoked it: %v", err)
			}

			// Revoked through another process: refused within the cache's lifetime.
			k2, err := a.CreateAPIKey(ctx, admin.Key.Scope, "org-admin", []string{"rewards"}, "elsewhere")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Authenticate(ctx, k2.Secret); err != nil {
				t.Fatal(err)
			}
			revoked := time.Now()
			if err := other.RevokeAPIKey(ctx, o.ID, k2.Key.ID); err != nil {
				t.Fatal(err)
			}
			for {
				_, err := a.Authenticate(ctx, k2.Secret)
				if errors.Is(err, app.ErrUnauthenticated) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if time.Since(revoked) > app.APIKeyCacheTTL+5*time.Second {
					t.Fatalf("a key revoked elsewhere still accepted after %s", time.Since(revoked))
				}
				time.Sleep(20 * time.Millisecond)
			}
			// An unknown secret is refused (and not cached).
			if _, err := a.Authenticate(ctx, k2.Secret+"x"); !errors.Is(err, app.ErrUnauthenticated) {
				t.Fatalf("unknown secret: %v", err)
			}
		})
	}
}
