// <payport-payouts-session>: the framework-free custom element, and the entry point of
// dist/payouts-session.js (which Payport serves at /embed/payouts-session.js).

import {
  createPayoutsSession,
  PayoutsSessionError,
  type PayoutsSession,
  type PayoutsSessionEventName,
  type PayoutsSessionModal,
  type PayoutsSessionUpdate,
  type TokenProvider,
} from "./session.js";

export * from "./session.js";

/** The tag name of the custom element. */
export const ELEMENT_TAG = "payport-payouts-session";

const EVENTS: PayoutsSessionEventName[] = [
  "ready",
  "tokenRefreshed",
  "tokenRefreshError",
  "optionsUpdated",
  "error",
  "close",
];

/** The custom element's interface (its class is created by defineElement). */
export interface PayoutsSessionElement extends HTMLElement {
  payportUrl: string | null;
  companyId: string | null;
  redirectUrl: string | null;
  currency: string | null;
  /** A string, a promise, or a function returning a fresh token; the `token` attribute sets a string. */
  token: TokenProvider | null;
  /** The running session (null until connected with payport-url, company-id and a token). */
  readonly session: PayoutsSession | null;
  showWithdrawModal(): void;
  showAddPayoutMethodModal(): void;
  showVerifyModal(): void;
  showChangeAccountCountryModal(): void;
  showResetAccountModal(): void;
  open(modal: PayoutsSessionModal): void;
  updateOptions(update: PayoutsSessionUpdate): void;
}

/**
 * Defines <payport-payouts-session> (once; a no-op outside a browser). Attributes: payport-url,
 * company-id, redirect-url, currency, token (or set the `token` property to a function). Events
 * are CustomEvents named like the session's (ready, tokenRefreshed, tokenRefreshError,
 * optionsUpdated, error, close) with the handler's argument as `detail`.
 */
export function defineElement(registry?: CustomElementRegistry): void {
  const reg = registry ?? (typeof customElements !== "undefined" ? customElements : undefined);
  if (!reg || typeof HTMLElement === "undefined" || reg.get(ELEMENT_TAG)) return;

  class Element extends HTMLElement implements PayoutsSessionElement {
    static observedAttributes = ["payport-url", "company-id", "redirect-url", "currency", "token"];
    #session: PayoutsSession | null = null;
    #token: TokenProvider | null = null;
    #mount: HTMLDivElement | null = null;
    #scheduled = false;

    get session() {
      return this.#session;
    }
    get payportUrl() {
      return this.getAttribute("payport-url");
    }
    set payportUrl(v) {
      this.#setAttr("payport-url", v);
    }
    get companyId() {
      return this.getAttribute("company-id");
    }
    set companyId(v) {
      this.#setAttr("company-id", v);
    }
    get redirectUrl() {
      return this.getAttribute("redirect-url");
    }
    set redirectUrl(v) {
      this.#setAttr("redirect-url", v);
    }
    get currency() {
      return this.getAttribute("currency");
    }
    set currency(v) {
      this.#setAttr("currency", v);
    }
    get token() {
      return this.#token ?? this.getAttribute("token");
    }
    set token(v) {
      this.#token = v;
      if (this.#session && v) this.#session.updateOptions({ token: v });
      else this.#schedule();
    }

    #setAttr(name: string, v: string | null) {
      if (v === null || v === undefined) this.removeAttribute(name);
      else this.setAttribute(name, String(v));
    }

    connectedCallback() {
      if (!this.shadowRoot) {
        const shadow = this.attachShadow({ mode: "open" });
        const css = ":host{display:block}:host([hidden]){display:none}";
        this.#mount = document.createElement("div");
        // A constructed sheet passes a strict CSP (no 'unsafe-inline' for styles); <style> is the fallback.
        try {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css);
          shadow.adoptedStyleSheets = [sheet];
        } catch {
          const style = document.createElement("style");
          style.textContent = css;
          shadow.append(style);
        }
        shadow.append(this.#mount);
      }
      this.#schedule();
    }

    disconnectedCallback() {
      this.#stop();
    }

    attributeChangedCallback(name: string, old: string | null, value: string | null) {
      if (old === value || !this.#session) {
        this.#schedule();
        return;
      }
      if (name === "currency" && value) {
        this.#session.updateOptions({ currency: value });
      } else if (name === "token" && value && this.#token === null) {
        this.#session.updateOptions({ token: value });
      } else if (name !== "currency" && name !== "token") {
        // payport-url, company-id or redirect-url changed: start over.
        this.#stop();
        this.#schedule();
      }
    }

    // Starting waits a microtask so that properties set right after insertion are seen.
    #schedule() {
      if (this.#scheduled || this.#session) return;
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#start();
      });
    }

    #start() {
      const token = this.token;
      const payportUrl = this.payportUrl;
      const companyId = this.companyId;
      if (this.#session || !this.isConnected || !this.#mount || !payportUrl || !companyId || !token) return;
      this.#mount.replaceChildren();
      let session: PayoutsSession;
      try {
        session = createPayoutsSession(this.#mount, {
          payportUrl,
          companyId,
          token,
          redirectUrl: this.redirectUrl ?? undefined,
          currency: this.currency ?? undefined,
        });
      } catch (err) {
        const e =
          err instanceof PayoutsSessionError ? err : new PayoutsSessionError("invalid_options", String(err));
        const box = document.createElement("div");
        box.setAttribute("role", "alert");
        box.setAttribute("data-payport-status", "");
        box.textContent = `Payouts cannot be shown: ${e.message}`;
        this.#mount.append(box);
        this.dispatchEvent(new CustomEvent("error", { detail: e }));
        return;
      }
      for (const name of EVENTS) {
        session.on(name, ((detail: unknown) => {
          this.dispatchEvent(new CustomEvent(name, { detail }));
        }) as never);
      }
      this.#session = session;
    }

    #stop() {
      this.#session?.destroy();
      this.#session = null;
    }

    showWithdrawModal() {
      this.#session?.showWithdrawModal();
    }
    showAddPayoutMethodModal() {
      this.#session?.showAddPayoutMethodModal();
    }
    showVerifyModal() {
      this.#session?.showVerifyModal();
    }
    showChangeAccountCountryModal() {
      this.#session?.showChangeAccountCountryModal();
    }
    showResetAccountModal() {
      this.#session?.showResetAccountModal();
    }
    open(modal: PayoutsSessionModal) {
      this.#session?.open(modal);
    }
    updateOptions(update: PayoutsSessionUpdate) {
      this.#session?.updateOptions(update);
    }
  }

  reg.define(ELEMENT_TAG, Element);
}

declare global {
  interface HTMLElementTagNameMap {
    "payport-payouts-session": PayoutsSessionElement;
  }
}

defineElement();
