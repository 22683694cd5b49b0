// Test helpers: a jsdom iframe stands in for Payport's frame. Messages "from the frame" are
// MessageEvents dispatched on window with the frame's contentWindow as source; messages "to
// the frame" are recorded by spying on contentWindow.postMessage.
import { vi, type MockInstance } from "vitest";
import { createPayoutsSession, type PayoutsSession, type PayoutsSessionOptions } from "../src/session";

export const PAYPORT = "https://payport.test";

/** An unsigned JWT whose payload has the given exp (seconds), as Payport's would carry. */
export function jwt(exp: number, extra: Record<string, unknown> = {}): string {
  const b64url = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64url({ alg: "EdDSA", kid: "k1" })}.${b64url({ type: "embedded", exp, ...extra })}.c2ln`;
}

/** Lets pending promise callbacks run (works with real and fake timers). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

type Posted = { data: Record<string, unknown>; targetOrigin: unknown };

/** Records what is posted to an iframe's window (again after the iframe navigates, if jsdom swaps windows). */
export class FrameSpy {
  private spies = new Map<Window, MockInstance>();
  constructor(private readonly iframe: HTMLIFrameElement) {
    this.attach();
  }
  attach(): void {
    const w = this.iframe.contentWindow;
    if (w && !this.spies.has(w)) {
      this.spies.set(w, vi.spyOn(w, "postMessage").mockImplementation(() => {}));
    }
  }
  get posted(): Posted[] {
    this.attach();
    return [...this.spies.values()].flatMap((s) =>
      s.mock.calls.map((c) => ({ data: c[0] as Record<string, unknown>, targetOrigin: c[1] })),
    );
  }
  types(): string[] {
    return this.posted.map((p) => String(p.data.type));
  }
  last(type: string): Record<string, unknown> | undefined {
    return this.posted.filter((p) => p.data.type === type).at(-1)?.data;
  }
  count(type: string): number {
    return this.posted.filter((p) => p.data.type === type).length;
  }
  clear(): void {
    for (const s of this.spies.values()) s.mockClear();
  }
}

/** Dispatches a message as if the iframe posted it (origin and source can be overridden). */
export function fromFrame(
  iframe: HTMLIFrameElement,
  data: unknown,
  opts: { origin?: string; source?: Window | null } = {},
): void {
  window.dispatchEvent(
    new MessageEvent("message", {
      data,
      origin: opts.origin ?? PAYPORT,
      source: opts.source === undefined ? iframe.contentWindow : opts.source,
    }),
  );
}

export interface Mounted {
  session: PayoutsSession;
  iframe: HTMLIFrameElement;
  frame: FrameSpy;
  container: HTMLElement;
  send(data: unknown): void;
  /** hello, then waits for the token so init is posted. */
  hello(): Promise<void>;
  /** hello and ready: the session is up. */
  start(): Promise<void>;
}

export function mount(options: Partial<PayoutsSessionOptions> = {}): Mounted {
  const container = document.createElement("div");
  document.body.append(container);
  const session = createPayoutsSession(container, {
    payportUrl: PAYPORT,
    token: "tok",
    companyId: "site_42",
    ...options,
  });
  const iframe = session.iframe;
  const frame = new FrameSpy(iframe);
  const send = (data: unknown) => {
    frame.attach(); // the iframe may have navigated to a new window
    fromFrame(iframe, data);
  };
  return {
    session,
    iframe,
    frame,
    container,
    send,
    async hello() {
      send({ type: "payport:hello" });
      await flush();
    },
    async start() {
      send({ type: "payport:hello" });
      await flush();
      send({ type: "payport:ready", page: "/rewards/balance", height: 600 });
      await flush();
    },
  };
}
