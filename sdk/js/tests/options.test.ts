// Option validation: redirectUrl (seed 004: absolute; Payport: https, or localhost in test mode), payportUrl, the rest.
import { afterEach, describe, expect, test } from "vitest";
import { createPayoutsSession, PayoutsSessionError, redirectUrlProblem } from "../src/session";
import { PAYPORT } from "./helpers";

afterEach(() => document.body.replaceChildren());

describe("redirectUrl", () => {
  test.each([
    "https://yourapp.com/verification-complete",
    "https://app.example.com:8443/done?x=1#y",
    "http://localhost:3000/done",
    "http://localhost/done",
    "http://127.0.0.1:5173/callback",
    "https://localhost/done",
  ])("accepts %s", (url) => {
    expect(redirectUrlProblem(url)).toBeNull();
  });

  test.each([
    ["", /absolute/],
    ["/verification-complete", /absolute/],
    ["yourapp.com/done", /absolute/],
    ["http://yourapp.com/done", /https/],
    ["http://localhost.evil.com/done", /https/],
    ["http://127.0.0.2/done", /https/],
    ["http://[::1]:3000/done", /https/],
    ["javascript:alert(1)", /https/],
    ["data:text/html,hi", /https/],
    ["ftp://yourapp.com/x", /https/],
    ["https://user:pass@yourapp.com/", /credentials/],
    [`https://yourapp.com/${"a".repeat(2100)}`, /2048/],
  ])("refuses %j", (url, reason) => {
    expect(redirectUrlProblem(url)).toMatch(reason);
  });

  test("createPayoutsSession refuses an invalid redirectUrl before framing anything", () => {
    const container = document.createElement("div");
    document.body.append(container);
    let err: unknown;
    try {
      createPayoutsSession(container, {
        payportUrl: PAYPORT,
        token: "t",
        companyId: "c",
        redirectUrl: "http://yourapp.com/done",
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PayoutsSessionError);
    expect(err).toMatchObject({ code: "invalid_options" });
    expect(container.children.length).toBe(0);
  });

  test("a valid redirectUrl is kept in the session's options", () => {
    const s = createPayoutsSession(document.body, {
      payportUrl: PAYPORT,
      token: "t",
      companyId: "c",
      redirectUrl: "http://localhost:3000/done",
    });
    expect(s.options).toEqual({
      payportUrl: PAYPORT,
      companyId: "c",
      redirectUrl: "http://localhost:3000/done",
      currency: "USD",
    });
    s.destroy();
  });
});

describe("other options", () => {
  const base = { payportUrl: PAYPORT, token: "t", companyId: "c" };
  test.each([
    [{ ...base, payportUrl: "" }, /payportUrl/],
    [{ ...base, payportUrl: "payport.test" }, /payportUrl/],
    [{ ...base, payportUrl: "javascript:alert(1)" }, /payportUrl/],
    [{ ...base, token: "" }, /token/],
    [{ ...base, token: undefined }, /token/],
    [{ ...base, companyId: "" }, /companyId/],
    [{ ...base, currency: "US" }, /currency/],
  ])("refuses %j", (options, reason) => {
    expect(() => createPayoutsSession(document.body, options as never)).toThrow(reason);
  });
});
