// <payport-payouts-session>: the custom element over createPayoutsSession.
import { afterEach, describe, expect, test, vi } from "vitest";
import { ELEMENT_TAG, defineElement, type PayoutsSessionElement } from "../src/element";
import { FrameSpy, PAYPORT, flush, fromFrame } from "./helpers";

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

function frameOf(el: PayoutsSessionElement): HTMLIFrameElement | null {
  return el.shadowRoot?.querySelector("iframe") ?? null;
}

// jsdom gives no window to an iframe inside a shadow root (browsers do): lend it the window
// of a stand-in iframe in the document, which then plays Payport's frame.
function withWindow(iframe: HTMLIFrameElement): HTMLIFrameElement {
  const standIn = document.createElement("iframe");
  document.body.append(standIn);
  const win = standIn.contentWindow;
  Object.defineProperty(iframe, "contentWindow", { configurable: true, get: () => win });
  return iframe;
}

async function create(attrs: Record<string, string>, token?: PayoutsSessionElement["token"]) {
  const el = document.createElement(ELEMENT_TAG);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  document.body.append(el);
  if (token !== undefined) el.token = token;
  await flush();
  return el;
}

describe("<payport-payouts-session>", () => {
  test("is defined on import; defineElement twice is harmless", () => {
    expect(customElements.get(ELEMENT_TAG)).toBeDefined();
    defineElement();
  });

  test("attributes and a token function start a session in the shadow root", async () => {
    const token = vi.fn(async () => "tok_el");
    const el = await create({ "payport-url": PAYPORT, "company-id": "site_42", currency: "eur" }, token);
    const iframe = withWindow(frameOf(el)!);
    expect(iframe.src).toBe(`${PAYPORT}/embed/frame`);
    expect(el.session).not.toBeNull();
    const frame = new FrameSpy(iframe);
    fromFrame(iframe, { type: "payport:hello" });
    await flush();
    expect(frame.posted).toEqual([
      {
        data: { type: "payport:init", token: "tok_el", companyId: "site_42", currency: "EUR" },
        targetOrigin: PAYPORT,
      },
    ]);
    expect(token).toHaveBeenCalledTimes(1);
  });

  test("waits until payport-url, company-id and a token are all there", async () => {
    const el = await create({ "payport-url": PAYPORT });
    expect(frameOf(el)).toBeNull();
    el.companyId = "site_42";
    await flush();
    expect(frameOf(el)).toBeNull();
    el.setAttribute("token", "tok_attr");
    await flush();
    expect(frameOf(el)).not.toBeNull();
  });

  test("events are dispatched as CustomEvents; methods post to the frame", async () => {
    const el = await create({ "payport-url": PAYPORT, "company-id": "site_42", token: "tok" });
    const iframe = withWindow(frameOf(el)!);
    const frame = new FrameSpy(iframe);
    const seen: [string, unknown][] = [];
    for (const name of ["ready", "error", "optionsUpdated", "close"]) {
      el.addEventListener(name, (e) => seen.push([name, (e as unknown as CustomEvent).detail]));
    }
    fromFrame(iframe, { type: "payport:hello" });
    await flush();
    fromFrame(iframe, { type: "payport:ready", page: "/rewards/balance", height: 420 });
    el.showWithdrawModal();
    el.showAddPayoutMethodModal();
    el.showVerifyModal();
    el.showChangeAccountCountryModal();
    el.showResetAccountModal();
    el.setAttribute("currency", "GBP");
    fromFrame(iframe, { type: "payport:options_updated" });
    fromFrame(iframe, { type: "payport:error", code: "invalid_token", message: "bad" });
    fromFrame(iframe, { type: "payport:close", status: "paid", withdrawal_id: "wd_9" });
    expect(frame.posted.map((p) => p.data)).toEqual([
      { type: "payport:init", token: "tok", companyId: "site_42", currency: "USD" },
      { type: "payport:open", modal: "withdraw" },
      { type: "payport:open", modal: "add_payout_method" },
      { type: "payport:open", modal: "verify" },
      { type: "payport:open", modal: "change_account_country" },
      { type: "payport:open", modal: "reset_account" },
      { type: "payport:options", currency: "GBP" },
    ]);
    expect(seen.map(([n]) => n)).toEqual(["ready", "optionsUpdated", "error", "close"]);
    expect(seen[0][1]).toEqual({ page: "/rewards/balance", height: 420 });
    expect(seen[1][1]).toEqual({ currency: "GBP" });
    expect(seen[2][1]).toMatchObject({ code: "invalid_token", message: "bad" });
    expect(seen[3][1]).toEqual({ status: "paid", withdrawalId: "wd_9" });
    expect(iframe.style.height).toBe("420px");
  });

  test("an invalid redirect-url → error event and an alert instead of the frame", async () => {
    const el = document.createElement(ELEMENT_TAG);
    const errors: unknown[] = [];
    el.addEventListener("error", (e) => errors.push((e as unknown as CustomEvent).detail));
    el.setAttribute("payport-url", PAYPORT);
    el.setAttribute("company-id", "site_42");
    el.setAttribute("token", "tok");
    el.setAttribute("redirect-url", "http://yourapp.com/done");
    document.body.append(el);
    await flush();
    expect(frameOf(el)).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "invalid_options" });
    expect(el.shadowRoot!.querySelector("[role=alert]")!.textContent).toMatch(/redirectUrl/);
  });

  test("removing the element destroys the session; changing company-id starts a new one", async () => {
    const el = await create({ "payport-url": PAYPORT, "company-id": "a", token: "tok" });
    const first = el.session!;
    el.setAttribute("company-id", "b");
    await flush();
    expect(el.session).not.toBe(first);
    expect(el.session!.options.companyId).toBe("b");
    expect(el.shadowRoot!.querySelectorAll("iframe")).toHaveLength(1);
    el.remove();
    expect(el.session).toBeNull();
    expect(frameOf(el)).toBeNull();
  });
});
