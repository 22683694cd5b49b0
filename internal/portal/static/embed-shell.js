// The embedded component's frame shell (docs/EMBED.md): it says hello to its parent, takes the
// access token from the parent's init message (never from a URL), and trades it, with the
// parent's origin, for a portal session; then it shows the portal's first page.
(function () {
  if (window.parent === window) {
    document.getElementById("state").textContent = "This page only works inside the payouts component.";
    return;
  }
  var done = false;
  window.addEventListener("message", function (e) {
    if (done || e.source !== window.parent || !e.data || e.data.type !== "payport:init" || typeof e.data.token !== "string") return;
    done = true;
    var origin = e.origin;
    fetch("/embed/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ token: e.data.token, origin: origin, redirect_url: e.data.redirectUrl || "", currency: e.data.currency || "" })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        // Only the origin that sent the token hears why it failed.
        window.parent.postMessage({ type: "payport:error", code: res.body.code || "invalid_token", message: res.body.detail || "" }, origin);
        document.getElementById("state").textContent = res.body.detail || "This session could not start.";
        return;
      }
      window.location.replace(res.body.next);
    }).catch(function () {
      window.parent.postMessage({ type: "payport:error", code: "network", message: "Payport could not be reached." }, origin);
    });
  });
  window.parent.postMessage({ type: "payport:hello" }, "*");
})();
