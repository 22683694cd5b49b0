// Token providers: a string, a promise, or a function called again to refresh.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { tokenExpiry, REFRESH_BEFORE_EXPIRY_MS } from "../src/session";
import { flush, jwt, mount } from "./helpers";

const NOW = Date.parse("2026-11-22T10:00:00Z");
const nowS = NOW / 1000;

afterEach(() => {
  vi.clearAllTimers();
  vi.useRealTimers();
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe("providers", () => {
  test("a string", async () => {
    const m = mount({ token: "tok_string" });
    await m.hello();
    expect(m.frame.last("payport:init")?.token).toBe("tok_string");
  });

  test("a promise", async () => {
    let resolve!: (t: string) => void;
    const m = mount({ token: new Promise<string>((r) => (resolve = r)) });
    await m.hello();
    expect(m.frame.posted).toEqual([]); // init waits for the token
    resolve("tok_promise");
    await flush();
    expect(m.frame.last("payport:init")?.token).toBe("tok_promise");
  });

  test("a function is called once at start (while the frame loads), sync or async", async () => {
    const sync = vi.fn(() => "tok_sync");
    const a = mount({ token: sync });
    expect(sync).toHaveBeenCalledTimes(1);
    await a.start();
    expect(sync).toHaveBeenCalledTimes(1);
    expect(a.frame.last("payport:init")?.token).toBe("tok_sync");

    const asyncFn = vi.fn(async () => "tok_async");
    const b = mount({ token: asyncFn });
    await b.start();
    expect(asyncFn).toHaveBeenCalledTimes(1);
    expect(b.frame.last("payport:init")?.token).toBe("tok_async");
  });

  test("a provider that fails at start → error token_unavailable, no init", async () => {
    const m = mount({ token: async () => Promise.reject(new Error("backend down")) });
    const error = vi.fn();
    m.session.on("error", error);
    await m.hello();
    expect(m.frame.posted).toEqual([]);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatchObject({ code: "token_unavailable" });
    expect(error.mock.calls[0][0].message).toContain("backend down");
  });

  test("a provider that returns no token → token_unavailable", async () => {
    const m = mount({ token: (async () => "") as () => Promise<string> });
    const error = vi.fn();
    m.session.on("error", error);
    await m.hello();
    expect(error.mock.calls[0][0]).toMatchObject({ code: "token_unavailable" });
  });
});

describe("refresh on the frame's request", () => {
  test("session_expiring → the function is called again → payport:token → tokenRefreshed on token_refreshed", async () => {
    let n = 0;
    const fn = vi.fn(async () => `tok_${++n}`);
    const m = mount({ token: fn });
    const refreshed = vi.fn();
    m.session.on("tokenRefreshed", refreshed);
    await m.start();
    m.send({ type: "payport:session_expiring", expires_at: "2026-11-22T11:00:00Z" });
    await flush();
    expect(fn).toHaveBeenCalledTimes(2);
    expect(m.frame.last("payport:token")).toEqual({ type: "payport:token", token: "tok_2" });
    expect(refreshed).not.toHaveBeenCalled();
    m.send({ type: "payport:token_refreshed" });
    expect(refreshed).toHaveBeenCalledWith("tok_2");
  });

  test("a failing function → tokenRefreshError, nothing posted", async () => {
    let calls = 0;
    const m = mount({
      token: async () => {
        if (++calls > 1) throw new Error("401 from your backend");
        return "tok_1";
      },
    });
    const refreshError = vi.fn();
    const refreshed = vi.fn();
    m.session.on("tokenRefreshError", refreshError);
    m.session.on("tokenRefreshed", refreshed);
    await m.start();
    m.send({ type: "payport:session_expiring" });
    await flush();
    expect(refreshError).toHaveBeenCalledTimes(1);
    expect((refreshError.mock.calls[0][0] as Error).message).toBe("401 from your backend");
    expect(m.frame.count("payport:token")).toBe(0);
    expect(refreshed).not.toHaveBeenCalled();
  });

  test("concurrent requests share one call", async () => {
    let resolve!: (t: string) => void;
    let calls = 0;
    const m = mount({
      token: () => (++calls === 1 ? "tok_1" : new Promise<string>((r) => (resolve = r))),
    });
    await m.start();
    m.send({ type: "payport:session_expiring" });
    m.send({ type: "payport:session_expiring" });
    await flush();
    resolve("tok_2");
    await flush();
    expect(calls).toBe(2);
    expect(m.frame.count("payport:token")).toBe(1);
  });

  test("a static token is not refreshed on session_expiring", async () => {
    const m = mount({ token: "tok" });
    await m.start();
    m.send({ type: "payport:session_expiring" });
    await flush();
    expect(m.frame.count("payport:token")).toBe(0);
  });

  test("updateOptions({token}) posts the new token", async () => {
    const m = mount({ token: "tok_1" });
    const refreshed = vi.fn();
    m.session.on("tokenRefreshed", refreshed);
    await m.start();
    m.session.updateOptions({ token: "tok_2" });
    await flush();
    expect(m.frame.last("payport:token")).toEqual({ type: "payport:token", token: "tok_2" });
    m.send({ type: "payport:token_refreshed" });
    expect(refreshed).toHaveBeenCalledWith("tok_2");
  });
});

describe("proactive refresh before exp", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(NOW);
  });

  test("a function token is refreshed 60 s before its exp, then again before the next one", async () => {
    let n = 0;
    const fn = vi.fn(async () => jwt(Math.floor(Date.now() / 1000) + 3600, { n: ++n }));
    const m = mount({ token: fn });
    const refreshed = vi.fn();
    m.session.on("tokenRefreshed", refreshed);
    await m.start();
    expect(fn).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(3600_000 - REFRESH_BEFORE_EXPIRY_MS - 1);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    const posted = m.frame.last("payport:token")?.token as string;
    expect(tokenExpiry(posted)).toBe(nowS + 3600 + 3540);
    m.send({ type: "payport:token_refreshed" });
    expect(refreshed).toHaveBeenCalledWith(posted);

    await vi.advanceTimersByTimeAsync(3540_000);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(m.frame.count("payport:token")).toBe(2);
  });

  test("a failed proactive refresh → tokenRefreshError", async () => {
    let calls = 0;
    const m = mount({
      token: async () => {
        if (++calls > 1) throw new Error("offline");
        return jwt(nowS + 600);
      },
    });
    const refreshError = vi.fn();
    m.session.on("tokenRefreshError", refreshError);
    await m.start();
    await vi.advanceTimersByTimeAsync(540_000);
    expect(calls).toBe(2);
    expect(refreshError).toHaveBeenCalledTimes(1);
    expect(m.frame.count("payport:token")).toBe(0);
  });

  test("a token shorter-lived than the margin is refreshed at half its life, without a loop", async () => {
    const fn = vi.fn(async () => jwt(Math.floor(Date.now() / 1000) + 30));
    const m = mount({ token: fn });
    await m.start();
    await vi.advanceTimersByTimeAsync(14_999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  test("static tokens, tokens without exp and expired tokens set no timer", async () => {
    const a = mount({ token: jwt(nowS + 120) });
    const b = mount({ token: vi.fn(async () => "opaque-token") });
    const expired = vi.fn(async () => jwt(nowS - 10));
    const c = mount({ token: expired });
    await a.start();
    await b.start();
    await c.start();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(3 * 3600_000);
    expect(a.frame.count("payport:token") + b.frame.count("payport:token") + c.frame.count("payport:token")).toBe(0);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  test("destroy cancels the timer", async () => {
    const fn = vi.fn(async () => jwt(nowS + 3600));
    const m = mount({ token: fn });
    await m.start();
    expect(vi.getTimerCount()).toBe(1);
    m.session.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("payport:unauthorized", () => {
  test("with a static token: error token_expired and a clear expired state", async () => {
    const m = mount({ token: "tok" });
    const error = vi.fn();
    m.session.on("error", error);
    await m.start();
    m.send({ type: "payport:unauthorized" });
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatchObject({ code: "token_expired" });
    const status = m.container.querySelector<HTMLElement>("[data-payport-status]")!;
    expect(status.hidden).toBe(false);
    expect(status.getAttribute("role")).toBe("alert");
    expect(status.textContent).toMatch(/expired/i);
    expect(m.iframe.hidden).toBe(true);
    // Nothing more is posted, and a second unauthorized is not reported again.
    m.frame.clear();
    m.session.showWithdrawModal();
    m.send({ type: "payport:unauthorized" });
    expect(m.frame.posted).toEqual([]);
    expect(error).toHaveBeenCalledTimes(1);
  });

  test("with a function token: a fresh token, the shell reloaded and re-initialised; tokenRefreshed on ready", async () => {
    let n = 0;
    const fn = vi.fn(async () => `tok_${++n}`);
    const m = mount({ token: fn });
    const ready = vi.fn();
    const refreshed = vi.fn();
    const error = vi.fn();
    m.session.on("ready", ready);
    m.session.on("tokenRefreshed", refreshed);
    m.session.on("error", error);
    await m.start();
    const assign = vi.spyOn(m.iframe, "src", "set");
    m.send({ type: "payport:unauthorized" });
    await flush();
    expect(fn).toHaveBeenCalledTimes(2);
    expect(assign).toHaveBeenCalledWith("https://payport.test/embed/frame");
    m.frame.clear();
    await m.hello();
    expect(m.frame.posted.map((p) => p.data)).toEqual([
      { type: "payport:init", token: "tok_2", companyId: "site_42", currency: "USD" },
    ]);
    m.send({ type: "payport:ready", page: "/rewards/balance", height: 500 });
    expect(refreshed).toHaveBeenCalledWith("tok_2");
    expect(ready).toHaveBeenCalledTimes(1);
    expect(error).not.toHaveBeenCalled();
  });

  test("with a function token refused again: expired state instead of a loop", async () => {
    const fn = vi.fn(async () => "tok");
    const m = mount({ token: fn });
    const error = vi.fn();
    m.session.on("error", error);
    await m.start();
    m.send({ type: "payport:unauthorized" });
    await flush();
    await m.hello();
    m.send({ type: "payport:unauthorized" });
    await flush();
    expect(fn).toHaveBeenCalledTimes(2);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatchObject({ code: "token_expired" });
    expect(m.container.querySelector<HTMLElement>("[data-payport-status]")!.hidden).toBe(false);
  });

  test("with a function that fails: tokenRefreshError and error", async () => {
    let calls = 0;
    const m = mount({
      token: async () => {
        if (++calls > 1) throw new Error("nope");
        return "tok";
      },
    });
    const refreshError = vi.fn();
    const error = vi.fn();
    m.session.on("tokenRefreshError", refreshError);
    m.session.on("error", error);
    await m.start();
    m.send({ type: "payport:unauthorized" });
    await m.hello();
    expect(refreshError).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toMatchObject({ code: "token_unavailable" });
    expect(m.frame.count("payport:init")).toBe(1);
  });
});

describe("tokenExpiry", () => {
  test("reads exp from a base64url payload without verifying", () => {
    // "??>" encodes to "Pz8-" in base64url, exercising - and _ handling.
    const payload = btoa(JSON.stringify({ exp: 1700000000, s: "??>~~~" }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(tokenExpiry(`h.${payload}.s`)).toBe(1700000000);
    expect(tokenExpiry(jwt(42))).toBe(42);
  });

  test.each(["", "opaque", "a.b", "a.!!!.c", `a.${btoa("null")}.c`, `a.${btoa('{"exp":"soon"}')}.c`])(
    "undefined for %j",
    (t) => {
      expect(tokenExpiry(t)).toBeUndefined();
    },
  );
});
