// Package js holds the browser bundle of the embedded payouts component (seed 004): the
// TypeScript package in this directory, built by `npm run build` and committed so that building
// Payport needs no Node. sdk/js/tests/bundle.test.ts fails when the committed file is stale.
package js

import _ "embed"

// PayoutsSessionJS is dist/payouts-session.js: the <payport-payouts-session> custom element and
// createPayoutsSession, as Payport serves it at /embed/payouts-session.js.
//
//go:embed dist/payouts-session.js
var PayoutsSessionJS []byte
