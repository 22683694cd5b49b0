// The React wrapper: seed 004's <PayoutsSession> and usePayoutsSessionRef over createPayoutsSession.
// (dist/react.js starts with "use client": the build adds it as a banner.)

import {
  forwardRef,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type CSSProperties,
  type ReactNode,
  type RefObject,
} from "react";
import {
  createPayoutsSession,
  PayoutsSessionError,
  type PayoutsSession as PayoutsSessionController,
  type PayoutsSessionClose,
  type TokenProvider,
} from "./session.js";

export {
  createPayoutsSession,
  PayoutsSessionError,
  redirectUrlProblem,
  tokenExpiry,
  type PayoutsSessionClose,
  type PayoutsSessionModal,
  type PayoutsSessionOptions,
  type TokenProvider,
} from "./session.js";
export type { PayoutsSessionController };

/** Props of <PayoutsSession>: seed 004's (token, companyId, redirectUrl, currency) plus payportUrl and callbacks. */
export interface PayoutsSessionProps {
  /** Base URL of your Payport server, e.g. "https://payouts.example.com". */
  payportUrl: string;
  /** Access token: a string, a promise, or a function returning one (called again to refresh). */
  token: TokenProvider;
  /** The company (connected account) the token was created for. */
  companyId: string;
  /** Absolute URL to send the user to after identity verification (https; http://localhost in test mode). */
  redirectUrl?: string;
  /** Currency code; defaults to "USD". */
  currency?: string;
  onReady?: (info: { page?: string; height?: number }) => void;
  onError?: (error: PayoutsSessionError) => void;
  onTokenRefreshed?: (token: string) => void;
  onTokenRefreshError?: (error: unknown) => void;
  onOptionsUpdated?: (options: { currency: string }) => void;
  onClose?: (result: PayoutsSessionClose) => void;
  className?: string;
  style?: CSSProperties;
  /** Rendered after the portal's frame. */
  children?: ReactNode;
}

/** What a PayoutsSession ref exposes. */
export interface PayoutsSessionHandle {
  showWithdrawModal(): void;
  showAddPayoutMethodModal(): void;
  showVerifyModal(): void;
  showChangeAccountCountryModal(): void;
  showResetAccountModal(): void;
  /** The underlying controller (null before mount or after an options error). */
  readonly payoutsSession: PayoutsSessionController | null;
}

/** A ref for <PayoutsSession ref={ref}>: ref.current?.showResetAccountModal(). */
export function usePayoutsSessionRef(): RefObject<PayoutsSessionHandle | null> {
  return useRef<PayoutsSessionHandle | null>(null);
}

/** Seed 004's PayoutsSession, framing Payport's embedded payouts portal. */
export const PayoutsSession = forwardRef<PayoutsSessionHandle, PayoutsSessionProps>(function PayoutsSession(
  props,
  ref,
) {
  const { payportUrl, companyId, redirectUrl, currency, token, className, style, children } = props;
  const mountRef = useRef<HTMLDivElement | null>(null);
  const sessionRef = useRef<PayoutsSessionController | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const isFunctionToken = typeof token === "function";
  // A token function may be a new closure on every render: the session always calls the latest one.
  const callLatestToken = useRef(() => (latest.current.token as () => string | Promise<string>)()).current;

  useImperativeHandle(
    ref,
    () => ({
      showWithdrawModal: () => sessionRef.current?.showWithdrawModal(),
      showAddPayoutMethodModal: () => sessionRef.current?.showAddPayoutMethodModal(),
      showVerifyModal: () => sessionRef.current?.showVerifyModal(),
      showChangeAccountCountryModal: () => sessionRef.current?.showChangeAccountCountryModal(),
      showResetAccountModal: () => sessionRef.current?.showResetAccountModal(),
      get payoutsSession() {
        return sessionRef.current;
      },
    }),
    [],
  );

  // One session per server, company and redirect URL; token and currency changes are sent to it.
  useEffect(() => {
    const mount = mountRef.current;
    if (!mount) return;
    const p = latest.current;
    const provider: TokenProvider = typeof p.token === "function" ? callLatestToken : p.token;
    let session: PayoutsSessionController;
    try {
      session = createPayoutsSession(mount, {
        payportUrl,
        companyId,
        redirectUrl,
        currency: p.currency,
        token: provider,
      });
    } catch (err) {
      const e = err instanceof PayoutsSessionError ? err : new PayoutsSessionError("invalid_options", String(err));
      setProblem(e.message);
      latest.current.onError?.(e);
      return;
    }
    setProblem(null);
    session.on("ready", (info) => latest.current.onReady?.(info));
    session.on("error", (e) => latest.current.onError?.(e));
    session.on("tokenRefreshed", (t) => latest.current.onTokenRefreshed?.(t));
    session.on("tokenRefreshError", (e) => latest.current.onTokenRefreshError?.(e));
    session.on("optionsUpdated", (o) => latest.current.onOptionsUpdated?.(o));
    session.on("close", (r) => latest.current.onClose?.(r));
    sessionRef.current = session;
    return () => {
      session.destroy();
      if (sessionRef.current === session) sessionRef.current = null;
    };
  }, [payportUrl, companyId, redirectUrl]);

  useEffect(() => {
    const session = sessionRef.current;
    const c = (currency ?? "USD").toUpperCase();
    if (session && session.options.currency !== c) session.updateOptions({ currency: c });
  }, [currency]);

  // A new string or promise token is posted to the frame; a function token is called on demand.
  useEffect(() => {
    const session = sessionRef.current;
    if (!session) return;
    session.updateOptions({ token: isFunctionToken ? callLatestToken : token });
  }, [isFunctionToken ? callLatestToken : token]);

  return (
    <div className={className} style={style} data-payport-payouts-session-react="">
      <div ref={mountRef} />
      {problem !== null && (
        <div role="alert" data-payport-status="">
          Payouts cannot be shown: {problem}
        </div>
      )}
      {children}
    </div>
  );
});
