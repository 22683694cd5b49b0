package js

import (
	"bytes"
	"testing"
)

func TestPayoutsSessionJSIsTheElementBundle(t *testing.T) {
	if len(PayoutsSessionJS) == 0 || len(PayoutsSessionJS) > 64<<10 {
		t.Fatalf("bundle is %d bytes", len(PayoutsSessionJS))
	}
	for _, want := range []string{"payport-payouts-session", "payport:init", "embed/frame"} {
		if !bytes.Contains(PayoutsSessionJS, []byte(want)) {
			t.Errorf("bundle lacks %q", want)
		}
	}
	if bytes.Contains(PayoutsSessionJS, []byte(`from"react"`)) {
		t.Error("the element bundle must not import React")
	}
}
