// Package webhook is the delivery core of Payport's signed webhooks: it signs messages, sends
// them without letting a customer's URL reach the operator's own network, and decides what
// happens after each attempt. Storage, the job queue and the API live in the app layer; this
// package holds no state, so every rule here can be tested without a database.
//
// # Signatures
//
// Messages follow the Standard Webhooks specification (https://www.standardwebhooks.com), so
// receivers can use any of its official verifier libraries instead of code of ours:
//
//   - secrets are "whsec_" + base64 of 32 random bytes ([NewSecret]);
//   - the webhook-signature header is "v1," + base64(HMAC-SHA256(key, id + "." + unix seconds +
//     "." + body)) ([Sign]); while a secret is rotated, the message is signed with the new and
//     the old secret and both signatures are sent, space-separated, so the receiver can switch
//     secrets without losing a message;
//   - webhook-id, webhook-timestamp and webhook-signature travel as headers ([Headers]).
//
// The id stays the same across retries (receivers deduplicate on it); the timestamp is the
// time of each attempt, because receivers reject signatures older than a few minutes.
//
// # Where webhooks may go
//
// A webhook URL is chosen by a customer and fetched by the Payport server, which makes it a
// server-side request forgery vector. [NewClient] returns an *http.Client whose dialer checks
// every address a host name resolves to, at connect time, and dials only the addresses it
// checked; a name that resolves to a public address when the URL is saved and to an internal
// one later (DNS rebinding) is refused at delivery. Loopback, private, link-local, CGNAT,
// multicast, reserved and documentation ranges, and their IPv4-mapped IPv6 forms, are refused
// unless the operator allows private addresses ([Policy].AllowPrivate, for development); cloud
// metadata addresses are refused always. Redirects are not followed and no proxy is taken
// from the environment. [CheckURL] gives the same answer early, when the URL is configured,
// with messages meant for an API problem response.
//
// # Retries
//
// [Next] applies the specification's schedule (immediately, then 5 s, 5 min, 30 min, 2 h,
// 5 h, 10 h, 14 h, 20 h and 24 h later: ten attempts over about three days) and its status
// handling: 2xx is done, 410 Gone disables the endpoint, Retry-After slows retries down.
// [ShouldDisable] says when an endpoint that has failed continuously for five days should be
// disabled (and its org told). [Deliver] makes one attempt and reports what the delivery log
// needs.
package webhook
