// The React wrapper: seed 004's <PayoutsSession> and usePayoutsSessionRef.
import { act, StrictMode, useEffect, type ReactNode } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, test, vi } from "vitest";
import { PayoutsSession, usePayoutsSessionRef, type PayoutsSessionHandle, type PayoutsSessionProps } from "../src/react";
import { FrameSpy, PAYPORT, flush, fromFrame } from "./helpers";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | undefined;
let host: HTMLElement | undefined;

afterEach(() => {
  act(() => root?.unmount());
  root = undefined;
  host = undefined;
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

async function render(node: ReactNode) {
  if (!host) {
    host = document.createElement("div");
    document.body.append(host);
  }
  root ??= createRoot(host);
  await act(async () => root!.render(node));
}

function iframe(): HTMLIFrameElement {
  const f = host!.querySelector("iframe");
  if (!f) throw new Error("no iframe rendered");
  return f;
}

async function frameSays(data: unknown) {
  await act(async () => {
    fromFrame(iframe(), data);
    await flush();
  });
}

/** A seed-004 style app: the only changes are the import and payportUrl. */
function App(props: Partial<PayoutsSessionProps> & { onRef?: (h: PayoutsSessionHandle | null) => void }) {
  const ref = usePayoutsSessionRef();
  const { onRef, ...rest } = props;
  useEffect(() => {
    onRef?.(ref.current);
  });
  return (
    <PayoutsSession
      ref={ref}
      payportUrl={PAYPORT}
      token={async () => "tok_react"}
      companyId="site_42"
      redirectUrl="https://yourapp.com/verification-complete"
      {...rest}
    />
  );
}

describe("<PayoutsSession>", () => {
  test("renders the frame and initialises it with seed 004's props (currency defaults to USD)", async () => {
    await render(<App />);
    const frame = new FrameSpy(iframe());
    expect(iframe().src).toBe(`${PAYPORT}/embed/frame`);
    await frameSays({ type: "payport:hello" });
    expect(frame.posted).toEqual([
      {
        data: { type: "payport:init", token: "tok_react", companyId: "site_42", currency: "USD", redirectUrl: "https://yourapp.com/verification-complete" },
        targetOrigin: PAYPORT,
      },
    ]);
  });

  test("the ref's methods post the right payport:open messages", async () => {
    let handle: PayoutsSessionHandle | null = null;
    await render(<App onRef={(h) => (handle = h)} />);
    const frame = new FrameSpy(iframe());
    await frameSays({ type: "payport:hello" });
    await frameSays({ type: "payport:ready", page: "/rewards/balance", height: 500 });
    expect(handle).not.toBeNull();
    const h = handle!;
    frame.clear();
    h.showChangeAccountCountryModal();
    h.showResetAccountModal();
    h.showWithdrawModal();
    h.showAddPayoutMethodModal();
    h.showVerifyModal();
    expect(frame.posted.map((p) => p.data)).toEqual([
      { type: "payport:open", modal: "change_account_country" },
      { type: "payport:open", modal: "reset_account" },
      { type: "payport:open", modal: "withdraw" },
      { type: "payport:open", modal: "add_payout_method" },
      { type: "payport:open", modal: "verify" },
    ]);
    expect(frame.posted.every((p) => p.targetOrigin === PAYPORT)).toBe(true);
    // The upstream shape (ref.current.payoutsSession) works too.
    frame.clear();
    h.payoutsSession!.showResetAccountModal();
    expect(frame.last("payport:open")).toEqual({ type: "payport:open", modal: "reset_account" });
  });

  test("callbacks: onReady, onError, onClose, onOptionsUpdated, onTokenRefreshed", async () => {
    const cb = {
      onReady: vi.fn(),
      onError: vi.fn(),
      onClose: vi.fn(),
      onOptionsUpdated: vi.fn(),
      onTokenRefreshed: vi.fn(),
      onTokenRefreshError: vi.fn(),
    };
    let n = 0;
    await render(<App {...cb} token={async () => `tok_${++n}`} />);
    await frameSays({ type: "payport:hello" });
    await frameSays({ type: "payport:ready", page: "/rewards/balance", height: 500 });
    expect(cb.onReady).toHaveBeenCalledWith({ page: "/rewards/balance", height: 500 });
    await frameSays({ type: "payport:session_expiring" });
    await frameSays({ type: "payport:token_refreshed" });
    expect(cb.onTokenRefreshed).toHaveBeenCalledWith("tok_2");
    await frameSays({ type: "payport:error", code: "origin_not_allowed", message: "no" });
    expect(cb.onError.mock.calls[0][0]).toMatchObject({ code: "origin_not_allowed" });
    await frameSays({ type: "payport:close", status: "paid", withdrawal_id: "wd_1" });
    expect(cb.onClose).toHaveBeenCalledWith({ status: "paid", withdrawalId: "wd_1" });
    await frameSays({ type: "payport:options_updated" });
    expect(cb.onOptionsUpdated).toHaveBeenCalledWith({ currency: "USD" });
    expect(cb.onTokenRefreshError).not.toHaveBeenCalled();
  });

  test("re-rendering with a new inline token function keeps the frame and calls the latest function", async () => {
    const first = vi.fn(async () => "tok_first");
    const second = vi.fn(async () => "tok_second");
    await render(<App token={first} />);
    const before = iframe();
    const frame = new FrameSpy(before);
    await frameSays({ type: "payport:hello" });
    await frameSays({ type: "payport:ready", page: "/rewards/balance", height: 500 });
    await render(<App token={second} />);
    expect(iframe()).toBe(before);
    await frameSays({ type: "payport:session_expiring" });
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(frame.last("payport:token")).toEqual({ type: "payport:token", token: "tok_second" });
  });

  test("a new string token is posted as payport:token", async () => {
    await render(<App token="tok_a" />);
    const frame = new FrameSpy(iframe());
    await frameSays({ type: "payport:hello" });
    await frameSays({ type: "payport:ready", page: "/rewards/balance", height: 500 });
    await render(<App token="tok_b" />);
    await act(flush);
    expect(frame.last("payport:token")).toEqual({ type: "payport:token", token: "tok_b" });
  });

  test("a currency change posts payport:options", async () => {
    await render(<App currency="USD" />);
    const frame = new FrameSpy(iframe());
    await frameSays({ type: "payport:hello" });
    await frameSays({ type: "payport:ready", page: "/rewards/balance", height: 500 });
    await render(<App currency="EUR" />);
    expect(frame.last("payport:options")).toEqual({ type: "payport:options", currency: "EUR" });
  });

  test("a new companyId starts a new session", async () => {
    await render(<App companyId="a" />);
    const before = iframe();
    await render(<App companyId="b" />);
    expect(iframe()).not.toBe(before);
    expect(host!.querySelectorAll("iframe")).toHaveLength(1);
  });

  test("an invalid redirectUrl → onError and an alert, no frame", async () => {
    const onError = vi.fn();
    await render(<App redirectUrl="http://yourapp.com/done" onError={onError} />);
    expect(host!.querySelector("iframe")).toBeNull();
    expect(onError.mock.calls[0][0]).toMatchObject({ code: "invalid_options" });
    expect(host!.querySelector("[role=alert]")!.textContent).toMatch(/redirectUrl/);
  });

  test("http://localhost redirect URLs are accepted for development", async () => {
    await render(<App redirectUrl="http://localhost:3000/verification-complete" />);
    expect(iframe()).toBeTruthy();
  });

  test("unmounting removes the frame and stops listening", async () => {
    const onError = vi.fn();
    await render(<App onError={onError} />);
    const f = iframe();
    const win = f.contentWindow;
    act(() => root!.unmount());
    root = undefined;
    expect(f.isConnected).toBe(false);
    window.dispatchEvent(new MessageEvent("message", { data: { type: "payport:error", code: "x" }, origin: PAYPORT, source: win }));
    expect(onError).not.toHaveBeenCalled();
  });

  test("StrictMode's double effects leave one frame", async () => {
    await render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
    expect(host!.querySelectorAll("iframe")).toHaveLength(1);
  });

  test("children render after the frame", async () => {
    await render(
      <App>
        <p id="below">Need help?</p>
      </App>,
    );
    expect(host!.querySelector("#below")).not.toBeNull();
  });
});
