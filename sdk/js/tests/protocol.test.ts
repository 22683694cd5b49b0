// The postMessage protocol of docs/EMBED.md, from the component's side.
import { afterEach, describe, expect, test, vi } from "vitest";
import { createPayoutsSession, frameUrl } from "../src/session";
import { PAYPORT, flush, fromFrame, mount } from "./helpers";

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe("loading", () => {
  test("frames {payportUrl}/embed/frame, keeping a path prefix", () => {
    const { iframe } = mount();
    expect(iframe.src).toBe(`${PAYPORT}/embed/frame`);
    expect(iframe.isConnected).toBe(true);
    expect(frameUrl("https://x.example/")).toBe("https://x.example/embed/frame");
    expect(frameUrl("https://x.example/payport")).toBe("https://x.example/payport/embed/frame");
    expect(frameUrl("http://127.0.0.1:8080/?a=1#b")).toBe("http://127.0.0.1:8080/embed/frame");
  });

  test("hello → init with token, companyId and currency, posted to Payport's origin", async () => {
    const m = mount({ payportUrl: `${PAYPORT}/some/prefix/`, token: "tok_1", companyId: "site_42" });
    expect(m.frame.posted).toEqual([]); // nothing before the shell says hello
    await m.hello();
    expect(m.frame.posted).toEqual([
      {
        data: { type: "payport:init", token: "tok_1", companyId: "site_42", currency: "USD" },
        targetOrigin: PAYPORT,
      },
    ]);
  });

  test("the token never travels in the frame's URL", async () => {
    const m = mount({ token: "secret_tok" });
    await m.start();
    expect(m.iframe.src).not.toContain("secret_tok");
  });

  test("currency is sent upper-cased; default USD", async () => {
    const m = mount({ currency: "eur" });
    await m.hello();
    expect(m.frame.last("payport:init")?.currency).toBe("EUR");
    expect(m.session.options.currency).toBe("EUR");
  });

  test("never posts with target origin *", async () => {
    const m = mount({ token: async () => "t" });
    await m.start();
    m.session.showWithdrawModal();
    m.session.updateOptions({ currency: "GBP" });
    m.send({ type: "payport:session_expiring", expires_at: "x" });
    await flush();
    expect(m.frame.posted.length).toBeGreaterThan(3);
    for (const p of m.frame.posted) expect(p.targetOrigin).toBe(PAYPORT);
  });
});

describe("origin and source checks", () => {
  test("a hello from another origin is ignored", async () => {
    const m = mount();
    fromFrame(m.iframe, { type: "payport:hello" }, { origin: "https://evil.test" });
    fromFrame(m.iframe, { type: "payport:hello" }, { origin: "http://payport.test" });
    fromFrame(m.iframe, { type: "payport:hello" }, { origin: "https://payport.test:8443" });
    await flush();
    expect(m.frame.posted).toEqual([]);
  });

  test("a hello from another window with Payport's origin is ignored", async () => {
    const m = mount();
    const other = document.createElement("iframe");
    document.body.append(other);
    fromFrame(m.iframe, { type: "payport:hello" }, { source: other.contentWindow });
    fromFrame(m.iframe, { type: "payport:hello" }, { source: window });
    fromFrame(m.iframe, { type: "payport:hello" }, { source: null });
    await flush();
    expect(m.frame.posted).toEqual([]);
  });

  test("events from a foreign origin or window are not emitted", async () => {
    const m = mount();
    const seen: string[] = [];
    m.session.on("ready", () => seen.push("ready"));
    m.session.on("error", () => seen.push("error"));
    m.session.on("close", () => seen.push("close"));
    const other = document.createElement("iframe");
    document.body.append(other);
    for (const opts of [{ origin: "https://evil.test" }, { source: other.contentWindow }]) {
      fromFrame(m.iframe, { type: "payport:ready", page: "/x", height: 10 }, opts);
      fromFrame(m.iframe, { type: "payport:error", code: "invalid_token", message: "no" }, opts);
      fromFrame(m.iframe, { type: "payport:close", status: "paid" }, opts);
      fromFrame(m.iframe, { type: "payport:resize", height: 9999 }, opts);
    }
    await flush();
    expect(seen).toEqual([]);
    expect(m.iframe.style.height).toBe("480px");
  });

  test("malformed messages are ignored", async () => {
    const m = mount();
    for (const data of [null, "payport:hello", 42, { kind: "payport:hello" }, { type: 1 }]) m.send(data);
    await flush();
    expect(m.frame.posted).toEqual([]);
  });
});

describe("messages from the frame", () => {
  test("ready is emitted once, with the page; resize sets the height", async () => {
    const m = mount();
    const ready = vi.fn();
    m.session.on("ready", ready);
    await m.start();
    expect(ready).toHaveBeenCalledTimes(1);
    expect(ready).toHaveBeenCalledWith({ page: "/rewards/balance", height: 600 });
    expect(m.iframe.style.height).toBe("600px");
    m.send({ type: "payport:ready", page: "/rewards/withdraw", height: 700 });
    expect(ready).toHaveBeenCalledTimes(1);
    expect(m.iframe.style.height).toBe("700px");
    m.send({ type: "payport:resize", height: 812.4 });
    expect(m.iframe.style.height).toBe("813px");
    m.send({ type: "payport:resize", height: "100px" });
    m.send({ type: "payport:resize", height: -5 });
    expect(m.iframe.style.height).toBe("813px");
  });

  test("payport:error → error with code and message", async () => {
    const m = mount();
    const error = vi.fn();
    const refreshError = vi.fn();
    m.session.on("error", error);
    m.session.on("tokenRefreshError", refreshError);
    await m.hello();
    m.send({ type: "payport:error", code: "origin_not_allowed", message: "This site may not embed payouts." });
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatchObject({ code: "origin_not_allowed", message: "This site may not embed payouts." });
    expect(error.mock.calls[0][0]).toBeInstanceOf(Error);
    expect(refreshError).not.toHaveBeenCalled();
    m.send({ type: "payport:error", code: "token_refresh_failed", message: "refused" });
    expect(refreshError).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledTimes(2);
  });

  test("payport:close → close with status and withdrawal id", async () => {
    const m = mount();
    const close = vi.fn();
    m.session.on("close", close);
    await m.start();
    m.send({ type: "payport:close", status: "paid", withdrawal_id: "wd_1" });
    expect(close).toHaveBeenCalledWith({ status: "paid", withdrawalId: "wd_1" });
  });

  test("off and the function returned by on unsubscribe", async () => {
    const m = mount();
    const a = vi.fn();
    const b = vi.fn();
    m.session.on("error", a);
    const unsubscribe = m.session.on("error", b);
    m.session.off("error", a);
    unsubscribe();
    m.send({ type: "payport:error", code: "invalid_token", message: "x" });
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
  });

  test("a throwing handler does not stop the others", async () => {
    vi.useFakeTimers();
    try {
      const m = mount();
      const second = vi.fn();
      m.session.on("close", () => {
        throw new Error("app bug");
      });
      m.session.on("close", second);
      m.send({ type: "payport:close", status: "paid" });
      expect(second).toHaveBeenCalled();
    } finally {
      vi.clearAllTimers();
      vi.useRealTimers();
    }
  });
});

describe("modals", () => {
  const cases = [
    ["showWithdrawModal", "withdraw"],
    ["showAddPayoutMethodModal", "add_payout_method"],
    ["showVerifyModal", "verify"],
    ["showChangeAccountCountryModal", "change_account_country"],
    ["showResetAccountModal", "reset_account"],
  ] as const;

  test.each(cases)("%s posts payport:open %s", async (method, modal) => {
    const m = mount();
    await m.start();
    m.frame.clear();
    m.session[method]();
    expect(m.frame.posted).toEqual([{ data: { type: "payport:open", modal }, targetOrigin: PAYPORT }]);
  });

  test("open(home)", async () => {
    const m = mount();
    await m.start();
    m.session.open("home");
    expect(m.frame.last("payport:open")).toEqual({ type: "payport:open", modal: "home" });
  });

  test("a modal asked for before the frame is ready is opened once it is (the last one wins)", async () => {
    const m = mount();
    m.session.showVerifyModal();
    await m.hello();
    m.session.showWithdrawModal();
    expect(m.frame.types()).toEqual(["payport:init"]);
    m.send({ type: "payport:ready", page: "/rewards/balance", height: 400 });
    expect(m.frame.types()).toEqual(["payport:init", "payport:open"]);
    expect(m.frame.last("payport:open")?.modal).toBe("withdraw");
  });
});

describe("options", () => {
  test("updateOptions posts payport:options; optionsUpdated follows payport:options_updated", async () => {
    const m = mount();
    const updated = vi.fn();
    m.session.on("optionsUpdated", updated);
    await m.start();
    m.session.updateOptions({ currency: "eur" });
    expect(m.frame.last("payport:options")).toEqual({ type: "payport:options", currency: "EUR" });
    expect(updated).not.toHaveBeenCalled();
    m.send({ type: "payport:options_updated" });
    expect(updated).toHaveBeenCalledWith({ currency: "EUR" });
    expect(m.session.options.currency).toBe("EUR");
  });

  test("before hello, the new currency goes into init", async () => {
    const m = mount();
    const updated = vi.fn();
    m.session.on("optionsUpdated", updated);
    m.session.updateOptions({ currency: "GBP" });
    expect(updated).toHaveBeenCalledWith({ currency: "GBP" });
    await m.hello();
    expect(m.frame.last("payport:init")?.currency).toBe("GBP");
    expect(m.frame.count("payport:options")).toBe(0);
  });

  test("an invalid currency is refused", async () => {
    const m = mount();
    expect(() => m.session.updateOptions({ currency: "dollars" })).toThrow(/three-letter/);
  });
});

describe("destroy", () => {
  test("removes the frame, stops listening and posting", async () => {
    const m = mount({ token: async () => "t" });
    const error = vi.fn();
    m.session.on("error", error);
    await m.start();
    m.session.destroy();
    expect(m.container.querySelector("iframe")).toBeNull();
    m.frame.clear();
    m.send({ type: "payport:error", code: "x", message: "y" });
    m.send({ type: "payport:hello" });
    m.session.showWithdrawModal();
    await flush();
    expect(error).not.toHaveBeenCalled();
    expect(m.frame.posted).toEqual([]);
    m.session.destroy(); // twice is fine
  });

  test("two sessions on one page each answer only their own frame", async () => {
    const a = mount({ token: "tok_a" });
    const b = mount({ token: "tok_b" });
    await a.hello();
    expect(a.frame.last("payport:init")?.token).toBe("tok_a");
    expect(b.frame.posted).toEqual([]);
  });

  test("createPayoutsSession works inside a shadow root", async () => {
    const host = document.createElement("div");
    document.body.append(host);
    const shadow = host.attachShadow({ mode: "open" });
    const s = createPayoutsSession(shadow, { payportUrl: PAYPORT, token: "t", companyId: "c" });
    expect(shadow.querySelector("iframe")).toBe(s.iframe);
    s.destroy();
    expect(shadow.querySelector("iframe")).toBeNull();
  });
});
