package grant

import "testing"

func TestCheckRedirect(t *testing.T) {
	stubs := []string{"/rewards"}
	allow := []string{"https://app.axle.energy/", "axle://"}
	for _, ok := range []string{"", CloseMagic, "/rewards", "/rewards/balance", "/rewards/balance?x=1",
		"https://app.axle.energy/done", "axle://wallet"} {
		if err := CheckRedirect(ok, stubs, allow); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"//evil.example/x", "/admin", "/rewardsx", "javascript:alert(1)", "data:text/html,x",
		"https://evil.example/", "https://app.axle.energy.evil.example/", "axle:/wallet", "/rewards/\\evil", "evil://x",
		"JAVASCRIPT:alert(1)", "/rewards/ x"} {
		if err := CheckRedirect(bad, stubs, allow); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
