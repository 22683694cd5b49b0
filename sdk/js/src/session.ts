// The payouts session: frames Payport's /embed pages in an iframe and speaks the postMessage
// protocol of docs/EMBED.md with them. Framework-free; the custom element (element.ts) and the
// React wrapper (react.tsx) are thin layers over createPayoutsSession.

/** A token, a promise of one, or a function that fetches a fresh one from your server. */
export type TokenProvider = string | Promise<string> | (() => string | Promise<string>);

/** Options of a payouts session (seed 004's props plus the Payport server's URL). */
export interface PayoutsSessionOptions {
  /** Base URL of your Payport server, e.g. "https://payouts.example.com". */
  payportUrl: string;
  /** Access token from POST /api/access_tokens. A function is called again to refresh it. */
  token: TokenProvider;
  /** The connected account (recipient id, external id, or the org id) the token was made for. */
  companyId: string;
  /** Absolute URL to send the user to after identity verification (https, or http://localhost in development). */
  redirectUrl?: string;
  /** Currency code shown by the portal. Defaults to "USD". */
  currency?: string;
}

/** Options that can change after the session started. */
export interface PayoutsSessionUpdate {
  currency?: string;
  /** A new token (or provider): posted to the frame as payport:token. */
  token?: TokenProvider;
}

/** The modals of docs/EMBED.md (payport:open). */
export type PayoutsSessionModal =
  | "withdraw"
  | "add_payout_method"
  | "verify"
  | "change_account_country"
  | "reset_account"
  | "home";

/** An error reported by the session or the frame: `code` is machine readable. */
export class PayoutsSessionError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "PayoutsSessionError";
    this.code = code;
  }
}

/** What the portal reports when a flow finishes (payport:close). */
export interface PayoutsSessionClose {
  status?: string;
  withdrawalId?: string;
}

/** Events and the arguments their handlers receive. */
export interface PayoutsSessionEvents {
  /** The first portal page is shown (the session is authenticated). */
  ready: (info: { page?: string; height?: number }) => void;
  /** The frame accepted a fresh token (payport:token_refreshed, or a new session after re-init). */
  tokenRefreshed: (token: string) => void;
  /** Fetching a fresh token failed, or the frame refused it. */
  tokenRefreshError: (error: unknown) => void;
  /** The frame applied updateOptions (payport:options_updated). */
  optionsUpdated: (options: { currency: string }) => void;
  /** Something failed: `code` is invalid_token, origin_not_allowed, token_refresh_failed, token_expired, token_unavailable... */
  error: (error: PayoutsSessionError) => void;
  /** A flow finished (payport:close). */
  close: (result: PayoutsSessionClose) => void;
}

export type PayoutsSessionEventName = keyof PayoutsSessionEvents;

/** The controller returned by createPayoutsSession. */
export interface PayoutsSession {
  /** The iframe framing Payport's pages. */
  readonly iframe: HTMLIFrameElement;
  /** The options in effect (validated; currency defaulted). */
  readonly options: Readonly<Omit<PayoutsSessionOptions, "token"> & { currency: string }>;
  showWithdrawModal(): void;
  showAddPayoutMethodModal(): void;
  showVerifyModal(): void;
  showChangeAccountCountryModal(): void;
  showResetAccountModal(): void;
  /** Navigates the frame to one of the protocol's modals. */
  open(modal: PayoutsSessionModal): void;
  updateOptions(update: PayoutsSessionUpdate): void;
  /** Subscribes; returns a function that unsubscribes. */
  on<E extends PayoutsSessionEventName>(event: E, handler: PayoutsSessionEvents[E]): () => void;
  off<E extends PayoutsSessionEventName>(event: E, handler: PayoutsSessionEvents[E]): void;
  /** Removes the iframe, stops listening and cancels timers. */
  destroy(): void;
}

/** A function token is refreshed this long before the token's exp (and the frame warns as long before the session ends). */
export const REFRESH_BEFORE_EXPIRY_MS = 60_000;
const MAX_REDIRECT_URL_LENGTH = 2048;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1"]);

/**
 * Checks a redirectUrl: an absolute https URL, or http://localhost / http://127.0.0.1 for
 * development (Payport refuses those with live keys). Returns null when valid, else the reason.
 */
export function redirectUrlProblem(url: string): string | null {
  if (typeof url !== "string" || url === "") return "redirectUrl must be an absolute URL";
  if (url.length > MAX_REDIRECT_URL_LENGTH) return "redirectUrl is longer than 2048 characters";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "redirectUrl must be an absolute URL (e.g. https://yourapp.com/verification-complete)";
  }
  if (u.username || u.password) return "redirectUrl must not carry credentials";
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:" && LOOPBACK_HOSTS.has(u.hostname)) return null;
  if (u.protocol === "http:") {
    return "redirectUrl must use https (http is allowed only for localhost and 127.0.0.1, with test-mode keys)";
  }
  return "redirectUrl must be an https URL";
}

/**
 * The exp claim (seconds since the epoch) of a JWT, read without verifying it (the server
 * verifies; the client only needs to know when to refresh). Undefined if unreadable.
 */
export function tokenExpiry(token: string): number | undefined {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) return undefined;
  try {
    let b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    b64 += "=".repeat((4 - (b64.length % 4)) % 4);
    const claims: unknown = JSON.parse(atob(b64));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

function parsePayportUrl(payportUrl: string): URL {
  let u: URL;
  try {
    u = new URL(payportUrl);
  } catch {
    throw new PayoutsSessionError("invalid_options", "payportUrl must be the absolute URL of your Payport server");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new PayoutsSessionError("invalid_options", "payportUrl must be an http(s) URL");
  }
  return u;
}

/** The URL of the embed shell for a Payport base URL (a path prefix is kept). */
export function frameUrl(payportUrl: string): string {
  const base = parsePayportUrl(payportUrl);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  base.search = "";
  base.hash = "";
  return new URL("embed/frame", base).href;
}

function validate(options: PayoutsSessionOptions): { origin: string; src: string; currency: string } {
  if (!options || typeof options !== "object") {
    throw new PayoutsSessionError("invalid_options", "options are required");
  }
  const src = frameUrl(options.payportUrl);
  const origin = new URL(src).origin;
  if (options.token === undefined || options.token === null || options.token === "") {
    throw new PayoutsSessionError("invalid_options", "token is required");
  }
  if (typeof options.companyId !== "string" || options.companyId === "") {
    throw new PayoutsSessionError("invalid_options", "companyId is required");
  }
  if (options.redirectUrl !== undefined) {
    const problem = redirectUrlProblem(options.redirectUrl);
    if (problem) throw new PayoutsSessionError("invalid_options", problem);
  }
  const currency = options.currency ?? "USD";
  if (!/^[A-Za-z]{3}$/.test(currency)) {
    throw new PayoutsSessionError("invalid_options", "currency must be a three-letter code such as USD");
  }
  return { origin, src, currency: currency.toUpperCase() };
}

type Message = { type: string; [key: string]: unknown };

const MODAL_METHODS = {
  showWithdrawModal: "withdraw",
  showAddPayoutMethodModal: "add_payout_method",
  showVerifyModal: "verify",
  showChangeAccountCountryModal: "change_account_country",
  showResetAccountModal: "reset_account",
} as const;

const EXPIRED_TEXT = "Your payouts session has expired. Reload the page to continue.";

/**
 * Mounts Payport's embedded payouts portal in `container` and returns its controller.
 * Throws PayoutsSessionError("invalid_options") for a missing or invalid option.
 */
export function createPayoutsSession(
  container: Element | ShadowRoot,
  options: PayoutsSessionOptions,
): PayoutsSession {
  const { origin, src, currency } = validate(options);
  const doc = container.ownerDocument ?? document;
  const win = doc.defaultView ?? window;
  let provider: TokenProvider = options.token;
  const current = {
    payportUrl: options.payportUrl,
    companyId: options.companyId,
    redirectUrl: options.redirectUrl,
    currency,
  };

  const root = doc.createElement("div");
  root.setAttribute("data-payport-payouts-session", "");
  root.style.position = "relative";
  const iframe = doc.createElement("iframe");
  iframe.title = "Payouts";
  iframe.setAttribute("allow", "clipboard-write");
  iframe.style.cssText = "display:block;width:100%;height:480px;border:0;color-scheme:normal";
  const status = doc.createElement("div");
  status.setAttribute("role", "alert");
  status.setAttribute("data-payport-status", "");
  status.hidden = true;
  status.style.cssText = "padding:16px;font:14px/1.4 system-ui,sans-serif";
  root.append(iframe, status);

  const handlers = new Map<PayoutsSessionEventName, Set<(...args: never[]) => void>>();
  function emit<E extends PayoutsSessionEventName>(event: E, ...args: Parameters<PayoutsSessionEvents[E]>) {
    for (const h of [...(handlers.get(event) ?? [])]) {
      try {
        (h as (...a: unknown[]) => void)(...args);
      } catch (err) {
        // A throwing handler must not break the protocol; surface it asynchronously.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  // loading: waiting for payport:hello; initializing: init posted, waiting for payport:ready.
  let state: "loading" | "initializing" | "ready" | "expired" | "destroyed" = "loading";
  let readyEmitted = false;
  let token: string | undefined;
  let tokenPromise: Promise<string> | undefined;
  let refreshing: Promise<void> | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let reinitPending = false; // the frame was reloaded with a fresh token after payport:unauthorized
  let reinitsWithoutReady = 0;
  let initSeq = 0;
  const queued = new Map<string, Message>(); // one pending message per type until the frame is ready

  function post(msg: Message) {
    iframe.contentWindow?.postMessage(msg, origin);
  }

  function send(msg: Message) {
    if (state === "destroyed" || state === "expired") return;
    if (state === "ready") post(msg);
    else queued.set(msg.type, msg);
  }

  async function fetchToken(p: TokenProvider): Promise<string> {
    const value = await (typeof p === "function" ? p() : p);
    if (typeof value !== "string" || value === "") {
      throw new PayoutsSessionError("token_unavailable", "the token provider did not return a token");
    }
    return value;
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (typeof provider !== "function" || token === undefined || state === "destroyed") return;
    const exp = tokenExpiry(token);
    if (exp === undefined) return;
    const left = exp * 1000 - Date.now();
    if (left <= 0) return; // already expired: the frame will report payport:unauthorized
    let delay = left - REFRESH_BEFORE_EXPIRY_MS;
    if (delay < 1000) delay = Math.max(left / 2, 1000); // short-lived tokens: avoid a refresh loop
    refreshTimer = setTimeout(() => void refresh(), delay);
  }

  /** Calls the token function again and posts payport:token. */
  function refresh(): Promise<void> {
    if (refreshing) return refreshing;
    const p = provider;
    refreshing = (async () => {
      try {
        const fresh = await fetchToken(p);
        if (state === "destroyed") return;
        token = fresh;
        send({ type: "payport:token", token: fresh });
        scheduleRefresh();
      } catch (err) {
        if (state !== "destroyed") emit("tokenRefreshError", err);
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  function showExpired() {
    state = "expired";
    clearTimeout(refreshTimer);
    queued.clear();
    iframe.hidden = true;
    iframe.style.display = "none";
    status.textContent = EXPIRED_TEXT;
    status.hidden = false;
    root.setAttribute("data-state", "expired");
  }

  async function init() {
    const seq = ++initSeq;
    let value: string;
    try {
      if (!tokenPromise) tokenPromise = fetchToken(provider);
      value = await tokenPromise;
    } catch (err) {
      tokenPromise = undefined;
      if (state === "destroyed" || seq !== initSeq) return;
      const e =
        err instanceof PayoutsSessionError
          ? err
          : new PayoutsSessionError("token_unavailable", `could not get a token: ${(err as Error)?.message ?? err}`);
      if (reinitPending) emit("tokenRefreshError", err);
      emit("error", e);
      return;
    }
    if (state === "destroyed" || state === "expired" || seq !== initSeq) return;
    token = value;
    state = "initializing";
    post({ type: "payport:init", token: value, companyId: current.companyId, currency: current.currency, redirectUrl: current.redirectUrl });
    scheduleRefresh();
  }

  function onUnauthorized() {
    if (typeof provider !== "function" || reinitsWithoutReady >= 1) {
      const e = new PayoutsSessionError(
        "token_expired",
        typeof provider === "function"
          ? "the session ended and a fresh token was refused"
          : "the session ended: the access token expired (pass a token function to refresh it automatically)",
      );
      showExpired();
      emit("error", e);
      return;
    }
    // The session ended: reload the shell and init it with a fresh token.
    reinitsWithoutReady++;
    reinitPending = true;
    clearTimeout(refreshTimer);
    state = "loading";
    token = undefined;
    tokenPromise = fetchToken(provider);
    tokenPromise.catch(() => {}); // reported by init()
    iframe.src = src;
  }

  function setHeight(h: unknown) {
    if (typeof h === "number" && Number.isFinite(h) && h >= 0) {
      iframe.style.height = `${Math.min(Math.ceil(h), 100_000)}px`;
    }
  }

  function onMessage(event: MessageEvent) {
    if (state === "destroyed") return;
    if (event.origin !== origin || !iframe.contentWindow || event.source !== iframe.contentWindow) return;
    const msg = event.data as Message | null;
    if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
    switch (msg.type) {
      case "payport:hello":
        if (state === "expired") return;
        // A shell loaded again after a session was set up: a token function gives a fresh token.
        if (token !== undefined && typeof provider === "function") {
          tokenPromise = fetchToken(provider);
          tokenPromise.catch(() => {});
        }
        void init();
        return;
      case "payport:ready": {
        if (state === "expired") return;
        state = "ready";
        setHeight(msg.height);
        reinitsWithoutReady = 0;
        for (const m of queued.values()) post(m);
        queued.clear();
        if (reinitPending) {
          reinitPending = false;
          if (token !== undefined) emit("tokenRefreshed", token);
        }
        if (!readyEmitted) {
          readyEmitted = true;
          emit("ready", {
            page: typeof msg.page === "string" ? msg.page : undefined,
            height: typeof msg.height === "number" ? msg.height : undefined,
          });
        }
        return;
      }
      case "payport:resize":
        setHeight(msg.height);
        return;
      case "payport:session_expiring":
        // A static token cannot be renewed: payport:unauthorized will follow and is reported then.
        if (typeof provider === "function") void refresh();
        return;
      case "payport:unauthorized":
        if (state === "expired") return;
        onUnauthorized();
        return;
      case "payport:token_refreshed":
        if (token !== undefined) emit("tokenRefreshed", token);
        return;
      case "payport:options_updated":
        emit("optionsUpdated", { currency: current.currency });
        return;
      case "payport:error": {
        const code = typeof msg.code === "string" ? msg.code : "unknown";
        const message = typeof msg.message === "string" ? msg.message : code;
        const e = new PayoutsSessionError(code, message);
        if (code === "token_refresh_failed") emit("tokenRefreshError", e);
        emit("error", e);
        return;
      }
      case "payport:close":
        emit("close", {
          status: typeof msg.status === "string" ? msg.status : undefined,
          withdrawalId: typeof msg.withdrawal_id === "string" ? msg.withdrawal_id : undefined,
        });
        return;
    }
  }

  win.addEventListener("message", onMessage);
  // Start fetching the token while the shell loads.
  tokenPromise = fetchToken(provider);
  tokenPromise.catch(() => {}); // reported by init() once the shell says hello
  iframe.src = src;
  container.appendChild(root);

  const open = (modal: PayoutsSessionModal) => send({ type: "payport:open", modal });

  const session: PayoutsSession = {
    iframe,
    get options() {
      return { ...current };
    },
    open,
    showWithdrawModal: () => open(MODAL_METHODS.showWithdrawModal),
    showAddPayoutMethodModal: () => open(MODAL_METHODS.showAddPayoutMethodModal),
    showVerifyModal: () => open(MODAL_METHODS.showVerifyModal),
    showChangeAccountCountryModal: () => open(MODAL_METHODS.showChangeAccountCountryModal),
    showResetAccountModal: () => open(MODAL_METHODS.showResetAccountModal),
    updateOptions(update: PayoutsSessionUpdate) {
      if (state === "destroyed") return;
      if (update.currency !== undefined) {
        if (!/^[A-Za-z]{3}$/.test(update.currency)) {
          throw new PayoutsSessionError("invalid_options", "currency must be a three-letter code such as USD");
        }
        current.currency = update.currency.toUpperCase();
        if (state === "loading") {
          // init has not been posted yet: it will carry the new currency.
          emit("optionsUpdated", { currency: current.currency });
        } else {
          send({ type: "payport:options", currency: current.currency });
        }
      }
      if (update.token !== undefined && update.token !== provider) {
        provider = update.token;
        if (state === "loading") {
          tokenPromise = fetchToken(provider);
          tokenPromise.catch(() => {});
        } else {
          void refresh();
        }
      }
    },
    on(event, handler) {
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      set.add(handler as (...args: never[]) => void);
      return () => session.off(event, handler);
    },
    off(event, handler) {
      handlers.get(event)?.delete(handler as (...args: never[]) => void);
    },
    destroy() {
      if (state === "destroyed") return;
      state = "destroyed";
      clearTimeout(refreshTimer);
      win.removeEventListener("message", onMessage);
      queued.clear();
      handlers.clear();
      root.remove();
    },
  };
  return session;
}
