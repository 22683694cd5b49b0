// The committed bundle as a page loads it (jsdom): it defines the element and speaks the protocol.
import { expect, test } from "vitest";
import { FrameSpy, PAYPORT, flush, fromFrame } from "./helpers";

test("works as shipped: defines the element and speaks the protocol", async () => {
  // @ts-ignore -- no .d.ts for dist/ in a fresh clone; the module's types are src/element.ts's
  const mod: typeof import("../src/element") = await import("../dist/payouts-session.js");
  expect(customElements.get("payport-payouts-session")).toBeDefined();
  const container = document.createElement("div");
  document.body.append(container);
  const session = mod.createPayoutsSession(container, { payportUrl: PAYPORT, token: "tok", companyId: "site_42" });
  const frame = new FrameSpy(session.iframe);
  fromFrame(session.iframe, { type: "payport:hello" });
  await flush();
  expect(frame.posted).toEqual([
    { data: { type: "payport:init", token: "tok", companyId: "site_42", currency: "USD" }, targetOrigin: PAYPORT },
  ]);
  session.destroy();
});
