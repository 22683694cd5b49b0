package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/store/storetest"
)

// browserContext starts Debian's Chromium headless for one test. CI must have it (.ci/run
// installs it); elsewhere the test is skipped when it is missing.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is missing: apt-get install -y chromium")
		}
		t.Skip("chromium is missing")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844)}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// screenshot saves the page as artifacts/screenshots/<name>.png (not committed) for people to
// look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// Quality 100 gives a PNG; lower qualities give JPEG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser at %s: %v", loc, err)
	}
}

// TestPortalJourneyInChromium walks seed 001's journey in a real browser: the emailed code,
// a refused and an accepted bank account, a withdrawal confirmed with a double click, and its
// status page until it is paid.
func TestPortalJourneyInChromium(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"email":"ada@example.com"}`)
		en.credit(en.key, "site_1", "50.00", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"10.00"}}}`)

		run(t, ctx, chromedp.Navigate(en.portalURL("enforce_two_factor_auth=true")), chromedp.WaitVisible(chromedp.ID("code")))
		screenshot(t, ctx, "01-verify")
		code := en.latestCode("ada@example.com", 0)
		run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")),
			chromedp.WaitVisible(chromedp.ID("why")))
		why, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("why")))
		if !strings.Contains(why, "Add a bank account") {
			t.Fatalf("balance page explains %q", why)
		}
		screenshot(t, ctx, "02-balance-no-account")

		run(t, ctx, chromedp.Navigate(en.srv.URL+"/rewards/setup?country=DE"), chromedp.WaitVisible(chromedp.ID("iban")),
			chromedp.SendKeys(chromedp.ID("holder_name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("iban"), "DE89 3704 0044 0532 0130 01"),
			chromedp.Submit(chromedp.ID("iban")), chromedp.WaitVisible(chromedp.ID("iban-error")))
		screenshot(t, ctx, "03-setup-bad-iban")
		run(t, ctx, chromedp.Clear(chromedp.ID("iban")), chromedp.SendKeys(chromedp.ID("iban"), ibanEnding("0000")),
			chromedp.Submit(chromedp.ID("iban")), chromedp.WaitVisible(chromedp.CSS("a.btn[href='/rewards/withdraw']")))
		screenshot(t, ctx, "04-balance-can-withdraw")

		run(t, ctx, chromedp.Click(chromedp.CSS("a.btn[href='/rewards/withdraw']")), chromedp.WaitVisible(chromedp.ID("amount")))
		screenshot(t, ctx, "05-withdraw")
		run(t, ctx, chromedp.Clear(chromedp.ID("amount")), chromedp.SendKeys(chromedp.ID("amount"), "20.00"),
			chromedp.Submit(chromedp.ID("amount")), chromedp.WaitVisible(chromedp.ID("confirm")))
		screenshot(t, ctx, "06-confirm")
		// A double click on the confirmation: the form is posted twice; one withdrawal is made.
		run(t, ctx, chromedp.DoubleClick(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("status")))
		deadline := time.Now().Add(20 * time.Second)
		for {
			status, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("status"), "data-status"))
			if status.Value == "succeeded" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("withdrawal status %q", status.Value)
			}
			time.Sleep(200 * time.Millisecond)
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			run(t, ctx, chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.ID("status")))
		}
		screenshot(t, ctx, "07-paid")
		if got := en.balance(en.key, "site_1"); got != "30.00" {
			t.Fatalf("balance %s after a double-clicked withdrawal of 20.00", got)
		}
		if n := en.count("payments"); n != 1 {
			t.Fatalf("%d payments after a double click, want 1", n)
		}
		fmt.Fprintln(os.Stderr, "screenshots in artifacts/screenshots/")
	})
}
