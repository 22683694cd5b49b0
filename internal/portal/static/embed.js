// Loaded by every portal page of an embedded session (docs/EMBED.md): reports the page and its
// height to the component, opens the modals it asks for, passes refreshed tokens on, and warns
// before the session ends. It listens only to its parent at the session's origin and posts only
// there.
(function () {
  var el = document.getElementById("payport-embed");
  if (!el || window.parent === window) return;
  var origin = el.dataset.origin, csrf = el.dataset.csrf, expiresAt = Date.parse(el.dataset.expiresAt);
  function post(msg) { window.parent.postMessage(msg, origin); }
  var pages = { withdraw: "/rewards/withdraw", add_payout_method: "/rewards/setup", verify: "/account/identity",
    change_account_country: "/account/country", reset_account: "/account/reset", home: "/rewards/balance" };
  var lastHeight = 0;
  function height() { return document.documentElement.scrollHeight; }
  function resize() {
    var h = height();
    if (h !== lastHeight) { lastHeight = h; post({ type: "payport:resize", height: h }); }
  }
  var warn, end;
  function schedule() {
    clearTimeout(warn);
    clearTimeout(end);
    warn = setTimeout(function () { post({ type: "payport:session_expiring", expires_at: new Date(expiresAt).toISOString() }); },
      Math.max(0, expiresAt - Date.now() - 60000));
    // Not refreshed in time: the session is over; the component re-inits or reports it.
    end = setTimeout(function () { post({ type: "payport:unauthorized" }); }, Math.max(0, expiresAt - Date.now()));
  }
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || e.origin !== origin || !e.data) return;
    var m = e.data;
    if (m.type === "payport:open" && pages[m.modal]) {
      window.location.assign(pages[m.modal]);
    } else if (m.type === "payport:token" && typeof m.token === "string") {
      fetch("/embed/session/refresh", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Payport-CSRF": csrf }, body: JSON.stringify({ token: m.token }) })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
        .then(function (res) {
          if (!res.ok) { post({ type: "payport:error", code: "token_refresh_failed", message: res.body.detail || "" }); return; }
          expiresAt = Date.parse(res.body.expires_at); schedule();
          post({ type: "payport:token_refreshed" });
        })
        .catch(function () { post({ type: "payport:error", code: "token_refresh_failed", message: "Payport could not be reached." }); });
    } else if (m.type === "payport:options" && typeof m.currency === "string") {
      fetch("/embed/session/options", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Payport-CSRF": csrf }, body: JSON.stringify({ currency: m.currency }) })
        .then(function (r) {
          if (!r.ok) { post({ type: "payport:error", code: "invalid_options", message: "the currency was refused" }); return; }
          post({ type: "payport:options_updated" });
          window.location.reload();
        })
        .catch(function () { post({ type: "payport:error", code: "network", message: "Payport could not be reached." }); });
    } else if (m.type === "payport:options") {
      post({ type: "payport:options_updated" });
    }
  });
  lastHeight = height();
  post({ type: "payport:ready", page: window.location.pathname, height: lastHeight });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.documentElement);
  schedule();
})();
